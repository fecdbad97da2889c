//! CPUID (and XGETBV for the operating system's YMM support), behind a safe wrapper.

use core::arch::x86_64::{__cpuid_count, _xgetbv, CpuidResult};

use core::sync::atomic::{AtomicU8, Ordering};

use crate::cpu::Features;

/// One CPUID query.
fn cpuid(leaf: u32, sub_leaf: u32) -> CpuidResult {
    // SAFETY: CPUID exists on every x86-64 processor and only reads identification registers.
    #[allow(unused_unsafe)]
    unsafe {
        __cpuid_count(leaf, sub_leaf)
    }
}

/// The features, read once (CPUID is slow under a hypervisor, which traps it): bit 7 set once
/// the other bits are valid.
static CACHE: AtomicU8 = AtomicU8::new(0);

/// The features of this CPU that the XMM and wide tiers use (CPUID read once, then cached).
pub(crate) fn features() -> Features {
    let c = CACHE.load(Ordering::Relaxed);
    if c & 0x80 != 0 {
        return Features {
            aes: c & 1 != 0,
            pclmulqdq: c & 2 != 0,
            ssse3: c & 4 != 0,
            sse41: c & 8 != 0,
            sha: c & 16 != 0,
            wide: c & 32 != 0,
        };
    }
    let f = read();
    let bits = 0x80
        | u8::from(f.aes)
        | u8::from(f.pclmulqdq) << 1
        | u8::from(f.ssse3) << 2
        | u8::from(f.sse41) << 3
        | u8::from(f.sha) << 4
        | u8::from(f.wide) << 5;
    CACHE.store(bits, Ordering::Relaxed);
    f
}

/// Reads CPUID (and XCR0 when the OS has enabled XSAVE).
fn read() -> Features {
    let max_leaf = cpuid(0, 0).eax;
    let l1 = cpuid(1, 0);
    let l7 = if max_leaf >= 7 {
        cpuid(7, 0)
    } else {
        CpuidResult {
            eax: 0,
            ebx: 0,
            ecx: 0,
            edx: 0,
        }
    };
    let sha = l7.ebx & (1 << 29) != 0;
    let avx = l1.ecx & (1 << 28) != 0;
    let avx2 = l7.ebx & (1 << 5) != 0;
    let vaes = l7.ecx & (1 << 9) != 0;
    let vpclmulqdq = l7.ecx & (1 << 10) != 0;
    let osxsave = l1.ecx & (1 << 27) != 0;
    let ymm_state = osxsave && xcr0() & 0b110 == 0b110;
    Features {
        aes: l1.ecx & (1 << 25) != 0,
        pclmulqdq: l1.ecx & (1 << 1) != 0,
        ssse3: l1.ecx & (1 << 9) != 0,
        sse41: l1.ecx & (1 << 19) != 0,
        sha,
        wide: avx && avx2 && vaes && vpclmulqdq && ymm_state,
    }
}

/// XCR0: which state components the operating system saves (bit 1 SSE, bit 2 AVX). Called
/// only after CPUID reported OSXSAVE.
fn xcr0() -> u64 {
    // SAFETY: XGETBV with ECX = 0 exists and is allowed at any privilege level once the OS set
    // CR4.OSXSAVE, which CPUID leaf 1 ECX bit 27 (checked by the caller) reports.
    unsafe { _xgetbv(0) }
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

/// Proof that this CPU has the wide tier's instructions (VAES, VPCLMULQDQ, AVX2, with the YMM
/// state enabled by the OS) on top of the XMM tier. It does not by itself allow running them in
/// the kernel: only an [`crate::ExtendedStateSection`] hands out the `Wide` value the wide
/// functions take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WideCpu(());

impl WideCpu {
    /// `Some` when the CPU has the wide tier.
    pub(crate) fn detect() -> Option<Self> {
        features().wide_tier().then_some(Self(()))
    }
}

/// Proof that this CPU runs the XMM tier and has the SHA extensions: only [`ShaNi::detect`]
/// makes one, after reading CPUID.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShaNi(());

impl ShaNi {
    /// `Some` when the CPU has the XMM tier and SHA-NI, and `wanted` asks for both.
    pub(crate) fn detect(wanted: &Features) -> Option<Self> {
        let f = features();
        (wanted.xmm_tier() && wanted.sha && f.xmm_tier() && f.sha).then_some(Self(()))
    }
}
