//! The error paths of `try_box` and `TryArc::try_new` with the global allocator out of memory:
//! `AllocError`, and the value handed in is dropped (its own heap memory freed), not leaked.
#![cfg(all(test, not(loom)))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ipsecov2_fallible::{try_box, AllocError, TryArc};

thread_local! {
    /// Allocations of this thread fail while set.
    static OUT_OF_MEMORY: Cell<bool> = const { Cell::new(false) };
    /// Bytes live on this thread's count (allocated minus freed).
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

struct FailingAlloc;

// SAFETY: every call forwards to `System` with the caller's layout, or returns null (allowed for
// an allocation failure).
unsafe impl GlobalAlloc for FailingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if OUT_OF_MEMORY.with(Cell::get) {
            return std::ptr::null_mut();
        }
        LIVE.with(|l| l.set(l.get() + layout.size() as isize));
        // SAFETY: the caller's contract for `layout` is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.with(|l| l.set(l.get() - layout.size() as isize));
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: FailingAlloc = FailingAlloc;

/// A value owning heap memory and counting its drops.
struct Owner<'a> {
    _heap: Vec<u8>,
    drops: &'a Cell<u32>,
}

impl Drop for Owner<'_> {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

fn owner(drops: &Cell<u32>) -> Owner<'_> {
    Owner {
        _heap: vec![7u8; 300],
        drops,
    }
}

fn out_of_memory<R>(f: impl FnOnce() -> R) -> R {
    OUT_OF_MEMORY.with(|o| o.set(true));
    let r = f();
    OUT_OF_MEMORY.with(|o| o.set(false));
    r
}

#[test]
fn try_box_without_memory_drops_the_value() {
    let drops = Cell::new(0);
    let before = LIVE.with(Cell::get);
    let value = owner(&drops);
    let boxed = out_of_memory(|| try_box(value));
    assert!(matches!(boxed, Err(AllocError)));
    assert_eq!(drops.get(), 1);
    assert_eq!(
        LIVE.with(Cell::get),
        before,
        "the value's heap memory freed"
    );
}

#[test]
fn try_arc_without_memory_drops_the_value() {
    let drops = Cell::new(0);
    let before = LIVE.with(Cell::get);
    let value = owner(&drops);
    let arc = out_of_memory(|| TryArc::try_new(value));
    assert!(matches!(arc, Err(AllocError)));
    assert_eq!(drops.get(), 1, "the value is dropped, not leaked");
    assert_eq!(
        LIVE.with(Cell::get),
        before,
        "the value's heap memory freed"
    );

    // With memory, the same value lives until the last reference goes.
    let arc = TryArc::try_new(owner(&drops)).unwrap_or_else(|_| unreachable!());
    let second = arc.clone();
    drop(arc);
    assert_eq!(drops.get(), 1);
    drop(second);
    assert_eq!(drops.get(), 2);
    assert_eq!(LIVE.with(Cell::get), before);
}
