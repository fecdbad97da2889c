//! GHASH on PCLMULQDQ, computed as POLYVAL (RFC 8452): blocks are byte-reversed (`pshufb`)
//! and H is taken through mulX_POLYVAL once per key, so products need no bit reflection.
//! Karatsuba multiplication into unreduced 256-bit sums, one Montgomery reduction by the
//! constant 0xc2..01 per group of up to 8 blocks (aggregated reduction with H..H^8).

use core::arch::x86_64::{
    __m128i, _mm_clmulepi64_si128, _mm_set_epi64x, _mm_set_epi8, _mm_setzero_si128,
    _mm_shuffle_epi32, _mm_shuffle_epi8, _mm_slli_si128, _mm_srli_si128, _mm_xor_si128,
};

use super::block::load;

/// The `pshufb` mask reversing the 16 bytes of a block.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn bswap_mask() -> __m128i {
    _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
}

/// Reverses the bytes of a block.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn bswap(v: __m128i) -> __m128i {
    _mm_shuffle_epi8(v, bswap_mask())
}

/// An unreduced sum of Karatsuba products (low, high and middle 128-bit parts).
#[derive(Clone, Copy)]
pub(crate) struct Acc {
    lo: __m128i,
    hi: __m128i,
    mid: __m128i,
}

impl Acc {
    #[inline]
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    pub(crate) fn new() -> Self {
        Self {
            lo: _mm_setzero_si128(),
            hi: _mm_setzero_si128(),
            mid: _mm_setzero_si128(),
        }
    }

    /// Adds the product `x · h` (unreduced).
    #[inline]
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    pub(crate) fn mul_add(&mut self, x: __m128i, h: __m128i) {
        self.lo = _mm_xor_si128(self.lo, _mm_clmulepi64_si128::<0x00>(x, h));
        self.hi = _mm_xor_si128(self.hi, _mm_clmulepi64_si128::<0x11>(x, h));
        let xm = _mm_xor_si128(x, _mm_shuffle_epi32::<0x4e>(x));
        let hm = _mm_xor_si128(h, _mm_shuffle_epi32::<0x4e>(h));
        self.mid = _mm_xor_si128(self.mid, _mm_clmulepi64_si128::<0x00>(xm, hm));
    }

    /// The sum times x^-128 modulo the POLYVAL polynomial x^128 + x^127 + x^126 + x^121 + 1.
    #[inline]
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    pub(crate) fn reduce(self) -> __m128i {
        let mid = _mm_xor_si128(self.mid, _mm_xor_si128(self.lo, self.hi));
        reduce_parts(self.lo, self.hi, mid)
    }
}

/// `(lo + mid·x^64 + hi·x^128) · x^-128` modulo the POLYVAL polynomial: a 256-bit product given
/// as its low, high and (true) middle 128-bit parts.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn reduce_parts(lo: __m128i, hi: __m128i, mid: __m128i) -> __m128i {
    let mut lo = _mm_xor_si128(lo, _mm_slli_si128::<8>(mid));
    let hi = _mm_xor_si128(hi, _mm_srli_si128::<8>(mid));
    let poly = _mm_set_epi64x(0xc200_0000_0000_0000_u64 as i64, 1);
    let t = _mm_clmulepi64_si128::<0x10>(lo, poly);
    lo = _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(lo), t);
    let t = _mm_clmulepi64_si128::<0x10>(lo, poly);
    lo = _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(lo), t);
    _mm_xor_si128(hi, lo)
}

/// POLYVAL's product `a · b · x^-128`.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn mul(a: __m128i, b: __m128i) -> __m128i {
    let mut acc = Acc::new();
    acc.mul_add(a, b);
    acc.reduce()
}

/// The GHASH key in the POLYVAL domain: H^1..H^8 (`h[i]` = H^(i+1)), from H = E_K(0^128).
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn powers(h_block: &[u8; 16]) -> [__m128i; 8] {
    // mulX_POLYVAL(ByteReverse(H)) (RFC 8452 appendix A), in scalar code (no secret branch).
    let v = u128::from_be_bytes(*h_block);
    let top = v >> 127;
    let x = (v << 1) ^ top ^ (top << 127) ^ (top << 126) ^ (top << 121);
    let h = load(&x.to_le_bytes());
    let mut p = [h; 8];
    for i in 1..8 {
        p[i] = mul(p[i - 1], h);
    }
    p
}

/// Absorbs up to 8 byte-reversed blocks into `y`: `(y + x0)·H^n + x1·H^(n-1) + … + x(n-1)·H`,
/// one reduction.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn absorb(h: &[__m128i; 8], y: __m128i, x: &[__m128i]) -> __m128i {
    let n = x.len().min(8);
    if n == 0 {
        return y;
    }
    let mut acc = Acc::new();
    for (i, xi) in x.iter().take(n).enumerate() {
        let v = if i == 0 { _mm_xor_si128(y, *xi) } else { *xi };
        acc.mul_add(v, h[n - 1 - i]);
    }
    acc.reduce()
}

/// Absorbs `bytes` (zero-padded to whole blocks) into `y` (never inlined: called once per
/// packet for the AAD, it keeps its 8 blocks out of the callers' frames).
#[inline(never)]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn absorb_bytes(h: &[__m128i; 8], mut y: __m128i, bytes: &[u8]) -> __m128i {
    let mut chunks = bytes.chunks_exact(128);
    for c in &mut chunks {
        let mut x = [_mm_setzero_si128(); 8];
        for (i, xi) in x.iter_mut().enumerate() {
            *xi = bswap(super::block::load_at(c, 16 * i));
        }
        y = absorb(h, y, &x);
    }
    let rest = chunks.remainder();
    if rest.is_empty() {
        return y;
    }
    let mut x = [_mm_setzero_si128(); 8];
    let whole = rest.len() / 16;
    for (i, xi) in x.iter_mut().enumerate().take(whole) {
        *xi = bswap(super::block::load_at(rest, 16 * i));
    }
    let part = &rest[whole * 16..];
    let mut n = whole;
    if !part.is_empty() {
        let mut b = [0u8; 16];
        b[..part.len()].copy_from_slice(part);
        x[whole] = bswap(load(&b));
        n += 1;
    }
    absorb(h, y, &x[..n])
}

/// Absorbs the concatenation of `a` and `b` (zero-padded to whole blocks) into `y`.
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn absorb_two(h: &[__m128i; 8], y: __m128i, a: &[u8], b: &[u8]) -> __m128i {
    let whole = a.len() / 16 * 16;
    let y = absorb_bytes(h, y, &a[..whole]);
    let rest = &a[whole..];
    if rest.is_empty() {
        return absorb_bytes(h, y, b);
    }
    let take = (16 - rest.len()).min(b.len());
    let mut blk = [0u8; 16];
    blk[..rest.len()].copy_from_slice(rest);
    blk[rest.len()..rest.len() + take].copy_from_slice(&b[..take]);
    let y = absorb(h, y, &[bswap(load(&blk))]);
    absorb_bytes(h, y, &b[take..])
}

/// H^9..H^16 from H..H^8 (`out[i]` = H^(i+9)), for the wide tier's 16 blocks per reduction.
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn powers_above(h: &[__m128i; 8], out: &mut [__m128i; 8]) {
    for (slot, hi) in out.iter_mut().zip(h.iter()) {
        *slot = mul(h[7], *hi);
    }
}
