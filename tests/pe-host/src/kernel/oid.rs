//! OID requests handed to a filter module: each is tracked from the moment the host issues it
//! until it is finished, either by the status the driver's handler returns or, after
//! NDIS_STATUS_PENDING, by exactly one `NdisFOidRequestComplete` /
//! `NdisFDirectOidRequestComplete`. Completing a request twice, completing one that was not
//! pended, or on the wrong path (regular/direct) is a violation.

use std::sync::Mutex;

use super::irql::{at_most, DISPATCH_LEVEL};
use super::verifier::violation;
use crate::abi::structs::NDIS_OID_REQUEST;

/// One request given to the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outstanding {
    pub request: usize,
    pub filter_handle: usize,
    pub direct: bool,
    /// Completions the driver made (must be 0 when it returned a final status, 1 after pending).
    pub completions: u32,
    /// The status of the (last) completion.
    pub completed_status: Option<i32>,
}

static OUTSTANDING: Mutex<Vec<Outstanding>> = Mutex::new(Vec::new());

/// Starts tracking `request`.
pub fn issue(filter_handle: usize, request: usize, direct: bool) {
    if let Ok(mut o) = OUTSTANDING.lock() {
        o.push(Outstanding {
            request,
            filter_handle,
            direct,
            completions: 0,
            completed_status: None,
        });
    }
}

/// The record of `request`.
pub fn get(request: usize) -> Option<Outstanding> {
    OUTSTANDING
        .lock()
        .ok()?
        .iter()
        .find(|o| o.request == request)
        .copied()
}

/// Stops tracking `request`.
pub fn finish(request: usize) -> Option<Outstanding> {
    let mut o = OUTSTANDING.lock().ok()?;
    let i = o.iter().position(|r| r.request == request)?;
    Some(o.remove(i))
}

/// Requests of `filter_handle` not finished.
pub fn pending_for(filter_handle: usize) -> Vec<Outstanding> {
    OUTSTANDING
        .lock()
        .map(|o| {
            o.iter()
                .filter(|r| r.filter_handle == filter_handle)
                .copied()
                .collect()
        })
        .unwrap_or_default()
}

fn complete(
    import: &str,
    filter_handle: usize,
    request: *mut NDIS_OID_REQUEST,
    status: i32,
    direct: bool,
) {
    at_most(import, DISPATCH_LEVEL);
    let Ok(mut o) = OUTSTANDING.lock() else {
        return;
    };
    let Some(r) = o.iter_mut().find(|r| r.request == request as usize) else {
        violation(format!("{import}: {request:p} is not a request given to the filter (completed after it was finished?)"));
        return;
    };
    if r.filter_handle != filter_handle {
        violation(format!("{import}: request {request:p} completed on filter handle {filter_handle:#x}, issued to {:#x}", r.filter_handle));
    }
    if r.direct != direct {
        violation(format!(
            "{import}: request {request:p} was issued on the {} path",
            if r.direct { "direct" } else { "regular" }
        ));
    }
    r.completions += 1;
    if r.completions > 1 {
        violation(format!(
            "{import}: request {request:p} completed {} times",
            r.completions
        ));
    }
    r.completed_status = Some(status);
}

/// `VOID NdisFOidRequestComplete(NDIS_HANDLE NdisFilterHandle, PNDIS_OID_REQUEST OidRequest,
/// NDIS_STATUS Status)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_f_oid_request_complete(
    filter_handle: usize,
    request: *mut NDIS_OID_REQUEST,
    status: i32,
) {
    complete(
        "NdisFOidRequestComplete",
        filter_handle,
        request,
        status,
        false,
    );
}

/// `VOID NdisFDirectOidRequestComplete(NDIS_HANDLE NdisFilterHandle, PNDIS_OID_REQUEST
/// OidRequest, NDIS_STATUS Status)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_f_direct_oid_request_complete(
    filter_handle: usize,
    request: *mut NDIS_OID_REQUEST,
    status: i32,
) {
    complete(
        "NdisFDirectOidRequestComplete",
        filter_handle,
        request,
        status,
        true,
    );
}
