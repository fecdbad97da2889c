//! The crypto core (`ipsecov2-crypto`) doing the cryptographic work of ESP AES-GCM seal and
//! open on the same framed buffer as the ESP cases: AAD the 8-byte header, nonce salt || IV,
//! the body in place, the 16-byte ICV at the end.

use std::hint::black_box;

use ipsecov2_crypto::{AesGcm, ExtendedStateSection, Wide, XsaveState};

use crate::{esp_frame, gcm_config, key, Case, ESP_HEADER_LEN, GCM_ICV_LEN, GCM_IV_LEN};

fn split(buf: &mut [u8]) -> ([u8; 12], [u8; ESP_HEADER_LEN], &mut [u8], &mut [u8]) {
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(&[0x5a, 0x17, 0x00, 0x01]);
    nonce[4..].copy_from_slice(&buf[ESP_HEADER_LEN..ESP_HEADER_LEN + GCM_IV_LEN]);
    let mut aad = [0u8; ESP_HEADER_LEN];
    aad.copy_from_slice(&buf[..ESP_HEADER_LEN]);
    let n = buf.len();
    let (body, icv) = buf[ESP_HEADER_LEN + GCM_IV_LEN..].split_at_mut(n - 32);
    (nonce, aad, body, icv)
}

fn core_key(klen: usize) -> Result<AesGcm, String> {
    AesGcm::new(&key(klen, 1)).map_err(|e| format!("key: {e:?}"))
}

/// Which tier a core case runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreTier {
    /// The XMM tier (no section).
    Xmm,
    /// The wide tier inside a section opened and closed around every operation with a real
    /// XSAVE / XRSTOR of the AVX state (what the kernel's save and restore do at their core).
    Wide,
}

fn engine_size(klen: usize) -> ipsec_engine::AesKeySize {
    if klen == 32 {
        ipsec_engine::AesKeySize::Aes256
    } else {
        ipsec_engine::AesKeySize::Aes128
    }
}

/// The crypto core sealing `packets` framed ESP packets of about `size` bytes each with a
/// `klen`-byte key, on `tier` (the wide tier: one section around the whole batch, as the
/// filter opens one per NBL chain).
pub fn core_batch_seal_case(
    name: &str,
    klen: usize,
    size: usize,
    tier: CoreTier,
    packets: usize,
) -> Result<Case, String> {
    let k = core_key(klen)?;
    let bufs = vec![esp_frame(&gcm_config(engine_size(klen)), size); packets];
    batch_case(name, k, tier, bufs, |k, wide, buf| {
        let (nonce, aad, body, icv) = split(black_box(buf));
        k.seal_in_place_with(wide, &nonce, &aad, body, icv)
            .map_err(|e| format!("seal: {e:?}"))
    })
}

/// The crypto core opening `packets` such packets (each restored first, a memcpy), on `tier`
/// (the wide tier: one section around the batch).
pub fn core_batch_open_case(
    name: &str,
    klen: usize,
    size: usize,
    tier: CoreTier,
    packets: usize,
) -> Result<Case, String> {
    let k = core_key(klen)?;
    let sealed = sealed_frame(&k, engine_size(klen), size)?;
    let bufs = vec![sealed.clone(); packets];
    batch_case(name, k, tier, bufs, move |k, wide, buf| {
        buf.copy_from_slice(&sealed);
        let (nonce, aad, body, icv) = split(black_box(buf));
        let icv: [u8; 16] = icv.try_into().map_err(|_| "icv length".to_string())?;
        k.open_in_place_with(wide, &nonce, &aad, body, &icv)
            .map_err(|e| format!("open: {e:?}"))
    })
}

/// A framed ESP packet of about `size` bytes sealed with `k` (`key_size`).
fn sealed_frame(
    k: &AesGcm,
    key_size: ipsec_engine::AesKeySize,
    size: usize,
) -> Result<Vec<u8>, String> {
    let mut sealed = esp_frame(&gcm_config(key_size), size);
    let (nonce, aad, body, icv) = split(&mut sealed);
    k.seal_in_place(&nonce, &aad, body, icv)
        .map_err(|e| format!("seal: {e:?}"))?;
    Ok(sealed)
}

/// The case running `each` over every one of `bufs` with `k`, on `tier` (the wide tier: one
/// section around the whole batch, as the filter opens one per NBL chain).
fn batch_case(
    name: &str,
    k: AesGcm,
    tier: CoreTier,
    mut bufs: Vec<Vec<u8>>,
    each: impl Fn(&AesGcm, Option<Wide<'_>>, &mut [u8]) -> Result<(), String> + 'static,
) -> Result<Case, String> {
    let bytes = bufs.iter().map(Vec::len).sum();
    let saver = XsaveState::default();
    if tier == CoreTier::Wide && !k.wide_capable() {
        return Err("this CPU has no wide tier".into());
    }
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || {
            let section = match tier {
                CoreTier::Wide => {
                    Some(ExtendedStateSection::open(&saver).map_err(|e| format!("{e:?}"))?)
                }
                CoreTier::Xmm => None,
            };
            let wide = section.as_ref().map(ExtendedStateSection::wide);
            for buf in &mut bufs {
                each(&k, wide, buf)?;
            }
            Ok(())
        }),
    })
}

/// The restore alone of the open cases: `packets` packets of about `size` bytes copied from
/// their template (what `core_batch_open_case` does before each open), to subtract.
pub fn restore_case(name: &str, size: usize, packets: usize) -> Result<Case, String> {
    let sealed = esp_frame(&gcm_config(engine_size(16)), size);
    let mut bufs = vec![sealed.clone(); packets];
    let bytes = bufs.iter().map(Vec::len).sum();
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || {
            for buf in &mut bufs {
                black_box(&mut *buf).copy_from_slice(&sealed);
            }
            Ok(())
        }),
    })
}

/// An empty section: XSAVE then XRSTOR of the SSE and AVX state (the fixed cost the wide tier
/// pays once per NBL chain).
pub fn section_case(name: &str) -> Result<Case, String> {
    let saver = XsaveState::default();
    Ok(Case {
        name: name.into(),
        bytes: 1,
        op: Box::new(move || {
            let s = ExtendedStateSection::open(&saver).map_err(|e| format!("{e:?}"))?;
            black_box(&s);
            Ok(())
        }),
    })
}

/// The crypto core sealing the body of a framed AES-128-GCM ESP packet of about `size` bytes.
pub fn core_seal_case(name: &str, size: usize) -> Result<Case, String> {
    let k = core_key(16)?;
    let mut buf = esp_frame(&gcm_config(ipsec_engine::AesKeySize::Aes128), size);
    let bytes = buf.len();
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || {
            let (nonce, aad, body, icv) = split(black_box(&mut buf));
            k.seal_in_place(&nonce, &aad, body, icv)
                .map_err(|e| format!("seal: {e:?}"))
        }),
    })
}

/// The crypto core opening it: restore the sealed packet (a memcpy), then open.
pub fn core_open_case(name: &str, size: usize) -> Result<Case, String> {
    let k = core_key(16)?;
    let sealed = sealed_frame(&k, ipsec_engine::AesKeySize::Aes128, size)?;
    debug_assert_eq!(GCM_ICV_LEN, 16);
    let mut buf = sealed.clone();
    let bytes = buf.len();
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || {
            buf.copy_from_slice(&sealed);
            let (nonce, aad, body, icv) = split(black_box(&mut buf));
            let icv: [u8; 16] = icv.try_into().map_err(|_| "icv length".to_string())?;
            k.open_in_place(&nonce, &aad, body, &icv)
                .map_err(|e| format!("open: {e:?}"))
        }),
    })
}
