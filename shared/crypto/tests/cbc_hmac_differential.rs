//! The stitched AES-CBC + HMAC-SHA-256 (`cbc_hmac`) against RustCrypto `cbc` then `hmac` over
//! the ciphertext: every key size, every whole-block body length up to 4,200, headers before
//! the IV of 0 to 40 bytes, ESN trailers, unaligned offsets, both tiers of the cipher and of
//! the hash in every combination; open round trips, tampered ICVs and ciphertexts refused with
//! the data left as received, and the refusals that come before any byte is touched.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncryptMut, KeyIvInit};
use common::{tiers, Rng, OFFSETS};
use hmac::Mac;
use ipsecov2_crypto::{cbc_hmac, AesCbc, CbcDirection, CbcHmacError, Features, HmacSha256};

fn ref_encrypt(key: &[u8], iv: &[u8; 16], data: &mut [u8]) {
    fn go<E: BlockEncryptMut<BlockSize = aes::cipher::consts::U16>>(mut e: E, data: &mut [u8]) {
        for b in data.chunks_exact_mut(16) {
            e.encrypt_block_mut(GenericArray::from_mut_slice(b));
        }
    }
    match key.len() {
        16 => go(
            cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv).unwrap(),
            data,
        ),
        24 => go(
            cbc::Encryptor::<aes::Aes192>::new_from_slices(key, iv).unwrap(),
            data,
        ),
        _ => go(
            cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv).unwrap(),
            data,
        ),
    }
}

fn ref_mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Every whole-block body length up to 4,200 bytes.
fn body_lengths() -> impl Iterator<Item = usize> {
    (0..=4200 / 16).map(|b| b * 16)
}

#[test]
fn seal_and_open_match_rustcrypto() {
    let mut rng = Rng(0x5eed_0000_cbc5_0256);
    let all = tiers();
    let mut stitched = 0usize;
    for klen in [16usize, 24, 32] {
        let key = rng.bytes(klen);
        let mkey = rng.bytes(32);
        for &ct in &all {
            for &ht in &all {
                let cbc = AesCbc::with_features(&key, CbcDirection::Both, ct).unwrap();
                let mac = HmacSha256::with_features(&mkey, ht);
                for blen in body_lengths() {
                    // ESP's 8-byte header, or none, or odd ones; ESN trailer or none.
                    let head = [8usize, 0, 1, 24, 40][blen / 16 % 5];
                    let trailer = rng.bytes(if blen % 32 == 0 { 4 } else { 0 });
                    let off = OFFSETS[blen / 16 % OFFSETS.len()];
                    let body_at = head + 16;
                    let n = body_at + blen;
                    let plain = rng.bytes(n);
                    let mut buf = vec![0u8; off + n];
                    buf[off..].copy_from_slice(&plain);
                    let msg = &mut buf[off..];

                    let mut expect = plain.clone();
                    let iv: [u8; 16] = plain[head..body_at].try_into().unwrap();
                    ref_encrypt(&key, &iv, &mut expect[body_at..]);
                    let tag = ref_mac(&mkey, &[&expect, &trailer]);

                    let got = cbc_hmac::seal_in_place(&cbc, &mac, msg, body_at, &trailer).unwrap();
                    assert_eq!(msg, &expect[..], "seal k{klen} len {blen} head {head}");
                    assert_eq!(got, tag, "icv k{klen} len {blen} head {head}");

                    // Open with the full and the ESP-truncated ICV.
                    let icv_len = if blen % 48 == 0 { 32 } else { 16 };
                    cbc_hmac::open_in_place(&cbc, &mac, msg, body_at, &trailer, &tag[..icv_len])
                        .unwrap();
                    assert_eq!(msg, &plain[..], "open k{klen} len {blen} head {head}");

                    // Tampered ICV, then a tampered ciphertext byte: refused, data as received.
                    let mut sealed = expect.clone();
                    let mut bad = tag;
                    bad[blen % 16] ^= 0x20;
                    let r = cbc_hmac::open_in_place(
                        &cbc,
                        &mac,
                        &mut sealed,
                        body_at,
                        &trailer,
                        &bad[..16],
                    );
                    assert_eq!(r, Err(CbcHmacError::TagMismatch));
                    assert_eq!(sealed, expect, "restored after a bad ICV, len {blen}");
                    let at = (blen * 7 + 3) % n;
                    sealed[at] ^= 1;
                    let before = sealed.clone();
                    let r = cbc_hmac::open_in_place(
                        &cbc,
                        &mac,
                        &mut sealed,
                        body_at,
                        &trailer,
                        &tag[..16],
                    );
                    assert_eq!(r, Err(CbcHmacError::TagMismatch));
                    assert_eq!(sealed, before, "restored after a bad byte, len {blen}");
                }
                if ct.xmm_tier() && ht.sha {
                    stitched += 1;
                }
            }
        }
    }
    let f = Features::detect();
    if f.xmm_tier() && f.sha {
        assert_eq!(stitched, 3, "the stitched code ran for every key size");
    }
}

#[test]
fn refusals_touch_nothing() {
    for f in tiers() {
        let cbc = AesCbc::with_features(&[1u8; 16], CbcDirection::Both, f).unwrap();
        let enc_only = AesCbc::with_features(&[1u8; 16], CbcDirection::Encrypt, f).unwrap();
        let dec_only = AesCbc::with_features(&[1u8; 16], CbcDirection::Decrypt, f).unwrap();
        let mac = HmacSha256::with_features(b"key", f);
        let orig: Vec<u8> = (0..72u8).collect();
        let mut m = orig.clone();
        assert_eq!(
            cbc_hmac::seal_in_place(&cbc, &mac, &mut m, 25, &[]),
            Err(CbcHmacError::NotBlockMultiple { len: 47 })
        );
        assert_eq!(
            cbc_hmac::seal_in_place(&cbc, &mac, &mut m, 8, &[]),
            Err(CbcHmacError::NoIv)
        );
        assert_eq!(
            cbc_hmac::seal_in_place(&cbc, &mac, &mut m, 80, &[]),
            Err(CbcHmacError::NoIv)
        );
        assert_eq!(
            cbc_hmac::seal_in_place(&dec_only, &mac, &mut m, 24, &[]),
            Err(CbcHmacError::Direction)
        );
        assert_eq!(
            cbc_hmac::open_in_place(&enc_only, &mac, &mut m, 24, &[], &[0; 16]),
            Err(CbcHmacError::Direction)
        );
        assert_eq!(
            cbc_hmac::open_in_place(&cbc, &mac, &mut m, 24, &[], &[]),
            Err(CbcHmacError::TagMismatch)
        );
        assert_eq!(m, orig);
        // A decrypt-only key opens too (not stitched: verify, then decrypt).
        let tag = cbc_hmac::seal_in_place(&cbc, &mac, &mut m, 24, &[9]).unwrap();
        cbc_hmac::open_in_place(&dec_only, &mac, &mut m, 24, &[9], &tag[..16]).unwrap();
        assert_eq!(m, orig);
    }
}
