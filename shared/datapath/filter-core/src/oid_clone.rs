//! The bookkeeping of the clone-and-forward OID pattern of the WDK filter sample: a clone made
//! with `NdisAllocateCloneOidRequest` carries the address of the original request in its
//! `SourceReserved` area; on completion the results are copied back into the original according
//! to its `RequestType`, the address is cleared, the clone freed, and the original completed.
//!
//! The functions here work on the `ipsecov2-abi` mirror of `NDIS_OID_REQUEST` and are tested on
//! the host (`tests/oid_clone.rs`); the Windows shell only adds the NDIS calls. Moved here from
//! the driver (`ipsecov2-lwf::oid_clone` re-exports it).

use ipsecov2_abi::{
    NdisRequestMethod, NdisRequestQueryInformation, NdisRequestQueryStatistics,
    NdisRequestSetInformation, NDIS_OID_REQUEST,
};

const WORD: usize = core::mem::size_of::<usize>();

/// Stores the original request's address in the first word of the clone's `SourceReserved`.
pub fn set_original(clone: &mut NDIS_OID_REQUEST, original: usize) {
    if let Some(slot) = clone.SourceReserved.get_mut(..WORD) {
        slot.copy_from_slice(&original.to_ne_bytes());
    }
}

/// Takes the original request's address out of the clone (zero if none was stored), leaving
/// zero behind so a second completion finds nothing.
pub fn take_original(clone: &mut NDIS_OID_REQUEST) -> usize {
    let mut word = [0u8; WORD];
    if let Some(slot) = clone.SourceReserved.get_mut(..WORD) {
        word.copy_from_slice(slot);
        slot.fill(0);
    }
    usize::from_ne_bytes(word)
}

/// Prepares a fresh clone: remembers `original` and copies its `RequestId` (so that cancelling
/// the original's id cancels the clone below).
pub fn prepare_clone(
    clone: &mut NDIS_OID_REQUEST,
    original: &NDIS_OID_REQUEST,
    original_addr: usize,
) {
    set_original(clone, original_addr);
    clone.RequestId = original.RequestId;
}

/// Copies the completion results of `clone` into `original`, by `original.RequestType`:
/// query → `BytesWritten`, `BytesNeeded`; set → `BytesRead`, `BytesNeeded`; method →
/// `OutputBufferLength`, `BytesWritten`, `BytesRead`, `BytesNeeded`. Other types copy nothing.
///
/// The core has no `unsafe` code and reading a field of the `DATA` union is `unsafe`, so the
/// matching view is copied whole. That equals the field-wise copy of the WDK filter sample
/// because a clone made by `NdisAllocateCloneOidRequest` shares the original's OID, buffer
/// pointer and lengths (and `MethodId`), and nothing below changes them: only the result fields
/// listed above differ. `tests/oid_clone.rs` checks the fields one by one.
pub fn copy_back(original: &mut NDIS_OID_REQUEST, clone: &NDIS_OID_REQUEST) {
    let t = original.RequestType;
    if t == NdisRequestQueryInformation
        || t == NdisRequestQueryStatistics
        || t == NdisRequestSetInformation
        || t == NdisRequestMethod
    {
        original.DATA = clone.DATA;
    }
}
