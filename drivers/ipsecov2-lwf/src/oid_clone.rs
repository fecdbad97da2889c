//! The bookkeeping of the clone-and-forward OID pattern of the WDK filter sample: a clone made
//! with `NdisAllocateCloneOidRequest` carries the address of the original request in its
//! `SourceReserved` area; on completion the results are copied back into the original according
//! to its `RequestType`, the address is cleared, the clone freed, and the original completed.
//!
//! The functions here work on the `ipsecov2-abi` mirror of `NDIS_OID_REQUEST` and are tested on
//! the host; the Windows shell only adds the NDIS calls.

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
pub fn copy_back(original: &mut NDIS_OID_REQUEST, clone: &NDIS_OID_REQUEST) {
    match original.RequestType {
        t if t == NdisRequestQueryInformation || t == NdisRequestQueryStatistics => {
            // SAFETY: both requests are queries (the clone is a copy of the original), so the
            // QUERY_INFORMATION view is the one NDIS and the miniport wrote; it is plain data.
            let mut dst = unsafe { original.DATA.QUERY_INFORMATION };
            // SAFETY: as above.
            let src = unsafe { clone.DATA.QUERY_INFORMATION };
            dst.BytesWritten = src.BytesWritten;
            dst.BytesNeeded = src.BytesNeeded;
            original.DATA.QUERY_INFORMATION = dst;
        }
        t if t == NdisRequestSetInformation => {
            // SAFETY: both requests are sets; SET_INFORMATION is the live, plain-data view.
            let mut dst = unsafe { original.DATA.SET_INFORMATION };
            // SAFETY: as above.
            let src = unsafe { clone.DATA.SET_INFORMATION };
            dst.BytesRead = src.BytesRead;
            dst.BytesNeeded = src.BytesNeeded;
            original.DATA.SET_INFORMATION = dst;
        }
        t if t == NdisRequestMethod => {
            // SAFETY: both requests are method requests; METHOD_INFORMATION is the live view.
            let mut dst = unsafe { original.DATA.METHOD_INFORMATION };
            // SAFETY: as above.
            let src = unsafe { clone.DATA.METHOD_INFORMATION };
            dst.OutputBufferLength = src.OutputBufferLength;
            dst.BytesWritten = src.BytesWritten;
            dst.BytesRead = src.BytesRead;
            dst.BytesNeeded = src.BytesNeeded;
            original.DATA.METHOD_INFORMATION = dst;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipsecov2_abi::{
        NDIS_OID_REQUEST_DATA_METHOD_INFORMATION, NDIS_OID_REQUEST_DATA_QUERY_INFORMATION,
        NDIS_OID_REQUEST_DATA_SET_INFORMATION,
    };

    #[test]
    fn original_pointer_round_trip_and_clear() {
        let mut clone = NDIS_OID_REQUEST::zeroed();
        let mut original = NDIS_OID_REQUEST::zeroed();
        original.RequestId = 0x77usize as *mut core::ffi::c_void;
        prepare_clone(&mut clone, &original, 0xDEAD_BEE0);
        assert_eq!(clone.RequestId, original.RequestId);
        assert_eq!(take_original(&mut clone), 0xDEAD_BEE0);
        assert_eq!(take_original(&mut clone), 0);
    }

    fn query(w: u32, n: u32) -> NDIS_OID_REQUEST {
        let mut r = NDIS_OID_REQUEST::zeroed();
        r.RequestType = NdisRequestQueryInformation;
        r.DATA.QUERY_INFORMATION = NDIS_OID_REQUEST_DATA_QUERY_INFORMATION {
            Oid: 0x1010E,
            InformationBuffer: core::ptr::null_mut(),
            InformationBufferLength: 4,
            BytesWritten: w,
            BytesNeeded: n,
        };
        r
    }

    #[test]
    fn query_results_copied() {
        let mut original = query(0, 0);
        let clone = query(4, 8);
        copy_back(&mut original, &clone);
        // SAFETY: reading the plain-data view written by `query`.
        let q = unsafe { original.DATA.QUERY_INFORMATION };
        assert_eq!(
            (
                q.Oid,
                q.InformationBufferLength,
                q.BytesWritten,
                q.BytesNeeded
            ),
            (0x1010E, 4, 4, 8)
        );
        let mut stats = query(0, 0);
        stats.RequestType = NdisRequestQueryStatistics;
        copy_back(&mut stats, &clone);
        // SAFETY: as above.
        assert_eq!(unsafe { stats.DATA.QUERY_INFORMATION }.BytesWritten, 4);
    }

    #[test]
    fn set_and_method_results_copied() {
        let set = |r: u32, n: u32| {
            let mut q = NDIS_OID_REQUEST::zeroed();
            q.RequestType = NdisRequestSetInformation;
            q.DATA.SET_INFORMATION = NDIS_OID_REQUEST_DATA_SET_INFORMATION {
                Oid: 0xFC03_0205,
                InformationBuffer: core::ptr::null_mut(),
                InformationBufferLength: 0xAA,
                BytesRead: r,
                BytesNeeded: n,
            };
            q
        };
        let mut original = set(0, 0);
        copy_back(&mut original, &set(0xAA, 0));
        // SAFETY: plain-data view written above.
        assert_eq!(unsafe { original.DATA.SET_INFORMATION }.BytesRead, 0xAA);

        let method = |o: u32, w: u32| {
            let mut q = NDIS_OID_REQUEST::zeroed();
            q.RequestType = NdisRequestMethod;
            q.DATA.METHOD_INFORMATION = NDIS_OID_REQUEST_DATA_METHOD_INFORMATION {
                Oid: 1,
                InformationBuffer: core::ptr::null_mut(),
                InputBufferLength: 16,
                OutputBufferLength: o,
                MethodId: 9,
                BytesWritten: w,
                BytesRead: 16,
                BytesNeeded: 0,
            };
            q
        };
        let mut original = method(64, 0);
        copy_back(&mut original, &method(32, 32));
        // SAFETY: plain-data view written above.
        let m = unsafe { original.DATA.METHOD_INFORMATION };
        assert_eq!(
            (
                m.OutputBufferLength,
                m.BytesWritten,
                m.BytesRead,
                m.MethodId
            ),
            (32, 32, 16, 9)
        );
    }

    #[test]
    fn unknown_request_type_copies_nothing() {
        let mut original = query(1, 2);
        original.RequestType = 7;
        copy_back(&mut original, &query(9, 9));
        // SAFETY: plain-data view written by `query`.
        assert_eq!(unsafe { original.DATA.QUERY_INFORMATION }.BytesWritten, 1);
    }
}
