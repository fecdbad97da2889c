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

use crate::abi::*;
use crate::c_abi::service;
use crate::error::SyncError;
use crate::model::{Direction, PolicyHandle, SpdHandle};
use crate::request::Request;
use crate::service::Reporting;

mod policy;
mod queries;
mod registration;
mod sa_spi;
mod spd;
mod stats;

pub use policy::*;
pub use queries::*;
pub use registration::*;
pub use sa_spi::*;
pub use spd::*;
pub use stats::*;

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
