//! SPDs (6.6.2-6.6.6).

use crate::abi::*;
use crate::model::SpdHandle;
use crate::request::Request;

use super::{copied, direction, spd_handles, submit};

/// `NPF_IPSecSPD_Create` (6.6.2).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecSPD_Create(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    dir: NPF_IPSecDirection_t,
    nif_handles: NPF_uint32_t,
    if_handle_array: *mut NPF_IfHandle_t,
    spd_id: NPF_IPSecSPD_ID_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `nif_handles` elements.
        let ifs = unsafe { copied(if_handle_array, nif_handles) }?;
        Ok(Request::SpdCreate {
            direction: direction(dir)?,
            ifs,
            id: spd_id,
        })
    })
}

/// `NPF_IPSecSPD_Destroy` (6.6.3).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecSPD_Destroy(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    n_spd_handles: NPF_uint32_t,
    spd_handle_array: *mut NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_spd_handles` elements.
        let spds = unsafe { spd_handles(spd_handle_array, n_spd_handles) }?;
        Ok(Request::SpdDestroy(spds))
    })
}

/// `NPF_IPSecSPD_Bind` (6.6.4).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecSPD_Bind(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
    nif_handles: NPF_uint32_t,
    if_handle_array: *mut NPF_IfHandle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::SpdBind {
            spd: SpdHandle(spd_handle),
            // SAFETY: the caller's array of `nif_handles` elements.
            ifs: unsafe { copied(if_handle_array, nif_handles) }?,
        })
    })
}

/// `NPF_IPSecSPD_UnBind` (6.6.5).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecSPD_UnBind(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
    nif_handles: NPF_uint32_t,
    if_handle_array: *mut NPF_IfHandle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::SpdUnbind {
            spd: SpdHandle(spd_handle),
            // SAFETY: the caller's array of `nif_handles` elements.
            ifs: unsafe { copied(if_handle_array, nif_handles) }?,
        })
    })
}

/// `NPF_IPSecSPD_Flush` (6.6.6).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecSPD_Flush(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    n_spd_handles: NPF_uint32_t,
    spd_handle_array: *mut NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_spd_handles` elements.
        let spds = unsafe { spd_handles(spd_handle_array, n_spd_handles) }?;
        Ok(Request::SpdFlush(spds))
    })
}
