//! GHASH as a stream, for MACs whose input comes in pieces (AH's ICV over an IP packet with
//! its mutable fields zeroed, ESP GMAC over header, IV and body): update with any pieces,
//! close a section with zero padding, finish into a GCM tag under the key's nonce.

use ghash::universal_hash::UniversalHash;
use ghash::GHash;
use zeroize::Zeroize;

use crate::gcm::{AesGcm, Imp};

/// A GHASH in progress under one [`AesGcm`] key's H (it keeps its own copy of what it needs,
/// zeroized on drop). Made by [`AesGcm::ghash`], closed by [`AesGcm::ghash_finish`].
#[derive(Debug)]
pub struct GhashStream {
    state: State,
    buf: [u8; 16],
    used: usize,
}

#[derive(Debug)]
enum State {
    #[cfg(target_arch = "x86_64")]
    Xmm(crate::x86::gcm::Stream),
    Portable(GHash),
}

impl Drop for GhashStream {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

impl AesGcm {
    /// Starts a GHASH stream under this key's H.
    pub fn ghash(&self) -> GhashStream {
        let state = match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => State::Xmm(k.stream()),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmWide(k) => State::Xmm(k.key.stream()),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmGmac(k, _) => State::Xmm(k.stream()),
            Imp::Portable(k) => State::Portable(k.stream()),
        };
        GhashStream {
            state,
            buf: [0u8; 16],
            used: 0,
        }
    }

    /// Pads the last section, absorbs the length block (`aad_len` and `ct_len` in bytes) and
    /// returns the full GCM tag for `nonce`: GHASH (under the H the stream was started with)
    /// masked with this key's E_K(J0).
    pub fn ghash_finish(
        &self,
        g: GhashStream,
        nonce: &[u8; 12],
        aad_len: u64,
        ct_len: u64,
    ) -> [u8; 16] {
        let mut s = g.close(aad_len, ct_len);
        let mut e = match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => k.ej0(nonce),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmWide(k) => k.key.ej0(nonce),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmGmac(k, len) => k.ej0(*len, nonce),
            Imp::Portable(k) => k.ej0(nonce),
        };
        for (t, m) in s.iter_mut().zip(e.iter()) {
            *t ^= *m;
        }
        e.zeroize();
        s
    }
}

impl GhashStream {
    fn absorb_blocks(&mut self, blocks: &[u8]) {
        match &mut self.state {
            #[cfg(target_arch = "x86_64")]
            State::Xmm(s) => crate::x86::gcm::GcmKey::absorb_stream(s, blocks),
            State::Portable(g) => g.update_padded(blocks),
        }
    }

    /// Appends `data` to the current section.
    pub fn update(&mut self, mut data: &[u8]) {
        if self.used > 0 {
            let take = (16 - self.used).min(data.len());
            self.buf[self.used..self.used + take].copy_from_slice(&data[..take]);
            self.used += take;
            data = &data[take..];
            if self.used < 16 {
                return;
            }
            let b = self.buf;
            self.absorb_blocks(&b);
            self.used = 0;
        }
        let whole = data.len() / 16 * 16;
        if whole > 0 {
            self.absorb_blocks(&data[..whole]);
        }
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.used = rest.len();
    }

    /// Pads, absorbs the length block and returns GHASH (wire byte order).
    fn close(mut self, aad_len: u64, ct_len: u64) -> [u8; 16] {
        self.pad();
        match &mut self.state {
            #[cfg(target_arch = "x86_64")]
            State::Xmm(s) => crate::x86::gcm::GcmKey::close_stream(s, aad_len, ct_len),
            State::Portable(g) => {
                let mut len = [0u8; 16];
                len[..8].copy_from_slice(&aad_len.wrapping_mul(8).to_be_bytes());
                len[8..].copy_from_slice(&ct_len.wrapping_mul(8).to_be_bytes());
                g.update(&[len.into()]);
                let mut out = [0u8; 16];
                out.copy_from_slice(&g.clone().finalize());
                out
            }
        }
    }

    /// Closes the current section with zero padding to a whole block.
    pub fn pad(&mut self) {
        if self.used > 0 {
            self.buf[self.used..].fill(0);
            let b = self.buf;
            self.absorb_blocks(&b);
            self.used = 0;
        }
    }
}
