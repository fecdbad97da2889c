//! SHA-256 compression on the SHA extensions (`sha256rnds2`, `sha256msg1`, `sha256msg2`), XMM
//! registers only. The state is kept in the instructions' ABEF / CDGH form across the blocks of
//! one call; a block's four message quads are loaded, byte-swapped (`pshufb`) and expanded in
//! place while the rounds run, two rounds per `sha256rnds2`.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_sha256msg1_epu32,
    _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32, _mm_shuffle_epi8,
};

use super::block::{load, load_at, store};
use super::cpuid::ShaNi;

/// The round constants, four per quad (FIPS 180-4 4.2.2).
const K: [u32; 64] = [
    0x428a_2f98,
    0x7137_4491,
    0xb5c0_fbcf,
    0xe9b5_dba5,
    0x3956_c25b,
    0x59f1_11f1,
    0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98,
    0x1283_5b01,
    0x2431_85be,
    0x550c_7dc3,
    0x72be_5d74,
    0x80de_b1fe,
    0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1,
    0xefbe_4786,
    0x0fc1_9dc6,
    0x240c_a1cc,
    0x2de9_2c6f,
    0x4a74_84aa,
    0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152,
    0xa831_c66d,
    0xb003_27c8,
    0xbf59_7fc7,
    0xc6e0_0bf3,
    0xd5a7_9147,
    0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85,
    0x2e1b_2138,
    0x4d2c_6dfc,
    0x5338_0d13,
    0x650a_7354,
    0x766a_0abb,
    0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1,
    0xa81a_664b,
    0xc24b_8b70,
    0xc76c_51a3,
    0xd192_e819,
    0xd699_0624,
    0xf40e_3585,
    0x106a_a070,
    0x19a4_c116,
    0x1e37_6c08,
    0x2748_774c,
    0x34b0_bcb5,
    0x391c_0cb3,
    0x4ed8_aa4a,
    0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee,
    0x78a5_636f,
    0x84c8_7814,
    0x8cc7_0208,
    0x90be_fffa,
    0xa450_6ceb,
    0xbef9_a3f7,
    0xc671_78f2,
];

/// The state in the instructions' form: `ABEF` and `CDGH`.
#[derive(Clone, Copy)]
pub(crate) struct State {
    abef: __m128i,
    cdgh: __m128i,
}

/// The round constants as the bytes of sixteen little-endian vectors (lane 0 = the first round
/// of the quad): loaded from memory, never indexed by data.
const KB: [[u8; 16]; 16] = {
    let mut out = [[0u8; 16]; 16];
    let mut i = 0;
    while i < 64 {
        let b = K[i].to_le_bytes();
        let mut j = 0;
        while j < 4 {
            out[i / 4][4 * (i % 4) + j] = b[j];
            j += 1;
        }
        i += 1;
    }
    out
};

/// The `pshufb` mask reversing the bytes of each 32-bit word.
const SWAP: [u8; 16] = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];

impl State {
    /// From the FIPS order `a..h`.
    #[inline]
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1,sha")]
    pub(crate) fn from_words(s: &[u32; 8]) -> Self {
        let mut lo = [0u8; 16];
        let mut hi = [0u8; 16];
        for (d, w) in lo.chunks_exact_mut(4).zip(s[..4].iter()) {
            d.copy_from_slice(&w.to_le_bytes());
        }
        for (d, w) in hi.chunks_exact_mut(4).zip(s[4..].iter()) {
            d.copy_from_slice(&w.to_le_bytes());
        }
        let dcba = _mm_shuffle_epi32::<0xB1>(load(&lo)); // CDAB
        let hgfe = _mm_shuffle_epi32::<0x1B>(load(&hi)); // EFGH
        Self {
            abef: _mm_alignr_epi8::<8>(dcba, hgfe),
            cdgh: _mm_blend_epi16::<0xF0>(hgfe, dcba),
        }
    }

    /// Back to the FIPS order.
    #[inline]
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1,sha")]
    pub(crate) fn to_words(self, s: &mut [u32; 8]) {
        let feba = _mm_shuffle_epi32::<0x1B>(self.abef);
        let dchg = _mm_shuffle_epi32::<0xB1>(self.cdgh);
        let dcba = _mm_blend_epi16::<0xF0>(feba, dchg);
        let hgfe = _mm_alignr_epi8::<8>(dchg, feba);
        let mut lo = [0u8; 16];
        let mut hi = [0u8; 16];
        store(&mut lo, dcba);
        store(&mut hi, hgfe);
        for (w, b) in s[..4].iter_mut().zip(lo.chunks_exact(4)) {
            *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        for (w, b) in s[4..].iter_mut().zip(hi.chunks_exact(4)) {
            *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
    }

    /// One 64-byte block, given as its four 16-byte quads as loaded (big-endian words).
    #[inline]
    #[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1,sha")]
    pub(crate) fn block_tf(&mut self, raw: [__m128i; 4]) {
        let swap = load(&SWAP);
        let (abef0, cdgh0) = (self.abef, self.cdgh);
        let [mut m0, mut m1, mut m2, mut m3] = raw.map(|x| _mm_shuffle_epi8(x, swap));
        let (mut abef, mut cdgh) = (abef0, cdgh0);
        // Quad `q` (rounds 4q..4q+3) on `cur` = W[4q..4q+4]; `msg2` completes the next quad's
        // words (quads 4..15), `msg1` starts the one three ahead (quads 4..15 as well).
        macro_rules! quad {
            ($q:literal, $cur:ident, $prev:ident, $next:ident, $two:literal, $one:literal) => {{
                let wk = _mm_add_epi32($cur, load(&KB[$q]));
                cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
                if $two {
                    let t = _mm_add_epi32($next, _mm_alignr_epi8::<4>($cur, $prev));
                    $next = _mm_sha256msg2_epu32(t, $cur);
                }
                abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32::<0x0E>(wk));
                if $one {
                    $prev = _mm_sha256msg1_epu32($prev, $cur);
                }
            }};
        }
        quad!(0, m0, m3, m1, false, false);
        quad!(1, m1, m0, m2, false, true);
        quad!(2, m2, m1, m3, false, true);
        quad!(3, m3, m2, m0, true, true);
        quad!(4, m0, m3, m1, true, true);
        quad!(5, m1, m0, m2, true, true);
        quad!(6, m2, m1, m3, true, true);
        quad!(7, m3, m2, m0, true, true);
        quad!(8, m0, m3, m1, true, true);
        quad!(9, m1, m0, m2, true, true);
        quad!(10, m2, m1, m3, true, true);
        quad!(11, m3, m2, m0, true, true);
        quad!(12, m0, m3, m1, true, true);
        quad!(13, m1, m0, m2, true, false);
        quad!(14, m2, m1, m3, true, false);
        quad!(15, m3, m2, m0, false, false);
        let _ = (m0, m1, m2, m3);
        self.abef = _mm_add_epi32(abef, abef0);
        self.cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
}

/// The four quads of `s[at..at + 64]`.
#[inline(always)]
pub(crate) fn quads(s: &[u8], at: usize) -> [__m128i; 4] {
    [
        load_at(s, at),
        load_at(s, at + 16),
        load_at(s, at + 32),
        load_at(s, at + 48),
    ]
}

/// Compresses the whole 64-byte blocks of `blocks` into `state` (a trailing partial block is
/// ignored: callers pass whole blocks).
pub(crate) fn compress(cpu: ShaNi, state: &mut [u32; 8], blocks: &[u8]) {
    let _ = cpu;
    // SAFETY: `ShaNi` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3, SSE4.1 and SHA.
    unsafe { compress_tf(state, blocks) }
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1,sha")]
fn compress_tf(state: &mut [u32; 8], blocks: &[u8]) {
    let mut s = State::from_words(state);
    for at in (0..blocks.len() / 64 * 64).step_by(64) {
        s.block_tf(quads(blocks, at));
    }
    s.to_words(state);
}
