//! Property tests: over random packets, random segmentations (1-byte MDLs, backfill, slack, both
//! mapping flavours) and random byte ranges, `copy_out` / `copy_in` / `segments` /
//! `segments_mut` / `contiguous` / `get_data_buffer` behave exactly like the same operations on
//! a flat `Vec<u8>` model, and never write outside the data.
#![cfg(test)]

use ipsecov2_nbl::{NblError, SystemVaMapper};
use ipsecov2_ndis_emu::{MdlLayout, NblSpec, OwnedNblChain, Segmentation, SplitMix64};
use proptest::prelude::*;

fn segmentation() -> impl Strategy<Value = Segmentation> {
    (0u32..80, 0u32..40, 1u32..128, 0u8..=100).prop_map(|(b, s, m, p)| Segmentation {
        max_backfill: b,
        max_slack: s,
        max_mdl_size: m,
        one_byte_percent: p,
    })
}

/// `[start, end)` of each MDL in the concatenated MDL bytes.
fn mdl_spans(layout: &MdlLayout) -> Vec<(usize, usize)> {
    let mut start = 0;
    layout
        .mdl_sizes
        .iter()
        .map(|&s| {
            let span = (start, start + s as usize);
            start += s as usize;
            span
        })
        .collect()
}

/// The pieces (lengths) that the data range `[off, off + len)` is cut into by the MDLs.
fn expected_pieces(layout: &MdlLayout, off: usize, len: usize) -> Vec<usize> {
    let a = layout.data_offset as usize + off;
    let b = a + len;
    mdl_spans(layout)
        .into_iter()
        .filter_map(|(s, e)| {
            let lo = s.max(a);
            let hi = e.min(b);
            (lo < hi).then(|| hi - lo)
        })
        .collect()
}

/// A random range inside `0..=len` (sometimes empty, sometimes the whole data).
fn range(rng: &mut SplitMix64, len: usize) -> (usize, usize) {
    match rng.up_to(5) {
        0 => (0, len),
        1 => (rng.up_to(len as u64) as usize, 0),
        _ => {
            let off = rng.up_to(len as u64) as usize;
            let n = rng.up_to((len - off) as u64) as usize;
            (off, n)
        }
    }
}

fn build(seed: u64, seg: &Segmentation) -> (OwnedNblChain, Vec<NblSpec>) {
    let mut rng = SplitMix64::new(seed);
    let nbls = 1 + rng.up_to(3) as usize;
    let specs = NblSpec::random_chain(&mut rng, nbls, 4, 400, seg);
    (OwnedNblChain::build(&specs).unwrap(), specs)
}

proptest! {
    #[test]
    fn reads_match_the_flat_model(seed in any::<u64>(), seg in segmentation(), rseed in any::<u64>()) {
        let (mut owned, specs) = build(seed, &seg);
        let mut rng = SplitMix64::new(rseed);
        let mut chain = owned.chain();
        let mut nbls = chain.cursor();
        let mut i = 0;
        while let Some(mut nbl) = nbls.next_nbl() {
            let mut nbs = nbl.net_buffers();
            let mut j = 0;
            while let Some(mut nb) = nbs.next_nb() {
                let spec = &specs[i].nbs[j];
                let model = &spec.data;
                let view = nb.data(&SystemVaMapper).unwrap();
                prop_assert_eq!(view.len(), model.len());
                for _ in 0..8 {
                    let (off, len) = range(&mut rng, model.len());
                    let want = &model[off..off + len];
                    // copy_out
                    let mut buf = vec![0xEE; len];
                    view.copy_out(off, &mut buf).unwrap();
                    prop_assert_eq!(&buf, want);
                    // segments: concatenation and cut points
                    let pieces: Vec<&[u8]> = view.segments(off, len).unwrap().collect();
                    prop_assert_eq!(pieces.concat(), want);
                    let cuts: Vec<usize> = pieces.iter().map(|p| p.len()).collect();
                    prop_assert_eq!(cuts, expected_pieces(&spec.layout, off, len));
                    // contiguous iff one MDL holds the range
                    let single = expected_pieces(&spec.layout, off, len).len() <= 1;
                    match view.contiguous(off, len) {
                        Some(s) => { prop_assert!(single); prop_assert_eq!(s, want); }
                        None => prop_assert!(!single),
                    }
                    // get_data_buffer
                    let mut storage = vec![0u8; len];
                    prop_assert_eq!(view.get_data_buffer(off, &mut storage).unwrap(), want);
                    // beyond the end
                    let err = view.copy_out(off, &mut vec![0; model.len() - off + 1]);
                    let is_range_error = matches!(err, Err(NblError::RangeOutOfBounds { .. }));
                    prop_assert!(is_range_error);
                    prop_assert!(view.contiguous(off, model.len() - off + 1).is_none());
                }
                j += 1;
            }
            prop_assert_eq!(j, specs[i].nbs.len());
            i += 1;
        }
        prop_assert_eq!(i, specs.len());
    }

    #[test]
    fn writes_match_the_flat_model(seed in any::<u64>(), seg in segmentation(), rseed in any::<u64>()) {
        let (mut owned, specs) = build(seed, &seg);
        let mut models: Vec<Vec<Vec<u8>>> =
            specs.iter().map(|s| s.nbs.iter().map(|n| n.data.clone()).collect()).collect();
        let mut rng = SplitMix64::new(rseed);
        {
            let mut chain = owned.chain();
            let mut nbls = chain.cursor();
            let mut i = 0;
            while let Some(mut nbl) = nbls.next_nbl() {
                let mut nbs = nbl.net_buffers();
                let mut j = 0;
                while let Some(mut nb) = nbs.next_nb() {
                    let model = &mut models[i][j];
                    let mut view = nb.data(&SystemVaMapper).unwrap();
                    for _ in 0..6 {
                        let (off, len) = range(&mut rng, model.len());
                        match rng.up_to(2) {
                            0 => {
                                let src = rng.bytes(len);
                                view.copy_in(off, &src).unwrap();
                                model[off..off + len].copy_from_slice(&src);
                            }
                            1 => {
                                let key = rng.next_u64() as u8 | 1;
                                let mut it = view.segments_mut(off, len).unwrap();
                                let mut k = 0usize;
                                for seg in it.by_ref() {
                                    for b in seg.iter_mut() {
                                        *b ^= key.wrapping_add(k as u8);
                                        k += 1;
                                    }
                                }
                                it.finish().unwrap();
                                prop_assert_eq!(k, len);
                                for (k, b) in model[off..off + len].iter_mut().enumerate() {
                                    *b ^= key.wrapping_add(k as u8);
                                }
                            }
                            _ => {
                                if let Some(s) = view.contiguous_mut(off, len) {
                                    s.fill(0xC3);
                                    model[off..off + len].fill(0xC3);
                                }
                            }
                        }
                        let err = view.copy_in(off, &vec![0; model.len() - off + 1]);
                        let is_range_error = matches!(err, Err(NblError::RangeOutOfBounds { .. }));
                        prop_assert!(is_range_error);
                    }
                    j += 1;
                }
                i += 1;
            }
        }
        for (i, nbl) in models.iter().enumerate() {
            for (j, model) in nbl.iter().enumerate() {
                prop_assert_eq!(&owned.read_nb(i, j).unwrap(), model);
                prop_assert!(owned.outside_data_intact(i, j).unwrap());
            }
        }
    }
}
