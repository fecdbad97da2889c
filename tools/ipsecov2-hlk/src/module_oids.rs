//! One filter module as the OID cases (`capabilities`, `oid-validity`, `capacity`,
//! `delete-update`) drive it, on any target: [`FilterModuleBackend`], the test family's four
//! operations kept raw (an OID request with its InformationBuffer as TCP/IP built it for
//! `oid_buffers::BASE`, one NBL sent, NBLs received, the module's own statistics), implemented by
//! the filter core directly on the emulated target (`HostCore`) and by a module of the real
//! driver on the sys target (`target_sys_oid`), and by a module reached through the control
//! device's test IOCTLs (`TestOid`, `TestInject`, `TestModuleStats`, `TestOffload`) on the
//! device target (`target_device`). The
//! requests TCP/IP sends ([`set`], [`add_list`], [`add`], [`delete`]) are built on top.

use ipsecov2_abi::*;
use ipsecov2_filter_core::{HostTxPool, SendDrop};
use ipsecov2_ndis_emu::oid_buffers::{self as build, AddSa, BASE};
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};
use ipsecov2_oid::InfoBuffer;

use crate::capture;
use crate::target::{self, Target};
use crate::tcpip::{self, RecvView, Sent};
use crate::Outcome;

/// `NdisRequestSetInformation`, `NdisRequestQueryInformation` or `NdisRequestMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A set.
    Set,
    /// A query.
    Query,
    /// A method.
    Method,
}

impl RequestKind {
    /// Its `NDIS_REQUEST_TYPE`.
    pub fn ndis(self) -> NDIS_REQUEST_TYPE {
        match self {
            Self::Set => NdisRequestSetInformation,
            Self::Query => NdisRequestQueryInformation,
            Self::Method => NdisRequestMethod,
        }
    }
}

/// How the filter completed a request it answered itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OidCompletion {
    /// The status.
    pub status: NDIS_STATUS,
    /// `BytesRead` (a set).
    pub bytes_read: u32,
    /// `BytesWritten` (a query or method).
    pub bytes_written: u32,
    /// `BytesNeeded`.
    pub bytes_needed: u32,
}

impl OidCompletion {
    /// A completion of a `kind` request that moved `bytes_done` bytes: read from a set's
    /// buffer, written into a query's or method's.
    pub fn of(kind: RequestKind, status: NDIS_STATUS, bytes_done: u32, bytes_needed: u32) -> Self {
        let set = kind == RequestKind::Set;
        Self {
            status,
            bytes_read: if set { bytes_done } else { 0 },
            bytes_written: if set { 0 } else { bytes_done },
            bytes_needed,
        }
    }
}

/// What became of an OID request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidAnswer {
    /// The filter answered it.
    Completed(OidCompletion),
    /// The filter passed it down to the miniport.
    PassedDown,
}

/// What a module reports of itself (`TestModuleStats` on the driver).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleView {
    /// SA bundles in its table.
    pub sa_count: usize,
    /// Send NBLs completed with an error, by `SendDrop::bucket`.
    pub send_drops: Vec<u64>,
}

impl ModuleView {
    /// Sends completed with `d`.
    pub fn drops(&self, d: SendDrop) -> u64 {
        self.send_drops.get(d.bucket()).copied().unwrap_or(0)
    }
}

/// One NBL sent by TCP/IP: its completion status (`None`: not completed) and the frames the
/// miniport put on the wire.
pub type SendResult = (Option<NDIS_STATUS>, Vec<Vec<u8>>);

/// A filter module under test, reached through raw requests.
pub trait FilterModuleBackend {
    /// One OID request with `info` as the InformationBuffer (InformationBufferLength is its
    /// length); `info` is left as the module left it (handles written back).
    fn request(
        &self,
        kind: RequestKind,
        oid: NDIS_OID,
        info: &mut [u8],
    ) -> Result<OidAnswer, String>;
    /// TCP/IP sends `spec` (one NBL).
    fn send(&self, spec: NblSpec) -> Result<SendResult, String>;
    /// The miniport indicates `frames` (one NBL each, segmented from `rng`); each NBL's receive
    /// information and bytes as TCP/IP got them.
    fn receive(
        &self,
        rng: &mut SplitMix64,
        frames: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String>;
    /// The module's own statistics.
    fn view(&self) -> Result<ModuleView, String>;
    /// Ends the module: nothing outstanding, nothing leaked (the sys target's verifier).
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// The filter core of the emulated target, driven directly.
impl FilterModuleBackend for tcpip::Core {
    fn request(
        &self,
        kind: RequestKind,
        oid: NDIS_OID,
        info: &mut [u8],
    ) -> Result<OidAnswer, String> {
        Ok(
            match self.oid(oid, kind.ndis(), &mut InfoBuffer::new(info, BASE)) {
                None => OidAnswer::PassedDown,
                Some(c) => OidAnswer::Completed(OidCompletion::of(
                    kind,
                    c.status,
                    c.bytes_read,
                    c.bytes_needed,
                )),
            },
        )
    }

    fn send(&self, spec: NblSpec) -> Result<SendResult, String> {
        let pool = HostTxPool::new(spec.nbs.len().max(1), 4096);
        let (sent, owned) = tcpip::send_through(self, std::slice::from_ref(&spec), &pool)?;
        if pool.free_count() != pool.count() {
            return Err("transmit buffers not returned to the pool".into());
        }
        match sent.into_iter().next() {
            Some(Sent::Protected(p)) => Ok((Some(NDIS_STATUS_SUCCESS), p)),
            Some(Sent::Completed(status, _)) => Ok((Some(status), Vec::new())),
            Some(Sent::Passed) => {
                let frames = (0..spec.nbs.len())
                    .map(|j| owned.read_nb(0, j).map_err(|e| format!("emulation: {e:?}")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((Some(NDIS_STATUS_SUCCESS), frames))
            }
            None => Err("send: nothing reported".into()),
        }
    }

    fn receive(
        &self,
        rng: &mut SplitMix64,
        frames: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        tcpip::receive_through(self, rng, frames, 0)
    }

    fn view(&self) -> Result<ModuleView, String> {
        Ok(ModuleView {
            sa_count: self.sas().table().len(),
            send_drops: self
                .counters
                .send_drops
                .iter()
                .map(ipsecov2_filter_core::DatapathCounters::get)
                .collect(),
        })
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        Ok(())
    }
}

/// A filter module of the current target.
pub struct Module(Box<dyn FilterModuleBackend>);

impl Module {
    /// Ends the module (the sys target checks the driver's verifier record).
    pub fn finish(self) -> Outcome {
        self.0.finish()
    }
}

impl std::ops::Deref for Module {
    type Target = dyn FilterModuleBackend;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// A running filter module of the current target whose SA table holds `capacity` bundles.
pub fn module_with(capacity: usize) -> Result<Module, String> {
    Ok(modules(capacity, 1)?.remove(0))
}

/// A running filter module with room for 256 bundles.
pub fn module() -> Result<Module, String> {
    module_with(256)
}

/// Two running filter modules of the current target (one driver for both on the sys target),
/// room for 256 bundles each.
pub fn module_pair() -> Result<(Module, Module), String> {
    let mut v = modules(256, 2)?;
    let b = v.pop().ok_or("no second module")?;
    let a = v.pop().ok_or("no first module")?;
    Ok((a, b))
}

fn modules(capacity: usize, n: u32) -> Result<Vec<Module>, String> {
    match target::current() {
        Target::Emulated => (0..n)
            .map(|_| Ok(Module(Box::new(tcpip::core_with(capacity)?))))
            .collect(),
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        Target::Sys(path) => Ok(crate::target_sys_oid::modules(&path, capacity, n)?
            .into_iter()
            .map(|m| Module(Box::new(m)))
            .collect()),
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
        Target::Device(_) => Ok(crate::target_device::oid_modules(capacity, n)?
            .into_iter()
            .map(|m| Module(Box::new(m)))
            .collect()),
    }
}

/// The `NDIS_OFFLOAD` a module indicates up at restart over a miniport whose offload
/// configuration is `nic` and whose `SaOffloadCapacity` is `capacity`: the filter core's
/// rewriting (`with_ipsec_v2`, what the emulated module indicates) on the emulated target, the
/// driver's indication on the sys target.
pub fn offload_indicated(nic: &NDIS_OFFLOAD, capacity: usize) -> Result<NDIS_OFFLOAD, String> {
    match target::current() {
        Target::Emulated => Ok(ipsecov2_filter_core::with_ipsec_v2(
            nic,
            &ipsecov2_filter_core::CapabilityConfig {
                sa_offload_capacity: u32::try_from(capacity).unwrap_or(u32::MAX),
            },
        )),
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        Target::Sys(path) => crate::target_sys_oid::offload_indicated(&path, nic, capacity),
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
        Target::Device(_) => crate::target_device::offload_indicated(nic, capacity),
    }
}

/// One set request the filter must answer itself.
pub fn set(m: &Module, oid: NDIS_OID, bytes: &mut [u8]) -> Result<OidCompletion, String> {
    match m.request(RequestKind::Set, oid, bytes)? {
        OidAnswer::PassedDown => Err(format!("OID {oid:#x} not answered by the filter")),
        OidAnswer::Completed(c) => {
            if oid == OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA && c.status == NDIS_STATUS_SUCCESS {
                tcpip::capture_update(bytes);
            }
            Ok(c)
        }
    }
}

/// ADD_SA of a list (laid out contiguously from `BASE`); the completion and every element's
/// handle (0 for a refused element).
pub fn add_list(m: &Module, sas: &[AddSa]) -> Result<(OidCompletion, Vec<u64>), String> {
    let (mut bytes, offsets) = build::add_sa_list(sas);
    let c = set(m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, &mut bytes)?;
    let handles: Vec<u64> = offsets
        .iter()
        .map(|&o| build::handle_at(&bytes, o))
        .collect();
    for (sa, &h) in sas.iter().zip(&handles) {
        capture::record_add_sa(sa, h);
    }
    Ok((c, handles))
}

/// ADD_SA of one element; its handle, an error if refused.
pub fn add(m: &Module, sa: &AddSa) -> Result<u64, String> {
    let (c, h) = add_list(m, std::slice::from_ref(sa))?;
    match h.first() {
        Some(&h) if h != 0 && c.status == NDIS_STATUS_SUCCESS => Ok(h),
        _ => Err(format!("ADD_SA refused: status {:#x}", c.status)),
    }
}

/// DELETE_SA of `handles` as one list; its status.
pub fn delete(m: &Module, handles: &[u64]) -> Result<NDIS_STATUS, String> {
    let mut bytes = build::delete_sa_list(handles);
    Ok(set(m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut bytes)?.status)
}

/// SA bundles in the module's table.
pub fn sa_count(m: &Module) -> Result<usize, String> {
    Ok(m.view()?.sa_count)
}

/// Whether `handle` names an SA bundle of the module, found out the way TCP/IP could: a
/// DELETE_SA of it removes one bundle from the table. Deletes it.
pub fn names_an_sa(m: &Module, handle: u64) -> Result<bool, String> {
    let before = sa_count(m)?;
    let status = delete(m, &[handle])?;
    if status != NDIS_STATUS_SUCCESS {
        return Err(format!("DELETE_SA of {handle:#x}: status {status:#x}"));
    }
    Ok(sa_count(m)? + 1 == before)
}

/// TCP/IP sends one NBL with one NET_BUFFER per frame, `handle` in its IPsec slot.
pub fn send_frames(
    m: &Module,
    rng: &mut SplitMix64,
    frames: &[&tcpip::Framed],
    handle: u64,
) -> Result<SendResult, String> {
    let refs: Vec<&[u8]> = frames.iter().map(|f| f.frame.as_slice()).collect();
    let header = frames.first().map_or(0, |f| f.header_info);
    m.send(tcpip::send_nbl(rng, &refs, handle, 0, header))
}

/// [`send_frames`] that must be protected: the packets on the wire, one per frame.
pub fn protect(
    m: &Module,
    rng: &mut SplitMix64,
    frames: &[&tcpip::Framed],
    handle: u64,
) -> Result<Vec<Vec<u8>>, String> {
    match send_frames(m, rng, frames, handle)? {
        (Some(NDIS_STATUS_SUCCESS), wire)
            if wire.len() == frames.len() && wire.iter().zip(frames).all(|(w, f)| *w != f.frame) =>
        {
            Ok(wire)
        }
        (status, wire) => Err(format!(
            "send: expected protected, got status {status:x?} and {} frames on the wire ({} unchanged)",
            wire.len(),
            wire.iter().zip(frames).filter(|(w, f)| **w == f.frame).count()
        )),
    }
}
