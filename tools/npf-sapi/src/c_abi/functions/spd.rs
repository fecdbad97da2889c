//! SPDs (6.6.2-6.6.6).

use crate::abi::*;
use crate::c_abi::read;
use crate::model::SpdHandle;
use crate::request::Request;

use super::{direction, spd_handles, submit};

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
        let spds = unsafe { read::slice(spd_handle_array.cast_const(), n_spd_handles) }?;
        Ok(Request::SpdDestroy(spd_handles(spds)))
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
        let spds = unsafe { read::slice(spd_handle_array.cast_const(), n_spd_handles) }?;
        Ok(Request::SpdFlush(spd_handles(spds)))
    })
}
