//! ESP seal/open throughput per algorithm at 64, 576, 1400 and 9000 bytes
//! (offload face: `EspSa::seal`/`open` on a framed, contiguous ESP buffer).
//!
//! Each iteration restores the packet from a template (a memcpy of the
//! packet size) before sealing or opening, so the figures include that copy.
//! `docs/performance.md` turns the results into cycles per byte
//! (`tests/perf/criterion-table`).

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use ipsec_engine::{AesKeySize, EspConfig, EspEncryption, EspIntegrity, EspSa, GcmIcvLen};

fn configs() -> Vec<(&'static str, EspConfig)> {
    let c = |encryption, integrity| EspConfig {
        encryption,
        integrity,
        esn: false,
    };
    let gcm = |k| {
        c(
            EspEncryption::AesGcm(k, GcmIcvLen::Icv16),
            EspIntegrity::None,
        )
    };
    let gmac = |k| c(EspEncryption::AesGmac(k), EspIntegrity::None);
    let cbc = |k, i| c(EspEncryption::AesCbc(k), i);
    vec![
        ("aes128gcm16", gcm(AesKeySize::Aes128)),
        ("aes192gcm16", gcm(AesKeySize::Aes192)),
        ("aes256gcm16", gcm(AesKeySize::Aes256)),
        ("aes128gmac", gmac(AesKeySize::Aes128)),
        ("aes256gmac", gmac(AesKeySize::Aes256)),
        (
            "aes128cbc-hmac-sha1",
            cbc(AesKeySize::Aes128, EspIntegrity::HmacSha1_96),
        ),
        (
            "aes128cbc-hmac-sha256",
            cbc(AesKeySize::Aes128, EspIntegrity::HmacSha256_128),
        ),
        (
            "aes256cbc-hmac-sha1",
            cbc(AesKeySize::Aes256, EspIntegrity::HmacSha1_96),
        ),
        (
            "aes256cbc-hmac-sha256",
            cbc(AesKeySize::Aes256, EspIntegrity::HmacSha256_128),
        ),
        (
            "null-hmac-sha1",
            c(EspEncryption::Null, EspIntegrity::HmacSha1_96),
        ),
        (
            "null-hmac-sha256",
            c(EspEncryption::Null, EspIntegrity::HmacSha256_128),
        ),
        (
            "3des-hmac-sha1",
            c(EspEncryption::TripleDesCbc, EspIntegrity::HmacSha1_96),
        ),
        (
            "des-hmac-sha1",
            c(EspEncryption::DesCbc, EspIntegrity::HmacSha1_96),
        ),
        (
            "des-hmac-md5",
            c(EspEncryption::DesCbc, EspIntegrity::HmacMd5_96),
        ),
    ]
}

fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed))
        .collect()
}

/// ESP packet whose total (header to ICV) is about `size` bytes.
fn frame(cfg: &EspConfig, size: usize) -> Vec<u8> {
    let block = cfg.encryption.block_size().max(4);
    let payload = size.saturating_sub(cfg.overhead()).max(1);
    let pad = (block - (payload + 2) % block) % block;
    let mut v = vec![0u8, 0, 1, 0, 0, 0, 0, 1];
    v.extend(vec![0u8; cfg.iv_len()]);
    v.extend(vec![0xa5u8; payload]);
    v.extend((1..=pad).map(|i| i as u8));
    v.push(pad as u8);
    v.push(4);
    v.extend(vec![0u8; cfg.icv_len()]);
    v
}

fn bench(c: &mut Criterion) {
    for (name, cfg) in configs() {
        let sa = EspSa::new(
            cfg,
            &key(cfg.encryption.key_len(), 1),
            &key(cfg.integrity.key_len(), 2),
        )
        .expect("valid ESP SA");
        let mut g = c.benchmark_group(name);
        for size in [64usize, 576, 1400, 9000] {
            let template = frame(&cfg, size);
            g.throughput(Throughput::Bytes(template.len() as u64));
            g.bench_with_input(BenchmarkId::new("seal", size), &template, |b, t| {
                let mut p = t.clone();
                b.iter(|| {
                    p.copy_from_slice(t);
                    sa.seal(&mut p, 0).expect("seal of a framed packet");
                })
            });
            let mut sealed = template.clone();
            sa.seal(&mut sealed, 0).expect("seal of a framed packet");
            g.bench_with_input(BenchmarkId::new("open", size), &sealed, |b, s| {
                let mut p = s.clone();
                b.iter(|| {
                    p.copy_from_slice(s);
                    sa.open(&mut p, 0).expect("open of a sealed packet");
                })
            });
        }
        g.finish();
    }
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
}
criterion_main!(benches);
