//! The SA table's answers to ADD_SA: a full table (resources and partial success) and a duplicate
//! inbound SPI.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use common::rules::*;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::*;

#[test]
fn full_table_gives_resources_and_partial_success() {
    let backend = TableBackend::new(2);
    let elements: Vec<AddSa> = (0..4).map(|i| esp_gcm(0x4000 + i, 128, 16)).collect();
    let (report, bytes, offsets) = run_add(&elements, &backend);
    // Two fit: the request succeeds, the last two get NULL.
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
    assert_eq!(report.offloaded(), 2);
    assert_eq!(
        report.elements[2],
        Err(SaReject::Backend(BackendError::Full))
    );
    assert_eq!(
        report.elements[3],
        Err(SaReject::Backend(BackendError::Full))
    );
    assert_ne!(handle_at(&bytes, offsets[1]), 0);
    assert_eq!(handle_at(&bytes, offsets[2]), 0);
    assert_eq!(handle_at(&bytes, offsets[3]), 0);
    // Nothing fits any more: NDIS_STATUS_RESOURCES.
    let (report, bytes, offsets) = run_add(&elements[..1], &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_RESOURCES);
    assert_eq!(handle_at(&bytes, offsets[0]), 0);
    assert_eq!(backend.table.len(), 2);
}

#[test]
fn full_table_wins_over_invalid_data_when_nothing_is_offloaded() {
    let backend = TableBackend::new(1);
    run_add(&[esp_gcm(0x4000, 128, 16)], &backend);
    let mut bad = esp_gcm(0x4001, 128, 16);
    bad.num_ext_hdrs = 0;
    let (report, _, _) = run_add(&[bad, esp_gcm(0x4002, 128, 16)], &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_RESOURCES);
}

#[test]
fn duplicate_inbound_spi_gets_null_and_leaves_no_trace() {
    let backend = TableBackend::new(8);
    let mut a = esp_gcm(0x5001, 128, 16);
    a.flags = IPSEC_OFFLOAD_V2_INBOUND;
    let (report, _, _) = run_add(&[a.clone(), a.clone()], &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
    assert!(report.elements[0].is_ok());
    assert_eq!(
        report.elements[1],
        Err(SaReject::Backend(BackendError::DuplicateInbound))
    );
    assert_eq!(backend.table.len(), 1);
    // The same SPI outbound is no conflict (outbound SAs are found by handle only).
    a.flags = 0;
    let (report, _, _) = run_add(&[a], &backend);
    assert!(report.elements[0].is_ok());
}
