//! Every accessor of `ipsecov2-nbl` over emulated chains, checked against the values the
//! emulation put into the raw structures (and read back from them).
#![cfg(test)]

use ipsecov2_abi::{
    IPsecOffloadV2HeaderNetBufferListInfo, IPsecOffloadV2NetBufferListInfo,
    IPsecOffloadV2TunnelNetBufferListInfo, MaxNetBufferListInfo, TcpIpChecksumNetBufferListInfo,
    NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO, NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO,
    NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO, NDIS_NBL_FLAGS_IS_IPV4,
    NDIS_NBL_FLAGS_SEND_READ_ONLY, NDIS_STATUS_FAILURE, NDIS_STATUS_INVALID_DATA,
    NDIS_STATUS_INVALID_LENGTH, NDIS_STATUS_INVALID_PARAMETER, NDIS_STATUS_RESOURCES,
    NDIS_STATUS_SUCCESS, NET_BUFFER_LIST,
};
use ipsecov2_nbl::{NblChain, NblError, SystemVaMapper};
use ipsecov2_ndis_emu::{MdlLayout, MdlMapping, NbSpec, NblSpec, OwnedNblChain, Segmentation};

/// 3 NBLs with 1, 3 and 2 NET_BUFFERs, distinct header values and layouts.
fn sample() -> (OwnedNblChain, Vec<NblSpec>) {
    let nb = |data: &[u8], sizes: Vec<u32>, off: u32| {
        NbSpec::new(data.to_vec(), MdlLayout::new(sizes, off))
    };
    let mut specs = vec![
        NblSpec::new(vec![nb(b"hello", vec![5], 0)]),
        NblSpec::new(vec![
            nb(b"0123456789", vec![4, 1, 1, 10], 2),
            nb(b"", vec![3], 3),
            nb(b"xyz", vec![1, 1, 1, 1], 1),
        ]),
        NblSpec::new(vec![
            nb(b"abcdefgh", vec![16], 8),
            NbSpec::new(
                b"QRST".to_vec(),
                MdlLayout::new(vec![2, 2], 0).with_mapping(MdlMapping::MappedToSystemVa),
            ),
        ]),
    ];
    specs[0].status = NDIS_STATUS_FAILURE;
    specs[0].flags = 0x3;
    specs[0].nbl_flags = NDIS_NBL_FLAGS_SEND_READ_ONLY;
    specs[0].info = vec![(IPsecOffloadV2NetBufferListInfo, 0x1234_5678_9abc), (26, 7)];
    specs[1].info = vec![
        (IPsecOffloadV2TunnelNetBufferListInfo, 0xfeed),
        (IPsecOffloadV2HeaderNetBufferListInfo, 0x4433_2211),
    ];
    specs[1].nbl_flags = NDIS_NBL_FLAGS_IS_IPV4;
    specs[2].status = 0x55;
    let owned = OwnedNblChain::build(&specs).unwrap();
    (owned, specs)
}

#[test]
fn chain_cursor_visits_every_nbl_in_order() {
    let (mut owned, specs) = sample();
    let ptrs: Vec<*mut NET_BUFFER_LIST> = (0..3).map(|i| owned.nbl_ptr(i).unwrap()).collect();
    let mut chain = owned.chain();
    assert!(!chain.is_empty());
    assert_eq!(chain.count(), 3);
    assert_eq!(chain.as_raw(), ptrs[0]);
    let mut seen = Vec::new();
    let mut cursor = chain.cursor();
    while let Some(nbl) = cursor.next_nbl() {
        seen.push((nbl.as_ptr(), nbl.net_buffer_count()));
    }
    assert!(cursor.next_nbl().is_none());
    let expected: Vec<_> = ptrs
        .iter()
        .zip(&specs)
        .map(|(&p, s)| (p, s.nbs.len()))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(chain.into_raw(), ptrs[0]);
}

#[test]
fn empty_chain() {
    let mut chain = NblChain::empty();
    assert!(chain.is_empty());
    assert_eq!(chain.count(), 0);
    assert!(chain.as_raw().is_null());
    assert!(chain.cursor().next_nbl().is_none());
    assert!(chain.pop_front().is_none());
    let mut other = NblChain::default();
    other.append(NblChain::empty());
    assert!(other.is_empty());
    // SAFETY: a NULL head is an empty chain; nothing is dereferenced.
    let from_null = unsafe { NblChain::from_raw(core::ptr::null_mut()) };
    assert!(from_null.is_empty());
    assert!(from_null.into_raw().is_null());

    let mut owned = OwnedNblChain::build(&[]).unwrap();
    assert!(owned.chain().is_empty());
}

#[test]
fn pop_front_and_append_relink() {
    let (mut owned, _) = sample();
    let p: Vec<*mut NET_BUFFER_LIST> = (0..3).map(|i| owned.nbl_ptr(i).unwrap()).collect();
    {
        let mut chain = owned.chain();
        let first = chain.pop_front().unwrap();
        assert_eq!(first.count(), 1);
        assert_eq!(first.as_raw(), p[0]);
        assert_eq!(chain.count(), 2);
        assert_eq!(chain.as_raw(), p[1]);
        // Move the rest behind the popped one, then pop the middle one out.
        let mut rebuilt = first;
        rebuilt.append(chain);
        assert_eq!(rebuilt.count(), 3);
        let a = rebuilt.pop_front().unwrap();
        let b = rebuilt.pop_front().unwrap();
        let c = rebuilt.pop_front().unwrap();
        assert!(rebuilt.pop_front().is_none());
        assert!(rebuilt.is_empty());
        // c, a, b
        let mut out = c;
        out.append(a);
        out.append(b);
        assert_eq!(out.count(), 3);
        let mut order = Vec::new();
        let mut cur = out.cursor();
        while let Some(n) = cur.next_nbl() {
            order.push(n.as_ptr());
        }
        assert_eq!(order, [p[2], p[0], p[1]]);
        // Appending to an empty chain takes the other's head and tail.
        let mut e = NblChain::empty();
        e.append(out);
        assert_eq!(e.count(), 3);
        assert_eq!(e.into_raw(), p[2]);
    }
    // The raw links match: NBL 2 → 0 → 1 → NULL.
    let next = |owned: &OwnedNblChain, i: usize| {
        let n = owned.nbl(i).unwrap();
        // SAFETY: plain data union of initialised bytes.
        unsafe { n.Anonymous1.Anonymous.Next }
    };
    assert_eq!(next(&owned, 2), p[0]);
    assert_eq!(next(&owned, 0), p[1]);
    assert!(next(&owned, 1).is_null());
    owned.relink();
    assert_eq!(next(&owned, 0), p[1]);
    assert!(next(&owned, 2).is_null());
    assert_eq!(owned.chain().count(), 3);
}

#[test]
fn info_slots_by_index() {
    let (mut owned, _) = sample();
    {
        let mut chain = owned.chain();
        let mut cursor = chain.cursor();
        let mut nbl = cursor.next_nbl().unwrap();
        assert_eq!(
            nbl.info(IPsecOffloadV2NetBufferListInfo).unwrap().addr(),
            0x1234_5678_9abc
        );
        assert_eq!(nbl.info(26).unwrap().addr(), 7);
        assert!(nbl.info(TcpIpChecksumNetBufferListInfo).unwrap().is_null());
        for bad in [-1, MaxNetBufferListInfo, 100, i32::MIN, i32::MAX] {
            assert_eq!(nbl.info(bad), Err(NblError::InfoSlotOutOfRange(bad)));
            assert_eq!(
                nbl.set_info(bad, core::ptr::null_mut()),
                Err(NblError::InfoSlotOutOfRange(bad))
            );
        }
        for id in 0..MaxNetBufferListInfo {
            let v = core::ptr::without_provenance_mut(0x1000 + id as usize);
            nbl.set_info(id, v).unwrap();
            assert_eq!(nbl.info(id).unwrap(), v);
        }
    }
    for id in 0..MaxNetBufferListInfo {
        assert_eq!(owned.info(0, id), Some(0x1000 + id as usize));
    }
    // The other NBLs are untouched.
    assert_eq!(
        owned.info(1, IPsecOffloadV2TunnelNetBufferListInfo),
        Some(0xfeed)
    );
    assert_eq!(owned.info(2, 5), Some(0));
}

#[test]
fn typed_ipsec_slots() {
    let (mut owned, _) = sample();
    {
        let mut chain = owned.chain();
        let mut cursor = chain.cursor();
        let mut nbl0 = cursor.next_nbl().unwrap();
        assert_eq!(
            nbl0.ipsec_offload_v2().transmit_offload_handle().addr(),
            0x1234_5678_9abc
        );
        let mut rx = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::default();
        rx.set_receive_crypto_done(true);
        rx.set_receive_crypto_status(3);
        nbl0.set_ipsec_offload_v2(rx);
        assert_eq!(nbl0.ipsec_offload_v2(), rx);
        let mut nbl1 = cursor.next_nbl().unwrap();
        assert_eq!(
            nbl1.ipsec_offload_v2_tunnel()
                .transmit_tunnel_handle()
                .addr(),
            0xfeed
        );
        let h = nbl1.ipsec_offload_v2_header();
        assert_eq!(
            (
                h.transmit_next_header(),
                h.transmit_pad_length(),
                h.transmit_ah_header_offset(),
                h.transmit_esp_header_offset()
            ),
            (0x11, 0x22, 0x33, 0x44)
        );
        nbl1.set_ipsec_offload_v2_tunnel(
            NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO::from_transmit_tunnel_handle(
                core::ptr::without_provenance_mut(9),
            ),
        );
        let mut hdr = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO::default();
        hdr.set_receive_next_header(50);
        hdr.set_receive_pad_length(6);
        hdr.set_receive_header_info_set(true);
        nbl1.set_ipsec_offload_v2_header(hdr);
        assert_eq!(nbl1.ipsec_offload_v2_header(), hdr);
    }
    assert_eq!(
        owned.info(0, IPsecOffloadV2NetBufferListInfo),
        Some(0x0003_0002)
    );
    assert_eq!(
        owned.info(1, IPsecOffloadV2TunnelNetBufferListInfo),
        Some(9)
    );
    assert_eq!(
        owned.info(1, IPsecOffloadV2HeaderNetBufferListInfo),
        Some(0x0001_0632)
    );
}

#[test]
fn status_and_flags() {
    let (mut owned, specs) = sample();
    {
        let mut chain = owned.chain();
        let mut cursor = chain.cursor();
        let mut i = 0;
        while let Some(mut nbl) = cursor.next_nbl() {
            assert_eq!(nbl.status(), specs[i].status);
            assert_eq!(nbl.flags(), specs[i].flags);
            assert_eq!(nbl.nbl_flags(), specs[i].nbl_flags);
            nbl.set_status(NDIS_STATUS_SUCCESS - i as i32);
            nbl.set_flags(0x100 + i as u32);
            nbl.set_nbl_flags(0x200 + i as u32);
            i += 1;
        }
        assert_eq!(i, 3);
    }
    for i in 0..3 {
        let n = owned.nbl(i).unwrap();
        // SAFETY: plain data union of initialised bytes.
        assert_eq!(unsafe { n.Anonymous2.Status }, -(i as i32));
        assert_eq!(n.Flags, 0x100 + i as u32);
        assert_eq!(n.NblFlags, 0x200 + i as u32);
    }
}

#[test]
fn net_buffer_geometry() {
    let (mut owned, specs) = sample();
    let mut expected = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        for j in 0..s.nbs.len() {
            let d = owned.nb_data(i, j).unwrap();
            expected.push((owned.nb_ptr(i, j).unwrap(), d));
        }
    }
    let mut got = Vec::new();
    let mut chain = owned.chain();
    let mut nbls = chain.cursor();
    while let Some(mut nbl) = nbls.next_nbl() {
        let mut nbs = nbl.net_buffers();
        while let Some(nb) = nbs.next_nb() {
            got.push((
                nb.as_ptr(),
                nb.data_length(),
                nb.data_offset(),
                nb.current_mdl_offset(),
                nb.current_mdl(),
                nb.mdl_chain(),
            ));
            assert!(format!("{nb:?}").contains("data_length"));
        }
        assert!(nbs.next_nb().is_none());
    }
    assert_eq!(got.len(), expected.len());
    for (g, (p, d)) in got.iter().zip(&expected) {
        // SAFETY: plain data union of initialised bytes.
        let len = unsafe { d.Anonymous.DataLength };
        assert_eq!(
            *g,
            (
                *p,
                len,
                d.DataOffset,
                d.CurrentMdlOffset,
                d.CurrentMdl,
                d.MdlChain
            )
        );
    }
    // Spot values: NBL 1 NB 0 has 10 bytes after 2 backfill bytes in MDLs 4,1,1,10.
    assert_eq!((got[1].1, got[1].2, got[1].3), (10, 2, 2));
    // NBL 2 NB 0: 8 backfill bytes inside a 16-byte MDL.
    assert_eq!((got[4].1, got[4].2, got[4].3), (8, 8, 8));
    assert_eq!((got[5].1, got[5].2, got[5].3), (4, 0, 0));
}

#[test]
fn data_views_of_the_sample() {
    let (mut owned, specs) = sample();
    let mapper = SystemVaMapper;
    let mut chain = owned.chain();
    let mut nbls = chain.cursor();
    let mut i = 0;
    while let Some(mut nbl) = nbls.next_nbl() {
        let mut nbs = nbl.net_buffers();
        let mut j = 0;
        while let Some(mut nb) = nbs.next_nb() {
            let want = &specs[i].nbs[j].data;
            let data = nb.data(&mapper).unwrap();
            assert_eq!(data.len(), want.len());
            assert_eq!(data.is_empty(), want.is_empty());
            let mut buf = vec![0; want.len()];
            data.copy_out(0, &mut buf).unwrap();
            assert_eq!(&buf, want);
            let joined: Vec<u8> = data
                .segments(0, want.len())
                .unwrap()
                .flatten()
                .copied()
                .collect();
            assert_eq!(&joined, want);
            assert!(format!("{data:?}").contains("data_length"));
            j += 1;
        }
        i += 1;
    }
}

#[test]
fn header_round_trip_through_a_stack_buffer() {
    // 20-byte "header" straddling 1-byte MDLs, parse, patch, write back.
    let data: Vec<u8> = (0u8..40).collect();
    let layout = MdlLayout::new(vec![3, 1, 1, 1, 7, 1, 40], 3);
    let mut owned =
        OwnedNblChain::build(&[NblSpec::new(vec![NbSpec::new(data.clone(), layout)])]).unwrap();
    {
        let mut chain = owned.chain();
        let mut nbls = chain.cursor();
        let mut nbl = nbls.next_nbl().unwrap();
        let mut nbs = nbl.net_buffers();
        let mut nb = nbs.next_nb().unwrap();
        let mut view = nb.data(&SystemVaMapper).unwrap();

        let mut hdr = view.read_array::<20>(0).unwrap();
        assert_eq!(hdr.to_vec(), data[..20]);
        hdr[9] = 50; // protocol ESP
        view.copy_in(0, &hdr).unwrap();

        // get_data_buffer: copied when split, borrowed in place when contiguous.
        let mut storage = [0u8; 6];
        let split = view.get_data_buffer(0, &mut storage).unwrap();
        assert_eq!(split, &data[..6]);
        assert_eq!(split.as_ptr(), storage.as_ptr());
        let mut storage = [0u8; 20];
        let inner = view.get_data_buffer(12, &mut storage).unwrap();
        assert_eq!(inner, &data[12..32]);
        assert_ne!(inner.as_ptr(), storage.as_ptr());
        let mut storage = [0u8; 2];
        assert_eq!(
            view.get_data_buffer(39, &mut storage),
            Err(NblError::RangeOutOfBounds {
                offset: 39,
                len: 2,
                data_length: 40
            })
        );
        assert!(view.read_array::<41>(0).is_err());
    }
    let mut want = data.clone();
    want[9] = 50;
    assert_eq!(owned.read_nb(0, 0).unwrap(), want);
    assert!(owned.outside_data_intact(0, 0).unwrap());
}

#[test]
fn contiguous_views() {
    // Data: MDL0 holds bytes 0..2 (after 1 backfill byte), MDL1 2..3, MDL2 3..10.
    let data: Vec<u8> = (100u8..110).collect();
    let mut owned = OwnedNblChain::build(&[NblSpec::new(vec![NbSpec::new(
        data.clone(),
        MdlLayout::new(vec![3, 1, 9], 1),
    )])])
    .unwrap();
    {
        let mut chain = owned.chain();
        let mut nbls = chain.cursor();
        let mut nbl = nbls.next_nbl().unwrap();
        let mut nbs = nbl.net_buffers();
        let mut nb = nbs.next_nb().unwrap();
        let mut v = nb.data(&SystemVaMapper).unwrap();
        assert_eq!(v.contiguous(0, 2), Some(&data[0..2]));
        assert_eq!(v.contiguous(0, 3), None);
        assert_eq!(v.contiguous(2, 1), Some(&data[2..3]));
        assert_eq!(v.contiguous(2, 2), None);
        assert_eq!(v.contiguous(3, 7), Some(&data[3..10]));
        assert_eq!(v.contiguous(3, 8), None);
        assert_eq!(v.contiguous(10, 0), Some(&[][..]));
        assert_eq!(v.contiguous(11, 0), None);
        assert_eq!(v.contiguous(usize::MAX, 2), None);
        let m = v.contiguous_mut(4, 3).unwrap();
        m.copy_from_slice(b"ESP");
        assert!(v.contiguous_mut(1, 2).is_none());
        assert_eq!(v.contiguous_mut(0, 0).map(|s| s.len()), Some(0));
    }
    let mut want = data;
    want[4..7].copy_from_slice(b"ESP");
    assert_eq!(owned.read_nb(0, 0).unwrap(), want);
    assert!(owned.outside_data_intact(0, 0).unwrap());
}

#[test]
fn segments_mut_spans_mdl_boundaries_in_place() {
    let data: Vec<u8> = (0u8..32).collect();
    let mut owned = OwnedNblChain::build(&[NblSpec::new(vec![NbSpec::new(
        data.clone(),
        MdlLayout::new(vec![5, 1, 1, 8, 30], 4),
    )])])
    .unwrap();
    {
        let mut chain = owned.chain();
        let mut nbls = chain.cursor();
        let mut nbl = nbls.next_nbl().unwrap();
        let mut nbs = nbl.net_buffers();
        let mut nb = nbs.next_nb().unwrap();
        let mut v = nb.data(&SystemVaMapper).unwrap();
        // Range 0..20 touches MDLs: [4..5)=1 byte, 1, 1, 8, then 9 of the last.
        let mut it = v.segments_mut(0, 20).unwrap();
        let lens: Vec<usize> = it
            .by_ref()
            .map(|seg| {
                seg.iter_mut().for_each(|b| *b ^= 0xFF);
                seg.len()
            })
            .collect();
        assert_eq!(lens, [1, 1, 1, 8, 9]);
        it.finish().unwrap();
        // finish before the end reports the remainder.
        let mut early = v.segments_mut(3, 10).unwrap();
        assert_eq!(early.next().map(|s| s.len()), Some(8));
        assert_eq!(
            early.finish(),
            Err(NblError::SegmentsUnfinished { remaining: 2 })
        );
        let early = v.segments(0, 1).unwrap();
        assert!(format!("{early:?}").contains("Segments"));
        assert_eq!(
            early.finish(),
            Err(NblError::SegmentsUnfinished { remaining: 1 })
        );
        // Empty ranges yield nothing.
        let mut none = v.segments(32, 0).unwrap();
        assert!(none.next().is_none());
        none.finish().unwrap();
        assert!(matches!(
            v.segments(33, 0),
            Err(NblError::RangeOutOfBounds { .. })
        ));
        assert!(matches!(
            v.segments_mut(0, 33),
            Err(NblError::RangeOutOfBounds { .. })
        ));
    }
    let want: Vec<u8> = data
        .iter()
        .enumerate()
        .map(|(i, &b)| if i < 20 { b ^ 0xFF } else { b })
        .collect();
    assert_eq!(owned.read_nb(0, 0).unwrap(), want);
    assert!(owned.outside_data_intact(0, 0).unwrap());
}

#[test]
fn error_status_mapping_and_display() {
    let all = [
        (NblError::NullCurrentMdl, NDIS_STATUS_INVALID_DATA),
        (
            NblError::CurrentMdlOffsetOutOfRange {
                offset: 4,
                byte_count: 4,
            },
            NDIS_STATUS_INVALID_DATA,
        ),
        (
            NblError::DataBeyondMdlChain { data_length: 9 },
            NDIS_STATUS_INVALID_DATA,
        ),
        (NblError::ZeroLengthMdl, NDIS_STATUS_INVALID_DATA),
        (NblError::MdlAddressOverflow, NDIS_STATUS_INVALID_DATA),
        (NblError::MdlNotMapped, NDIS_STATUS_RESOURCES),
        (
            NblError::RangeOutOfBounds {
                offset: 1,
                len: 2,
                data_length: 0,
            },
            NDIS_STATUS_INVALID_LENGTH,
        ),
        (
            NblError::SegmentsUnfinished { remaining: 3 },
            NDIS_STATUS_INVALID_LENGTH,
        ),
        (
            NblError::InfoSlotOutOfRange(27),
            NDIS_STATUS_INVALID_PARAMETER,
        ),
    ];
    let mut texts = std::collections::HashSet::new();
    for (e, status) in all {
        assert_eq!(e.ndis_status(), status, "{e:?}");
        assert!(texts.insert(e.to_string()), "{e}");
    }
}

#[test]
fn random_chains_visit_every_nb_with_both_mappings() {
    let (mut owned, specs) =
        OwnedNblChain::random(99, 6, 5, 300, &Segmentation::default()).unwrap();
    let mut lens = Vec::new();
    let mut chain = owned.chain();
    let mut nbls = chain.cursor();
    while let Some(mut nbl) = nbls.next_nbl() {
        let mut nbs = nbl.net_buffers();
        while let Some(mut nb) = nbs.next_nb() {
            lens.push(nb.data(&SystemVaMapper).unwrap().len());
        }
    }
    let want: Vec<usize> = specs
        .iter()
        .flat_map(|s| s.nbs.iter().map(|n| n.data.len()))
        .collect();
    assert_eq!(lens, want);
    let mappings: std::collections::HashSet<MdlMapping> = specs
        .iter()
        .flat_map(|s| s.nbs.iter().map(|n| n.layout.mapping))
        .collect();
    assert_eq!(mappings.len(), 2);
}
