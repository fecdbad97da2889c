//! Targets: what the cases run against, and the filter module under test as the cases that need
//! a whole module see it ([`ModuleUnderTest`]): the emulated host's `FilterModule` through
//! `NdisPort` (`--target emulated`), or a module of the real `ipsecov2_lwf.sys` in the PE driver
//! host (`--target sys`, `target_sys`), or a module of the driver reached only through its
//! control device's test family (`--target device`, `target_device`).

use std::cell::RefCell;
use std::path::PathBuf;

use ipsecov2_abi::{
    IPsecOffloadV2NetBufferListInfo, IPsecOffloadV2TunnelNetBufferListInfo, NDIS_IPSEC_OFFLOAD_V2,
    NDIS_NET_BUFFER_LIST_INFO, NDIS_OFFLOAD, NDIS_STATUS, NDIS_STATUS_SUCCESS,
};
use ipsecov2_filter_core::state::FilterState;
use ipsecov2_ndis_emu::host::{transmit_checksum_offload, Host, HostConfig, Wire};
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};

use crate::capture;
use crate::cases::eq;
use crate::tcpip::{recv_nbl, send_nbl, Framed, RecvView};

/// What the cases run against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Target {
    /// The real filter core over the in-process NDIS emulation.
    #[default]
    Emulated,
    /// The real driver binary, loaded by the PE driver host.
    Sys(PathBuf),
    /// The driver's filter modules through its control device's test family only
    /// (`target_device`): the binary at this path under the PE driver host on Linux, the
    /// installed driver on Windows (the path is then unused).
    Device(PathBuf),
}

thread_local! {
    static CURRENT: RefCell<Target> = const { RefCell::new(Target::Emulated) };
}

/// The driver binary `--target sys` runs when no PATH is given: `$IPSECOV2_SYS`, else the
/// workspace's `target/windows/ipsecov2_lwf.sys` (tests/pe-host/build-sys links it).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub fn default_sys() -> PathBuf {
    ipsecov2_pe_host::driver::sys_path()
}

/// Selects the target the cases run against (before the first case).
pub fn set(t: Target) {
    CURRENT.with(|c| *c.borrow_mut() = t);
}

/// The target the cases run against.
pub fn current() -> Target {
    CURRENT.with(|c| c.borrow().clone())
}

/// Why a case does not run with `--target sys` (or `device`, which runs the same cases through
/// the control device): every case that drives a whole filter module runs there; the others
/// exercise one part (the engine, the OID decoder, TCP/IP's reading) without a module.
pub fn why_not_sys(_group: &str) -> &'static str {
    "not a filter-module case"
}

/// Why a filter-module case that runs with `--target sys` does not run with `--target device`
/// (`None`: it does). The device target reaches a module only through the control device's test
/// family (OID requests, injected NBLs, the module's counters and offload); what the family does
/// not offer a user-mode tool stays with the sys target, where the PE host plays NDIS.
pub fn why_not_device(group: &str, name: &str) -> Option<&'static str> {
    match group {
        "pause-restart" => Some(
            "pause, restart, detach and attach are NDIS's calls (FilterPause, FilterRestart, \
             FilterDetach, FilterAttach), and held sends and receives need a miniport and a \
             TCP/IP that keep NBLs: the test family offers none of them (TestInject completes \
             and returns at once)",
        ),
        "offload-config" => Some(
            "the *IPsecOffloadV2 keywords are read at FilterAttach, other OIDs are answered by \
             the miniport below and status indications come from it: NDIS events the test \
             family does not offer (TestOid reports a request passed down only as pending)",
        ),
        "churn" => Some(
            "the churn calls both modules from several threads at once; the device backend's \
             transport is one channel used by one thread (the PE host's IRP path), so the \
             threads would be serialised and the case would not be what it claims",
        ),
        "oid-validity"
            if matches!(
                name,
                "add-sa/next-before-buffer" | "add-sa/next-past-end" | "add-sa/next-overlap"
            ) =>
        {
            Some(
                "a Next link that leaves the InformationBuffer or lands inside an element: the \
                 test family refuses such a list before the module (STATUS_INVALID_PARAMETER; \
                 the driver rebases only links it can follow inside the client's buffer), so \
                 the module's NDIS_STATUS_INVALID_DATA cannot be seen through it",
            )
        }
        "send" if name == "negative/lso-with-ipsec" => Some(
            "the LSO request (TcpLargeSendNetBufferListInfo) is an NBL information slot \
             TestInject does not carry (it carries the IPsec, tunnel, header and checksum slots)",
        ),
        _ => None,
    }
}

/// The IPsecOV2 capabilities the filter advertises over an adapter with `SaOffloadCapacity`
/// `capacity`: the filter core's capability function on the emulated target, the offload
/// configuration a module of the binary indicates at restart on the sys target.
pub fn advertised_caps(capacity: u32) -> Result<NDIS_IPSEC_OFFLOAD_V2, String> {
    match current() {
        Target::Emulated => Ok(ipsecov2_filter_core::caps::ipsec_v2_capabilities(
            &ipsecov2_filter_core::CapabilityConfig {
                sa_offload_capacity: capacity,
            },
        )),
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        Target::Sys(_) => crate::target_sys::advertised_caps(capacity),
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
        Target::Device(_) => crate::target_device::advertised_caps(capacity),
    }
}

/// A packet as TCP/IP above the module got it: the frame and its IPsecOV2 receive information.
pub type Got = (Vec<u8>, RecvView);

/// A filter module under test between a miniport below and TCP/IP above.
pub trait ModuleUnderTest: Sized {
    /// Two running modules (attached and restarted) with the default adapter, seeded.
    fn pair(seed: u64) -> Result<(Self, Self), String>;
    /// The module's random source (MDL segmentation, payloads).
    fn rng(&mut self) -> &mut SplitMix64;
    /// ADD_SA of one element through the OID path; the offload handle.
    fn add_sa(&mut self, sa: &AddSa) -> Result<u64, String>;
    /// TCP/IP sends `specs` as one chain: each NBL's completion status (`None`: not completed)
    /// and the frames the miniport put on the wire, in order.
    #[allow(clippy::type_complexity)]
    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<Vec<u8>>), String>;
    /// What `from`'s miniport sent is received by `to`'s; what `to`'s TCP/IP got.
    fn deliver(from: &mut Self, to: &mut Self) -> Result<Vec<Got>, String>;
    /// Packets protected and verified by the module, when it can tell (`None`: a binary
    /// keeps its counters to itself).
    fn counters(&self) -> Result<Option<Counters>, String>;
    /// Ends both modules: nothing completed twice, nothing left outstanding, nothing leaked.
    fn finish(a: Self, b: Self) -> Result<(), String>;
}

/// A module's datapath counters.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Packets protected on send.
    pub send_packets: u64,
    /// Packets verified on receive.
    pub recv_packets: u64,
    /// Packets counted by the inbound SAs.
    pub inbound_sa_packets: u64,
}

impl ModuleUnderTest for Host {
    fn pair(seed: u64) -> Result<(Self, Self), String> {
        let run = |seed| -> Result<Host, String> {
            let mut h = Host::new(HostConfig {
                seed,
                ..HostConfig::default()
            });
            h.attach().map_err(|e| e.to_string())?;
            h.restart().map_err(|e| e.to_string())?;
            eq("state after restart", h.state(), FilterState::Running)?;
            Ok(h)
        };
        Ok((run(seed)?, run(seed + 1)?))
    }

    fn rng(&mut self) -> &mut SplitMix64 {
        Host::rng(self)
    }

    fn add_sa(&mut self, sa: &AddSa) -> Result<u64, String> {
        Host::add_sa(self, sa).map_err(|e| e.to_string())
    }

    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<Vec<u8>>), String> {
        let wire_before = self.miniport().wire.len();
        let ids = Host::send(self, specs).map_err(|e| e.to_string())?;
        let statuses = ids
            .iter()
            .map(|id| self.protocol().send_status(*id))
            .collect();
        Ok((statuses, self.miniport().wire[wire_before..].to_vec()))
    }

    fn deliver(from: &mut Self, to: &mut Self) -> Result<Vec<Got>, String> {
        let before = to.protocol().received.len();
        Wire::pump(from, to).map_err(|e| e.to_string())?;
        Ok(to.protocol().received[before..]
            .iter()
            .map(|r| (r.frame.clone(), r.view))
            .collect())
    }

    fn counters(&self) -> Result<Option<Counters>, String> {
        let s = self.snapshot().map_err(|e| e.to_string())?;
        Ok(Some(Counters {
            send_packets: s.send_packets,
            recv_packets: s.recv_packets,
            inbound_sa_packets: s.sas.iter().filter(|s| s.inbound).map(|s| s.packets).sum(),
        }))
    }

    fn finish(a: Self, b: Self) -> Result<(), String> {
        eq(
            "bad completions",
            a.protocol().bad_completions + b.protocol().bad_completions,
            0,
        )?;
        eq(
            "A transmit buffers back",
            a.pool().free_count(),
            a.pool().count(),
        )?;
        Ok(())
    }
}

/// The adapter below both modules of a [`DatapathPair`].
#[derive(Debug, Clone, Copy)]
pub struct PairAdapter {
    /// Transmit buffers of the sender (`TxBufferCount`).
    pub tx_buffers: u32,
    /// Their size in bytes (`TxBufferSize`).
    pub tx_buffer_size: u32,
    /// The miniport's offload configuration (what transmit checksums it computes); `None`: it
    /// reports none.
    pub offload: Option<NDIS_OFFLOAD>,
}

impl Default for PairAdapter {
    /// The emulated host's default adapter: 16 transmit buffers of 2048 bytes, no offload.
    fn default() -> Self {
        Self {
            tx_buffers: 16,
            tx_buffer_size: 2048,
            offload: None,
        }
    }
}

/// A frame on the wire with the checksum request its NBL carried down
/// (`TcpIpChecksumNetBufferListInfo`: what the filter left to the miniport, which has done what
/// it offers of it); `None` where the target cannot see it.
pub type WireFrame = (Vec<u8>, Option<usize>);

/// A sender and a receiver filter module over [`PairAdapter`]s: what the `send`, `receive` and
/// `combinations` groups need, as TCP/IP above and the miniport below see them.
pub trait DatapathPair: Sized {
    /// A sender and a receiver over `adapter`, running, with no SA.
    fn open(adapter: &PairAdapter) -> Result<Self, String>;
    /// ADD_SA of one element on the sender; the offload handle (an error when refused).
    fn add_tx(&mut self, sa: &AddSa) -> Result<u64, String>;
    /// ADD_SA of one element on the receiver; the offload handle (an error when refused).
    fn add_rx(&mut self, sa: &AddSa) -> Result<u64, String>;
    /// DELETE_SA of `handles` on the sender; its status.
    fn delete_tx(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, String>;
    /// TCP/IP sends `specs` as one chain through the sender: each NBL's completion status
    /// (`None`: not completed) and what the miniport put on the wire, in order. TCP/IP's
    /// buffers must come back unmodified.
    #[allow(clippy::type_complexity)]
    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<WireFrame>), String>;
    /// The receiver's miniport indicates `packets` (one NBL each, `NblFlags` `nbl_flags`);
    /// each NBL's receive information and bytes as TCP/IP got them.
    fn receive_flagged(
        &mut self,
        rng: &mut SplitMix64,
        packets: &[Vec<u8>],
        nbl_flags: u32,
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String>;
    /// Ends both: nothing outstanding, nothing leaked, every transmit buffer back.
    fn finish(self) -> Result<(), String>;

    /// A sender with `out` installed and a receiver with `inbound` installed over the default
    /// adapter; the outbound offload handle.
    fn install(out: &AddSa, inbound: &AddSa) -> Result<(Self, u64), String> {
        let mut p = Self::open(&PairAdapter::default())?;
        let handle = p.add_tx(out).map_err(|x| format!("outbound: {x}"))?;
        p.add_rx(inbound).map_err(|x| format!("inbound: {x}"))?;
        Ok((p, handle))
    }

    /// TCP/IP sends `frames` as the NET_BUFFERs of one NBL with `handle` (and `tunnel`); it must
    /// complete with success, one packet per frame on the wire, which are returned.
    fn protect(
        &mut self,
        rng: &mut SplitMix64,
        frames: &[&Framed],
        handle: u64,
        tunnel: u64,
    ) -> Result<Vec<Vec<u8>>, String> {
        let refs: Vec<&[u8]> = frames.iter().map(|f| f.frame.as_slice()).collect();
        let header = frames.first().map_or(0, |f| f.header_info);
        let spec = send_nbl(rng, &refs, handle, tunnel, header);
        let (statuses, wire) = self.send(vec![spec])?;
        if statuses != [Some(NDIS_STATUS_SUCCESS)] {
            return Err(format!("send completion: {statuses:x?}, want [Some(0)]"));
        }
        if wire.len() != frames.len() {
            return Err(format!(
                "send: {} packets on the wire, want {}",
                wire.len(),
                frames.len()
            ));
        }
        let wire: Vec<Vec<u8>> = wire.into_iter().map(|(w, _)| w).collect();
        for (w, f) in wire.iter().zip(frames) {
            capture_sent(w, &f.frame, handle, tunnel);
        }
        Ok(wire)
    }

    /// [`DatapathPair::receive_flagged`] of ordinary NBLs (no `NblFlags`).
    fn receive(
        &mut self,
        rng: &mut SplitMix64,
        packets: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        self.receive_flagged(rng, packets, 0)
    }
}

/// `--pcap`: one frame on the wire, protected from `plain` with the SA `handle` (`tunnel`: the
/// tunnel slot TCP/IP set).
pub fn capture_sent(wire: &[u8], plain: &[u8], handle: u64, tunnel: u64) {
    capture::hook(|cap, case| {
        cap.frame(
            case,
            capture::Wire::Sent {
                wire,
                plain,
                handle,
                tunnel,
            },
        );
    });
}

/// `--pcap`: what TCP/IP got (`view`) for one packet the receiver's miniport indicated.
pub fn capture_received_one(wire: &[u8], view: &RecvView) {
    capture::hook(|cap, case| {
        cap.frame(
            case,
            capture::Wire::Received {
                wire,
                result: capture::RxResult {
                    crypto_done: view.crypto_done,
                    status: view.status,
                },
            },
        );
    });
}

/// `--pcap`: what TCP/IP got for each packet the receiver's miniport indicated.
pub fn capture_received(packets: &[Vec<u8>], got: &[(RecvView, Vec<u8>)]) {
    for ((view, _), wire) in got.iter().zip(packets) {
        capture_received_one(wire, view);
    }
}

/// Each of `packets` indicated up in its own receive NBL (`nbl_flags`, a random MDL layout)
/// through `indicate`, which answers what TCP/IP got for each; `--pcap` records it.
pub fn receive_each(
    rng: &mut SplitMix64,
    packets: &[Vec<u8>],
    nbl_flags: u32,
    indicate: impl FnOnce(&[NblSpec]) -> Result<Vec<(RecvView, Vec<u8>)>, String>,
) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
    let specs: Vec<NblSpec> = packets
        .iter()
        .map(|f| recv_nbl(rng, f, nbl_flags))
        .collect();
    let got = indicate(&specs)?;
    capture_received(packets, &got);
    Ok(got)
}

/// What a module's send of the one NBL `spec` came to: its completion (an error unless there
/// is exactly one) and the frames on the wire. `--pcap`: when it succeeded and TCP/IP asked for
/// protection (a handle in its IPsec slot), the protected frames, with TCP/IP's and the handles.
pub fn one_nbl_sent(
    spec: &NblSpec,
    statuses: &[Option<NDIS_STATUS>],
    wire: Vec<Vec<u8>>,
) -> Result<(Option<NDIS_STATUS>, Vec<Vec<u8>>), String> {
    let status = match statuses {
        [status] => *status,
        other => return Err(format!("send of one NBL: completions {other:x?}")),
    };
    if status == Some(NDIS_STATUS_SUCCESS) {
        let slot = |s: NDIS_NET_BUFFER_LIST_INFO| {
            spec.info
                .iter()
                .find(|(k, _)| *k == s)
                .map_or(0, |&(_, v)| v as u64)
        };
        let handle = slot(IPsecOffloadV2NetBufferListInfo);
        let tunnel = slot(IPsecOffloadV2TunnelNetBufferListInfo);
        if handle != 0 {
            for (w, nb) in wire.iter().zip(&spec.nbs) {
                capture_sent(w, &nb.data, handle, tunnel);
            }
        }
    }
    Ok((status, wire))
}

/// An error unless every one of `frames` receives was indicated up (`got` of them).
pub fn all_indicated(got: usize, frames: usize) -> Result<(), String> {
    if got == frames {
        Ok(())
    } else {
        Err(format!("receive: {got} NBLs indicated up of {frames}"))
    }
}

/// The miniport's share of the checksums the protected copies leave to it (their checksum
/// info, when the NIC offloads any).
pub fn miniport_checksums(wire: &mut [WireFrame], offload: Option<&NDIS_OFFLOAD>) {
    if let Some(o) = offload {
        for (frame, info) in wire {
            if let Some(info) = info.filter(|&i| i != 0) {
                transmit_checksum_offload(frame, info, o);
            }
        }
    }
}
