//! HMAC-SHA-256 known answers, on both tiers (the crate's SHA-NI code and RustCrypto's
//! compression), through `HmacSha256::mac` and through the stitched AES-CBC + HMAC-SHA-256
//! (whose ICV covers the ciphertext: with no CBC body it is HMAC over the header and IV alone):
//! RFC 4231 test cases 1 to 7 (case 5 truncated to 128 bits, as ESP's HMAC-SHA-256-128) and
//! RFC 4868 section 2.7.2.1 (the 32-byte keys of AUTH256).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::tiers;
use ipsecov2_crypto::{cbc_hmac, AesCbc, CbcDirection, HmacSha256};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// (key, data, expected MAC or its first bytes)
fn vectors() -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let long_key = vec![0xaau8; 131];
    vec![
        // RFC 4231 4.2 to 4.8.
        (
            vec![0x0b; 20],
            b"Hi There".to_vec(),
            h("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ),
        (
            vec![0xaa; 20],
            vec![0xdd; 50],
            h("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ),
        (
            (1u8..=25).collect(),
            vec![0xcd; 50],
            h("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        ),
        (
            vec![0x0c; 20],
            b"Test With Truncation".to_vec(),
            h("a3b6167473100ee06e0c796c2955552b"),
        ),
        (
            long_key.clone(),
            b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
            h("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ),
        (
            long_key,
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
            h("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ),
        // RFC 4868 2.7.2.1, AUTH256-1 to AUTH256-4.
        (
            vec![0x0b; 32],
            b"Hi There".to_vec(),
            h("198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"),
        ),
        (
            b"JefeJefeJefeJefeJefeJefeJefeJefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            h("167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6"),
        ),
        (
            vec![0xaa; 32],
            vec![0xdd; 50],
            h("cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0"),
        ),
        (
            (1u8..=32).collect(),
            vec![0xcd; 50],
            h("372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f"),
        ),
    ]
}

#[test]
fn rfc4231_and_rfc4868() {
    for f in tiers() {
        let cbc = AesCbc::with_features(&[7u8; 16], CbcDirection::Both, f).unwrap();
        for (i, (key, data, want)) in vectors().into_iter().enumerate() {
            let k = HmacSha256::with_features(&key, f);
            let full = k.mac(&[&data]);
            assert_eq!(&full[..want.len()], &want[..], "vector {i}, {f:?}");
            k.verify(&[&data], &want).unwrap();
            // The stitched path with an empty CBC body: the last 16 bytes of the data are
            // taken as the IV; nothing is encrypted, all of it is authenticated.
            if data.len() >= 16 {
                let mut msg = data.clone();
                let n = msg.len();
                let got = cbc_hmac::seal_in_place(&cbc, &k, &mut msg, n, &[]).unwrap();
                assert_eq!(&got[..want.len()], &want[..], "stitched vector {i}");
                cbc_hmac::open_in_place(&cbc, &k, &mut msg, n, &[], &want).unwrap();
                assert_eq!(msg, data);
            }
        }
    }
}
