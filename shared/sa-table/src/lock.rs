//! The reader/writer lock abstraction the table is generic over, and its host implementations.

#[cfg(any(feature = "std", loom))]
use core::fmt;
use core::ops::{Deref, DerefMut};

/// A reader/writer lock protecting a `T` (the table's state).
///
/// The table takes the shared side for every lookup and iteration, and the exclusive side for
/// add, delete, replace and each batch of a drain. It never takes the lock while already holding
/// it, never allocates or frees memory while holding it, and holds it only for O(1) work except in
/// [`SaTable::for_each`](crate::SaTable::for_each) (O(capacity), shared) and drain batches
/// (bounded, exclusive).
///
/// # What an implementation must guarantee (kernel contract)
/// The driver crate implements this trait over an `EX_SPIN_LOCK`
/// (`ExAcquireSpinLockShared`/`ExReleaseSpinLockShared`,
/// `ExAcquireSpinLockExclusive`/`ExReleaseSpinLockExclusive`, or their `...AtDpcLevel` forms
/// when the caller is known to run at DISPATCH_LEVEL) or over an `NDIS_RW_LOCK_EX`
/// (`NdisAcquireRWLockRead`/`NdisAcquireRWLockWrite`/`NdisReleaseRWLock`). It must guarantee:
///
/// 1. **Reader sharing.** Any number of [`read`](Self::read) guards may be held at once, on
///    any processors; a reader never waits for another reader (except behind a waiting
///    writer, if the lock is writer-preferring as `EX_SPIN_LOCK` is).
/// 2. **Writer exclusion.** While a [`write`](Self::write) guard is alive no other guard,
///    shared or exclusive, exists anywhere.
/// 3. **Memory ordering.** Acquiring either side has acquire semantics and dropping a guard
///    has release semantics: everything written under a write guard is visible to every later
///    holder of either side (the Ex/Ndis routines are full barriers, which suffices).
/// 4. **IRQL.** Acquiring raises the processor to DISPATCH_LEVEL (or requires the caller to be
///    there already, for the `AtDpcLevel` forms) and the guard's `Drop` restores the previous
///    IRQL on the same processor. The guard therefore must not be `Send`, and while it is held
///    nothing may page-fault: the lock and the `T` it protects live in non-paged memory.
/// 5. **No recursion needed.** The table never re-acquires the lock on a thread that holds it,
///    so the lock need not (and `EX_SPIN_LOCK` does not) support recursion. Closures passed to
///    `with`, `with_inbound` and `for_each` run under the shared side and must not call back
///    into the same table.
/// 6. **Acquisition cannot fail.** `read`/`write` spin until acquired; they never return an
///    error and never panic. (The host lock recovers from `std` poisoning; in the kernel a
///    panic is a bug check, so there is nothing to poison.)
/// 7. **Lock ordering.** The table's lock is a leaf: the table takes no other lock while
///    holding it. A caller holding its own locks may call the table; a caller must not hold the
///    table's lock (i.e. be inside a `with`/`for_each` closure) while acquiring other locks
///    that are also taken around table calls.
/// 8. **`new` runs at PASSIVE_LEVEL** (filter attach), with the table's memory allocated from
///    non-paged pool by the caller's global allocator.
pub trait SaLock<T> {
    /// Guard of the shared side; dereferences to the protected value.
    type ReadGuard<'a>: Deref<Target = T>
    where
        Self: 'a;
    /// Guard of the exclusive side; dereferences mutably to the protected value.
    type WriteGuard<'a>: DerefMut<Target = T>
    where
        Self: 'a;

    /// A new, unlocked lock owning `value`.
    fn new(value: T) -> Self;

    /// Acquires the shared side, spinning or blocking until available.
    fn read(&self) -> Self::ReadGuard<'_>;

    /// Acquires the exclusive side, spinning or blocking until available.
    fn write(&self) -> Self::WriteGuard<'_>;
}

/// Host lock over [`std::sync::RwLock`] (feature `std`), used by tests, benches and user-mode
/// tools. Poisoning is ignored: the table never panics while holding the lock, so the protected
/// state is consistent even if a caller's closure panicked.
#[cfg(feature = "std")]
pub struct StdRwLock<T>(std::sync::RwLock<T>);

#[cfg(feature = "std")]
impl<T> SaLock<T> for StdRwLock<T> {
    type ReadGuard<'a>
        = std::sync::RwLockReadGuard<'a, T>
    where
        Self: 'a;
    type WriteGuard<'a>
        = std::sync::RwLockWriteGuard<'a, T>
    where
        Self: 'a;

    fn new(value: T) -> Self {
        Self(std::sync::RwLock::new(value))
    }

    fn read(&self) -> Self::ReadGuard<'_> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> Self::WriteGuard<'_> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(feature = "std")]
impl<T> fmt::Debug for StdRwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StdRwLock { .. }")
    }
}

/// Lock over `loom::sync::RwLock`, for the loom models (`cfg(loom)` only).
#[cfg(loom)]
pub struct LoomRwLock<T>(loom::sync::RwLock<T>);

#[cfg(loom)]
impl<T> SaLock<T> for LoomRwLock<T> {
    type ReadGuard<'a>
        = loom::sync::RwLockReadGuard<'a, T>
    where
        Self: 'a;
    type WriteGuard<'a>
        = loom::sync::RwLockWriteGuard<'a, T>
    where
        Self: 'a;

    fn new(value: T) -> Self {
        Self(loom::sync::RwLock::new(value))
    }

    fn read(&self) -> Self::ReadGuard<'_> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> Self::WriteGuard<'_> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(loom)]
impl<T> fmt::Debug for LoomRwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoomRwLock { .. }")
    }
}
