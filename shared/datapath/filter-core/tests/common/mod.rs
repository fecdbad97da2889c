//! Test support: an SA installer over the OID path, a TCP/IP-like framer, NBL chain building over
//! the NDIS emulation and a recording send sink.
#![allow(dead_code, clippy::type_complexity)]

pub use ipsecov2_ndis_emu::oid_buffers as build;
pub use ipsecov2_ndis_emu::tcpip::*;

use build::AddSa;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain, SplitMix64};

pub mod pair;

pub use ipsecov2_ndis_emu::direct::HostCore as Core;

pub fn core() -> Core {
    ipsecov2_ndis_emu::direct::host_core(256).unwrap()
}

/// ADD_SA through the OID dispatch; returns the handle (0 = refused).
pub fn add(core: &Core, sa: &AddSa) -> u64 {
    let (c, h) = ipsecov2_ndis_emu::direct::add_sa_list(core, std::slice::from_ref(sa)).unwrap();
    if h[0] != 0 {
        assert_eq!(c.status, NDIS_STATUS_SUCCESS);
    }
    h[0]
}

pub use ipsecov2_ndis_emu::sink::{RecordingSink, Sent};

/// Sends `specs` through `core` and returns, per NBL in chain order, what happened.
pub fn send_through(
    core: &Core,
    specs: &[NblSpec],
    pool: &ipsecov2_filter_core::HostTxPool,
) -> (Vec<Sent>, OwnedNblChain) {
    let mut owned = OwnedNblChain::build(specs).unwrap();
    let mut sink = RecordingSink::default();
    core.send(
        owned.chain(),
        &ipsecov2_nbl::SystemVaMapper,
        pool,
        &mut sink,
    );
    assert!(sink.errors.is_empty(), "{:?}", sink.errors);
    let ptrs: Vec<usize> = (0..specs.len())
        .map(|i| owned.nbl_ptr(i).unwrap() as usize)
        .collect();
    let order: Vec<usize> = sink.events.iter().map(|(p, _)| *p).collect();
    assert_eq!(order, ptrs, "every NBL once, in order");
    owned.relink();
    (sink.events.into_iter().map(|(_, s)| s).collect(), owned)
}

/// Sends the one NBL `spec` through `core` and returns what happened to it.
pub fn send_one(core: &Core, spec: NblSpec, pool: &ipsecov2_filter_core::HostTxPool) -> Sent {
    let (mut sent, _owned) = send_through(core, &[spec], pool);
    sent.remove(0)
}

/// Receives `frames` (one NBL each, random segmentation) through `core`; returns the slots and
/// the bytes after processing.
pub fn receive_through(
    core: &Core,
    rng: &mut SplitMix64,
    frames: &[Vec<u8>],
    nbl_flags: u32,
) -> Vec<(RecvView, Vec<u8>)> {
    let specs: Vec<NblSpec> = frames.iter().map(|f| recv_nbl(rng, f, nbl_flags)).collect();
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    let mut scratch = vec![0u8; 9216];
    {
        let mut chain = owned.chain();
        core.receive(&mut chain, &ipsecov2_nbl::SystemVaMapper, &mut scratch);
        assert_eq!(chain.count(), frames.len());
    }
    (0..frames.len())
        .map(|i| {
            assert!(owned.outside_data_intact(i, 0).unwrap());
            (recv_view(&owned, i), owned.read_nb(i, 0).unwrap())
        })
        .collect()
}
