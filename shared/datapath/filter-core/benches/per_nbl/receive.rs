//! The filter's receive path (criterion), `filter-receive[-mdl3|-mdl64]`: `FilterCore::receive`
//! of an N-NBL chain of the sealed frames. It decrypts in place, so each iteration needs a fresh
//! chain: `iter_batched_ref` builds a batch of chains (256 packets at 1400 bytes, 1024 at 64, so
//! that they stay in L2 like the engine's templates) before the timer starts and drops them
//! after it stops; only `receive` (with the `NblChain::from_raw` walk of
//! `OwnedNblChain::chain`) is timed.

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, BenchmarkId};
use ipsecov2_abi::CRYPTO_SUCCESS;
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::tcpip::recv_view;
use ipsecov2_ndis_emu::{MdlLayout, NblSpec, OwnedNblChain, SplitMix64};

use crate::frames::{nbl_spec, Seg};
use crate::setup::{Packets, Setup, ESP_AT, SCRATCH_LEN};

/// Checks, untimed, that the sealed frames open with the inbound SA through the filter: every
/// packet crypto-done with success and its payload decrypted back to the original (IV and ICV
/// differ).
pub fn check_open(s: &Setup, p: &Packets) {
    let specs: Vec<NblSpec> = p
        .sealed
        .iter()
        .map(|f| nbl_spec(f, MdlLayout::single(p.len as u32), 0, 0))
        .collect();
    let mut owned = OwnedNblChain::build(&specs).expect("chain of valid NBL specs");
    let mut scratch = vec![0u8; SCRATCH_LEN];
    s.rx.receive(&mut owned.chain(), &SystemVaMapper, &mut scratch);
    for (i, plain) in p.plain.iter().enumerate() {
        let v = recv_view(&owned, i);
        assert!(v.crypto_done && v.status == CRYPTO_SUCCESS);
        let got = owned.read_nb(i, 0).expect("read back a sent NET_BUFFER");
        let body = ESP_AT + 8 + s.iv..p.len - s.icv;
        assert_eq!(got[body.clone()], plain[body]);
    }
}

/// `filter-receive<seg suffix>/N`: receives `p.sealed`, cut as `seg`, through `s.rx`.
pub fn filter_receive(
    g: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    s: &Setup,
    p: &Packets,
    seg: Seg,
    rng: &mut SplitMix64,
) {
    // Fresh chains per iteration, built before the timer starts, in batches of at most 256
    // (1400 bytes) / 1024 (64 bytes) packets: a larger batch (criterion's `SmallInput` makes it
    // a tenth of the sample, megabytes here) would be read from beyond L2 while the engine's
    // templates stay in cache.
    let recv_batch = (if p.size == 64 { 1024 } else { 256 } / n).max(1) as u64;
    let specs: Vec<NblSpec> = p
        .sealed
        .iter()
        .map(|f| nbl_spec(f, seg.layout(rng, p.len, s.iv, s.tail), 0, 0))
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
