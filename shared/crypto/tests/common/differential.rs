//! The differential harness of the fuzz target (`fuzz/fuzz_targets/differential.rs`) and of
//! the corpus replay (`tests/fuzz_corpus.rs`): ours on every tier (GCM also on the wide
//! tier, inside a section) against RustCrypto on a
//! random key, nonce, AAD, data length and offset.
//!
//! Input: byte 0 picks the key size (mod 3) and the operation (/3 mod 6: GCM, GMAC, CBC,
//! HMAC, AES-CBC + HMAC-SHA-256 stitched, multi-buffer CBC); bytes 1..33 key material, 33..49
//! nonce / IV, 49 the AAD length (mod 40) and ICV choice, 50 the data offset (mod 16); the rest
//! is AAD then data. The stitched operation takes the AAD as the bytes before the IV (ESP's
//! header) and bit 4 of byte 50 for a 4-byte trailer (ESN); the multi-buffer one cuts the rest
//! into `byte 49 % 12 + 1` packets of mixed key sizes.

use super::{gcm_tiers, ref_seal, tiers, with_tier};
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncryptMut, KeyIvInit};
use hmac::Mac;
use ipsecov2_crypto::{
    cbc_hmac, AesCbc, AesGcm, CbcDirection, CbcHmacError, CbcJob, GcmError, HmacSha1, HmacSha256,
};

/// Bytes before the AAD and data.
pub const HEADER: usize = 51;

pub fn run(data: &[u8]) {
    if data.len() < HEADER {
        return;
    }
    let key_len = [16, 24, 32][usize::from(data[0]) % 3];
    let op = (data[0] / 3) % 6;
    let key = &data[1..1 + key_len];
    let nonce: [u8; 12] = data[33..45].try_into().unwrap();
    let iv: [u8; 16] = data[33..49].try_into().unwrap();
    let aad_len = usize::from(data[49]) % 40;
    let icv_len = [16, 12, 8][usize::from(data[49] / 40) % 3];
    let off = usize::from(data[50]) % 16;
    let rest = &data[HEADER..];
    let (aad, body) = rest.split_at(aad_len.min(rest.len()));
    let mut buf = vec![0u8; off + body.len()];
    buf[off..].copy_from_slice(body);
    match op {
        0 => {
            let mut want = body.to_vec();
            let tag = ref_seal(key, &nonce, aad, &mut want);
            for t in gcm_tiers() {
                let k = AesGcm::with_features(key, t.features).unwrap();
                let mut d = buf.clone();
                let mut icv = vec![0u8; icv_len];
                with_tier(t, |w| {
                    k.seal_in_place_with(w, &nonce, aad, &mut d[off..], &mut icv)
                })
                .unwrap();
                assert_eq!(&d[off..], &want[..]);
                assert_eq!(icv, tag[..icv_len]);
                with_tier(t, |w| {
                    k.open_in_place_with(w, &nonce, aad, &mut d[off..], &icv)
                })
                .unwrap();
                assert_eq!(&d[off..], body);
                // The input itself taken as a ciphertext with a guessed ICV: refused unless
                // it is the right one, and then the reference agrees.
                let mut d = buf.clone();
                let guess = &iv[..icv_len];
                match with_tier(t, |w| {
                    k.open_in_place_with(w, &nonce, aad, &mut d[off..], guess)
                }) {
                    Err(GcmError::TagMismatch) => assert_eq!(d, buf),
                    r => panic!("a guessed ICV was accepted: {r:?}"),
                }
            }
        }
        1 => {
            let tag = ref_seal(key, &nonce, rest, &mut []);
            let split = aad.len();
            for f in tiers() {
                // A GCM key and a GMAC-only key (no round keys kept).
                for k in [
                    AesGcm::with_features(key, f).unwrap(),
                    AesGcm::gmac_only_with_features(key, f).unwrap(),
                ] {
                    let mut icv = [0u8; 16];
                    k.gmac(&nonce, &rest[..split], &rest[split..], &mut icv)
                        .unwrap();
                    assert_eq!(icv, tag);
                }
            }
        }
        2 => {
            let whole = body.len() / 16 * 16;
            let mut want = body[..whole].to_vec();
            let mut enc = |k: &[u8]| match k.len() {
                16 => cbc_ref::<aes::Aes128>(k, &iv, &mut want),
                24 => cbc_ref::<aes::Aes192>(k, &iv, &mut want),
                _ => cbc_ref::<aes::Aes256>(k, &iv, &mut want),
            };
            enc(key);
            for f in tiers() {
                let k = AesCbc::with_features(key, CbcDirection::Both, f).unwrap();
                let mut d = buf[..off + whole].to_vec();
                k.encrypt_in_place(&iv, &mut d[off..]).unwrap();
                assert_eq!(&d[off..], &want[..]);
                k.decrypt_in_place(&iv, &mut d[off..]).unwrap();
                assert_eq!(&d[off..], &body[..whole]);
            }
        }
        3 => {
            let mut r1 = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
            r1.update(rest);
            let mut r2 = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            r2.update(rest);
            let (e1, e2) = (r1.finalize().into_bytes(), r2.finalize().into_bytes());
            for f in tiers() {
                let k1 = HmacSha1::with_features(key, f);
                let k2 = HmacSha256::with_features(key, f);
                assert_eq!(k1.mac(&[aad, body])[..], e1[..]);
                assert_eq!(k2.mac(&[aad, body])[..], e2[..]);
            }
        }
        4 => stitched(data, key, &iv, aad, body, off),
        _ => multi_buffer(data, &iv, rest),
    }
}

/// AES-CBC + HMAC-SHA-256 in one pass (`cbc_hmac`): `aad` is what comes before the IV, the
/// body's whole blocks are encrypted; every combination of the cipher's and the hash's tiers.
fn stitched(data: &[u8], key: &[u8], iv: &[u8; 16], aad: &[u8], body: &[u8], off: usize) {
    let whole = body.len() / 16 * 16;
    let mkey = &data[1..33];
    let trailer: &[u8] = if data[50] & 16 != 0 {
        &data[45..49]
    } else {
        &[]
    };
    let mut plain = aad.to_vec();
    plain.extend_from_slice(iv);
    plain.extend_from_slice(&body[..whole]);
    let body_at = aad.len() + 16;
    let mut want = plain.clone();
    cbc_any(key, iv, &mut want[body_at..]);
    let mut r = hmac::Hmac::<sha2::Sha256>::new_from_slice(mkey).unwrap();
    r.update(&want);
    r.update(trailer);
    let tag: [u8; 32] = r.finalize().into_bytes().into();
    for cf in tiers() {
        for hf in tiers() {
            let k = AesCbc::with_features(key, CbcDirection::Both, cf).unwrap();
            let m = HmacSha256::with_features(mkey, hf);
            let mut buf = vec![0u8; off + plain.len()];
            buf[off..].copy_from_slice(&plain);
            let msg = &mut buf[off..];
            let got = cbc_hmac::seal_in_place(&k, &m, msg, body_at, trailer).unwrap();
            assert_eq!(msg, &want[..]);
            assert_eq!(got, tag);
            // A guessed ICV: refused, the data as received.
            let guess = &data[17..33];
            if guess != &tag[..16] {
                let r = cbc_hmac::open_in_place(&k, &m, msg, body_at, trailer, guess);
                assert_eq!(r, Err(CbcHmacError::TagMismatch));
                assert_eq!(msg, &want[..]);
            }
            cbc_hmac::open_in_place(&k, &m, msg, body_at, trailer, &tag[..16]).unwrap();
            assert_eq!(msg, &plain[..]);
        }
    }
}

/// Multi-buffer CBC (`AesCbc::encrypt_many`): the rest cut into packets of mixed key sizes and
/// (where both exist) mixed tiers, against one packet at a time by the reference.
fn multi_buffer(data: &[u8], iv: &[u8; 16], rest: &[u8]) {
    let n = usize::from(data[49]) % 12 + 1;
    let per = rest.len() / n / 16 * 16;
    let all = tiers();
    let keys: Vec<AesCbc> = (0..n)
        .map(|i| {
            let klen = [16, 24, 32][(usize::from(data[0]) + i) % 3];
            let f = all[i % all.len()];
            AesCbc::with_features(&data[1 + i % 2..1 + i % 2 + klen], CbcDirection::Encrypt, f)
                .unwrap()
        })
        .collect();
    let mut bufs: Vec<Vec<u8>> = (0..n)
        .map(|i| rest[i * per..(i + 1) * per - ((i % 3) * 16).min(per)].to_vec())
        .collect();
    let mut want = bufs.clone();
    for (i, w) in want.iter_mut().enumerate() {
        let klen = [16, 24, 32][(usize::from(data[0]) + i) % 3];
        let mut v = *iv;
        v[0] ^= i as u8;
        cbc_any(&data[1 + i % 2..1 + i % 2 + klen], &v, w);
    }
    let mut jobs: Vec<CbcJob<'_>> = bufs
        .iter_mut()
        .zip(&keys)
        .enumerate()
        .map(|(i, (d, key))| {
            let mut v = *iv;
            v[0] ^= i as u8;
            CbcJob {
                key,
                iv: v,
                data: d,
            }
        })
        .collect();
    AesCbc::encrypt_many(&mut jobs).unwrap();
    drop(jobs);
    assert_eq!(bufs, want);
}

fn cbc_any(key: &[u8], iv: &[u8; 16], data: &mut [u8]) {
    match key.len() {
        16 => cbc_ref::<aes::Aes128>(key, iv, data),
        24 => cbc_ref::<aes::Aes192>(key, iv, data),
        _ => cbc_ref::<aes::Aes256>(key, iv, data),
    }
}

fn cbc_ref<C>(key: &[u8], iv: &[u8; 16], data: &mut [u8])
where
    C: aes::cipher::BlockEncrypt
        + aes::cipher::BlockCipher
        + aes::cipher::KeyInit
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>,
{
    let mut e = cbc::Encryptor::<C>::new_from_slices(key, iv).unwrap();
    for b in data.chunks_exact_mut(16) {
        e.encrypt_block_mut(GenericArray::from_mut_slice(b));
    }
}
