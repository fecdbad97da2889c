//! Unaligned 32-byte loads and stores (two blocks) through references.

use core::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_storeu_si256};

/// Loads 32 bytes.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
pub(crate) fn load2(b: &[u8; 32]) -> __m256i {
    // SAFETY: `b` is 32 readable bytes; `vmovdqu` has no alignment requirement.
    unsafe { _mm256_loadu_si256(b.as_ptr().cast()) }
}

/// Stores 32 bytes.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
pub(crate) fn store2(b: &mut [u8; 32], v: __m256i) {
    // SAFETY: `b` is 32 writable bytes, borrowed exclusively; `vmovdqu` has no alignment
    // requirement.
    unsafe { _mm256_storeu_si256(b.as_mut_ptr().cast(), v) }
}
