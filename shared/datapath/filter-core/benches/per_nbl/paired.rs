//! Paired mode (`PER_NBL_PAIRED=ROUNDS`, used by `tests/perf/filter-overhead`): the same engine
//! and filter work as the criterion benches, but timed in short bursts (about 0.3 to 1 ms),
//! engine and filter of one configuration back to back (order alternating by round), every
//! configuration once per round. Each round gives a filter/engine time ratio per configuration;
//! the median over the rounds is robust to phases where other processes take the CPU, which on
//! a shared machine hit the two sides of one criterion comparison (seconds apart) unequally.
//!
//! Output, one line per configuration: `paired <alg> <size> <N> <flat|mdl3|mdl64> send <engine
//! ns> <filter ns> <median ratio> <q1> <q3> receive <engine ns> <filter ns> <median ratio> <q1>
//! <q3>` (nanoseconds per packet, medians over the rounds).

use std::hint::black_box;
use std::time::Instant;

use ipsec_engine::EspSa;
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::tcpip::esp_algs;
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain, SplitMix64};
use ipsecov2_offload_sa::OffloadSa;
use ipsecov2_satable::Arc;

use crate::frames::{nbl_spec, Seg};
use crate::setup::{
    assert_unchanged, open_sa, packets, sa_of, seal_sa, setup, Core, Packets, Setup, ALGS, CHAINS,
    ESP_AT, POOL_BUFFERS, POOL_BUFFER_LEN, SCRATCH_LEN, SIZES,
};
use crate::sink::DownSink;

/// One configuration measured: an algorithm's packets of one size and chain length, cut as
/// `seg`.
struct Config {
    alg: &'static str,
    n: usize,
    seg: Seg,
    packets: Packets,
    /// Index of the algorithm's `Setup` (and SAs).
    setup: usize,
}

/// One configuration with everything its bursts use.
struct Case<'o> {
    name: String,
    n: usize,
    len: usize,
    /// Packets per burst (send side; receive bursts use `recv_iters` chains).
    send_iters: usize,
    recv_iters: usize,
    seal: &'o EspSa,
    open: &'o EspSa,
    tx: &'o Core,
    rx: &'o Core,
    plain: &'o [Vec<u8>],
    sealed: &'o [Vec<u8>],
    recv_specs: Vec<NblSpec>,
    sink: DownSink<'o>,
    pool: HostTxPool,
}

/// One algorithm's outbound and inbound SA.
type SaPair = (Arc<OffloadSa>, Arc<OffloadSa>);

/// Per configuration: send engine, send filter, send ratio, receive engine, receive filter,
/// receive ratio; one value per round.
type Samples = [Vec<f64>; 6];

fn engine_seal(c: &Case<'_>, bufs: &mut [Vec<u8>]) -> f64 {
    let t = Instant::now();
    for _ in 0..c.send_iters {
        for (buf, p) in bufs.iter_mut().zip(c.plain) {
            let b = &mut buf[..p.len()];
            b.copy_from_slice(p);
            c.seal
                .seal_at(b, ESP_AT, c.len - ESP_AT, 0)
                .expect("seal of a framed packet");
        }
        black_box(&mut *bufs);
    }
    t.elapsed().as_secs_f64() * 1e9 / (c.send_iters * c.n) as f64
}

fn filter_send(c: &mut Case<'_>) -> f64 {
    let t = Instant::now();
    for _ in 0..c.send_iters {
        let chain = std::mem::take(&mut c.sink.down);
        c.tx.send(chain, &SystemVaMapper, &c.pool, &mut c.sink);
        c.sink.in_flight.clear();
    }
    t.elapsed().as_secs_f64() * 1e9 / (c.send_iters * c.n) as f64
}

fn engine_open(c: &Case<'_>, scratch: &mut [u8]) -> f64 {
    let t = Instant::now();
    for _ in 0..c.recv_iters {
        for p in c.sealed {
            let b = &mut scratch[..p.len()];
            b.copy_from_slice(p);
            black_box(
                c.open
                    .open_at(b, ESP_AT, c.len - ESP_AT, 0)
                    .expect("open of a sealed packet"),
            );
        }
    }
    t.elapsed().as_secs_f64() * 1e9 / (c.recv_iters * c.n) as f64
}

fn filter_receive(c: &Case<'_>, scratch: &mut [u8]) -> f64 {
    let mut chains: Vec<OwnedNblChain> = (0..c.recv_iters)
        .map(|_| OwnedNblChain::build(&c.recv_specs).expect("chain of valid NBL specs"))
        .collect();
    let t = Instant::now();
    for owned in &mut chains {
        c.rx.receive(&mut owned.chain(), &SystemVaMapper, scratch);
    }
    let ns = t.elapsed().as_secs_f64() * 1e9 / (c.recv_iters * c.n) as f64;
    drop(chains);
    ns
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn quartiles(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 4], v[(v.len() * 3) / 4])
}

/// Every algorithm's setup and SAs (outbound, inbound), and every configuration, in the order
/// of the criterion benches.
fn configurations() -> (Vec<Setup>, Vec<SaPair>, Vec<Config>) {
    let emu_algs = esp_algs();
    let mut setups = Vec::new();
    let mut sas = Vec::new();
    let mut configs = Vec::new();
    for alg in &ALGS {
        let ea = alg.emu(&emu_algs);
        let s = setup(ea);
        sas.push((sa_of(&s.tx, s.out_h), sa_of(&s.rx, s.in_h)));
        for size in SIZES {
            for n in CHAINS {
                let p = packets(&s, ea, size, n);
                for &seg in alg.segs(n) {
                    configs.push(Config {
                        alg: alg.name,
                        n,
                        seg,
                        packets: p.clone(),
                        setup: setups.len(),
                    });
                }
            }
        }
        setups.push(s);
    }
    (setups, sas, configs)
}

/// The chain each configuration sends (kept by its sink between bursts).
fn send_chains(configs: &[Config], setups: &[Setup], rng: &mut SplitMix64) -> Vec<OwnedNblChain> {
    configs
        .iter()
        .map(|d| {
            let s = &setups[d.setup];
            let p = &d.packets;
            let specs: Vec<NblSpec> = p
                .plain
                .iter()
                .map(|f| nbl_spec(f, d.seg.layout(rng, p.len, s.iv, s.tail), s.out_h, p.header))
                .collect();
            OwnedNblChain::build(&specs).expect("chain of valid NBL specs")
        })
        .collect()
}

/// The cases, one per configuration, sending `owned_send`.
fn cases<'o>(
    configs: &'o [Config],
    setups: &'o [Setup],
    sas: &'o [SaPair],
    owned_send: &'o mut [OwnedNblChain],
    rng: &mut SplitMix64,
) -> Vec<Case<'o>> {
    configs
        .iter()
        .zip(owned_send.iter_mut())
        .map(|(d, owned)| {
            let s = &setups[d.setup];
            let (out_sa, in_sa) = &sas[d.setup];
            let p = &d.packets;
            let recv_specs = p
                .sealed
                .iter()
                .map(|f| nbl_spec(f, d.seg.layout(rng, p.len, s.iv, s.tail), 0, 0))
                .collect();
            // About 1 ms of sealing per burst; receive bursts hold at most ~400 KB of chains.
            let send_packets = if p.size == 64 { 4096 } else { 1024 };
            let recv_packets = if p.size == 64 { 1024 } else { 256 };
            Case {
                name: format!("{} {} {} {}", d.alg, p.size, d.n, d.seg.name()),
                n: d.n,
                len: p.len,
                send_iters: (send_packets / d.n).max(1),
                recv_iters: (recv_packets / d.n).max(1),
                seal: seal_sa(out_sa),
                open: open_sa(in_sa),
                tx: &s.tx,
                rx: &s.rx,
                plain: &p.plain,
                sealed: &p.sealed,
                recv_specs,
                sink: DownSink::new(owned.chain()),
                pool: HostTxPool::new(POOL_BUFFERS, POOL_BUFFER_LEN),
            }
        })
        .collect()
}

/// Round 0 (warm-up) and `rounds` measured rounds of every case.
fn measure(cases: &mut [Case<'_>], rounds: usize) -> Vec<Samples> {
    let mut bufs = vec![vec![0u8; POOL_BUFFER_LEN]; 64];
    let mut scratch = vec![0u8; SCRATCH_LEN];
    let mut results: Vec<Samples> = cases.iter().map(|_| Default::default()).collect();
    for round in 0..=rounds {
        for (c, r) in cases.iter_mut().zip(&mut results) {
            let (es, fs, eo, fr) = if round % 2 == 0 {
                let es = engine_seal(c, &mut bufs);
                let fs = filter_send(c);
                let eo = engine_open(c, &mut scratch);
                let fr = filter_receive(c, &mut scratch);
                (es, fs, eo, fr)
            } else {
                let fs = filter_send(c);
                let es = engine_seal(c, &mut bufs);
                let fr = filter_receive(c, &mut scratch);
                let eo = engine_open(c, &mut scratch);
                (es, fs, eo, fr)
            };
            if round == 0 {
                continue; // warm-up
            }
            for (i, v) in [es, fs, fs / es, eo, fr, fr / eo].into_iter().enumerate() {
                r[i].push(v);
            }
        }
    }
    results
}

/// Checks that every NBL was protected and, if `print`, prints the `paired …` lines.
fn report(cases: &[Case<'_>], results: &mut [Samples], print: bool) {
    for (c, r) in cases.iter().zip(results) {
        assert_eq!(c.sink.not_protected, 0);
        if !print {
            continue;
        }
        let [es, fs, sr, eo, fr, rr] = r;
        let (sq1, sq3) = quartiles(sr);
        let (rq1, rq3) = quartiles(rr);
        println!(
            "paired {} send {:.1} {:.1} {:.4} {:.4} {:.4} receive {:.1} {:.1} {:.4} {:.4} {:.4}",
            c.name,
            median(es),
            median(fs),
            median(sr),
            sq1,
            sq3,
            median(eo),
            median(fr),
            median(rr),
            rq1,
            rq3
        );
    }
}

/// Runs `rounds` paired rounds (after one warm-up round) and prints the lines if `print`.
pub fn run(rounds: usize, print: bool) {
    let mut rng = SplitMix64::new(7);
    // Everything the cases borrow lives here, built first.
    let (setups, sas, configs) = configurations();
    let mut owned_send = send_chains(&configs, &setups, &mut rng);
    let mut cases = cases(&configs, &setups, &sas, &mut owned_send, &mut rng);
    let mut results = measure(&mut cases, rounds);
    report(&cases, &mut results, print);
    drop(cases);
    for (d, owned) in configs.iter().zip(owned_send.iter_mut()) {
        owned.relink();
        assert_unchanged(owned, &d.packets.plain);
    }
}
