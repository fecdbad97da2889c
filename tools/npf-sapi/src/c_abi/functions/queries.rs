//! Queries (6.6.23-6.6.32).

use crate::abi::*;
use crate::model::{PolicyHandle, SaHandle, SpdHandle};
use crate::request::Request;

use super::{copied, submit, submit_request};

/// `NPF_IPSecQuery_AllSPDs` (6.6.23).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllSPDs(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::QueryAllSpds,
    )
}

/// `NPF_IPSecQuery_AllSPDBindings` (6.6.24).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllSPDBindings(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::QueryAllSpdBindings(SpdHandle(spd_handle)),
    )
}

/// `NPF_IPSecQuery_AllPolicies` (6.6.25).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllPolicies(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::QueryAllPolicies(SpdHandle(spd_handle)),
    )
}

/// `NPF_IPSecQuery_AllPolicyBindings` (6.6.26).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllPolicyBindings(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::QueryAllPolicyBindings(PolicyHandle(policy_handle)),
    )
}

/// `NPF_IPSecQuery_AllSAs` (6.6.27).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_AllSAs(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    spd_handle: NPF_IPSecSPD_Handle_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::QueryAllSas(SpdHandle(spd_handle)),
    )
}

/// `NPF_IPSecQuery_PolicyData` (6.6.28).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_PolicyData(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::QueryPolicyData(PolicyHandle(policy_handle)),
    )
}

/// `NPF_IPSecQuery_SAData` (6.6.29).
#[no_mangle]
pub extern "C" fn NPF_IPSecQuery_SAData(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    sa_handle: NPF_IPSecSA_Handle_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::QuerySaData(SaHandle(sa_handle)),
    )
}

/// `NPF_IPSecQuery_SPDHandle` (6.6.30).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        let ids = unsafe { copied(spd_id_array, count_spd_ids) }?;
        Ok(Request::QuerySpdHandle(ids))
    })
}

/// `NPF_IPSecQuery_PolicyHandle` (6.6.31).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        let ids = unsafe { copied(policy_id_array, count_policy_ids) }?;
        Ok(Request::QueryPolicyHandle(ids))
    })
}

/// `NPF_IPSecQuery_SAHandle` (6.6.32).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        Ok(Request::QuerySaHandle {
            policy: PolicyHandle(policy_handle),
            // SAFETY: the caller's array of `count_sa_ids` elements.
            ids: unsafe { copied(array_sa_ids, count_sa_ids) }?,
        })
    })
}
