//! Policies (6.6.7-6.6.15).

use crate::abi::*;
use crate::c_abi::read;
use crate::error::SyncError;
use crate::model::{PolicyHandle, SpdHandle};
use crate::request::Request;

use super::{
    direction, policy_handles, prioritised, spd_handles, submit, submit_request, with_priorities,
};

/// `NPF_IPSecPolicy_Create` (6.6.7).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        // SAFETY: the caller's arrays of `n_handles` elements each.
        let spds =
            unsafe { prioritised(spd_handle_array, priorities_array, n_handles, SpdHandle) }?;
        Ok(Request::PolicyCreate {
            policy,
            spds,
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
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::PolicyDestroy(PolicyHandle(policy_handle)),
    )
}

/// `NPF_IPSecPolicy_BatchCreate` (6.6.9).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
/// See the documentation of [`c_abi::functions`](super).
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
        let ps = unsafe { policy_handles(policy_handle_array, n_policies) }?;
        Ok(Request::PolicyBatchDestroy(ps))
    })
}

/// `NPF_IPSecPolicy_Bind` (6.6.11).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        Ok(Request::PolicyBind {
            policy: PolicyHandle(policy_handle),
            // SAFETY: the caller's arrays of `n_handles` elements each.
            spds: unsafe { prioritised(spd_handle_array, priorities_array, n_handles, SpdHandle) }?,
        })
    })
}

/// `NPF_IPSecPolicy_UnBind` (6.6.12).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        Ok(Request::PolicyUnbind {
            policy: PolicyHandle(policy_handle),
            // SAFETY: the caller's array of `n_spd_handles` elements.
            spds: unsafe { spd_handles(spd_handle_array, n_spd_handles) }?,
        })
    })
}

/// `NPF_IPSecPolicy_BatchBind` (6.6.13).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        // SAFETY: the caller's arrays of `n_policies` elements each.
        let policies = unsafe {
            prioritised(
                policy_handle_array,
                priorities_array,
                n_policies,
                PolicyHandle,
            )
        }?;
        Ok(Request::PolicyBatchBind {
            policies,
            spd: SpdHandle(spd_handle),
            direction: direction(dir)?,
        })
    })
}

/// `NPF_IPSecPolicy_BatchUnBind` (6.6.14).
///
/// # Safety
/// See the documentation of [`c_abi::functions`](super).
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
        Ok(Request::PolicyBatchUnbind {
            // SAFETY: the caller's array of `n_policies` elements.
            policies: unsafe { policy_handles(policy_handle_array, n_policies) }?,
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
    submit_request(
        cb_handle,
        cb_correlator,
        error_reporting,
        Request::PolicyChangePriority {
            spd: SpdHandle(spd_handle),
            policy: PolicyHandle(policy_handle),
            priority: u32::from(new_priority),
        },
    )
}
