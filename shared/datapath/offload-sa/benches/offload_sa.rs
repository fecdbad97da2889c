//! The SA table with real prepared SAs: lookups by handle and by (SPI, destination, protocol) at
//! 1 K and 1 M SAs, prepare+add+delete throughput (the whole ADD_SA/DELETE_SA cost past decoding),
//! and bytes per SA.

use std::hint::black_box;

use criterion::{criterion_main, BatchSize, Criterion, Throughput};
use ipsecov2_offload_sa::{bytes_per_sa, OffloadSa, OffloadSas};
use ipsecov2_oid::{
    Address, AesKeySize, Bundle, Encryption, Integrity, IpVersion, IpsecProtocol, SaBackend,
    SaSpec, SecAssocSpec, UdpEspEncapsulation,
};
use ipsecov2_satable::{
    table_bytes_per_sa, HostSaTable, InboundKey, IpAddress, OffloadHandle, StdRwLock, TableSeed,
    TableState,
};

type Sas = OffloadSas<StdRwLock<TableState<OffloadSa>>>;

const KEY: [u8; 36] = [7; 36];

fn spec(spi: u32) -> SaSpec<'static> {
    let mut dst = [0u8; 16];
    dst[..4].copy_from_slice(&[10, 1, (spi >> 8) as u8, spi as u8]);
    SaSpec {
        inbound: true,
        source: Address {
            version: IpVersion::V4,
            bytes: [0; 16],
        },
        destination: Address {
            version: IpVersion::V4,
            bytes: dst,
        },
        udp_esp: UdpEspEncapsulation(0),
        bundle: Bundle::Esp(SecAssocSpec {
            protocol: IpsecProtocol::Esp,
            spi,
            esn: true,
            seq_high: 0,
            encryption: Encryption::AesGcm {
                key: AesKeySize::Aes128,
                icv_len: 16,
            },
            encryption_key: &KEY[..20],
            integrity: Integrity::None,
            integrity_key: &[],
        }),
        switch: None,
    }
}

/// A table of `capacity` holding `n` prepared SAs.
fn filled(n: usize, capacity: usize) -> (Sas, Vec<OffloadHandle>, Vec<InboundKey>) {
    let sas = Sas::new(
        HostSaTable::with_capacity(capacity, TableSeed::from_words([1, 2, 3, 4]))
            .expect("table of a supported capacity"),
    );
    let mut handles = Vec::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    for i in 0..n as u32 {
        let s = spec(0x1000 + i);
        handles.push(OffloadHandle::from(
            sas.add(&s).expect("add to a table with room"),
        ));
        let d = s.destination.bytes;
        keys.push(InboundKey::new(
            0x1000 + i,
            IpAddress::v4([d[0], d[1], d[2], d[3]]),
            ipsecov2_satable::IpsecProtocol::Esp,
        ));
    }
    (sas, handles, keys)
}

/// A fixed pseudo-random visiting order, so lookups are spread over the whole table.
fn order(n: usize) -> Vec<usize> {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n.min(1 << 16))
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        })
        .collect()
}

fn lookups(c: &mut Criterion) {
    println!(
        "bytes per SA: {} (Arc + prepared AES-GCM/HMAC state) + {:.1} (table slot and index share at 1M)",
        bytes_per_sa(&OffloadSa::prepare(&spec(1)).expect("valid SA spec")),
        table_bytes_per_sa(1 << 20).expect("supported capacity")
    );
    for n in [1 << 10, 1 << 20] {
        let (sas, handles, keys) = filled(n, n);
        let visit = order(n);
        let mut g = c.benchmark_group(format!(
            "real-sa-lookup-{}",
            if n == 1024 { "1K" } else { "1M" }
        ));
        g.throughput(Throughput::Elements(1));
        let mut i = 0;
        g.bench_function("by-handle", |b| {
            b.iter(|| {
                i = (i + 1) % visit.len();
                black_box(sas.table().get(handles[visit[i]]))
            })
        });
        g.bench_function("by-inbound-key", |b| {
            b.iter(|| {
                i = (i + 1) % visit.len();
                black_box(sas.table().get_inbound(&keys[visit[i]]))
            })
        });
        g.finish();
    }
}

fn churn(c: &mut Criterion) {
    // One free slot: each iteration adds into it and deletes again.
    let (sas, _, _) = filled(1 << 10, (1 << 10) + 1);
    let s = spec(0xfff0_0000);
    let mut g = c.benchmark_group("real-sa-churn");
    g.throughput(Throughput::Elements(1));
    g.bench_function("prepare+add+delete", |b| {
        b.iter(|| {
            let h = sas.add(black_box(&s)).expect("add to a table with room");
            black_box(sas.delete(h.get()))
        })
    });
    g.bench_function("prepare-only", |b| {
        b.iter_batched(
            || (),
            |()| black_box(OffloadSa::prepare(&s).expect("valid SA spec")),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    lookups(&mut c);
    churn(&mut c);
}
criterion_main!(benches);
