//! The CPU features the crypto core can use, read once per key object from CPUID.

/// Which instruction-set extensions this CPU offers (only those the XMM and wide tiers use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    /// AES-NI (`aesenc`, `aesdec`, `aesimc`, `aesenclast` …).
    pub aes: bool,
    /// Carry-less multiplication (`pclmulqdq`), for GHASH.
    pub pclmulqdq: bool,
    /// SSSE3 (`pshufb`), for the byte reversals of GCM.
    pub ssse3: bool,
    /// SSE4.1 (`pinsrd`/`pextrd` and friends the compiler may pick).
    pub sse41: bool,
    /// The SHA extensions (SHA-NI).
    pub sha: bool,
    /// The wide tier's instructions and state: VAES, VPCLMULQDQ and AVX2 in CPUID, and the
    /// operating system keeps the YMM state (OSXSAVE, XCR0 bits 1 and 2). Usable only inside
    /// an [`crate::ExtendedStateSection`].
    pub wide: bool,
}

/// The implementation a key object selected when it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// AES-NI, PCLMULQDQ, SSSE3 and SSE4.1 on XMM registers.
    Xmm,
    /// The RustCrypto crates (fixsliced AES and the portable POLYVAL on CPUs without AES-NI;
    /// they pick AES-NI themselves where present).
    Portable,
}

impl Features {
    /// No extension: forces the portable implementation (tests use it on any CPU).
    pub const NONE: Self = Self {
        aes: false,
        pclmulqdq: false,
        ssse3: false,
        sse41: false,
        sha: false,
        wide: false,
    };

    /// The XMM tier only: what [`Self::detect`] reports with the wide tier left out (tests
    /// and benches compare the tiers with it).
    #[must_use]
    pub fn xmm_only(self) -> Self {
        Self {
            wide: false,
            ..self
        }
    }

    /// Reads CPUID (leaf 1 ECX; leaf 7 sub-leaf 0 EBX). On other architectures: [`Self::NONE`].
    #[must_use]
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            crate::x86::cpuid::features()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Self::NONE
        }
    }

    /// True when the XMM tier can run: AES-NI, PCLMULQDQ, SSSE3 and SSE4.1 are all present
    /// (and the build is for x86-64).
    #[must_use]
    pub const fn xmm_tier(&self) -> bool {
        cfg!(target_arch = "x86_64") && self.aes && self.pclmulqdq && self.ssse3 && self.sse41
    }

    /// True when the wide tier can run inside a section: the XMM tier and [`Self::wide`].
    #[must_use]
    pub const fn wide_tier(&self) -> bool {
        self.xmm_tier() && self.wide
    }

    /// The implementation a key built with these features uses.
    #[must_use]
    pub const fn implementation(&self) -> Implementation {
        if self.xmm_tier() {
            Implementation::Xmm
        } else {
            Implementation::Portable
        }
    }
}
