//! The driver's allocator path (`AlignedPool`, the type behind the driver's
//! `#[global_allocator]`) over the emulated `ExAllocatePool2` / `ExFreePoolWithTag`: every
//! alignment up to a page is honoured, for sizes around it, for `alloc`, `alloc_zeroed` and
//! `realloc`, and every block goes back to the pool with the driver's tag.

use core::alloc::{GlobalAlloc, Layout};

use ndis_bindings::emulation::{self, EmulatedPool};
use ndis_bindings::pool::AlignedPool;
use ndis_bindings::types::{PAGE_SIZE, POOL_FLAG_NON_PAGED};

/// The driver's pool tag (`IOv2`, drivers/ipsecov2-lwf/src/names.rs).
const TAG: u32 = u32::from_le_bytes(*b"IOv2");
/// Tags of the other tests (they run in parallel; live blocks are counted per tag).
const TAG_REALLOC: u32 = u32::from_le_bytes(*b"IOvR");
const TAG_SLOT: u32 = u32::from_le_bytes(*b"IOvS");
const TAG_BAD: u32 = u32::from_le_bytes(*b"IOvB");

static POOL: AlignedPool<EmulatedPool, TAG> = AlignedPool::new();

fn alignments() -> impl Iterator<Item = usize> {
    (0..=PAGE_SIZE.trailing_zeros()).map(|s| 1usize << s)
}

fn sizes(align: usize) -> Vec<usize> {
    [1, 7, align - 1, align, align + 1, 3 * align + 5, 5000]
        .into_iter()
        .filter(|s| *s > 0)
        .collect()
}

/// A block of `layout` from `pool`, checked non-null and aligned, as a byte slice.
fn block<const T: u32>(
    pool: &AlignedPool<EmulatedPool, T>,
    layout: Layout,
    zeroed: bool,
) -> &'static mut [u8] {
    let p = if zeroed {
        // SAFETY: `layout` has a non-zero size.
        unsafe { pool.alloc_zeroed(layout) }
    } else {
        // SAFETY: as above.
        unsafe { pool.alloc(layout) }
    };
    assert!(!p.is_null(), "{layout:?}");
    assert_eq!(p as usize % layout.align(), 0, "{layout:?}: {p:p}");
    // SAFETY: `p` is a live block of `layout.size()` bytes, freed only through `free`.
    unsafe { core::slice::from_raw_parts_mut(p, layout.size()) }
}

fn free<const T: u32>(pool: &AlignedPool<EmulatedPool, T>, bytes: &mut [u8], layout: Layout) {
    // SAFETY: `bytes` is a block of `pool` allocated with `layout` (see `block`).
    unsafe { pool.dealloc(bytes.as_mut_ptr(), layout) };
}

#[test]
fn every_alignment_up_to_a_page_is_honoured() {
    for align in alignments() {
        for size in sizes(align) {
            let layout = Layout::from_size_align(size, align).unwrap();
            for zeroed in [false, true] {
                let bytes = block(&POOL, layout, zeroed);
                if zeroed {
                    assert!(bytes.iter().all(|b| *b == 0), "alloc_zeroed not zero");
                }
                bytes.fill(0xA5);
                free(&POOL, bytes, layout);
            }
        }
    }
    assert_eq!(emulation::live_blocks(TAG), 0, "a block was not freed");
}

#[test]
fn realloc_keeps_contents_and_alignment() {
    let pool: AlignedPool<EmulatedPool, TAG_REALLOC> = AlignedPool::new();
    for align in alignments() {
        let layout = Layout::from_size_align(24, align).unwrap();
        let bytes = block(&pool, layout, false);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = i as u8;
        }
        // SAFETY: `bytes` is a block of `pool` with `layout`; 3000 is a valid size at `align`.
        let q = unsafe { pool.realloc(bytes.as_mut_ptr(), layout, 3000) };
        assert!(!q.is_null());
        assert_eq!(q as usize % align, 0, "realloc align {align}");
        let grown = Layout::from_size_align(3000, align).unwrap();
        // SAFETY: `q` is the live, grown block of 3000 bytes.
        let grown_bytes = unsafe { core::slice::from_raw_parts_mut(q, 3000) };
        assert!(grown_bytes[..24]
            .iter()
            .enumerate()
            .all(|(i, b)| *b == i as u8));
        free(&pool, grown_bytes, grown);
    }
    assert_eq!(emulation::live_blocks(TAG_REALLOC), 0);
}

#[test]
fn the_emulated_pool_alone_is_only_16_aligned() {
    // Without the allocator's over-alignment the pool's blocks would fail the tests above: the
    // emulation never hands out a 32-aligned block, as the real pool under a page may not.
    // SAFETY: plain allocation of the emulation, freed below.
    let p = unsafe { emulation::ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, TAG_BAD) };
    assert!(!p.is_null());
    assert_eq!(p as usize % 16, 0);
    assert_ne!(p as usize % 32, 0);
    // SAFETY: `p` is live with this tag.
    unsafe { emulation::ExFreePoolWithTag(p, TAG_BAD) };
}

#[test]
fn slot_like_types_in_boxed_slices_are_aligned() {
    // The SA table's `Slot` is `#[repr(C, align(32))]` in a boxed slice; the same layouts
    // through the allocator.
    #[repr(C, align(32))]
    struct Slot([u8; 40]);
    let pool: AlignedPool<EmulatedPool, TAG_SLOT> = AlignedPool::new();
    for n in [1usize, 3, 1000] {
        let layout = Layout::array::<Slot>(n).unwrap();
        let bytes = block(&pool, layout, true);
        assert_eq!(bytes.as_ptr() as usize % core::mem::align_of::<Slot>(), 0);
        free(&pool, bytes, layout);
    }
    assert_eq!(emulation::live_blocks(TAG_SLOT), 0);
}

#[test]
fn freeing_with_another_tag_is_caught() {
    let before = emulation::bad_frees();
    // SAFETY: plain allocation of the emulation, freed below.
    let p = unsafe { emulation::ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, TAG_BAD) };
    // SAFETY: the emulation refuses this free (wrong tag) and leaves the block alone.
    unsafe { emulation::ExFreePoolWithTag(p, TAG_BAD ^ 1) };
    assert!(emulation::bad_frees() > before);
    // SAFETY: `p` is still live with its own tag.
    unsafe { emulation::ExFreePoolWithTag(p, TAG_BAD) };
}
