//! The kernel's extended-state save for the crypto core's wide tier: the filter core opens one
//! section per NBL chain (`ipsecov2_filter_core::wide`) through this saver, which brackets it
//! with `KeSaveExtendedProcessorState(XSTATE_MASK_AVX)` / `KeRestoreExtendedProcessorState`.
//!
//! The `XSTATE_SAVE` (0x38 bytes, its layout asserted in `ndis-bindings`) lives inside the
//! saver, which the send or receive callback keeps on its stack for the whole chain: the kernel
//! links saves through it (`Prev`), so it must not move between the save and the restore, and
//! the section borrows the saver for exactly that long. A failed save (the kernel may need to
//! allocate a save area) leaves the chain on the XMM tier.

use core::cell::{Cell, UnsafeCell};

use ipsecov2_filter_core::ExtendedStateSave;
use ndis_bindings::ffi::{KeRestoreExtendedProcessorState, KeSaveExtendedProcessorState};
use ndis_bindings::ipsecov2_abi::NTSTATUS;
use ndis_bindings::{XSTATE_MASK_AVX, XSTATE_SAVE};

/// What the wide tier touches beyond the XMM state the kernel already preserves: the upper
/// halves of YMM0–15 (no AVX-512 instruction is enabled anywhere, so no ZMM or XMM16–31).
const MASK: u64 = XSTATE_MASK_AVX;

/// Why no section opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum XstateError {
    /// `KeSaveExtendedProcessorState` failed with this status.
    Kernel(NTSTATUS),
    /// A section of this saver is already open (one level per saver; a nested one would reuse
    /// the buffer the kernel still links to).
    Busy,
}

/// One chain's saver: the `XSTATE_SAVE` buffer and whether it holds an open save.
pub(super) struct KernelXstate {
    save: UnsafeCell<XSTATE_SAVE>,
    busy: Cell<bool>,
}

impl KernelXstate {
    /// A saver for one send or receive call (kept on its stack).
    pub(super) const fn new() -> Self {
        Self {
            save: UnsafeCell::new(XSTATE_SAVE::zeroed()),
            busy: Cell::new(false),
        }
    }
}

/// Proof of an open save of a [`KernelXstate`] (made only by its `save`).
pub(super) struct KernelSaved(());

// SAFETY: `save` calls KeSaveExtendedProcessorState(XSTATE_MASK_AVX) into this saver's own
// buffer and hands out a `KernelSaved` only when it returned success; `restore` calls
// KeRestoreExtendedProcessorState on the same buffer, which cannot have moved (the section
// borrows the saver). The filter core runs wide code only between the two, on this thread
// (sections are neither Send nor Sync) and at this IRQL (the callback does not change it).
unsafe impl ExtendedStateSave for KernelXstate {
    type Saved = KernelSaved;
    type Error = XstateError;

    fn save(&self) -> Result<KernelSaved, XstateError> {
        if self.busy.get() {
            return Err(XstateError::Busy);
        }
        // SAFETY: ≤ DISPATCH_LEVEL (a send or receive callback); the buffer is this saver's,
        // writable, 0x38 bytes, not in use (not busy), and stays in place until `restore`.
        let status = unsafe { KeSaveExtendedProcessorState(MASK, self.save.get()) };
        if status < 0 {
            return Err(XstateError::Kernel(status));
        }
        self.busy.set(true);
        Ok(KernelSaved(()))
    }

    fn restore(&self, saved: KernelSaved) {
        let KernelSaved(()) = saved;
        // SAFETY: a `KernelSaved` exists only after a successful save into this buffer, on
        // this thread at this IRQL; the section restores it exactly once.
        unsafe { KeRestoreExtendedProcessorState(self.save.get()) };
        self.busy.set(false);
    }
}
