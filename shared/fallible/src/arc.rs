//! `TryArc`: an atomically reference-counted pointer whose allocation can fail.
//!
//! The algorithm is `alloc::sync::Arc`'s: a strong count, and a weak count that also holds one
//! reference for all strong ones together; a decrement is a release operation and whoever takes
//! a count to zero issues an acquire fence before dropping the value (strong) or freeing the
//! allocation (weak), so every use of the value by other holders happens before its drop.
//!
//! Overflow: where `std` aborts when a count passes `isize::MAX` (only `mem::forget` in a loop
//! gets there), this type cannot abort (a kernel abort is a bug check). A count above
//! [`MAX_COUNT`] needs more than 2^63 drops to come back to zero, which needs that many live
//! references: impossible in any address space, so the value is simply never dropped (a leak,
//! which is sound). Wrapping the count around instead needs 2^64 increments without drops.

use alloc::boxed::Box;
use core::fmt;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ops::Deref;
use core::ptr::NonNull;

#[cfg(loom)]
use loom::sync::atomic::{fence, AtomicUsize, Ordering};

#[cfg(not(loom))]
use core::sync::atomic::{fence, AtomicUsize, Ordering};

use crate::{try_box, AllocError};

/// Counts above this can no longer reach zero (see the module documentation).
const MAX_COUNT: usize = isize::MAX as usize;

struct Inner<T> {
    /// Strong references.
    strong: AtomicUsize,
    /// Weak references, plus one for all strong references together.
    weak: AtomicUsize,
    /// Dropped in place when `strong` reaches zero; the allocation lives on while `weak` > 0.
    value: ManuallyDrop<T>,
}

/// An atomically reference-counted shared pointer created with [`TryArc::try_new`], which
/// returns [`AllocError`] instead of aborting when the allocator has no memory. Otherwise used
/// like `alloc::sync::Arc`: `Clone` adds a reference, `Deref` reaches the value, the last drop
/// drops it; [`TryArc::downgrade`] makes a [`Weak`] reference.
pub struct TryArc<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

/// A weak reference to a [`TryArc`]'s value: keeps the allocation, not the value, alive;
/// [`Weak::upgrade`] gives a strong reference while the value still exists.
pub struct Weak<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

// SAFETY: a `TryArc<T>` hands out `&T` to every thread that holds a clone and drops the `T` on
// whichever thread drops the last clone: that needs `T: Sync` (shared access) and `T: Send`
// (drop elsewhere), the bounds `alloc::sync::Arc` has. The counts are atomics.
unsafe impl<T: Send + Sync> Send for TryArc<T> {}
// SAFETY: as for `Send`: `&TryArc<T>` only gives `&T` and clones, which need `T: Send + Sync`.
unsafe impl<T: Send + Sync> Sync for TryArc<T> {}
// SAFETY: a `Weak<T>` can become a `TryArc<T>` on any thread (`upgrade`), so it needs the same
// bounds; it never touches the value otherwise.
unsafe impl<T: Send + Sync> Send for Weak<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for Weak<T> {}

impl<T> TryArc<T> {
    /// Moves `value` into a new reference-counted allocation, or returns [`AllocError`]
    /// (dropping `value`) when there is no memory.
    pub fn try_new(value: T) -> Result<Self, AllocError> {
        // The block first: with no memory `value` is still owned here and is dropped on return.
        // (Moved into an `Inner` first, its `ManuallyDrop` would leak it with the failed box.)
        let slot = try_box(MaybeUninit::<Inner<T>>::uninit())?;
        let inner = Box::write(
            slot,
            Inner {
                strong: AtomicUsize::new(1),
                weak: AtomicUsize::new(1),
                value: ManuallyDrop::new(value),
            },
        );
        Ok(Self {
            ptr: NonNull::from(Box::leak(inner)),
            _owns: PhantomData,
        })
    }

    /// Like [`TryArc::try_new`] but aborts on allocation failure, as `alloc::sync::Arc::new`
    /// does: for host code and tests only (absent from the kernel build, which has no `std`).
    #[cfg(feature = "std")]
    pub fn new(value: T) -> Self {
        match Self::try_new(value) {
            Ok(arc) => arc,
            Err(AllocError) => {
                alloc::alloc::handle_alloc_error(alloc::alloc::Layout::new::<Inner<T>>())
            }
        }
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: the allocation lives while this strong reference exists (it holds part of the
        // implicit weak reference), and `Inner` is only ever accessed through shared references.
        unsafe { self.ptr.as_ref() }
    }

    /// The number of strong references (a snapshot: other threads may change it at once).
    pub fn strong_count(this: &Self) -> usize {
        this.inner().strong.load(Ordering::Relaxed)
    }

    /// Whether two pointers share one allocation.
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        this.ptr == other.ptr
    }

    /// A weak reference to this value.
    pub fn downgrade(this: &Self) -> Weak<T> {
        let old = this.inner().weak.fetch_add(1, Ordering::Relaxed);
        debug_assert!(old > 0, "a live TryArc holds a weak reference");
        Weak {
            ptr: this.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Clone for TryArc<T> {
    fn clone(&self) -> Self {
        // Relaxed, as in `Arc`: a new reference is made from an existing one, so no other
        // thread can be dropping the value now.
        self.inner().strong.fetch_add(1, Ordering::Relaxed);
        Self {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Deref for TryArc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T> Drop for TryArc<T> {
    fn drop(&mut self) {
        if self.inner().strong.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Every other holder's use of the value happens before this drop.
        fence(Ordering::Acquire);
        // SAFETY: the pointer is to a live allocation (this reference's share of the implicit
        // weak reference keeps it); `&raw mut` makes a raw pointer to the field without creating
        // a reference to it.
        let value = unsafe { &raw mut (*self.ptr.as_ptr()).value };
        // SAFETY: the strong count reached zero, so no `TryArc` is left to reach the value and no
        // `Weak` can upgrade any more; the value is dropped exactly once. `ManuallyDrop<T>` is
        // `repr(transparent)`, so the cast pointer is a valid `*mut T`.
        unsafe { core::ptr::drop_in_place(value.cast::<T>()) };
        // The strong references' weak reference goes last.
        drop(Weak {
            ptr: self.ptr,
            _owns: PhantomData,
        });
    }
}

impl<T: fmt::Debug> fmt::Debug for TryArc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Weak<T> {
    fn inner(&self) -> &Inner<T> {
        // SAFETY: the allocation lives while a weak reference exists; only the counts are read
        // through this reference (the value may already be dropped, and is never touched here).
        unsafe { self.ptr.as_ref() }
    }

    /// A strong reference, or `None` when the value has been dropped.
    pub fn upgrade(&self) -> Option<TryArc<T>> {
        let strong = &self.inner().strong;
        let mut n = strong.load(Ordering::Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            if n > MAX_COUNT {
                break; // saturated: the value is never dropped
            }
            match strong.compare_exchange_weak(n, n + 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => break,
                Err(current) => n = current,
            }
        }
        Some(TryArc {
            ptr: self.ptr,
            _owns: PhantomData,
        })
    }
}

impl<T> Drop for Weak<T> {
    fn drop(&mut self) {
        if self.inner().weak.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        // SAFETY: the last reference of any kind is gone, so nothing else can reach the
        // allocation; it was made by `try_box` as a `Box<Inner<T>>` and leaked; the value inside
        // is `ManuallyDrop` (already dropped by the last strong reference), so freeing the box
        // drops only the two counters.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}

impl<T> fmt::Debug for Weak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(Weak)")
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicUsize as StdAtomic;

    struct Counted<'a>(&'a StdAtomic);
    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn the_last_strong_reference_drops_the_value_once() {
        let drops = StdAtomic::new(0);
        let a = TryArc::try_new(Counted(&drops)).unwrap();
        let b = a.clone();
        assert_eq!(TryArc::strong_count(&a), 2);
        assert!(TryArc::ptr_eq(&a, &b));
        drop(a);
        assert_eq!(drops.load(Ordering::Relaxed), 0);
        drop(b);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn weak_references_upgrade_until_the_value_is_dropped() {
        let drops = StdAtomic::new(0);
        let a = TryArc::try_new(Counted(&drops)).unwrap();
        let w = TryArc::downgrade(&a);
        let w2 = TryArc::downgrade(&a);
        let up = w.upgrade().unwrap();
        assert_eq!(TryArc::strong_count(&a), 2);
        drop(up);
        drop(a);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        assert!(w.upgrade().is_none());
        drop(w);
        assert!(w2.upgrade().is_none());
        drop(w2);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn values_deref_and_debug() {
        let a = TryArc::try_new([1u8, 2, 3]).unwrap();
        assert_eq!(a[2], 3);
        assert_eq!(alloc::format!("{a:?}"), "[1, 2, 3]");
        let z = TryArc::try_new(()).unwrap();
        assert_eq!(*z, ());
    }

    #[test]
    fn shared_across_threads() {
        extern crate std;
        let drops = StdAtomic::new(0);
        let a = TryArc::try_new(Counted(&drops)).unwrap();
        std::thread::scope(|s| {
            for _ in 0..4 {
                let c = a.clone();
                let w = TryArc::downgrade(&a);
                s.spawn(move || {
                    for _ in 0..1000 {
                        let d = c.clone();
                        let e = w.upgrade().unwrap();
                        drop((d, e));
                    }
                });
            }
        });
        assert_eq!(TryArc::strong_count(&a), 1);
        drop(a);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }
}
