//! HMAC (RFC 2104) over MD5, SHA-1 and SHA-256 with pre-keyed inner/outer
//! chaining states (SHA-1 and SHA-256 from the crypto core, MD5 here).
//!
//! The keyed states are computed once at SA setup; per packet the engine
//! copies the 32-byte (at most) inner state and streams the message — no
//! re-keying. The engine owns the raw chaining state (instead of using the
//! `hmac` crate, whose digest 0.10 wrappers cannot be zeroized), so every
//! key-dependent byte is wiped on drop: the SA's states by [`Drop`], the
//! per-packet copies and block buffers when the stream finishes or is dropped.

use ipsecov2_crypto::hmac::{Sha1, Sha256};
use ipsecov2_crypto::{HmacSha1, HmacSha256, MacStream};
use sha2::digest::generic_array::GenericArray;
use zeroize::Zeroize;

/// Hash function underlying an HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// MD5 (16-byte output).
    Md5,
    /// SHA-1 (20-byte output).
    Sha1,
    /// SHA-256 (32-byte output).
    Sha256,
}

impl HashAlg {
    /// Full digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }
}

const BLOCK: usize = 64;

/// Chaining state: all three hashes fit in eight 32-bit words.
#[derive(Clone, Copy)]
struct State {
    alg: HashAlg,
    h: [u32; 8],
}

impl State {
    fn new(alg: HashAlg) -> Self {
        let mut h = [0u32; 8];
        match alg {
            HashAlg::Md5 => h[..4].copy_from_slice(&crate::md5::IV),
            HashAlg::Sha1 => h[..5].copy_from_slice(&[
                0x6745_2301,
                0xEFCD_AB89,
                0x98BA_DCFE,
                0x1032_5476,
                0xC3D2_E1F0,
            ]),
            HashAlg::Sha256 => {
                h = [
                    0x6a09_e667,
                    0xbb67_ae85,
                    0x3c6e_f372,
                    0xa54f_f53a,
                    0x510e_527f,
                    0x9b05_688c,
                    0x1f83_d9ab,
                    0x5be0_cd19,
                ]
            }
        }
        Self { alg, h }
    }

    fn compress(&mut self, block: &[u8; BLOCK]) {
        match self.alg {
            HashAlg::Md5 => {
                let mut s = [self.h[0], self.h[1], self.h[2], self.h[3]];
                crate::md5::compress(&mut s, block);
                self.h[..4].copy_from_slice(&s);
                s.zeroize();
            }
            HashAlg::Sha1 => {
                let mut s = [self.h[0], self.h[1], self.h[2], self.h[3], self.h[4]];
                sha1::compress(
                    &mut s,
                    core::slice::from_ref(GenericArray::from_slice(block)),
                );
                self.h[..5].copy_from_slice(&s);
                s.zeroize();
            }
            HashAlg::Sha256 => {
                sha2::compress256(
                    &mut self.h,
                    core::slice::from_ref(GenericArray::from_slice(block)),
                );
            }
        }
    }

    /// Serialize the digest into `out` (at most the digest length is written).
    fn write(&self, out: &mut [u8]) {
        let n = self.alg.output_len() / 4;
        for (word, chunk) in self.h.iter().take(n).zip(out.chunks_mut(4)) {
            let bytes = match self.alg {
                HashAlg::Md5 => word.to_le_bytes(),
                _ => word.to_be_bytes(),
            };
            for (o, b) in chunk.iter_mut().zip(bytes.iter()) {
                *o = *b;
            }
        }
    }
}

/// Streaming Merkle–Damgård hash over a chaining [`State`].
struct Stream {
    state: State,
    buf: [u8; BLOCK],
    buf_len: usize,
    total: u64,
}

impl Stream {
    fn from_state(state: State, already: u64) -> Self {
        Self {
            state,
            buf: [0; BLOCK],
            buf_len: 0,
            total: already,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let take = (BLOCK - self.buf_len).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = self.buf.get_mut(self.buf_len..self.buf_len + take) {
                dst.copy_from_slice(head);
            }
            self.buf_len += take;
            data = rest;
            if self.buf_len == BLOCK {
                let block = self.buf;
                self.state.compress(&block);
                self.buf_len = 0;
            }
        }
        let mut chunks = data.chunks_exact(BLOCK);
        for c in &mut chunks {
            if let Ok(block) = <&[u8; BLOCK]>::try_from(c) {
                self.state.compress(block);
            }
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            if let Some(dst) = self.buf.get_mut(..tail.len()) {
                dst.copy_from_slice(tail);
            }
            self.buf_len = tail.len();
        }
    }

    fn finish(mut self, out: &mut [u8; 32]) {
        let bits = self.total.wrapping_mul(8);
        let len_bytes = match self.state.alg {
            HashAlg::Md5 => bits.to_le_bytes(),
            _ => bits.to_be_bytes(),
        };
        let pad_len = if self.buf_len < 56 {
            56 - self.buf_len
        } else {
            120 - self.buf_len
        };
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        // `update` would count the padding into `total`; it is already latched in `bits`.
        if let Some(p) = pad.get(..pad_len) {
            self.update(p);
        }
        self.update(&len_bytes);
        out.fill(0);
        self.state.write(out);
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.state.h.zeroize();
        self.buf.zeroize();
    }
}

/// A pre-keyed HMAC: inner and outer chaining states after absorbing
/// `K ^ ipad` and `K ^ opad`. Zeroized on drop. HMAC-SHA1 and HMAC-SHA-256 are the crypto
/// core's (`ipsecov2_crypto::hmac`, SHA-NI where present); HMAC-MD5 (which the core does not
/// have) is kept here.
pub struct HmacKey(Keyed);

enum Keyed {
    Md5 { inner: State, outer: State },
    Sha1(HmacSha1),
    Sha256(HmacSha256),
}

impl core::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HmacKey")
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

impl HmacKey {
    /// Prepare an HMAC key of any length (keys longer than 64 bytes are
    /// hashed first, RFC 2104 §2).
    pub fn new(alg: HashAlg, key: &[u8]) -> Self {
        match alg {
            HashAlg::Sha1 => Self(Keyed::Sha1(HmacSha1::new(key))),
            HashAlg::Sha256 => Self(Keyed::Sha256(HmacSha256::new(key))),
            HashAlg::Md5 => {
                let (inner, outer) = md5_keyed(key);
                Self(Keyed::Md5 { inner, outer })
            }
        }
    }

    /// The crypto core's HMAC-SHA-256 key, for an HMAC-SHA-256 key.
    pub(crate) fn sha256(&self) -> Option<&HmacSha256> {
        match &self.0 {
            Keyed::Sha256(k) => Some(k),
            _ => None,
        }
    }

    /// Hash algorithm.
    pub fn alg(&self) -> HashAlg {
        match self.0 {
            Keyed::Md5 { .. } => HashAlg::Md5,
            Keyed::Sha1(_) => HashAlg::Sha1,
            Keyed::Sha256(_) => HashAlg::Sha256,
        }
    }

    /// Start a per-packet MAC computation (copies the keyed inner state).
    pub fn start(&self) -> HmacStream<'_> {
        HmacStream(match &self.0 {
            Keyed::Md5 { inner, outer } => Streaming::Md5 {
                outer,
                inner: Stream::from_state(*inner, BLOCK as u64),
            },
            Keyed::Sha1(k) => Streaming::Sha1(k.start()),
            Keyed::Sha256(k) => Streaming::Sha256(k.start()),
        })
    }

    /// One-shot MAC, full-length output written into `out` (truncated to `out.len()`).
    pub fn mac(&self, data: &[u8], out: &mut [u8]) {
        let mut s = self.start();
        s.update(data);
        s.finish(out);
    }
}

/// HMAC-MD5's keyed inner and outer states.
fn md5_keyed(key: &[u8]) -> (State, State) {
    let alg = HashAlg::Md5;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        let mut s = Stream::from_state(State::new(alg), 0);
        s.update(key);
        let mut d = [0u8; 32];
        s.finish(&mut d);
        let n = alg.output_len();
        k[..n].copy_from_slice(&d[..n]);
        d.zeroize();
    } else if let Some(dst) = k.get_mut(..key.len()) {
        dst.copy_from_slice(key);
    }
    let mut pad = [0u8; BLOCK];
    for (p, b) in pad.iter_mut().zip(k.iter()) {
        *p = b ^ 0x36;
    }
    let mut inner = State::new(alg);
    inner.compress(&pad);
    for (p, b) in pad.iter_mut().zip(k.iter()) {
        *p = b ^ 0x5c;
    }
    let mut outer = State::new(alg);
    outer.compress(&pad);
    pad.zeroize();
    k.zeroize();
    (inner, outer)
}

impl Drop for HmacKey {
    fn drop(&mut self) {
        if let Keyed::Md5 { inner, outer } = &mut self.0 {
            inner.h.zeroize();
            outer.h.zeroize();
        }
    }
}

/// An in-progress HMAC computation.
pub struct HmacStream<'k>(Streaming<'k>);

enum Streaming<'k> {
    Md5 { outer: &'k State, inner: Stream },
    Sha1(MacStream<'k, Sha1>),
    Sha256(MacStream<'k, Sha256>),
}

impl core::fmt::Debug for HmacStream<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HmacStream").finish_non_exhaustive()
    }
}

impl HmacStream<'_> {
    /// Absorb message bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            Streaming::Md5 { inner, .. } => inner.update(data),
            Streaming::Sha1(s) => s.update(data),
            Streaming::Sha256(s) => s.update(data),
        }
    }

    /// Finish and write the first `out.len()` bytes of the MAC (at most the
    /// digest length; RFC 2104 §5 truncation keeps the leftmost bytes).
    pub fn finish(self, out: &mut [u8]) {
        let mut d = [0u8; 32];
        let n = match self.0 {
            Streaming::Md5 { outer, inner } => {
                let n = HashAlg::Md5.output_len();
                inner.finish(&mut d);
                let mut o = Stream::from_state(*outer, BLOCK as u64);
                o.update(d.get(..n).unwrap_or(&[]));
                o.finish(&mut d);
                n
            }
            Streaming::Sha1(s) => {
                let mut m = s.finish();
                d[..20].copy_from_slice(&m);
                m.zeroize();
                20
            }
            Streaming::Sha256(s) => {
                let mut m = s.finish();
                d.copy_from_slice(&m);
                m.zeroize();
                32
            }
        };
        for (dst, src) in out.iter_mut().zip(d.iter().take(n)) {
            *dst = *src;
        }
        d.zeroize();
    }
}
