//! Statistics (6.6.21, 6.6.22).

use crate::abi::*;
use crate::model::{PolicyHandle, SaHandle};
use crate::request::Request;

use super::submit_request;

/// `NPF_IPSecPolicy_GetStats` (6.6.21).
#[no_mangle]
pub extern "C" fn NPF_IPSecPolicy_GetStats(
    cb_handle: NPF_callbackHandle_t,
    cb_correlator: NPF_correlator_t,
    error_reporting: NPF_errorReporting_t,
    policy_handle: NPF_IPSecPolicy_Handle_t,
    reset_stats: NPF_boolean_t,
) -> NPF_error_t {
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::PolicyGetStats {
            policy: PolicyHandle(policy_handle),
            reset: reset_stats != NPF_FALSE,
        },
    )
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
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::SaGetStats {
            policy: PolicyHandle(policy_handle),
            sa: SaHandle(sa_handle),
            reset: reset_stats != NPF_FALSE,
        },
    )
}
