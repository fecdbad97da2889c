//! Shared by the differential tests: a deterministic generator, the lengths and offsets
//! swept, and the RustCrypto references.
#![allow(dead_code, clippy::unwrap_used)]

use aes_gcm::aead::generic_array::typenum::U12;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{AesGcm, KeyInit};
use ipsecov2_crypto::{ExtendedStateSection, Features, UserModeState, Wide};

/// xorshift64*: reproducible bytes without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        for b in &mut a {
            *b = self.next() as u8;
        }
        a
    }
}

/// Every length 0..=600, then a sampled set up to 4,200 (block edges and a few primes).
pub fn lengths() -> Vec<usize> {
    let mut v: Vec<usize> = (0..=600).collect();
    for l in [
        607, 639, 640, 641, 767, 768, 769, 1000, 1023, 1024, 1025, 1279, 1280, 1281, 1399, 1400,
        1401, 1500, 2047, 2048, 2049, 2559, 2560, 2561, 3001, 3583, 3584, 3585, 4095, 4096, 4097,
        4111, 4175, 4176, 4177, 4199, 4200,
    ] {
        v.push(l);
    }
    v
}

/// Byte offsets of the data inside its buffer (alignment of the loads and stores).
pub const OFFSETS: [usize; 4] = [0, 1, 7, 13];

/// Both implementations this CPU can run: the XMM tier (when present) and the portable one.
pub fn tiers() -> Vec<Features> {
    let mut v = vec![Features::NONE];
    if Features::detect().xmm_tier() {
        v.push(Features::detect());
    }
    v
}

/// The AES-GCM tiers this CPU can run: portable, XMM, and wide (the XMM key used inside an
/// [`ExtendedStateSection`]) when the CPU has VAES, VPCLMULQDQ and AVX2.
#[derive(Debug, Clone, Copy)]
pub struct Tier {
    pub features: Features,
    pub wide: bool,
}

pub fn gcm_tiers() -> Vec<Tier> {
    let mut v: Vec<Tier> = tiers()
        .into_iter()
        .map(|features| Tier {
            features,
            wide: false,
        })
        .collect();
    if Features::detect().wide_tier() {
        v.push(Tier {
            features: Features::detect(),
            wide: true,
        });
        // A key made without the wide tier (what a CPU without it gets: no H^9..H^16), alone
        // and given the wide proof, which it ignores (the XMM tier, the same bytes).
        for wide in [false, true] {
            v.push(Tier {
                features: Features::detect().xmm_only(),
                wide,
            });
        }
    }
    v
}

/// Runs `f` with the wide proof (inside a section) on the wide tier, with `None` otherwise.
pub fn with_tier<R>(tier: Tier, f: impl FnOnce(Option<Wide<'_>>) -> R) -> R {
    if tier.wide {
        let section = ExtendedStateSection::open(&UserModeState).unwrap();
        f(Some(section.wide()))
    } else {
        f(None)
    }
}

type Aes192Gcm = AesGcm<aes::Aes192, U12>;

/// RustCrypto aes-gcm: encrypts `data` in place, returns the 16-byte tag.
pub fn ref_seal(key: &[u8], nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
    let n = nonce.into();
    let t = match key.len() {
        16 => aes_gcm::Aes128Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(n, aad, data),
        24 => Aes192Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(n, aad, data),
        _ => aes_gcm::Aes256Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(n, aad, data),
    }
    .unwrap();
    t.into()
}

pub mod differential;
