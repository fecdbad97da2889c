//! ESP (RFC 4303) seal/open on a contiguous buffer holding the ESP part of a
//! packet: `SPI | seq | IV | payload | padding | pad length | next header | ICV`.
//!
//! The work is split into small named steps in the manner of Linux
//! `esp4.c`: [`EspLayout::split`] (header / IV / body / ICV),
//! IV generation, body encryption, ICV computation, ICV verification and
//! [`check_trailer`].

use core::sync::atomic::{AtomicU64, Ordering};

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::alg::{Direction, EspEncryption, EspIntegrity};
use crate::cipher::{cbc_decrypt, cbc_encrypt, AesKey, DesKey, GcmKey};
use crate::error::{PacketError, SetupError};
use crate::hmac::{HashAlg, HmacKey};
use ipsecov2_crypto::{cbc_hmac, AesCbc, CbcError, CbcHmacError, GcmError, HmacSha256, Wide};

/// ESP fixed header length (SPI + 32-bit sequence number).
pub const ESP_HEADER_LEN: usize = crate::wire::ESP_HEADER_LEN;

/// Algorithms and options of an ESP SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspConfig {
    /// Encryption (or combined-mode) transform.
    pub encryption: EspEncryption,
    /// Separate integrity transform (`None` for combined modes).
    pub integrity: EspIntegrity,
    /// Extended (64-bit) sequence numbers: the high 32 bits enter the ICV.
    pub esn: bool,
}

impl EspConfig {
    /// ICV length in bytes.
    pub const fn icv_len(&self) -> usize {
        match self.encryption {
            EspEncryption::AesGcm(_, icv) => icv.bytes(),
            EspEncryption::AesGmac(_) => 16,
            _ => self.integrity.icv_len(),
        }
    }

    /// Explicit IV length in bytes.
    pub const fn iv_len(&self) -> usize {
        self.encryption.iv_len()
    }

    /// Bytes added around the payload besides padding: header + IV + 2-byte
    /// trailer + ICV.
    pub const fn overhead(&self) -> usize {
        ESP_HEADER_LEN + self.iv_len() + 2 + self.icv_len()
    }
}

/// The bytes an HMAC covers after the ESP ciphertext (the ESN high half, or nothing).
struct Trailer {
    bytes: [u8; 4],
    len: usize,
}

impl Trailer {
    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

/// The packet error of a refused CBC operation.
fn cbc_error(e: CbcError) -> PacketError {
    match e {
        CbcError::Direction => PacketError::WrongDirection,
        _ => PacketError::BadLength,
    }
}

/// Prepared encryption state (key schedules boxed per algorithm).
enum Enc {
    Null,
    Des(DesKey),
    Aes(AesKey),
    Gcm(GcmKey),
    Gmac(GcmKey),
}

/// A prepared ESP SA: expanded key schedules, pre-keyed HMAC, and the IV
/// counter. Key material is zeroized on drop.
pub struct EspSa {
    cfg: EspConfig,
    enc: Enc,
    auth: Option<HmacKey>,
    /// Per-SA IV counter (never wraps; see [`EspSa::seal`]).
    iv_counter: AtomicU64,
}

impl core::fmt::Debug for EspSa {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EspSa")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

/// Result of a successful [`EspSa::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspOpened {
    /// Next header from the ESP trailer.
    pub next_header: u8,
    /// Pad length from the ESP trailer.
    pub pad_length: u8,
    /// Offset of the decrypted payload from the start of the ESP header.
    pub payload_offset: usize,
    /// Length of the decrypted payload (without padding and trailer).
    pub payload_len: usize,
}

/// Byte ranges of one ESP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspLayout {
    /// IV length.
    pub iv_len: usize,
    /// Length of the encrypted part (payload, padding, pad length, next header).
    pub body_len: usize,
    /// ICV length.
    pub icv_len: usize,
}

type Parts<'a> = (&'a mut [u8], &'a mut [u8], &'a mut [u8], &'a mut [u8]);

impl EspLayout {
    /// Compute the layout of an ESP packet of `len` bytes for `cfg`,
    /// checking minimum length and block alignment.
    pub fn new(cfg: &EspConfig, len: usize) -> Result<Self, PacketError> {
        let iv_len = cfg.iv_len();
        let icv_len = cfg.icv_len();
        let body_len = len
            .checked_sub(ESP_HEADER_LEN + iv_len + icv_len)
            .ok_or(PacketError::Truncated)?;
        if body_len < 2 {
            return Err(PacketError::Truncated);
        }
        let bs = cfg.encryption.block_size();
        if body_len % bs != 0 {
            return Err(PacketError::NotBlockMultiple);
        }
        Ok(Self {
            iv_len,
            body_len,
            icv_len,
        })
    }

    /// Split `esp` into header, IV, body and ICV.
    pub fn split<'a>(&self, esp: &'a mut [u8]) -> Result<Parts<'a>, PacketError> {
        let (hdr, rest) = esp
            .split_at_mut_checked(ESP_HEADER_LEN)
            .ok_or(PacketError::Truncated)?;
        let (iv, rest) = rest
            .split_at_mut_checked(self.iv_len)
            .ok_or(PacketError::Truncated)?;
        let (body, icv) = rest
            .split_at_mut_checked(self.body_len)
            .ok_or(PacketError::Truncated)?;
        if icv.len() != self.icv_len {
            return Err(PacketError::BadLength);
        }
        Ok((hdr, iv, body, icv))
    }
}

/// Read SPI and 32-bit sequence number from an ESP header.
pub fn esp_header(esp: &[u8]) -> Result<(u32, u32), PacketError> {
    let h = crate::wire::EspPacket::new_checked(esp)?;
    Ok((h.spi(), h.seq()))
}

/// Check and parse the ESP trailer of a decrypted body: returns
/// `(next_header, pad_length, payload_len)`. The padding must be the
/// monotonic sequence 1, 2, 3, ... (RFC 4303 §2.4).
pub fn check_trailer(body: &[u8]) -> Result<(u8, u8, usize), PacketError> {
    let (&nh, rest) = body.split_last().ok_or(PacketError::Truncated)?;
    let (&pad_len, rest) = rest.split_last().ok_or(PacketError::Truncated)?;
    let payload_len = rest
        .len()
        .checked_sub(usize::from(pad_len))
        .ok_or(PacketError::PadLengthTooLarge)?;
    let padding = rest
        .get(payload_len..)
        .ok_or(PacketError::PadLengthTooLarge)?;
    let mut bad = 0u8;
    for (i, &b) in padding.iter().enumerate() {
        // i < 255, so i + 1 fits in u8.
        bad |= b ^ ((i as u8).wrapping_add(1));
    }
    if bad != 0 {
        return Err(PacketError::BadPadding);
    }
    Ok((nh, pad_len, payload_len))
}

fn hmac_alg(i: EspIntegrity) -> Option<HashAlg> {
    match i {
        EspIntegrity::None => None,
        EspIntegrity::HmacMd5_96 => Some(HashAlg::Md5),
        EspIntegrity::HmacSha1_96 => Some(HashAlg::Sha1),
        EspIntegrity::HmacSha256_128 => Some(HashAlg::Sha256),
    }
}

fn iv8(iv: &[u8]) -> [u8; 8] {
    let mut o = [0u8; 8];
    for (d, s) in o.iter_mut().zip(iv.iter()) {
        *d = *s;
    }
    o
}

fn iv16(iv: &[u8]) -> [u8; 16] {
    let mut o = [0u8; 16];
    for (d, s) in o.iter_mut().zip(iv.iter()) {
        *d = *s;
    }
    o
}

impl EspSa {
    /// Heap bytes this SA owns beyond `size_of::<EspSa>()` (its boxed key schedule, if any).
    pub fn heap_bytes(&self) -> usize {
        match &self.enc {
            Enc::Null => 0,
            Enc::Des(k) => k.heap_bytes(),
            Enc::Aes(k) => k.heap_bytes(),
            Enc::Gcm(k) | Enc::Gmac(k) => k.heap_bytes(),
        }
    }

    /// Reads one value from each cache line of the SA's key schedules on the heap (AES on the
    /// XMM tier), so that a receive path warming many SAs at once brings them into the cache
    /// ahead of their packets; returns how many lines it read. Reveals nothing of the keys.
    pub fn touch(&self) -> u32 {
        match &self.enc {
            Enc::Null | Enc::Des(_) => 0,
            Enc::Aes(k) => k.touch(),
            Enc::Gcm(k) | Enc::Gmac(k) => k.touch(),
        }
    }

    /// Prepare an SA from its algorithms and key material.
    ///
    /// * `enc_key`: encryption key; for AES-GCM/GMAC the KEYMAT is
    ///   `AES key || 4-byte salt` (20, 28 or 36 bytes); empty for NULL.
    /// * `integ_key`: integrity key (16/20/32 bytes for HMAC-MD5/SHA1/SHA256);
    ///   empty for combined modes.
    ///
    /// Rejected combinations: a combined mode with a separate integrity
    /// algorithm; NULL encryption without integrity; CBC without integrity
    /// (confidentiality-only ESP is not offered: without an ICV the
    /// padding check would be an oracle).
    ///
    /// Prepared for both directions ([`Direction::Both`]): for a test or a tool that seals and
    /// opens with one SA. An SA that serves one direction is prepared with
    /// [`EspSa::with_direction`].
    pub fn new(cfg: EspConfig, enc_key: &[u8], integ_key: &[u8]) -> Result<Self, SetupError> {
        Self::with_direction(cfg, Direction::Both, enc_key, integ_key)
    }

    /// [`EspSa::new`] for one direction: an AES-CBC SA keeps only the schedule it uses (the
    /// encryption schedule, which also makes the IVs, outbound; the decryption one inbound);
    /// sealing with an inbound SA or opening with an outbound one is refused
    /// ([`PacketError::WrongDirection`]) for AES-CBC. The other algorithms use the same state
    /// both ways.
    pub fn with_direction(
        cfg: EspConfig,
        dir: Direction,
        enc_key: &[u8],
        integ_key: &[u8],
    ) -> Result<Self, SetupError> {
        let combined = cfg.encryption.is_combined();
        let has_integ = cfg.integrity != EspIntegrity::None;
        if combined == has_integ {
            return Err(SetupError::BadCombination);
        }
        let exp = cfg.encryption.key_len();
        if enc_key.len() != exp {
            return Err(SetupError::EncryptionKeyLength {
                expected: exp,
                got: enc_key.len(),
            });
        }
        let exp_i = cfg.integrity.key_len();
        if integ_key.len() != exp_i {
            return Err(SetupError::IntegrityKeyLength {
                expected: exp_i,
                got: integ_key.len(),
            });
        }
        let enc = match cfg.encryption {
            EspEncryption::Null => Enc::Null,
            EspEncryption::DesCbc => Enc::Des(DesKey::new_single(enc_key)?),
            EspEncryption::TripleDesCbc => Enc::Des(DesKey::new_triple(enc_key)?),
            EspEncryption::AesCbc(k) => Enc::Aes(AesKey::new(k, enc_key, dir)?),
            EspEncryption::AesGcm(k, _) => Enc::Gcm(GcmKey::new(k, enc_key)?),
            EspEncryption::AesGmac(k) => Enc::Gmac(GcmKey::new_gmac(k, enc_key)?),
        };
        let auth = hmac_alg(cfg.integrity).map(|a| HmacKey::new(a, integ_key));
        Ok(Self {
            cfg,
            enc,
            auth,
            iv_counter: AtomicU64::new(0),
        })
    }

    /// Prepare ESP with NULL encryption and no integrity algorithm: no IV, no ICV, nothing
    /// encrypted, only the trailer checked on open. RFC 4303 allows it, and the IPsecOV2
    /// requirements page lists ESP "Null" under AH among the combinations to support; use it
    /// only inside an AH bundle, where AH authenticates the whole packet before ESP is opened
    /// ([`EspSa::new`] refuses it on its own).
    pub fn new_null_under_ah(esn: bool) -> Self {
        Self {
            cfg: EspConfig {
                encryption: EspEncryption::Null,
                integrity: EspIntegrity::None,
                esn,
            },
            enc: Enc::Null,
            auth: None,
            iv_counter: AtomicU64::new(0),
        }
    }

    /// Prepare a confidentiality-only SA (CBC or NULL encryption without
    /// integrity) — for the RFC 3602 known-answer tests only; [`EspSa::new`]
    /// refuses this combination.
    #[cfg(feature = "kat")]
    #[doc(hidden)]
    pub fn new_unauthenticated(cfg: EspConfig, enc_key: &[u8]) -> Result<Self, SetupError> {
        if cfg.encryption.is_combined() || cfg.integrity != EspIntegrity::None {
            return Err(SetupError::BadCombination);
        }
        let exp = cfg.encryption.key_len();
        if enc_key.len() != exp {
            return Err(SetupError::EncryptionKeyLength {
                expected: exp,
                got: enc_key.len(),
            });
        }
        let enc = match cfg.encryption {
            EspEncryption::DesCbc => Enc::Des(DesKey::new_single(enc_key)?),
            EspEncryption::TripleDesCbc => Enc::Des(DesKey::new_triple(enc_key)?),
            EspEncryption::AesCbc(k) => Enc::Aes(AesKey::new(k, enc_key, Direction::Both)?),
            _ => Enc::Null,
        };
        Ok(Self {
            cfg,
            enc,
            auth: None,
            iv_counter: AtomicU64::new(0),
        })
    }

    /// The SA's configuration.
    pub fn config(&self) -> &EspConfig {
        &self.cfg
    }

    /// Take the next IV counter value; fails (without wrapping) once all 2^64 − 1
    /// values have been used.
    fn next_counter(&self) -> Result<u64, PacketError> {
        self.iv_counter
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_add(1))
            .map_err(|_| PacketError::IvExhausted)
    }

    /// Generate the IV for the next packet into `iv` (first `iv_len` bytes).
    ///
    /// * GCM/GMAC: the 64-bit per-SA counter, big-endian — unique under the
    ///   key, which is all GCM needs (RFC 4106 §3.1), and never repeated.
    /// * CBC: `E_K(counter block)` under the SA's own cipher key (NIST SP
    ///   800-38A Appendix C): unpredictable to anyone without the key, unique,
    ///   and needs neither an RNG nor an allocation per packet.
    fn generate_iv(&self, iv: &mut [u8; 16]) -> Result<(), PacketError> {
        match &self.enc {
            Enc::Null => Ok(()),
            Enc::Gcm(_) | Enc::Gmac(_) => {
                let c = self.next_counter()?;
                iv[..8].copy_from_slice(&c.to_be_bytes());
                Ok(())
            }
            Enc::Des(k) => {
                let c = self.next_counter()?;
                let mut b = c.to_be_bytes();
                k.encrypt(&mut b);
                iv[..8].copy_from_slice(&b);
                Ok(())
            }
            Enc::Aes(k) => {
                let c = self.next_counter()?;
                // Counter block: a fixed label in the high half keeps these
                // nonces apart from any other use of the block cipher input.
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(b"ESP-IV\0\x01");
                b[8..].copy_from_slice(&c.to_be_bytes());
                k.encrypt(&mut b).map_err(|_| PacketError::WrongDirection)?;
                *iv = b;
                Ok(())
            }
        }
    }

    /// Seal (outbound): `esp` spans the ESP header to the end of the ICV.
    /// SPI, sequence number, payload, padding, pad length and next header are
    /// already framed; the engine writes the IV, encrypts the body in place
    /// and writes the ICV. `seq_hi` is the high half of the ESN (ignored
    /// without ESN).
    ///
    /// The engine always generates the IV itself; the IV counter never wraps,
    /// so once exhausted the SA refuses to seal ([`PacketError::IvExhausted`]).
    pub fn seal(&self, esp: &mut [u8], seq_hi: u32) -> Result<(), PacketError> {
        self.seal_in(None, esp, seq_hi)
    }

    /// [`Self::seal`], AES-GCM on the crypto core's wide tier when `wide` is given (the caller
    /// holds an open extended-state section); the same bytes either way.
    pub fn seal_in(
        &self,
        wide: Option<Wide<'_>>,
        esp: &mut [u8],
        seq_hi: u32,
    ) -> Result<(), PacketError> {
        let layout = EspLayout::new(&self.cfg, esp.len())?;
        let mut iv = [0u8; 16];
        self.generate_iv(&mut iv)?;
        let r = self.seal_with_layout(wide, esp, layout, &iv, seq_hi);
        iv.zeroize();
        r
    }

    /// Seal with an explicit IV — for known-answer tests only (the offload
    /// face never exposes it: a caller-chosen IV could repeat).
    #[cfg(feature = "kat")]
    #[doc(hidden)]
    pub fn seal_with_iv(&self, esp: &mut [u8], iv: &[u8], seq_hi: u32) -> Result<(), PacketError> {
        let layout = EspLayout::new(&self.cfg, esp.len())?;
        if iv.len() != layout.iv_len {
            return Err(PacketError::BadLength);
        }
        self.seal_with_layout(None, esp, layout, &iv16(iv), seq_hi)
    }

    /// Set the IV counter — for exhaustion tests only.
    #[cfg(feature = "kat")]
    #[doc(hidden)]
    pub fn set_iv_counter(&self, v: u64) {
        self.iv_counter.store(v, Ordering::Relaxed);
    }

    /// Offload face, outbound: seal the ESP region `packet[esp_offset..esp_offset + esp_len]`.
    pub fn seal_at(
        &self,
        packet: &mut [u8],
        esp_offset: usize,
        esp_len: usize,
        seq_hi: u32,
    ) -> Result<(), PacketError> {
        self.seal_at_in(None, packet, esp_offset, esp_len, seq_hi)
    }

    /// [`Self::seal_at`], on the wide tier when `wide` is given (see [`Self::seal_in`]).
    pub fn seal_at_in(
        &self,
        wide: Option<Wide<'_>>,
        packet: &mut [u8],
        esp_offset: usize,
        esp_len: usize,
        seq_hi: u32,
    ) -> Result<(), PacketError> {
        let end = esp_offset
            .checked_add(esp_len)
            .ok_or(PacketError::BadLength)?;
        let esp = packet
            .get_mut(esp_offset..end)
            .ok_or(PacketError::Truncated)?;
        self.seal_in(wide, esp, seq_hi)
    }

    /// Offload face, inbound: verify and decrypt the ESP region in place;
    /// returns next header and pad length (offsets relative to `esp_offset`).
    pub fn open_at(
        &self,
        packet: &mut [u8],
        esp_offset: usize,
        esp_len: usize,
        seq_hi: u32,
    ) -> Result<EspOpened, PacketError> {
        self.open_at_in(None, packet, esp_offset, esp_len, seq_hi)
    }

    /// [`Self::open_at`], on the wide tier when `wide` is given (see [`Self::open_in`]).
    pub fn open_at_in(
        &self,
        wide: Option<Wide<'_>>,
        packet: &mut [u8],
        esp_offset: usize,
        esp_len: usize,
        seq_hi: u32,
    ) -> Result<EspOpened, PacketError> {
        let end = esp_offset
            .checked_add(esp_len)
            .ok_or(PacketError::BadLength)?;
        let esp = packet
            .get_mut(esp_offset..end)
            .ok_or(PacketError::Truncated)?;
        self.open_in(wide, esp, seq_hi)
    }

    /// True when this SA's AES-GCM runs on the crypto core's wide tier inside a section: what
    /// a caller checks before opening one for a chain.
    pub fn wide_capable(&self) -> bool {
        matches!(&self.enc, Enc::Gcm(k) if k.wide_capable())
    }

    fn seal_with_layout(
        &self,
        wide: Option<Wide<'_>>,
        esp: &mut [u8],
        layout: EspLayout,
        iv: &[u8; 16],
        seq_hi: u32,
    ) -> Result<(), PacketError> {
        // AES-CBC + HMAC-SHA-256: steps 1 to 3 in one pass (CBC and SHA-256 stitched in the
        // crypto core).
        if let Some((cbc, mac)) = self.cbc_sha256() {
            let (msg, icv) = stitched_parts(esp, layout)?;
            for (d, s) in msg
                .get_mut(ESP_HEADER_LEN..)
                .unwrap_or(&mut [])
                .iter_mut()
                .zip(iv)
            {
                *d = *s;
            }
            let mut tag = cbc_hmac::seal_in_place(
                cbc,
                mac,
                msg,
                ESP_HEADER_LEN + layout.iv_len,
                self.esn_trailer(seq_hi).as_slice(),
            )
            .map_err(cbc_hmac_error)?;
            for (d, s) in icv.iter_mut().zip(tag.iter()) {
                *d = *s;
            }
            tag.zeroize();
            return Ok(());
        }
        let (hdr, ivb, body, icv) = layout.split(esp)?;
        // Step 1: IV.
        for (d, s) in ivb.iter_mut().zip(iv.iter()) {
            *d = *s;
        }
        // AES-GCM: steps 2 and 3 in one pass (CTR and GHASH stitched in the crypto core).
        if let Enc::Gcm(k) = &self.enc {
            let (aad, n) = self.gcm_aad(hdr, seq_hi);
            return k
                .seal(wide, &iv8(iv), aad.get(..n).unwrap_or(&[]), body, icv)
                .map_err(gcm_error);
        }
        // Step 2: encrypt payload + padding + pad length + next header.
        self.encrypt_body(iv, body)?;
        // Step 3: ICV.
        self.compute_icv(hdr, ivb, body, seq_hi, icv);
        Ok(())
    }

    /// The AES-GCM AAD: `SPI | seq` or, with ESN, `SPI | seq_hi | seq_lo` (RFC 4106 §5), and
    /// its length.
    fn gcm_aad(&self, hdr: &[u8], seq_hi: u32) -> ([u8; 12], usize) {
        let mut aad = [0u8; 12];
        let (spi, seq) = hdr.split_at(4.min(hdr.len()));
        let mut n = 0;
        let mut put = |b: &[u8]| {
            for x in b {
                if let Some(d) = aad.get_mut(n) {
                    *d = *x;
                    n += 1;
                }
            }
        };
        put(spi);
        if self.cfg.esn {
            put(&seq_hi.to_be_bytes());
        }
        put(seq);
        (aad, n)
    }

    /// The CBC key of an AES-CBC SA with integrity (what [`EspSa::seal_many`] batches).
    pub(crate) fn batch_cbc(&self) -> Option<&AesCbc> {
        match (&self.enc, &self.auth) {
            (Enc::Aes(k), Some(_)) => Some(k.core()),
            _ => None,
        }
    }

    /// The next IV of this SA (step 1 of a batched seal).
    pub(crate) fn next_iv(&self, iv: &mut [u8; 16]) -> Result<(), PacketError> {
        self.generate_iv(iv)
    }

    /// Step 3 of a batched seal: the ICV of `esp`, whose body is already encrypted.
    pub(crate) fn write_icv(&self, esp: &mut [u8], seq_hi: u32) -> Result<(), PacketError> {
        let layout = EspLayout::new(&self.cfg, esp.len())?;
        let (hdr, ivb, body, icv) = layout.split(esp)?;
        self.compute_icv(hdr, ivb, body, seq_hi, icv);
        Ok(())
    }

    /// The CBC key and HMAC-SHA-256 key of an AES-CBC + HMAC-SHA-256 SA.
    fn cbc_sha256(&self) -> Option<(&AesCbc, &HmacSha256)> {
        match (&self.enc, &self.auth) {
            (Enc::Aes(k), Some(h)) => Some((k.core(), h.sha256()?)),
            _ => None,
        }
    }

    /// What the HMAC covers after the ciphertext: the high half of the ESN (RFC 4303 §2.2.1).
    fn esn_trailer(&self, seq_hi: u32) -> Trailer {
        Trailer {
            bytes: seq_hi.to_be_bytes(),
            len: if self.cfg.esn { 4 } else { 0 },
        }
    }

    fn encrypt_body(&self, iv: &[u8; 16], body: &mut [u8]) -> Result<(), PacketError> {
        match &self.enc {
            // GCM encrypts in `seal_with_layout`'s stitched path instead.
            Enc::Null | Enc::Gmac(_) | Enc::Gcm(_) => {}
            Enc::Des(k) => cbc_encrypt::<8, _>(k, &iv8(iv), body),
            Enc::Aes(k) => k.cbc_encrypt(iv, body).map_err(cbc_error)?,
        }
        Ok(())
    }

    fn decrypt_body(&self, iv: &[u8; 16], body: &mut [u8]) -> Result<(), PacketError> {
        match &self.enc {
            // GCM decrypts in `open`'s stitched path instead.
            Enc::Null | Enc::Gmac(_) | Enc::Gcm(_) => {}
            Enc::Des(k) => cbc_decrypt::<8, _>(k, &iv8(iv), body),
            Enc::Aes(k) => k.cbc_decrypt(iv, body).map_err(cbc_error)?,
        }
        Ok(())
    }

    /// Compute the ICV over the (encrypted) packet into `out`.
    ///
    /// * HMAC: over `SPI | seq | IV | ciphertext`, then the ESN high half
    ///   appended (RFC 4303 §2.2.1).
    /// * GCM: AAD = `SPI | seq` or `SPI | seq_hi | seq_lo` (RFC 4106 §5).
    /// * GMAC: AAD = `SPI | seq (| seq_hi | seq_lo) | IV | payload..next
    ///   header`, empty plaintext (RFC 4543 §5).
    fn compute_icv(&self, hdr: &[u8], ivb: &[u8], body: &[u8], seq_hi: u32, out: &mut [u8]) {
        let esn = self.cfg.esn;
        let (spi, seq) = hdr.split_at(4.min(hdr.len()));
        match (&self.enc, &self.auth) {
            (Enc::Gcm(k), _) | (Enc::Gmac(k), _) => {
                let gmac = matches!(self.enc, Enc::Gmac(_));
                let mut g = k.ghash();
                g.update(spi);
                if esn {
                    g.update(&seq_hi.to_be_bytes());
                }
                g.update(seq);
                let mut aad_len = 8 + if esn { 4 } else { 0 };
                let ct_len = if gmac {
                    g.update(ivb);
                    g.update(body);
                    aad_len += ivb.len() + body.len();
                    0
                } else {
                    g.pad();
                    g.update(body);
                    body.len()
                };
                k.finish_tag(g, &iv8(ivb), aad_len as u64, ct_len as u64, out);
            }
            (_, Some(h)) => {
                let mut s = h.start();
                s.update(hdr);
                s.update(ivb);
                s.update(body);
                if esn {
                    s.update(&seq_hi.to_be_bytes());
                }
                s.finish(out);
            }
            (_, None) => out.fill(0),
        }
    }

    /// Open (inbound): `esp` spans the ESP header to the end of the ICV.
    /// Verifies the ICV in constant time *before* decrypting, then decrypts
    /// in place and checks the trailer. Nothing is decrypted if the ICV
    /// fails. Anti-replay is the caller's (see [`crate::replay`]).
    pub fn open(&self, esp: &mut [u8], seq_hi: u32) -> Result<EspOpened, PacketError> {
        self.open_in(None, esp, seq_hi)
    }

    /// [`Self::open`], AES-GCM on the crypto core's wide tier when `wide` is given (the caller
    /// holds an open extended-state section); the same result either way.
    pub fn open_in(
        &self,
        wide: Option<Wide<'_>>,
        esp: &mut [u8],
        seq_hi: u32,
    ) -> Result<EspOpened, PacketError> {
        let layout = EspLayout::new(&self.cfg, esp.len())?;
        // AES-CBC + HMAC-SHA-256: steps 1 and 2 in one pass (SHA-256 and CBC stitched in the
        // crypto core); on a mismatch the core restores the ciphertext.
        if let Some((cbc, mac)) = self.cbc_sha256() {
            let (msg, icv) = stitched_parts(esp, layout)?;
            let body_at = ESP_HEADER_LEN + layout.iv_len;
            cbc_hmac::open_in_place(
                cbc,
                mac,
                msg,
                body_at,
                self.esn_trailer(seq_hi).as_slice(),
                icv,
            )
            .map_err(cbc_hmac_error)?;
            return opened(msg.get(body_at..).unwrap_or(&[]), layout.iv_len);
        }
        let (hdr, ivb, body, icv) = layout.split(esp)?;
        // AES-GCM: steps 1 and 2 in one pass (GHASH and CTR stitched in the crypto core); on a
        // mismatch the core restores the ciphertext, so nothing decrypted is left behind.
        if let Enc::Gcm(k) = &self.enc {
            let (aad, n) = self.gcm_aad(hdr, seq_hi);
            k.open(wide, &iv8(ivb), aad.get(..n).unwrap_or(&[]), body, icv)
                .map_err(gcm_error)?;
            return opened(body, layout.iv_len);
        }
        // Step 1: verify the ICV.
        let mut expect = [0u8; 16];
        let e = expect.get_mut(..icv.len()).ok_or(PacketError::BadLength)?;
        self.compute_icv(hdr, ivb, body, seq_hi, e);
        let ok: bool = e.ct_eq(icv).into();
        expect.zeroize();
        if !ok {
            return Err(PacketError::IcvMismatch);
        }
        // Step 2: decrypt.
        let iv = iv16(ivb);
        self.decrypt_body(&iv, body)?;
        // Step 3: trailer.
        opened(body, layout.iv_len)
    }
}

/// The authenticated part (header, IV, body) and the ICV of an ESP packet.
fn stitched_parts(
    esp: &mut [u8],
    layout: EspLayout,
) -> Result<(&mut [u8], &mut [u8]), PacketError> {
    let auth = ESP_HEADER_LEN + layout.iv_len + layout.body_len;
    let (msg, icv) = esp
        .split_at_mut_checked(auth)
        .ok_or(PacketError::Truncated)?;
    if icv.len() != layout.icv_len {
        return Err(PacketError::BadLength);
    }
    Ok((msg, icv))
}

/// A refusal of the crypto core's stitched CBC + HMAC as a packet error.
fn cbc_hmac_error(e: CbcHmacError) -> PacketError {
    match e {
        CbcHmacError::TagMismatch => PacketError::IcvMismatch,
        CbcHmacError::NotBlockMultiple { .. } => PacketError::NotBlockMultiple,
        // A key prepared for the other direction only (an offloaded SA's CBC key).
        CbcHmacError::Direction => PacketError::WrongDirection,
        CbcHmacError::NoIv => PacketError::BadLength,
    }
}

/// Step 3 of open: the trailer of the decrypted body.
fn opened(body: &[u8], iv_len: usize) -> Result<EspOpened, PacketError> {
    let (next_header, pad_length, payload_len) = check_trailer(body)?;
    Ok(EspOpened {
        next_header,
        pad_length,
        payload_offset: ESP_HEADER_LEN + iv_len,
        payload_len,
    })
}

/// A refusal of the crypto core's GCM as a packet error.
fn gcm_error(e: GcmError) -> PacketError {
    match e {
        GcmError::TagMismatch => PacketError::IcvMismatch,
        GcmError::TagLength { .. } | GcmError::TooLong => PacketError::BadLength,
        // Only a GMAC-only key refuses so, and ESP GCM never gets one (`GcmKey::new`).
        GcmError::GmacOnly => PacketError::BadLength,
    }
}

/// Size of the prepared encryption state enum.
pub(crate) fn enc_state_size() -> usize {
    core::mem::size_of::<Enc>()
}
