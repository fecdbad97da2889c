//! HMAC-SHA1 and HMAC-SHA-256 (RFC 2104; RFC 2404 / 4868 for ESP and AH) with the inner and
//! outer chaining states computed once per key.
//!
//! Per packet: copy the inner state, compress the message (straight from the caller's slices
//! when they hold whole blocks), then one outer compression. SHA-256 runs on the crate's own
//! SHA-NI code (`x86::sha256`) when the key was built on a CPU that has it ([`HashTier`],
//! chosen once per key), else on `sha2::compress256`; SHA-1 on `sha1::compress` (which picks
//! SHA-NI itself where present).

use sha2::digest::generic_array::GenericArray;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::cpu::{Features, Implementation};
use crate::error::TagMismatch;

/// Which compression code a key runs, chosen once when it is built: the crate's SHA-NI code
/// (SHA-256) or the RustCrypto functions.
#[derive(Debug, Clone, Copy)]
pub struct HashTier {
    #[cfg(target_arch = "x86_64")]
    sha_ni: Option<crate::x86::cpuid::ShaNi>,
}

impl HashTier {
    /// The tier for `features` on this CPU (SHA-NI only when both offer it).
    #[must_use]
    pub fn new(features: &Features) -> Self {
        let _ = features;
        Self {
            #[cfg(target_arch = "x86_64")]
            sha_ni: crate::x86::cpuid::ShaNi::detect(features),
        }
    }

    /// `Xmm` when the crate's SHA-NI code runs, `Portable` for RustCrypto's compression.
    #[must_use]
    pub fn implementation(&self) -> Implementation {
        #[cfg(target_arch = "x86_64")]
        if self.sha_ni.is_some() {
            return Implementation::Xmm;
        }
        Implementation::Portable
    }

    #[cfg(target_arch = "x86_64")]
    pub(crate) fn sha_ni(&self) -> Option<crate::x86::cpuid::ShaNi> {
        self.sha_ni
    }
}

const BLOCK: usize = 64;

/// A hash function HMAC is built on (sealed: SHA-1 and SHA-256).
pub trait HashFn: sealed::Sealed {
    /// The chaining state.
    type State: Copy + Zeroize + core::fmt::Debug;
    /// The digest.
    type Output: AsRef<[u8]> + AsMut<[u8]> + Default + Copy + Zeroize + core::fmt::Debug;
    /// The initial state.
    const IV: Self::State;
    /// Compresses the whole 64-byte blocks of `blocks` (a partial tail is ignored).
    fn compress(tier: HashTier, state: &mut Self::State, blocks: &[u8]);
    /// The digest of a final state (big-endian words).
    fn output(state: &Self::State) -> Self::Output;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Sha1 {}
    impl Sealed for super::Sha256 {}
}

/// SHA-1.
#[derive(Debug, Clone, Copy)]
pub struct Sha1;

/// SHA-256.
#[derive(Debug, Clone, Copy)]
pub struct Sha256;

impl HashFn for Sha1 {
    type State = [u32; 5];
    type Output = [u8; 20];
    const IV: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];

    fn compress(_tier: HashTier, state: &mut [u32; 5], blocks: &[u8]) {
        for b in blocks.chunks_exact(BLOCK) {
            sha1::compress(state, core::slice::from_ref(GenericArray::from_slice(b)));
        }
    }

    fn output(state: &[u32; 5]) -> [u8; 20] {
        let mut o = [0u8; 20];
        for (d, w) in o.chunks_exact_mut(4).zip(state.iter()) {
            d.copy_from_slice(&w.to_be_bytes());
        }
        o
    }
}

impl HashFn for Sha256 {
    type State = [u32; 8];
    type Output = [u8; 32];
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];

    fn compress(tier: HashTier, state: &mut [u32; 8], blocks: &[u8]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = tier.sha_ni() {
            crate::x86::sha256::compress(cpu, state, blocks);
            return;
        }
        let _ = tier;
        for b in blocks.chunks_exact(BLOCK) {
            sha2::compress256(state, core::slice::from_ref(GenericArray::from_slice(b)));
        }
    }

    fn output(state: &[u32; 8]) -> [u8; 32] {
        let mut o = [0u8; 32];
        for (d, w) in o.chunks_exact_mut(4).zip(state.iter()) {
            d.copy_from_slice(&w.to_be_bytes());
        }
        o
    }
}

/// An HMAC key: the states after compressing `K ^ ipad` and `K ^ opad` (zeroized on drop;
/// `Debug` shows no key material).
pub struct Hmac<H: HashFn> {
    inner: H::State,
    outer: H::State,
    tier: HashTier,
}

/// HMAC-SHA1 (20 bytes of state, 44 per key with the tier).
pub type HmacSha1 = Hmac<Sha1>;
/// HMAC-SHA-256 (32 bytes of state, 68 per key with the tier).
pub type HmacSha256 = Hmac<Sha256>;

impl<H: HashFn> core::fmt::Debug for Hmac<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hmac").finish_non_exhaustive()
    }
}

impl<H: HashFn> core::fmt::Debug for StreamCore<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamCore")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<H: HashFn> Drop for Hmac<H> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// A message being authenticated: [`Hmac::start`], [`MacStream::update`] for each part,
/// then [`MacStream::finish`] or [`MacStream::verify`].
pub struct MacStream<'k, H: HashFn> {
    key: &'k Hmac<H>,
    inner: StreamCore<H>,
}

impl<H: HashFn> Hmac<H> {
    /// Prepares `key` (any length; longer than a block: hashed first, RFC 2104) for this CPU.
    pub fn new(key: &[u8]) -> Self {
        Self::with_features(key, Features::detect())
    }

    /// Prepares `key` with the given features ([`Features::NONE`]: RustCrypto's compression).
    pub fn with_features(key: &[u8], features: Features) -> Self {
        let tier = HashTier::new(&features);
        let mut k = [0u8; BLOCK];
        if key.len() > BLOCK {
            let mut s = Self::digest_of(tier, key);
            k[..s.as_ref().len()].copy_from_slice(s.as_ref());
            s.zeroize();
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let mut pad = [0u8; BLOCK];
        for (p, x) in pad.iter_mut().zip(k.iter()) {
            *p = x ^ 0x36;
        }
        let mut inner = H::IV;
        H::compress(tier, &mut inner, &pad);
        for (p, x) in pad.iter_mut().zip(k.iter()) {
            *p = x ^ 0x5c;
        }
        let mut outer = H::IV;
        H::compress(tier, &mut outer, &pad);
        pad.zeroize();
        k.zeroize();
        Self { inner, outer, tier }
    }

    /// The compression code this key runs.
    pub fn tier(&self) -> HashTier {
        self.tier
    }

    /// The plain hash of `data` (for keys longer than a block).
    fn digest_of(tier: HashTier, data: &[u8]) -> H::Output {
        let mut s = StreamCore::<H>::new(tier, H::IV, 0);
        s.absorb(data);
        s.finish()
    }

    /// Starts a message.
    pub fn start(&self) -> MacStream<'_, H> {
        MacStream {
            key: self,
            inner: StreamCore::new(self.tier, self.inner, BLOCK as u64),
        }
    }

    /// The keyed inner state (for the stitched cipher + hash code, which compresses the
    /// message's whole blocks itself).
    pub(crate) fn inner_state(&self) -> H::State {
        self.inner
    }

    /// A message whose first `hashed` bytes (whole blocks) were compressed into `state`,
    /// starting from [`Self::inner_state`].
    pub(crate) fn resume(&self, state: H::State, hashed: u64) -> MacStream<'_, H> {
        MacStream {
            key: self,
            inner: StreamCore::new(self.tier, state, (BLOCK as u64).wrapping_add(hashed)),
        }
    }

    /// The full MAC of the concatenation of `parts`.
    pub fn mac(&self, parts: &[&[u8]]) -> H::Output {
        let mut s = self.start();
        for p in parts {
            s.update(p);
        }
        s.finish()
    }

    /// Checks a (possibly truncated, 1..=full length) ICV over `parts`, in constant time.
    pub fn verify(&self, parts: &[&[u8]], icv: &[u8]) -> Result<(), TagMismatch> {
        let mut s = self.start();
        for p in parts {
            s.update(p);
        }
        s.verify(icv)
    }
}

/// A Merkle–Damgård stream: the keyed streams' and the plain hash of long keys (state, the
/// partial block, the byte count). Zeroized on drop.
struct StreamCore<H: HashFn> {
    tier: HashTier,
    state: H::State,
    buf: [u8; BLOCK],
    used: usize,
    total: u64,
}

impl<H: HashFn> StreamCore<H> {
    fn new(tier: HashTier, state: H::State, total: u64) -> Self {
        Self {
            tier,
            state,
            buf: [0u8; BLOCK],
            used: 0,
            total,
        }
    }

    fn absorb(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.used > 0 {
            let take = (BLOCK - self.used).min(data.len());
            self.buf[self.used..self.used + take].copy_from_slice(&data[..take]);
            self.used += take;
            data = &data[take..];
            if self.used < BLOCK {
                return;
            }
            H::compress(self.tier, &mut self.state, &self.buf);
            self.used = 0;
        }
        let whole = data.len() / BLOCK * BLOCK;
        let (blocks, rest) = data.split_at(whole);
        H::compress(self.tier, &mut self.state, blocks);
        self.buf[..rest.len()].copy_from_slice(rest);
        self.used = rest.len();
    }

    /// Pads (0x80, zeros, the bit length) and returns the digest.
    fn finish(mut self) -> H::Output {
        let bits = self.total.wrapping_mul(8);
        self.buf[self.used] = 0x80;
        self.buf[self.used + 1..].fill(0);
        if self.used + 1 > BLOCK - 8 {
            H::compress(self.tier, &mut self.state, &self.buf);
            self.buf.fill(0);
        }
        self.buf[BLOCK - 8..].copy_from_slice(&bits.to_be_bytes());
        H::compress(self.tier, &mut self.state, &self.buf);
        H::output(&self.state)
    }
}

impl<H: HashFn> Drop for StreamCore<H> {
    fn drop(&mut self) {
        self.state.zeroize();
        self.buf.zeroize();
    }
}

impl<H: HashFn> core::fmt::Debug for MacStream<'_, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MacStream").finish_non_exhaustive()
    }
}

impl<H: HashFn> MacStream<'_, H> {
    /// Appends `data` to the message.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.absorb(data);
    }

    /// The full MAC.
    pub fn finish(self) -> H::Output {
        let key = self.key;
        let mut inner = self.inner.finish();
        let mut s = StreamCore::<H>::new(key.tier, key.outer, BLOCK as u64);
        s.absorb(inner.as_ref());
        let out = s.finish();
        inner.zeroize();
        out
    }

    /// Compares the first `icv.len()` bytes of the MAC with `icv` in constant time (an empty
    /// or over-long ICV never matches).
    pub fn verify(self, icv: &[u8]) -> Result<(), TagMismatch> {
        let mut mac = self.finish();
        let full = mac.as_ref();
        let ok = !icv.is_empty()
            && icv.len() <= full.len()
            && bool::from(full[..icv.len().min(full.len())].ct_eq(icv));
        mac.zeroize();
        if ok {
            Ok(())
        } else {
            Err(TagMismatch)
        }
    }
}
