//! AES-CBC (RFC 3602 for ESP): single-packet encryption and decryption in place, and the
//! multi-buffer encryption of several packets (same or different keys) interleaved.

use alloc::boxed::Box;

use crate::cpu::{Features, Implementation};
use crate::error::{CbcError, KeyError};
use crate::soft::aes::SoftAes;

/// Which schedules a CBC key keeps: an outbound SA only encrypts, an inbound one only
/// decrypts (the decryption schedule is derived, by `aesimc`, only when asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CbcDirection {
    /// Encryption round keys only.
    Encrypt,
    /// Decryption round keys only.
    Decrypt,
    /// Both.
    Both,
}

impl CbcDirection {
    const fn enc(self) -> bool {
        matches!(self, Self::Encrypt | Self::Both)
    }

    const fn dec(self) -> bool {
        matches!(self, Self::Decrypt | Self::Both)
    }
}

/// An AES-CBC key (128, 192 or 256 bits), on the heap (built there in place): on the XMM tier
/// 176–240 bytes of round keys per direction prepared, each schedule in a block of 256 bytes
/// ([`Self::heap_bytes`]: 256 for one direction, 512 for both);
/// otherwise the `aes` crate's schedule. The handle itself is a few words.
#[derive(Debug)]
pub struct AesCbc {
    imp: Imp,
}

#[derive(Debug)]
enum Imp {
    #[cfg(target_arch = "x86_64")]
    Xmm(crate::x86::cbc::CbcKey),
    Portable {
        aes: Box<SoftAes>,
        enc: bool,
        dec: bool,
    },
}

/// One packet of [`AesCbc::encrypt_many`]: its key, IV and data (whole blocks, in place).
#[derive(Debug)]
pub struct CbcJob<'a> {
    /// The packet's key (prepared for encryption).
    pub key: &'a AesCbc,
    /// The packet's IV.
    pub iv: [u8; 16],
    /// The plaintext, encrypted in place.
    pub data: &'a mut [u8],
}

fn whole_blocks(data: &[u8]) -> Result<(), CbcError> {
    if data.len().is_multiple_of(16) {
        Ok(())
    } else {
        Err(CbcError::NotBlockMultiple { len: data.len() })
    }
}

impl AesCbc {
    /// Prepares `key` (16, 24 or 32 bytes) for `dir` on this CPU.
    pub fn new(key: &[u8], dir: CbcDirection) -> Result<Self, KeyError> {
        Self::with_features(key, dir, Features::detect())
    }

    /// Prepares `key` for `dir` with the given features ([`Features::NONE`]: portable).
    pub fn with_features(
        key: &[u8],
        dir: CbcDirection,
        features: Features,
    ) -> Result<Self, KeyError> {
        let bad = KeyError::AesKeyLength { got: key.len() };
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = crate::x86::cpuid::Xmm::detect(&features) {
            let k = crate::x86::cbc::CbcKey::new(cpu, key, dir.enc(), dir.dec())?.ok_or(bad)?;
            return Ok(Self { imp: Imp::Xmm(k) });
        }
        let _ = features;
        Self::portable(key, dir)?.ok_or(bad)
    }

    /// The portable key, boxed (never inlined: see `SoftAes::new`).
    #[inline(never)]
    fn portable(key: &[u8], dir: CbcDirection) -> Result<Option<Self>, KeyError> {
        let Some(aes) = SoftAes::new(key) else {
            return Ok(None);
        };
        let aes = ipsecov2_fallible::try_box(aes).map_err(|_| KeyError::NoMemory)?;
        Ok(Some(Self {
            imp: Imp::Portable {
                aes,
                enc: dir.enc(),
                dec: dir.dec(),
            },
        }))
    }

    /// Reads one value from each cache line of the key's schedules (XMM tier; nothing on the
    /// portable one), to bring them into the cache ahead of use; returns how many lines it
    /// read. Reveals nothing of the key.
    pub fn touch(&self) -> u32 {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => k.touch(),
            Imp::Portable { .. } => 0,
        }
    }

    /// Bytes of the key on the heap.
    pub fn heap_bytes(&self) -> usize {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => k.heap_bytes(),
            Imp::Portable { .. } => core::mem::size_of::<SoftAes>(),
        }
    }

    /// The implementation chosen when the key was prepared.
    pub fn implementation(&self) -> Implementation {
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(_) => Implementation::Xmm,
            Imp::Portable { .. } => Implementation::Portable,
        }
    }

    /// The XMM round keys `(encryption, decryption)`, when this key is on the XMM tier.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn xmm_schedules(
        &self,
    ) -> Option<(
        Option<&crate::x86::aes::Schedule>,
        Option<&crate::x86::aes::Schedule>,
    )> {
        match &self.imp {
            Imp::Xmm(k) => Some((k.enc.as_deref(), k.dec_schedule())),
            Imp::Portable { .. } => None,
        }
    }

    pub(crate) fn can_encrypt(&self) -> bool {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => k.has_enc(),
            Imp::Portable { enc, .. } => *enc,
        }
    }

    pub(crate) fn can_decrypt(&self) -> bool {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) => k.has_dec(),
            Imp::Portable { dec, .. } => *dec,
        }
    }

    /// Encrypts `data` (whole blocks) in place.
    pub fn encrypt_in_place(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<(), CbcError> {
        whole_blocks(data)?;
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) if k.has_enc() => k.encrypt(iv, data),
            Imp::Portable { aes, enc: true, .. } => crate::soft::cbc::encrypt(aes, iv, data),
            _ => return Err(CbcError::Direction),
        }
        Ok(())
    }

    /// Decrypts `data` (whole blocks) in place, 8 blocks in parallel.
    pub fn decrypt_in_place(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<(), CbcError> {
        whole_blocks(data)?;
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Xmm(k) if k.has_dec() => k.decrypt(iv, data),
            Imp::Portable { aes, dec: true, .. } => crate::soft::cbc::decrypt(aes, iv, data),
            _ => return Err(CbcError::Direction),
        }
        Ok(())
    }

    /// Encrypts several packets, each with its own key and IV; packets on XMM keys run up to
    /// 8 at a time interleaved (CBC is serial within a packet, not across packets). Every job
    /// is checked before any is touched.
    pub fn encrypt_many(jobs: &mut [CbcJob<'_>]) -> Result<(), CbcError> {
        Self::encrypt_lanes(jobs)
    }

    /// [`Self::encrypt_many`] over the caller's own job type (a batch of packets described in
    /// place, with no array of [`CbcJob`] to build): the jobs whose [`CbcLane::key`] is `None`
    /// are left alone. Every other job is checked before any is touched.
    pub fn encrypt_lanes<'k, J: CbcLane<'k>>(jobs: &mut [J]) -> Result<(), CbcError> {
        for j in jobs.iter_mut() {
            if let Some(k) = j.key() {
                whole_blocks(j.data())?;
                if !k.can_encrypt() {
                    return Err(CbcError::Direction);
                }
            }
        }
        // An XMM key among the jobs is the proof that the XMM code may run (no CPUID here).
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = jobs.iter().find_map(|j| match &j.key()?.imp {
            Imp::Xmm(k) => Some(k.cpu),
            Imp::Portable { .. } => None,
        }) {
            crate::x86::cbc::encrypt_many(cpu, jobs);
        }
        for j in jobs.iter_mut() {
            if let Some(Imp::Portable { aes, .. }) = j.key().map(|k| &k.imp) {
                let iv = j.iv();
                crate::soft::cbc::encrypt(aes, &iv, j.data());
            }
        }
        Ok(())
    }
}

/// One packet of [`AesCbc::encrypt_lanes`], as the caller keeps it (`'k`: the key's borrow).
pub trait CbcLane<'k> {
    /// The packet's key (prepared for encryption), or `None`: not a job of this call.
    fn key(&self) -> Option<&'k AesCbc>;
    /// The packet's IV.
    fn iv(&self) -> [u8; 16];
    /// The plaintext (whole blocks), encrypted in place.
    fn data(&mut self) -> &mut [u8];
}

impl<'a> CbcLane<'a> for CbcJob<'a> {
    fn key(&self) -> Option<&'a AesCbc> {
        Some(self.key)
    }

    fn iv(&self) -> [u8; 16] {
        self.iv
    }

    fn data(&mut self) -> &mut [u8] {
        self.data
    }
}

#[cfg(target_arch = "x86_64")]
impl<'a, J: CbcLane<'a>> crate::x86::cbc::Job<'a> for J {
    fn xmm_enc(&self, rounds: usize) -> Option<&'a crate::x86::aes::Schedule> {
        match &self.key()?.imp {
            Imp::Xmm(k) => k.enc.as_deref().filter(|s| s.rounds() == rounds),
            Imp::Portable { .. } => None,
        }
    }

    fn iv(&self) -> [u8; 16] {
        CbcLane::iv(self)
    }

    fn data(&mut self) -> &mut [u8] {
        CbcLane::data(self)
    }
}
