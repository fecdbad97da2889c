//! AES-GCM on VAES and VPCLMULQDQ: 16 counter blocks in flight in 8 YMM registers, the GHASH
//! of 16 blocks stitched into their AES rounds (one pair multiplication per round, one
//! reduction per 16 blocks). The same schedule as the XMM tier's `crypt`, twice as wide: seal
//! hashes the previous group's ciphertext, open the group's own. What is left (fewer than 16
//! blocks) goes as one group of 8 blocks on YMM, then the XMM tier's tail and tag.

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi32, _mm256_aesenc_epi128, _mm256_aesenclast_epi128,
    _mm256_broadcastsi128_si256, _mm256_set_epi32, _mm256_setzero_si256, _mm256_shuffle_epi8,
    _mm256_xor_si256, _mm_setzero_si128,
};

use super::block::{load2, store2};
use super::ghash::{absorb2, bswap2, bswap_mask2, low_lane, pairs, Acc2};
use super::key::WideGcmKey;
use crate::section::Wide;
use crate::x86::gcm::{counter_base, tail_and_tag, Dir, GcmKey};
use crate::x86::ghash::absorb_bytes;

/// The safe face: a `WideGcmKey` exists only with an `Xmm` proof, and a [`Wide`] only inside
/// an open section on a CPU with the wide tier.
impl WideGcmKey {
    /// [`GcmKey::seal`] on the wide tier.
    pub(crate) fn seal_wide(
        &self,
        wide: Wide<'_>,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
    ) -> [u8; 16] {
        let _ = wide.cpu;
        // SAFETY: `wide` proves that CPUID reported VAES, VPCLMULQDQ, AVX2 and the OS's YMM
        // state, and that an `ExtendedStateSection` has saved this thread's YMM state until
        // it is dropped (it borrows the section); the key was built with an `Xmm` proof.
        unsafe { self.seal_wide_tf(nonce, aad, data) }
    }

    /// [`GcmKey::open`] on the wide tier.
    pub(crate) fn open_wide(
        &self,
        wide: Wide<'_>,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
    ) -> [u8; 16] {
        let _ = wide.cpu;
        // SAFETY: as in `seal_wide`: `wide` proves the instructions and the saved state.
        unsafe { self.open_wide_tf(nonce, aad, data) }
    }

    #[target_feature(enable = "vaes,vpclmulqdq,avx2")]
    fn seal_wide_tf(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        let (k, hi) = (&self.key, &self.h_hi);
        match k.aes.rounds() {
            10 => crypt_wide::<10>(k, hi, Dir::Seal, nonce, aad, data),
            12 => crypt_wide::<12>(k, hi, Dir::Seal, nonce, aad, data),
            _ => crypt_wide::<14>(k, hi, Dir::Seal, nonce, aad, data),
        }
    }

    #[target_feature(enable = "vaes,vpclmulqdq,avx2")]
    fn open_wide_tf(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        let (k, hi) = (&self.key, &self.h_hi);
        match k.aes.rounds() {
            10 => crypt_wide::<10>(k, hi, Dir::Open, nonce, aad, data),
            12 => crypt_wide::<12>(k, hi, Dir::Open, nonce, aad, data),
            _ => crypt_wide::<14>(k, hi, Dir::Open, nonce, aad, data),
        }
    }
}

/// Counter blocks `base + i` (low lane) and `base + i + 1` (high lane), in wire byte order.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
fn counter2(base2: __m256i, i: u32, mask: __m256i) -> __m256i {
    let inc = _mm256_set_epi32(0, 0, 0, i.wrapping_add(1) as i32, 0, 0, 0, i as i32);
    _mm256_shuffle_epi8(_mm256_add_epi32(base2, inc), mask)
}

/// A round key in both lanes.
#[inline]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
fn both(rk: __m128i) -> __m256i {
    _mm256_broadcastsi128_si256(rk)
}

#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
fn crypt_wide<const NR: usize>(
    k: &GcmKey,
    h_hi: &[__m128i; 8],
    dir: Dir,
    nonce: &[u8; 12],
    aad: &[u8],
    data: &mut [u8],
) -> [u8; 16] {
    let rk = &k.aes.rk;
    let mask = bswap_mask2();
    let base = counter_base(nonce);
    let base2 = both(base);
    let hp = pairs(&k.h, h_hi);
    let mut y = absorb_bytes(&k.h, _mm_setzero_si128(), aad);
    // Counter 1 is J0 (the tag's mask); data starts at counter 2.
    let mut next: u32 = 1;
    // The byte-reversed pairs hashed during a group's rounds: open, the group's own
    // ciphertext; seal, the previous group's (`have` tells whether there is one yet).
    let mut hx = [_mm256_setzero_si256(); 8];
    let mut have = false;
    let full = data.len() / 256 * 256;
    let (groups, rest) = data.split_at_mut(full);
    for g in groups.as_chunks_mut::<256>().0 {
        let blocks = g.as_chunks_mut::<32>().0;
        let mut b = [_mm256_setzero_si256(); 8];
        let rk0 = both(rk[0]);
        for (j, x) in b.iter_mut().enumerate() {
            *x = _mm256_xor_si256(counter2(base2, next + 2 * j as u32, mask), rk0);
        }
        next += 16;
        if dir == Dir::Open {
            for (x, blk) in hx.iter_mut().zip(blocks.iter()) {
                *x = bswap2(load2(blk), mask);
            }
            have = true;
        }
        let mut acc = Acc2::new();
        for r in 1..NR {
            let kr = both(rk[r]);
            for x in b.iter_mut() {
                *x = _mm256_aesenc_epi128(*x, kr);
            }
            if r <= 8 && have {
                let v = if r == 1 {
                    _mm256_xor_si256(hx[0], low_lane(y))
                } else {
                    hx[r - 1]
                };
                acc.mul_add(v, hp[r - 1]);
            }
        }
        if have {
            y = acc.reduce();
        }
        let last = both(rk[NR]);
        for ((x, blk), h) in b.iter().zip(blocks.iter_mut()).zip(hx.iter_mut()) {
            let c = _mm256_xor_si256(_mm256_aesenclast_epi128(*x, last), load2(blk));
            store2(blk, c);
            if dir == Dir::Seal {
                *h = bswap2(c, mask);
            }
        }
        // Seal: this group's ciphertext is hashed during the next group (or after the loop).
        have = dir == Dir::Seal;
    }
    if have {
        y = absorb2(&hp, y, &hx);
    }
    let mut done = full;
    let tail = match rest.split_first_chunk_mut::<128>() {
        Some((eight, tail)) => {
            y = eight_blocks::<NR>(k, dir, base2, next, &hp, y, eight);
            next += 8;
            done += 128;
            tail
        }
        None => rest,
    };
    tail_and_tag::<NR>(k, dir, base, next, y, aad.len(), done, tail)
}

/// Eight blocks (four pairs) without stitching: CTR, then their GHASH; returns the new `y`
/// (never inlined: its registers stay out of the group loop's frame).
#[inline(never)]
#[target_feature(enable = "vaes,vpclmulqdq,avx2")]
fn eight_blocks<const NR: usize>(
    k: &GcmKey,
    dir: Dir,
    base2: __m256i,
    next: u32,
    hp: &[__m256i; 8],
    y: __m128i,
    eight: &mut [u8; 128],
) -> __m128i {
    let rk = &k.aes.rk;
    let mask = bswap_mask2();
    let mut b = [_mm256_setzero_si256(); 4];
    for (j, x) in b.iter_mut().enumerate() {
        *x = _mm256_xor_si256(counter2(base2, next + 2 * j as u32, mask), both(rk[0]));
    }
    for rkr in rk.iter().take(NR).skip(1) {
        let kr = both(*rkr);
        for x in b.iter_mut() {
            *x = _mm256_aesenc_epi128(*x, kr);
        }
    }
    let last = both(rk[NR]);
    let mut hx = [_mm256_setzero_si256(); 4];
    for ((x, blk), h) in b
        .iter()
        .zip(eight.as_chunks_mut::<32>().0.iter_mut())
        .zip(hx.iter_mut())
    {
        let input = load2(blk);
        let out = _mm256_xor_si256(_mm256_aesenclast_epi128(*x, last), input);
        store2(blk, out);
        *h = bswap2(if dir == Dir::Seal { out } else { input }, mask);
    }
    absorb2(hp, y, &hx)
}
