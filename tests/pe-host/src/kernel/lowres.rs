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
        return true;
    }
    false
}
