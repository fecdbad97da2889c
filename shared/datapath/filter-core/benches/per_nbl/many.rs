//! The receive path with many SAs (`per-nbl-many-sas-1400`, AES-128-GCM, IP datagrams of 1400
//! bytes, chains of 16 NBLs): one receiving filter core whose SA table holds 2^20 inbound SAs
//! (`MAX_CAPACITY`; `CHAIN_WARM_MIN_SAS` in test mode), every packet of a chain either on one SA
//! (`filter-receive-1sa/16`) or on an SA drawn at random among all of them
//! (`filter-receive-allsas/16`): the same traffic, the same table, only the SAs' spread over
//! memory differs, so the ratio of the two is what the table's size costs the receive path.
//!
//! All the SAs share one key (the emulation derives it from the SPI's low byte, kept equal),
//! so the sending side's one outbound engine SA seals a frame for any of them once its SPI is
//! written into the header: each batch of chains is framed and sealed before the timer starts
//! (fresh SPIs drawn per batch), and only `FilterCore::receive` is timed.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use ipsecov2_abi::{CRYPTO_SUCCESS, NDIS_STATUS_SUCCESS};
use ipsecov2_filter_core::CHAIN_WARM_MIN_SAS;
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::direct;
use ipsecov2_ndis_emu::tcpip::{bundle, esp_algs, recv_view, BundleSpec};
use ipsecov2_ndis_emu::{MdlLayout, NblSpec, OwnedNblChain, SplitMix64};
use ipsecov2_satable::MAX_CAPACITY;

use crate::frames::{frames, nbl_spec};
use crate::setup::{sa_of, seal_sa, setup, ALGS, ESP_AT, SCRATCH_LEN, SPI};

/// NBLs per chain.
const CHAIN: usize = 16;
/// Chains per batch built before the timer starts (256 packets: they stay in L2, as in
/// `receive.rs`).
const BATCH: usize = 16;
/// ADD_SA elements per OID while filling the table.
const ADD_PER_OID: usize = 512;

/// SPI of the `i`-th SA: distinct for every `i` < 2^24 - 1 and above 255 (1 to 255 are
/// reserved), spread over 32 bits, low byte that of [`SPI`] (the emulation's key depends on it).
fn spi_of(i: u32) -> u32 {
    (i.wrapping_add(1).wrapping_mul(0x9e37_79b9) & 0x00ff_ffff) << 8 | (SPI & 0xff)
}

/// Fills a filter core of `count` SAs and benchmarks the receive path on one and on all of them.
pub fn bench(c: &mut Criterion, count: usize) {
    let emu_algs = esp_algs();
    let ea = ALGS[0].emu(&emu_algs);
    let s = setup(ea);
    let out_sa = sa_of(&s.tx, s.out_h);
    let seal = seal_sa(&out_sa);
    let rx = direct::host_core(count.max(1)).expect("host filter core");
    let mut next = 0u32;
    while (next as usize) < count {
        let n = ADD_PER_OID.min(count - next as usize) as u32;
        let sas: Vec<_> = (next..next + n)
            .map(|i| bundle(BundleSpec::esp(ea, spi_of(i)).inbound()))
            .collect();
        let (c, handles) = direct::add_sa_list(&rx, &sas).expect("ADD_SA answered");
        assert_eq!(c.status, NDIS_STATUS_SUCCESS);
        assert!(handles.iter().all(|&h| h != 0), "every SA offloaded");
        next += n;
    }
    let (plain, _) = frames(ea, SPI, 1400, 1);
    let template = plain.into_iter().next().expect("one frame");
    let len = template.len();
    // The frames of `BATCH` chains, each packet on the SA `pick` names, sealed untimed.
    let make = |rng: &mut SplitMix64, pick: &dyn Fn(&mut SplitMix64) -> u32| {
        (0..BATCH)
            .map(|_| {
                let specs: Vec<NblSpec> = (0..CHAIN)
                    .map(|_| {
                        let mut f = template.clone();
                        f[ESP_AT..ESP_AT + 4].copy_from_slice(&spi_of(pick(rng)).to_be_bytes());
                        seal.seal_at(&mut f, ESP_AT, len - ESP_AT, 0)
                            .expect("seal a framed packet");
                        nbl_spec(&f, MdlLayout::single(len as u32), 0, 0)
                    })
                    .collect();
                OwnedNblChain::build(&specs).expect("chain of valid NBL specs")
            })
            .collect::<Vec<_>>()
    };
    let one = |_: &mut SplitMix64| 0u32;
    let all = |r: &mut SplitMix64| (r.next_u64() % count as u64) as u32;
    let mut scratch = vec![0u8; SCRATCH_LEN];
    let mut rng = SplitMix64::new(11);
    // Untimed check: every packet of a chain on random SAs opens.
    for mut owned in make(&mut rng, &all) {
        rx.receive(&mut owned.chain(), &SystemVaMapper, &mut scratch);
        for i in 0..CHAIN {
            let v = recv_view(&owned, i);
            assert!(
                v.crypto_done && v.status == CRYPTO_SUCCESS,
                "packet {i} opened"
            );
        }
    }
    let mut g = c.benchmark_group("per-nbl-many-sas-1400");
    g.throughput(Throughput::Elements(CHAIN as u64));
    for (name, pick) in [
        (
            "filter-receive-1sa",
            &one as &dyn Fn(&mut SplitMix64) -> u32,
        ),
        ("filter-receive-allsas", &all),
    ] {
        let mut batches: Vec<OwnedNblChain> = Vec::new();
        g.bench_function(BenchmarkId::new(name, CHAIN), |b| {
            b.iter_batched_ref(
                || {
                    if batches.is_empty() {
                        batches = make(&mut rng, pick);
                    }
                    batches.pop().expect("a chain of the batch")
                },
                |owned| rx.receive(&mut owned.chain(), &SystemVaMapper, &mut scratch),
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();
    println!("many-sas: {count} SAs in the receiving table");
}

/// The SA count: the table's largest capacity, or in test mode the smallest table whose
/// receive path warms its chains (so that the untimed check covers that path).
pub fn count() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        MAX_CAPACITY
    } else {
        CHAIN_WARM_MIN_SAS
    }
}
