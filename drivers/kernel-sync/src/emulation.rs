//! Host emulation of the four ntoskrnl `EX_SPIN_LOCK` routines, with their signatures and
//! semantics, so that [`ExSpinRwLock`](crate::ExSpinRwLock) runs in host tests.
//!
//! The lock word follows the kernel's layout: bit 31 = held exclusive, bit 30 = an exclusive
//! acquirer is waiting (new shared acquirers wait behind it: writer preference), bits 0–29 = the
//! number of shared holders. The current IRQL is kept per thread; acquiring raises it to
//! DISPATCH_LEVEL and returns the previous one, releasing restores the value given.
#![allow(non_snake_case)]

use core::cell::Cell;
use core::sync::atomic::{AtomicI32, Ordering};

use crate::{DISPATCH_LEVEL, EX_SPIN_LOCK, KIRQL};

const EXCLUSIVE: i32 = i32::MIN; // bit 31
const WAITING: i32 = 1 << 30;
const SHARED_MASK: i32 = WAITING - 1;

std::thread_local! {
    static IRQL: Cell<KIRQL> = const { Cell::new(crate::PASSIVE_LEVEL) };
}

/// `KeGetCurrentIrql` of the emulation: this thread's IRQL.
pub fn KeGetCurrentIrql() -> KIRQL {
    IRQL.with(Cell::get)
}

fn raise_to_dispatch() -> KIRQL {
    IRQL.with(|irql| {
        let old = irql.get();
        assert!(
            old <= DISPATCH_LEVEL,
            "EX_SPIN_LOCK acquired above DISPATCH_LEVEL"
        );
        irql.set(DISPATCH_LEVEL);
        old
    })
}

fn lower_to(old: KIRQL) {
    IRQL.with(|irql| {
        assert_eq!(irql.get(), DISPATCH_LEVEL, "released at the wrong IRQL");
        irql.set(old);
    });
}

/// # Safety
/// `lock` must point to a live, 4-byte-aligned lock word accessed only through these routines.
unsafe fn word<'a>(lock: *mut EX_SPIN_LOCK) -> &'a AtomicI32 {
    // SAFETY: guaranteed by the caller; `AtomicI32` has the size and alignment of `i32`.
    unsafe { AtomicI32::from_ptr(lock) }
}

/// `KIRQL ExAcquireSpinLockShared(PEX_SPIN_LOCK)`.
///
/// # Safety
/// As the kernel routine: `lock` is a valid lock word; IRQL ≤ DISPATCH_LEVEL.
pub unsafe extern "system" fn ExAcquireSpinLockShared(lock: *mut EX_SPIN_LOCK) -> KIRQL {
    let old = raise_to_dispatch();
    // SAFETY: forwarded from the caller.
    let w = unsafe { word(lock) };
    loop {
        let v = w.load(Ordering::Relaxed);
        if v & (EXCLUSIVE | WAITING) == 0
            && w.compare_exchange_weak(v, v + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return old;
        }
        core::hint::spin_loop();
        std::thread::yield_now();
    }
}

/// `void ExReleaseSpinLockShared(PEX_SPIN_LOCK, KIRQL)`.
///
/// # Safety
/// The caller holds the shared side of `lock`, taken with the IRQL `old` returned.
pub unsafe extern "system" fn ExReleaseSpinLockShared(lock: *mut EX_SPIN_LOCK, old: KIRQL) {
    // SAFETY: forwarded from the caller.
    let w = unsafe { word(lock) };
    let before = w.fetch_sub(1, Ordering::Release);
    assert!(
        before & SHARED_MASK > 0,
        "shared release of a lock not held shared"
    );
    lower_to(old);
}

/// `KIRQL ExAcquireSpinLockExclusive(PEX_SPIN_LOCK)`.
///
/// # Safety
/// As the kernel routine: `lock` is a valid lock word; IRQL ≤ DISPATCH_LEVEL.
pub unsafe extern "system" fn ExAcquireSpinLockExclusive(lock: *mut EX_SPIN_LOCK) -> KIRQL {
    let old = raise_to_dispatch();
    // SAFETY: forwarded from the caller.
    let w = unsafe { word(lock) };
    loop {
        let v = w.load(Ordering::Relaxed);
        if v & EXCLUSIVE == 0 {
            if v & SHARED_MASK == 0 {
                // Free (possibly with our own or another waiter's bit): take it.
                if w.compare_exchange_weak(v, EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return old;
                }
            } else if v & WAITING == 0 {
                // Readers inside: announce ourselves so no new reader enters.
                let _ =
                    w.compare_exchange_weak(v, v | WAITING, Ordering::Relaxed, Ordering::Relaxed);
            }
        }
        core::hint::spin_loop();
        std::thread::yield_now();
    }
}

/// `void ExReleaseSpinLockExclusive(PEX_SPIN_LOCK, KIRQL)`.
///
/// # Safety
/// The caller holds the exclusive side of `lock`, taken with the IRQL `old` returned.
pub unsafe extern "system" fn ExReleaseSpinLockExclusive(lock: *mut EX_SPIN_LOCK, old: KIRQL) {
    // SAFETY: forwarded from the caller.
    let w = unsafe { word(lock) };
    // Keep a waiting writer's announcement, drop ours.
    let before = w.fetch_and(WAITING, Ordering::Release);
    assert!(
        before & EXCLUSIVE != 0,
        "exclusive release of a lock not held exclusive"
    );
    lower_to(old);
}
