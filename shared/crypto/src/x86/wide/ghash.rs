//! GHASH (POLYVAL form, as the XMM tier) on VPCLMULQDQ: two blocks per multiplication, the
//! products of up to 16 blocks summed unreduced (schoolbook: four carry-less products per pair
//! of blocks), the two lanes folded and one reduction.

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_broadcastsi128_si256, _mm256_castsi256_si128,
    _mm256_clmulepi64_epi128, _mm256_extracti128_si256, _mm256_set_m128i, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_xor_si256, _mm_setzero_si128, _mm_xor_si128,
};

use crate::x86::ghash::{bswap_mask, reduce_parts};

/// The `pshufb` mask reversing the bytes of each 16-byte lane.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
pub(crate) fn bswap_mask2() -> __m256i {
    _mm256_broadcastsi128_si256(bswap_mask())
}

/// Reverses the bytes of both blocks.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
pub(crate) fn bswap2(v: __m256i, mask: __m256i) -> __m256i {
    _mm256_shuffle_epi8(v, mask)
}

/// The powers of H in pairs: `hp[j]` holds H^(16-2j) in its low lane and H^(15-2j) in its
/// high lane, from the key's `h` (H^1..H^8) and `h_hi` (H^9..H^16).
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
pub(crate) fn pairs(h: &[__m128i; 8], h_hi: &[__m128i; 8]) -> [__m256i; 8] {
    let mut hp = [_mm256_setzero_si256(); 8];
    // hp[0..4]: H^16 … H^9 from `h_hi`; hp[4..8]: H^8 … H^1 from `h` (H^n is h[n - 1]).
    for (j, p) in hp.iter_mut().enumerate() {
        let (src, top) = if j < 4 {
            (h_hi, 7 - 2 * j)
        } else {
            (h, 15 - 2 * j)
        };
        *p = _mm256_set_m128i(src[top - 1], src[top]);
    }
    hp
}

/// An unreduced sum of products, per lane.
#[derive(Clone, Copy)]
pub(crate) struct Acc2 {
    lo: __m256i,
    hi: __m256i,
    mid: __m256i,
}

impl Acc2 {
    #[inline]
    #[target_feature(enable = "vaes,vpclmulqdq,avx2")]
    pub(crate) fn new() -> Self {
        Self {
            lo: _mm256_setzero_si256(),
            hi: _mm256_setzero_si256(),
            mid: _mm256_setzero_si256(),
        }
    }

    /// Adds the lane-wise products `x · h` (unreduced).
    #[inline]
    #[target_feature(enable = "vaes,vpclmulqdq,avx2")]
    pub(crate) fn mul_add(&mut self, x: __m256i, h: __m256i) {
        self.lo = _mm256_xor_si256(self.lo, _mm256_clmulepi64_epi128::<0x00>(x, h));
        self.hi = _mm256_xor_si256(self.hi, _mm256_clmulepi64_epi128::<0x11>(x, h));
        let m = _mm256_xor_si256(
            _mm256_clmulepi64_epi128::<0x01>(x, h),
            _mm256_clmulepi64_epi128::<0x10>(x, h),
        );
        self.mid = _mm256_xor_si256(self.mid, m);
    }

    /// Both lanes' sums added, times x^-128 modulo the POLYVAL polynomial.
    #[inline]
    #[target_feature(enable = "vaes,vpclmulqdq,avx2")]
    pub(crate) fn reduce(self) -> __m128i {
        reduce_parts(fold(self.lo), fold(self.hi), fold(self.mid))
    }
}

/// The sum of a pair's two lanes.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
fn fold(v: __m256i) -> __m128i {
    _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v))
}

/// `y` in the low lane of a pair (the high lane zero).
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
pub(crate) fn low_lane(y: __m128i) -> __m256i {
    _mm256_set_m128i(_mm_setzero_si128(), y)
}

/// Absorbs up to 8 pairs of byte-reversed blocks `x` (blocks x0, x1, … in lane order) into
/// `y`: `(y + x0)·H^2n + x1·H^(2n-1) + … + x(2n-1)·H`, one reduction.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
pub(crate) fn absorb2(hp: &[__m256i; 8], y: __m128i, x: &[__m256i]) -> __m128i {
    let n = x.len().min(8);
    if n == 0 {
        return y;
    }
    let mut acc = Acc2::new();
    for (i, xi) in x.iter().take(n).enumerate() {
        let v = if i == 0 {
            _mm256_xor_si256(*xi, low_lane(y))
        } else {
            *xi
        };
        acc.mul_add(v, hp[8 - n + i]);
    }
    acc.reduce()
}
