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
//! * `engine-seal`: for each of N packets, a memcpy of the framed Ethernet frame (its own
//!   template, N distinct templates) into its own 2048-byte buffer (N distinct buffers, as the
//!   pool's), then `EspSa::seal_at` at the known ESP offset. The `EspSa` is the one the filter
//!   uses (taken from its SA table), so keys and memory layout are the same.
//! * `filter-send`: `FilterCore::send` of an N-NBL chain (built once by `ipsecov2-ndis-emu`, SA
//!   installed through `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`, slots 1 and 12 set as TCP/IP
//!   does) with a `HostTxPool` of 128 buffers of 2048 bytes; the sink appends each original to
//!   the chain going down (as the driver does) and keeps the staged copies, which are released
//!   to the pool after `send` returns, inside the timed iteration (what the send-complete does).
//!   The send path never writes TCP/IP's memory, so the chain the sink rebuilt is sent again
//!   in the next iteration unchanged (checked once before timing).
//! * `engine-open`: for each of N sealed frames (those the filter produced), a memcpy into one
//!   scratch buffer (the filter's receive also uses one per-processor scratch), then
//!   `EspSa::open_at`.
//! * `filter-receive`: `FilterCore::receive` of an N-NBL chain of the same sealed frames. It
//!   decrypts in place, so each iteration needs a fresh chain: `iter_batched_ref` builds a batch
//!   of chains (256 packets at 1400 bytes, 1024 at 64, so that they stay in L2 like the
//!   engine's templates) before the timer starts and drops them after it stops; only `receive`
//!   (with the `NblChain::from_raw` walk of `OwnedNblChain::chain`) is timed.
//! * `-mdl3`, `-mdl64` (AES-GCM only, N = 16): the same filter paths over NET_BUFFERs cut into
//!   three MDLs (32 bytes of backfill + the 50 bytes of Ethernet, IPv4, ESP header and IV | the
//!   payload | padding, trailer and ICV) or into the test suite's random segmentation (MDLs of
//!   1 to 64 bytes, 20 % of them one byte, backfill and slack). The default is one MDL.
//!
//! Paired mode (`PER_NBL_PAIRED=ROUNDS cargo bench -p ipsecov2-filter-core --bench per_nbl`,
//! what `tests/perf/filter-overhead` runs): the same work, timed in bursts of about 0.3 to 1 ms
//! with engine and filter of one configuration back to back, one ratio per round, medians over
//! the rounds printed as `paired …` lines (see [`paired`]). On a shared machine the criterion
//! figures of the two sides of one comparison are taken seconds apart and can be hit unequally
//! by other processes; the paired ratios are not. Test mode (`cargo test --all-targets`) runs
//! each criterion bench once and one quiet paired round.
#![allow(missing_debug_implementations)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use ipsecov2_abi::*;
use ipsecov2_filter_core::{HostTxBuffer, HostTxPool, SendDrop, SendSink, TxBuffer};
use ipsecov2_nbl::{NblChain, SystemVaMapper};
use ipsecov2_ndis_emu::direct;
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::tcpip::{self, bundle, esp_algs, frame, recv_view, BundleSpec, Ip, Layer};
use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec, OwnedNblChain, SplitMix64};
use ipsecov2_offload_sa::OffloadSa;
use ipsecov2_satable::{Arc, OffloadHandle};

type Core = direct::HostCore;

/// Ethernet (14) + IPv4 without options (20): where the ESP header starts in the frame.
const ESP_AT: usize = tcpip::ETH + 20;
const CHAINS: [usize; 3] = [1, 16, 64];
const POOL_BUFFERS: usize = 128;
const POOL_BUFFER_LEN: usize = 2048;
const SCRATCH_LEN: usize = 9216;

fn core() -> Core {
    direct::host_core(256).expect("host filter core")
}

/// ADD_SA through the filter's OID dispatch; returns the handle.
fn add(core: &Core, sa: &AddSa) -> u64 {
    let (c, h) = direct::add_sa_list(core, std::slice::from_ref(sa)).expect("ADD_SA of a valid SA");
    assert_eq!(c.status, NDIS_STATUS_SUCCESS);
    assert_ne!(h[0], 0, "SA offloaded");
    h[0]
}

fn sa_of(core: &Core, h: u64) -> Arc<OffloadSa> {
    core.sas()
        .table()
        .get(OffloadHandle::from_u64(h).expect("non-zero handle"))
        .expect("the SA just added")
}

/// The sink the driver would be: every original NBL is appended to the chain going down (the
/// protected ones stand for their filter-owned copies), the copies are kept until the
/// send-complete (here: the end of the iteration) releases them to the pool.
struct DownSink<'a> {
    down: NblChain<'a>,
    in_flight: Vec<HostTxBuffer>,
    not_protected: usize,
}

impl<'a> SendSink<'a, HostTxBuffer> for DownSink<'a> {
    fn pass_down(&mut self, nbl: NblChain<'a>) {
        self.not_protected += 1;
        self.down.append(nbl);
    }
    fn stage(&mut self, packet: HostTxBuffer) {
        self.in_flight.push(packet);
    }
    fn protected(&mut self, original: NblChain<'a>) {
        self.down.append(original);
    }
    fn complete(&mut self, original: NblChain<'a>, _status: NDIS_STATUS, _reason: SendDrop) {
        self.not_protected += 1;
        self.down.append(original);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Seg {
    /// One MDL holding exactly the frame.
    Flat,
    /// Headers | payload | trailer + ICV, with backfill.
    Mdl3,
    /// The test suite's random segmentation (`tcpip::seg()`).
    Mdl64,
}

impl Seg {
    fn suffix(self) -> &'static str {
        match self {
            Seg::Flat => "",
            Seg::Mdl3 => "-mdl3",
            Seg::Mdl64 => "-mdl64",
        }
    }

    fn layout(self, rng: &mut SplitMix64, len: usize, iv: usize, tail: usize) -> MdlLayout {
        match self {
            Seg::Flat => MdlLayout::single(len as u32),
            Seg::Mdl3 => {
                let head = ESP_AT + 8 + iv;
                MdlLayout::new(
                    vec![32 + head as u32, (len - head - tail) as u32, tail as u32],
                    32,
                )
            }
            Seg::Mdl64 => MdlLayout::random(rng, len as u32, &tcpip::seg()),
        }
    }
}

struct Alg {
    /// Bench group name part.
    name: &'static str,
    /// Name in `tcpip::esp_algs()`.
    emu: &'static str,
}

const ALGS: [Alg; 2] = [
    Alg {
        name: "aes128gcm16",
        emu: "gcm128/16",
    },
    Alg {
        name: "aes128cbc-hmac-sha1",
        emu: "aes128+sha1",
    },
];

/// `n` framed ESP transport frames whose IP datagram is `size` bytes (or the smallest larger
/// one the cipher's block size allows), sequence numbers 1..=n; slot 12 value.
fn frames(alg: &tcpip::EspAlg, spi: u32, size: usize, n: usize) -> (Vec<Vec<u8>>, u32) {
    let layer = Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let ip = Ip {
        v6: false,
        extras: false,
    };
    let mut payload_len = 1;
    loop {
        let f = frame(&ip, &layer, 1, &vec![0xa5; payload_len], 6);
        if f.frame.len() >= tcpip::ETH + size {
            break;
        }
        payload_len += 1;
    }
    let mut header = 0;
    let out = (0..n)
        .map(|i| {
            let payload: Vec<u8> = (0..payload_len).map(|j| (i + j) as u8).collect();
            let f = frame(&ip, &layer, 1 + i as u32, &payload, 6);
            header = f.header_info;
            f.frame
        })
        .collect();
    (out, header)
}

fn nbl_spec(frame: &[u8], layout: MdlLayout, handle: u64, header: u32) -> NblSpec {
    let mut s = NblSpec::new(vec![NbSpec::new(frame.to_vec(), layout)]);
    if handle != 0 {
        s.info
            .push((IPsecOffloadV2NetBufferListInfo, handle as usize));
        s.info
            .push((IPsecOffloadV2HeaderNetBufferListInfo, header as usize));
    }
    s
}

struct Setup {
    tx: Core,
    rx: Core,
    out_h: u64,
    in_h: u64,
    iv: usize,
    tail: usize,
}

fn setup(alg: &tcpip::EspAlg) -> Setup {
    let spi = 0x0100_0001;
    let tx = core();
    let rx = core();
    let out_h = add(&tx, &bundle(BundleSpec::esp(alg, spi)));
    let in_h = add(&rx, &bundle(BundleSpec::esp(alg, spi).inbound()));
    Setup {
        tx,
        rx,
        out_h,
        in_h,
        iv: alg.shape.iv,
        // Padding is at most block - 1, plus pad length, next header and ICV: the last MDL of
        // `Seg::Mdl3` holds the last `block + 1 + icv` bytes.
        tail: alg.shape.block + 1 + alg.shape.icv,
    }
}

/// Sends `frames` once through the filter as one chain and returns the protected frames;
/// checks that TCP/IP's bytes are unchanged and every NBL was protected.
fn send_once(s: &Setup, specs: &[NblSpec], frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let pool = HostTxPool::new(POOL_BUFFERS, POOL_BUFFER_LEN);
    let mut owned = OwnedNblChain::build(specs).expect("chain of valid NBL specs");
    let mut sink = DownSink {
        down: NblChain::empty(),
        in_flight: Vec::new(),
        not_protected: 0,
    };
    s.tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
    assert_eq!(sink.not_protected, 0);
    assert_eq!(sink.down.count(), frames.len());
    let out: Vec<Vec<u8>> = sink.in_flight.iter().map(|b| b.bytes().to_vec()).collect();
    drop(sink);
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(
            &owned.read_nb(i, 0).expect("read back a sent NET_BUFFER"),
            f,
            "TCP/IP's bytes unchanged"
        );
        assert_ne!(&out[i], f, "protected");
    }
    out
}

#[allow(clippy::too_many_lines)]
fn bench(c: &mut Criterion) {
    let mut rng = SplitMix64::new(7);
    let emu_algs = esp_algs();
    for alg in &ALGS {
        let ea = emu_algs
            .iter()
            .find(|a| a.name == alg.emu)
            .expect("an emulation algorithm of that name");
        let s = setup(ea);
        let out_sa = sa_of(&s.tx, s.out_h);
        let in_sa = sa_of(&s.rx, s.in_h);
        let seal = &out_sa.esp.as_ref().expect("an outbound ESP SA").sa;
        let open = &in_sa.esp.as_ref().expect("an inbound ESP SA").sa;
        for size in [64usize, 1400] {
            let mut g = c.benchmark_group(format!("per-nbl-{}-{size}", alg.name));
            for n in CHAINS {
                let (plain, header) = frames(ea, 0x0100_0001, size, n);
                let len = plain[0].len();
                // The AES-CBC "64" datagram is 72 bytes (a 16-byte block of payload + trailer).
                let ip_len = if size == 64 && alg.name != "aes128gcm16" {
                    72
                } else {
                    size
                };
                assert_eq!(len, tcpip::ETH + ip_len, "IP datagram length");
                let flat_specs: Vec<NblSpec> = plain
                    .iter()
                    .map(|f| nbl_spec(f, MdlLayout::single(len as u32), s.out_h, header))
                    .collect();
                let sealed = send_once(&s, &flat_specs, &plain);
                // The sealed frames open with the inbound SA, through the engine and the filter.
                {
                    let mut owned = OwnedNblChain::build(
                        &sealed
                            .iter()
                            .map(|f| nbl_spec(f, MdlLayout::single(len as u32), 0, 0))
                            .collect::<Vec<_>>(),
                    )
                    .expect("chain of valid NBL specs");
                    let mut scratch = vec![0u8; SCRATCH_LEN];
                    s.rx.receive(&mut owned.chain(), &SystemVaMapper, &mut scratch);
                    for (i, p) in plain.iter().enumerate() {
                        let v = recv_view(&owned, i);
                        assert!(v.crypto_done && v.status == CRYPTO_SUCCESS);
                        let got = owned.read_nb(i, 0).expect("read back a sent NET_BUFFER");
                        // Payload decrypted back to the original (IV and ICV differ).
                        let body = ESP_AT + 8 + s.iv..len - ea.shape.icv;
                        assert_eq!(got[body.clone()], p[body]);
                    }
                }
                g.throughput(Throughput::Elements(n as u64));

                g.bench_function(BenchmarkId::new("engine-seal", n), |b| {
                    let mut bufs = vec![vec![0u8; POOL_BUFFER_LEN]; n];
                    b.iter(|| {
                        for (buf, t) in bufs.iter_mut().zip(&plain) {
                            let p = &mut buf[..t.len()];
                            p.copy_from_slice(t);
                            seal.seal_at(p, ESP_AT, len - ESP_AT, 0)
                                .expect("seal of a framed packet");
                        }
                        black_box(&bufs);
                    });
                });

                let segs: &[Seg] = if alg.name == "aes128gcm16" && n == 16 {
                    &[Seg::Flat, Seg::Mdl3, Seg::Mdl64]
                } else {
                    &[Seg::Flat]
                };
                for &seg in segs {
                    let specs: Vec<NblSpec> = plain
                        .iter()
                        .map(|f| {
                            nbl_spec(f, seg.layout(&mut rng, len, s.iv, s.tail), s.out_h, header)
                        })
                        .collect();
                    let mut owned = OwnedNblChain::build(&specs).expect("chain of valid NBL specs");
                    let pool = HostTxPool::new(POOL_BUFFERS, POOL_BUFFER_LEN);
                    let mut sink = DownSink {
                        down: owned.chain(),
                        in_flight: Vec::with_capacity(POOL_BUFFERS),
                        not_protected: 0,
                    };
                    g.bench_function(
                        BenchmarkId::new(format!("filter-send{}", seg.suffix()), n),
                        |b| {
                            b.iter(|| {
                                let chain = std::mem::take(&mut sink.down);
                                s.tx.send(chain, &SystemVaMapper, &pool, &mut sink);
                                // Send-complete: the copies go back to the pool.
                                sink.in_flight.clear();
                            });
                        },
                    );
                    assert_eq!(sink.not_protected, 0);
                    assert_eq!(sink.down.count(), n);
                    drop(sink);
                    owned.relink();
                    for (i, f) in plain.iter().enumerate() {
                        assert_eq!(
                            &owned.read_nb(i, 0).expect("read back a sent NET_BUFFER"),
                            f,
                            "TCP/IP's bytes unchanged"
                        );
                    }
                }

                g.bench_function(BenchmarkId::new("engine-open", n), |b| {
                    let mut scratch = vec![0u8; SCRATCH_LEN];
                    b.iter(|| {
                        for t in &sealed {
                            let p = &mut scratch[..t.len()];
                            p.copy_from_slice(t);
                            black_box(
                                open.open_at(p, ESP_AT, len - ESP_AT, 0)
                                    .expect("open of a sealed packet"),
                            );
                        }
                    });
                });

                // Fresh chains per iteration, built before the timer starts, in batches of at
                // most 256 (1400 bytes) / 1024 (64 bytes) packets: a larger batch (criterion's
                // `SmallInput` makes it a tenth of the sample, megabytes here) would be read
                // from beyond L2 while the engine's templates stay in cache.
                let recv_batch = (if size == 64 { 1024 } else { 256 } / n).max(1) as u64;
                for &seg in segs {
                    let specs: Vec<NblSpec> = sealed
                        .iter()
                        .map(|f| nbl_spec(f, seg.layout(&mut rng, len, s.iv, s.tail), 0, 0))
                        .collect();
                    let mut scratch = vec![0u8; SCRATCH_LEN];
                    g.bench_function(
                        BenchmarkId::new(format!("filter-receive{}", seg.suffix()), n),
                        |b| {
                            b.iter_batched_ref(
                                || OwnedNblChain::build(&specs).expect("chain of valid NBL specs"),
                                |owned| {
                                    s.rx.receive(&mut owned.chain(), &SystemVaMapper, &mut scratch);
                                },
                                BatchSize::NumIterations(recv_batch),
                            );
                        },
                    );
                }
            }
            g.finish();
        }
        // Every packet was processed, none dropped or left untouched.
        let tx = &s.tx.counters;
        let rx = &s.rx.counters;
        assert_eq!(
            tx.send_passed.load(std::sync::atomic::Ordering::Relaxed),
            0,
            "no NBL passed down unprotected"
        );
        assert_eq!(
            rx.recv_untouched.load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }
}

/// Paired mode (`PER_NBL_PAIRED=ROUNDS`, used by `tests/perf/filter-overhead`): the same engine
/// and filter work as the criterion benches, but timed in short bursts (about 0.3 to 1 ms),
/// engine and filter of one configuration back to back (order alternating by round), every
/// configuration once per round. Each round gives a filter/engine time ratio per configuration;
/// the median over the rounds is robust to phases where other processes take the CPU, which on
/// a shared machine hit the two sides of one criterion comparison (seconds apart) unequally.
mod paired {
    use super::*;
    use std::time::Instant;

    struct Case<'o> {
        name: String,
        n: usize,
        len: usize,
        /// Packets per burst (send side; receive bursts use `recv_iters` chains).
        send_iters: usize,
        recv_iters: usize,
        seal: &'o ipsec_engine::EspSa,
        open: &'o ipsec_engine::EspSa,
        tx: &'o Core,
        rx: &'o Core,
        plain: &'o [Vec<u8>],
        sealed: &'o [Vec<u8>],
        recv_specs: Vec<NblSpec>,
        sink: DownSink<'o>,
        pool: HostTxPool,
    }

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

    #[allow(clippy::too_many_lines)]
    pub fn run(rounds: usize, print: bool) {
        let mut rng = SplitMix64::new(7);
        let emu_algs = esp_algs();
        // Everything the cases borrow lives here, built first.
        struct Data {
            alg: &'static str,
            size: usize,
            n: usize,
            seg: Seg,
            plain: Vec<Vec<u8>>,
            sealed: Vec<Vec<u8>>,
            header: u32,
            setup: usize,
        }
        let mut setups = Vec::new();
        let mut sas = Vec::new();
        let mut data = Vec::new();
        for alg in &ALGS {
            let ea = emu_algs
                .iter()
                .find(|a| a.name == alg.emu)
                .expect("an emulation algorithm of that name");
            let s = setup(ea);
            sas.push((sa_of(&s.tx, s.out_h), sa_of(&s.rx, s.in_h), ea.shape.icv));
            for size in [64usize, 1400] {
                for n in CHAINS {
                    let (plain, header) = frames(ea, 0x0100_0001, size, n);
                    let len = plain[0].len();
                    let specs: Vec<NblSpec> = plain
                        .iter()
                        .map(|f| nbl_spec(f, MdlLayout::single(len as u32), s.out_h, header))
                        .collect();
                    let sealed = send_once(&s, &specs, &plain);
                    let segs: &[Seg] = if alg.name == "aes128gcm16" && n == 16 {
                        &[Seg::Flat, Seg::Mdl3, Seg::Mdl64]
                    } else {
                        &[Seg::Flat]
                    };
                    for &seg in segs {
                        data.push(Data {
                            alg: alg.name,
                            size,
                            n,
                            seg,
                            plain: plain.clone(),
                            sealed: sealed.clone(),
                            header,
                            setup: setups.len(),
                        });
                    }
                }
            }
            setups.push(s);
        }
        let mut owned_send: Vec<OwnedNblChain> = data
            .iter()
            .map(|d| {
                let s = &setups[d.setup];
                let len = d.plain[0].len();
                let specs: Vec<NblSpec> = d
                    .plain
                    .iter()
                    .map(|f| {
                        nbl_spec(
                            f,
                            d.seg.layout(&mut rng, len, s.iv, s.tail),
                            s.out_h,
                            d.header,
                        )
                    })
                    .collect();
                OwnedNblChain::build(&specs).expect("chain of valid NBL specs")
            })
            .collect();
        let mut cases: Vec<Case<'_>> = data
            .iter()
            .zip(owned_send.iter_mut())
            .map(|(d, owned)| {
                let s = &setups[d.setup];
                let (out_sa, in_sa, _) = &sas[d.setup];
                let len = d.plain[0].len();
                let recv_specs = d
                    .sealed
                    .iter()
                    .map(|f| nbl_spec(f, d.seg.layout(&mut rng, len, s.iv, s.tail), 0, 0))
                    .collect();
                // About 1 ms of sealing per burst; receive bursts hold at most ~400 KB of chains.
                let send_packets = if d.size == 64 { 4096 } else { 1024 };
                let recv_packets = if d.size == 64 { 1024 } else { 256 };
                Case {
                    name: format!(
                        "{} {} {} {}",
                        d.alg,
                        d.size,
                        d.n,
                        match d.seg {
                            Seg::Flat => "flat",
                            Seg::Mdl3 => "mdl3",
                            Seg::Mdl64 => "mdl64",
                        }
                    ),
                    n: d.n,
                    len,
                    send_iters: (send_packets / d.n).max(1),
                    recv_iters: (recv_packets / d.n).max(1),
                    seal: &out_sa.esp.as_ref().expect("an outbound ESP SA").sa,
                    open: &in_sa.esp.as_ref().expect("an inbound ESP SA").sa,
                    tx: &s.tx,
                    rx: &s.rx,
                    plain: &d.plain,
                    sealed: &d.sealed,
                    recv_specs,
                    sink: DownSink {
                        down: owned.chain(),
                        in_flight: Vec::with_capacity(POOL_BUFFERS),
                        not_protected: 0,
                    },
                    pool: HostTxPool::new(POOL_BUFFERS, POOL_BUFFER_LEN),
                }
            })
            .collect();
        let mut bufs = vec![vec![0u8; POOL_BUFFER_LEN]; 64];
        let mut scratch = vec![0u8; SCRATCH_LEN];
        // [case][send engine, send filter, send ratio, recv engine, recv filter, recv ratio]
        let mut results: Vec<[Vec<f64>; 6]> = cases.iter().map(|_| Default::default()).collect();
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
        for (c, r) in cases.iter().zip(&mut results) {
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
        drop(cases);
        for (d, owned) in data.iter().zip(owned_send.iter_mut()) {
            owned.relink();
            for (i, f) in d.plain.iter().enumerate() {
                assert_eq!(
                    &owned.read_nb(i, 0).expect("read back a sent NET_BUFFER"),
                    f,
                    "TCP/IP's bytes unchanged"
                );
            }
        }
    }
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
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
