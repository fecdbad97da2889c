//! The ESP engine alone (criterion): what the filter's work is compared with.
//!
//! * `engine-seal`: for each of N packets, a memcpy of the framed Ethernet frame (its own
//!   template, N distinct templates) into its own 2048-byte buffer (N distinct buffers, as the
//!   pool's), then `EspSa::seal_at` at the known ESP offset.
//! * `engine-open`: for each of N sealed frames (those the filter produced), a memcpy into one
//!   scratch buffer (the filter's receive also uses one per-processor scratch), then
//!   `EspSa::open_at`.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId};
use ipsec_engine::EspSa;

use crate::setup::{Packets, ESP_AT, POOL_BUFFER_LEN, SCRATCH_LEN};

/// `engine-seal/N`: seals `p.plain` with `seal`.
pub fn seal(g: &mut BenchmarkGroup<'_, WallTime>, n: usize, seal: &EspSa, p: &Packets) {
    let (plain, len) = (&p.plain, p.len);
    g.bench_function(BenchmarkId::new("engine-seal", n), |b| {
        let mut bufs = vec![vec![0u8; POOL_BUFFER_LEN]; n];
        b.iter(|| {
            for (buf, t) in bufs.iter_mut().zip(plain) {
                let p = &mut buf[..t.len()];
                p.copy_from_slice(t);
                seal.seal_at(p, ESP_AT, len - ESP_AT, 0)
                    .expect("seal of a framed packet");
            }
            black_box(&bufs);
        });
    });
}

/// `engine-open/N`: opens `p.sealed` with `open`.
pub fn open(g: &mut BenchmarkGroup<'_, WallTime>, n: usize, open: &EspSa, p: &Packets) {
    let (sealed, len) = (&p.sealed, p.len);
    g.bench_function(BenchmarkId::new("engine-open", n), |b| {
        let mut scratch = vec![0u8; SCRATCH_LEN];
        b.iter(|| {
            for t in sealed {
                let p = &mut scratch[..t.len()];
                p.copy_from_slice(t);
                black_box(
                    open.open_at(p, ESP_AT, len - ESP_AT, 0)
                        .expect("open of a sealed packet"),
                );
            }
        });
    });
}
