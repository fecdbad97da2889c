//! DELETE_SA: known and unknown handles, and structure errors that refuse the whole list.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use common::rules::*;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::layout::delete_sa as del;
use ipsecov2_oid::*;

#[test]
fn delete_sa_deletes_known_and_reports_unknown_handles() {
    let backend = TableBackend::new(8);
    let (report, bytes, offsets) = run_add(
        &[
            esp_gcm(0xa001, 128, 16),
            esp_gcm(0xa002, 128, 16),
            esp_gcm(0xa003, 128, 16),
        ],
        &backend,
    );
    assert_eq!(report.offloaded(), 3);
    let h: Vec<u64> = offsets.iter().map(|&o| handle_at(&bytes, o)).collect();
    let mut del = delete_sa_list(&[h[0], 0xdead_beef, h[2], h[0], 0]);
    let report = set_delete_sa(&mut InfoBuffer::new(&mut del, BASE), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
    assert_eq!(report.deleted, vec![h[0], h[2]]);
    assert_eq!(report.unknown, vec![0xdead_beef, h[0], 0]);
    assert!(backend.get(h[0]).is_none());
    assert!(backend.get(h[1]).is_some());
    assert!(backend.get(h[2]).is_none());
    // A re-added SA never answers to the deleted handle.
    run_add(&[esp_gcm(0xa004, 128, 16)], &backend);
    assert!(backend.get(h[0]).is_none());
    assert!(backend.get(h[2]).is_none());
}

#[test]
fn delete_sa_structure_errors_refuse_everything() {
    let backend = TableBackend::new(8);
    let (_, bytes, offsets) = run_add(&[esp_gcm(0xa001, 128, 16)], &backend);
    let h = handle_at(&bytes, offsets[0]);
    // Short.
    let mut short = delete_sa_list(&[h]);
    short.truncate(0x17);
    let r = set_delete_sa(&mut InfoBuffer::new(&mut short, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_LENGTH);
    assert_eq!(r.completion.bytes_needed, 0x18);
    // Second element with a bad header: the first is not deleted either.
    let mut two = delete_sa_list(&[h, h]);
    two[del::SIZE_REVISION_1] = 0x7f;
    let r = set_delete_sa(&mut InfoBuffer::new(&mut two, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_DATA);
    // Cycle.
    let mut cyc = delete_sa_list(&[h]);
    cyc[del::NEXT..][..8].copy_from_slice(&BASE.to_le_bytes());
    let r = set_delete_sa(&mut InfoBuffer::new(&mut cyc, BASE), &backend);
    assert_eq!(r.request_error, Some(RequestError::Cycle));
    assert!(backend.get(h).is_some(), "nothing deleted");
}
