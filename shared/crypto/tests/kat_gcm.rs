//! Known-answer tests of AES-GCM / GMAC on every tier (GCM also on the wide tier): the RFC 4106 ESP cases
//! (draft-mcgrew-gcm-test-01, `data/rfc4106-gcm.txt`), the RFC 4543 GMAC case, and a subset of
//! the NIST CAVP vectors (`data/cavp-gcm.txt`, made by `data/extract-cavp-gcm.py` from the
//! `cryptography-vectors` package).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{gcm_tiers, tiers, with_tier};
use ipsecov2_crypto::{AesGcm, GcmError};

fn h(s: &str) -> Vec<u8> {
    if s == "-" {
        Vec::new()
    } else {
        hex::decode(s).unwrap()
    }
}

fn lines(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
}

#[test]
fn rfc4106_esp_cases_every_icv_length() {
    let text = include_str!("data/rfc4106-gcm.txt");
    let mut n = 0;
    let mut esn = 0;
    for t in gcm_tiers() {
        let f = t.features;
        for v in lines(text) {
            let (key, nonce, aad, plain, ct, tag) =
                (h(v[0]), h(v[1]), h(v[2]), h(v[3]), h(v[4]), h(v[5]));
            esn += usize::from(aad.len() == 12);
            let k = AesGcm::with_features(&key, f).unwrap();
            let nonce: [u8; 12] = nonce.try_into().unwrap();
            for icv_len in [16, 12, 8] {
                let mut d = plain.clone();
                let mut icv = vec![0u8; icv_len];
                with_tier(t, |w| {
                    k.seal_in_place_with(w, &nonce, &aad, &mut d, &mut icv)
                })
                .unwrap();
                assert_eq!(d, ct);
                assert_eq!(icv, tag[..icv_len]);
                with_tier(t, |w| k.open_in_place_with(w, &nonce, &aad, &mut d, &icv)).unwrap();
                assert_eq!(d, plain);
            }
            n += 1;
        }
    }
    assert!(n >= 14 && esn >= 6, "{n} cases, {esn} with ESN");
}

#[test]
fn rfc4543_gmac_case() {
    // draft-mcgrew-gcm-test-01 GMAC packet: SPI 0x4321, seq 7, IV 0; AAD = the whole packet.
    let key = h("4c80cdefbb5d10da906ac73c3613a634");
    let nonce: [u8; 12] = h("22433c640000000000000000").try_into().unwrap();
    let head = h("0000432100000007");
    let mut body = h("0000000000000000");
    body.extend(h("45000030da3a00008001df3bc0a80005c0a800010800c6cd020007006162636465666768696a6b6c6d6e6f707172737401020201"));
    for f in tiers() {
        for k in [
            AesGcm::with_features(&key, f).unwrap(),
            AesGcm::gmac_only_with_features(&key, f).unwrap(),
        ] {
            let mut icv = [0u8; 16];
            k.gmac(&nonce, &head, &body, &mut icv).unwrap();
            assert_eq!(hex::encode(icv), "f2a9a836e155106aa8dcd618e4099aaa");
            k.gmac_verify(&nonce, &head, &body, &icv).unwrap();
        }
    }
}

#[test]
fn nist_cavp_subset() {
    let text = include_str!("data/cavp-gcm.txt");
    let (mut enc, mut pass, mut fail) = (0, 0, 0);
    for t in gcm_tiers() {
        let f = t.features;
        for v in lines(text) {
            let (key, iv, aad, pt, ct, tag) =
                (h(v[1]), h(v[2]), h(v[3]), h(v[4]), h(v[5]), h(v[6]));
            let k = AesGcm::with_features(&key, f).unwrap();
            let nonce: [u8; 12] = iv.try_into().unwrap();
            match (v[0], v[7]) {
                ("enc", _) => {
                    let mut d = pt.clone();
                    let mut icv = vec![0u8; tag.len()];
                    with_tier(t, |w| {
                        k.seal_in_place_with(w, &nonce, &aad, &mut d, &mut icv)
                    })
                    .unwrap();
                    assert_eq!((d, icv), (ct, tag), "{}", v.join(" "));
                    enc += 1;
                }
                ("dec", "pass") => {
                    let mut d = ct.clone();
                    with_tier(t, |w| k.open_in_place_with(w, &nonce, &aad, &mut d, &tag)).unwrap();
                    assert_eq!(d, pt, "{}", v.join(" "));
                    pass += 1;
                }
                _ => {
                    let mut d = ct.clone();
                    assert_eq!(
                        with_tier(t, |w| k.open_in_place_with(w, &nonce, &aad, &mut d, &tag)),
                        Err(GcmError::TagMismatch),
                        "{}",
                        v.join(" ")
                    );
                    assert_eq!(d, ct);
                    fail += 1;
                }
            }
        }
    }
    assert!(
        enc >= 200 && pass >= 200 && fail >= 200,
        "{enc} {pass} {fail}"
    );
}
