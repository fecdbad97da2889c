//! Keyed hashing.
//!
//! - [`MixKey::hash`]: the inbound-index hash, a keyed folded-multiply mixing function over the
//!   key's three words (the construction of foldhash and of ahash's fallback): three 64×64→128
//!   multiplications, about 2 ns, where SipHash-1-3 costs about 11 ns and, being a long
//!   dependency chain, also limits how many lookups a processor overlaps. Its four 64-bit keys
//!   are derived from the table's secret, so bucket positions are unpredictable without it.
//! - SipHash-1-3 (the PRF `std`'s `HashMap` uses) over whole 64-bit words: used off the hot path,
//!   to derive the mixing keys and each slot's initial generation.

/// A 128-bit SipHash key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SipKey {
    pub(crate) k0: u64,
    pub(crate) k1: u64,
}

#[inline(always)]
fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13);
    v[1] ^= v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16);
    v[3] ^= v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21);
    v[3] ^= v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17);
    v[1] ^= v[2];
    v[2] = v[2].rotate_left(32);
}

/// SipHash-C-D of the message made of `words` (each encoded little-endian, 8 bytes).
#[inline(always)]
fn siphash<const C: usize, const D: usize>(key: SipKey, words: &[u64]) -> u64 {
    let mut v = [
        key.k0 ^ 0x736f_6d65_7073_6575,
        key.k1 ^ 0x646f_7261_6e64_6f6d,
        key.k0 ^ 0x6c79_6765_6e65_7261,
        key.k1 ^ 0x7465_6462_7974_6573,
    ];
    for &m in words {
        v[3] ^= m;
        for _ in 0..C {
            sip_round(&mut v);
        }
        v[0] ^= m;
    }
    // Final block: no tail bytes, message length (mod 256) in the top byte.
    let b = (words.len() as u64).wrapping_mul(8) << 56;
    v[3] ^= b;
    for _ in 0..C {
        sip_round(&mut v);
    }
    v[0] ^= b;
    v[2] ^= 0xff;
    for _ in 0..D {
        sip_round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// SipHash-1-3 (the variant `std`'s hash maps use) of whole words.
#[inline]
pub(crate) fn sip13(key: SipKey, words: &[u64]) -> u64 {
    siphash::<1, 3>(key, words)
}

/// `a × b` as a 128-bit product, folded to 64 bits by XOR of its halves.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Odd 64-bit constant (2^64 / golden ratio) for the final mixing multiplication.
const FINAL_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

/// Domain separation for deriving the mixing keys from the secret.
const MIX_DOMAIN: u64 = 0x6d69_786b_6579_7321; // "mixkeys!"

/// The secret keys of the inbound-index mixing function.
#[derive(Clone, Copy)]
pub(crate) struct MixKey([u64; 4]);

impl MixKey {
    /// Derives the four mixing keys from a 128-bit secret.
    pub(crate) fn derive(secret: SipKey) -> Self {
        Self([0u64, 1, 2, 3].map(|i| sip13(secret, &[i, MIX_DOMAIN])))
    }

    /// Keyed hash of three words. Every input bit reaches every output bit through at least one
    /// multiplication by a secret-dependent operand, and the last multiplication spreads the
    /// result over the low bits that select the bucket.
    #[inline(always)]
    pub(crate) fn hash(&self, words: [u64; 3]) -> u64 {
        let [k0, k1, k2, k3] = self.0;
        let [w0, w1, w2] = words;
        let a = folded_multiply(w0 ^ k0, w1 ^ k1);
        let b = folded_multiply(w2 ^ k2, a ^ k3);
        folded_multiply(b, FINAL_MUL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix() -> MixKey {
        MixKey::derive(SipKey { k0: 11, k1: 22 })
    }

    /// Flipping any single input bit changes the hash, by about half of its bits on average.
    #[test]
    fn mix_avalanche() {
        let m = mix();
        let bases = [
            [0u64, 0, 0],
            [0x3200_0000_1234, 0x0100_000a, 0],
            [u64::MAX, 7, 1 << 63],
        ];
        let mut total = 0u32;
        let mut flips = 0u32;
        for base in bases {
            let h = m.hash(base);
            for word in 0..3 {
                for bit in 0..64 {
                    let mut w = base;
                    w[word] ^= 1 << bit;
                    let d = (m.hash(w) ^ h).count_ones();
                    assert!(d > 0, "bit {bit} of word {word} does not reach the hash");
                    total += d;
                    flips += 1;
                }
            }
        }
        let mean = f64::from(total) / f64::from(flips);
        assert!((24.0..=40.0).contains(&mean), "mean flipped bits {mean}");
    }

    /// Structured keys (consecutive SPIs; consecutive addresses) spread evenly over buckets:
    /// linear-probing displacement stays near the ideal for a load of 1/4.
    #[test]
    fn mix_spreads_structured_keys() {
        let m = mix();
        let mask = (1usize << 16) - 1;
        for pattern in 0..3u64 {
            let mut table = alloc::vec![false; mask + 1];
            let mut displacement = 0usize;
            let mut worst = 0usize;
            for i in 0..(1u64 << 14) {
                let words = match pattern {
                    0 => [i | (50 << 32) | (4 << 40), 0x0102_000a, 0],
                    1 => [0x1000 | (50 << 32) | (6 << 40), 0x0db8_0120, i.swap_bytes()],
                    _ => [(i << 8) | (51 << 32) | (4 << 40), i.swap_bytes() >> 32, 0],
                };
                let mut pos = m.hash(words) as usize & mask;
                let mut d = 0;
                while table[pos] {
                    pos = (pos + 1) & mask;
                    d += 1;
                }
                table[pos] = true;
                displacement += d;
                worst = worst.max(d);
            }
            let mean = displacement as f64 / f64::from(1u32 << 14);
            assert!(
                mean < 0.35 && worst < 32,
                "pattern {pattern}: mean {mean}, worst {worst}"
            );
        }
    }

    #[test]
    fn mix_depends_on_the_secret() {
        let a = MixKey::derive(SipKey { k0: 1, k1: 2 });
        let b = MixKey::derive(SipKey { k0: 1, k1: 3 });
        assert_ne!(a.hash([5, 6, 7]), b.hash([5, 6, 7]));
    }

    /// SipHash-2-4 through the same code must match `core`'s reference implementation, which
    /// validates the round function, initialisation and finalisation shared with SipHash-1-3.
    #[test]
    #[allow(deprecated)]
    fn matches_core_siphash24() {
        use core::hash::Hasher;
        let keys = [
            SipKey { k0: 0, k1: 0 },
            SipKey {
                k0: 0x0706_0504_0302_0100,
                k1: 0x0f0e_0d0c_0b0a_0908,
            },
            SipKey {
                k0: 0xdead_beef_0123_4567,
                k1: 0x89ab_cdef_fedc_ba98,
            },
        ];
        let messages: [&[u64]; 4] = [
            &[],
            &[0x0706_0504_0302_0100],
            &[1, 2, 3],
            &[u64::MAX, 0, 0x5555_aaaa_5555_aaaa, 42],
        ];
        for key in keys {
            for words in messages {
                let mut reference = core::hash::SipHasher::new_with_keys(key.k0, key.k1);
                for w in words {
                    reference.write(&w.to_le_bytes());
                }
                assert_eq!(siphash::<2, 4>(key, words), reference.finish());
            }
        }
    }

    /// The published SipHash-2-4 vector for key 00..0f and the 8-byte message 00..07.
    #[test]
    fn published_vector() {
        let key = SipKey {
            k0: 0x0706_0504_0302_0100,
            k1: 0x0f0e_0d0c_0b0a_0908,
        };
        let out = siphash::<2, 4>(key, &[0x0706_0504_0302_0100]);
        assert_eq!(
            out.to_le_bytes(),
            [0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93]
        );
    }

    #[test]
    fn key_changes_output() {
        let a = sip13(SipKey { k0: 1, k1: 2 }, &[7, 8, 9]);
        let b = sip13(SipKey { k0: 1, k1: 3 }, &[7, 8, 9]);
        assert_ne!(a, b);
    }
}
