//! Per-NBL overhead of the filter core over the ESP engine alone: ESP transport mode over IPv4,
//! IP datagrams of 64 and 1400 bytes (Ethernet frames of 78 and 1414 bytes), chains of 1, 16
//! and 64 NBLs of one NET_BUFFER each.
//!
//! Run: `cargo bench -p ipsecov2-filter-core --bench per_nbl -- --warm-up-time 1
//! --measurement-time 2`, or `tests/perf/filter-overhead` (runs it, prints the table and the
//! `ratio …` lines). Figures and method: `docs/performance.md`, "Filter per-NBL overhead".
//!
//! Groups `per-nbl-<alg>-<size>` (size = IP datagram length; the AES-CBC "64" datagram is 72
//! bytes, the smallest CBC packet at or above 64), parameter = NBLs per chain (N), throughput =
//! N packets. One iteration is one chain of N packets:
//!
//! * `engine-seal`, `engine-open` (`per_nbl/engine.rs`): the ESP engine alone, a memcpy of each
//!   frame into a buffer then `EspSa::seal_at` / `EspSa::open_at` at the known ESP offset. The
//!   `EspSa` is the one the filter uses (taken from its SA table), so keys and memory layout are
//!   the same.
//! * `filter-send` (`per_nbl/send.rs`): `FilterCore::send` of an N-NBL chain with a
//!   `HostTxPool`, the sink (`per_nbl/sink.rs`) standing for the driver.
//! * `filter-receive` (`per_nbl/receive.rs`): `FilterCore::receive` of an N-NBL chain of the
//!   sealed frames, fresh chains built outside the timer.
//! * `-mdl3`, `-mdl64` (`per_nbl/frames.rs`, AES-GCM only, N = 16): the same filter paths over NET_BUFFERs cut into
//!   three MDLs (32 bytes of backfill + the 50 bytes of Ethernet, IPv4, ESP header and IV | the
//!   payload | padding, trailer and ICV) or into the test suite's random segmentation (MDLs of
//!   1 to 64 bytes, 20 % of them one byte, backfill and slack). The default is one MDL.
//!
//! Both modes share `per_nbl/setup.rs`: the sending and the receiving filter core, each with one
//! ESP transport SA installed through `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`, and per
//! configuration the frames TCP/IP hands down (slots 1 and 12 set as TCP/IP does) and the
//! filter's sealed versions of them.
//!
//! Paired mode (`PER_NBL_PAIRED=ROUNDS cargo bench -p ipsecov2-filter-core --bench per_nbl`,
//! what `tests/perf/filter-overhead` runs): the same work, timed in bursts of about 0.3 to 1 ms
//! with engine and filter of one configuration back to back, one ratio per round, medians over
//! the rounds printed as `paired …` lines (`per_nbl/paired.rs`). On a shared machine the criterion
//! figures of the two sides of one comparison are taken seconds apart and can be hit unequally
//! by other processes; the paired ratios are not. Test mode (`cargo test --all-targets`) runs
//! each criterion bench once and one quiet paired round.
#![allow(missing_debug_implementations)]

#[path = "per_nbl/engine.rs"]
mod engine;
#[path = "per_nbl/frames.rs"]
mod frames;
#[path = "per_nbl/many.rs"]
mod many;
#[path = "per_nbl/paired.rs"]
mod paired;
#[path = "per_nbl/receive.rs"]
mod receive;
#[path = "per_nbl/send.rs"]
mod send;
#[path = "per_nbl/setup.rs"]
mod setup;
#[path = "per_nbl/sink.rs"]
mod sink;

use std::sync::atomic::Ordering;

use criterion::{Criterion, Throughput};
use ipsecov2_ndis_emu::tcpip::{self, esp_algs};
use ipsecov2_ndis_emu::SplitMix64;

use setup::{open_sa, packets, sa_of, seal_sa, setup, ALGS, CHAINS, SIZES};

/// The criterion benches: per algorithm, size and chain length, in this order, `engine-seal`,
/// `filter-send` (per segmentation), `engine-open`, `filter-receive` (per segmentation).
fn bench(c: &mut Criterion) {
    let mut rng = SplitMix64::new(7);
    let emu_algs = esp_algs();
    for alg in &ALGS {
        let ea = alg.emu(&emu_algs);
        let s = setup(ea);
        let out_sa = sa_of(&s.tx, s.out_h);
        let in_sa = sa_of(&s.rx, s.in_h);
        let seal = seal_sa(&out_sa);
        let open = open_sa(&in_sa);
        for size in SIZES {
            let mut g = c.benchmark_group(format!("per-nbl-{}-{size}", alg.name));
            for n in CHAINS {
                let p = packets(&s, ea, size, n);
                // The AES-CBC "64" datagram is 72 bytes (a 16-byte block of payload + trailer).
                let ip_len = if size == 64 && alg.name != "aes128gcm16" {
                    72
                } else {
                    size
                };
                assert_eq!(p.len, tcpip::ETH + ip_len, "IP datagram length");
                // The sealed frames open with the inbound SA, through the engine and the filter.
                receive::check_open(&s, &p);
                g.throughput(Throughput::Elements(n as u64));
                engine::seal(&mut g, n, seal, &p);
                for &seg in alg.segs(n) {
                    send::filter_send(&mut g, n, &s, &p, seg, &mut rng);
                }
                engine::open(&mut g, n, open, &p);
                for &seg in alg.segs(n) {
                    receive::filter_receive(&mut g, n, &s, &p, seg, &mut rng);
                }
            }
            g.finish();
        }
        // Every packet was processed, none dropped or left untouched.
        assert_eq!(
            s.tx.counters.send_passed.load(Ordering::Relaxed),
            0,
            "no NBL passed down unprotected"
        );
        assert_eq!(s.rx.counters.recv_untouched.load(Ordering::Relaxed), 0);
    }
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    many::bench(&mut c, many::count());
}

fn main() {
    if let Some(rounds) = std::env::var("PER_NBL_PAIRED")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        paired::run(rounds.max(1), true);
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        // Test mode: keep the paired code exercised too.
        paired::run(1, false);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
