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
    /// Address of the `NDIS_OID_REQUEST`.
    pub request: usize,
    /// The module it was issued to or by.
    pub filter_handle: usize,
    /// Whether on the direct OID path.
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

/// Requests the filter passed down (clones), held by the miniport below until the host answers
/// them: (filter handle, request, direct).
static BELOW: Mutex<Vec<(usize, usize, bool)>> = Mutex::new(Vec::new());
/// Live clones from NdisAllocateCloneOidRequest: (clone, tag).
static CLONES: Mutex<Vec<(usize, u32)>> = Mutex::new(Vec::new());

/// Takes the requests held below for `filter_handle`.
pub fn take_below(filter_handle: usize) -> Vec<(usize, bool)> {
    let Ok(mut b) = BELOW.lock() else {
        return Vec::new();
    };
    let (mine, rest): (Vec<_>, Vec<_>) = b.drain(..).partition(|e| e.0 == filter_handle);
    *b = rest;
    mine.into_iter().map(|e| (e.1, e.2)).collect()
}

/// Clones not freed (leaks at unload).
pub fn live_clones() -> usize {
    CLONES.lock().map(|c| c.len()).unwrap_or(0)
}

/// `NDIS_STATUS NdisAllocateCloneOidRequest(NDIS_HANDLE SourceHandle, PNDIS_OID_REQUEST
/// OidRequest, UINT PoolTag, PNDIS_OID_REQUEST *ClonedOidRequest)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_allocate_clone_oid_request(
    _source: usize,
    original: *const NDIS_OID_REQUEST,
    tag: u32,
    out: *mut *mut NDIS_OID_REQUEST,
) -> i32 {
    at_most("NdisAllocateCloneOidRequest", DISPATCH_LEVEL);
    if original.is_null() || out.is_null() {
        violation("NdisAllocateCloneOidRequest: NULL argument".to_owned());
        return super::status::NDIS_STATUS_INVALID_PARAMETER;
    }
    if super::lowres::fail("NdisAllocateCloneOidRequest") {
        return super::status::NDIS_STATUS_RESOURCES;
    }
    // SAFETY: the driver's request (checked non-NULL), copied whole as NDIS does.
    let mut clone = Box::new(unsafe { *original });
    clone.SourceReserved = [0; 16];
    clone.MiniportReserved = [0; 16];
    let p = Box::into_raw(clone);
    if let Ok(mut c) = CLONES.lock() {
        c.push((p as usize, tag));
    }
    // SAFETY: checked non-NULL; the driver's out-parameter.
    unsafe { out.write(p) };
    super::status::NDIS_STATUS_SUCCESS
}

/// `VOID NdisFreeCloneOidRequest(NDIS_HANDLE SourceHandle, PNDIS_OID_REQUEST Request)` —
/// ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_free_clone_oid_request(
    _source: usize,
    clone: *mut NDIS_OID_REQUEST,
) {
    at_most("NdisFreeCloneOidRequest", DISPATCH_LEVEL);
    let live = CLONES.lock().ok().and_then(|mut c| {
        let i = c.iter().position(|e| e.0 == clone as usize)?;
        Some(c.remove(i))
    });
    if live.is_none() {
        violation(format!(
            "NdisFreeCloneOidRequest: {clone:p} is not a live clone"
        ));
        return;
    }
    if BELOW
        .lock()
        .is_ok_and(|b| b.iter().any(|e| e.1 == clone as usize))
    {
        violation(format!(
            "NdisFreeCloneOidRequest: {clone:p} freed while the miniport still holds it"
        ));
    }
    // SAFETY: a clone from Box::into_raw above, freed once (removed from CLONES); poisoned first.
    let mut b = unsafe { Box::from_raw(clone) };
    b.Oid = 0xDDDD_DDDD;
    b.InformationBuffer = 0xDDDD_DDDD_DDDD_DDDD_u64 as usize as *mut core::ffi::c_void;
    drop(b);
}

fn pass_down(
    import: &str,
    filter_handle: usize,
    request: *mut NDIS_OID_REQUEST,
    direct: bool,
) -> i32 {
    at_most(import, DISPATCH_LEVEL);
    if request.is_null() {
        violation(format!("{import}: NULL request"));
        return super::status::NDIS_STATUS_INVALID_PARAMETER;
    }
    let Ok(mut b) = BELOW.lock() else {
        return super::status::NDIS_STATUS_FAILURE;
    };
    if b.iter().any(|e| e.1 == request as usize) {
        violation(format!("{import}: request {request:p} passed down twice"));
    }
    b.push((filter_handle, request as usize, direct));
    // The miniport below answers later (the host completes it).
    super::status::NDIS_STATUS_PENDING
}

/// `NDIS_STATUS NdisFOidRequest(NDIS_HANDLE NdisFilterHandle, PNDIS_OID_REQUEST OidRequest)` —
/// ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_f_oid_request(
    filter_handle: usize,
    request: *mut NDIS_OID_REQUEST,
) -> i32 {
    pass_down("NdisFOidRequest", filter_handle, request, false)
}

/// `NDIS_STATUS NdisFDirectOidRequest(NDIS_HANDLE NdisFilterHandle, PNDIS_OID_REQUEST
/// OidRequest)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_f_direct_oid_request(
    filter_handle: usize,
    request: *mut NDIS_OID_REQUEST,
) -> i32 {
    pass_down("NdisFDirectOidRequest", filter_handle, request, true)
}
