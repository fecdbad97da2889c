//! The emulated chains look like NDIS built them: links, MDL geometry and flags, NET_BUFFER
//! offsets; the read-back and the mutators; everything is freed (checked by ASan's leak
//! checker in the ASan run).
#![cfg(test)]

use ipsecov2_abi::{
    MDL, MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED, MDL_SOURCE_IS_NONPAGED_POOL, NET_BUFFER_DATA,
};
use ipsecov2_ndis_emu::{
    EmuError, MdlLayout, MdlMapping, NbSpec, NblSpec, OwnedNblChain, Segmentation, SplitMix64,
    BACKFILL_BYTE, SLACK_BYTE,
};
use proptest::prelude::*;

fn dl(d: &NET_BUFFER_DATA) -> (u32, usize) {
    // SAFETY: both views of the union are integers of initialised bytes.
    let short = unsafe { d.Anonymous.DataLength };
    // SAFETY: as above.
    let long = unsafe { d.Anonymous.stDataLength };
    (short, long)
}

/// Checks every raw field of `owned` against `specs`.
fn check_geometry(owned: &OwnedNblChain, specs: &[NblSpec]) {
    assert_eq!(owned.nbl_count(), specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let nbl = owned.nbl(i).unwrap();
        // SAFETY: plain data union of initialised bytes.
        let link = unsafe { nbl.Anonymous1.Anonymous };
        assert_eq!(
            link.Next,
            owned.nbl_ptr(i + 1).unwrap_or(core::ptr::null_mut())
        );
        assert_eq!(
            link.FirstNetBuffer,
            owned.nb_ptr(i, 0).unwrap_or(core::ptr::null_mut())
        );
        assert_eq!(owned.nb_count(i), Some(spec.nbs.len()));
        for (j, nb) in spec.nbs.iter().enumerate() {
            let d = owned.nb_data(i, j).unwrap();
            assert_eq!(
                d.Next,
                owned.nb_ptr(i, j + 1).unwrap_or(core::ptr::null_mut())
            );
            assert_eq!(dl(&d), (nb.data.len() as u32, nb.data.len()));
            assert_eq!(d.DataOffset, nb.layout.data_offset);
            assert_eq!(
                d.MdlChain,
                owned.mdl_ptr(i, j, 0).unwrap_or(core::ptr::null_mut())
            );
            // CurrentMdl / CurrentMdlOffset: the MDL holding byte DataOffset.
            let mut start = 0u32;
            let mut current: (*mut MDL, u32) = (core::ptr::null_mut(), 0);
            for (k, &size) in nb.layout.mdl_sizes.iter().enumerate() {
                if current.0.is_null() && nb.layout.data_offset < start + size {
                    current = (
                        owned.mdl_ptr(i, j, k).unwrap(),
                        nb.layout.data_offset - start,
                    );
                }
                start += size;
            }
            assert_eq!((d.CurrentMdl, d.CurrentMdlOffset), current);
            if !nb.data.is_empty() {
                assert!(!d.CurrentMdl.is_null());
            }
            let flags = match nb.layout.mapping {
                MdlMapping::NonPagedPool => MDL_SOURCE_IS_NONPAGED_POOL,
                MdlMapping::MappedToSystemVa => MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED,
            };
            assert_eq!(owned.mdl_count(i, j), Some(nb.layout.mdl_sizes.len()));
            for (k, &size) in nb.layout.mdl_sizes.iter().enumerate() {
                let m = owned.mdl(i, j, k).unwrap();
                assert_eq!(
                    m.Next,
                    owned.mdl_ptr(i, j, k + 1).unwrap_or(core::ptr::null_mut())
                );
                assert_eq!(m.ByteCount, size);
                assert_eq!(m.MdlFlags as u16, flags);
                assert!(m.Process.is_null());
                let va = m.MappedSystemVa.addr();
                assert_eq!(m.StartVa.addr() % 0x1000, 0);
                assert_eq!(m.StartVa.addr() + m.ByteOffset as usize, va);
                assert!(m.ByteOffset < 0x1000);
                let pages = (m.ByteOffset as usize + size as usize).div_ceil(0x1000);
                assert_eq!(m.Size as usize, size_of::<MDL>() + 8 * pages);
            }
            // Backfill, data, slack.
            let raw = owned.raw_bytes(i, j).unwrap();
            assert_eq!(raw.len() as u64, nb.layout.total());
            let off = nb.layout.data_offset as usize;
            assert!(raw[..off].iter().all(|&b| b == BACKFILL_BYTE));
            assert_eq!(&raw[off..off + nb.data.len()], &nb.data[..]);
            assert!(raw[off + nb.data.len()..].iter().all(|&b| b == SLACK_BYTE));
            assert!(owned.outside_data_intact(i, j).unwrap());
            assert_eq!(owned.read_nb(i, j).unwrap(), nb.data);
        }
    }
    assert!(owned.nbl_ptr(specs.len()).is_none());
}

#[test]
fn explicit_layouts() {
    let specs = vec![
        NblSpec::new(vec![
            NbSpec::new(b"abc".to_vec(), MdlLayout::single(3)),
            NbSpec::new(Vec::new(), MdlLayout::single(0)),
            NbSpec::new(
                b"defgh".to_vec(),
                MdlLayout::new(vec![1, 1, 1, 1, 1, 1, 1], 2),
            ),
        ]),
        NblSpec::new(Vec::new()),
        NblSpec::new(vec![NbSpec::new(
            vec![7; 5000],
            MdlLayout::new(vec![100, 4900, 4096], 100).with_mapping(MdlMapping::MappedToSystemVa),
        )]),
    ];
    let owned = OwnedNblChain::build(&specs).unwrap();
    check_geometry(&owned, &specs);
    // Data starting exactly on an MDL boundary: CurrentMdl is the next MDL, offset 0.
    let d = owned.nb_data(2, 0).unwrap();
    assert_eq!(
        (d.CurrentMdl, d.CurrentMdlOffset),
        (owned.mdl_ptr(2, 0, 1).unwrap(), 0)
    );
    let d = owned.nb_data(0, 1).unwrap();
    assert!(d.CurrentMdl.is_null() && d.MdlChain.is_null());
    assert!(format!("{owned:?}").contains("OwnedNblChain"));
}

#[test]
fn impossible_specs_are_refused() {
    let too_small = NblSpec::new(vec![NbSpec::new(
        vec![1; 10],
        MdlLayout::new(vec![4, 4], 3),
    )]);
    assert_eq!(
        OwnedNblChain::build(&[
            NblSpec::new(vec![NbSpec::new(vec![0; 4], MdlLayout::single(4))]),
            too_small
        ])
        .unwrap_err(),
        EmuError::LayoutTooSmall {
            needed: 13,
            available: 8
        }
    );
    assert_eq!(EmuError::DataTooLong.to_string(), "DataTooLong");
}

#[test]
fn lookups_out_of_range() {
    let owned = OwnedNblChain::build(&[NblSpec::new(vec![NbSpec::new(
        vec![1],
        MdlLayout::single(1),
    )])])
    .unwrap();
    assert!(owned.nbl(1).is_none() && owned.nbl_ptr(1).is_none());
    assert!(owned.nb_ptr(0, 1).is_none() && owned.nb_data(1, 0).is_none());
    assert!(owned.mdl(0, 0, 1).is_none() && owned.mdl_ptr(0, 1, 0).is_none());
    assert_eq!(owned.nb_count(1), None);
    assert_eq!(owned.mdl_count(0, 1), None);
    assert_eq!(owned.read_nb(0, 1), Err(EmuError::NoSuchIndex));
    assert_eq!(owned.raw_bytes(1, 0), Err(EmuError::NoSuchIndex));
    assert_eq!(owned.outside_data_intact(0, 2), Err(EmuError::NoSuchIndex));
    assert_eq!(owned.info(0, -1), None);
    assert_eq!(owned.info(0, OwnedNblChain::INFO_SLOTS as i32), None);
    assert_eq!(owned.info(1, 0), None);
}

#[test]
fn mutators_and_read_back_errors() {
    let build = || {
        OwnedNblChain::build(&[NblSpec::new(vec![NbSpec::new(
            (0..10).collect(),
            MdlLayout::new(vec![3, 4, 6], 1),
        )])])
        .unwrap()
    };
    let mut o = build();
    o.set_data_length(0, 0, 13).unwrap();
    assert_eq!(o.read_nb(0, 0), Err(EmuError::ChainTooShort));
    o.set_data_length(0, 0, 12).unwrap();
    assert_eq!(o.read_nb(0, 0).unwrap().len(), 12);
    assert_eq!(o.set_data_length(1, 0, 1), Err(EmuError::NoSuchIndex));

    let mut o = build();
    o.clear_current_mdl(0, 0).unwrap();
    assert_eq!(o.read_nb(0, 0), Err(EmuError::NullCurrentMdl));
    o.set_data_length(0, 0, 0).unwrap();
    assert_eq!(o.read_nb(0, 0).unwrap(), Vec::<u8>::new());

    let mut o = build();
    o.set_current_mdl_offset(0, 0, 3).unwrap();
    assert_eq!(o.read_nb(0, 0), Err(EmuError::EmptyMdlStep));

    let mut o = build();
    o.set_mdl_byte_count(0, 0, 1, 0).unwrap();
    assert_eq!(o.read_nb(0, 0), Err(EmuError::EmptyMdlStep));
    assert_eq!(
        o.set_mdl_byte_count(0, 0, 1, 5),
        Err(EmuError::ByteCountBeyondBuffer)
    );
    assert_eq!(o.set_mdl_byte_count(0, 0, 3, 1), Err(EmuError::NoSuchIndex));
    o.set_mdl_byte_count(0, 0, 1, 4).unwrap();
    assert_eq!(o.read_nb(0, 0).unwrap(), (0..10).collect::<Vec<u8>>());

    let mut o = build();
    o.unmap_mdl(0, 0, 2).unwrap();
    let m = o.mdl(0, 0, 2).unwrap();
    assert!(m.MappedSystemVa.is_null());
    assert_eq!(
        m.MdlFlags as u16 & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL),
        0
    );
    assert_eq!(o.read_nb(0, 0), Err(EmuError::NotMapped));

    let mut o = build();
    o.truncate_mdl_chain(0, 0, 1).unwrap();
    assert_eq!(o.read_nb(0, 0), Err(EmuError::ChainTooShort));
    assert!(o.outside_data_intact(0, 0).unwrap());

    // An MDL this NET_BUFFER does not own.
    let mut o = OwnedNblChain::build(&[NblSpec::new(vec![
        NbSpec::new(vec![1, 2], MdlLayout::single(2)),
        NbSpec::new(vec![3, 4], MdlLayout::single(2)),
    ])])
    .unwrap();
    let foreign = o.mdl_ptr(0, 1, 0).unwrap();
    let nb0 = o.nb_ptr(0, 0).unwrap();
    o.truncate_mdl_chain(0, 0, 0).unwrap();
    // SAFETY: `nb0` is a live NET_BUFFER owned by `o`, which no one else borrows; the new
    // `CurrentMdl` is a live MDL of the same chain.
    let u = unsafe { &mut (*nb0).Anonymous1 };
    u.Anonymous.CurrentMdl = foreign;
    assert_eq!(o.read_nb(0, 0), Err(EmuError::UnknownMdl));
}

#[test]
fn chain_hands_out_the_first_nbl() {
    let (mut owned, specs) = OwnedNblChain::random(5, 4, 3, 64, &Segmentation::default()).unwrap();
    let head = owned.nbl_ptr(0).unwrap();
    let chain = owned.chain();
    assert_eq!(chain.count(), specs.len());
    assert_eq!(chain.into_raw(), head);
}

#[test]
fn many_builds_and_drops() {
    // Under ASan (detect_leaks=1) a missed free fails the run.
    let mut rng = SplitMix64::new(3);
    for round in 0..200 {
        let specs =
            NblSpec::random_chain(&mut rng, 1 + round % 5, 4, 300, &Segmentation::default());
        let owned = OwnedNblChain::build(&specs).unwrap();
        if round % 7 == 0 {
            check_geometry(&owned, &specs);
        }
        drop(owned);
    }
    // Failing builds free what they built.
    for _ in 0..50 {
        let mut specs = NblSpec::random_chain(&mut rng, 3, 3, 100, &Segmentation::default());
        specs.push(NblSpec::new(vec![NbSpec::new(
            vec![0; 9],
            MdlLayout::new(vec![8], 0),
        )]));
        assert!(OwnedNblChain::build(&specs).is_err());
    }
}

proptest! {
    #[test]
    fn random_chains_are_consistent(
        seed in any::<u64>(),
        count in 0usize..5,
        max_nbs in 1usize..5,
        max_len in 0u32..600,
        b in 0u32..100, s in 0u32..50, m in 1u32..200, p in 0u8..=100,
    ) {
        let seg = Segmentation { max_backfill: b, max_slack: s, max_mdl_size: m, one_byte_percent: p };
        let (owned, specs) = OwnedNblChain::random(seed, count, max_nbs, max_len, &seg).unwrap();
        check_geometry(&owned, &specs);
    }
}
