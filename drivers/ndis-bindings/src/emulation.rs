//! Host emulation of `ExAllocatePool2` / `ExFreePoolWithTag` with the kernel's contract, so the
//! driver's allocator ([`crate::pool::AlignedPool`]) runs in host tests: blocks are exactly
//! `MEMORY_ALLOCATION_ALIGNMENT` (16) aligned and deliberately never more (an allocator that
//! forgot an alignment above 16 fails at once), zeroed unless `POOL_FLAG_UNINITIALIZED` (then
//! filled with 0xCD), and every free is checked against the live blocks and their tags
//! ([`bad_frees`], [`live_blocks`]).
#![allow(non_snake_case)]

use core::ffi::c_void;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::types::{MEMORY_ALLOCATION_ALIGNMENT, POOL_FLAGS, POOL_FLAG_UNINITIALIZED};

/// A live block: the std allocation behind it and its tag.
struct Block {
    raw: *mut u8,
    layout: std::alloc::Layout,
    tag: u32,
}

// SAFETY: the registry only stores addresses; the memory is owned by whoever holds the block.
unsafe impl Send for Block {}

static LIVE: Mutex<Option<HashMap<usize, Block>>> = Mutex::new(None);

/// Frees the kernel would bug-check on (not a live block, or another tag): counted, not done.
static BAD_FREES: AtomicUsize = AtomicUsize::new(0);

/// Number of live (allocated, not yet freed) blocks tagged `tag`.
pub fn live_blocks(tag: u32) -> usize {
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map_or(0, |live| live.values().filter(|b| b.tag == tag).count())
}

/// Number of bad frees so far (the kernel's BAD_POOL_CALLER): a pointer that is not a live
/// block, or a tag that differs from the allocation's. Such a free leaves the block alone.
pub fn bad_frees() -> usize {
    BAD_FREES.load(Ordering::SeqCst)
}

/// `PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)`.
///
/// # Safety
/// None beyond the kernel routine's (callable from any thread here).
pub unsafe extern "system" fn ExAllocatePool2(
    Flags: POOL_FLAGS,
    NumberOfBytes: usize,
    Tag: u32,
) -> *mut c_void {
    let a = MEMORY_ALLOCATION_ALIGNMENT;
    // Allocate 2·16-aligned with 16 spare bytes and hand out the address 16 above: 16-aligned,
    // never 32-aligned.
    let Some(size) = NumberOfBytes.max(1).checked_add(a) else {
        return core::ptr::null_mut();
    };
    let Ok(layout) = std::alloc::Layout::from_size_align(size, 2 * a) else {
        return core::ptr::null_mut();
    };
    // SAFETY: `layout` has a non-zero size.
    let raw = unsafe { std::alloc::alloc(layout) };
    if raw.is_null() {
        return core::ptr::null_mut();
    }
    let block = raw.wrapping_add(a);
    let fill = if Flags & POOL_FLAG_UNINITIALIZED != 0 {
        0xCD
    } else {
        0
    };
    // SAFETY: `block..block + NumberOfBytes` lies inside the fresh allocation.
    unsafe { core::ptr::write_bytes(block, fill, NumberOfBytes) };
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashMap::new)
        .insert(
            block as usize,
            Block {
                raw,
                layout,
                tag: Tag,
            },
        );
    block.cast()
}

/// `void ExFreePoolWithTag(PVOID P, ULONG Tag)`.
///
/// # Safety
/// As the kernel routine: `P` is a live block of this pool. A pointer that is not, or a tag
/// that differs from the allocation's, is counted in [`bad_frees`] and ignored (the kernel
/// would bug-check).
pub unsafe extern "system" fn ExFreePoolWithTag(P: *mut c_void, Tag: u32) {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    let live = live.get_or_insert_with(HashMap::new);
    if live.get(&(P as usize)).is_none_or(|b| b.tag != Tag) {
        BAD_FREES.fetch_add(1, Ordering::SeqCst);
        return;
    }
    if let Some(block) = live.remove(&(P as usize)) {
        // SAFETY: `raw` came from `std::alloc::alloc` with `layout` and is freed once.
        unsafe { std::alloc::dealloc(block.raw, block.layout) };
    }
}

/// The emulated routines as the allocator's [`PoolRoutines`](crate::pool::PoolRoutines).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmulatedPool;

impl crate::pool::PoolRoutines for EmulatedPool {
    unsafe fn allocate(flags: POOL_FLAGS, size: usize, tag: u32) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { ExAllocatePool2(flags, size, tag) }.cast()
    }

    unsafe fn free(block: *mut u8, tag: u32) {
        // SAFETY: forwarded from the caller.
        unsafe { ExFreePoolWithTag(block.cast(), tag) }
    }
}
