//! Decoder rules of the whole request (structure pass): lengths, headers, `Next` links, alignment,
//! cycles, overlaps and list length refuse the whole ADD_SA request with the exact NDIS_STATUS
//! and BytesNeeded, against the real SA table.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use common::rules::*;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::layout::add_sa;
use ipsecov2_oid::*;

/// The one ESP element most tests start from.
fn gcm(spi: u32) -> AddSa {
    esp_gcm(spi, 128, 16)
}

/// The whole request at `BASE` refused with NDIS_STATUS_INVALID_DATA (no BytesNeeded) for `error`.
fn invalid_data(bytes: Vec<u8>, error: RequestError) {
    request_refused(bytes, BASE, NDIS_STATUS_INVALID_DATA, 0, error);
}

/// A single element whose header `edit` spoils: refused with `fault` on element 0.
fn bad_first_header(edit: impl FnOnce(&mut AddSa), fault: HeaderFault) {
    let mut e = gcm(0x1001);
    edit(&mut e);
    let (bytes, _) = add_sa_list(&[e]);
    invalid_data(bytes, RequestError::BadHeader { element: 0, fault });
}

#[test]
fn empty_buffer_is_invalid_length() {
    request_refused(
        vec![],
        BASE,
        NDIS_STATUS_INVALID_LENGTH,
        0xa9,
        RequestError::BufferTooShort { needed: 0xa9 },
    );
}

#[test]
fn buffer_shorter_than_revision_1_is_invalid_length() {
    let (bytes, _) = add_sa_list(&[gcm(0x1001)]);
    request_refused(
        bytes[..0xa8].to_vec(),
        BASE,
        NDIS_STATUS_INVALID_LENGTH,
        0xa9,
        RequestError::BufferTooShort { needed: 0xa9 },
    );
}

#[test]
fn key_data_past_the_buffer_is_invalid_length_with_bytes_needed() {
    let (mut bytes, _) = add_sa_list(&[gcm(0x1001)]);
    // KeyLength claims 0x100 bytes of key data; the buffer ends earlier.
    bytes[add_sa::KEY_LENGTH..add_sa::KEY_LENGTH + 4].copy_from_slice(&0x100u32.to_le_bytes());
    let needed = add_sa::KEY_DATA + 0x100;
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_LENGTH,
        needed as u32,
        RequestError::BufferTooShort { needed },
    );
}

#[test]
fn header_type_must_be_default() {
    bad_first_header(|e| e.hdr_type = 0x81, HeaderFault::Type(0x81));
}

#[test]
fn header_revision_0_is_refused() {
    bad_first_header(|e| e.hdr_revision = 0, HeaderFault::Revision(0));
}

#[test]
fn header_size_below_revision_1_is_refused() {
    bad_first_header(|e| e.hdr_size = 0xa8, HeaderFault::Size(0xa8));
}

#[test]
fn higher_revision_and_larger_size_are_accepted() {
    let mut e = gcm(0x1001);
    e.hdr_revision = 2;
    e.hdr_size = 0xb0;
    let backend = TableBackend::new(4);
    let (report, _, _) = run_add(&[e], &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
}

#[test]
fn bad_header_in_a_later_element_refuses_the_whole_list() {
    let mut second = gcm(0x1002);
    second.hdr_type = 0;
    let (bytes, _) = add_sa_list(&[gcm(0x1001), second]);
    invalid_data(
        bytes,
        RequestError::BadHeader {
            element: 1,
            fault: HeaderFault::Type(0),
        },
    );
}

fn set_next(bytes: &mut [u8], element_offset: usize, next: u64) {
    bytes[element_offset + add_sa::NEXT..][..8].copy_from_slice(&next.to_le_bytes());
}

#[test]
fn next_beyond_the_buffer_is_refused() {
    let (mut bytes, _) = add_sa_list(&[gcm(0x1001)]);
    set_next(&mut bytes, 0, BASE + 0x1000);
    invalid_data(bytes, RequestError::NextOutOfBuffer { element: 0 });
}

#[test]
fn next_below_the_buffer_is_refused() {
    let (mut bytes, _) = add_sa_list(&[gcm(0x1001)]);
    set_next(&mut bytes, 0, BASE - 0x100);
    invalid_data(bytes, RequestError::NextOutOfBuffer { element: 0 });
}

#[test]
fn next_whose_element_would_end_past_the_buffer_is_refused() {
    let (mut bytes, _) = add_sa_list(&[gcm(0x1001), gcm(0x1002)]);
    let len = bytes.len() as u64;
    // Aligned, starts inside, but a whole revision-1 element does not fit.
    set_next(&mut bytes, 0, BASE + len - 0x10);
    invalid_data(bytes, RequestError::NextOutOfBuffer { element: 0 });
}

#[test]
fn misaligned_next_is_refused() {
    let (mut bytes, offsets) = add_sa_list(&[gcm(0x1001), gcm(0x1002)]);
    set_next(&mut bytes, 0, BASE + offsets[1] as u64 + 4);
    invalid_data(bytes, RequestError::Misaligned { element: 1 });
}

#[test]
fn misaligned_buffer_is_refused() {
    let (bytes, _) = add_sa_list(&[gcm(0x1001)]);
    request_refused(
        bytes,
        BASE + 4,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::Misaligned { element: 0 },
    );
}

#[test]
fn self_cycle_is_refused() {
    let (mut bytes, _) = add_sa_list(&[gcm(0x1001)]);
    set_next(&mut bytes, 0, BASE);
    invalid_data(bytes, RequestError::Cycle);
}

#[test]
fn two_element_cycle_is_refused() {
    let (mut bytes, offsets) = add_sa_list(&[gcm(0x1001), gcm(0x1002)]);
    set_next(&mut bytes, offsets[1], BASE);
    invalid_data(bytes, RequestError::Cycle);
}

#[test]
fn overlapping_elements_are_refused() {
    let (mut bytes, _) = add_sa_list(&[gcm(0x1001), gcm(0x1002), gcm(0x1003)]);
    // The first element's Next points 8 bytes into itself: a distinct, aligned, overlapping one.
    set_next(&mut bytes, 0, BASE + 0x50);
    let before = bytes.clone();
    let backend = TableBackend::new(16);
    let report = set_add_sa(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_INVALID_DATA);
    // Depending on what the overlapping bytes decode as, the walk stops at a bad header or at
    // the overlap check; either way nothing is installed or written.
    assert!(report.request_error.is_some());
    assert_eq!(backend.table.len(), 0);
    only_null_handles_written(&bytes, &before);
}

#[test]
fn overlap_of_well_formed_elements_is_refused() {
    // Build two elements whose regions overlap although both headers are valid: the second
    // starts inside the first's key data.
    let mut first = gcm(0x1001);
    first.keys = vec![0; 0x200]; // long key data region (the key itself is at offset 0)
    let (mut bytes, _) = add_sa_list(&[first]);
    let second_at = add_sa::KEY_DATA + 0x40;
    let (second, _) = add_sa_list(&[gcm(0x1002)]);
    bytes[second_at..second_at + second.len()].copy_from_slice(&second);
    set_next(&mut bytes, 0, BASE + second_at as u64);
    invalid_data(bytes, RequestError::Overlap);
}

#[test]
fn overlong_list_is_refused() {
    let elements: Vec<AddSa> = (0..=MAX_LIST_ELEMENTS as u32)
        .map(|i| gcm(0x1000 + i))
        .collect();
    let (bytes, _) = add_sa_list(&elements);
    invalid_data(bytes, RequestError::ListTooLong);
}
