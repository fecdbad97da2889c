//! SAs and SPIs (6.6.16-6.6.19).

use crate::abi::*;
use crate::c_abi::read;
use crate::model::{PolicyHandle, SaAdd, SaHandle, UdpPorts};
use crate::request::Request;

use super::{direction, submit, submit_request};

/// `NPF_IPSecSA_Add` (6.6.16).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecSA_Add(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    sa_id: NPF_IPSecSA_ID_t,
    n_sa_count: NPF_uint32_t,
    sa_array: *mut NPF_IPSecSA_t,
    udp_ports: NPF_IPSecUDP_Ports_t,
    selector_count: NPF_uint32_t,
    selector_array: *mut NPF_IPSecSelector_t,
    previous_sa: NPF_IPSecSA_Handle_t,
    dir: NPF_IPSecDirection_t,
    acquire_context: NPF_uint32_t,
    vendor_spec_hint: NPF_uint32_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_sa_count` elements.
        let raw = unsafe { read::slice(sa_array.cast_const(), n_sa_count) }?;
        let mut sas = Vec::with_capacity(raw.len());
        for s in raw {
            // SAFETY: each SA's own key pointers.
            sas.push(unsafe { read::sa(s) }?);
        }
        Ok(Request::SaAdd(SaAdd {
            policy: PolicyHandle(policy_handle),
            sa_id,
            sas,
            udp: UdpPorts {
                src: udp_ports.srcPort,
                dst: udp_ports.dstPort,
            },
            // SAFETY: the caller's array of `selector_count` elements.
            selectors: unsafe { read::selectors(selector_array.cast_const(), selector_count) }?,
            previous: SaHandle(previous_sa),
            direction: direction(dir)?,
            acquire_context,
            vendor_hint: vendor_spec_hint,
        }))
    })
}

/// `NPF_IPSecSA_Remove` (6.6.17).
#[no_mangle]
pub extern "C" fn NPF_IPSecSA_Remove(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    sa_handle: NPF_IPSecSA_Handle_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::SaRemove {
            policy: PolicyHandle(policy_handle),
            sa: SaHandle(sa_handle),
        },
    )
}

/// `NPF_IPSecInSA_ReserveSPI` (6.6.18).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecInSA_ReserveSPI(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    selector_count: NPF_uint32_t,
    selector_array: *mut NPF_IPSecSelector_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::ReserveSpi {
            policy: PolicyHandle(policy_handle),
            // SAFETY: the caller's array of `selector_count` elements.
            selectors: unsafe { read::selectors(selector_array.cast_const(), selector_count) }?,
        })
    })
}

/// `NPF_IPSecInSA_ReleaseSPI` (6.6.19).
#[no_mangle]
pub extern "C" fn NPF_IPSecInSA_ReleaseSPI(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    spi: NPF_uint32_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::ReleaseSpi {
            policy: PolicyHandle(policy_handle),
            spi,
        },
    )
}
