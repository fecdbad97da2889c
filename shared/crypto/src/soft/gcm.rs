//! AES-GCM from the `aes` and `ghash` crates (CTR by 8 blocks, GHASH by the crate).

use aes::Block;
use ghash::universal_hash::{KeyInit, UniversalHash};
use ghash::GHash;
use zeroize::Zeroize;

use super::aes::SoftAes;

/// A portable GCM key.
pub(crate) struct SoftGcm {
    aes: SoftAes,
    ghash: GHash,
}

impl core::fmt::Debug for SoftGcm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SoftGcm")
            .field("aes", &self.aes)
            .finish_non_exhaustive()
    }
}

impl SoftGcm {
    /// Never inlined (see `SoftAes::new`).
    #[inline(never)]
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        let aes = SoftAes::new(key)?;
        let mut h = [0u8; 16];
        aes.encrypt(&mut h);
        let ghash = GHash::new(&h.into());
        h.zeroize();
        Some(Self { aes, ghash })
    }

    /// CTR from counter `first` over `data`.
    fn ctr(&self, nonce: &[u8; 12], first: u32, data: &mut [u8]) {
        let mut ctr = first;
        let mut ks = [Block::default(); 8];
        for g in data.chunks_mut(128) {
            for b in ks.iter_mut() {
                b[..12].copy_from_slice(nonce);
                b[12..].copy_from_slice(&ctr.to_be_bytes());
                ctr = ctr.wrapping_add(1);
            }
            self.aes.encrypt_blocks(&mut ks);
            for (d, s) in g.iter_mut().zip(ks.iter().flat_map(|b| b.iter())) {
                *d ^= *s;
            }
        }
        for b in ks.iter_mut() {
            b.zeroize();
        }
    }

    fn tag(&self, nonce: &[u8; 12], aad: &[u8], ct: &[u8]) -> [u8; 16] {
        let mut g = self.ghash.clone();
        g.update_padded(aad);
        g.update_padded(ct);
        let mut len = [0u8; 16];
        len[..8].copy_from_slice(&(aad.len() as u64).wrapping_mul(8).to_be_bytes());
        len[8..].copy_from_slice(&(ct.len() as u64).wrapping_mul(8).to_be_bytes());
        self.finish(g, nonce, len)
    }

    /// A GHASH stream under this key's H.
    pub(crate) fn stream(&self) -> GHash {
        self.ghash.clone()
    }

    /// E_K(J0) for `nonce`: the mask of the tag.
    pub(crate) fn ej0(&self, nonce: &[u8; 12]) -> [u8; 16] {
        let mut j0 = [0u8; 16];
        j0[..12].copy_from_slice(nonce);
        j0[15] = 1;
        self.aes.encrypt(&mut j0);
        j0
    }

    /// Absorbs the length block, finalizes and masks with E_K(J0).
    fn finish(&self, mut g: GHash, nonce: &[u8; 12], len: [u8; 16]) -> [u8; 16] {
        g.update(&[len.into()]);
        let s = g.finalize();
        let mut tag = [0u8; 16];
        tag[..12].copy_from_slice(nonce);
        tag[15] = 1;
        self.aes.encrypt(&mut tag);
        for (t, x) in tag.iter_mut().zip(s.iter()) {
            *t ^= *x;
        }
        tag
    }

    /// GMAC: the tag over `head` then `body` as AAD, no data.
    pub(crate) fn gmac(&self, nonce: &[u8; 12], head: &[u8], body: &[u8]) -> [u8; 16] {
        let total = head.len() + body.len();
        let mut g = self.ghash.clone();
        let whole = head.len() / 16 * 16;
        g.update_padded(&head[..whole]);
        let rest = &head[whole..];
        let mut body = body;
        if !rest.is_empty() {
            let take = (16 - rest.len()).min(body.len());
            let mut blk = [0u8; 16];
            blk[..rest.len()].copy_from_slice(rest);
            blk[rest.len()..rest.len() + take].copy_from_slice(&body[..take]);
            g.update(&[blk.into()]);
            body = &body[take..];
        }
        g.update_padded(body);
        let mut len = [0u8; 16];
        len[..8].copy_from_slice(&(total as u64).wrapping_mul(8).to_be_bytes());
        self.finish(g, nonce, len)
    }

    pub(crate) fn seal(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        self.ctr(nonce, 2, data);
        self.tag(nonce, aad, data)
    }

    /// The tag over the ciphertext; decrypts only when `accept` says the tag is right.
    pub(crate) fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        accept: impl FnOnce(&[u8; 16]) -> bool,
    ) -> bool {
        let mut tag = self.tag(nonce, aad, data);
        let ok = accept(&tag);
        tag.zeroize();
        if ok {
            self.ctr(nonce, 2, data);
        }
        ok
    }
}
