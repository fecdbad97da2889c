//! Unaligned 16-byte loads and stores through references (SSE2, part of x86-64).

use core::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_storeu_si128};

/// Loads 16 bytes.
#[inline(always)]
pub(crate) fn load(b: &[u8; 16]) -> __m128i {
    // SAFETY: `b` is 16 readable bytes; `movdqu` has no alignment requirement.
    unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
}

/// Stores 16 bytes.
#[inline(always)]
pub(crate) fn store(b: &mut [u8; 16], v: __m128i) {
    // SAFETY: `b` is 16 writable bytes, borrowed exclusively; `movdqu` has no alignment
    // requirement.
    unsafe { _mm_storeu_si128(b.as_mut_ptr().cast(), v) }
}

/// Loads `s[at..at + 16]` (zero when out of range: callers never are, they index whole
/// blocks of slices they have measured).
#[inline(always)]
pub(crate) fn load_at(s: &[u8], at: usize) -> __m128i {
    match s
        .get(at..at + 16)
        .and_then(|b| <&[u8; 16]>::try_from(b).ok())
    {
        Some(b) => load(b),
        None => load(&[0u8; 16]),
    }
}

/// Stores `v` at `s[at..at + 16]` (nothing when out of range: callers never are).
#[inline(always)]
pub(crate) fn store_at(s: &mut [u8], at: usize, v: __m128i) {
    if let Some(b) = s
        .get_mut(at..at + 16)
        .and_then(|b| <&mut [u8; 16]>::try_from(b).ok())
    {
        store(b, v);
    }
}

/// An all-zero register value (a load of zeros: usable outside `#[target_feature]` code).
#[inline(always)]
pub(crate) fn zero() -> __m128i {
    load(&[0u8; 16])
}
