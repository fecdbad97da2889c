//! AES-GCM and GMAC against RustCrypto aes-gcm: every key size, every length 0..=600 then a
//! sampled set up to 4,200, unaligned offsets, both directions, every tier (portable, XMM and
//! wide), every ICV length;
//! tampered ICVs rejected with the ciphertext left as received.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{gcm_tiers, lengths, ref_seal, tiers, with_tier, Rng, OFFSETS};
use ipsecov2_crypto::{AesGcm, GcmError, Implementation};

#[test]
fn seal_and_open_match_rustcrypto() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for t in gcm_tiers() {
        let f = t.features;
        for klen in [16, 24, 32] {
            let key = rng.bytes(klen);
            let ours = AesGcm::with_features(&key, f).unwrap();
            assert_eq!(ours.implementation(), f.implementation());
            for len in lengths() {
                let off = OFFSETS[len % OFFSETS.len()];
                let nonce: [u8; 12] = rng.array();
                let aad = rng.bytes([0, 8, 12, 20, 129][len % 5]);
                let plain = rng.bytes(len);
                let mut expect = plain.clone();
                let tag = ref_seal(&key, &nonce, &aad, &mut expect);

                let mut buf = vec![0xa5u8; off + len + 3];
                buf[off..off + len].copy_from_slice(&plain);
                let icv_len = [16, 12, 8][len % 3];
                let mut icv = vec![0u8; icv_len];
                with_tier(t, |w| {
                    ours.seal_in_place_with(w, &nonce, &aad, &mut buf[off..off + len], &mut icv)
                })
                .unwrap();
                assert_eq!(
                    &buf[off..off + len],
                    &expect[..],
                    "{f:?} key {klen} len {len}"
                );
                assert_eq!(&icv[..], &tag[..icv_len], "{f:?} key {klen} len {len}");
                assert!(buf[..off].iter().all(|b| *b == 0xa5));
                assert!(buf[off + len..].iter().all(|b| *b == 0xa5));

                with_tier(t, |w| {
                    ours.open_in_place_with(w, &nonce, &aad, &mut buf[off..off + len], &icv)
                })
                .unwrap();
                assert_eq!(&buf[off..off + len], &plain[..], "open {f:?} {klen} {len}");

                // Tampered ICV, then tampered ciphertext / AAD: refused, data unchanged.
                let mut ct = expect.clone();
                let mut bad = icv.clone();
                bad[len % icv_len] ^= 1 << (len % 8);
                assert_eq!(
                    with_tier(t, |w| ours
                        .open_in_place_with(w, &nonce, &aad, &mut ct, &bad)),
                    Err(GcmError::TagMismatch)
                );
                assert_eq!(ct, expect, "restored after a bad ICV ({klen} {len})");
                if len > 0 {
                    ct[len / 2] ^= 0x80;
                    let before = ct.clone();
                    assert_eq!(
                        with_tier(t, |w| ours
                            .open_in_place_with(w, &nonce, &aad, &mut ct, &icv)),
                        Err(GcmError::TagMismatch)
                    );
                    assert_eq!(ct, before);
                }
            }
        }
    }
}

#[test]
fn gmac_matches_rustcrypto_with_any_split() {
    let mut rng = Rng(0x0bad_cafe_f00d_0001);
    for f in tiers() {
        for klen in [16, 24, 32] {
            let key = rng.bytes(klen);
            let gcm = AesGcm::with_features(&key, f).unwrap();
            let gmac = AesGcm::gmac_only_with_features(&key, f).unwrap();
            assert_eq!(
                gmac.is_gmac_only(),
                gmac.implementation() == Implementation::Xmm
            );
            for (len, ours) in lengths()
                .into_iter()
                .step_by(3)
                .flat_map(|len| [(len, &gcm), (len, &gmac)])
            {
                let nonce: [u8; 12] = rng.array();
                let aad = rng.bytes(len);
                let tag = ref_seal(&key, &nonce, &aad, &mut []);
                let split = [0, 8, 12, 5, 17][len % 5].min(len);
                let (head, body) = aad.split_at(split);
                let mut icv = [0u8; 16];
                ours.gmac(&nonce, head, body, &mut icv).unwrap();
                assert_eq!(icv, tag, "{f:?} {klen} {len} split {split}");
                ours.gmac_verify(&nonce, head, body, &icv[..12]).unwrap();
                let mut bad = icv;
                bad[3] ^= 4;
                assert_eq!(
                    ours.gmac_verify(&nonce, head, body, &bad[..8]),
                    Err(GcmError::TagMismatch)
                );
            }
        }
    }
}

#[test]
fn refuses_bad_icv_and_key_lengths() {
    let k = AesGcm::new(&[7u8; 16]).unwrap();
    let mut d = [0u8; 32];
    for bad in [0usize, 4, 10, 15, 17] {
        let mut icv = vec![0u8; bad];
        assert_eq!(
            k.seal_in_place(&[0; 12], &[], &mut d, &mut icv),
            Err(GcmError::TagLength { got: bad })
        );
        assert_eq!(
            k.open_in_place(&[0; 12], &[], &mut d, &icv),
            Err(GcmError::TagLength { got: bad })
        );
    }
    assert_eq!(d, [0u8; 32]);
    for bad in [0usize, 15, 17, 20, 31, 33] {
        assert!(AesGcm::new(&vec![1u8; bad]).is_err());
        assert!(AesGcm::gmac_only(&vec![1u8; bad]).is_err());
    }
}

#[test]
fn gmac_only_key_refuses_seal_and_open_untouched() {
    for f in tiers() {
        for klen in [16, 24, 32] {
            let k = AesGcm::gmac_only_with_features(&vec![9u8; klen], f).unwrap();
            if k.implementation() == Implementation::Portable {
                // The portable key is the same for GCM and GMAC: it seals (checked above).
                assert!(!k.is_gmac_only());
                continue;
            }
            assert!(k.is_gmac_only() && !k.wide_capable());
            let mut d = [5u8; 40];
            let mut icv = [0u8; 16];
            assert_eq!(
                k.seal_in_place(&[1; 12], &[2; 8], &mut d, &mut icv),
                Err(GcmError::GmacOnly)
            );
            assert_eq!(
                k.open_in_place(&[1; 12], &[2; 8], &mut d, &icv),
                Err(GcmError::GmacOnly)
            );
            assert_eq!((d, icv), ([5u8; 40], [0u8; 16]));
        }
    }
}

#[test]
fn ghash_stream_in_pieces_matches_rustcrypto() {
    let mut rng = Rng(0x0bad_cafe_f00d_0002);
    for klen in [16, 24, 32] {
        let key = rng.bytes(klen);
        // GCM and GMAC-only keys on every tier: a stream started under one finishes under any.
        let keys: Vec<AesGcm> = tiers()
            .into_iter()
            .flat_map(|f| {
                [
                    AesGcm::with_features(&key, f).unwrap(),
                    AesGcm::gmac_only_with_features(&key, f).unwrap(),
                ]
            })
            .collect();
        for len in lengths().into_iter().step_by(7) {
            let nonce: [u8; 12] = rng.array();
            let aad = rng.bytes(len % 45);
            let mut ct = rng.bytes(len);
            let tag = ref_seal(&key, &nonce, &aad, &mut ct);
            // `ct` is now the ciphertext whose tag is `tag`.
            for start in &keys {
                for finish in &keys {
                    let mut g = start.ghash();
                    let cut = (rng.next() as usize) % (aad.len() + 1);
                    g.update(&aad[..cut]);
                    g.update(&aad[cut..]);
                    g.pad();
                    let mut at = 0;
                    while at < ct.len() {
                        let n = ((rng.next() as usize) % 40).min(ct.len() - at);
                        g.update(&ct[at..at + n]);
                        at += n;
                    }
                    let got = finish.ghash_finish(g, &nonce, aad.len() as u64, len as u64);
                    assert_eq!(got, tag, "key {klen} len {len}");
                }
            }
        }
    }
}
