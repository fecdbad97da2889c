//! AES-GCM (RFC 4106 for ESP) and GMAC (RFC 4543): seal and open in place, 8-, 12- or 16-byte
//! ICVs, any AAD (8 bytes for ESP, 12 with extended sequence numbers).

use alloc::boxed::Box;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::cpu::{Features, Implementation};
use crate::error::{GcmError, KeyError};
use crate::section::Wide;
use crate::soft::gcm::SoftGcm;

/// An AES-GCM key (128, 192 or 256 bits) prepared once, on the heap (built there in place):
/// on the XMM tier the encryption round keys and H..H^8 (384 bytes, [`Self::heap_bytes`]), with
/// H^9..H^16 for the wide tier on a CPU that has it (512 bytes), or for a GMAC-only key ([`Self::gmac_only`]) H..H^8 and the
/// AES key (160 bytes); otherwise the `aes`/`ghash` crates' state. The handle itself is two
/// words.
#[derive(Debug)]
pub struct AesGcm {
    pub(crate) imp: Imp,
}

#[derive(Debug)]
pub(crate) enum Imp {
    #[cfg(target_arch = "x86_64")]
    Xmm(Box<crate::x86::gcm::GcmKey>),
    /// With H^9..H^16: made only on a CPU with the wide tier.
    #[cfg(target_arch = "x86_64")]
    XmmWide(Box<crate::x86::wide::key::WideGcmKey>),
    /// GMAC only: no round keys kept, no wide-tier powers.
    #[cfg(target_arch = "x86_64")]
    XmmGmac(Box<crate::x86::gmac::GmacKey>, crate::x86::gmac::KeyLen),
    Portable(Box<SoftGcm>),
}

/// Most data one call takes: the 32-bit block counter starts at 2 and must not wrap.
const MAX_DATA: u64 = ((1u64 << 32) - 2) * 16;

fn check_icv(len: usize) -> Result<(), GcmError> {
    match len {
        8 | 12 | 16 => Ok(()),
        got => Err(GcmError::TagLength { got }),
    }
}

fn check_len(len: usize) -> Result<(), GcmError> {
    if len as u64 > MAX_DATA {
        Err(GcmError::TooLong)
    } else {
        Ok(())
    }
}

impl AesGcm {
    /// Prepares `key` (16, 24 or 32 bytes) for this CPU.
    pub fn new(key: &[u8]) -> Result<Self, KeyError> {
        Self::with_features(key, Features::detect())
    }

    /// Prepares `key` for the given features (tests force the portable code with
    /// [`Features::NONE`]; passing features this CPU lacks is refused by falling back).
    pub fn with_features(key: &[u8], features: Features) -> Result<Self, KeyError> {
        let bad = KeyError::AesKeyLength { got: key.len() };
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = crate::x86::cpuid::Xmm::detect(&features) {
            // The wide tier's powers only where the wide tier can run.
            let wide = crate::x86::cpuid::WideCpu::detect().filter(|_| features.wide_tier());
            let imp = match wide {
                Some(w) => {
                    Imp::XmmWide(crate::x86::wide::key::WideGcmKey::new(cpu, w, key)?.ok_or(bad)?)
                }
                None => Imp::Xmm(crate::x86::gcm::GcmKey::new(cpu, key)?.ok_or(bad)?),
            };
            return Ok(Self { imp });
        }
        let _ = features;
        Self::portable(key)?.ok_or(bad)
    }

    /// Prepares `key` for GMAC alone ([`Self::gmac`], [`Self::gmac_verify`], [`Self::ghash`]
    /// and [`Self::ghash_finish`]; seal and open refuse it with [`GcmError::GmacOnly`]): on the
    /// XMM tier H..H^8 and the AES key, 160 bytes, each tag expanding the AES schedule on the
    /// stack for its one block (AH AES-GMAC and ESP AES-GMAC need no more).
    pub fn gmac_only(key: &[u8]) -> Result<Self, KeyError> {
        Self::gmac_only_with_features(key, Features::detect())
    }

    /// [`Self::gmac_only`] for the given features (see [`Self::with_features`]).
    pub fn gmac_only_with_features(key: &[u8], features: Features) -> Result<Self, KeyError> {
        let bad = KeyError::AesKeyLength { got: key.len() };
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = crate::x86::cpuid::Xmm::detect(&features) {
            let (k, len) = crate::x86::gmac::GmacKey::new(cpu, key)?.ok_or(bad)?;
            return Ok(Self {
                imp: Imp::XmmGmac(k, len),
            });
        }
        let _ = features;
        Self::portable(key)?.ok_or(bad)
    }

    /// True for a key made by [`Self::gmac_only`] on the XMM tier (seal and open refuse it).
    pub fn is_gmac_only(&self) -> bool {
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::XmmGmac(..) => true,
            _ => false,
        }
    }

    /// The portable key, boxed (never inlined: see `SoftAes::new`).
    #[inline(never)]
    fn portable(key: &[u8]) -> Result<Option<Self>, KeyError> {
        let Some(k) = SoftGcm::new(key) else {
            return Ok(None);
        };
        let k = ipsecov2_fallible::try_box(k).map_err(|_| KeyError::NoMemory)?;
        Ok(Some(Self {
            imp: Imp::Portable(k),
        }))
    }

    /// Reads one value from each cache line of the key's heap block (XMM tier; nothing on the
    /// portable one), to bring it into the cache ahead of use, e.g. for many SAs of a receive
    /// chain at once; returns how many lines it read. Reveals nothing of the key.
    pub fn touch(&self) -> u32 {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => k.touch(),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmWide(k) => k.touch(),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmGmac(k, _) => k.touch(),
            Imp::Portable(_) => 0,
        }
    }

    /// Bytes of the key on the heap.
    pub fn heap_bytes(&self) -> usize {
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(_) => core::mem::size_of::<crate::x86::gcm::GcmKey>(),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmWide(_) => core::mem::size_of::<crate::x86::wide::key::WideGcmKey>(),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmGmac(..) => core::mem::size_of::<crate::x86::gmac::GmacKey>(),
            Imp::Portable(_) => core::mem::size_of::<SoftGcm>(),
        }
    }

    /// The implementation chosen when the key was prepared.
    pub fn implementation(&self) -> Implementation {
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(_) | Imp::XmmWide(_) | Imp::XmmGmac(..) => Implementation::Xmm,
            Imp::Portable(_) => Implementation::Portable,
        }
    }

    /// Encrypts `data` in place and writes the ICV (its length picks the truncation: 8, 12 or
    /// 16 bytes) over `aad` and the ciphertext.
    pub fn seal_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        icv: &mut [u8],
    ) -> Result<(), GcmError> {
        self.seal_in_place_with(None, nonce, aad, data, icv)
    }

    /// [`Self::seal_in_place`], on the wide tier when `wide` is given (an open
    /// [`crate::ExtendedStateSection`]) and this key is on the XMM tier; the same bytes either
    /// way.
    pub fn seal_in_place_with(
        &self,
        wide: Option<Wide<'_>>,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        icv: &mut [u8],
    ) -> Result<(), GcmError> {
        check_icv(icv.len())?;
        check_len(data.len())?;
        let mut tag = self.seal_full(wide, nonce, aad, data)?;
        icv.copy_from_slice(&tag[..icv.len()]);
        tag.zeroize();
        Ok(())
    }

    fn seal_full(
        &self,
        wide: Option<Wide<'_>>,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; 16], GcmError> {
        Ok(match (&self.imp, wide) {
            #[cfg(target_arch = "x86_64")]
            (Imp::XmmWide(k), Some(w)) => k.seal_wide(w, nonce, aad, data),
            #[cfg(target_arch = "x86_64")]
            (Imp::XmmWide(k), None) => k.key.seal(nonce, aad, data),
            // A key without the wide powers ignores the proof: the same bytes on the XMM tier.
            #[cfg(target_arch = "x86_64")]
            (Imp::Xmm(k), _) => k.seal(nonce, aad, data),
            #[cfg(target_arch = "x86_64")]
            (Imp::XmmGmac(..), _) => return Err(GcmError::GmacOnly),
            (Imp::Portable(k), _) => k.seal(nonce, aad, data),
        })
    }

    /// True when this key runs on the wide tier inside a section (it was made on the XMM tier
    /// of a CPU with the wide one, and carries H^9..H^16): what a caller checks before opening
    /// a section for it.
    pub fn wide_capable(&self) -> bool {
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::XmmWide(_) => true,
            _ => false,
        }
    }

    /// Checks the ICV over `aad` and the ciphertext in constant time and decrypts `data` in
    /// place. On [`GcmError::TagMismatch`] `data` holds the ciphertext as received.
    pub fn open_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        icv: &[u8],
    ) -> Result<(), GcmError> {
        self.open_in_place_with(None, nonce, aad, data, icv)
    }

    /// [`Self::open_in_place`], on the wide tier when `wide` is given and this key is on the
    /// XMM tier.
    pub fn open_in_place_with(
        &self,
        wide: Option<Wide<'_>>,
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        icv: &[u8],
    ) -> Result<(), GcmError> {
        check_icv(icv.len())?;
        check_len(data.len())?;
        let ok = match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::XmmWide(k) => {
                let tag = match wide {
                    Some(w) => k.open_wide(w, nonce, aad, data),
                    None => k.key.open(nonce, aad, data),
                };
                Self::check_or_restore(&k.key, tag, icv, nonce, data)
            }
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => {
                // Without the wide powers the proof is ignored: the XMM tier, the same bytes.
                let tag = k.open(nonce, aad, data);
                Self::check_or_restore(k, tag, icv, nonce, data)
            }
            #[cfg(target_arch = "x86_64")]
            Imp::XmmGmac(..) => return Err(GcmError::GmacOnly),
            Imp::Portable(k) => {
                let _ = wide;
                k.open(nonce, aad, data, |tag| tag[..icv.len()].ct_eq(icv).into())
            }
        };
        if ok {
            Ok(())
        } else {
            Err(GcmError::TagMismatch)
        }
    }

    /// Compares the leftmost `icv.len()` bytes of `tag` with `icv` in constant time; on a
    /// mismatch re-applies the key stream to `data` (the ciphertext as received again).
    #[cfg(target_arch = "x86_64")]
    fn check_or_restore(
        k: &crate::x86::gcm::GcmKey,
        mut tag: [u8; 16],
        icv: &[u8],
        nonce: &[u8; 12],
        data: &mut [u8],
    ) -> bool {
        let ok: bool = tag.get(..icv.len()).is_some_and(|t| t.ct_eq(icv).into());
        tag.zeroize();
        if !ok {
            k.ctr(nonce, data);
        }
        ok
    }

    /// GMAC (GCM with no data): the ICV over `head` followed by `body` (for ESP, the header
    /// with the ESN high bits, then IV, payload and trailer).
    pub fn gmac(
        &self,
        nonce: &[u8; 12],
        head: &[u8],
        body: &[u8],
        icv: &mut [u8],
    ) -> Result<(), GcmError> {
        check_icv(icv.len())?;
        check_len(body.len())?;
        let mut tag = self.gmac_full(nonce, head, body);
        icv.copy_from_slice(&tag[..icv.len()]);
        tag.zeroize();
        Ok(())
    }

    /// Checks a GMAC ICV in constant time.
    pub fn gmac_verify(
        &self,
        nonce: &[u8; 12],
        head: &[u8],
        body: &[u8],
        icv: &[u8],
    ) -> Result<(), GcmError> {
        check_icv(icv.len())?;
        check_len(body.len())?;
        let mut tag = self.gmac_full(nonce, head, body);
        let ok: bool = tag[..icv.len()].ct_eq(icv).into();
        tag.zeroize();
        if ok {
            Ok(())
        } else {
            Err(GcmError::TagMismatch)
        }
    }

    fn gmac_full(&self, nonce: &[u8; 12], head: &[u8], body: &[u8]) -> [u8; 16] {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => k.gmac(nonce, head, body),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmWide(k) => k.key.gmac(nonce, head, body),
            #[cfg(target_arch = "x86_64")]
            Imp::XmmGmac(k, len) => k.gmac(*len, nonce, head, body),
            Imp::Portable(k) => k.gmac(nonce, head, body),
        }
    }
}
