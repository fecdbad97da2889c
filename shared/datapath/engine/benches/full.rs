//! Full-face throughput per algorithm: `OutboundSa::encapsulate` and
//! `InboundSa::decapsulate` of IPv4 packets of 64, 576, 1400 and 9000 bytes
//! (the **inner** packet, which is also the declared throughput), tunnel mode
//! over IPv4 (plus one transport-mode row for AES-GCM-128), no ESN,
//! anti-replay window 64.
//!
//! * `encap`: one `encapsulate` of the same inner packet into a preallocated
//!   output buffer per iteration (the outbound sequence number advances on
//!   every call, as on a real SA; nothing else is in the loop).
//! * `decap`: the replay window refuses duplicates, so a batch of
//!   [`BATCH`] distinct packets (sequence numbers 1..=BATCH) is encapsulated
//!   before timing. The timed loop copies one of them into a work buffer (a
//!   memcpy of the protected packet) and decapsulates it in place: replay
//!   check, ICV, decryption, header removal, replay window advance. After
//!   each pass over the batch the inbound SA is recreated (fresh window)
//!   with the clock stopped (`iter_custom`), so what is timed is exactly
//!   one memcpy plus one successful `decapsulate` per iteration.
//!
//! Nothing allocates inside the timed loops. `docs/performance.md` turns the
//! results into cycles per inner byte (`tests/perf/criterion-table`).

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use ipsec_engine::full::{
    AhTransform, EspTransform, InboundSa, Mode, OutboundSa, Protocol, SaConfig, SaKeys,
};
use ipsec_engine::{AesKeySize, AhIntegrity, EspEncryption, EspIntegrity, GcmIcvLen};

/// Distinct protected packets decapsulated per inbound SA.
const BATCH: usize = 64;
const SIZES: [usize; 4] = [64, 576, 1400, 9000];
const SPI_ESP: u32 = 0x0102_0304;
const SPI_AH: u32 = 0x0a0b_0c0d;

fn tunnel_v4() -> Mode {
    Mode::Tunnel {
        src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 2)),
    }
}

fn esp(encryption: EspEncryption, integrity: EspIntegrity) -> EspTransform {
    EspTransform {
        spi: SPI_ESP,
        encryption,
        integrity,
    }
}

fn ah(integrity: AhIntegrity) -> AhTransform {
    AhTransform {
        spi: SPI_AH,
        integrity,
    }
}

/// (criterion group, configuration); group names are read by
/// `tests/perf/criterion-table`.
fn configs() -> Vec<(&'static str, SaConfig)> {
    let t = |p| SaConfig::new(p, tunnel_v4());
    let e = |enc, int| t(Protocol::Esp(esp(enc, int)));
    let gcm = |k| EspEncryption::AesGcm(k, GcmIcvLen::Icv16);
    let none = EspIntegrity::None;
    let sha1 = EspIntegrity::HmacSha1_96;
    let sha256 = EspIntegrity::HmacSha256_128;
    let cbc128 = EspEncryption::AesCbc(AesKeySize::Aes128);
    let cbc256 = EspEncryption::AesCbc(AesKeySize::Aes256);
    vec![
        ("full-aes128gcm16", e(gcm(AesKeySize::Aes128), none)),
        (
            "full-aes128gcm16-transport",
            SaConfig::new(
                Protocol::Esp(esp(gcm(AesKeySize::Aes128), none)),
                Mode::Transport,
            ),
        ),
        ("full-aes192gcm16", e(gcm(AesKeySize::Aes192), none)),
        ("full-aes256gcm16", e(gcm(AesKeySize::Aes256), none)),
        (
            "full-aes128gmac",
            e(EspEncryption::AesGmac(AesKeySize::Aes128), none),
        ),
        (
            "full-aes256gmac",
            e(EspEncryption::AesGmac(AesKeySize::Aes256), none),
        ),
        ("full-aes128cbc-hmac-sha1", e(cbc128, sha1)),
        ("full-aes128cbc-hmac-sha256", e(cbc128, sha256)),
        ("full-aes256cbc-hmac-sha1", e(cbc256, sha1)),
        ("full-aes256cbc-hmac-sha256", e(cbc256, sha256)),
        ("full-null-hmac-sha1", e(EspEncryption::Null, sha1)),
        ("full-null-hmac-sha256", e(EspEncryption::Null, sha256)),
        ("full-3des-hmac-sha1", e(EspEncryption::TripleDesCbc, sha1)),
        ("full-des-hmac-sha1", e(EspEncryption::DesCbc, sha1)),
        (
            "full-des-hmac-md5",
            e(EspEncryption::DesCbc, EspIntegrity::HmacMd5_96),
        ),
        (
            "full-ah-hmac-sha1",
            t(Protocol::Ah(ah(AhIntegrity::HmacSha1_96))),
        ),
        (
            "full-ah-hmac-sha256",
            t(Protocol::Ah(ah(AhIntegrity::HmacSha256_128))),
        ),
        (
            "full-ah-aes128gmac",
            t(Protocol::Ah(ah(AhIntegrity::AesGmac(AesKeySize::Aes128)))),
        ),
        (
            "full-aes128gcm16-ah-hmac-sha256",
            t(Protocol::EspAh {
                esp: esp(gcm(AesKeySize::Aes128), none),
                ah: ah(AhIntegrity::HmacSha256_128),
            }),
        ),
    ]
}

fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed))
        .collect()
}

/// Owned key material for a configuration.
struct Keys {
    enc: Vec<u8>,
    integ: Vec<u8>,
    ah: Vec<u8>,
}

impl Keys {
    fn new(p: &Protocol) -> Self {
        let (e, i) = p
            .esp()
            .map(|t| (t.encryption.key_len(), t.integrity.key_len()))
            .unwrap_or((0, 0));
        let a = p.ah().map(|t| t.integrity.key_len()).unwrap_or(0);
        Self {
            enc: key(e, 1),
            integ: key(i, 2),
            ah: key(a, 3),
        }
    }

    fn sa_keys(&self) -> SaKeys<'_> {
        SaKeys {
            esp_encryption: &self.enc,
            esp_integrity: &self.integ,
            ah: &self.ah,
        }
    }
}

/// IPv4/UDP packet of exactly `total` bytes (DF set, valid header checksum).
fn inner_ipv4(total: usize) -> Vec<u8> {
    assert!((28..=65535).contains(&total));
    let mut p = vec![0u8; total];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[4..6].copy_from_slice(&0x1c46u16.to_be_bytes());
    p[6] = 0x40;
    p[8] = 64;
    p[9] = 17;
    p[12..16].copy_from_slice(&[10, 1, 2, 3]);
    p[16..20].copy_from_slice(&[10, 9, 8, 7]);
    let mut s = 0u32;
    for c in p[..20].chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    p[10..12].copy_from_slice(&(!(s as u16)).to_be_bytes());
    p[20..22].copy_from_slice(&4096u16.to_be_bytes());
    p[22..24].copy_from_slice(&5001u16.to_be_bytes());
    p[24..26].copy_from_slice(&((total - 20) as u16).to_be_bytes());
    for (i, b) in p[28..].iter_mut().enumerate() {
        *b = (i * 7 + 3) as u8;
    }
    p
}

fn bench(c: &mut Criterion) {
    for (name, cfg) in configs() {
        let keys = Keys::new(&cfg.protocol);
        let mut g = c.benchmark_group(name);
        for size in SIZES {
            let inner = inner_ipv4(size);
            g.throughput(Throughput::Bytes(size as u64));

            let mut outbound = OutboundSa::new(&cfg, &keys.sa_keys()).expect("valid outbound SA");
            let mut out = vec![0u8; size + outbound.max_overhead()];
            g.bench_function(BenchmarkId::new("encap", size), |b| {
                b.iter(|| {
                    black_box(
                        outbound
                            .encapsulate(black_box(&inner), &mut out)
                            .expect("encapsulate"),
                    )
                })
            });

            // Sequence numbers 1..=BATCH, checked once outside the timing.
            let mut outbound = OutboundSa::new(&cfg, &keys.sa_keys()).expect("valid outbound SA");
            let batch: Vec<Vec<u8>> = (0..BATCH)
                .map(|_| {
                    let e = outbound.encapsulate(&inner, &mut out).expect("encapsulate");
                    out[..e.len].to_vec()
                })
                .collect();
            let mut work = vec![0u8; batch.iter().map(Vec::len).max().expect("a non-empty batch")];
            let mut inbound = InboundSa::new(&cfg, &keys.sa_keys()).expect("valid inbound SA");
            for p in &batch {
                let w = &mut work[..p.len()];
                w.copy_from_slice(p);
                let d = inbound.decapsulate(w).expect("decapsulate a fresh packet");
                assert_eq!(&w[d.range()], &inner[..], "{name} {size}");
            }
            g.bench_function(BenchmarkId::new("decap", size), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(BATCH as u64) as usize;
                        // Fresh replay window, clock stopped.
                        inbound = InboundSa::new(&cfg, &keys.sa_keys()).expect("valid inbound SA");
                        let start = Instant::now();
                        for p in &batch[..n] {
                            let w = &mut work[..p.len()];
                            w.copy_from_slice(p);
                            black_box(inbound.decapsulate(w).expect("decapsulate a fresh packet"));
                        }
                        total += start.elapsed();
                        left -= n as u64;
                    }
                    total
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
