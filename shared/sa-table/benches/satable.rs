//! SA table benchmarks: lookup by handle and by inbound key at 1K and 1M SAs (random access
//! over all entries), add+delete pairs, the table's own bytes per SA, and a memory-latency
//! breakdown at 1M SAs (dependent lookups: each one's position depends on the previous result).
//!
//! Run: `cargo bench -p ipsecov2-satable --bench satable -- --warm-up-time 1 --measurement-time 3`
//!
//! The benchmarks are generic over the payload; they use a small stand-in payload (keys and an
//! id). The real SA payload (key schedules, counters) only changes the size of each Arc'd
//! allocation, not the table's work, but larger payloads spread over more cache lines, which
//! matters for the random-access figures at 1M SAs.

use std::hint::black_box;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use ipsecov2_satable::{
    table_bytes_per_sa, Arc, HostSaTable, InboundKey, InboundKeys, IpAddress, IpsecProtocol,
    OffloadHandle, SaEntry, TableSeed, DEFAULT_CAPACITY, LOOKUP_BATCH, MAX_CAPACITY,
};

/// Small stand-in payload.
struct SmallSa {
    keys: InboundKeys,
    _id: u64,
}

impl SaEntry for SmallSa {
    fn inbound_keys(&self) -> InboundKeys {
        self.keys
    }
}

const SIZES: [(usize, &str); 2] = [(1 << 10, "1K"), (MAX_CAPACITY, "1M")];

fn seed() -> TableSeed {
    TableSeed::from_words([
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    ])
}

fn key(i: u32) -> InboundKey {
    // Spread over 256 destinations, SPIs as a peer would pick them (pseudo-random 32-bit).
    let spi = i.wrapping_mul(0x9e37_79b9) | 0x100;
    InboundKey::new(
        spi,
        IpAddress::v4([10, 0, (i >> 8) as u8, i as u8]),
        IpsecProtocol::Esp,
    )
}

/// Deterministic Fisher-Yates shuffle (xorshift64*).
fn shuffle<T>(v: &mut [T]) {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..v.len()).rev() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        let r = s.wrapping_mul(0x2545_f491_4f6c_dd1d);
        v.swap(i, (r % (i as u64 + 1)) as usize);
    }
}

/// A full table of `n` inbound SAs (one ESP key each), with its handles and keys shuffled.
fn filled<S: SaEntry>(
    n: usize,
    make: impl Fn(u32) -> S,
) -> (HostSaTable<S>, Vec<OffloadHandle>, Vec<InboundKey>) {
    let t = HostSaTable::with_capacity(n, seed()).expect("table of a supported capacity");
    let mut handles = Vec::with_capacity(n);
    for i in 0..n as u32 {
        handles.push(
            t.add(Arc::new(make(i)))
                .map_err(|r| r.error)
                .expect("add to a table with room"),
        );
    }
    let mut keys: Vec<InboundKey> = (0..n as u32).map(key).collect();
    shuffle(&mut handles);
    shuffle(&mut keys);
    (t, handles, keys)
}

fn bench_payload<S: SaEntry + Send + Sync>(c: &mut Criterion, make: impl Fn(u32) -> S + Copy) {
    for (n, label) in SIZES {
        let (t, handles, keys) = filled(n, make);
        let mask = n - 1; // sizes are powers of two

        let mut g = c.benchmark_group("lookup_handle");
        g.throughput(Throughput::Elements(1));
        let mut i = 0usize;
        g.bench_function(BenchmarkId::new("get_arc", label), |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                black_box(t.get(handles[i & mask]))
            })
        });
        g.bench_function(BenchmarkId::new("with_sa", label), |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                black_box(t.with_sa(handles[i & mask], |sa| sa.inbound_keys().len()))
            })
        });
        g.finish();

        let mut g = c.benchmark_group("lookup_inbound");
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("get_arc", label), |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                black_box(t.get_inbound(&keys[i & mask]))
            })
        });
        g.bench_function(BenchmarkId::new("with_inbound", label), |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                black_box(t.with_inbound(&keys[i & mask], |h, _| h))
            })
        });
        g.finish();

        // Bulk: LOOKUP_BATCH consecutive keys of the shuffled list per call (a chain of received
        // NBLs); the time is per key.
        let mut g = c.benchmark_group("lookup_inbound_bulk");
        g.throughput(Throughput::Elements(LOOKUP_BATCH as u64));
        let mut out: [Option<(OffloadHandle, Arc<S>)>; LOOKUP_BATCH] = Default::default();
        let mut at = 0usize;
        g.bench_function(BenchmarkId::new("get_inbound_many", label), |b| {
            b.iter(|| {
                at = (at + LOOKUP_BATCH) & mask;
                let end = (at + LOOKUP_BATCH).min(n);
                t.get_inbound_many(&keys[at..end], &mut out);
                black_box(&out);
            })
        });
        // What the receive path does with a large table: warm the chain's 16 keys together,
        // then look each packet's SA up alone (from the cache); the time is per key.
        g.bench_function(BenchmarkId::new("warm_then_get_inbound", label), |b| {
            b.iter(|| {
                at = (at + LOOKUP_BATCH) & mask;
                let end = (at + LOOKUP_BATCH).min(n);
                let chain = &keys[at..end];
                black_box(t.warm_inbound(chain));
                for k in chain {
                    black_box(t.get_inbound(k));
                }
            })
        });
        g.finish();
        drop(out);

        // Add + delete pairs: the table is half full (every other SA deleted) so the free list
        // walks through slots spread over the whole array.
        for h in handles.iter().step_by(2) {
            drop(t.delete(*h));
        }
        // Its key (index u32::MAX) is outside the filled range.
        let payload = Arc::new(make(u32::MAX));
        let mut g = c.benchmark_group("add_delete_pair");
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| {
                let h = t
                    .add(payload.clone())
                    .map_err(|r| r.error)
                    .expect("add to a table with room");
                black_box(t.delete(h))
            })
        });
        g.finish();
        let cleared = t.clear();
        black_box(cleared);
    }
}

fn benches(c: &mut Criterion) {
    for (n, label) in [
        (1usize << 10, "1K"),
        (DEFAULT_CAPACITY, "4K"),
        (MAX_CAPACITY, "1M"),
    ] {
        println!(
            "table bytes per SA at {label} ({n}): {:.2}",
            table_bytes_per_sa(n).expect("supported capacity")
        );
    }
    println!(
        "payload size (stand-in, bytes): {}",
        std::mem::size_of::<SmallSa>()
    );
    bench_payload(c, |i| SmallSa {
        keys: InboundKeys::one(key(i)),
        _id: u64::from(i),
    });
}

/// Memory-latency breakdown at 1M SAs behind the benchmark analysis in docs/sa-table.md. Each
/// lookup's position depends on the previous lookup's result, so the processor cannot overlap
/// the misses: the time per lookup is one chain of dependent memory accesses. `slot` reads a
/// slot (generation check, no payload), `slot_payload` a slot and then the payload behind it,
/// `index_slot` an inbound index entry and then its slot; the index read alone is the
/// difference of the last and the first.
fn latency_breakdown(c: &mut Criterion) {
    let n = MAX_CAPACITY;
    let mask = n - 1;
    let (t, handles, keys) = filled(n, |i| SmallSa {
        keys: InboundKeys::one(key(i)),
        _id: u64::from(i),
    });
    let scatter = |x: usize| (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 7) & mask;
    let mut g = c.benchmark_group("dependent_lookup_1M");
    g.throughput(Throughput::Elements(1));
    let (mut i, mut acc) = (0usize, 0usize);
    g.bench_function("slot", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            acc = usize::from(t.with_sa(handles[scatter(i ^ (acc & 1))], |_| ()).is_some());
            black_box(acc)
        })
    });
    g.bench_function("slot_payload", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let at = scatter(i ^ (acc & 1));
            acc = t.with_sa(handles[at], |sa| sa.keys.len()).unwrap_or(0);
            black_box(acc)
        })
    });
    g.bench_function("index_slot", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let at = scatter(i ^ (acc & 1));
            acc = t
                .with_inbound(&keys[at], |h, _| h.get() as usize)
                .unwrap_or(0);
            black_box(acc)
        })
    });
    g.finish();
    black_box(t.clear());
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn satable() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    latency_breakdown(&mut c);
}
criterion_main!(satable);
