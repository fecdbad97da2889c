//! HMAC-SHA1 / HMAC-SHA-256 against the RustCrypto `hmac` crate: key lengths around the
//! block size, every message length 0..=600 then a sampled set, messages split into parts;
//! truncated ICVs checked, tampered ones refused.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{lengths, tiers, Rng};
use hmac::Mac;
use ipsecov2_crypto::{HmacSha1, HmacSha256, Implementation, TagMismatch};

#[test]
fn matches_rustcrypto_hmac() {
    for f in tiers() {
        let tier = HmacSha256::with_features(b"k", f).tier().implementation();
        assert_eq!(tier == Implementation::Xmm, f.xmm_tier() && f.sha);
        matches_on(f);
    }
}

fn matches_on(f: ipsecov2_crypto::Features) {
    let mut rng = Rng(0x5eed_0000_4ac0_0001);
    for klen in [0usize, 1, 16, 20, 32, 63, 64, 65, 100, 200] {
        let key = rng.bytes(klen);
        let s1 = HmacSha1::with_features(&key, f);
        let s256 = HmacSha256::with_features(&key, f);
        for len in lengths() {
            let msg = rng.bytes(len);
            let split = (rng.next() as usize) % (len + 1);
            let split2 = split + (rng.next() as usize) % (len - split + 1);
            let parts: [&[u8]; 3] = [&msg[..split], &msg[split..split2], &msg[split2..]];

            let mut r1 = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
            r1.update(&msg);
            let e1: [u8; 20] = r1.finalize().into_bytes().into();
            assert_eq!(s1.mac(&parts), e1, "sha1 key {klen} len {len}");
            s1.verify(&parts, &e1[..12]).unwrap();

            let mut r2 = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            r2.update(&msg);
            let e2: [u8; 32] = r2.finalize().into_bytes().into();
            assert_eq!(s256.mac(&parts), e2, "sha256 key {klen} len {len}");
            s256.verify(&parts, &e2[..16]).unwrap();
            s256.verify(&parts, &e2).unwrap();

            let mut bad = e2;
            bad[len % 16] ^= 1;
            assert_eq!(s256.verify(&parts, &bad[..16]), Err(TagMismatch));
            let mut bad = e1;
            bad[len % 12] ^= 0x80;
            assert_eq!(s1.verify(&parts, &bad[..12]), Err(TagMismatch));
        }
    }
    let k = HmacSha256::with_features(b"k", f);
    assert_eq!(k.verify(&[b"m"], &[]), Err(TagMismatch));
    assert_eq!(k.verify(&[b"m"], &[0u8; 33]), Err(TagMismatch));
}
