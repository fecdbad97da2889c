//! The differential harness of the fuzz target (`fuzz/fuzz_targets/differential.rs`) and of
//! the corpus replay (`tests/fuzz_corpus.rs`): ours on every tier (GCM also on the wide
//! tier, inside a section) against RustCrypto on a
//! random key, nonce, AAD, data length and offset.
//!
//! Input: byte 0 picks the key size (mod 3) and the operation (/3 mod 4: GCM, GMAC, CBC,
//! HMAC); bytes 1..33 key material, 33..49 nonce / IV, 49 the AAD length (mod 40) and ICV
//! choice, 50 the data offset (mod 16); the rest is AAD then data.

use super::{gcm_tiers, ref_seal, tiers, with_tier};
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncryptMut, KeyIvInit};
use hmac::Mac;
use ipsecov2_crypto::{AesCbc, AesGcm, CbcDirection, GcmError, HmacSha1, HmacSha256};

/// Bytes before the AAD and data.
pub const HEADER: usize = 51;

pub fn run(data: &[u8]) {
    if data.len() < HEADER {
        return;
    }
    let key_len = [16, 24, 32][usize::from(data[0]) % 3];
    let op = (data[0] / 3) % 4;
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
                let k = AesGcm::with_features(key, f).unwrap();
                let mut icv = [0u8; 16];
                k.gmac(&nonce, &rest[..split], &rest[split..], &mut icv)
                    .unwrap();
                assert_eq!(icv, tag);
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
        _ => {
            let k1 = HmacSha1::new(key);
            let k2 = HmacSha256::new(key);
            let mut r1 = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
            r1.update(rest);
            let mut r2 = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            r2.update(rest);
            assert_eq!(k1.mac(&[aad, body])[..], r1.finalize().into_bytes()[..]);
            assert_eq!(k2.mac(&[aad, body])[..], r2.finalize().into_bytes()[..]);
        }
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
