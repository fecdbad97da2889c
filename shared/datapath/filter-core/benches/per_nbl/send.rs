//! The filter's send path (criterion), `filter-send[-mdl3|-mdl64]`: `FilterCore::send` of an
//! N-NBL chain (built once by `ipsecov2-ndis-emu`, SA installed through
//! `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`, slots 1 and 12 set as TCP/IP does) with a
//! `HostTxPool` of 128 buffers of 2048 bytes; the sink appends each original to the chain going
//! down (as the driver does) and keeps the staged copies, which are released to the pool after
//! `send` returns, inside the timed iteration (what the send-complete does). The send path never
//! writes TCP/IP's memory, so the chain the sink rebuilt is sent again in the next iteration
//! unchanged (checked after timing).

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId};
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain, SplitMix64};

use crate::frames::{nbl_spec, Seg};
use crate::setup::{assert_unchanged, Packets, Setup, POOL_BUFFERS, POOL_BUFFER_LEN};
use crate::sink::DownSink;

/// `filter-send<seg suffix>/N`: sends `p.plain`, cut as `seg`, through `s.tx`.
pub fn filter_send(
    g: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    s: &Setup,
    p: &Packets,
    seg: Seg,
    rng: &mut SplitMix64,
) {
    let specs: Vec<NblSpec> = p
        .plain
        .iter()
        .map(|f| nbl_spec(f, seg.layout(rng, p.len, s.iv, s.tail), s.out_h, p.header))
        .collect();
    let mut owned = OwnedNblChain::build(&specs).expect("chain of valid NBL specs");
    let pool = HostTxPool::new(POOL_BUFFERS, POOL_BUFFER_LEN);
    let mut sink = DownSink::new(owned.chain());
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
    assert_unchanged(&owned, &p.plain);
}
