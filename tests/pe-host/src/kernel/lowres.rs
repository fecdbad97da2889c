//! Low-resources simulation (Driver Verifier's name for it): when armed with `k`, the k-th
//! allocation the driver asks the host for — of any kind: pool, NBL pool, NBL, MDL,
//! configuration handle, filter or device registration — fails as it would on a starved
//! machine. A sweep runs a whole scenario once for every k until a run asks for fewer than k
//! allocations.

use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

static SEEN: AtomicU64 = AtomicU64::new(0);
static FAIL_AT: AtomicU64 = AtomicU64::new(0);
static FAILED: Mutex<Option<(u64, &'static str)>> = Mutex::new(None);
static PHASE: Mutex<&'static str> = Mutex::new("start");

/// Names the step of the scenario now running (printed with a failed allocation, so that a
/// sweep can say where an allocation point is even when the driver then crashes).
pub fn phase(name: &'static str) {
    if let Ok(mut p) = PHASE.lock() {
        *p = name;
    }
}

/// What was asked for by the allocation that was just failed (size, tag), printed on stderr.
pub fn detail(what: &str) {
    eprintln!("pe-host: lowres: the failed allocation asked for {what}");
}

/// Fails the `k`-th allocation from now on (1-based); 0 disarms. Resets the count.
pub fn arm(k: u64) {
    SEEN.store(0, Ordering::SeqCst);
    FAIL_AT.store(k, Ordering::SeqCst);
    if let Ok(mut f) = FAILED.lock() {
        *f = None;
    }
}

/// Allocations seen since [`arm`], and the one that was failed (its index and kind).
pub fn report() -> (u64, Option<(u64, &'static str)>) {
    (
        SEEN.load(Ordering::SeqCst),
        FAILED.lock().ok().and_then(|f| *f),
    )
}

/// Counts an allocation of `kind`; true when it must fail.
pub fn fail(kind: &'static str) -> bool {
    let n = SEEN.fetch_add(1, Ordering::SeqCst) + 1;
    if n == FAIL_AT.load(Ordering::SeqCst) {
        if let Ok(mut f) = FAILED.lock() {
            *f = Some((n, kind));
        }
        let phase = PHASE.lock().map_or("?", |p| *p);
        eprintln!(
            "pe-host: lowres: allocation {n} ({kind}) failed during {phase}, called from {}",
            super::frames::driver_frames().join(" < ")
        );
        return true;
    }
    false
}
