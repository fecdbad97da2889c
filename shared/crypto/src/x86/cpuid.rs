//! CPUID, behind a safe wrapper.

use core::arch::x86_64::{__cpuid_count, CpuidResult};

use crate::cpu::Features;

/// One CPUID query.
fn cpuid(leaf: u32, sub_leaf: u32) -> CpuidResult {
    // SAFETY: CPUID exists on every x86-64 processor and only reads identification registers.
    #[allow(unused_unsafe)]
    unsafe {
        __cpuid_count(leaf, sub_leaf)
    }
}

/// The features of this CPU that the XMM tier uses.
pub(crate) fn features() -> Features {
    let max_leaf = cpuid(0, 0).eax;
    let l1 = cpuid(1, 0);
    let sha = max_leaf >= 7 && cpuid(7, 0).ebx & (1 << 29) != 0;
    Features {
        aes: l1.ecx & (1 << 25) != 0,
        pclmulqdq: l1.ecx & (1 << 1) != 0,
        ssse3: l1.ecx & (1 << 9) != 0,
        sse41: l1.ecx & (1 << 19) != 0,
        sha,
    }
}

/// Proof that this CPU runs the XMM tier (AES-NI, PCLMULQDQ, SSSE3, SSE4.1): only
/// [`Xmm::detect`] makes one, after reading CPUID.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Xmm(());

impl Xmm {
    /// `Some` when the CPU has the XMM tier and `wanted` asks for it.
    pub(crate) fn detect(wanted: &Features) -> Option<Self> {
        (wanted.xmm_tier() && features().xmm_tier()).then_some(Self(()))
    }
}
