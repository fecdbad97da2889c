//! The filter core driven like TCP/IP drives a NIC: SAs installed through the OID path, NBLs sent
//! through a recording send sink and received as the peer. The framer and the OID buffers come
//! from `ipsecov2_ndis_emu::{tcpip, oid_buffers}`.
#![allow(dead_code, clippy::type_complexity)]

use crate::capture;
use ipsecov2_abi::*;
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_ndis_emu::direct;
use ipsecov2_ndis_emu::oid_buffers::{AddSa, BASE};
pub use ipsecov2_ndis_emu::tcpip::*;
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain, SplitMix64};
use ipsecov2_oid::{InfoBuffer, SetCompletion};

/// The filter core over the host SA table, as one filter module.
pub use ipsecov2_ndis_emu::direct::HostCore as Core;

/// A filter module whose SA table holds `capacity` bundles.
pub fn core_with(capacity: usize) -> Result<Core, String> {
    direct::host_core(capacity).map_err(|e| format!("SA table: {e:?}"))
}

/// A filter module with room for 256 bundles.
pub fn core() -> Result<Core, String> {
    core_with(256)
}

/// One set request through `FilterCore::oid`.
pub fn set(core: &Core, oid: NDIS_OID, bytes: &mut [u8]) -> Result<SetCompletion, String> {
    core.oid(
        oid,
        NdisRequestSetInformation,
        &mut InfoBuffer::new(bytes, BASE),
    )
    .ok_or_else(|| format!("OID {oid:#x} not answered by the filter"))
    .inspect(|c| {
        if oid == OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA && c.status == NDIS_STATUS_SUCCESS {
            capture_update(bytes);
        }
    })
}

/// `--pcap`: an accepted UPDATE_SA changes the ESN high bits of the captured SA.
pub(crate) fn capture_update(bytes: &[u8]) {
    use ipsecov2_oid::layout::update_sa as u;
    let word = |at: usize| -> Option<[u8; 4]> { bytes.get(at..at + 4)?.try_into().ok() };
    let handle = bytes
        .get(u::OFFLOAD_HANDLE..u::OFFLOAD_HANDLE + 8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes);
    if let (Some(h), Some(spi), Some(high)) = (
        handle,
        word(u::SPI).map(ipsecov2_oid::decode::spi_from_field),
        word(u::SEQUENCE_NUMBER_HIGH_ORDER).map(u32::from_le_bytes),
    ) {
        capture::hook(|cap, case| cap.update(case, h, spi, high));
    }
}

/// ADD_SA of a list through the OID dispatch; returns the completion and every handle.
pub fn add_list(core: &Core, sas: &[AddSa]) -> Result<(SetCompletion, Vec<u64>), String> {
    let (c, handles) = direct::add_sa_list(core, sas)
        .ok_or_else(|| "ADD_SA not answered by the filter".to_string())?;
    for (sa, &h) in sas.iter().zip(&handles) {
        capture::record_add_sa(sa, h);
    }
    Ok((c, handles))
}

/// ADD_SA through the OID dispatch; returns the handle, an error if refused.
pub fn add(core: &Core, sa: &AddSa) -> Result<u64, String> {
    let (c, h) = add_list(core, std::slice::from_ref(sa))?;
    match h.first() {
        Some(&h) if h != 0 && c.status == NDIS_STATUS_SUCCESS => Ok(h),
        _ => Err(format!("ADD_SA refused: status {:#x}", c.status)),
    }
}

/// DELETE_SA of `handles`; returns the status.
pub fn delete(core: &Core, handles: &[u64]) -> Result<NDIS_STATUS, String> {
    Ok(direct::delete_sa_list(core, handles)
        .ok_or("DELETE_SA not answered by the filter")?
        .status)
}

pub use ipsecov2_ndis_emu::sink::{RecordingSink, Sent};

/// Sends `specs` through `core` and returns, per NBL in chain order, what happened.
pub fn send_through(
    core: &Core,
    specs: &[NblSpec],
    pool: &HostTxPool,
) -> Result<(Vec<Sent>, OwnedNblChain), String> {
    let mut owned = OwnedNblChain::build(specs).map_err(|e| format!("emulation: {e:?}"))?;
    let mut sink = RecordingSink::default();
    core.send(
        owned.chain(),
        &ipsecov2_nbl::SystemVaMapper,
        pool,
        &mut sink,
    );
    if let Some(e) = sink.errors.first() {
        return Err(e.clone());
    }
    let ptrs: Vec<usize> = (0..specs.len())
        .map(|i| owned.nbl_ptr(i).map_or(0, |p| p as usize))
        .collect();
    let order: Vec<usize> = sink.events.iter().map(|(p, _)| *p).collect();
    if order != ptrs {
        return Err("send: not every NBL reported once, in order".into());
    }
    owned.relink();
    if capture::active() {
        capture_sent(specs, &sink.events, &owned);
    }
    Ok((sink.events.into_iter().map(|(_, s)| s).collect(), owned))
}

/// `--pcap`: the protected frames the filter sent down, with TCP/IP's frames and the handles.
fn capture_sent(specs: &[NblSpec], events: &[(usize, Sent)], owned: &OwnedNblChain) {
    let slot = |spec: &NblSpec, s: NDIS_NET_BUFFER_LIST_INFO| {
        spec.info
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(0, |&(_, v)| v as u64)
    };
    for (i, (spec, (_, sent))) in specs.iter().zip(events).enumerate() {
        let Sent::Protected(packets) = sent else {
            continue;
        };
        let (handle, tunnel) = (
            slot(spec, IPsecOffloadV2NetBufferListInfo),
            slot(spec, IPsecOffloadV2TunnelNetBufferListInfo),
        );
        for (j, wire) in packets.iter().enumerate() {
            let plain = owned.read_nb(i, j).unwrap_or_default();
            capture::hook(|cap, case| {
                cap.frame(
                    case,
                    capture::Wire::Sent {
                        wire,
                        plain: &plain,
                        handle,
                        tunnel,
                    },
                );
            });
        }
    }
}

/// Sends one NBL (one NET_BUFFER per frame) and returns the protected packets.
pub fn protect(
    core: &Core,
    rng: &mut SplitMix64,
    frames: &[&Framed],
    handle: u64,
    tunnel: u64,
) -> Result<Vec<Vec<u8>>, String> {
    let pool = HostTxPool::new(frames.len().max(1), 4096);
    let refs: Vec<&[u8]> = frames.iter().map(|f| f.frame.as_slice()).collect();
    let header = frames.first().map_or(0, |f| f.header_info);
    let (sent, owned) = send_through(core, &[send_nbl(rng, &refs, handle, tunnel, header)], &pool)?;
    for (j, f) in frames.iter().enumerate() {
        if owned.read_nb(0, j).ok().as_deref() != Some(f.frame.as_slice()) {
            return Err("send modified TCP/IP's buffer".into());
        }
    }
    if pool.free_count() != pool.count() {
        return Err("transmit buffers not returned to the pool".into());
    }
    match sent.into_iter().next() {
        Some(Sent::Protected(p)) if p.len() == frames.len() => Ok(p),
        other => Err(format!("send: expected protected, got {other:?}")),
    }
}

/// Receives `frames` (one NBL each, random segmentation) through `core`; returns the slots and
/// the bytes after processing.
pub fn receive_through(
    core: &Core,
    rng: &mut SplitMix64,
    frames: &[Vec<u8>],
    nbl_flags: u32,
) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
    let specs: Vec<NblSpec> = frames.iter().map(|f| recv_nbl(rng, f, nbl_flags)).collect();
    let mut owned = OwnedNblChain::build(&specs).map_err(|e| format!("emulation: {e:?}"))?;
    let mut scratch = vec![0u8; 9216];
    {
        let mut chain = owned.chain();
        core.receive(&mut chain, &ipsecov2_nbl::SystemVaMapper, &mut scratch);
        if chain.count() != frames.len() {
            return Err("receive: chain not indicated whole".into());
        }
    }
    let mut out = Vec::new();
    for i in 0..frames.len() {
        if owned.outside_data_intact(i, 0) != Ok(true) {
            return Err("receive wrote outside the NET_BUFFER data".into());
        }
        let bytes = owned
            .read_nb(i, 0)
            .map_err(|e| format!("emulation: {e:?}"))?;
        let view = recv_view(&owned, i);
        if let Some(wire) = frames.get(i) {
            crate::target::capture_received_one(wire, &view);
        }
        out.push((view, bytes));
    }
    Ok(out)
}
