//! What a valid ADD_SA decodes to: every algorithm installed with its keys, ESP and AH in one
//! bundle, IPv6 endpoints, ESN and UDP-ESP, and IPv4 endpoints.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use common::rules::*;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::*;

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
