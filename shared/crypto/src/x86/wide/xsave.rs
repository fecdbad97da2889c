//! A user-mode saver that does what the kernel's `KeSaveExtendedProcessorState(XSTATE_MASK_AVX)`
//! does at its core: XSAVE of the SSE and AVX state components into a 64-byte aligned area,
//! XRSTOR on restore. User mode needs no save (the OS does it: [`crate::UserModeState`]); this
//! one exists to measure what a section costs in the kernel (the benches and `esp-speed`) and
//! to run the sections through a real save and restore in tests.

use core::arch::x86_64::{_xrstor64, _xsave64};
use core::cell::Cell;

use crate::section::ExtendedStateSave;
use crate::x86::cpuid::WideCpu;

/// The XSAVE components saved: SSE (bit 1) and AVX (bit 2), what `XSTATE_MASK_AVX` covers
/// together with the XMM state.
const MASK: u64 = 0b110;

/// An XSAVE area, standard (non-compacted) form: the legacy region (512 bytes), the header
/// (64) and the AVX component (256 bytes at the offset CPUID leaf 0xD reports, 576).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Area([u8; 1024]);

/// Why [`XsaveState`] did not save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XsaveError {
    /// No wide tier (so no YMM state to save).
    NoWideTier,
    /// The CPU puts the AVX component outside the 1 KiB area.
    AreaTooSmall,
    /// A save is already open on this saver (one level only).
    Busy,
}

/// What a successful [`XsaveState`] save hands to its restore (made only by a save).
#[derive(Debug)]
pub struct XsaveSaved(WideCpu);

/// XSAVE / XRSTOR of the SSE and AVX state, one level deep.
pub struct XsaveState {
    area: Cell<Area>,
    busy: Cell<bool>,
    /// The AVX component fits in the area (CPUID leaf 0xD read once, when the saver is made:
    /// CPUID traps to the hypervisor on a VM, microseconds).
    fits: bool,
}

impl core::fmt::Debug for XsaveState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("XsaveState")
            .field("busy", &self.busy.get())
            .finish_non_exhaustive()
    }
}

impl Default for XsaveState {
    fn default() -> Self {
        let (offset, size) = avx_component();
        Self {
            area: Cell::new(Area([0; 1024])),
            busy: Cell::new(false),
            fits: u64::from(offset) + u64::from(size) <= 1024,
        }
    }
}

/// Where the AVX component goes, and its size (CPUID leaf 0xD sub-leaf 2).
fn avx_component() -> (u32, u32) {
    // SAFETY: CPUID exists on every x86-64 processor and only reads identification registers.
    #[allow(unused_unsafe)]
    let r = unsafe { core::arch::x86_64::__cpuid_count(0xd, 2) };
    (r.ebx, r.eax)
}

// SAFETY: `save` runs XSAVE of the SSE and AVX components into this saver's own area and
// `restore` XRSTORs exactly that area; between them this thread may change the YMM registers,
// which restore puts back. One level: a second save while busy is refused.
unsafe impl ExtendedStateSave for XsaveState {
    type Saved = XsaveSaved;
    type Error = XsaveError;

    fn save(&self) -> Result<XsaveSaved, XsaveError> {
        let cpu = WideCpu::detect().ok_or(XsaveError::NoWideTier)?;
        if !self.fits {
            return Err(XsaveError::AreaTooSmall);
        }
        if self.busy.replace(true) {
            return Err(XsaveError::Busy);
        }
        let at: *mut u8 = self.area.as_ptr().cast();
        // SAFETY: `cpu` proves OSXSAVE (XSAVE enabled by the OS) and AVX; `at` is this saver's
        // own 64-byte aligned 1 KiB area, which holds the legacy region, the header and the
        // AVX component (its end checked when the saver was made), not borrowed elsewhere (a `Cell`, not busy).
        unsafe { _xsave64(at, MASK) };
        Ok(XsaveSaved(cpu))
    }

    fn restore(&self, saved: XsaveSaved) {
        let XsaveSaved(_cpu) = saved;
        let at: *const u8 = self.area.as_ptr().cast();
        // SAFETY: the area holds what `save` wrote (an `XsaveSaved` comes only from a
        // successful save, which set `busy`); XRSTOR reads the same components back.
        unsafe { _xrstor64(at, MASK) };
        self.busy.set(false);
    }
}
