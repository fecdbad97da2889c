//! One extended-state section per NBL chain, for the crypto core's wide tier (VAES /
//! VPCLMULQDQ on YMM registers, which kernel code may use only between
//! `KeSaveExtendedProcessorState` and `KeRestoreExtendedProcessorState`).
//!
//! A chain opens its section lazily, at the first packet whose SA's AES-GCM key runs on the wide
//! tier, and only when the chain has at least [`WIDE_MIN_NBLS`] NBLs (one save and restore,
//! about 120 ns here, pays for itself from two 1400-byte packets: docs/perf/2026-12-08-wide-tier.md).
//! A refused save leaves the whole chain on the XMM tier. The section closes (the state is
//! restored) when the chain's send or receive returns.

/// The saver a port supplies (the driver: `KeSaveExtendedProcessorState`), re-exported from the
/// crypto core through the engine.
pub use ipsec_engine::ExtendedStateSave;
use ipsec_engine::{ExtendedStateSection, Wide};
use ipsecov2_offload_sa::OffloadSa;

/// Chains shorter than this stay on the XMM tier.
pub const WIDE_MIN_NBLS: usize = 2;

/// The section of one chain: not open yet, open, or refused.
pub(crate) struct ChainSection<'x, X: ExtendedStateSave> {
    xstate: &'x X,
    allowed: bool,
    tried: bool,
    section: Option<ExtendedStateSection<'x, X>>,
}

impl<'x, X: ExtendedStateSave> ChainSection<'x, X> {
    /// A chain of `nbls` NBLs whose section `xstate` would save.
    pub(crate) fn new(xstate: &'x X, nbls: usize) -> Self {
        Self {
            xstate,
            allowed: nbls >= WIDE_MIN_NBLS,
            tried: false,
            section: None,
        }
    }

    /// A packet of `sa` is next: opens the chain's section if this SA's ESP AES-GCM runs on the
    /// wide tier and none was opened (or refused) yet.
    pub(crate) fn consider(&mut self, sa: &OffloadSa) {
        if !self.allowed || self.tried {
            return;
        }
        if sa.esp.as_ref().is_some_and(|e| e.sa.wide_capable()) {
            self.tried = true;
            self.section = ExtendedStateSection::open(self.xstate).ok();
        }
    }

    /// The wide proof while the section is open.
    pub(crate) fn wide(&self) -> Option<Wide<'_>> {
        self.section.as_ref().map(ExtendedStateSection::wide)
    }
}
