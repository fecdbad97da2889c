//! Block-cipher key schedules (AES, DES, 3DES), CBC in place, and the
//! AES-GCM / GMAC keys used by ESP and AH. AES (CBC, GCM, GMAC, GHASH) runs on the crypto core
//! (`ipsecov2-crypto`: AES-NI / PCLMULQDQ where CPUID offers them, chosen once per key);
//! DES and 3DES on the `des` crate.

use cipher::generic_array::GenericArray;
use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde3};
use ipsecov2_crypto::{AesCbc, AesGcm, CbcDirection, CbcError, GcmError, Wide};
use zeroize::Zeroize;

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::alg::{AesKeySize, Direction};
use crate::error::SetupError;

/// An AES key for CBC and the IV generator, prepared for the SA's [`Direction`]: the encryption
/// schedule (which also makes the IVs) for an outbound SA, the decryption schedule for an
/// inbound one, both for [`Direction::Both`]. The crypto core's [`AesCbc`], whose schedules
/// live on the heap, built there in place (176–240 bytes of round keys per direction, in a
/// 256-byte block each, on the XMM tier; the `aes` crate's schedule on CPUs without AES-NI).
pub(crate) struct AesKey(AesCbc);

/// A key schedule alone in its heap block, allocated without panicking and built by a function
/// of its own ([`Schedule::new`]).
///
/// `Box::new(Aes256::new_from_slice(key)?)` built all three AES schedules in the frame of
/// `AesKey::new` (4 KiB of a kernel stack of 24) and panicked when the allocation failed. Here
/// the block is reserved first (`try_reserve_exact`: an allocation failure is
/// [`SetupError::NoMemory`]) and the schedule is moved into it by one non-inlined function
/// per type, whose frame holds one schedule while the cipher crate builds it (the crate only
/// returns schedules by value, and safe code cannot build one in place: 1.4 to 1.8 KiB, listed
/// in `tests/stack-budget/exceptions.txt`). (`Box<[T; 1]>` because safe code cannot turn
/// a `Box<MaybeUninit<T>>` into a `Box<T>`; same layout as `Box<T>`.)
pub(crate) struct Schedule<T>(Box<[T; 1]>);

impl<T: KeyInit> Schedule<T> {
    #[inline(never)]
    fn new(key: &[u8], bad: SetupError) -> Result<Self, SetupError> {
        let mut block: Vec<T> = Vec::new();
        block
            .try_reserve_exact(1)
            .map_err(|_| SetupError::NoMemory)?;
        block.push(T::new_from_slice(key).map_err(|_| bad)?);
        // One element in a block of capacity one: the conversion neither reallocates nor fails.
        let one: Box<[T; 1]> = block
            .into_boxed_slice()
            .try_into()
            .map_err(|_| SetupError::NoMemory)?;
        Ok(Self(one))
    }
}

impl<T> core::ops::Deref for Schedule<T> {
    type Target = T;
    fn deref(&self) -> &T {
        let [t] = &*self.0;
        t
    }
}

impl AesKey {
    /// Bytes of the key on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.0.heap_bytes()
    }

    /// See [`AesCbc::touch`].
    pub(crate) fn touch(&self) -> u32 {
        self.0.touch()
    }

    pub(crate) fn new(size: AesKeySize, key: &[u8], dir: Direction) -> Result<Self, SetupError> {
        if key.len() != size.key_len() {
            return Err(SetupError::EncryptionKeyLength {
                expected: size.key_len(),
                got: key.len(),
            });
        }
        let dir = match dir {
            Direction::Outbound => CbcDirection::Encrypt,
            Direction::Inbound => CbcDirection::Decrypt,
            Direction::Both => CbcDirection::Both,
        };
        AesCbc::new(key, dir).map(Self).map_err(|e| match e {
            ipsecov2_crypto::KeyError::NoMemory => SetupError::NoMemory,
            ipsecov2_crypto::KeyError::AesKeyLength { .. } => SetupError::EncryptionKeyLength {
                expected: size.key_len(),
                got: key.len(),
            },
        })
    }

    /// The crypto core's key (for the stitched CBC + HMAC and the multi-buffer encryption).
    pub(crate) fn core(&self) -> &AesCbc {
        &self.0
    }

    /// Encrypts one block (CBC with a zero IV over one block is the block cipher); refused
    /// ([`CbcError::Direction`]) by a key prepared for decryption only.
    pub(crate) fn encrypt(&self, b: &mut [u8; 16]) -> Result<(), CbcError> {
        self.0.encrypt_in_place(&[0u8; 16], b)
    }

    /// CBC-encrypts whole blocks in place (ESP has checked the length).
    pub(crate) fn cbc_encrypt(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<(), CbcError> {
        self.0.encrypt_in_place(iv, data)
    }

    /// CBC-decrypts whole blocks in place, 8 blocks in parallel.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<(), CbcError> {
        self.0.decrypt_in_place(iv, data)
    }
}

/// DES or 3DES-EDE key schedule. Zeroized on drop by the `des` crate.
/// A DES or 3DES key schedule, boxed (see [`AesKey`]).
pub(crate) enum DesKey {
    Single(Schedule<Des>),
    Triple(Schedule<TdesEde3>),
}

/// DES weak and semi-weak keys (FIPS 74 / NIST SP 800-67), compared with
/// parity bits masked off.
const DES_WEAK: [u64; 16] = [
    0x0101_0101_0101_0101,
    0xFEFE_FEFE_FEFE_FEFE,
    0xE0E0_E0E0_F1F1_F1F1,
    0x1F1F_1F1F_0E0E_0E0E,
    0x01FE_01FE_01FE_01FE,
    0xFE01_FE01_FE01_FE01,
    0x1FE0_1FE0_0EF1_0EF1,
    0xE01F_E01F_F10E_F10E,
    0x01E0_01E0_01F1_01F1,
    0xE001_E001_F101_F101,
    0x1FFE_1FFE_0EFE_0EFE,
    0xFE1F_FE1F_FE0E_FE0E,
    0x011F_011F_010E_010E,
    0x1F01_1F01_0E01_0E01,
    0xE0FE_E0FE_F1FE_F1FE,
    0xFEE0_FEE0_FEF1_FEF1,
];

const PARITY_MASK: u64 = 0xFEFE_FEFE_FEFE_FEFE;

fn des_word(k: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(k.iter()) {
        *d = *s;
    }
    let v = u64::from_be_bytes(b) & PARITY_MASK;
    b.zeroize();
    v
}

fn des_is_weak(k: &[u8]) -> bool {
    let v = des_word(k);
    DES_WEAK.iter().any(|w| w & PARITY_MASK == v)
}

impl DesKey {
    /// Bytes of the boxed key schedule.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Self::Single(_) => core::mem::size_of::<Des>(),
            Self::Triple(_) => core::mem::size_of::<TdesEde3>(),
        }
    }

    pub(crate) fn new_single(key: &[u8]) -> Result<Self, SetupError> {
        if key.len() != 8 {
            return Err(SetupError::EncryptionKeyLength {
                expected: 8,
                got: key.len(),
            });
        }
        if des_is_weak(key) {
            return Err(SetupError::WeakKey);
        }
        let bad = SetupError::EncryptionKeyLength {
            expected: 8,
            got: key.len(),
        };
        Schedule::new(key, bad).map(Self::Single)
    }

    pub(crate) fn new_triple(key: &[u8]) -> Result<Self, SetupError> {
        let bad = SetupError::EncryptionKeyLength {
            expected: 24,
            got: key.len(),
        };
        if key.len() != 24 {
            return Err(bad);
        }
        let (k1, rest) = key.split_at(8);
        let (k2, k3) = rest.split_at(8);
        // RFC 2451 §2.3: the three keys must be distinct (K1 = K2 or K2 = K3
        // degenerates to single DES) and none may be weak.
        let (w1, w2, w3) = (des_word(k1), des_word(k2), des_word(k3));
        if w1 == w2 || w2 == w3 || w1 == w3 || des_is_weak(k1) || des_is_weak(k2) || des_is_weak(k3)
        {
            return Err(SetupError::WeakKey);
        }
        Schedule::new(key, bad).map(Self::Triple)
    }

    pub(crate) fn encrypt(&self, b: &mut [u8; 8]) {
        let blk = GenericArray::from_mut_slice(b);
        match self {
            Self::Single(c) => c.encrypt_block(blk),
            Self::Triple(c) => c.encrypt_block(blk),
        }
    }

    pub(crate) fn decrypt(&self, b: &mut [u8; 8]) {
        let blk = GenericArray::from_mut_slice(b);
        match self {
            Self::Single(c) => c.decrypt_block(blk),
            Self::Triple(c) => c.decrypt_block(blk),
        }
    }
}

/// A block cipher usable in CBC mode with block size `N`.
pub(crate) trait CbcCipher<const N: usize> {
    fn enc(&self, b: &mut [u8; N]);
    fn dec(&self, b: &mut [u8; N]);
}

impl CbcCipher<8> for DesKey {
    fn enc(&self, b: &mut [u8; 8]) {
        self.encrypt(b)
    }
    fn dec(&self, b: &mut [u8; 8]) {
        self.decrypt(b)
    }
}

/// CBC-encrypt `data` in place (length must be a multiple of `N`; a trailing
/// partial block is left untouched — callers check the length first).
pub(crate) fn cbc_encrypt<const N: usize, C: CbcCipher<N>>(c: &C, iv: &[u8; N], data: &mut [u8]) {
    let mut chain = *iv;
    for chunk in data.chunks_exact_mut(N) {
        let mut b = [0u8; N];
        for ((o, p), v) in b.iter_mut().zip(chunk.iter()).zip(chain.iter()) {
            *o = p ^ v;
        }
        c.enc(&mut b);
        chunk.copy_from_slice(&b);
        chain = b;
    }
}

/// CBC-decrypt `data` in place.
pub(crate) fn cbc_decrypt<const N: usize, C: CbcCipher<N>>(c: &C, iv: &[u8; N], data: &mut [u8]) {
    let mut chain = *iv;
    for chunk in data.chunks_exact_mut(N) {
        let mut b = [0u8; N];
        b.copy_from_slice(chunk);
        let next_chain = b;
        c.dec(&mut b);
        for ((o, p), v) in chunk.iter_mut().zip(b.iter()).zip(chain.iter()) {
            *o = p ^ v;
        }
        chain = next_chain;
        b.zeroize();
    }
}

/// AES-GCM/GMAC key: the crypto core's [`AesGcm`] (for GCM the round keys, H..H^8 and the wide
/// tier's H^9..H^16 on the heap; for GMAC a GMAC-only key, H..H^8 and the AES key) and the
/// 4-byte salt (KEYMAT = AES key || salt, RFC 4106 §8.1 / RFC 4543 §3.2).
pub(crate) struct GcmKey {
    core: AesGcm,
    salt: [u8; 4],
}

/// GHASH fed in arbitrary pieces (the crypto core's stream; [`GhashStream::pad`] closes a
/// section with zero padding).
pub(crate) use ipsecov2_crypto::GhashStream;

impl GcmKey {
    /// Bytes of the key on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.core.heap_bytes()
    }

    /// See [`AesGcm::touch`].
    pub(crate) fn touch(&self) -> u32 {
        self.core.touch()
    }

    /// An AES-GCM key (ESP AES-GCM: seal and open, on the wide tier too).
    pub(crate) fn new(size: AesKeySize, keymat: &[u8]) -> Result<Self, SetupError> {
        Self::with(size, keymat, AesGcm::new)
    }

    /// A GMAC-only key (AH AES-GMAC, ESP AES-GMAC: [`Self::ghash`] and [`Self::finish_tag`]
    /// only; seal and open refuse it), a third of a GCM key's bytes.
    pub(crate) fn new_gmac(size: AesKeySize, keymat: &[u8]) -> Result<Self, SetupError> {
        Self::with(size, keymat, AesGcm::gmac_only)
    }

    fn with(
        size: AesKeySize,
        keymat: &[u8],
        make: fn(&[u8]) -> Result<AesGcm, ipsecov2_crypto::KeyError>,
    ) -> Result<Self, SetupError> {
        let expected = size.key_len() + 4;
        if keymat.len() != expected {
            return Err(SetupError::EncryptionKeyLength {
                expected,
                got: keymat.len(),
            });
        }
        let (k, s) = keymat.split_at(size.key_len());
        let core = make(k).map_err(|e| match e {
            ipsecov2_crypto::KeyError::NoMemory => SetupError::NoMemory,
            ipsecov2_crypto::KeyError::AesKeyLength { .. } => SetupError::EncryptionKeyLength {
                expected,
                got: keymat.len(),
            },
        })?;
        let mut salt = [0u8; 4];
        salt.copy_from_slice(s);
        Ok(Self { core, salt })
    }

    /// The GCM nonce: salt || explicit IV.
    fn nonce(&self, iv: &[u8; 8]) -> [u8; 12] {
        let mut n = [0u8; 12];
        n[..4].copy_from_slice(&self.salt);
        n[4..].copy_from_slice(iv);
        n
    }

    /// Start a GHASH computation keyed with H.
    pub(crate) fn ghash(&self) -> GhashStream {
        self.core.ghash()
    }

    /// Seals `body` in place (CTR and GHASH stitched) and writes the ICV (8, 12 or 16 bytes).
    pub(crate) fn seal(
        &self,
        wide: Option<Wide<'_>>,
        iv: &[u8; 8],
        aad: &[u8],
        body: &mut [u8],
        icv: &mut [u8],
    ) -> Result<(), GcmError> {
        self.core
            .seal_in_place_with(wide, &self.nonce(iv), aad, body, icv)
    }

    /// True when the core key runs on the wide tier inside a section.
    pub(crate) fn wide_capable(&self) -> bool {
        self.core.wide_capable()
    }

    /// Verifies the ICV in constant time and decrypts `body` in place; on a mismatch `body`
    /// is left as received.
    pub(crate) fn open(
        &self,
        wide: Option<Wide<'_>>,
        iv: &[u8; 8],
        aad: &[u8],
        body: &mut [u8],
        icv: &[u8],
    ) -> Result<(), GcmError> {
        self.core
            .open_in_place_with(wide, &self.nonce(iv), aad, body, icv)
    }

    /// Finish a tag: GHASH over the length block, XOR E(K, J0), write the
    /// leftmost `out.len()` bytes.
    pub(crate) fn finish_tag(
        &self,
        g: GhashStream,
        iv: &[u8; 8],
        aad_len: u64,
        ct_len: u64,
        out: &mut [u8],
    ) {
        let mut t = self.core.ghash_finish(g, &self.nonce(iv), aad_len, ct_len);
        for (o, x) in out.iter_mut().zip(t.iter()) {
            *o = *x;
        }
        t.zeroize();
    }
}

impl Drop for GcmKey {
    fn drop(&mut self) {
        self.salt.zeroize();
    }
}
