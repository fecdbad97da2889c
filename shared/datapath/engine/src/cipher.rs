//! Block-cipher key schedules (AES, DES, 3DES), CBC in place, and the
//! AES-GCM / GMAC core (CTR + GHASH) used by ESP and AH.

use aes::{Aes128, Aes192, Aes256};
use cipher::generic_array::GenericArray;
use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde3};
use ghash::universal_hash::UniversalHash;
use ghash::GHash;
use zeroize::Zeroize;

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::alg::AesKeySize;
use crate::error::SetupError;

/// Expanded AES key schedule (encryption and decryption). Zeroized on drop
/// by the `aes` crate (`zeroize` feature).
/// An AES key schedule, boxed per size: an SA allocates exactly the schedule its key size needs
/// (aes 0.8's autodetect types hold the AES-NI and the fixsliced fallback schedules, 704 / 832 /
/// 960 bytes), instead of every SA carrying the AES-256 size inline.
pub(crate) enum AesKey {
    A128(Schedule<Aes128>),
    A192(Schedule<Aes192>),
    A256(Schedule<Aes256>),
}

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
    /// Bytes of the boxed key schedule.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Self::A128(_) => core::mem::size_of::<Aes128>(),
            Self::A192(_) => core::mem::size_of::<Aes192>(),
            Self::A256(_) => core::mem::size_of::<Aes256>(),
        }
    }

    pub(crate) fn new(size: AesKeySize, key: &[u8]) -> Result<Self, SetupError> {
        let bad = SetupError::EncryptionKeyLength {
            expected: size.key_len(),
            got: key.len(),
        };
        Ok(match size {
            AesKeySize::Aes128 => Self::A128(Schedule::new(key, bad)?),
            AesKeySize::Aes192 => Self::A192(Schedule::new(key, bad)?),
            AesKeySize::Aes256 => Self::A256(Schedule::new(key, bad)?),
        })
    }

    pub(crate) fn encrypt(&self, b: &mut [u8; 16]) {
        let blk = GenericArray::from_mut_slice(b);
        match self {
            Self::A128(c) => c.encrypt_block(blk),
            Self::A192(c) => c.encrypt_block(blk),
            Self::A256(c) => c.encrypt_block(blk),
        }
    }

    pub(crate) fn decrypt(&self, b: &mut [u8; 16]) {
        let blk = GenericArray::from_mut_slice(b);
        match self {
            Self::A128(c) => c.decrypt_block(blk),
            Self::A192(c) => c.decrypt_block(blk),
            Self::A256(c) => c.decrypt_block(blk),
        }
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

impl CbcCipher<16> for AesKey {
    fn enc(&self, b: &mut [u8; 16]) {
        self.encrypt(b)
    }
    fn dec(&self, b: &mut [u8; 16]) {
        self.decrypt(b)
    }
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

/// XORs the AES-CTR keystream (32-bit big-endian counter in the last four bytes of `start`) into
/// `data`.
fn ctr32_xor<C>(cipher: &C, start: &[u8; 16], data: &mut [u8])
where
    C: cipher::BlockCipher + cipher::BlockSizeUser<BlockSize = cipher::consts::U16> + BlockEncrypt,
{
    use cipher::{InnerIvInit, StreamCipherCore};
    let core = ctr::CtrCore::<&C, ctr::flavors::Ctr32BE>::inner_iv_init(
        cipher,
        GenericArray::from_slice(start),
    );
    core.apply_keystream_partial(data.into());
}

/// AES-GCM/GMAC key: AES schedule, hash subkey H, and the 4-byte salt
/// (KEYMAT = AES key || salt, RFC 4106 §8.1 / RFC 4543 §3.2).
pub(crate) struct GcmKey {
    aes: AesKey,
    h: [u8; 16],
    salt: [u8; 4],
}

impl GcmKey {
    /// Bytes of the boxed AES key schedule.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.aes.heap_bytes()
    }

    pub(crate) fn new(size: AesKeySize, keymat: &[u8]) -> Result<Self, SetupError> {
        let expected = size.key_len() + 4;
        if keymat.len() != expected {
            return Err(SetupError::EncryptionKeyLength {
                expected,
                got: keymat.len(),
            });
        }
        let (k, s) = keymat.split_at(size.key_len());
        let aes = AesKey::new(size, k)?;
        let mut h = [0u8; 16];
        aes.encrypt(&mut h);
        let mut salt = [0u8; 4];
        salt.copy_from_slice(s);
        Ok(Self { aes, h, salt })
    }

    fn j0(&self, iv: &[u8; 8]) -> [u8; 16] {
        let mut j = [0u8; 16];
        j[..4].copy_from_slice(&self.salt);
        j[4..12].copy_from_slice(iv);
        j[15] = 1;
        j
    }

    /// Start a GHASH computation keyed with H.
    pub(crate) fn ghash(&self) -> GhashStream {
        GhashStream {
            g: GHash::new(GenericArray::from_slice(&self.h)),
            buf: [0; 16],
            buf_len: 0,
        }
    }

    /// AES-CTR keystream XOR starting at counter block inc32(J0) (GCM encryption/decryption).
    pub(crate) fn ctr_xor(&self, iv: &[u8; 8], data: &mut [u8]) {
        // Counter mode from inc32(J0) (NIST SP 800-38D §7.1): the `ctr` crate's Ctr32BE over a
        // borrowed key schedule, as aes-gcm does, keeps the keystream in registers and XORs it
        // straight into the packet (8 blocks at a time with AES-NI).
        let mut start = self.j0(iv);
        let counter = u32::from_be_bytes([start[12], start[13], start[14], start[15]]);
        start[12..].copy_from_slice(&counter.wrapping_add(1).to_be_bytes());
        match &self.aes {
            AesKey::A128(c) => ctr32_xor(&**c, &start, data),
            AesKey::A192(c) => ctr32_xor(&**c, &start, data),
            AesKey::A256(c) => ctr32_xor(&**c, &start, data),
        }
        start.zeroize();
    }

    /// Finish a tag: GHASH over the length block, XOR E(K, J0), write the
    /// leftmost `out.len()` bytes.
    pub(crate) fn finish_tag(
        &self,
        mut g: GhashStream,
        iv: &[u8; 8],
        aad_len: u64,
        ct_len: u64,
        out: &mut [u8],
    ) {
        g.pad();
        let mut lens = [0u8; 16];
        lens[..8].copy_from_slice(&aad_len.wrapping_mul(8).to_be_bytes());
        lens[8..].copy_from_slice(&ct_len.wrapping_mul(8).to_be_bytes());
        g.update(&lens);
        let mut s = g.finish();
        let mut ek = self.j0(iv);
        self.aes.encrypt(&mut ek);
        for ((o, a), b) in out.iter_mut().zip(s.iter()).zip(ek.iter()) {
            *o = a ^ b;
        }
        s.zeroize();
        ek.zeroize();
    }
}

impl Drop for GcmKey {
    fn drop(&mut self) {
        self.h.zeroize();
        self.salt.zeroize();
    }
}

/// GHASH over a byte stream fed in arbitrary pieces; [`GhashStream::pad`]
/// closes a section (AAD or ciphertext) with zero padding to 16 bytes.
pub(crate) struct GhashStream {
    g: GHash,
    buf: [u8; 16],
    buf_len: usize,
}

impl GhashStream {
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        if self.buf_len > 0 {
            let take = (16 - self.buf_len).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = self.buf.get_mut(self.buf_len..self.buf_len + take) {
                dst.copy_from_slice(head);
            }
            self.buf_len += take;
            data = rest;
            if self.buf_len == 16 {
                self.g
                    .update(core::slice::from_ref(GenericArray::from_slice(&self.buf)));
                self.buf_len = 0;
            }
        }
        let whole = data.len() - data.len() % 16;
        let (blocks, tail) = data.split_at(whole);
        if !blocks.is_empty() {
            // Aligned: `update_padded` pads nothing and processes whole blocks.
            self.g.update_padded(blocks);
        }
        if !tail.is_empty() {
            if let Some(dst) = self.buf.get_mut(..tail.len()) {
                dst.copy_from_slice(tail);
            }
            self.buf_len = tail.len();
        }
    }

    /// Zero-pad the current section to a block boundary.
    pub(crate) fn pad(&mut self) {
        if self.buf_len > 0 {
            if let Some(rest) = self.buf.get_mut(self.buf_len..) {
                rest.fill(0);
            }
            self.g
                .update(core::slice::from_ref(GenericArray::from_slice(&self.buf)));
            self.buf_len = 0;
        }
    }

    fn finish(mut self) -> [u8; 16] {
        self.pad();
        self.buf.zeroize();
        let t = self.g.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&t);
        out
    }
}
