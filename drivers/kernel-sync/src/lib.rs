//! The SA table's lock in the kernel: an `EX_SPIN_LOCK` taken shared for lookups and exclusive
//! for add/delete/update (`ExAcquireSpinLockShared`/`ExReleaseSpinLockShared`,
//! `ExAcquireSpinLockExclusive`/`ExReleaseSpinLockExclusive` from ntoskrnl.exe).
//!
//! Acquiring either side raises the processor to DISPATCH_LEVEL and the guard's `Drop` lowers it
//! back to the IRQL the acquire returned, which is why guards are neither `Send` nor `Sync`. The
//! routines work at IRQL ≤ DISPATCH_LEVEL, so the same lock serves the OID path (PASSIVE or
//! DISPATCH) and the send/receive paths (DISPATCH or below).
//!
//! On Windows the four routines are imported from ntoskrnl.exe. Elsewhere [`emulation`] supplies
//! routines with the same signatures and semantics (reader count and exclusive bits in the lock
//! word, writer preference, a per-thread IRQL), so that the unsafe code of this crate — the only
//! unsafe code between the SA table and the kernel — is exercised by the host tests.
#![no_std]

#[cfg(not(target_os = "windows"))]
extern crate std;

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use ipsecov2_satable::SaLock;

/// `KIRQL`: an interrupt request level.
#[allow(non_camel_case_types)]
pub type KIRQL = u8;

/// `EX_SPIN_LOCK`: a `volatile LONG` lock word (4 bytes, 4-byte aligned).
#[allow(non_camel_case_types)]
pub type EX_SPIN_LOCK = i32;

/// `PASSIVE_LEVEL`.
pub const PASSIVE_LEVEL: KIRQL = 0;
/// `DISPATCH_LEVEL`.
pub const DISPATCH_LEVEL: KIRQL = 2;

#[cfg(target_os = "windows")]
mod ffi {
    use super::{EX_SPIN_LOCK, KIRQL};

    #[link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")]
    extern "system" {
        /// `KIRQL ExAcquireSpinLockShared(PEX_SPIN_LOCK SpinLock)`; IRQL ≤ DISPATCH_LEVEL.
        pub fn ExAcquireSpinLockShared(SpinLock: *mut EX_SPIN_LOCK) -> KIRQL;
        /// `void ExReleaseSpinLockShared(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql)`.
        pub fn ExReleaseSpinLockShared(SpinLock: *mut EX_SPIN_LOCK, OldIrql: KIRQL);
        /// `KIRQL ExAcquireSpinLockExclusive(PEX_SPIN_LOCK SpinLock)`; IRQL ≤ DISPATCH_LEVEL.
        pub fn ExAcquireSpinLockExclusive(SpinLock: *mut EX_SPIN_LOCK) -> KIRQL;
        /// `void ExReleaseSpinLockExclusive(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql)`.
        pub fn ExReleaseSpinLockExclusive(SpinLock: *mut EX_SPIN_LOCK, OldIrql: KIRQL);
    }
}

#[cfg(not(target_os = "windows"))]
pub mod emulation;

#[cfg(not(target_os = "windows"))]
use emulation as ffi;

/// A reader/writer spin lock over `EX_SPIN_LOCK` protecting a `T` in non-paged memory.
pub struct ExSpinRwLock<T> {
    lock: UnsafeCell<EX_SPIN_LOCK>,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out `&T` to several threads only under the shared side and `&mut T` to
// one thread only under the exclusive side, exactly like `std::sync::RwLock`, so it is `Sync` when
// `T` is `Send + Sync` and `Send` when `T` is `Send`.
unsafe impl<T: Send + Sync> Sync for ExSpinRwLock<T> {}
// SAFETY: see above; moving the lock moves the `T` it owns.
unsafe impl<T: Send> Send for ExSpinRwLock<T> {}

impl<T> core::fmt::Debug for ExSpinRwLock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ExSpinRwLock { .. }")
    }
}

/// The shared side, held; lowers the IRQL again on drop.
pub struct ExSharedGuard<'a, T> {
    lock: &'a ExSpinRwLock<T>,
    old_irql: KIRQL,
    // The IRQL belongs to this processor: the guard must be released where it was taken.
    _not_send: PhantomData<*const ()>,
}

/// The exclusive side, held; lowers the IRQL again on drop.
pub struct ExExclusiveGuard<'a, T> {
    lock: &'a ExSpinRwLock<T>,
    old_irql: KIRQL,
    _not_send: PhantomData<*const ()>,
}

impl<T> core::fmt::Debug for ExSharedGuard<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExSharedGuard")
            .field("old_irql", &self.old_irql)
            .finish()
    }
}

impl<T> core::fmt::Debug for ExExclusiveGuard<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExExclusiveGuard")
            .field("old_irql", &self.old_irql)
            .finish()
    }
}

impl<T> Deref for ExSharedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the shared side, so no exclusive guard (and thus no `&mut T`)
        // exists until it is dropped; shared references may coexist.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> Drop for ExSharedGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard acquired the shared side of this lock word with
        // ExAcquireSpinLockShared on this processor, which returned `old_irql`.
        unsafe { ffi::ExReleaseSpinLockShared(self.lock.lock.get(), self.old_irql) }
    }
}

impl<T> Deref for ExExclusiveGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the exclusive side: no other guard exists.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for ExExclusiveGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the exclusive side, and `&mut self` makes the returned
        // reference the only one derived from it.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for ExExclusiveGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard acquired the exclusive side of this lock word with
        // ExAcquireSpinLockExclusive on this processor, which returned `old_irql`.
        unsafe { ffi::ExReleaseSpinLockExclusive(self.lock.lock.get(), self.old_irql) }
    }
}

impl<T> SaLock<T> for ExSpinRwLock<T> {
    type ReadGuard<'a>
        = ExSharedGuard<'a, T>
    where
        Self: 'a;
    type WriteGuard<'a>
        = ExExclusiveGuard<'a, T>
    where
        Self: 'a;

    fn new(value: T) -> Self {
        Self {
            lock: UnsafeCell::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// IRQL ≤ DISPATCH_LEVEL; returns at DISPATCH_LEVEL.
    fn read(&self) -> ExSharedGuard<'_, T> {
        // SAFETY: the lock word lives as long as `self`, is 4-byte aligned (an `i32` in an
        // `UnsafeCell`) and is only ever accessed through these routines.
        let old_irql = unsafe { ffi::ExAcquireSpinLockShared(self.lock.get()) };
        ExSharedGuard {
            lock: self,
            old_irql,
            _not_send: PhantomData,
        }
    }

    /// IRQL ≤ DISPATCH_LEVEL; returns at DISPATCH_LEVEL.
    fn write(&self) -> ExExclusiveGuard<'_, T> {
        // SAFETY: as for `read`.
        let old_irql = unsafe { ffi::ExAcquireSpinLockExclusive(self.lock.get()) };
        ExExclusiveGuard {
            lock: self,
            old_irql,
            _not_send: PhantomData,
        }
    }
}

/// The SA table as the driver instantiates it.
pub type KernelSaTable<S> =
    ipsecov2_satable::SaTable<S, ExSpinRwLock<ipsecov2_satable::TableState<S>>>;
