//! AES of the `aes` crate, one variant per key size.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256, Block};

/// An `aes` crate key schedule (zeroized on drop by the crate).
pub(crate) enum SoftAes {
    A128(Aes128),
    A192(Aes192),
    A256(Aes256),
}

impl core::fmt::Debug for SoftAes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let bits = match self {
            Self::A128(_) => 128,
            Self::A192(_) => 192,
            Self::A256(_) => 256,
        };
        f.debug_struct("SoftAes")
            .field("bits", &bits)
            .finish_non_exhaustive()
    }
}

impl SoftAes {
    /// Never inlined: the `aes` crate builds its schedules by value (kilobytes of stack),
    /// which must not enlarge the frames of the XMM path that calls past it.
    #[inline(never)]
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        match key.len() {
            16 => Aes128::new_from_slice(key).ok().map(Self::A128),
            24 => Aes192::new_from_slice(key).ok().map(Self::A192),
            32 => Aes256::new_from_slice(key).ok().map(Self::A256),
            _ => None,
        }
    }

    pub(crate) fn encrypt_blocks(&self, b: &mut [Block]) {
        match self {
            Self::A128(c) => c.encrypt_blocks(b),
            Self::A192(c) => c.encrypt_blocks(b),
            Self::A256(c) => c.encrypt_blocks(b),
        }
    }

    pub(crate) fn decrypt_blocks(&self, b: &mut [Block]) {
        match self {
            Self::A128(c) => c.decrypt_blocks(b),
            Self::A192(c) => c.decrypt_blocks(b),
            Self::A256(c) => c.decrypt_blocks(b),
        }
    }

    pub(crate) fn encrypt(&self, b: &mut [u8; 16]) {
        let blk = GenericArray::from_mut_slice(b);
        self.encrypt_blocks(core::slice::from_mut(blk));
    }
}
