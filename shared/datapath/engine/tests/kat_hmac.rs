//! HMAC known-answer tests: RFC 2202 (HMAC-MD5, HMAC-SHA-1), RFC 4231
//! (HMAC-SHA-256) and RFC 4868 (HMAC-SHA-256-128 truncation).
#![cfg(test)]

use ipsec_engine::hmac::{HashAlg, HmacKey};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).expect("hex")
}

fn mac(alg: HashAlg, key: &[u8], data: &[u8], len: usize) -> Vec<u8> {
    let k = HmacKey::new(alg, key);
    let mut out = vec![0u8; len];
    k.mac(data, &mut out);
    // Also exercise chunked streaming: same result when fed byte by byte.
    let mut s = k.start();
    for b in data {
        s.update(core::slice::from_ref(b));
    }
    let mut out2 = vec![0u8; len];
    s.finish(&mut out2);
    assert_eq!(out, out2, "streaming mismatch");
    out
}

const LARGER_KEY: &[u8] = b"Test Using Larger Than Block-Size Key - Hash Key First";
const LARGER_BOTH: &[u8] =
    b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
const KEY_0102: &str = "0102030405060708090a0b0c0d0e0f10111213141516171819";

#[test]
fn rfc2202_hmac_md5() {
    let cases: Vec<(Vec<u8>, Vec<u8>, &str)> = vec![
        (
            vec![0x0b; 16],
            b"Hi There".to_vec(),
            "9294727a3638bb1c13f48ef8158bfc9d",
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            "750c783e6ab0b503eaa86e310a5db738",
        ),
        (
            vec![0xaa; 16],
            vec![0xdd; 50],
            "56be34521d144c88dbb8c733f0e8b3f6",
        ),
        (
            h(KEY_0102),
            vec![0xcd; 50],
            "697eaf0aca3a3aea3a75164746ffaa79",
        ),
        (
            vec![0x0c; 16],
            b"Test With Truncation".to_vec(),
            "56461ef2342edc00f9bab995690efd4c",
        ),
        (
            vec![0xaa; 80],
            LARGER_KEY.to_vec(),
            "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
        ),
        (
            vec![0xaa; 80],
            LARGER_BOTH.to_vec(),
            "6f630fad67cda0ee1fb1f562db3aa53e",
        ),
    ];
    for (i, (k, d, want)) in cases.iter().enumerate() {
        assert_eq!(
            hex::encode(mac(HashAlg::Md5, k, d, 16)),
            *want,
            "case {}",
            i + 1
        );
    }
    // Case 5, HMAC-MD5-96.
    assert_eq!(
        hex::encode(mac(HashAlg::Md5, &[0x0c; 16], b"Test With Truncation", 12)),
        "56461ef2342edc00f9bab995"
    );
}

#[test]
fn rfc2202_hmac_sha1() {
    let cases: Vec<(Vec<u8>, Vec<u8>, &str)> = vec![
        (
            vec![0x0b; 20],
            b"Hi There".to_vec(),
            "b617318655057264e28bc0b6fb378c8ef146be00",
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
        ),
        (
            vec![0xaa; 20],
            vec![0xdd; 50],
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
        ),
        (
            h(KEY_0102),
            vec![0xcd; 50],
            "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
        ),
        (
            vec![0x0c; 20],
            b"Test With Truncation".to_vec(),
            "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
        ),
        (
            vec![0xaa; 80],
            LARGER_KEY.to_vec(),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112",
        ),
        (
            vec![0xaa; 80],
            LARGER_BOTH.to_vec(),
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
        ),
    ];
    for (i, (k, d, want)) in cases.iter().enumerate() {
        assert_eq!(
            hex::encode(mac(HashAlg::Sha1, k, d, 20)),
            *want,
            "case {}",
            i + 1
        );
    }
    assert_eq!(
        hex::encode(mac(HashAlg::Sha1, &[0x0c; 20], b"Test With Truncation", 12)),
        "4c1a03424b55e07fe7f27be1"
    );
}

#[test]
fn rfc4231_hmac_sha256() {
    let cases: Vec<(Vec<u8>, Vec<u8>, &str)> = vec![
        (
            vec![0x0b; 20],
            b"Hi There".to_vec(),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            vec![0xaa; 20],
            vec![0xdd; 50],
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        ),
        (
            h(KEY_0102),
            vec![0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
        (
            vec![0xaa; 131],
            LARGER_KEY.to_vec(),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
        (
            vec![0xaa; 131],
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ];
    for (i, (k, d, want)) in cases.iter().enumerate() {
        assert_eq!(
            hex::encode(mac(HashAlg::Sha256, k, d, 32)),
            *want,
            "case {i}"
        );
    }
    // RFC 4231 test case 5: truncation to 128 bits.
    assert_eq!(
        hex::encode(mac(
            HashAlg::Sha256,
            &[0x0c; 20],
            b"Test With Truncation",
            16
        )),
        "a3b6167473100ee06e0c796c2955552b"
    );
}

#[test]
fn rfc4868_hmac_sha256_128() {
    // RFC 4868 §2.7.2.1, AUTH256 test cases (32-byte keys); the ESP/AH ICV
    // is the leftmost 128 bits.
    let cases: Vec<(Vec<u8>, Vec<u8>, &str)> = vec![
        (
            vec![0x0b; 32],
            b"Hi There".to_vec(),
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7",
        ),
        (
            b"JefeJefeJefeJefeJefeJefeJefeJefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6",
        ),
        (
            vec![0xaa; 32],
            vec![0xdd; 50],
            "cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0",
        ),
        (
            h("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"),
            vec![0xcd; 50],
            "372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f",
        ),
    ];
    for (i, (k, d, want)) in cases.iter().enumerate() {
        assert_eq!(
            hex::encode(mac(HashAlg::Sha256, k, d, 32)),
            *want,
            "AUTH256-{}",
            i + 1
        );
        assert_eq!(
            hex::encode(mac(HashAlg::Sha256, k, d, 16)),
            want[..32],
            "AUTH256-{} /128",
            i + 1
        );
    }
}
