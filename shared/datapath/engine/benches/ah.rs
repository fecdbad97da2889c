//! AH seal/open throughput per algorithm at 64, 576, 1400 and 9000 bytes
//! (whole IPv4 packet, transport mode: `AhSa::seal`/`open` with the ICV over
//! the packet with mutable fields zeroed).
//!
//! Seal restores the packet from a template each iteration (a memcpy of the
//! packet size, included in the figures); open does not modify the packet.

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use ipsec_engine::{AesKeySize, AhIntegrity, AhSa};

fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed))
        .collect()
}

/// IPv4 | AH | payload, about `size` bytes in total; returns (packet, AH offset).
fn frame(alg: AhIntegrity, size: usize) -> (Vec<u8>, usize) {
    let ihl = 20;
    let ah_len = (12 + alg.iv_len() + alg.icv_len()).next_multiple_of(4);
    let total = size.max(ihl + ah_len + 1);
    let mut p = vec![0xa5u8; total];
    p[..ihl].fill(0);
    p[0] = 0x45;
    p[2..4].copy_from_slice(
        &u16::try_from(total)
            .expect("bench packet fits an IPv4 length")
            .to_be_bytes(),
    );
    p[6] = 0x40; // DF
    p[8] = 64;
    p[9] = 51; // AH
    p[12..16].copy_from_slice(&[192, 0, 2, 1]);
    p[16..20].copy_from_slice(&[198, 51, 100, 7]);
    p[ihl..ihl + ah_len].fill(0);
    p[ihl] = 6; // next header TCP
    p[ihl + 1] = u8::try_from(ah_len / 4 - 2).expect("AH length fits its field");
    p[ihl + 4..ihl + 8].copy_from_slice(&0x0102_0304u32.to_be_bytes());
    p[ihl + 8..ihl + 12].copy_from_slice(&1u32.to_be_bytes());
    (p, ihl)
}

fn bench(c: &mut Criterion) {
    let algs = [
        ("ah-hmac-sha1", AhIntegrity::HmacSha1_96),
        ("ah-hmac-sha256", AhIntegrity::HmacSha256_128),
        ("ah-aes128gmac", AhIntegrity::AesGmac(AesKeySize::Aes128)),
    ];
    for (name, alg) in algs {
        let sa = AhSa::new(alg, false, &key(alg.key_len(), 3)).expect("valid AH SA");
        let mut g = c.benchmark_group(name);
        for size in [64usize, 576, 1400, 9000] {
            let (template, off) = frame(alg, size);
            g.throughput(Throughput::Bytes(template.len() as u64));
            g.bench_with_input(BenchmarkId::new("seal", size), &template, |b, t| {
                let mut p = t.clone();
                b.iter(|| {
                    p.copy_from_slice(t);
                    sa.seal(&mut p, off, 0).expect("seal of a framed packet");
                })
            });
            let mut sealed = template.clone();
            sa.seal(&mut sealed, off, 0)
                .expect("seal of a framed packet");
            g.bench_with_input(BenchmarkId::new("open", size), &sealed, |b, s| {
                b.iter(|| sa.open(s, off, 0).expect("open of a sealed packet"))
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
