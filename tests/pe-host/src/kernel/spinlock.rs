//! `KSPIN_LOCK` and `EX_SPIN_LOCK`, for real: the lock word in the driver's memory is the lock
//! (atomics on it), the IRQL is raised to DISPATCH_LEVEL while it is held, and each thread keeps
//! the list of what it holds so that a release by another thread, at another IRQL, of a lock not
//! held, or a recursive acquisition (a deadlock on Windows) is a violation. A lock spun on for
//! longer than [`SPIN_LIMIT`] ends the run (never a hang).

use core::cell::RefCell;
use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::irql::{self, at_most, DISPATCH_LEVEL};
use super::verifier::{fatal, violation};

/// Longest a lock may be spun on before the run is declared deadlocked.
pub const SPIN_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Spin,
    Shared,
    Exclusive,
}

thread_local! {
    /// (lock address, kind) held by this thread, in acquisition order.
    static HELD: RefCell<Vec<(usize, Kind)>> = const { RefCell::new(Vec::new()) };
}

/// A per-thread token stored in a held `KSPIN_LOCK` (never 0).
fn token() -> usize {
    thread_local! { static T: u8 = const { 0 }; }
    T.with(|t| t as *const u8 as usize)
}

fn holds(addr: usize) -> Option<Kind> {
    HELD.with(|h| h.borrow().iter().find(|(a, _)| *a == addr).map(|(_, k)| *k))
}

fn push(addr: usize, kind: Kind) {
    HELD.with(|h| h.borrow_mut().push((addr, kind)));
}

/// Removes `addr` from the held list; false if this thread did not hold it as `kind`.
fn pop(addr: usize, kind: Kind) -> bool {
    HELD.with(|h| {
        let mut h = h.borrow_mut();
        match h.iter().rposition(|e| *e == (addr, kind)) {
            Some(i) => {
                h.remove(i);
                true
            }
            None => false,
        }
    })
}

/// Locks held by the calling thread (a callback must return with none).
pub fn held_count() -> usize {
    HELD.with(|h| h.borrow().len())
}

fn spin(name: &str, mut try_take: impl FnMut() -> bool) {
    let start = Instant::now();
    let mut n = 0u32;
    while !try_take() {
        n = n.wrapping_add(1);
        if n.is_multiple_of(64) {
            std::thread::yield_now();
            if start.elapsed() > SPIN_LIMIT {
                fatal(
                    &format!("{name}: lock not obtained within {SPIN_LIMIT:?} (deadlock)"),
                    None,
                );
            }
        }
        core::hint::spin_loop();
    }
}

fn raise_to_dispatch(import: &str) -> u8 {
    at_most(import, DISPATCH_LEVEL);
    let old = irql::current();
    irql::set(DISPATCH_LEVEL);
    old
}

fn lower_from_dispatch(import: &str, old: u8) {
    if irql::current() != DISPATCH_LEVEL {
        violation(format!(
            "{import} at IRQL {}, the lock was taken at DISPATCH_LEVEL",
            irql::current()
        ));
    }
    if old > DISPATCH_LEVEL {
        violation(format!(
            "{import}: previous IRQL {old} above DISPATCH_LEVEL"
        ));
    }
    irql::set(old);
}

/// # Safety
/// `lock` must point to a `KSPIN_LOCK` (8 bytes, 8-aligned) in the driver's memory.
unsafe fn kspin(lock: *mut usize) -> &'static AtomicUsize {
    // SAFETY: per the contract, `lock` is a live, aligned KSPIN_LOCK that the driver only
    // touches through these imports; AtomicUsize has usize's layout.
    unsafe { AtomicUsize::from_ptr(lock) }
}

fn acquire_kspin(import: &str, lock: *mut usize) {
    if lock.is_null() {
        fatal(&format!("{import}: NULL lock"), None);
    }
    if holds(lock as usize).is_some() {
        fatal(
            &format!(
                "{import}: recursive acquisition of KSPIN_LOCK {lock:p} (deadlock on Windows)"
            ),
            None,
        );
    }
    // SAFETY: the driver passes its KSPIN_LOCK.
    let l = unsafe { kspin(lock) };
    spin(import, || {
        l.compare_exchange_weak(0, token(), Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    });
    push(lock as usize, Kind::Spin);
}

fn release_kspin(import: &str, lock: *mut usize) {
    if lock.is_null() {
        fatal(&format!("{import}: NULL lock"), None);
    }
    if !pop(lock as usize, Kind::Spin) {
        violation(format!(
            "{import}: KSPIN_LOCK {lock:p} released by a thread that does not hold it"
        ));
        return;
    }
    // SAFETY: the driver passes its KSPIN_LOCK.
    unsafe { kspin(lock) }.store(0, Ordering::Release);
}

/// `KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ke_acquire_spin_lock_raise_to_dpc(lock: *mut usize) -> u8 {
    let old = raise_to_dispatch("KeAcquireSpinLockRaiseToDpc");
    acquire_kspin("KeAcquireSpinLockRaiseToDpc", lock);
    old
}

/// `VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)` — DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ke_release_spin_lock(lock: *mut usize, new_irql: u8) {
    release_kspin("KeReleaseSpinLock", lock);
    lower_from_dispatch("KeReleaseSpinLock", new_irql);
}

/// `VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)` — DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ke_acquire_spin_lock_at_dpc_level(lock: *mut usize) {
    irql::exactly("KeAcquireSpinLockAtDpcLevel", DISPATCH_LEVEL);
    acquire_kspin("KeAcquireSpinLockAtDpcLevel", lock);
}

/// `VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)` — DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ke_release_spin_lock_from_dpc_level(lock: *mut usize) {
    irql::exactly("KeReleaseSpinLockFromDpcLevel", DISPATCH_LEVEL);
    release_kspin("KeReleaseSpinLockFromDpcLevel", lock);
}

/// `EX_SPIN_LOCK` word: bit 31 set while held exclusive, else the number of shared holders.
const EXCLUSIVE: i32 = i32::MIN;

/// # Safety
/// `lock` must point to an `EX_SPIN_LOCK` (LONG, 4-aligned) in the driver's memory.
unsafe fn ex(lock: *mut i32) -> &'static AtomicI32 {
    // SAFETY: per the contract; AtomicI32 has i32's layout.
    unsafe { AtomicI32::from_ptr(lock) }
}

fn check_ex_lock(import: &str, lock: *mut i32) {
    if lock.is_null() {
        fatal(&format!("{import}: NULL lock"), None);
    }
    if let Some(k) = holds(lock as usize) {
        fatal(&format!("{import}: EX_SPIN_LOCK {lock:p} already held {k:?} by this thread (deadlock on Windows)"), None);
    }
}

/// `KIRQL ExAcquireSpinLockShared(PEX_SPIN_LOCK SpinLock)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ex_acquire_spin_lock_shared(lock: *mut i32) -> u8 {
    let old = raise_to_dispatch("ExAcquireSpinLockShared");
    check_ex_lock("ExAcquireSpinLockShared", lock);
    // SAFETY: the driver passes its EX_SPIN_LOCK.
    let l = unsafe { ex(lock) };
    spin("ExAcquireSpinLockShared", || {
        let v = l.load(Ordering::Relaxed);
        v >= 0
            && l.compare_exchange_weak(v, v + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    });
    push(lock as usize, Kind::Shared);
    old
}

/// `VOID ExReleaseSpinLockShared(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql)` — DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ex_release_spin_lock_shared(lock: *mut i32, old: u8) {
    if !pop(lock as usize, Kind::Shared) {
        violation(format!(
            "ExReleaseSpinLockShared: {lock:p} not held shared by this thread"
        ));
        return;
    }
    // SAFETY: the driver passes its EX_SPIN_LOCK.
    unsafe { ex(lock) }.fetch_sub(1, Ordering::Release);
    lower_from_dispatch("ExReleaseSpinLockShared", old);
}

/// `KIRQL ExAcquireSpinLockExclusive(PEX_SPIN_LOCK SpinLock)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ex_acquire_spin_lock_exclusive(lock: *mut i32) -> u8 {
    let old = raise_to_dispatch("ExAcquireSpinLockExclusive");
    check_ex_lock("ExAcquireSpinLockExclusive", lock);
    // SAFETY: the driver passes its EX_SPIN_LOCK.
    let l = unsafe { ex(lock) };
    spin("ExAcquireSpinLockExclusive", || {
        l.compare_exchange_weak(0, EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    });
    push(lock as usize, Kind::Exclusive);
    old
}

/// `VOID ExReleaseSpinLockExclusive(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql)` — DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ex_release_spin_lock_exclusive(lock: *mut i32, old: u8) {
    if !pop(lock as usize, Kind::Exclusive) {
        violation(format!(
            "ExReleaseSpinLockExclusive: {lock:p} not held exclusive by this thread"
        ));
        return;
    }
    // SAFETY: the driver passes its EX_SPIN_LOCK.
    unsafe { ex(lock) }.store(0, Ordering::Release);
    lower_from_dispatch("ExReleaseSpinLockExclusive", old);
}
