//! AES key expansion (FIPS 197, word by word; SubWord on `aesenclast`, so no S-box table) into
//! compact round-key schedules, and the block functions on AES-NI.

use core::arch::x86_64::{
    __m128i, _mm_aesdec_si128, _mm_aesdeclast_si128, _mm_aesenc_si128, _mm_aesenclast_si128,
    _mm_aesimc_si128, _mm_cvtsi128_si32, _mm_set1_epi32, _mm_set_epi32, _mm_setzero_si128,
    _mm_xor_si128,
};

use zeroize::Zeroize;

/// Round keys of one direction: 11, 13 or 15 of them (176, 208 or 240 bytes in use).
pub(crate) struct Schedule {
    pub(crate) rk: [__m128i; 15],
    nr: Rounds,
}

/// The round count (an enum, so that `Option<Schedule>` and the key enums need no extra tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Rounds {
    R10 = 10,
    R12 = 12,
    R14 = 14,
}

impl core::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Schedule")
            .field("rounds", &self.nr)
            .finish_non_exhaustive()
    }
}

impl Drop for Schedule {
    fn drop(&mut self) {
        self.rk.zeroize();
    }
}

/// FIPS 197 SubWord: the S-box on each byte, computed by `aesenclast` with a zero round key
/// on the word broadcast to all four columns (ShiftRows then only permutes equal columns).
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn sub_word(w: u32) -> u32 {
    let v = _mm_aesenclast_si128(_mm_set1_epi32(w as i32), _mm_setzero_si128());
    _mm_cvtsi128_si32(v) as u32
}

impl Schedule {
    /// 10, 12 or 14.
    pub(crate) fn rounds(&self) -> usize {
        usize::from(self.nr as u8)
    }

    /// An all-zero schedule, to be filled in place by [`Self::expand_into`].
    pub(crate) fn empty() -> Self {
        Self {
            rk: [super::block::zero(); 15],
            nr: Rounds::R10,
        }
    }

    /// Expands a 16-, 24- or 32-byte key into `self` (other lengths: false, `self` untouched).
    /// Words are little-endian loads of the key bytes, so a round key's bytes are in memory
    /// order. In place: a schedule lives on the heap, never twice on the stack.
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    pub(crate) fn expand_into(&mut self, key: &[u8]) -> bool {
        let (nk, nr) = match key.len() {
            16 => (4, Rounds::R10),
            24 => (6, Rounds::R12),
            32 => (8, Rounds::R14),
            _ => return false,
        };
        let rounds = nk + 6;
        let total = 4 * (rounds + 1);
        let mut w = [0u32; 60];
        for (d, s) in w.iter_mut().zip(key.chunks_exact(4)) {
            *d = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        }
        let mut rcon = 1u32;
        for i in nk..total {
            let mut t = w[i - 1];
            if i % nk == 0 {
                t = sub_word(t.rotate_right(8)) ^ rcon;
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
            } else if nk > 6 && i % nk == 4 {
                t = sub_word(t);
            }
            w[i] = w[i - nk] ^ t;
        }
        for (r, q) in self.rk.iter_mut().zip(w.chunks_exact(4)).take(rounds + 1) {
            *r = _mm_set_epi32(q[3] as i32, q[2] as i32, q[1] as i32, q[0] as i32);
        }
        self.nr = nr;
        w.zeroize();
        true
    }

    /// The equivalent inverse cipher's schedule (FIPS 197 5.3.5): the round keys reversed,
    /// the inner ones through InvMixColumns (`aesimc`).
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
    pub(crate) fn inverse_into(&self, out: &mut Self) {
        let nr = self.rounds();
        out.rk[0] = self.rk[nr];
        for (d, s) in out.rk[1..nr].iter_mut().zip(self.rk[1..nr].iter().rev()) {
            *d = _mm_aesimc_si128(*s);
        }
        out.rk[nr] = self.rk[0];
        out.nr = self.nr;
    }
}

/// Encrypts one block (`NR` rounds).
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn encrypt1<const NR: usize>(rk: &[__m128i; 15], b: __m128i) -> __m128i {
    let mut b = _mm_xor_si128(b, rk[0]);
    for k in &rk[1..NR] {
        b = _mm_aesenc_si128(b, *k);
    }
    _mm_aesenclast_si128(b, rk[NR])
}

/// Encrypts `W` blocks side by side (`NR` rounds).
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn encrypt_n<const NR: usize, const W: usize>(rk: &[__m128i; 15], b: &mut [__m128i; W]) {
    for x in b.iter_mut() {
        *x = _mm_xor_si128(*x, rk[0]);
    }
    for k in &rk[1..NR] {
        for x in b.iter_mut() {
            *x = _mm_aesenc_si128(*x, *k);
        }
    }
    for x in b.iter_mut() {
        *x = _mm_aesenclast_si128(*x, rk[NR]);
    }
}

/// Decrypts `W` blocks side by side with an inverse schedule (`NR` rounds).
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
pub(crate) fn decrypt_n<const NR: usize, const W: usize>(dk: &[__m128i; 15], b: &mut [__m128i; W]) {
    for x in b.iter_mut() {
        *x = _mm_xor_si128(*x, dk[0]);
    }
    for k in &dk[1..NR] {
        for x in b.iter_mut() {
            *x = _mm_aesdec_si128(*x, *k);
        }
    }
    for x in b.iter_mut() {
        *x = _mm_aesdeclast_si128(*x, dk[NR]);
    }
}
