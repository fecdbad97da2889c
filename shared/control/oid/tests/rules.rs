//! One test per decoder rule: the exact NDIS_STATUS, BytesNeeded, and which elements got NULL
//! handles — against the real SA table.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::layout::{add_sa, add_sa_ex as ex, delete_sa as del};
use ipsecov2_oid::*;

fn run_add(elements: &[AddSa], backend: &TableBackend) -> (AddSaReport, Vec<u8>, Vec<usize>) {
    let (mut bytes, offsets) = add_sa_list(elements);
    let report = set_add_sa(&mut InfoBuffer::new(&mut bytes, BASE), backend);
    (report, bytes, offsets)
}

/// Runs a list whose element `bad` was broken by `mutate`: that element alone gets NULL (and the
/// reason `reason`), the others are offloaded.
fn element_rejected(mutate: impl FnOnce(&mut AddSa), reason: SaReject) {
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
fn request_refused(
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
fn only_null_handles_written(bytes: &[u8], before: &[u8]) {
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

// ---------------------------------------------------------------- structure: whole request refused

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
    let (bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16)]);
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
    let (mut bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16)]);
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
    let mut e = esp_gcm(0x1001, 128, 16);
    e.hdr_type = 0x81;
    let (bytes, _) = add_sa_list(&[e]);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::BadHeader {
            element: 0,
            fault: HeaderFault::Type(0x81),
        },
    );
}

#[test]
fn header_revision_0_is_refused() {
    let mut e = esp_gcm(0x1001, 128, 16);
    e.hdr_revision = 0;
    let (bytes, _) = add_sa_list(&[e]);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::BadHeader {
            element: 0,
            fault: HeaderFault::Revision(0),
        },
    );
}

#[test]
fn header_size_below_revision_1_is_refused() {
    let mut e = esp_gcm(0x1001, 128, 16);
    e.hdr_size = 0xa8;
    let (bytes, _) = add_sa_list(&[e]);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::BadHeader {
            element: 0,
            fault: HeaderFault::Size(0xa8),
        },
    );
}

#[test]
fn higher_revision_and_larger_size_are_accepted() {
    let mut e = esp_gcm(0x1001, 128, 16);
    e.hdr_revision = 2;
    e.hdr_size = 0xb0;
    let backend = TableBackend::new(4);
    let (report, _, _) = run_add(&[e], &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
}

#[test]
fn bad_header_in_a_later_element_refuses_the_whole_list() {
    let mut second = esp_gcm(0x1002, 128, 16);
    second.hdr_type = 0;
    let (bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16), second]);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
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
    let (mut bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16)]);
    set_next(&mut bytes, 0, BASE + 0x1000);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::NextOutOfBuffer { element: 0 },
    );
}

#[test]
fn next_below_the_buffer_is_refused() {
    let (mut bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16)]);
    set_next(&mut bytes, 0, BASE - 0x100);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::NextOutOfBuffer { element: 0 },
    );
}

#[test]
fn next_whose_element_would_end_past_the_buffer_is_refused() {
    let (mut bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16), esp_gcm(0x1002, 128, 16)]);
    let len = bytes.len() as u64;
    // Aligned, starts inside, but a whole revision-1 element does not fit.
    set_next(&mut bytes, 0, BASE + len - 0x10);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::NextOutOfBuffer { element: 0 },
    );
}

#[test]
fn misaligned_next_is_refused() {
    let (mut bytes, offsets) = add_sa_list(&[esp_gcm(0x1001, 128, 16), esp_gcm(0x1002, 128, 16)]);
    set_next(&mut bytes, 0, BASE + offsets[1] as u64 + 4);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::Misaligned { element: 1 },
    );
}

#[test]
fn misaligned_buffer_is_refused() {
    let (bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16)]);
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
    let (mut bytes, _) = add_sa_list(&[esp_gcm(0x1001, 128, 16)]);
    set_next(&mut bytes, 0, BASE);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::Cycle,
    );
}

#[test]
fn two_element_cycle_is_refused() {
    let (mut bytes, offsets) = add_sa_list(&[esp_gcm(0x1001, 128, 16), esp_gcm(0x1002, 128, 16)]);
    set_next(&mut bytes, offsets[1], BASE);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::Cycle,
    );
}

#[test]
fn overlapping_elements_are_refused() {
    let (mut bytes, _) = add_sa_list(&[
        esp_gcm(0x1001, 128, 16),
        esp_gcm(0x1002, 128, 16),
        esp_gcm(0x1003, 128, 16),
    ]);
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
    let mut first = esp_gcm(0x1001, 128, 16);
    first.keys = vec![0; 0x200]; // long key data region (the key itself is at offset 0)
    let (mut bytes, _) = add_sa_list(&[first]);
    let second_at = add_sa::KEY_DATA + 0x40;
    let (second, _) = add_sa_list(&[esp_gcm(0x1002, 128, 16)]);
    bytes[second_at..second_at + second.len()].copy_from_slice(&second);
    set_next(&mut bytes, 0, BASE + second_at as u64);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::Overlap,
    );
}

#[test]
fn overlong_list_is_refused() {
    let elements: Vec<AddSa> = (0..=MAX_LIST_ELEMENTS as u32)
        .map(|i| esp_gcm(0x1000 + i, 128, 16))
        .collect();
    let (bytes, _) = add_sa_list(&elements);
    request_refused(
        bytes,
        BASE,
        NDIS_STATUS_INVALID_DATA,
        0,
        RequestError::ListTooLong,
    );
}

// ---------------------------------------------------------------- content: NULL handle for one SA

#[test]
fn num_ext_hdrs_0_is_rejected() {
    element_rejected(|e| e.num_ext_hdrs = 0, SaReject::NumExtHdrs(0));
}

#[test]
fn num_ext_hdrs_3_is_rejected() {
    element_rejected(|e| e.num_ext_hdrs = 3, SaReject::NumExtHdrs(3));
}

#[test]
fn unknown_add_sa_flags_are_rejected() {
    element_rejected(|e| e.flags = 0x2, SaReject::UnknownFlags(0x2));
}

#[test]
fn unknown_sa_flags_are_rejected() {
    element_rejected(|e| e.sa[0].flags = 0x4, SaReject::UnknownSaFlags(0x4));
}

#[test]
fn operation_0_is_rejected() {
    element_rejected(|e| e.sa[0].operation = 0, SaReject::Operation(0));
}

#[test]
fn operation_max_is_rejected() {
    element_rejected(
        |e| e.sa[0].operation = IPsecOffloadV2Max,
        SaReject::Operation(IPsecOffloadV2Max),
    );
}

/// Offloaded with every element of `elements` (the second one changed by `mutate`).
fn element_accepted(mutate: impl FnOnce(&mut AddSa)) {
    let mut elements = vec![esp_gcm(0x1001, 128, 16), esp_gcm(0x1002, 256, 16)];
    mutate(&mut elements[1]);
    let backend = TableBackend::new(16);
    let (report, bytes, offsets) = run_add(&elements, &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS, "{report:?}");
    for (i, &o) in offsets.iter().enumerate() {
        assert!(report.elements[i].is_ok(), "{report:?}");
        assert_ne!(handle_at(&bytes, o), 0);
    }
    assert_eq!(backend.table.len(), 2);
}

/// Seed 004: the order of the entries is the order of the operations; an inbound bundle lists
/// AH first. Both orders are read the same way (docs/tcpip-reading.md, point 2).
#[test]
fn ah_followed_by_esp_is_accepted() {
    element_accepted(|e| {
        let b = esp_ah(0x2001, 0x2002);
        *e = AddSa {
            sa: [b.sa[1], b.sa[0]],
            flags: b.flags | IPSEC_OFFLOAD_V2_INBOUND,
            ..b
        };
    });
}

#[test]
fn ah_followed_by_ah_is_rejected() {
    element_rejected(
        |e| {
            let b = esp_ah(0x2001, 0x2002);
            let mut first = b.sa[1];
            first.spi = 0x2003;
            *e = AddSa {
                sa: [first, b.sa[1]],
                ..b
            };
        },
        SaReject::Combination,
    );
}

#[test]
fn esp_followed_by_esp_is_rejected() {
    element_rejected(
        |e| {
            let b = esp_ah(0x2001, 0x2002);
            let mut second = b.sa[0];
            second.spi = 0x2003;
            *e = AddSa {
                sa: [b.sa[0], second],
                ..b
            };
        },
        SaReject::Combination,
    );
}

#[test]
fn unknown_udp_esp_bit_is_rejected() {
    element_rejected(|e| e.udp_esp = 0x10, SaReject::UdpEsp(0x10));
}

#[test]
fn udp_encapsulation_of_ah_is_rejected() {
    element_rejected(
        |e| {
            *e = ah(0x3001, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1, 20);
            e.udp_esp = IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT;
        },
        SaReject::UdpEsp(IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT),
    );
}

#[test]
fn encryption_identifier_with_two_bits_is_rejected() {
    let id = IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128 | IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC;
    element_rejected(
        |e| *e = esp_cbc(0x3001, id, 16, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1, 20),
        SaReject::EncryptionAlgorithm(id),
    );
}

#[test]
fn unknown_encryption_bit_is_rejected() {
    element_rejected(
        |e| *e = esp_cbc(0x3001, 0x200, 16, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1, 20),
        SaReject::EncryptionAlgorithm(0x200),
    );
}

#[test]
fn esp_encryption_identifier_0_is_rejected() {
    element_rejected(
        |e| *e = esp_cbc(0x3001, 0, 0, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1, 20),
        SaReject::EncryptionAlgorithm(0),
    );
}

#[test]
fn unknown_authentication_bit_is_rejected() {
    element_rejected(
        |e| {
            *e = esp_cbc(
                0x3001,
                IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
                16,
                0x40,
                20,
            )
        },
        SaReject::AuthenticationAlgorithm(0x40),
    );
}

#[test]
fn authentication_identifier_with_two_bits_is_rejected() {
    let id = IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 | IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5;
    element_rejected(
        |e| *e = ah(0x3001, id, 20),
        SaReject::AuthenticationAlgorithm(id),
    );
}

#[test]
fn ah_without_authentication_is_rejected() {
    element_rejected(
        |e| *e = ah(0x3001, 0, 0),
        SaReject::AuthenticationAlgorithm(0),
    );
}

/// AES-GCM's AuthenticationAlgorithm "should not be used": ignored whatever it holds
/// (docs/tcpip-reading.md, point 7).
#[test]
fn gcm_with_hmac_authentication_is_accepted() {
    element_accepted(|e| {
        *e = esp_gcm(0x3001, 128, 16);
        e.sa[0].auth.id = IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1;
    });
}

#[test]
fn gcm_with_gcm_authentication_of_another_size_is_accepted() {
    element_accepted(|e| {
        *e = esp_gcm(0x3001, 128, 16);
        e.sa[0].auth.id = IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256;
    });
}

/// `AdditionalInfo` has no unit in the documents: 64, 96 and 128 read as bits.
#[test]
fn gcm_icv_length_in_bits_is_accepted() {
    for bits in [64, 96, 128] {
        element_accepted(|e| *e = esp_gcm(0x3001, 128, bits));
    }
}

#[test]
fn gcm_icv_length_neither_bytes_nor_bits_is_rejected() {
    element_rejected(|e| *e = esp_gcm(0x3001, 128, 32), SaReject::IcvLength(32));
}

#[test]
fn esp_with_null_encryption_and_no_authentication_is_rejected() {
    element_rejected(
        |e| *e = esp_cbc(0x3001, IPSEC_OFFLOAD_V2_ENCRYPTION_NONE, 0, 0, 0),
        SaReject::AlgorithmCombination,
    );
}

#[test]
fn gmac_with_a_cbc_cipher_is_rejected() {
    element_rejected(
        |e| {
            *e = esp_gmac(0x3001, 128);
            e.sa[0].enc = ipsecov2_oid_test_alg(IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128);
        },
        SaReject::AlgorithmCombination,
    );
}

fn ipsecov2_oid_test_alg(id: u32) -> Alg {
    Alg {
        id,
        key_len: 16,
        key_off: 20,
        additional: 0,
    }
}

#[test]
fn ah_with_an_encryption_algorithm_is_rejected() {
    element_rejected(
        |e| {
            *e = ah(0x3001, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1, 20);
            e.sa[0].enc.id = IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128;
        },
        SaReject::AlgorithmCombination,
    );
}

#[test]
fn wrong_key_length_is_rejected_for_every_algorithm() {
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5 as MD5;
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 as SHA1;
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 as SHA256;
    // (encryption id, its key length, auth id, its key length), with one length off by one.
    let cases: &[(u32, u32, u32, u32, usize)] = &[
        (IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC, 9, SHA1, 20, 8),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC, 23, SHA1, 20, 24),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128, 15, SHA1, 20, 16),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192, 32, SHA1, 20, 24),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256, 24, SHA1, 20, 32),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128, 16, MD5, 20, 16),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128, 16, SHA1, 16, 20),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128, 16, SHA256, 20, 32),
        (IPSEC_OFFLOAD_V2_ENCRYPTION_NONE, 16, SHA256, 32, 0),
    ];
    for &(enc, enc_len, auth, auth_len, expected) in cases {
        let wrong_enc = Encryption_key_len_ok(enc, enc_len);
        let actual = if wrong_enc { auth_len } else { enc_len };
        element_rejected(
            |e| *e = esp_cbc(0x3001, enc, enc_len, auth, auth_len),
            SaReject::KeyLength { expected, actual },
        );
    }
    for (bits, len) in [(128, 16), (192, 24), (256, 28)] {
        element_rejected(
            |e| {
                *e = esp_gcm(0x3001, bits, 16);
                e.sa[0].enc.key_len = len;
                e.keys = key(40, 1);
            },
            SaReject::KeyLength {
                expected: (bits / 8 + 4) as usize,
                actual: len,
            },
        );
        element_rejected(
            |e| {
                *e = esp_gmac(0x3001, bits);
                e.sa[0].auth.key_len = len;
                e.keys = key(40, 1);
            },
            SaReject::KeyLength {
                expected: (bits / 8 + 4) as usize,
                actual: len,
            },
        );
    }
}

/// True when `len` is the right key length for encryption `id` (so the auth key is the wrong one).
#[allow(non_snake_case)]
fn Encryption_key_len_ok(id: u32, len: u32) -> bool {
    let want = match id {
        IPSEC_OFFLOAD_V2_ENCRYPTION_NONE => 0,
        IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC => 8,
        IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC => 24,
        IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128 => 16,
        IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192 => 24,
        _ => 32,
    };
    want == len
}

#[test]
fn key_offset_past_key_data_is_rejected() {
    element_rejected(
        |e| e.sa[0].enc.key_off = 8, // 20-byte key at 8 in 20 bytes of key data
        SaReject::KeyOutOfRange,
    );
}

#[test]
fn huge_key_offset_does_not_wrap() {
    element_rejected(
        |e| e.sa[0].enc.key_off = u32::MAX - 4,
        SaReject::KeyOutOfRange,
    );
}

#[test]
fn gcm_icv_lengths_other_than_8_12_16_are_rejected() {
    for icv in [0u32, 4, 15, 20, 32] {
        element_rejected(|e| e.sa[0].enc.additional = icv, SaReject::IcvLength(icv));
    }
}

#[test]
fn gmac_icv_other_than_16_is_rejected() {
    element_rejected(
        |e| {
            *e = esp_gmac(0x3001, 128);
            e.sa[0].auth.additional = 12;
        },
        SaReject::IcvLength(12),
    );
}

#[test]
fn reserved_spis_are_rejected() {
    for spi in [0u32, 1, 255] {
        element_rejected(|e| e.sa[0].spi = spi, SaReject::ReservedSpi(spi));
    }
}

// ---------------------------------------------------------------- the table's answers

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

// ---------------------------------------------------------------- what a valid request decodes to

#[test]
fn every_algorithm_decodes_and_is_installed_with_its_keys() {
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5 as MD5;
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 as SHA1;
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 as SHA256;
    let cbc = |enc, len, e| {
        [
            (MD5, 16, Integrity::HmacMd5_96),
            (SHA1, 20, Integrity::HmacSha1_96),
            (SHA256, 32, Integrity::HmacSha256_128),
            (0, 0, Integrity::None),
        ]
        .map(|(a, alen, i)| (esp_cbc(0, enc, len, a, alen), e, i))
    };
    let mut cases: Vec<(AddSa, Encryption, Integrity)> = Vec::new();
    cases.extend(cbc(
        IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC,
        8,
        Encryption::DesCbc,
    ));
    cases.extend(cbc(
        IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC,
        24,
        Encryption::TripleDesCbc,
    ));
    cases.extend(cbc(
        IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
        16,
        Encryption::AesCbc(AesKeySize::Aes128),
    ));
    cases.extend(cbc(
        IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192,
        24,
        Encryption::AesCbc(AesKeySize::Aes192),
    ));
    cases.extend(cbc(
        IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256,
        32,
        Encryption::AesCbc(AesKeySize::Aes256),
    ));
    cases.extend(
        cbc(IPSEC_OFFLOAD_V2_ENCRYPTION_NONE, 0, Encryption::Null)
            .into_iter()
            .take(3),
    );
    for (bits, size) in [
        (128, AesKeySize::Aes128),
        (192, AesKeySize::Aes192),
        (256, AesKeySize::Aes256),
    ] {
        for icv in [8u8, 12, 16] {
            cases.push((
                esp_gcm(0, bits, u32::from(icv)),
                Encryption::AesGcm {
                    key: size,
                    icv_len: icv,
                },
                Integrity::None,
            ));
        }
        cases.push((
            esp_gmac(0, bits),
            Encryption::Null,
            Integrity::AesGmac(size),
        ));
        let mut gmac_ah = ah(0, 0, 0);
        gmac_ah.sa[0].auth = Alg {
            id: esp_gmac(0, bits).sa[0].auth.id,
            key_len: bits / 8 + 4,
            key_off: 0,
            additional: 16,
        };
        gmac_ah.keys = key((bits / 8 + 4) as usize, 9);
        cases.push((gmac_ah, Encryption::Null, Integrity::AesGmac(size)));
    }
    for (a, len, i) in [
        (MD5, 16, Integrity::HmacMd5_96),
        (SHA1, 20, Integrity::HmacSha1_96),
        (SHA256, 32, Integrity::HmacSha256_128),
    ] {
        cases.push((ah(0, a, len), Encryption::Null, i));
    }
    let elements: Vec<AddSa> = cases
        .iter()
        .enumerate()
        .map(|(i, (e, _, _))| {
            let mut e = e.clone();
            e.sa[0].spi = 0x6000 + i as u32;
            e
        })
        .collect();
    let backend = TableBackend::new(elements.len());
    let (report, bytes, offsets) = run_add(&elements, &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
    assert_eq!(report.offloaded(), elements.len(), "{:?}", report.elements);
    let mut seen = std::collections::HashSet::new();
    for (i, (element, enc, integ)) in cases.iter().enumerate() {
        let h = handle_at(&bytes, offsets[i]);
        assert!(seen.insert(h), "handles are distinct");
        let stored = backend.get(h).unwrap();
        let sa = &stored.sas[0];
        assert_eq!((sa.encryption, sa.integrity), (*enc, *integ), "case {i}");
        assert_eq!(sa.spi, 0x6000 + i as u32);
        // Keys: encryption key then integrity key, exactly the bytes given.
        let s = &element.sa[0];
        let mut want = Vec::new();
        if enc.key_len() > 0 {
            want.extend_from_slice(&element.keys[s.enc.key_off as usize..][..enc.key_len()]);
        }
        if integ.key_len() > 0 {
            want.extend_from_slice(&element.keys[s.auth.key_off as usize..][..integ.key_len()]);
        }
        assert_eq!(sa.key, want, "case {i}");
    }
}

#[test]
fn esp_followed_by_ah_installs_one_bundle_with_both_inbound_spis() {
    let backend = TableBackend::new(4);
    let mut e = esp_ah(0x7001, 0x7002);
    e.flags = IPSEC_OFFLOAD_V2_INBOUND;
    let (report, bytes, offsets) = run_add(&[e], &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
    let h = handle_at(&bytes, offsets[0]);
    let stored = backend.get(h).unwrap();
    assert_eq!(stored.sas.len(), 2);
    assert_eq!(stored.sas[0].protocol, IpsecProtocol::Esp);
    assert_eq!(stored.sas[0].key.len(), 36);
    assert_eq!(stored.sas[1].protocol, IpsecProtocol::Ah);
    assert_eq!(stored.sas[1].key.len(), 32);
    let dst = ipsecov2_satable::IpAddress::v4([192, 0, 2, 2]);
    for (spi, proto) in [
        (0x7001, ipsecov2_satable::IpsecProtocol::Esp),
        (0x7002, ipsecov2_satable::IpsecProtocol::Ah),
    ] {
        let (found, _) = backend
            .table
            .get_inbound(&ipsecov2_satable::InboundKey::new(spi, dst, proto))
            .unwrap();
        assert_eq!(found.get(), h);
    }
}

#[test]
fn ipv6_endpoints_esn_and_udp_esp_are_decoded() {
    let mut e = esp_gcm(0x8001, 256, 16);
    e.flags = IPSEC_OFFLOAD_V2_IPv6 | IPSEC_OFFLOAD_V2_INBOUND;
    e.src = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    e.dst = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    e.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    e.sa[0].seq_high = 7;
    e.udp_esp = IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT;
    let (bytes, _) = add_sa_list(&[e.clone()]);
    let mut copy = bytes.clone();
    let buf = InfoBuffer::new(&mut copy, BASE);
    let decoded = decode_add_sa(&buf).unwrap();
    let spec = decoded[0].sa.unwrap();
    assert!(spec.inbound);
    assert_eq!(spec.source.version, IpVersion::V6);
    assert_eq!(spec.source.bytes, e.src);
    assert_eq!(spec.destination.bytes, e.dst);
    assert_eq!(
        spec.udp_esp,
        UdpEspEncapsulation(IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT)
    );
    let Bundle::Esp(sa) = spec.bundle else {
        panic!("ESP bundle")
    };
    assert!(sa.esn);
    assert_eq!(sa.seq_high, 7);
    assert_eq!(sa.spi, 0x8001);
    assert_eq!(sa.encryption_key, &e.keys[..]);
}

#[test]
fn ipv4_endpoints_ignore_the_rest_of_the_union() {
    let mut e = esp_gcm(0x8001, 128, 16);
    e.src = [10, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9];
    let (mut bytes, _) = add_sa_list(&[e]);
    let buf = InfoBuffer::new(&mut bytes, BASE);
    let spec = decode_add_sa(&buf).unwrap()[0].sa.unwrap();
    assert_eq!(spec.source.as_slice(), &[10, 0, 0, 1]);
    assert_eq!(spec.source.bytes[4..], [0; 12]);
}

// ---------------------------------------------------------------- ADD_SA_EX

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

// ---------------------------------------------------------------- DELETE_SA

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

// ---------------------------------------------------------------- UPDATE_SA

#[test]
fn update_sa_sets_the_high_order_bits_of_an_esn_sa() {
    let backend = TableBackend::new(4);
    let mut e = esp_ah(0xb001, 0xb002);
    e.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    let (_, bytes, offsets) = run_add(&[e], &backend);
    let h = handle_at(&bytes, offsets[0]);
    let mut u = update_sa(h, IPsecOffloadV2Esp, 0xb001, 0x1234);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_SUCCESS);
    let stored = backend.get(h).unwrap();
    assert_eq!(
        stored.sas[0]
            .seq_high
            .load(std::sync::atomic::Ordering::Acquire),
        0x1234
    );
    // The AH SA of the bundle is not ESN: INVALID_PARAMETER.
    let mut u = update_sa(h, IPsecOffloadV2Ah, 0xb002, 1);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_PARAMETER);
    assert_eq!(r.error, Some(UpdateFailure::Update(UpdateError::NotEsn)));
    // Wrong SPI for the operation.
    let mut u = update_sa(h, IPsecOffloadV2Esp, 0xb002, 1);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.error, Some(UpdateFailure::Update(UpdateError::NoSuchSa)));
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_PARAMETER);
}

#[test]
fn update_sa_unknown_handle_is_invalid_parameter() {
    let backend = TableBackend::new(4);
    for h in [0u64, 1, 0xffff_ffff_ffff_ffff] {
        let mut u = update_sa(h, IPsecOffloadV2Esp, 0x1000, 1);
        let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
        assert_eq!(r.completion.status, NDIS_STATUS_INVALID_PARAMETER);
        assert_eq!(
            r.error,
            Some(UpdateFailure::Update(UpdateError::UnknownHandle))
        );
    }
}

#[test]
fn update_sa_short_or_malformed_buffers() {
    let backend = TableBackend::new(4);
    let mut u = update_sa(1, IPsecOffloadV2Esp, 0x1000, 1);
    u.truncate(0x1b);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_LENGTH);
    assert_eq!(r.completion.bytes_needed, 0x1c);
    let mut u = update_sa(1, 7, 0x1000, 1);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_DATA);
    let mut u = update_sa(1, IPsecOffloadV2Esp, 0x1000, 1);
    u[0] = 0;
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_DATA);
}
