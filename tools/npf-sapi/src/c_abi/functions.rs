//! The 35 exported functions. Each converts its C arguments into a [`Request`] (copying every
//! array, so the caller may free them once the function returns), and hands it to the service;
//! the synchronous return is `NPF_NO_ERROR` or the [`SyncError`] code (erratum E-SYNC).
//!
//! # Safety (all functions)
//! Pointer arguments must be NULL or point to as many valid elements as the matching count
//! argument says (structures with inner pointers likewise), as the agreement requires of its
//! callers; output pointers must be valid for a write.
// The C names and the agreement's parameter lists are the ABI.
#![allow(non_snake_case, clippy::too_many_arguments)]

use core::ffi::c_void;
use std::sync::Arc;

use crate::abi::*;
use crate::c_abi::response::CallbackData;
use crate::c_abi::{read, service, write};
use crate::error::SyncError;
use crate::model::{Direction, Event, PolicyHandle, SaAdd, SaHandle, SpdHandle, UdpPorts};
use crate::request::Request;
use crate::service::{Completion, Reporting};

fn code(r: Result<(), SyncError>) -> NPF_error_t {
    match r {
        Ok(()) => NPF_NO_ERROR,
        Err(e) => e.code(),
    }
}

fn direction(v: NPF_IPSecDirection_t) -> Result<Direction, SyncError> {
    Direction::from_c(v).ok_or(SyncError::Unknown)
}

/// Checks the reporting level, builds the request and submits it.
fn submit(
    cb: NPF_callbackHandle_t,
    correlator: NPF_correlator_t,
    reporting: NPF_errorReporting_t,
    build: impl FnOnce() -> Result<Request, SyncError>,
) -> NPF_error_t {
    code((|| {
        let reporting = Reporting::from_c(reporting)?;
        let request = build()?;
        service()?.submit(cb, correlator.expose_provenance(), reporting, request)
    })())
}

fn spd_handles(s: &[NPF_IPSecSPD_Handle_t]) -> Vec<SpdHandle> {
    s.iter().map(|h| SpdHandle(*h)).collect()
}

fn policy_handles(s: &[NPF_IPSecPolicy_Handle_t]) -> Vec<PolicyHandle> {
    s.iter().map(|h| PolicyHandle(*h)).collect()
}

/// Pairs each handle with its priority; the priorities array must have as many elements.
fn with_priorities<H: Copy, P: Copy + Into<u32>>(
    handles: &[H],
    prios: &[P],
) -> Result<Vec<(H, u32)>, SyncError> {
    if handles.len() != prios.len() {
        return Err(SyncError::Unknown);
    }
    Ok(handles
        .iter()
        .copied()
        .zip(prios.iter().map(|p| (*p).into()))
        .collect())
}

// --- registration (6.1, 6.2) ------------------------------------------------------------------

/// `NPF_IPSecRegister` (6.1.2).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecRegister(
    user_context: NPF_userContext_t,
    cb_func: NPF_IPSecCallbackFunc_t,
    cb_handle: *mut NPF_callbackHandle_t,
) -> NPF_error_t {
    let Some(func) = cb_func else {
        return NPF_E_BAD_CALLBACK_FUNCTION;
    };
    if cb_handle.is_null() {
        return NPF_E_UNKNOWN;
    }
    let Ok(svc) = service() else {
        return NPF_E_UNKNOWN;
    };
    let ctx = user_context.expose_provenance();
    let key = Some((ctx, func as usize));
    let completion = Arc::new(move |c: &Completion| {
        let mut data = CallbackData::build(c);
        let ctx = core::ptr::with_exposed_provenance_mut::<c_void>(ctx);
        let cor = core::ptr::with_exposed_provenance_mut::<c_void>(c.correlator);
        // SAFETY: the application registered `func` for exactly this call; `data` outlives it.
        unsafe { func(ctx, cor, data.data()) };
    });
    let (handle, result) = match svc.register(key, completion) {
        Ok(h) => (h, NPF_NO_ERROR),
        Err((h, e)) => (h, e.code()),
    };
    // SAFETY: non-null, and the caller passes a valid output location.
    unsafe { cb_handle.write(handle) };
    result
}

/// `NPF_IPSecDeregister` (6.1.3).
#[no_mangle]
pub extern "C" fn NPF_IPSecDeregister(cb_handle: NPF_callbackHandle_t) -> NPF_error_t {
    code(service().and_then(|s| s.deregister(cb_handle)))
}

/// `NPF_IPSecEventRegister` (6.2.2).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecEventRegister(
    user_context: NPF_userContext_t,
    event_call_func: NPF_IPSecEventCallFunc_t,
    event_mask: NPF_IPSecEventMask_t,
    event_call_handle: *mut NPF_IPSecEventCallHandle_t,
) -> NPF_error_t {
    let Some(func) = event_call_func else {
        return NPF_E_BAD_CALLBACK_HANDLE;
    };
    if event_call_handle.is_null() {
        return NPF_E_UNKNOWN;
    }
    let Ok(svc) = service() else {
        return NPF_E_UNKNOWN;
    };
    let ctx = user_context.expose_provenance();
    let key = Some((ctx, func as usize));
    let handler = Arc::new(move |events: &[Event]| {
        let mut data: Vec<NPF_IPSecEventData_t> = events.iter().map(write::event).collect();
        let array = NPF_IPSecEventArray_t {
            n_data: u16::try_from(data.len()).unwrap_or(u16::MAX),
            eventDataArray: data.as_mut_ptr(),
        };
        let ctx = core::ptr::with_exposed_provenance_mut::<c_void>(ctx);
        // SAFETY: the application registered `func` for events; `data` outlives the call.
        unsafe { func(ctx, array) };
    });
    let (handle, result) = match svc.event_register(key, event_mask, handler) {
        Ok(h) => (h, NPF_NO_ERROR),
        Err((h, e)) => (h, e.code()),
    };
    // SAFETY: non-null, and the caller passes a valid output location.
    unsafe { event_call_handle.write(handle) };
    result
}

/// `NPF_IPSecEventDeregister` (6.2.3).
#[no_mangle]
pub extern "C" fn NPF_IPSecEventDeregister(
    event_call_handle: NPF_IPSecEventCallHandle_t,
) -> NPF_error_t {
    code(service().and_then(|s| s.event_deregister(event_call_handle)))
}

/// `NPF_IPSecRateLimitEvents` (6.6.20).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecRateLimitEvents(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    count_event_data: NPF_uint32_t,
    event_limit_array: *mut NPF_IPSecEventLimit_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `count_event_data` elements.
        let limits = unsafe { read::slice(event_limit_array.cast_const(), count_event_data) }?;
        Ok(Request::RateLimitEvents(
            limits.iter().map(read::event_limit).collect(),
        ))
    })
}

// --- SPDs (6.6.2-6.6.6) -----------------------------------------------------------------------

/// `NPF_IPSecSPD_Create` (6.6.2).
///
/// # Safety
/// See the module documentation.
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
        let ifs = unsafe { read::slice(if_handle_array.cast_const(), nif_handles) }?;
        Ok(Request::SpdCreate {
            direction: direction(dir)?,
            ifs: ifs.to_vec(),
            id: spd_id,
        })
    })
}

/// `NPF_IPSecSPD_Destroy` (6.6.3).
///
/// # Safety
/// See the module documentation.
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
        let spds = unsafe { read::slice(spd_handle_array.cast_const(), n_spd_handles) }?;
        Ok(Request::SpdDestroy(spd_handles(spds)))
    })
}

/// `NPF_IPSecSPD_Bind` (6.6.4).
///
/// # Safety
/// See the module documentation.
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
        // SAFETY: the caller's array of `nif_handles` elements.
        let ifs = unsafe { read::slice(if_handle_array.cast_const(), nif_handles) }?;
        Ok(Request::SpdBind {
            spd: SpdHandle(spd_handle),
            ifs: ifs.to_vec(),
        })
    })
}

/// `NPF_IPSecSPD_UnBind` (6.6.5).
///
/// # Safety
/// See the module documentation.
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
        // SAFETY: the caller's array of `nif_handles` elements.
        let ifs = unsafe { read::slice(if_handle_array.cast_const(), nif_handles) }?;
        Ok(Request::SpdUnbind {
            spd: SpdHandle(spd_handle),
            ifs: ifs.to_vec(),
        })
    })
}

/// `NPF_IPSecSPD_Flush` (6.6.6).
///
/// # Safety
/// See the module documentation.
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
        let spds = unsafe { read::slice(spd_handle_array.cast_const(), n_spd_handles) }?;
        Ok(Request::SpdFlush(spd_handles(spds)))
    })
}

// --- policies (6.6.7-6.6.15) ------------------------------------------------------------------

/// `NPF_IPSecPolicy_Create` (6.6.7).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecPolicy_Create(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy: *mut NPF_IPSecPolicy_t,
    n_handles: NPF_uint32_t,
    spd_handle_array: *mut NPF_IPSecSPD_Handle_t,
    dir: NPF_IPSecDirection_t,
    priorities_array: *mut NPF_uint8_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's policy (one element).
        let p = unsafe { read::slice(policy.cast_const(), 1) }?;
        let p = p.first().ok_or(SyncError::Unknown)?;
        // SAFETY: the policy's own selector array.
        let policy = unsafe { read::policy(p) }?;
        // SAFETY: the caller's array of `n_handles` elements.
        let spds = unsafe { read::slice(spd_handle_array.cast_const(), n_handles) }?;
        // SAFETY: the caller's array of `n_handles` elements.
        let prios = unsafe { read::slice(priorities_array.cast_const(), n_handles) }?;
        Ok(Request::PolicyCreate {
            policy,
            spds: with_priorities(&spd_handles(spds), prios)?,
            direction: direction(dir)?,
        })
    })
}

/// `NPF_IPSecPolicy_Destroy` (6.6.8).
#[no_mangle]
pub extern "C" fn NPF_IPSecPolicy_Destroy(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::PolicyDestroy(PolicyHandle(policy_handle)))
    })
}

/// `NPF_IPSecPolicy_BatchCreate` (6.6.9).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecPolicy_BatchCreate(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    n_policies: NPF_uint32_t,
    policy_array: *mut NPF_IPSecPolicy_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
    dir: NPF_IPSecDirection_t,
    priorities_array: *mut NPF_uint32_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_policies` elements.
        let ps = unsafe { read::slice(policy_array.cast_const(), n_policies) }?;
        // SAFETY: the caller's array of `n_policies` elements.
        let prios = unsafe { read::slice(priorities_array.cast_const(), n_policies) }?;
        let mut policies = Vec::with_capacity(ps.len());
        for p in ps {
            // SAFETY: each policy's own selector array.
            policies.push(unsafe { read::policy(p) }?);
        }
        Ok(Request::PolicyBatchCreate {
            policies: with_priorities(&policies.iter().collect::<Vec<_>>(), prios)?
                .into_iter()
                .map(|(p, prio)| (p.clone(), prio))
                .collect(),
            spd: SpdHandle(spd_handle),
            direction: direction(dir)?,
        })
    })
}

/// `NPF_IPSecPolicy_BatchDestroy` (6.6.10).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecPolicy_BatchDestroy(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    n_policies: NPF_uint32_t,
    policy_handle_array: *mut NPF_IPSecPolicy_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_policies` elements.
        let ps = unsafe { read::slice(policy_handle_array.cast_const(), n_policies) }?;
        Ok(Request::PolicyBatchDestroy(policy_handles(ps)))
    })
}

/// `NPF_IPSecPolicy_Bind` (6.6.11).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecPolicy_Bind(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    n_handles: NPF_uint32_t,
    spd_handle_array: *mut NPF_IPSecSPD_Handle_t,
    priorities_array: *mut NPF_uint8_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_handles` elements.
        let spds = unsafe { read::slice(spd_handle_array.cast_const(), n_handles) }?;
        // SAFETY: the caller's array of `n_handles` elements.
        let prios = unsafe { read::slice(priorities_array.cast_const(), n_handles) }?;
        Ok(Request::PolicyBind {
            policy: PolicyHandle(policy_handle),
            spds: with_priorities(&spd_handles(spds), prios)?,
        })
    })
}

/// `NPF_IPSecPolicy_UnBind` (6.6.12).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecPolicy_UnBind(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    n_spd_handles: NPF_uint32_t,
    spd_handle_array: *mut NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_spd_handles` elements.
        let spds = unsafe { read::slice(spd_handle_array.cast_const(), n_spd_handles) }?;
        Ok(Request::PolicyUnbind {
            policy: PolicyHandle(policy_handle),
            spds: spd_handles(spds),
        })
    })
}

/// `NPF_IPSecPolicy_BatchBind` (6.6.13).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecPolicy_BatchBind(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    n_policies: NPF_uint32_t,
    policy_handle_array: *mut NPF_IPSecPolicy_Handle_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
    dir: NPF_IPSecDirection_t,
    priorities_array: *mut NPF_uint32_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_policies` elements.
        let ps = unsafe { read::slice(policy_handle_array.cast_const(), n_policies) }?;
        // SAFETY: the caller's array of `n_policies` elements.
        let prios = unsafe { read::slice(priorities_array.cast_const(), n_policies) }?;
        Ok(Request::PolicyBatchBind {
            policies: with_priorities(&policy_handles(ps), prios)?,
            spd: SpdHandle(spd_handle),
            direction: direction(dir)?,
        })
    })
}

/// `NPF_IPSecPolicy_BatchUnBind` (6.6.14).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecPolicy_BatchUnBind(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    n_policies: NPF_uint32_t,
    policy_handle_array: *mut NPF_IPSecPolicy_Handle_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `n_policies` elements.
        let ps = unsafe { read::slice(policy_handle_array.cast_const(), n_policies) }?;
        Ok(Request::PolicyBatchUnbind {
            policies: policy_handles(ps),
            spd: SpdHandle(spd_handle),
        })
    })
}

/// `NPF_IPSecPolicy_ChangePriority` (6.6.15).
#[no_mangle]
pub extern "C" fn NPF_IPSecPolicy_ChangePriority(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    new_priority: NPF_uint8_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::PolicyChangePriority {
            spd: SpdHandle(spd_handle),
            policy: PolicyHandle(policy_handle),
            priority: u32::from(new_priority),
        })
    })
}

// --- SAs and SPIs (6.6.16-6.6.19) -------------------------------------------------------------

/// `NPF_IPSecSA_Add` (6.6.16).
///
/// # Safety
/// See the module documentation.
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
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::SaRemove {
            policy: PolicyHandle(policy_handle),
            sa: SaHandle(sa_handle),
        })
    })
}

/// `NPF_IPSecInSA_ReserveSPI` (6.6.18).
///
/// # Safety
/// See the module documentation.
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
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::ReleaseSpi {
            policy: PolicyHandle(policy_handle),
            spi,
        })
    })
}

// --- statistics (6.6.21, 6.6.22) --------------------------------------------------------------

/// `NPF_IPSecPolicy_GetStats` (6.6.21).
#[no_mangle]
pub extern "C" fn NPF_IPSecPolicy_GetStats(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    reset_stats: NPF_boolean_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::PolicyGetStats {
            policy: PolicyHandle(policy_handle),
            reset: reset_stats != NPF_FALSE,
        })
    })
}

/// `NPF_IPSecSA_GetStats` (6.6.22).
#[no_mangle]
pub extern "C" fn NPF_IPSecSA_GetStats(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    sa_handle: NPF_IPSecSA_Handle_t,
    reset_stats: NPF_boolean_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::SaGetStats {
            policy: PolicyHandle(policy_handle),
            sa: SaHandle(sa_handle),
            reset: reset_stats != NPF_FALSE,
        })
    })
}

// --- queries (6.6.23-6.6.32) ------------------------------------------------------------------

/// `NPF_IPSecQuery_AllSPDs` (6.6.23).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllSPDs(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::QueryAllSpds)
    })
}

/// `NPF_IPSecQuery_AllSPDBindings` (6.6.24).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllSPDBindings(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::QueryAllSpdBindings(SpdHandle(spd_handle)))
    })
}

/// `NPF_IPSecQuery_AllPolicies` (6.6.25).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllPolicies(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::QueryAllPolicies(SpdHandle(spd_handle)))
    })
}

/// `NPF_IPSecQuery_AllPolicyBindings` (6.6.26).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllPolicyBindings(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::QueryAllPolicyBindings(PolicyHandle(policy_handle)))
    })
}

/// `NPF_IPSecQuery_AllSAs` (6.6.27).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllSAs(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::QueryAllSas(SpdHandle(spd_handle)))
    })
}

/// `NPF_IPSecQuery_PolicyData` (6.6.28).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_PolicyData(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::QueryPolicyData(PolicyHandle(policy_handle)))
    })
}

/// `NPF_IPSecQuery_SAData` (6.6.29).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_SAData(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    sa_handle: NPF_IPSecSA_Handle_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        Ok(Request::QuerySaData(SaHandle(sa_handle)))
    })
}

/// `NPF_IPSecQuery_SPDHandle` (6.6.30).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecQuery_SPDHandle(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    count_spd_ids: NPF_uint32_t,
    spd_id_array: *mut NPF_IPSecSPD_ID_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `count_spd_ids` elements.
        let ids = unsafe { read::slice(spd_id_array.cast_const(), count_spd_ids) }?;
        Ok(Request::QuerySpdHandle(ids.to_vec()))
    })
}

/// `NPF_IPSecQuery_PolicyHandle` (6.6.31).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecQuery_PolicyHandle(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    count_policy_ids: NPF_uint32_t,
    policy_id_array: *mut NPF_IPSecPolicy_ID_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `count_policy_ids` elements.
        let ids = unsafe { read::slice(policy_id_array.cast_const(), count_policy_ids) }?;
        Ok(Request::QueryPolicyHandle(ids.to_vec()))
    })
}

/// `NPF_IPSecQuery_SAHandle` (6.6.32).
///
/// # Safety
/// See the module documentation.
#[no_mangle]
pub unsafe extern "C" fn NPF_IPSecQuery_SAHandle(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    count_sa_ids: NPF_uint32_t,
    array_sa_ids: *mut NPF_IPSecSA_ID_t,
) -> NPF_error_t {
    submit(cb_handle, cb_correlator, error_reporting, || {
        // SAFETY: the caller's array of `count_sa_ids` elements.
        let ids = unsafe { read::slice(array_sa_ids.cast_const(), count_sa_ids) }?;
        Ok(Request::QuerySaHandle {
            policy: PolicyHandle(policy_handle),
            ids: ids.to_vec(),
        })
    })
}
