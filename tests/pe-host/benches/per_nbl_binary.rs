//! Per-NBL cost through the real driver binary against the in-process filter core, on the same
//! chains: one ESP transport packet (AES-GCM-128, a 1400-byte IPv4 datagram, one NET_BUFFER,
//! random MDL segmentation as the emulation builds it) sealed by a sending filter and opened by a
//! receiving one, per iteration.
//!
//! * `binary`: two modules of `ipsecov2_lwf.sys` in the PE driver host (`session::Session`):
//!   FilterSendNetBufferLists at DISPATCH_LEVEL, the miniport's completion, then
//!   FilterReceiveNetBufferLists of the wire frame and TCP/IP's return — the host's ledger,
//!   verifier and stack painting included (painting is switched off here).
//! * `filter-core`: two `FilterCore`s driven directly (`ipsecov2_ndis_emu::direct`), `send` into
//!   a recording sink and `receive` of the sealed frame.
//! * `host-pass-through`: the same host calls as `binary` through the violating test driver's
//!   correct pass-through module (`ipsecov2_violator.sys`, tests/pe-host/build-violator; no
//!   crypto, no copy): the host's own share of `binary`.
//!
//! Both build their NBL chains the same way (`OwnedNblChain::build`) and free them outside the
//! timed parts (`iter_custom`: only the send with its completion, and the receive with its
//! return, are timed); `chain-build` times the building of one iteration's two chains on its
//! own line (their freeing is in it too).
//! Run: `cargo bench -p ipsecov2-pe-host --bench per_nbl_binary` after
//! `tests/pe-host/build-sys` (without the `.sys` the bench says so and measures nothing).
#![allow(missing_debug_implementations)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::sink::{RecordingSink, Sent};
use ipsecov2_ndis_emu::tcpip::{self, esp_algs, recv_nbl, send_nbl, BundleSpec};
use ipsecov2_ndis_emu::{direct, OwnedNblChain, SplitMix64};
use ipsecov2_pe_host::driver::sys_path;
use ipsecov2_pe_host::esp_send::esp_v4_frame;
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::session::{RxPacket, Session};

const SPI: u32 = 0x0D00_0001;

fn adapter() -> Miniport {
    Miniport {
        keywords: vec![
            ("SaOffloadCapacity".into(), 64),
            ("TxBufferCount".into(), 16),
            ("TxBufferSize".into(), 2048),
            ("RxScratchCount".into(), 4),
        ],
        ..Miniport::default()
    }
}

fn bench(c: &mut Criterion) {
    let alg = esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .expect("an AES-GCM-128 transform");
    let out = tcpip::bundle(BundleSpec::esp(&alg, SPI));
    let inbound = tcpip::bundle(BundleSpec::esp(&alg, SPI).inbound());
    let payload = vec![0x5Au8; 1400 - 20 - 8 - 8 - 16 - 2];
    let f = esp_v4_frame(&alg, SPI, &payload, 17);
    let mut g = c.benchmark_group("per-nbl-through-the-binary");
    g.throughput(Throughput::Elements(1));

    // The in-process filter core.
    let tx = direct::host_core(64).expect("filter core");
    let rx = direct::host_core(64).expect("filter core");
    let (_, h) = direct::add_sa_list(&tx, std::slice::from_ref(&out)).expect("ADD_SA answered");
    let handle = h[0];
    direct::add_sa_list(&rx, std::slice::from_ref(&inbound)).expect("ADD_SA answered");
    let pool = HostTxPool::new(1, 4096);
    let mut scratch = vec![0u8; 9216];
    let mut rng = SplitMix64::new(7);
    // Building the two chains of one iteration (a send chain of the plain frame, a receive
    // chain of a sealed one): what the two lines below leave out of their timed parts.
    let sealed_sample = {
        let mut owned =
            OwnedNblChain::build(&[send_nbl(&mut rng, &[&f.frame], handle, 0, f.header_info)])
                .expect("chain");
        let mut sink = RecordingSink::default();
        tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
        owned.relink();
        match sink.events.pop() {
            Some((_, Sent::Protected(p))) => p.into_iter().next(),
            _ => None,
        }
        .expect("the filter core protects the packet")
    };
    g.bench_function("chain-build", |b| {
        b.iter(|| {
            let a =
                OwnedNblChain::build(&[send_nbl(&mut rng, &[&f.frame], handle, 0, f.header_info)])
                    .expect("chain");
            let r = OwnedNblChain::build(&[recv_nbl(&mut rng, &sealed_sample, 0)]).expect("chain");
            (a, r)
        });
    });

    g.bench_function("filter-core", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let mut owned = OwnedNblChain::build(&[send_nbl(
                    &mut rng,
                    &[&f.frame],
                    handle,
                    0,
                    f.header_info,
                )])
                .expect("chain");
                let start = Instant::now();
                let mut sink = RecordingSink::default();
                tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
                let sealed = match sink.events.pop() {
                    Some((_, Sent::Protected(p))) => p.into_iter().next(),
                    _ => None,
                };
                timed += start.elapsed();
                owned.relink();
                let p = sealed.expect("the filter core protects the packet");
                let mut back = OwnedNblChain::build(&[recv_nbl(&mut rng, &p, 0)]).expect("chain");
                let start = Instant::now();
                let mut chain = back.chain();
                rx.receive(&mut chain, &SystemVaMapper, &mut scratch);
                timed += start.elapsed();
            }
            timed
        });
    });

    // The binary.
    let sys = sys_path();
    if !sys.is_file() {
        eprintln!(
            "per_nbl_binary: no driver at {} (tests/pe-host/build-sys): binary not measured",
            sys.display()
        );
        g.finish();
        return;
    }
    ipsecov2_pe_host::stack::set_painting(false);
    let mut s = Session::start(&sys).expect("driver loads");
    let mt = s.running_module(&adapter()).expect("module");
    let mr = s.running_module(&adapter()).expect("module");
    let handle = s.add_sa(mt, &out).expect("ADD_SA");
    s.add_sa(mr, &inbound).expect("ADD_SA");
    g.bench_function("binary", |b| {
        b.iter_custom(|iters| {
            timed_round_trips(&mut s, &mut rng, &f, handle, (mt, mr), iters, |got| {
                assert!(got[0].view.crypto_done, "CryptoDone");
            })
        });
    });
    s.finish().expect("nothing left behind");

    // The host alone: the same calls through the violating test driver's correct pass-through
    // module (no keyword: sends down, receives up, nothing else), the same frame both ways. What
    // `binary` costs above this line is the real driver's work; this line is the host's.
    let violator = std::env::var_os("IPSECOV2_VIOLATOR_SYS")
        .map_or_else(|| sys.with_file_name("ipsecov2_violator.sys"), Into::into);
    if !violator.is_file() {
        eprintln!(
            "per_nbl_binary: no violator at {} (tests/pe-host/build-violator): host-pass-through not measured",
            violator.display()
        );
        g.finish();
        return;
    }
    let mut s = Session::start(&violator).expect("violator loads");
    let mt = s.running_module(&Miniport::default()).expect("module");
    let mr = s.running_module(&Miniport::default()).expect("module");
    g.bench_function("host-pass-through", |b| {
        b.iter_custom(|iters| {
            timed_round_trips(&mut s, &mut rng, &f, 0, (mt, mr), iters, |got| {
                assert_eq!(got.len(), 1, "indicated up");
            })
        });
    });
    g.finish();
    s.finish().expect("nothing left behind");
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}

/// `iters` round trips of TCP/IP's frame `f`: sent through module `mt` with offload `handle`,
/// what reached the wire received through `mr`, `check` run on what TCP/IP got. Returns the
/// time spent in the driver's send and receive calls alone.
fn timed_round_trips(
    s: &mut Session,
    rng: &mut SplitMix64,
    f: &tcpip::Framed,
    handle: u64,
    (mt, mr): (usize, usize),
    iters: u64,
    check: impl Fn(&[RxPacket]),
) -> Duration {
    let mut timed = Duration::ZERO;
    for _ in 0..iters {
        let spec = send_nbl(rng, &[&f.frame], handle, 0, f.header_info);
        let owned = OwnedNblChain::build(&[spec]).expect("chain");
        let start = Instant::now();
        let (st, wire) = s.send_chain(mt, owned).expect("send");
        timed += start.elapsed();
        assert_eq!(st, [Some(0)], "send completion");
        let back = OwnedNblChain::build(&[recv_nbl(rng, &wire[0], 0)]).expect("chain");
        let start = Instant::now();
        let got = s.receive_chain(mr, back).expect("receive");
        timed += start.elapsed();
        check(&got);
        s.release_spent();
    }
    timed
}
