//! The driver's pool allocator: a `GlobalAlloc` over any pair of pool routines with the
//! signatures of `ExAllocatePool2` / `ExFreePoolWithTag` ([`PoolRoutines`]) that honours every
//! `Layout` alignment.
//!
//! Pool blocks are `MEMORY_ALLOCATION_ALIGNMENT` (16) aligned, and `ExAllocatePool2` takes no
//! alignment argument, so handing it only the size (what `wdk-alloc` does) gives a `Layout` of
//! alignment 32 (the SA table's `Slot`) or 64 a misaligned block: undefined behaviour. Here a
//! larger alignment over-allocates by the alignment and keeps the pool block's address in the
//! word just below the aligned pointer, where `dealloc` finds it.
//!
//! On Windows `runtime::KernelPool` (Windows builds) supplies the ntoskrnl routines (every build of the
//! driver, `wdk` or not, uses this allocator); on other hosts `crate::emulation` supplies
//! routines with the same contract so the host tests run this code.

use core::alloc::{GlobalAlloc, Layout};
use core::marker::PhantomData;

use crate::types::{
    MEMORY_ALLOCATION_ALIGNMENT, POOL_FLAGS, POOL_FLAG_NON_PAGED, POOL_FLAG_UNINITIALIZED,
};

/// The two pool routines the allocator needs, with the kernel's contract.
pub trait PoolRoutines {
    /// `ExAllocatePool2(flags, size, tag)`: a block of at least `size` bytes aligned to
    /// `MEMORY_ALLOCATION_ALIGNMENT`, zeroed unless `POOL_FLAG_UNINITIALIZED`, or null.
    ///
    /// # Safety
    /// IRQL ≤ DISPATCH_LEVEL for non-paged pool (as the kernel routine).
    unsafe fn allocate(flags: POOL_FLAGS, size: usize, tag: u32) -> *mut u8;

    /// `ExFreePoolWithTag(block, tag)`.
    ///
    /// # Safety
    /// `block` came from [`PoolRoutines::allocate`] with `tag` and is freed once.
    unsafe fn free(block: *mut u8, tag: u32);
}

/// `GlobalAlloc` over non-paged, no-execute pool tagged `TAG` through the routines `R`.
pub struct AlignedPool<R, const TAG: u32> {
    _routines: PhantomData<fn() -> R>,
}

impl<R, const TAG: u32> core::fmt::Debug for AlignedPool<R, TAG> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AlignedPool").field("tag", &TAG).finish()
    }
}

impl<R, const TAG: u32> AlignedPool<R, TAG> {
    /// The allocator (a unit value, usable in a `#[global_allocator]` static).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            _routines: PhantomData,
        }
    }
}

impl<R, const TAG: u32> Default for AlignedPool<R, TAG> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: PoolRoutines, const TAG: u32> AlignedPool<R, TAG> {
    /// A block of `layout.size()` bytes at `layout.align()`, or null.
    fn allocate(layout: Layout, flags: POOL_FLAGS) -> *mut u8 {
        let size = layout.size().max(1);
        let align = layout.align();
        if align <= MEMORY_ALLOCATION_ALIGNMENT {
            // SAFETY: the driver allocates non-paged pool only at IRQL ≤ DISPATCH_LEVEL.
            return unsafe { R::allocate(flags, size, TAG) };
        }
        let Some(total) = size.checked_add(align) else {
            return core::ptr::null_mut();
        };
        // SAFETY: as above.
        let base = unsafe { R::allocate(flags, total, TAG) };
        if base.is_null() {
            return base;
        }
        // `base` is 16-aligned and `align` > 16, so the aligned address lies 16..=align bytes
        // above `base`: room for the pointer-sized word below it, and `size` bytes above it
        // stay inside the `size + align` block.
        let offset = align - (base as usize & (align - 1));
        let aligned = base.wrapping_add(offset);
        let slot = aligned
            .wrapping_sub(core::mem::size_of::<usize>())
            .cast::<*mut u8>();
        // SAFETY: `slot` lies inside the block (offset ≥ 16 > 8) and is 8-aligned (`aligned` is
        // at least 32-aligned).
        unsafe { slot.write(base) };
        aligned
    }
}

// SAFETY: blocks have at least `layout.size()` bytes at `layout.align()` (see `allocate`), and
// `dealloc` frees exactly the block `alloc` obtained for that layout.
unsafe impl<R: PoolRoutines, const TAG: u32> GlobalAlloc for AlignedPool<R, TAG> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::allocate(layout, POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::allocate(layout, POOL_FLAG_NON_PAGED)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let block = if layout.align() <= MEMORY_ALLOCATION_ALIGNMENT {
            ptr
        } else {
            let slot = ptr
                .wrapping_sub(core::mem::size_of::<usize>())
                .cast::<*mut u8>();
            // SAFETY: `alloc` stored the block address in this word for over-aligned layouts.
            unsafe { slot.read() }
        };
        // SAFETY: `block` was returned by the pool with this tag and is freed once.
        unsafe { R::free(block, TAG) }
    }
}
