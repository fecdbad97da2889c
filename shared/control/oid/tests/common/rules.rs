//! Helpers of the rule tests: an ADD_SA list through the handler, one element broken in a list,
//! a whole request refused, and the check that a refused request wrote only NULL handles.

use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::layout::add_sa;
use ipsecov2_oid::*;

use super::backend::TableBackend;

pub fn run_add(elements: &[AddSa], backend: &TableBackend) -> (AddSaReport, Vec<u8>, Vec<usize>) {
    let (mut bytes, offsets) = add_sa_list(elements);
    let report = set_add_sa(&mut InfoBuffer::new(&mut bytes, BASE), backend);
    (report, bytes, offsets)
}

/// Runs a list whose element `bad` was broken by `mutate`: that element alone gets NULL (and the
/// reason `reason`), the others are offloaded.
pub fn element_rejected(mutate: impl FnOnce(&mut AddSa), reason: SaReject) {
    let mut elements = vec![
        esp_gcm(0x1001, 128, 16),
        esp_gcm(0x1002, 256, 16),
        esp_gcm(0x1003, 192, 12),
    ];
    mutate(&mut elements[1]);
    let backend = TableBackend::new(16);
    let (report, bytes, offsets) = run_add(&elements, &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS, "{report:?}");
    assert_eq!(report.elements[1], Err(reason));
    assert_eq!(handle_at(&bytes, offsets[1]), 0, "NULL handle written back");
    for i in [0, 2] {
        let h = handle_at(&bytes, offsets[i]);
        assert_ne!(h, 0);
        assert_eq!(report.elements[i].unwrap().get(), h);
        assert!(backend.get(h).is_some());
    }
    assert_eq!(backend.table.len(), 2, "the rejected element left no trace");

    // Alone, the same element fails the whole request with INVALID_DATA and installs nothing.
    let backend = TableBackend::new(16);
    let (report, bytes, offsets) = run_add(&elements[1..2], &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_INVALID_DATA);
    assert_eq!(report.elements, vec![Err(reason)]);
    assert_eq!(handle_at(&bytes, offsets[0]), 0);
    assert_eq!(backend.table.len(), 0);
}

/// The whole request is refused with `status` (and `needed` as BytesNeeded); nothing installed,
/// nothing written but NULL into OffloadHandle fields (the builder fills them with 0x5a bytes),
/// at least the first element's.
pub fn request_refused(
    mut bytes: Vec<u8>,
    base: u64,
    status: NDIS_STATUS,
    needed: u32,
    why: RequestError,
) {
    let before = bytes.clone();
    let backend = TableBackend::new(16);
    let report = set_add_sa(&mut InfoBuffer::new(&mut bytes, base), &backend);
    assert_eq!(report.completion.status, status, "{report:?}");
    assert_eq!(report.completion.bytes_needed, needed);
    assert_eq!(report.request_error, Some(why));
    assert!(report.elements.is_empty());
    assert_eq!(backend.table.len(), 0, "nothing installed");
    only_null_handles_written(&bytes, &before);
}

/// A refused request wrote nothing but NULL over OffloadHandle fields (0x5a bytes from the
/// builder), the first element's included (docs/tcpip-reading.md, point 8).
pub fn only_null_handles_written(bytes: &[u8], before: &[u8]) {
    for (i, (now, was)) in bytes.iter().zip(before).enumerate() {
        assert!(
            now == was || (*now == 0 && *was == 0x5a),
            "byte {i:#x} written: {was:#x} -> {now:#x}"
        );
    }
    let first = add_sa::OFFLOAD_HANDLE..add_sa::OFFLOAD_HANDLE + 8;
    if let Some(h) = bytes.get(first) {
        assert_eq!(h, [0u8; 8], "the first element's OffloadHandle is NULL");
    }
}
