//! AES-GCM on AES-NI and PCLMULQDQ: 8 counter blocks in flight, the GHASH of 8 blocks stitched
//! into their AES rounds (one multiplication per round, one reduction per 8 blocks).
//!
//! Seal encrypts group i while it hashes the ciphertext of group i - 1; open hashes a group's
//! ciphertext during the rounds that make its key stream. The tail (fewer than 8 blocks, a
//! partial last block) and the tag's E_K(J0) share one more batch.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_aesenc_si128, _mm_aesenclast_si128, _mm_set_epi32, _mm_set_epi64x,
    _mm_setzero_si128, _mm_shuffle_epi8, _mm_xor_si128,
};

use alloc::boxed::Box;

use zeroize::Zeroize;

use super::aes::{encrypt1, encrypt_n, Schedule};
use super::block::{load, load_at, store, store_at};
use super::cpuid::Xmm;
use super::ghash::{absorb, absorb_bytes, absorb_two, bswap, bswap_mask, powers, Acc};
use crate::KeyError;

/// A GCM key: the AES schedule (encryption only) and H..H^8 (384 bytes). A key that can run
/// on the wide tier is a `WideGcmKey` (`x86/wide/key.rs`): this and H^9..H^16.
pub(crate) struct GcmKey {
    pub(super) aes: Schedule,
    pub(super) h: [__m128i; 8],
}

impl core::fmt::Debug for GcmKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GcmKey")
            .field("rounds", &self.aes.rounds())
            .finish_non_exhaustive()
    }
}

impl Drop for GcmKey {
    fn drop(&mut self) {
        self.h.zeroize();
    }
}

/// The safe face: a `GcmKey` exists only after [`Xmm::detect`] saw the XMM tier in CPUID, so
/// its `#[target_feature]` functions may run.
impl GcmKey {
    /// Prepares `key` on the heap (in place: the schedule is never copied on the stack).
    /// `Ok(None)`: a key of the wrong length; `Err`: no memory.
    pub(crate) fn new(cpu: Xmm, key: &[u8]) -> Result<Option<Box<Self>>, KeyError> {
        let mut k = ipsecov2_fallible::try_box(Self::empty()).map_err(|_| KeyError::NoMemory)?;
        Ok(k.init(cpu, key).then_some(k))
    }

    /// An all-zero key, to be filled in place by [`Self::init`].
    pub(crate) fn empty() -> Self {
        Self {
            aes: Schedule::empty(),
            h: [super::block::zero(); 8],
        }
    }

    /// Expands `key` into `self` and computes H..H^8 (a key of the wrong length: false).
    pub(crate) fn init(&mut self, _cpu: Xmm, key: &[u8]) -> bool {
        // SAFETY: `Xmm` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3 and SSE4.1.
        unsafe { self.init_tf(key) }
    }

    /// H..H^8 (H^n is `h()[n - 1]`).
    pub(crate) fn h(&self) -> &[__m128i; 8] {
        &self.h
    }

    /// Loads one value from each cache line of the key (round keys, H..H^8), so that a caller
    /// warming many SAs brings them into the cache before their packets; returns nothing of
    /// the key.
    pub(crate) fn touch(&self) -> u32 {
        for i in [0, 4, 8, 12] {
            if let Some(rk) = self.aes.rk.get(i) {
                core::hint::black_box(*rk);
            }
        }
        for i in [0, 4] {
            if let Some(h) = self.h.get(i) {
                core::hint::black_box(*h);
            }
        }
        6
    }

    pub(crate) fn seal(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        // SAFETY: this key was built with an `Xmm` proof (see `new`).
        unsafe { self.seal_tf(nonce, aad, data) }
    }

    pub(crate) fn open(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        // SAFETY: this key was built with an `Xmm` proof (see `new`).
        unsafe { self.open_tf(nonce, aad, data) }
    }

    pub(crate) fn ctr(&self, nonce: &[u8; 12], data: &mut [u8]) {
        // SAFETY: this key was built with an `Xmm` proof (see `new`).
        unsafe { self.ctr_tf(nonce, data) }
    }

    pub(crate) fn gmac(&self, nonce: &[u8; 12], head: &[u8], body: &[u8]) -> [u8; 16] {
        // SAFETY: this key was built with an `Xmm` proof (see `new`).
        unsafe { self.gmac_tf(nonce, head, body) }
    }

    /// A GHASH stream under this key's H (a copy of H..H^8, zeroized with the stream).
    pub(crate) fn stream(&self) -> Stream {
        Stream::with_powers(&self.h)
    }

    /// Absorbs whole blocks (`bytes.len()` a multiple of 16) into a stream.
    pub(crate) fn absorb_stream(s: &mut Stream, bytes: &[u8]) {
        // SAFETY: a `Stream` is made only by `GcmKey::stream`, and a `GcmKey` only with an
        // `Xmm` proof (see `new`).
        s.y = unsafe { absorb_bytes(&s.h, s.y, bytes) };
    }

    /// E_K(J0) for `nonce`: the mask of the tag.
    pub(crate) fn ej0(&self, nonce: &[u8; 12]) -> [u8; 16] {
        // SAFETY: this key was built with an `Xmm` proof (see `new`).
        unsafe { self.ej0_tf(nonce) }
    }

    /// Closes a stream: absorbs the length block and returns GHASH (wire byte order).
    pub(crate) fn close_stream(s: &Stream, aad_len: u64, ct_len: u64) -> [u8; 16] {
        // SAFETY: a `Stream` is made only by `GcmKey::stream`, and a `GcmKey` only with an
        // `Xmm` proof (see `new`).
        unsafe { close_tf(s, aad_len, ct_len) }
    }
}

/// A GHASH in progress (POLYVAL domain) with its own copy of H..H^8.
pub(crate) struct Stream {
    h: [__m128i; 8],
    y: __m128i,
}

impl Stream {
    /// A stream at zero under a copy of `h` (H..H^8 of a GCM or GMAC key).
    pub(super) fn with_powers(h: &[__m128i; 8]) -> Self {
        Self {
            h: *h,
            y: super::block::zero(),
        }
    }
}

impl core::fmt::Debug for Stream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.h.zeroize();
        self.y.zeroize();
    }
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn close_tf(s: &Stream, aad_len: u64, ct_len: u64) -> [u8; 16] {
    let len = _mm_set_epi64x(
        aad_len.wrapping_mul(8) as i64,
        ct_len.wrapping_mul(8) as i64,
    );
    let y = absorb(&s.h, s.y, &[len]);
    let mut out = [0u8; 16];
    store(&mut out, bswap(y));
    out
}

impl GcmKey {
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn ej0_tf(&self, nonce: &[u8; 12]) -> [u8; 16] {
        let j0 = counter(counter_base(nonce), 0, bswap_mask());
        let e = match self.aes.rounds() {
            10 => encrypt1::<10>(&self.aes.rk, j0),
            12 => encrypt1::<12>(&self.aes.rk, j0),
            _ => encrypt1::<14>(&self.aes.rk, j0),
        };
        let mut out = [0u8; 16];
        store(&mut out, e);
        out
    }
}

/// Seal or open.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    Seal,
    Open,
}

impl GcmKey {
    /// Expands the key and computes H = E_K(0) and its powers.
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn init_tf(&mut self, key: &[u8]) -> bool {
        if !self.aes.expand_into(key) {
            return false;
        }
        let rk = &self.aes.rk;
        let mut hb = [0u8; 16];
        let e = match self.aes.rounds() {
            10 => encrypt1::<10>(rk, _mm_setzero_si128()),
            12 => encrypt1::<12>(rk, _mm_setzero_si128()),
            _ => encrypt1::<14>(rk, _mm_setzero_si128()),
        };
        store(&mut hb, e);
        self.h = powers(&hb);
        hb.zeroize();
        true
    }

    /// Encrypts `data` in place and returns the full 16-byte tag over `aad` and the ciphertext.
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn seal_tf(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        match self.aes.rounds() {
            10 => crypt::<10>(self, Dir::Seal, nonce, aad, data),
            12 => crypt::<12>(self, Dir::Seal, nonce, aad, data),
            _ => crypt::<14>(self, Dir::Seal, nonce, aad, data),
        }
    }

    /// Decrypts `data` in place and returns the full 16-byte tag over `aad` and the ciphertext
    /// it had (the caller compares it and calls [`Self::ctr`] to restore the data on mismatch).
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn open_tf(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        match self.aes.rounds() {
            10 => crypt::<10>(self, Dir::Open, nonce, aad, data),
            12 => crypt::<12>(self, Dir::Open, nonce, aad, data),
            _ => crypt::<14>(self, Dir::Open, nonce, aad, data),
        }
    }

    /// GMAC: the tag over `head` then `body` as AAD, no data.
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn gmac_tf(&self, nonce: &[u8; 12], head: &[u8], body: &[u8]) -> [u8; 16] {
        let y = absorb_two(&self.h, _mm_setzero_si128(), head, body);
        let bits = ((head.len() + body.len()) as u64).wrapping_mul(8) as i64;
        let y = absorb(&self.h, y, &[_mm_set_epi64x(bits, 0)]);
        let j0 = counter(counter_base(nonce), 0, bswap_mask());
        let e = match self.aes.rounds() {
            10 => encrypt1::<10>(&self.aes.rk, j0),
            12 => encrypt1::<12>(&self.aes.rk, j0),
            _ => encrypt1::<14>(&self.aes.rk, j0),
        };
        let mut tag = [0u8; 16];
        store(&mut tag, _mm_xor_si128(bswap(y), e));
        tag
    }

    /// CTR alone (counter 2 onwards): undoes an open whose tag did not match.
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn ctr_tf(&self, nonce: &[u8; 12], data: &mut [u8]) {
        match self.aes.rounds() {
            10 => ctr::<10>(self, nonce, data),
            12 => ctr::<12>(self, nonce, data),
            _ => ctr::<14>(self, nonce, data),
        }
    }
}

/// J0 = nonce || 1, byte-reversed so that the 32-bit counter is lane 0 (for `paddd`).
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(super) fn counter_base(nonce: &[u8; 12]) -> __m128i {
    let mut j0 = [0u8; 16];
    j0[..12].copy_from_slice(nonce);
    j0[15] = 1;
    bswap(load(&j0))
}

/// J0 (counter block 0 from `base`) in wire byte order.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(super) fn counter_j0(base: __m128i) -> __m128i {
    counter(base, 0, bswap_mask())
}

/// Counter block `base + i` in wire byte order.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn counter(base: __m128i, i: u32, mask: __m128i) -> __m128i {
    _mm_shuffle_epi8(_mm_add_epi32(base, _mm_set_epi32(0, 0, 0, i as i32)), mask)
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn crypt<const NR: usize>(
    k: &GcmKey,
    dir: Dir,
    nonce: &[u8; 12],
    aad: &[u8],
    data: &mut [u8],
) -> [u8; 16] {
    let rk = &k.aes.rk;
    let mask = bswap_mask();
    let base = counter_base(nonce);
    let mut y = absorb_bytes(&k.h, _mm_setzero_si128(), aad);
    // Counter 1 is J0 (the tag's mask); data starts at counter 2.
    let mut next: u32 = 1;
    // The byte-reversed blocks hashed during a group's rounds: open, the group's own
    // ciphertext; seal, the previous group's (`have` tells whether there is one yet).
    let mut hx = [_mm_setzero_si128(); 8];
    let mut have = false;
    let full = data.len() / 128 * 128;
    let (groups, tail) = data.split_at_mut(full);
    for g in groups.chunks_exact_mut(128) {
        let mut b = [_mm_setzero_si128(); 8];
        for (i, x) in b.iter_mut().enumerate() {
            *x = _mm_xor_si128(counter(base, next + i as u32, mask), rk[0]);
        }
        next += 8;
        if dir == Dir::Open {
            for (i, x) in hx.iter_mut().enumerate() {
                *x = bswap(load_at(g, 16 * i));
            }
            have = true;
        }
        let mut acc = Acc::new();
        for r in 1..NR {
            for x in b.iter_mut() {
                *x = _mm_aesenc_si128(*x, rk[r]);
            }
            if r <= 8 && have {
                let v = if r == 1 {
                    _mm_xor_si128(y, hx[0])
                } else {
                    hx[r - 1]
                };
                acc.mul_add(v, k.h[8 - r]);
            }
        }
        if have {
            y = acc.reduce();
        }
        for (i, x) in b.iter().enumerate() {
            let ks = _mm_aesenclast_si128(*x, rk[NR]);
            let c = _mm_xor_si128(ks, load_at(g, 16 * i));
            store_at(g, 16 * i, c);
            if dir == Dir::Seal {
                hx[i] = bswap(c);
            }
        }
        // Seal: this group's ciphertext is hashed during the next group (or after the loop).
        have = dir == Dir::Seal;
    }
    if have {
        y = absorb(&k.h, y, &hx);
    }
    tail_and_tag::<NR>(k, dir, base, next, y, aad.len(), full, tail)
}

/// The tail (fewer than 8 blocks), the length block and the tag: a frame of its own, so that
/// the group loop's frame stays small.
#[inline(never)]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
#[allow(
    clippy::too_many_arguments,
    reason = "the state of `crypt` handed over as it is"
)]
pub(super) fn tail_and_tag<const NR: usize>(
    k: &GcmKey,
    dir: Dir,
    base: __m128i,
    next: u32,
    mut y: __m128i,
    aad_len: usize,
    full: usize,
    tail: &mut [u8],
) -> [u8; 16] {
    let rk = &k.aes.rk;
    let mask = bswap_mask();
    let mut hx = [_mm_setzero_si128(); 8];
    // Tail: up to 7 whole blocks and a partial one, plus E_K(J0), in one batch of 4 or 9.
    let mut b = [_mm_setzero_si128(); 9];
    b[0] = counter(base, 0, mask);
    let nt = tail.len().div_ceil(16);
    for (i, x) in b.iter_mut().enumerate().skip(1).take(nt) {
        *x = counter(base, next + i as u32 - 1, mask);
    }
    if nt <= 3 {
        let mut b4 = [b[0], b[1], b[2], b[3]];
        encrypt_n::<NR, 4>(rk, &mut b4);
        b[..4].copy_from_slice(&b4);
    } else {
        encrypt_n::<NR, 9>(rk, &mut b);
    }
    let ej0 = b[0];
    let c = &mut hx;
    let whole = tail.len() / 16 * 16;
    for i in 0..whole / 16 {
        let input = load_at(tail, 16 * i);
        let out = _mm_xor_si128(input, b[i + 1]);
        store_at(tail, 16 * i, out);
        c[i] = bswap(if dir == Dir::Seal { out } else { input });
    }
    let part = &mut tail[whole..];
    if !part.is_empty() {
        let n = part.len();
        let mut blk = [0u8; 16];
        blk[..n].copy_from_slice(part);
        let input = load(&blk);
        store(&mut blk, _mm_xor_si128(input, b[nt]));
        part.copy_from_slice(&blk[..n]);
        // The hashed ciphertext is zero-padded: clear the key stream past the data.
        blk[n..].fill(0);
        let ct = if dir == Dir::Seal { load(&blk) } else { input };
        c[nt - 1] = bswap(ct);
        blk.zeroize();
    }
    y = absorb(&k.h, y, &c[..nt]);
    let bits = |n: usize| (n as u64).wrapping_mul(8) as i64;
    let len = _mm_set_epi64x(bits(aad_len), bits(full + tail.len()));
    y = absorb(&k.h, y, &[len]);
    let mut tag = [0u8; 16];
    store(&mut tag, _mm_xor_si128(bswap(y), ej0));
    tag
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn ctr<const NR: usize>(k: &GcmKey, nonce: &[u8; 12], data: &mut [u8]) {
    let rk = &k.aes.rk;
    let mask = bswap_mask();
    let base = counter_base(nonce);
    let mut next: u32 = 1;
    for g in data.chunks_mut(128) {
        let mut b = [_mm_setzero_si128(); 8];
        for (i, x) in b.iter_mut().enumerate() {
            *x = counter(base, next + i as u32, mask);
        }
        next += 8;
        encrypt_n::<NR, 8>(rk, &mut b);
        for (i, chunk) in g.chunks_mut(16).enumerate() {
            let mut blk = [0u8; 16];
            blk[..chunk.len()].copy_from_slice(chunk);
            let v = _mm_xor_si128(load(&blk), b[i]);
            store(&mut blk, v);
            chunk.copy_from_slice(&blk[..chunk.len()]);
            blk.zeroize();
        }
    }
}
