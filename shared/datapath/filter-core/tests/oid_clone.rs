//! The OID clone bookkeeping (moved from the driver): original pointer round trip, results
//! copied back by request type. Reads the `DATA` union views (unsafe in this test crate only).
#![cfg(test)]

use ipsecov2_abi::*;
use ipsecov2_filter_core::oid_clone::*;

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
