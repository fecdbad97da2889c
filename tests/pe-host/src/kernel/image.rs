//! The driver image's address range, so that the host can check that every callback the driver
//! registers points into its code.

use core::sync::atomic::{AtomicUsize, Ordering};

static BASE: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);

/// Sets the range of the driver being run.
pub fn set(base: usize, size: usize) {
    BASE.store(base, Ordering::Release);
    END.store(base + size, Ordering::Release);
}

/// Whether `p` lies in the driver image.
pub fn contains(p: usize) -> bool {
    p >= BASE.load(Ordering::Acquire) && p < END.load(Ordering::Acquire)
}
