//! ADD_SA_EX: installation and write-back of its handle, buffer lengths, key data placement and
//! its header.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::layout::add_sa_ex as ex;
use ipsecov2_oid::*;

#[test]
fn add_sa_ex_installs_and_writes_its_handle() {
    let mut e = esp_gcm(0x9001, 128, 16);
    e.switch_port = 3;
    e.vlan = 42;
    let mut bytes = add_sa_ex(&e);
    let backend = TableBackend::new(4);
    let report = set_add_sa_ex(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
    let h = u64::from_le_bytes(bytes[ex::OFFLOAD_HANDLE..][..8].try_into().unwrap());
    assert_eq!(report.elements[0].unwrap().get(), h);
    let stored = backend.get(h).unwrap();
    assert_eq!(stored.switch, Some((3, 42)));
    assert_eq!(stored.sas[0].key, e.keys);
}

#[test]
fn add_sa_ex_short_buffer_is_invalid_length() {
    let mut bytes = add_sa_ex(&esp_gcm(0x9001, 128, 16));
    bytes.truncate(0xa9);
    let backend = TableBackend::new(4);
    let report = set_add_sa_ex(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_INVALID_LENGTH);
    assert_eq!(report.completion.bytes_needed, 0xaa);
}

#[test]
fn add_sa_ex_key_data_past_the_end_is_invalid_length() {
    let mut bytes = add_sa_ex(&esp_gcm(0x9001, 128, 16));
    let len = bytes.len();
    bytes.truncate(len - 1);
    let backend = TableBackend::new(4);
    let report = set_add_sa_ex(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_INVALID_LENGTH);
    assert_eq!(report.completion.bytes_needed, len as u32);
    assert_eq!(backend.table.len(), 0);
}

#[test]
fn add_sa_ex_key_data_inside_the_structure_is_rejected() {
    let mut bytes = add_sa_ex(&esp_gcm(0x9001, 128, 16));
    bytes[ex::KEY_OFFSET..][..4].copy_from_slice(&0x40u32.to_le_bytes());
    let backend = TableBackend::new(4);
    let report = set_add_sa_ex(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_INVALID_DATA);
    assert_eq!(report.elements, vec![Err(SaReject::KeyOutOfRange)]);
    assert_eq!(
        u64::from_le_bytes(bytes[ex::OFFLOAD_HANDLE..][..8].try_into().unwrap()),
        0
    );
}

#[test]
fn add_sa_ex_bad_header_is_invalid_data() {
    let mut bytes = add_sa_ex(&esp_gcm(0x9001, 128, 16));
    bytes[1] = 0;
    let backend = TableBackend::new(4);
    let report = set_add_sa_ex(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_INVALID_DATA);
}
