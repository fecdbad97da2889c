//! AES-CBC against RustCrypto `cbc`: every key size, every whole-block length up to 4,200,
//! unaligned offsets, both directions, both tiers; the multi-buffer encryption of mixed keys
//! and lengths against one packet at a time.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use common::{lengths, tiers, Rng, OFFSETS};
use ipsecov2_crypto::{AesCbc, CbcDirection, CbcError, CbcJob, Features};

fn enc_blocks<E: BlockEncryptMut<BlockSize = aes::cipher::consts::U16>>(mut e: E, data: &mut [u8]) {
    for b in data.chunks_exact_mut(16) {
        e.encrypt_block_mut(GenericArray::from_mut_slice(b));
    }
}

fn dec_blocks<D: BlockDecryptMut<BlockSize = aes::cipher::consts::U16>>(mut d: D, data: &mut [u8]) {
    for b in data.chunks_exact_mut(16) {
        d.decrypt_block_mut(GenericArray::from_mut_slice(b));
    }
}

fn ref_encrypt(key: &[u8], iv: &[u8; 16], data: &mut [u8]) {
    match key.len() {
        16 => enc_blocks(
            cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv).unwrap(),
            data,
        ),
        24 => enc_blocks(
            cbc::Encryptor::<aes::Aes192>::new_from_slices(key, iv).unwrap(),
            data,
        ),
        _ => enc_blocks(
            cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv).unwrap(),
            data,
        ),
    }
}

fn ref_decrypt(key: &[u8], iv: &[u8; 16], data: &mut [u8]) {
    match key.len() {
        16 => dec_blocks(
            cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv).unwrap(),
            data,
        ),
        24 => dec_blocks(
            cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv).unwrap(),
            data,
        ),
        _ => dec_blocks(
            cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv).unwrap(),
            data,
        ),
    }
}

#[test]
fn encrypt_and_decrypt_match_rustcrypto() {
    let mut rng = Rng(0x5eed_0000_cbc0_0001);
    for f in tiers() {
        for klen in [16, 24, 32] {
            let key = rng.bytes(klen);
            let enc = AesCbc::with_features(&key, CbcDirection::Encrypt, f).unwrap();
            let dec = AesCbc::with_features(&key, CbcDirection::Decrypt, f).unwrap();
            let both = AesCbc::with_features(&key, CbcDirection::Both, f).unwrap();
            assert_eq!(enc.implementation(), f.implementation());
            for len in lengths().into_iter().map(|l| l / 16 * 16) {
                let off = OFFSETS[(len / 16) % OFFSETS.len()];
                let iv: [u8; 16] = rng.array();
                let plain = rng.bytes(len);
                let mut expect = plain.clone();
                ref_encrypt(&key, &iv, &mut expect);
                let mut buf = vec![0x5au8; off + len + 5];
                buf[off..off + len].copy_from_slice(&plain);
                let k = if len % 32 == 0 { &enc } else { &both };
                k.encrypt_in_place(&iv, &mut buf[off..off + len]).unwrap();
                assert_eq!(&buf[off..off + len], &expect[..], "{f:?} {klen} {len}");
                let k = if len % 32 == 0 { &dec } else { &both };
                k.decrypt_in_place(&iv, &mut buf[off..off + len]).unwrap();
                assert_eq!(&buf[off..off + len], &plain[..], "{f:?} {klen} {len}");
                let mut back = expect.clone();
                ref_decrypt(&key, &iv, &mut back);
                assert_eq!(back, plain);
                assert!(buf[..off].iter().all(|b| *b == 0x5a));
                assert!(buf[off + len..].iter().all(|b| *b == 0x5a));
            }
            let mut odd = [0u8; 17];
            assert_eq!(
                enc.encrypt_in_place(&[0; 16], &mut odd),
                Err(CbcError::NotBlockMultiple { len: 17 })
            );
            assert_eq!(
                enc.decrypt_in_place(&[0; 16], &mut odd[..16]),
                Err(CbcError::Direction)
            );
            assert_eq!(
                dec.encrypt_in_place(&[0; 16], &mut odd[..16]),
                Err(CbcError::Direction)
            );
        }
    }
}

#[test]
fn multi_buffer_matches_one_packet_at_a_time() {
    let mut rng = Rng(0x5eed_0000_cbc0_0002);
    let xmm = Features::detect();
    // Keys of every size on both tiers, mixed in one call.
    let mut keys = Vec::new();
    for f in [xmm, Features::NONE] {
        for klen in [16, 24, 32, 16] {
            let raw = rng.bytes(klen);
            keys.push((
                raw.clone(),
                AesCbc::with_features(&raw, CbcDirection::Encrypt, f).unwrap(),
            ));
        }
    }
    for n in [0usize, 1, 2, 3, 7, 8, 9, 16, 23, 40] {
        let mut datas = Vec::new();
        let mut expect = Vec::new();
        let mut ivs = Vec::new();
        let mut which = Vec::new();
        for i in 0..n {
            let k = (rng.next() as usize) % keys.len();
            let len = 16 * ((rng.next() as usize) % 120) * usize::from(i % 5 != 4);
            let iv: [u8; 16] = rng.array();
            let d = rng.bytes(len);
            let mut e = d.clone();
            ref_encrypt(&keys[k].0, &iv, &mut e);
            datas.push(d);
            expect.push(e);
            ivs.push(iv);
            which.push(k);
        }
        let mut jobs: Vec<CbcJob<'_>> = datas
            .iter_mut()
            .zip(ivs.iter())
            .zip(which.iter())
            .map(|((d, iv), k)| CbcJob {
                key: &keys[*k].1,
                iv: *iv,
                data: d.as_mut_slice(),
            })
            .collect();
        AesCbc::encrypt_many(&mut jobs).unwrap();
        drop(jobs);
        assert_eq!(datas, expect, "{n} packets");
    }
    // A bad job refuses the whole call before anything is touched.
    let k = &keys[0].1;
    let mut a = [1u8; 32];
    let mut b = [2u8; 20];
    let mut jobs = [
        CbcJob {
            key: k,
            iv: [0; 16],
            data: &mut a,
        },
        CbcJob {
            key: k,
            iv: [0; 16],
            data: &mut b,
        },
    ];
    assert_eq!(
        AesCbc::encrypt_many(&mut jobs),
        Err(CbcError::NotBlockMultiple { len: 20 })
    );
    assert_eq!(a, [1u8; 32]);
}
