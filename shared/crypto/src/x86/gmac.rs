//! A GMAC-only key on AES-NI and PCLMULQDQ (AH AES-GMAC, ESP AES-GMAC): H..H^8 and the AES key
//! itself, 160 bytes on the heap instead of a GCM key's 512.
//!
//! GMAC needs one AES block per packet (E_K(J0), the tag's mask) and otherwise only GHASH, so
//! the key keeps no round keys: each tag computes them as it encrypts J0, in registers (AES-128
//! and AES-256: each round key from the last by `pshufb` and `aesenclast`, a critical path of
//! a few cycles per round); AES-192 expands a schedule on the stack (zeroized when it goes).
//! That costs one key expansion per packet; the GHASH keeps its 8 powers and one reduction per
//! 8 blocks.

use core::arch::x86_64::{
    __m128i, _mm_aesenc_si128, _mm_aesenclast_si128, _mm_set1_epi32, _mm_set_epi64x,
    _mm_setzero_si128, _mm_shuffle_epi8, _mm_slli_si128, _mm_xor_si128,
};

use alloc::boxed::Box;

use zeroize::Zeroize;

use super::aes::{encrypt1, Schedule};
use super::block::{load, store};
use super::cpuid::Xmm;
use super::gcm::{counter_base, counter_j0, Stream};
use super::ghash::{absorb, absorb_two, bswap, powers};
use crate::KeyError;

/// H..H^8 and the AES key (16, 24 or 32 bytes of `key`; the length is kept by the handle,
/// [`KeyLen`], so that the heap block stays 160 bytes).
pub(crate) struct GmacKey {
    h: [__m128i; 8],
    key: [u8; 32],
}

/// The AES key's length (an enum: the handle's enum needs no tag of its own for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum KeyLen {
    K16 = 16,
    K24 = 24,
    K32 = 32,
}

impl KeyLen {
    fn of(len: usize) -> Option<Self> {
        match len {
            16 => Some(Self::K16),
            24 => Some(Self::K24),
            32 => Some(Self::K32),
            _ => None,
        }
    }

    fn bytes(self) -> usize {
        usize::from(self as u8)
    }
}

impl core::fmt::Debug for GmacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GmacKey").finish_non_exhaustive()
    }
}

impl Drop for GmacKey {
    fn drop(&mut self) {
        self.h.zeroize();
        self.key.zeroize();
    }
}

/// The safe face: a `GmacKey` exists only after [`Xmm::detect`] saw the XMM tier in CPUID, so
/// its `#[target_feature]` functions may run.
impl GmacKey {
    /// Prepares `key` on the heap (H computed in place). `Ok(None)`: a key of the wrong
    /// length; `Err`: no memory.
    #[allow(clippy::type_complexity, reason = "the key and its length, kept apart")]
    pub(crate) fn new(_cpu: Xmm, key: &[u8]) -> Result<Option<(Box<Self>, KeyLen)>, KeyError> {
        let Some(len) = KeyLen::of(key.len()) else {
            return Ok(None);
        };
        let mut k = ipsecov2_fallible::try_box(Self {
            h: [super::block::zero(); 8],
            key: [0u8; 32],
        })
        .map_err(|_| KeyError::NoMemory)?;
        // SAFETY: `Xmm` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3 and SSE4.1.
        Ok(unsafe { k.init_tf(key, len) }.then_some((k, len)))
    }

    /// Loads one value from each cache line of the key (H..H^8 and the key: three lines at
    /// most); returns how many it read, nothing of the key.
    pub(crate) fn touch(&self) -> u32 {
        for i in [0, 4] {
            if let Some(h) = self.h.get(i) {
                core::hint::black_box(*h);
            }
        }
        core::hint::black_box(self.key[0]);
        3
    }

    pub(crate) fn gmac(&self, len: KeyLen, nonce: &[u8; 12], head: &[u8], body: &[u8]) -> [u8; 16] {
        // SAFETY: this key was built with an `Xmm` proof (see `new`).
        unsafe { self.gmac_tf(len, nonce, head, body) }
    }

    /// A GHASH stream under this key's H (a copy of H..H^8, zeroized with the stream).
    pub(crate) fn stream(&self) -> Stream {
        Stream::with_powers(&self.h)
    }

    /// E_K(J0) for `nonce`: the mask of the tag.
    pub(crate) fn ej0(&self, len: KeyLen, nonce: &[u8; 12]) -> [u8; 16] {
        let mut out = [0u8; 16];
        // SAFETY: this key was built with an `Xmm` proof (see `new`).
        store(&mut out, unsafe { self.ej0_tf(len, nonce) });
        out
    }
}

impl GmacKey {
    /// Keeps the key and computes H = E_K(0) and its powers.
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn init_tf(&mut self, key: &[u8], len: KeyLen) -> bool {
        let Some(dst) = self.key.get_mut(..key.len()) else {
            return false;
        };
        dst.copy_from_slice(key);
        let Some(mut e) = self.encrypt_tf(len, _mm_setzero_si128()) else {
            self.key.zeroize();
            return false;
        };
        let mut hb = [0u8; 16];
        store(&mut hb, e);
        self.h = powers(&hb);
        hb.zeroize();
        e.zeroize();
        true
    }

    /// One block under the key, the round keys made as they are used (AES-192: the schedule
    /// expanded on the stack and zeroized on return).
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn encrypt_tf(&self, len: KeyLen, b: __m128i) -> Option<__m128i> {
        match len {
            KeyLen::K16 => {
                let k: &[u8; 16] = self.key.first_chunk()?;
                return Some(encrypt_on_the_fly_128(load(k), b));
            }
            KeyLen::K32 => {
                let (lo, hi) = self.key.split_first_chunk::<16>()?;
                let hi: &[u8; 16] = hi.first_chunk()?;
                return Some(encrypt_on_the_fly_256(load(lo), load(hi), b));
            }
            KeyLen::K24 => {}
        }
        let mut s = Schedule::empty();
        if !s.expand_into(self.key.get(..len.bytes())?) {
            return None;
        }
        Some(match s.rounds() {
            10 => encrypt1::<10>(&s.rk, b),
            12 => encrypt1::<12>(&s.rk, b),
            _ => encrypt1::<14>(&s.rk, b),
        })
    }

    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn ej0_tf(&self, len: KeyLen, nonce: &[u8; 12]) -> __m128i {
        // The key's length was checked when it was built, so the expansion cannot fail; a zero
        // mask would only make a wrong tag, never a panic.
        self.encrypt_tf(len, counter_j0(counter_base(nonce)))
            .unwrap_or_else(|| _mm_setzero_si128())
    }

    /// GMAC: the tag over `head` then `body` as AAD, no data.
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    fn gmac_tf(&self, len: KeyLen, nonce: &[u8; 12], head: &[u8], body: &[u8]) -> [u8; 16] {
        let y = absorb_two(&self.h, _mm_setzero_si128(), head, body);
        let bits = ((head.len() + body.len()) as u64).wrapping_mul(8) as i64;
        let y = absorb(&self.h, y, &[_mm_set_epi64x(bits, 0)]);
        let e = self.ej0_tf(len, nonce);
        let mut tag = [0u8; 16];
        store(&mut tag, _mm_xor_si128(bswap(y), e));
        tag
    }
}

/// RotWord and broadcast of word 3 (`pshufb` mask): what `aesenclast` turns into SubWord(RotWord).
const ROT_WORD3: i32 = 0x0c0f_0e0d;
/// Broadcast of word 3 without rotation: SubWord alone (AES-256's odd round keys).
const WORD3: i32 = 0x0f0e_0d0c;
/// The round constants of AES-128 (AES-256 uses the first seven).
const RCON: [i32; 10] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];

/// The next round key from `k` (FIPS 197 key expansion, four words at once): `t` is the
/// broadcast word that `aesenclast` substitutes (its four columns equal, so ShiftRows only
/// permutes equal columns) and XORs with `rcon`; `k`'s words are XORed in prefix order.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn next_key(k: __m128i, from: __m128i, mask: i32, rcon: i32) -> __m128i {
    let t = _mm_aesenclast_si128(
        _mm_shuffle_epi8(from, _mm_set1_epi32(mask)),
        _mm_set1_epi32(rcon),
    );
    let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
    let k = _mm_xor_si128(k, _mm_slli_si128::<8>(k));
    _mm_xor_si128(k, t)
}

/// AES-128 of one block, each round key computed from the last as it is used.
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn encrypt_on_the_fly_128(key: __m128i, b: __m128i) -> __m128i {
    let mut k = key;
    let mut b = _mm_xor_si128(b, k);
    for (i, rcon) in RCON.into_iter().enumerate() {
        k = next_key(k, k, ROT_WORD3, rcon);
        b = if i + 1 < RCON.len() {
            _mm_aesenc_si128(b, k)
        } else {
            _mm_aesenclast_si128(b, k)
        };
    }
    b
}

/// AES-256 of one block, each round key computed from the two before it as it is used.
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn encrypt_on_the_fly_256(lo: __m128i, hi: __m128i, b: __m128i) -> __m128i {
    let (mut even, mut odd) = (lo, hi);
    let mut b = _mm_aesenc_si128(_mm_xor_si128(b, even), odd);
    // Round keys 2..=13 in pairs, then 14 (the last, after the seventh constant).
    for rcon in RCON.into_iter().take(6) {
        even = next_key(even, odd, ROT_WORD3, rcon);
        b = _mm_aesenc_si128(b, even);
        odd = next_key(odd, even, WORD3, 0);
        b = _mm_aesenc_si128(b, odd);
    }
    even = next_key(even, odd, ROT_WORD3, 0x40);
    _mm_aesenclast_si128(b, even)
}
