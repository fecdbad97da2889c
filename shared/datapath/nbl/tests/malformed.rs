//! Malformed NET_BUFFERs give typed errors, never a panic or an out-of-bounds access; and a
//! differential property test against the emulation's independent read-back over randomly
//! corrupted chains.
#![cfg(test)]

use core::cell::RefCell;
use core::ptr::NonNull;

use ipsecov2_abi::MDL;
use ipsecov2_nbl::{MdlMapper, NblError, SystemVaMapper};
use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec, OwnedNblChain, Segmentation, SplitMix64};
use proptest::prelude::*;

/// Data 0..20 after 2 backfill bytes in MDLs of 4, 3, 1, 10, 8 bytes (4 bytes of slack):
/// MDL0 holds data 0..2, MDL1 2..5, MDL2 5, MDL3 6..16, MDL4 16..20.
fn sample() -> OwnedNblChain {
    build(vec![4, 3, 1, 10, 8], 2, 20)
}

fn build(sizes: Vec<u32>, data_offset: u32, len: u8) -> OwnedNblChain {
    let data: Vec<u8> = (0..len).collect();
    OwnedNblChain::build(&[NblSpec::new(vec![NbSpec::new(
        data,
        MdlLayout::new(sizes, data_offset),
    )])])
    .unwrap()
}

/// `NetBuffer::data` of the first NET_BUFFER with `mapper`, and if it succeeds, its bytes.
fn view_with<M: MdlMapper>(owned: &mut OwnedNblChain, mapper: &M) -> Result<Vec<u8>, NblError> {
    let mut chain = owned.chain();
    let mut nbls = chain.cursor();
    let mut nbl = nbls.next_nbl().unwrap();
    let mut nbs = nbl.net_buffers();
    let mut nb = nbs.next_nb().unwrap();
    let view = nb.data(mapper)?;
    let mut out = vec![0; view.len()];
    view.copy_out(0, &mut out)?;
    Ok(out)
}

fn view(owned: &mut OwnedNblChain) -> Result<Vec<u8>, NblError> {
    view_with(owned, &SystemVaMapper)
}

#[test]
fn well_formed_sample_reads_back() {
    let mut owned = sample();
    assert_eq!(view(&mut owned).unwrap(), (0..20).collect::<Vec<u8>>());
}

#[test]
fn data_length_beyond_the_mdls() {
    let mut owned = sample();
    // 24 bytes are available after the backfill: 24 is fine, 25 is not.
    owned.set_data_length(0, 0, 24).unwrap();
    let bytes = view(&mut owned).unwrap();
    assert_eq!(bytes.len(), 24);
    assert_eq!(&bytes[20..], &[0x5A; 4]); // the slack
    for len in [25, 1000, u32::MAX] {
        owned.set_data_length(0, 0, len).unwrap();
        assert_eq!(
            view(&mut owned),
            Err(NblError::DataBeyondMdlChain { data_length: len })
        );
    }
}

#[test]
fn truncated_or_shrunk_mdl_chain() {
    let mut owned = sample();
    owned.truncate_mdl_chain(0, 0, 2).unwrap();
    assert_eq!(
        view(&mut owned),
        Err(NblError::DataBeyondMdlChain { data_length: 20 })
    );
    let mut owned = sample();
    owned.set_mdl_byte_count(0, 0, 4, 3).unwrap();
    assert_eq!(
        view(&mut owned),
        Err(NblError::DataBeyondMdlChain { data_length: 20 })
    );
    // Shrinking only the slack is fine.
    owned.set_mdl_byte_count(0, 0, 4, 4).unwrap();
    assert_eq!(view(&mut owned).unwrap().len(), 20);
}

#[test]
fn current_mdl_offset_not_below_byte_count() {
    let mut owned = sample();
    for offset in [4, 5, u32::MAX] {
        owned.set_current_mdl_offset(0, 0, offset).unwrap();
        assert_eq!(
            view(&mut owned),
            Err(NblError::CurrentMdlOffsetOutOfRange {
                offset,
                byte_count: 4
            })
        );
    }
    // 3 is inside MDL0; 1 + 3 + 1 + 10 + 8 = 23 bytes remain from there, enough for 20.
    owned.set_current_mdl_offset(0, 0, 3).unwrap();
    assert_eq!(view(&mut owned).unwrap()[..2], [1, 2]);
    // The current MDL shrunk under the offset.
    let mut owned = sample();
    owned.set_mdl_byte_count(0, 0, 0, 2).unwrap();
    assert_eq!(
        view(&mut owned),
        Err(NblError::CurrentMdlOffsetOutOfRange {
            offset: 2,
            byte_count: 2
        })
    );
}

#[test]
fn null_current_mdl() {
    let mut owned = sample();
    owned.clear_current_mdl(0, 0).unwrap();
    assert_eq!(view(&mut owned), Err(NblError::NullCurrentMdl));
    // Without data a NULL CurrentMdl is fine (nothing is touched).
    owned.set_data_length(0, 0, 0).unwrap();
    assert_eq!(view(&mut owned).unwrap(), Vec::<u8>::new());
}

#[test]
fn zero_length_mdls() {
    // In the middle of the data.
    let mut owned = sample();
    owned.set_mdl_byte_count(0, 0, 2, 0).unwrap();
    assert_eq!(view(&mut owned), Err(NblError::ZeroLengthMdl));
    // Built with one.
    let mut owned = build(vec![4, 0, 20], 2, 20);
    assert_eq!(view(&mut owned), Err(NblError::ZeroLengthMdl));
    // After the data, or in the backfill before CurrentMdl: never reached, fine.
    let mut owned = build(vec![2, 0, 20, 0], 2, 20);
    assert_eq!(view(&mut owned).unwrap(), (0..20).collect::<Vec<u8>>());
    let mut owned = build(vec![3, 0], 0, 3);
    assert_eq!(view(&mut owned).unwrap(), vec![0, 1, 2]);
}

#[test]
fn mdl_without_a_mapping() {
    let mut owned = sample();
    owned.unmap_mdl(0, 0, 3).unwrap();
    assert_eq!(view(&mut owned), Err(NblError::MdlNotMapped));
    // An unmapped MDL that holds only backfill or only slack is never mapped.
    let mut owned = build(vec![2, 20, 5], 2, 20);
    owned.unmap_mdl(0, 0, 0).unwrap();
    owned.unmap_mdl(0, 0, 2).unwrap();
    assert_eq!(view(&mut owned).unwrap(), (0..20).collect::<Vec<u8>>());
    owned.unmap_mdl(0, 0, 1).unwrap();
    assert_eq!(view(&mut owned), Err(NblError::MdlNotMapped));
}

/// Records the MDLs it is asked to map, and fails the `fail_at`-th call.
struct RecordingMapper {
    calls: RefCell<Vec<*mut MDL>>,
    fail_at: Option<usize>,
}

// SAFETY: returns what `SystemVaMapper` returns (or `None`), which honours the contract.
unsafe impl MdlMapper for RecordingMapper {
    unsafe fn system_address(&self, mdl: NonNull<MDL>) -> Option<NonNull<u8>> {
        let mut calls = self.calls.borrow_mut();
        calls.push(mdl.as_ptr());
        if Some(calls.len()) == self.fail_at {
            return None;
        }
        // SAFETY: forwarded caller guarantee: `mdl` is a live MDL of an owned chain.
        unsafe { SystemVaMapper.system_address(mdl) }
    }
}

#[test]
fn only_mdls_holding_data_are_mapped_and_mapping_failure_is_typed() {
    let mut owned = build(vec![2, 1, 19, 5], 2, 20);
    let m1 = owned.mdl_ptr(0, 0, 1).unwrap();
    let m2 = owned.mdl_ptr(0, 0, 2).unwrap();
    let mapper = RecordingMapper {
        calls: RefCell::new(Vec::new()),
        fail_at: None,
    };
    view_with(&mut owned, &mapper).unwrap();
    // Validation maps each data MDL once, the copy once more; MDL0 (backfill) and MDL3 (slack)
    // never.
    assert_eq!(*mapper.calls.borrow(), [m1, m2, m1, m2]);
    for fail_at in 1..=4 {
        let failing = RecordingMapper {
            calls: RefCell::new(Vec::new()),
            fail_at: Some(fail_at),
        };
        let r = view_with(&mut owned, &failing);
        assert_eq!(r, Err(NblError::MdlNotMapped), "failing call {fail_at}");
    }
}

/// Maps every MDL to an address 4 bytes below the top of the address space.
struct WrappingMapper;

// SAFETY: this mapper breaks the contract on purpose: the address is not valid. The crate must
// refuse it (address + ByteCount overflows) before creating any slice or reading a byte, which
// is what the test checks.
unsafe impl MdlMapper for WrappingMapper {
    unsafe fn system_address(&self, _mdl: NonNull<MDL>) -> Option<NonNull<u8>> {
        NonNull::new(core::ptr::without_provenance_mut(usize::MAX - 3))
    }
}

#[test]
fn mapping_that_wraps_the_address_space() {
    let mut owned = build(vec![20], 0, 20);
    assert_eq!(
        view_with(&mut owned, &WrappingMapper),
        Err(NblError::MdlAddressOverflow)
    );
}

#[derive(Clone, Copy, Debug)]
enum Corruption {
    DataLength(u32),
    CurrentMdlOffset(u32),
    ClearCurrentMdl,
    ShrinkMdl(usize, u64),
    Unmap(usize),
    Truncate(usize),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        prop_oneof![0u32..600, any::<u32>()].prop_map(Corruption::DataLength),
        prop_oneof![0u32..100, any::<u32>()].prop_map(Corruption::CurrentMdlOffset),
        Just(Corruption::ClearCurrentMdl),
        (0usize..64, any::<u64>()).prop_map(|(m, c)| Corruption::ShrinkMdl(m, c)),
        (0usize..64).prop_map(Corruption::Unmap),
        (0usize..64).prop_map(Corruption::Truncate),
    ]
}

proptest! {
    /// Random chains, random corruptions of random NET_BUFFERs: `ipsecov2-nbl` never panics,
    /// fails exactly when the emulation's independent read-back fails, and otherwise reads the
    /// same bytes, by whole copy and by segments.
    #[test]
    fn corrupted_chains_never_panic_and_agree_with_the_emulation(
        seed in any::<u64>(),
        corruptions in prop::collection::vec((0usize..16, 0usize..16, corruption()), 0..6),
    ) {
        let mut rng = SplitMix64::new(seed);
        let specs = NblSpec::random_chain(&mut rng, 3, 3, 200, &Segmentation::default());
        let mut owned = OwnedNblChain::build(&specs).unwrap();
        for (i, j, c) in corruptions {
            let i = i % specs.len();
            let j = j % specs[i].nbs.len();
            let mdls = owned.mdl_count(i, j).unwrap();
            match c {
                Corruption::DataLength(n) => owned.set_data_length(i, j, n).unwrap(),
                Corruption::CurrentMdlOffset(o) => owned.set_current_mdl_offset(i, j, o).unwrap(),
                Corruption::ClearCurrentMdl => owned.clear_current_mdl(i, j).unwrap(),
                Corruption::ShrinkMdl(_, _) | Corruption::Unmap(_) | Corruption::Truncate(_)
                    if mdls == 0 => {}
                Corruption::ShrinkMdl(m, c) => {
                    let k = m % mdls;
                    let count = owned.mdl(i, j, k).unwrap().ByteCount;
                    let new = (c % (u64::from(count) + 1)) as u32;
                    owned.set_mdl_byte_count(i, j, k, new).unwrap();
                }
                Corruption::Unmap(m) => owned.unmap_mdl(i, j, m % mdls).unwrap(),
                Corruption::Truncate(m) => owned.truncate_mdl_chain(i, j, m % mdls).unwrap(),
            }
        }
        let mut oracle = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            for j in 0..s.nbs.len() {
                oracle.push(owned.read_nb(i, j).ok());
            }
        }
        let mut results = Vec::new();
        {
            let mut chain = owned.chain();
            let mut nbls = chain.cursor();
            while let Some(mut nbl) = nbls.next_nbl() {
                let mut nbs = nbl.net_buffers();
                while let Some(mut nb) = nbs.next_nb() {
                    let r = match nb.data(&SystemVaMapper) {
                        Err(_) => None,
                        Ok(v) => {
                            let mut whole = vec![0; v.len()];
                            v.copy_out(0, &mut whole).unwrap();
                            let mut it = v.segments(0, v.len()).unwrap();
                            let joined: Vec<u8> = it.by_ref().flatten().copied().collect();
                            it.finish().unwrap();
                            prop_assert_eq!(&joined, &whole);
                            Some(whole)
                        }
                    };
                    results.push(r);
                }
            }
        }
        prop_assert_eq!(results, oracle);
    }
}
