//! Steady-state throughput of the ESP engine (offload face, `EspSa::seal` /
//! `EspSa::open` on a framed contiguous ESP buffer) against raw RustCrypto
//! AES-GCM (`aes-gcm` 0.10, `encrypt_in_place_detached`) doing the same
//! cryptographic work on the same buffer.
//!
//! The `esp-speed` binary prints one `measure` line per case; the script
//! `tests/perf/esp-vs-openssl` adds OpenSSL figures and prints the ratios.
//! Nothing here asserts on speed: the unit tests only check that every case
//! runs and that the raw cases really do the work the ESP cases do.
#![forbid(unsafe_code)]

use std::fmt;
use std::hint::black_box;
use std::time::{Duration, Instant};

mod batch_cases;
mod core_cases;

pub use batch_cases::esp_seal_batch_case;
pub use core_cases::{core_open_case, core_seal_case};

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce, Tag};
use ipsec_engine::{
    AesKeySize, Direction, EspConfig, EspEncryption, EspIntegrity, EspSa, GcmIcvLen,
};

/// ESP fixed header (SPI + sequence number): the GCM AAD without ESN.
pub const ESP_HEADER_LEN: usize = 8;
/// Explicit IV length of AES-GCM in ESP.
pub const GCM_IV_LEN: usize = 8;
/// ICV length of the AES-GCM configurations measured here.
pub const GCM_ICV_LEN: usize = 16;

/// Deterministic key bytes.
pub fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed))
        .collect()
}

/// AES-GCM ESP configuration with a 16-byte ICV, no ESN.
pub fn gcm_config(size: AesKeySize) -> EspConfig {
    EspConfig {
        encryption: EspEncryption::AesGcm(size, GcmIcvLen::Icv16),
        integrity: EspIntegrity::None,
        esn: false,
    }
}

/// AES-CBC + HMAC ESP configuration, no ESN.
pub fn cbc_config(size: AesKeySize, integrity: EspIntegrity) -> EspConfig {
    EspConfig {
        encryption: EspEncryption::AesCbc(size),
        integrity,
        esn: false,
    }
}

/// A framed ESP packet (header to ICV) of about `size` bytes, as TCP/IP
/// hands it to the offload: SPI, sequence number, payload, padding 1, 2, 3,
/// ..., pad length and next header filled in; IV and ICV zero.
pub fn esp_frame(cfg: &EspConfig, size: usize) -> Vec<u8> {
    let block = cfg.encryption.block_size().max(4);
    let payload = size.saturating_sub(cfg.overhead()).max(1);
    let pad = (block - (payload + 2) % block) % block;
    let mut v = vec![0u8, 0, 1, 0, 0, 0, 0, 1];
    v.extend(vec![0u8; cfg.iv_len()]);
    v.extend(vec![0xa5u8; payload]);
    v.extend((1..=pad).map(|i| i as u8));
    v.push(pad as u8);
    v.push(4);
    v.extend(vec![0u8; cfg.icv_len()]);
    v
}

/// Prepare an ESP SA for `cfg` with deterministic keys.
pub fn esp_sa(cfg: EspConfig) -> Result<EspSa, String> {
    EspSa::new(
        cfg,
        &key(cfg.encryption.key_len(), 1),
        &key(cfg.integrity.key_len(), 2),
    )
    .map_err(|e| format!("EspSa::new({cfg:?}): {e:?}"))
}

/// Raw RustCrypto AES-GCM with the key and salt of [`esp_sa`] for the same
/// key size (KEYMAT = AES key || 4-byte salt).
pub struct RawGcm {
    cipher: RawCipher,
    salt: [u8; 4],
}

enum RawCipher {
    A128(Box<Aes128Gcm>),
    A256(Box<Aes256Gcm>),
}

impl fmt::Debug for RawGcm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawGcm").finish_non_exhaustive()
    }
}

impl RawGcm {
    /// Key the raw cipher like an ESP SA of `size` made by [`esp_sa`].
    pub fn new(size: AesKeySize) -> Result<Self, String> {
        let cfg = gcm_config(size);
        let keymat = key(cfg.encryption.key_len(), 1);
        let (k, s) = keymat.split_at(size.key_len());
        let bad = |_| format!("aes-gcm key of {} bytes refused", k.len());
        let cipher = match size {
            AesKeySize::Aes128 => {
                RawCipher::A128(Box::new(Aes128Gcm::new_from_slice(k).map_err(bad)?))
            }
            AesKeySize::Aes256 => {
                RawCipher::A256(Box::new(Aes256Gcm::new_from_slice(k).map_err(bad)?))
            }
            AesKeySize::Aes192 => {
                return Err("aes-gcm 0.10 has no AES-192 alias; not measured".into())
            }
        };
        let mut salt = [0u8; 4];
        salt.copy_from_slice(s);
        Ok(Self { cipher, salt })
    }

    fn nonce(&self, iv: &[u8; 8]) -> [u8; 12] {
        let mut n = [0u8; 12];
        n[..4].copy_from_slice(&self.salt);
        n[4..].copy_from_slice(iv);
        n
    }

    /// `encrypt_in_place_detached` with nonce `salt || iv`.
    pub fn seal(&self, iv: &[u8; 8], aad: &[u8], data: &mut [u8]) -> Result<[u8; 16], String> {
        let n = self.nonce(iv);
        let nonce = Nonce::from_slice(&n);
        let tag = match &self.cipher {
            RawCipher::A128(c) => c.encrypt_in_place_detached(nonce, aad, data),
            RawCipher::A256(c) => c.encrypt_in_place_detached(nonce, aad, data),
        }
        .map_err(|_| "aes-gcm encrypt failed".to_string())?;
        Ok(tag.into())
    }

    /// `decrypt_in_place_detached` with nonce `salt || iv`.
    pub fn open(
        &self,
        iv: &[u8; 8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), String> {
        let n = self.nonce(iv);
        let nonce = Nonce::from_slice(&n);
        let tag = Tag::from_slice(tag);
        match &self.cipher {
            RawCipher::A128(c) => c.decrypt_in_place_detached(nonce, aad, data, tag),
            RawCipher::A256(c) => c.decrypt_in_place_detached(nonce, aad, data, tag),
        }
        .map_err(|_| "aes-gcm tag mismatch".to_string())
    }
}

/// Header (AAD), IV, body and ICV of an ESP packet.
pub type Parts<'a> = (&'a mut [u8], &'a mut [u8], &'a mut [u8], &'a mut [u8]);

/// Split a framed AES-GCM ESP packet into header (AAD), IV, body and ICV.
pub fn gcm_parts(esp: &mut [u8]) -> Result<Parts<'_>, String> {
    let len = esp.len();
    let body_len = len
        .checked_sub(ESP_HEADER_LEN + GCM_IV_LEN + GCM_ICV_LEN)
        .ok_or_else(|| format!("ESP packet of {len} bytes too short"))?;
    let (hdr, rest) = esp.split_at_mut(ESP_HEADER_LEN);
    let (iv, rest) = rest.split_at_mut(GCM_IV_LEN);
    let (body, icv) = rest.split_at_mut(body_len);
    Ok((hdr, iv, body, icv))
}

fn iv_of(iv: &[u8]) -> Result<[u8; 8], String> {
    iv.try_into().map_err(|_| "IV is not 8 bytes".to_string())
}

/// Raw AES-GCM encryption of exactly what ESP seal encrypts in `esp`
/// (the body, AAD = the 8-byte header, nonce from the IV field); the tag is
/// written to the ICV field.
pub fn raw_seal_esp(raw: &RawGcm, esp: &mut [u8]) -> Result<(), String> {
    let (hdr, iv, body, icv) = gcm_parts(esp)?;
    let tag = raw.seal(&iv_of(iv)?, hdr, body)?;
    icv.copy_from_slice(&tag);
    Ok(())
}

/// Raw AES-GCM decryption of exactly what ESP open verifies and decrypts.
pub fn raw_open_esp(raw: &RawGcm, esp: &mut [u8]) -> Result<(), String> {
    let (hdr, iv, body, icv) = gcm_parts(esp)?;
    let tag: [u8; 16] = (&*icv)
        .try_into()
        .map_err(|_| "ICV is not 16 bytes".to_string())?;
    raw.open(&iv_of(iv)?, hdr, body, &tag)
}

type OpFn = Box<dyn FnMut() -> Result<(), String>>;

/// One measurable operation on its own buffer.
pub struct Case {
    /// Name printed on the `measure` line.
    pub name: String,
    /// Bytes one operation accounts for (the ESP packet length, header to ICV,
    /// for both the ESP and the same-work raw cases).
    pub bytes: usize,
    pub(crate) op: OpFn,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Case")
            .field("name", &self.name)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl Case {
    /// Run the operation once.
    pub fn run_once(&mut self) -> Result<(), String> {
        (self.op)().map_err(|e| format!("{}: {e}", self.name))
    }

    /// Run the operation `iters` times; returns the elapsed time.
    pub fn run(&mut self, iters: u64) -> Result<Duration, String> {
        let start = Instant::now();
        for _ in 0..iters {
            (self.op)().map_err(|e| format!("{}: {e}", self.name))?;
        }
        Ok(start.elapsed())
    }
}

/// ESP seal in steady state: the same buffer is sealed again and again (the
/// engine writes a fresh IV each time and does not look at the plaintext, so
/// no copy is needed).
pub fn esp_seal_case(name: &str, cfg: EspConfig, size: usize) -> Result<Case, String> {
    let sa = esp_sa(cfg)?;
    let mut buf = esp_frame(&cfg, size);
    let bytes = buf.len();
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || {
            sa.seal(black_box(&mut buf), 0)
                .map_err(|e| format!("seal: {e:?}"))
        }),
    })
}

/// ESP open: restore the sealed packet (a memcpy of the packet), then open it.
pub fn esp_open_case(name: &str, cfg: EspConfig, size: usize) -> Result<Case, String> {
    let sa = esp_sa(cfg)?;
    let sealed = sealed_by(&sa, &cfg, size)?;
    Ok(reopen_case(name, sealed, sa))
}

/// A framed ESP packet of about `size` bytes sealed by `sa`.
fn sealed_by(sa: &EspSa, cfg: &EspConfig, size: usize) -> Result<Vec<u8>, String> {
    let mut sealed = esp_frame(cfg, size);
    sa.seal(&mut sealed, 0)
        .map_err(|e| format!("seal: {e:?}"))?;
    Ok(sealed)
}

/// `sa` opening `sealed` again and again, each time restored first (a memcpy of the packet).
fn reopen_case(name: &str, sealed: Vec<u8>, sa: EspSa) -> Case {
    let mut buf = sealed.clone();
    Case {
        name: name.into(),
        bytes: buf.len(),
        op: Box::new(move || {
            buf.copy_from_slice(&sealed);
            sa.open(black_box(&mut buf), 0)
                .map(|o| {
                    black_box(o);
                })
                .map_err(|e| format!("open: {e:?}"))
        }),
    }
}

/// [`esp_open_case`] as an offloaded inbound SA opens: the SA prepared for
/// `Direction::Inbound` only (an AES-CBC key then holds just its decryption schedule),
/// the packet sealed by its outbound twin.
pub fn esp_open_inbound_case(name: &str, cfg: EspConfig, size: usize) -> Result<Case, String> {
    let one = |d| {
        EspSa::with_direction(
            cfg,
            d,
            &key(cfg.encryption.key_len(), 1),
            &key(cfg.integrity.key_len(), 2),
        )
        .map_err(|e| format!("EspSa::with_direction({cfg:?}): {e:?}"))
    };
    let (out, sa) = (one(Direction::Outbound)?, one(Direction::Inbound)?);
    let sealed = sealed_by(&out, &cfg, size)?;
    Ok(reopen_case(name, sealed, sa))
}

/// Raw AES-GCM doing the work of ESP seal on the same framed buffer.
pub fn raw_seal_case(name: &str, size: AesKeySize, esp_size: usize) -> Result<Case, String> {
    let raw = RawGcm::new(size)?;
    let mut buf = esp_frame(&gcm_config(size), esp_size);
    let bytes = buf.len();
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || raw_seal_esp(&raw, black_box(&mut buf))),
    })
}

/// Raw AES-GCM encrypting a whole `len`-byte buffer with a separate 8-byte AAD.
pub fn raw_seal_whole_case(name: &str, size: AesKeySize, len: usize) -> Result<Case, String> {
    let raw = RawGcm::new(size)?;
    let mut buf = vec![0xa5u8; len];
    let aad = [0u8, 0, 1, 0, 0, 0, 0, 1];
    let iv = [0u8; 8];
    Ok(Case {
        name: name.into(),
        bytes: len,
        op: Box::new(move || {
            let tag = raw.seal(&iv, &aad, black_box(&mut buf))?;
            black_box(tag);
            Ok(())
        }),
    })
}

/// Raw AES-GCM doing the work of ESP open (restore copy, verify, decrypt).
pub fn raw_open_case(name: &str, size: AesKeySize, esp_size: usize) -> Result<Case, String> {
    let raw = RawGcm::new(size)?;
    let mut sealed = esp_frame(&gcm_config(size), esp_size);
    raw_seal_esp(&raw, &mut sealed)?;
    let mut buf = sealed.clone();
    let bytes = buf.len();
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || {
            buf.copy_from_slice(&sealed);
            raw_open_esp(&raw, black_box(&mut buf))
        }),
    })
}

/// Per-case result: nanoseconds per operation over the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Median over the runs.
    pub median_ns: f64,
    /// Fastest run.
    pub min_ns: f64,
    /// Slowest run.
    pub max_ns: f64,
    /// Number of runs.
    pub runs: usize,
    /// Operations per run.
    pub iters: u64,
    /// Nanoseconds per operation of each run, in run order. Runs of
    /// neighbouring cases in [`standard_cases`] were taken back to back, so
    /// their ratio run by run is robust to slow phases of a shared machine.
    pub samples: Vec<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Warm a case up and choose how many operations make a run of about `run_time`.
pub fn calibrate(case: &mut Case, run_time: Duration) -> Result<u64, String> {
    let floor = (run_time / 10).max(Duration::from_micros(100));
    let mut iters = 1u64;
    loop {
        let t = case.run(iters)?;
        if t >= floor || iters >= 1 << 40 {
            let per_op = t.as_secs_f64() / iters as f64;
            let want = (run_time.as_secs_f64() / per_op.max(1e-12)).ceil();
            return Ok((want as u64).max(1));
        }
        iters *= 2;
    }
}

/// Measure every case `runs` times, interleaving the cases run by run so
/// that drifting background load hits all of them alike.
pub fn measure(cases: &mut [Case], runs: usize, run_time: Duration) -> Result<Vec<Stats>, String> {
    if runs == 0 {
        return Err("runs must be at least 1".into());
    }
    let mut iters = Vec::with_capacity(cases.len());
    for c in cases.iter_mut() {
        iters.push(calibrate(c, run_time)?);
    }
    let mut samples = vec![Vec::with_capacity(runs); cases.len()];
    for _ in 0..runs {
        for ((c, &n), s) in cases.iter_mut().zip(&iters).zip(samples.iter_mut()) {
            let t = c.run(n)?;
            s.push(t.as_secs_f64() * 1e9 / n as f64);
        }
    }
    samples
        .into_iter()
        .zip(iters)
        .zip(cases.iter())
        .map(|((mut s, n), c)| {
            let min = s.iter().copied().fold(f64::INFINITY, f64::min);
            let max = s.iter().copied().fold(0.0, f64::max);
            let samples = s.clone();
            let med = median(&mut s);
            if med.is_finite() && med > 0.0 {
                Ok(Stats {
                    median_ns: med,
                    min_ns: min,
                    max_ns: max,
                    runs,
                    iters: n,
                    samples,
                })
            } else {
                Err(format!("{}: no usable timing ({med} ns)", c.name))
            }
        })
        .collect()
}

/// The crypto core's AES-128/256-GCM on the XMM and wide tiers (one packet per operation, the
/// wide tier with a section around each), 16-packet batches at 1400 bytes (one section per
/// batch, as per NBL chain), the open cases' restore alone (`restore-chain16-1400`) and an empty section: `core-{xmm,wide}-aes{128,256}gcm-{seal,open}-SIZE`,
/// `core-{xmm,wide}-aes128gcm-{seal,open}-chain16-1400`, `section-xsave-xrstor`. Left out on
/// a CPU without the wide tier.
fn wide_cases(v: &mut Vec<Case>) -> Result<(), String> {
    use core_cases::{
        core_batch_open_case, core_batch_seal_case, restore_case, section_case, CoreTier,
    };
    if !ipsecov2_crypto::Features::detect().wide_tier() {
        return Ok(());
    }
    for klen in [16usize, 32] {
        let bits = klen * 8;
        for size in [64usize, 576, 1400, 9000] {
            for (t, tier) in [("xmm", CoreTier::Xmm), ("wide", CoreTier::Wide)] {
                v.push(core_batch_seal_case(
                    &format!("core-{t}-aes{bits}gcm-seal-{size}"),
                    klen,
                    size,
                    tier,
                    1,
                )?);
                v.push(core_batch_open_case(
                    &format!("core-{t}-aes{bits}gcm-open-{size}"),
                    klen,
                    size,
                    tier,
                    1,
                )?);
            }
        }
    }
    for (t, tier) in [("xmm", CoreTier::Xmm), ("wide", CoreTier::Wide)] {
        v.push(core_batch_seal_case(
            &format!("core-{t}-aes128gcm-seal-chain16-1400"),
            16,
            1400,
            tier,
            16,
        )?);
        v.push(core_batch_open_case(
            &format!("core-{t}-aes128gcm-open-chain16-1400"),
            16,
            1400,
            tier,
            16,
        )?);
    }
    v.push(restore_case("restore-chain16-1400", 1400, 16)?);
    v.push(section_case("section-xsave-xrstor")?);
    Ok(())
}

/// The cases the `esp-speed` binary measures, in print order.
pub fn standard_cases() -> Result<Vec<Case>, String> {
    use AesKeySize::{Aes128, Aes256};
    let mut v = Vec::new();
    for size in [64usize, 576, 1400, 9000] {
        v.push(core_seal_case(
            &format!("core-aes128gcm-seal-{size}"),
            size,
        )?);
        v.push(core_open_case(
            &format!("core-aes128gcm-open-{size}"),
            size,
        )?);
        let cbc = cbc_config(Aes128, EspIntegrity::HmacSha256_128);
        v.push(esp_seal_case(
            &format!("esp-aes128cbc-hmac-sha256-seal-{size}"),
            cbc,
            size,
        )?);
        v.push(esp_open_case(
            &format!("esp-aes128cbc-hmac-sha256-open-{size}"),
            cbc,
            size,
        )?);
        v.push(esp_open_inbound_case(
            &format!("esp-aes128cbc-hmac-sha256-open-inbound-{size}"),
            cbc,
            size,
        )?);
        v.push(esp_seal_batch_case::<8>(
            &format!("esp-aes128cbc-hmac-sha256-seal-chain8-{size}"),
            &[cbc],
            size,
        )?);
        v.push(esp_seal_batch_case::<16>(
            &format!("esp-aes128cbc-hmac-sha256-seal-chain16-{size}"),
            &[cbc],
            size,
        )?);
        let mixed = [
            cbc,
            cbc_config(AesKeySize::Aes256, EspIntegrity::HmacSha256_128),
            cbc_config(AesKeySize::Aes192, EspIntegrity::HmacSha256_128),
        ];
        v.push(esp_seal_batch_case::<8>(
            &format!("esp-mixedcbc-hmac-sha256-seal-chain8-{size}"),
            &mixed,
            size,
        )?);
        v.push(esp_seal_case(
            &format!("esp-aes128gcm-seal-{size}"),
            gcm_config(Aes128),
            size,
        )?);
        v.push(raw_seal_case(
            &format!("raw-aes128gcm-seal-{size}"),
            Aes128,
            size,
        )?);
        if size == 1400 {
            v.push(raw_seal_whole_case(
                "raw-aes128gcm-seal-whole-1400",
                Aes128,
                1400,
            )?);
        }
        v.push(esp_open_case(
            &format!("esp-aes128gcm-open-{size}"),
            gcm_config(Aes128),
            size,
        )?);
        v.push(raw_open_case(
            &format!("raw-aes128gcm-open-{size}"),
            Aes128,
            size,
        )?);
    }
    wide_cases(&mut v)?;
    v.push(esp_seal_case(
        "esp-aes256gcm-seal-1400",
        gcm_config(Aes256),
        1400,
    )?);
    v.push(raw_seal_case("raw-aes256gcm-seal-1400", Aes256, 1400)?);
    v.push(esp_open_case(
        "esp-aes256gcm-open-1400",
        gcm_config(Aes256),
        1400,
    )?);
    v.push(raw_open_case("raw-aes256gcm-open-1400", Aes256, 1400)?);
    let cbc = cbc_config(Aes128, EspIntegrity::HmacSha1_96);
    v.push(esp_seal_case(
        "esp-aes128cbc-hmac-sha1-seal-1400",
        cbc,
        1400,
    )?);
    v.push(esp_open_case(
        "esp-aes128cbc-hmac-sha1-open-1400",
        cbc,
        1400,
    )?);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The raw case does exactly the cryptographic work of ESP seal: same
    /// ciphertext and same ICV for the IV the engine chose.
    #[test]
    fn raw_seal_matches_esp_seal() {
        for size in [AesKeySize::Aes128, AesKeySize::Aes256] {
            for len in [64usize, 1400, 9000] {
                let cfg = gcm_config(size);
                let template = esp_frame(&cfg, len);
                assert_eq!(template.len(), len);
                let mut esp = template.clone();
                esp_sa(cfg).unwrap().seal(&mut esp, 0).unwrap();
                let mut raw = template.clone();
                raw[ESP_HEADER_LEN..ESP_HEADER_LEN + GCM_IV_LEN]
                    .copy_from_slice(&esp[ESP_HEADER_LEN..ESP_HEADER_LEN + GCM_IV_LEN]);
                raw_seal_esp(&RawGcm::new(size).unwrap(), &mut raw).unwrap();
                assert_ne!(raw, template);
                assert_eq!(raw, esp, "{size:?} {len}");
            }
        }
    }

    /// Raw open accepts what ESP sealed and restores the plaintext.
    #[test]
    fn raw_open_inverts_esp_seal() {
        let cfg = gcm_config(AesKeySize::Aes128);
        let template = esp_frame(&cfg, 1400);
        let mut p = template.clone();
        esp_sa(cfg).unwrap().seal(&mut p, 0).unwrap();
        raw_open_esp(&RawGcm::new(AesKeySize::Aes128).unwrap(), &mut p).unwrap();
        let body = ESP_HEADER_LEN + GCM_IV_LEN..template.len() - GCM_ICV_LEN;
        assert_eq!(p[body.clone()], template[body]);
    }

    /// Smoke test of the measurement code with tiny run times: every
    /// standard case runs (opens verify, so a broken case errors) and yields a
    /// positive finite time. No assertion on speed.
    #[test]
    fn standard_cases_run() {
        let mut cases = standard_cases().unwrap();
        let stats = measure(&mut cases, 2, Duration::from_micros(200)).unwrap();
        assert_eq!(stats.len(), cases.len());
        for (c, s) in cases.iter().zip(&stats) {
            // The section case times an XSAVE + XRSTOR pair, no packet (1 "byte").
            assert!(
                c.bytes >= 64 || c.name.starts_with("section-"),
                "{}",
                c.name
            );
            assert!(s.median_ns.is_finite() && s.median_ns > 0.0, "{}", c.name);
            assert!(
                s.min_ns <= s.median_ns && s.median_ns <= s.max_ns,
                "{}",
                c.name
            );
            assert_eq!(s.runs, 2);
            assert_eq!(s.samples.len(), 2);
        }
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn zero_runs_refused() {
        let mut cases = vec![raw_seal_whole_case("x", AesKeySize::Aes128, 64).unwrap()];
        assert!(measure(&mut cases, 0, Duration::from_micros(10)).is_err());
    }
}
