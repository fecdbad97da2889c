//! The crypto core (`ipsecov2-crypto`) doing the cryptographic work of ESP AES-GCM seal and
//! open on the same framed buffer as the ESP cases: AAD the 8-byte header, nonce salt || IV,
//! the body in place, the 16-byte ICV at the end.

use std::hint::black_box;

use ipsecov2_crypto::AesGcm;

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

fn core_key() -> Result<AesGcm, String> {
    AesGcm::new(&key(16, 1)).map_err(|e| format!("key: {e:?}"))
}

/// The crypto core sealing the body of a framed AES-128-GCM ESP packet of about `size` bytes.
pub fn core_seal_case(name: &str, size: usize) -> Result<Case, String> {
    let k = core_key()?;
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
    let k = core_key()?;
    let mut sealed = esp_frame(&gcm_config(ipsec_engine::AesKeySize::Aes128), size);
    {
        let (nonce, aad, body, icv) = split(&mut sealed);
        k.seal_in_place(&nonce, &aad, body, icv)
            .map_err(|e| format!("seal: {e:?}"))?;
    }
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
