//! Property tests: random valid lists decode and write back correctly; random mutations of
//! valid buffers never panic and never leave the table inconsistent.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::*;
use proptest::prelude::*;

/// A random valid ADD_SA element (SPI filled in later so that SPIs are distinct).
fn valid_element() -> impl Strategy<Value = AddSa> {
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5 as MD5;
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 as SHA1;
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 as SHA256;
    let kind = prop_oneof![
        (
            prop_oneof![Just(128u32), Just(192), Just(256)],
            prop_oneof![Just(8u32), Just(12), Just(16)]
        )
            .prop_map(|(b, icv)| esp_gcm(0, b, icv)),
        prop_oneof![Just(128u32), Just(192), Just(256)].prop_map(|b| esp_gmac(0, b)),
        (
            prop_oneof![
                Just((IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128, 16u32)),
                Just((IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256, 32)),
                Just((IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC, 24)),
                Just((IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC, 8)),
            ],
            prop_oneof![Just((MD5, 16u32)), Just((SHA1, 20)), Just((SHA256, 32))],
        )
            .prop_map(|((e, el), (a, al))| esp_cbc(0, e, el, a, al)),
        prop_oneof![Just((MD5, 16u32)), Just((SHA1, 20)), Just((SHA256, 32))]
            .prop_map(|(a, l)| ah(0, a, l)),
        Just(esp_ah(0, 0)),
    ];
    (
        kind,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<u32>(),
        any::<[u8; 16]>(),
        any::<[u8; 16]>(),
    )
        .prop_map(|(mut e, inbound, v6, esn, hi, src, dst)| {
            e.flags = if inbound { IPSEC_OFFLOAD_V2_INBOUND } else { 0 }
                | if v6 { IPSEC_OFFLOAD_V2_IPv6 } else { 0 };
            e.src = src;
            e.dst = dst;
            if !v6 {
                e.src[4..].fill(0);
                e.dst[4..].fill(0);
            }
            if esn {
                e.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
                e.sa[0].seq_high = hi;
            }
            e
        })
}

fn with_distinct_spis(mut elements: Vec<AddSa>) -> Vec<AddSa> {
    for (i, e) in elements.iter_mut().enumerate() {
        e.sa[0].spi = 0x1_0000 + 2 * i as u32;
        if e.num_ext_hdrs == 2 {
            e.sa[1].spi = 0x1_0001 + 2 * i as u32;
        }
    }
    elements
}

proptest! {
    #[test]
    fn valid_lists_decode_and_write_back(elements in proptest::collection::vec(valid_element(), 1..12)) {
        let elements = with_distinct_spis(elements);
        let backend = TableBackend::new(64);
        let (mut bytes, offsets) = add_sa_list(&elements);
        let report = set_add_sa(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
        prop_assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS);
        prop_assert_eq!(report.offloaded(), elements.len());
        prop_assert_eq!(backend.table.len(), elements.len());
        for (i, e) in elements.iter().enumerate() {
            let h = handle_at(&bytes, offsets[i]);
            prop_assert_eq!(report.elements[i].unwrap().get(), h);
            let stored = backend.get(h).unwrap();
            prop_assert_eq!(stored.inbound, e.flags & IPSEC_OFFLOAD_V2_INBOUND != 0);
            prop_assert_eq!(stored.sas.len(), e.num_ext_hdrs as usize);
            for (sa, want) in stored.sas.iter().zip(e.sa.iter()) {
                prop_assert_eq!(sa.spi, want.spi);
                prop_assert_eq!(sa.esn, want.flags & IPSEC_OFFLOAD_V2_ESN_SA != 0);
                prop_assert_eq!(sa.seq_high.load(std::sync::atomic::Ordering::Relaxed), want.seq_high);
            }
        }
        // Everything else in the buffer is untouched: only the handles were written.
        let (mut expected, _) = add_sa_list(&elements);
        for (i, &o) in offsets.iter().enumerate() {
            let h = handle_at(&bytes, o);
            expected[o + ipsecov2_oid::layout::add_sa::OFFLOAD_HANDLE..][..8].copy_from_slice(&h.to_le_bytes());
            let _ = i;
        }
        prop_assert_eq!(bytes, expected);
    }

    #[test]
    fn mutated_add_sa_buffers_never_panic(
        elements in proptest::collection::vec(valid_element(), 1..4),
        mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
    ) {
        let (mut bytes, _) = add_sa_list(&with_distinct_spis(elements));
        for (at, value) in mutations {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let mut data = vec![0u8];
        data.extend_from_slice(&bytes);
        common::harness::run(&data);
    }

    #[test]
    fn truncated_add_sa_buffers_never_panic(
        elements in proptest::collection::vec(valid_element(), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let (bytes, _) = add_sa_list(&with_distinct_spis(elements));
        let mut data = vec![0u8];
        data.extend_from_slice(&bytes[..cut.index(bytes.len())]);
        common::harness::run(&data);
    }

    #[test]
    fn mutated_add_sa_ex_delete_update_never_panic(
        element in valid_element(),
        which in 1u8..4,
        mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
    ) {
        let mut bytes = match which {
            1 => add_sa_ex(&with_distinct_spis(vec![element]).remove(0)),
            2 => delete_sa_list(&[1, 2, 3]),
            _ => update_sa(5, IPsecOffloadV2Esp, 0x1000, 9),
        };
        for (at, value) in mutations {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let mut data = vec![which];
        data.extend_from_slice(&bytes);
        common::harness::run(&data);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        common::harness::run(&data);
    }
}
