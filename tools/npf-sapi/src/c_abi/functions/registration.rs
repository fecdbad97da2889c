//! Registration (6.1, 6.2): callbacks, event callbacks and event rate limits.

use core::ffi::c_void;
use std::sync::Arc;

use crate::abi::*;
use crate::c_abi::response::CallbackData;
use crate::c_abi::{read, service, write};
use crate::model::Event;
use crate::request::Request;
use crate::service::Completion;

use super::{code, submit};

/// `NPF_IPSecRegister` (6.1.2).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
/// See the documentation of [`c_abi::functions`](super).
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
/// See the documentation of [`c_abi::functions`](super).
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
