//! Keyed hashing: SipHash-1-3 over whole 64-bit words.
//!
//! SPIs are chosen by remote peers, so the inbound index is keyed with a per-table random secret
//! (hash-flooding resistance, the same construction `std`'s `HashMap` uses). The message is always
//! a whole number of little-endian 64-bit words, so there are no tail bytes to handle.

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

#[cfg(test)]
mod tests {
    use super::*;

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
