//! IRP cancellation: `IoReleaseCancelSpinLock`, which a cancel routine calls first. The host's
//! `IoCancelIrp` (`crate::pending_io`) "holds" the cancel spin lock by raising the IRQL to
//! DISPATCH_LEVEL and recording it; the release lowers it back to the IRP's `CancelIrql`.

use std::sync::atomic::{AtomicBool, Ordering};

use super::irql::{self, DISPATCH_LEVEL};
use super::verifier::violation;

/// Whether the cancel spin lock is held.
static HELD: AtomicBool = AtomicBool::new(false);

/// Takes the cancel spin lock (IRQL → DISPATCH_LEVEL); returns the previous IRQL.
pub fn acquire() -> u8 {
    let old = irql::current();
    if HELD.swap(true, Ordering::AcqRel) {
        violation("IoAcquireCancelSpinLock: already held".to_string());
    }
    irql::set(DISPATCH_LEVEL);
    old
}

/// Whether the cancel spin lock is still held (a cancel routine that returned without
/// releasing it).
pub fn held() -> bool {
    HELD.load(Ordering::Acquire)
}

/// `VOID IoReleaseCancelSpinLock(KIRQL Irql)` — at DISPATCH_LEVEL, holding the lock.
pub extern "win64" fn io_release_cancel_spin_lock(irql_to_restore: u8) {
    if !HELD.swap(false, Ordering::AcqRel) {
        violation("IoReleaseCancelSpinLock: the cancel spin lock is not held".to_string());
        return;
    }
    if irql::current() != DISPATCH_LEVEL {
        violation(format!(
            "IoReleaseCancelSpinLock at IRQL {} (the lock raises to DISPATCH_LEVEL)",
            irql::current()
        ));
    }
    irql::set(irql_to_restore);
}
