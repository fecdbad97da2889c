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
use crate::c_abi::{read, service};
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

/// Submits a request that needs nothing read from the caller's memory.
fn submit_request(
    cb: NPF_callbackHandle_t,
    correlator: NPF_correlator_t,
    reporting: NPF_errorReporting_t,
    request: Request,
) -> NPF_error_t {
    submit(cb, correlator, reporting, || Ok(request))
}

/// The caller's `n` values at `ptr`, copied.
///
/// # Safety
/// As [`read::slice`]: `ptr` holds `n` valid elements (or `n` is 0).
unsafe fn copied<T: Copy>(ptr: *mut T, n: u32) -> Result<Vec<T>, SyncError> {
    // SAFETY: the caller's array of `n` elements, as this function requires.
    Ok(unsafe { read::slice(ptr.cast_const(), n) }?.to_vec())
}

/// The caller's `n` raw handles at `ptr`, each typed by `wrap`.
///
/// # Safety
/// As [`read::slice`]: `ptr` holds `n` valid elements (or `n` is 0).
unsafe fn handles<H: Copy, W>(ptr: *mut H, n: u32, wrap: fn(H) -> W) -> Result<Vec<W>, SyncError> {
    // SAFETY: the caller's array of `n` elements, as this function requires.
    let raw = unsafe { read::slice(ptr.cast_const(), n) }?;
    Ok(raw.iter().map(|h| wrap(*h)).collect())
}

/// The caller's `n` SPD handles at `ptr`.
///
/// # Safety
/// As [`read::slice`]: `ptr` holds `n` valid elements (or `n` is 0).
unsafe fn spd_handles(
    ptr: *mut NPF_IPSecSPD_Handle_t,
    n: u32,
) -> Result<Vec<SpdHandle>, SyncError> {
    // SAFETY: as this function requires.
    unsafe { handles(ptr, n, SpdHandle) }
}

/// The caller's `n` policy handles at `ptr`.
///
/// # Safety
/// As [`read::slice`]: `ptr` holds `n` valid elements (or `n` is 0).
unsafe fn policy_handles(
    ptr: *mut NPF_IPSecPolicy_Handle_t,
    n: u32,
) -> Result<Vec<PolicyHandle>, SyncError> {
    // SAFETY: as this function requires.
    unsafe { handles(ptr, n, PolicyHandle) }
}

/// The caller's `n` handles at `ptr` (typed by `wrap`), each with its priority from the `n` at
/// `prios`.
///
/// # Safety
/// As [`read::slice`]: `ptr` and `prios` each hold `n` valid elements (or `n` is 0).
unsafe fn prioritised<H: Copy, W: Copy, P: Copy + Into<u32>>(
    ptr: *mut H,
    prios: *mut P,
    n: u32,
    wrap: fn(H) -> W,
) -> Result<Vec<(W, u32)>, SyncError> {
    // SAFETY: the caller's array of `n` handles, as this function requires.
    let hs = unsafe { handles(ptr, n, wrap) }?;
    // SAFETY: the caller's array of `n` priorities, as this function requires.
    let ps = unsafe { read::slice(prios.cast_const(), n) }?;
    with_priorities(&hs, ps)
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
