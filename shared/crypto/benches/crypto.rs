//! Throughput of the crypto core at 64, 576, 1400 and 9000 bytes: AES-128-GCM seal and open
//! (8-byte AAD, 16-byte ICV) on both tiers against RustCrypto `aes-gcm`; AES-128-CBC +
//! HMAC-SHA-256 seal (encrypt then MAC) and open (verify then decrypt), one packet at a time
//! and 8 packets through the multi-buffer encryption; GMAC (an AH ICV's shape: a 12-byte head
//! and the body as AAD) with a GCM key and with a GMAC-only key, AES-128 and AES-256, at 64,
//! 576 and 1400 bytes. Opens restore the ciphertext from a
//! template (a memcpy of the packet) first. Speed is never asserted.
#![allow(clippy::unwrap_used, clippy::panic)]

use aes_gcm::aead::AeadInPlace;
use aes_gcm::KeyInit;
use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use ipsecov2_crypto::{AesCbc, AesGcm, CbcDirection, CbcJob, Features, HmacSha256};

const SIZES: [usize; 4] = [64, 576, 1400, 9000];

fn gcm(c: &mut Criterion) {
    let key = [0x42u8; 16];
    let nonce = [7u8; 12];
    let aad = [1u8; 8];
    let mut g = c.benchmark_group("gcm128");
    for size in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        for (tier, f) in [("xmm", Features::detect()), ("portable", Features::NONE)] {
            let k = AesGcm::with_features(&key, f).unwrap();
            let mut data = vec![0u8; size];
            let mut icv = [0u8; 16];
            g.bench_with_input(
                BenchmarkId::new(format!("seal-{tier}"), size),
                &size,
                |b, _| {
                    b.iter(|| k.seal_in_place(&nonce, &aad, &mut data, &mut icv).unwrap());
                },
            );
            let mut ct = vec![0u8; size];
            k.seal_in_place(&nonce, &aad, &mut ct, &mut icv).unwrap();
            let mut work = ct.clone();
            g.bench_with_input(
                BenchmarkId::new(format!("open-{tier}"), size),
                &size,
                |b, _| {
                    b.iter(|| {
                        // The ciphertext restored from its template (a memcpy) before each open.
                        work.copy_from_slice(&ct);
                        k.open_in_place(&nonce, &aad, &mut work, &icv).unwrap();
                    });
                },
            );
        }
        let r = aes_gcm::Aes128Gcm::new_from_slice(&key).unwrap();
        let mut data = vec![0u8; size];
        g.bench_with_input(BenchmarkId::new("seal-rustcrypto", size), &size, |b, _| {
            b.iter(|| {
                r.encrypt_in_place_detached((&nonce).into(), &aad, &mut data)
                    .unwrap()
            });
        });
    }
    g.finish();
}

/// GMAC under a GCM key (round keys kept) and under a GMAC-only key (the schedule expanded on
/// the stack for each tag's one block): what the GMAC-only key's 352 bytes saved cost.
fn gmac(c: &mut Criterion) {
    let nonce = [7u8; 12];
    let head = [3u8; 12];
    let mut g = c.benchmark_group("gmac");
    for klen in [16usize, 32] {
        let key = vec![0x42u8; klen];
        let bits = klen * 8;
        for size in [64usize, 576, 1400] {
            g.throughput(Throughput::Bytes(size as u64));
            let body = vec![5u8; size];
            for (kind, k) in [
                ("gcm-key", AesGcm::new(&key).unwrap()),
                ("gmac-only", AesGcm::gmac_only(&key).unwrap()),
            ] {
                let mut icv = [0u8; 16];
                g.bench_with_input(
                    BenchmarkId::new(format!("aes{bits}-{kind}"), size),
                    &size,
                    |b, _| {
                        b.iter(|| k.gmac(&nonce, &head, &body, &mut icv).unwrap());
                    },
                );
            }
        }
    }
    g.finish();
}

fn cbc_hmac(c: &mut Criterion) {
    let enc = AesCbc::new(&[3u8; 16], CbcDirection::Encrypt).unwrap();
    let dec = AesCbc::new(&[3u8; 16], CbcDirection::Decrypt).unwrap();
    let mac = HmacSha256::new(&[9u8; 32]);
    let iv = [5u8; 16];
    let mut g = c.benchmark_group("cbc128-hmac-sha256");
    for size in SIZES {
        let body = size / 16 * 16;
        g.throughput(Throughput::Bytes(size as u64));
        let mut data = vec![0u8; body];
        g.bench_with_input(BenchmarkId::new("seal", size), &size, |b, _| {
            b.iter(|| {
                enc.encrypt_in_place(&iv, &mut data).unwrap();
                mac.mac(&[&iv, &data])
            });
        });
        let tag = mac.mac(&[&iv, &data]);
        let mut work = data.clone();
        g.bench_with_input(BenchmarkId::new("open", size), &size, |b, _| {
            b.iter(|| {
                // The ciphertext restored from its template (a memcpy) before each open.
                work.copy_from_slice(&data);
                mac.verify(&[&iv, &work], &tag[..16]).unwrap();
                dec.decrypt_in_place(&iv, &mut work).unwrap();
            });
        });
        // 8 packets per call: multi-buffer CBC, then the MACs.
        let mut bufs = vec![vec![0u8; body]; 8];
        g.throughput(Throughput::Bytes(8 * size as u64));
        g.bench_with_input(
            BenchmarkId::new("seal-x8-multibuffer", size),
            &size,
            |b, _| {
                b.iter(|| {
                    let mut jobs: [CbcJob<'_>; 8] = {
                        let mut it = bufs.iter_mut();
                        core::array::from_fn(|_| CbcJob {
                            key: &enc,
                            iv,
                            data: it.next().unwrap().as_mut_slice(),
                        })
                    };
                    AesCbc::encrypt_many(&mut jobs).unwrap();
                    for j in &jobs {
                        criterion::black_box(mac.mac(&[&j.iv, j.data]));
                    }
                });
            },
        );
    }
    g.finish();
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    gcm(&mut c);
    gmac(&mut c);
    cbc_hmac(&mut c);
}
criterion_main!(benches);
