//! AES-CBC and SHA-256 stitched: one pass over an ESP packet that CBC-encrypts (or decrypts)
//! its body while SHA-NI compresses the ciphertext, as OpenSSL's `aesni_cbc_sha256` does. CBC
//! encryption and the SHA-256 rounds are both latency-bound chains on different units; issued
//! in the same loop, the out-of-order core runs them side by side.
//!
//! The message is `msg` (hashed from its start: ESP header, IV, body); the body is
//! `msg[body_at..]` (whole blocks, checked by the caller), its IV the 16 bytes before it. The
//! hash always reads ciphertext: on seal a block is hashed only once encryption has passed its
//! end; on open a block's bytes are loaded before any of them is overwritten by the decryption,
//! which trails the hash.

use core::arch::x86_64::{__m128i, _mm_xor_si128};

use super::aes::{decrypt_n, encrypt1, Schedule};
use super::block::{load_at, store_at};
use super::cpuid::ShaNi;
use super::sha256::{quads, State};

/// Seal: encrypts the body in place and compresses every whole 64-byte block of `msg` (as
/// ciphertext) into `state`. Returns how many bytes were compressed (a multiple of 64).
pub(crate) fn seal(
    cpu: ShaNi,
    enc: &Schedule,
    state: &mut [u32; 8],
    msg: &mut [u8],
    body_at: usize,
) -> usize {
    let _ = cpu;
    match enc.rounds() {
        // SAFETY: `ShaNi` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3, SSE4.1 and SHA.
        10 => unsafe { seal_nr::<10>(&enc.rk, state, msg, body_at) },
        // SAFETY: as above.
        12 => unsafe { seal_nr::<12>(&enc.rk, state, msg, body_at) },
        // SAFETY: as above.
        _ => unsafe { seal_nr::<14>(&enc.rk, state, msg, body_at) },
    }
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1,sha")]
fn seal_nr<const NR: usize>(
    rk: &[__m128i; 15],
    state: &mut [u32; 8],
    msg: &mut [u8],
    body_at: usize,
) -> usize {
    let n = msg.len();
    let mut c = load_at(msg, body_at.wrapping_sub(16));
    let mut e = body_at;
    let mut st = State::from_words(state);
    let mut h = 0;
    while h + 64 <= n {
        // The block to hash must be ciphertext to its end, written a block earlier (no load
        // waits on a store still in flight; only the first two blocks wait here).
        while e < h + 128 && e + 16 <= n {
            c = encrypt1::<NR>(rk, _mm_xor_si128(load_at(msg, e), c));
            store_at(msg, e, c);
            e += 16;
        }
        let q = quads(msg, h);
        // Four blocks ahead (independent of this block's rounds: the two chains overlap).
        for _ in 0..4 {
            if e + 16 <= n {
                c = encrypt1::<NR>(rk, _mm_xor_si128(load_at(msg, e), c));
                store_at(msg, e, c);
                e += 16;
            }
        }
        st.block_tf(q);
        h += 64;
    }
    while e + 16 <= n {
        c = encrypt1::<NR>(rk, _mm_xor_si128(load_at(msg, e), c));
        store_at(msg, e, c);
        e += 16;
    }
    st.to_words(state);
    h
}

/// Open: compresses every whole 64-byte block of `msg` (ciphertext) into `state`, copies the
/// rest (`msg[hashed..]`, less than 64 bytes, still ciphertext) into `tail`, and decrypts the
/// body in place. Returns `(hashed, tail length)`.
pub(crate) fn open(
    cpu: ShaNi,
    dec: &Schedule,
    state: &mut [u32; 8],
    msg: &mut [u8],
    body_at: usize,
    tail: &mut [u8; 64],
) -> (usize, usize) {
    let _ = cpu;
    match dec.rounds() {
        // SAFETY: `ShaNi` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3, SSE4.1 and SHA.
        10 => unsafe { open_nr::<10>(&dec.rk, state, msg, body_at, tail) },
        // SAFETY: as above.
        12 => unsafe { open_nr::<12>(&dec.rk, state, msg, body_at, tail) },
        // SAFETY: as above.
        _ => unsafe { open_nr::<14>(&dec.rk, state, msg, body_at, tail) },
    }
}

/// Decrypts the whole blocks of `msg` from `*d` up to `end`, four at a time where it can;
/// `prev` is the ciphertext block before `*d`.
#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1,sha")]
fn decrypt_upto<const NR: usize>(
    dk: &[__m128i; 15],
    msg: &mut [u8],
    d: &mut usize,
    prev: &mut __m128i,
    end: usize,
) {
    while *d + 64 <= end {
        let at = *d;
        let c = [
            load_at(msg, at),
            load_at(msg, at + 16),
            load_at(msg, at + 32),
            load_at(msg, at + 48),
        ];
        let mut p = c;
        decrypt_n::<NR, 4>(dk, &mut p);
        store_at(msg, at, _mm_xor_si128(p[0], *prev));
        store_at(msg, at + 16, _mm_xor_si128(p[1], c[0]));
        store_at(msg, at + 32, _mm_xor_si128(p[2], c[1]));
        store_at(msg, at + 48, _mm_xor_si128(p[3], c[2]));
        *prev = c[3];
        *d = at + 64;
    }
    while *d + 16 <= end {
        let at = *d;
        let c = load_at(msg, at);
        let mut p = [c];
        decrypt_n::<NR, 1>(dk, &mut p);
        store_at(msg, at, _mm_xor_si128(p[0], *prev));
        *prev = c;
        *d = at + 16;
    }
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1,sha")]
fn open_nr<const NR: usize>(
    dk: &[__m128i; 15],
    state: &mut [u32; 8],
    msg: &mut [u8],
    body_at: usize,
    tail: &mut [u8; 64],
) -> (usize, usize) {
    let n = msg.len();
    let mut prev = load_at(msg, body_at.wrapping_sub(16));
    let mut d = body_at;
    let mut st = State::from_words(state);
    let mut h = 0;
    while h + 64 <= n {
        // Loaded before the decryption below may overwrite any of these bytes.
        let q = quads(msg, h);
        decrypt_upto::<NR>(dk, msg, &mut d, &mut prev, h + 64);
        st.block_tf(q);
        h += 64;
    }
    let rest = msg.get(h..).unwrap_or(&[]);
    let t = rest.len().min(64);
    if let (Some(dst), Some(src)) = (tail.get_mut(..t), rest.get(..t)) {
        dst.copy_from_slice(src);
    }
    decrypt_upto::<NR>(dk, msg, &mut d, &mut prev, n);
    st.to_words(state);
    (h, t)
}
