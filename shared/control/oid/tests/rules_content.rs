//! Decoder rules of one element (content pass): extension headers, flags, operations, algorithm
//! identifiers, ICV and key lengths, key offsets and reserved SPIs give that element alone a
//! NULL handle, against the real SA table.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use common::rules::*;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::*;

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
