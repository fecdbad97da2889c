//! `--target device`: a [`ModuleUnderTest`], a [`DatapathPair`] and a [`FilterModuleBackend`]
//! that reach the driver's filter modules **only through the control device's test family**
//! (`TestOid`, `TestInject`, `TestModuleStats`, `TestOffload`: docs/control-plane.md): the cases
//! of `--target sys` the family can drive (`target::why_not_device` names the others).
//!
//! The IOCTLs travel over a [`Transport`]:
//!
//! - [`PeHost`] (Linux x86-64): IRPs into the real `ipsecov2_lwf.sys` loaded by the PE driver
//!   host (`ipsecov2-pe-host`). The host plays the machine the driver is installed on: it loads
//!   the driver and attaches modules over adapters whose `ControlTestFamily` keyword is 1, and
//!   at the end pauses, detaches and unloads them under its verifier. Everything the cases do
//!   goes through `IRP_MJ_DEVICE_CONTROL`; the host only answers, as the miniport below would,
//!   the OID requests the filter passed down (`NDIS_STATUS_NOT_SUPPORTED`, as `--target sys`'s).
//! - `Windows` (`cfg(windows)`): `DeviceIoControl` on `\\.\IPsecOV2Lwf` through the NPF SAPI
//!   adapter's channel (`npf_ipsec_sapi::transport::device::Channel`), on a test VM whose
//!   adapters have the keyword; the modules are the interface indexes in
//!   `$IPSECOV2_HLK_MODULES` (two, comma-separated).
//!
//! `ModuleUnderTest::counters` is `None`, as for the binary; the OID groups read the module's
//! SA count and drop counters from its `TestModuleStats` record.

use std::cell::RefCell;
use std::rc::Rc;

use ipsecov2_abi::{
    IPsecOffloadV2HeaderNetBufferListInfo, IPsecOffloadV2NetBufferListInfo,
    IPsecOffloadV2TunnelNetBufferListInfo, TcpIpChecksumNetBufferListInfo, NDIS_IPSEC_OFFLOAD_V2,
    NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO, NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO,
    NDIS_OFFLOAD, NDIS_OID, NDIS_STATUS, NDIS_STATUS_PENDING, NDIS_STATUS_SUCCESS,
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
};
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::dispatch::NblOutcome;
use ipsecov2_ioctl::request::{InjectInfo, InjectPath, OidKind};
use ipsecov2_ioctl::test_client::{self, InjectReply, OidReply, TestNb, TestNbl, TestOid};
use ipsecov2_ioctl::{module_stats, Ioctl};
use ipsecov2_ndis_emu::host::{offload_bytes, offload_from_bytes};
use ipsecov2_ndis_emu::oid_buffers::{self, AddSa};
use ipsecov2_ndis_emu::tcpip::{recv_nbl, RecvView};
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};
use ipsecov2_oid::layout::{add_sa, add_sa_ex};

use crate::capture;
use crate::module_oids::{
    FilterModuleBackend, ModuleView, OidAnswer, OidCompletion, RequestKind, SendResult,
};
use crate::target::{self, Counters, DatapathPair, Got, ModuleUnderTest, PairAdapter, WireFrame};

/// How the IOCTLs reach the control device.
pub trait Transport {
    /// One `DeviceIoControl` of `ioctl` with `input`: the output bytes, or why it failed.
    fn ioctl(&mut self, ioctl: Ioctl, input: &[u8]) -> Result<Vec<u8>, String>;
    /// The names of `n` filter modules with the test family enabled, over adapters like
    /// `adapter` (where the transport sets up the adapters; on an installed driver they are as
    /// the machine has them).
    fn modules(&mut self, n: usize, adapter: &Adapter) -> Result<Vec<String>, String>;
    /// Ends the run: nothing left behind (the PE host: detach, unload, no verifier finding).
    fn finish(&mut self) -> Result<(), String>;
}

/// The adapter below a module, as far as a case asks for one.
#[derive(Debug, Clone)]
pub struct Adapter {
    /// `SaOffloadCapacity`.
    pub capacity: u32,
    /// `TxBufferCount`.
    pub tx_buffers: u32,
    /// `TxBufferSize`.
    pub tx_buffer_size: u32,
    /// The miniport's `DefaultOffloadConfiguration` as bytes of any revision (`None`: NULL).
    pub offload: Option<Vec<u8>>,
}

impl Adapter {
    /// The adapter of `--target sys`'s modules with `SaOffloadCapacity` `capacity`.
    pub fn with_capacity(capacity: u32) -> Self {
        Self {
            capacity,
            tx_buffers: 16,
            tx_buffer_size: 2048,
            offload: None,
        }
    }
}

/// Opens the transport of this platform.
fn open() -> Result<Box<dyn Transport>, String> {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        let crate::target::Target::Device(path) = crate::target::current() else {
            return Err("not the device target".into());
        };
        Ok(Box::new(PeHost::start(&path)?))
    }
    #[cfg(windows)]
    {
        Ok(Box::new(Windows::open()?))
    }
    #[cfg(not(any(windows, all(target_arch = "x86_64", target_os = "linux"))))]
    {
        Err("the device target needs Windows, or Linux on x86-64 (the PE driver host)".into())
    }
}

/// One filter module as the test family reaches it.
struct Channel {
    transport: Rc<RefCell<Box<dyn Transport>>>,
    module: String,
    /// The offload handles its ADD_SAs gave, deleted at the end ([`Channel::delete_added`]).
    added: RefCell<Vec<u64>>,
}

impl Channel {
    fn call(&self, ioctl: Ioctl, input: &[u8]) -> Result<Vec<u8>, String> {
        let out = self.transport.borrow_mut().ioctl(ioctl, input)?;
        let r = client::parse(&out).map_err(|f| format!("{ioctl:?}: response {f:?}"))?;
        if r.status != 0 {
            return Err(format!("{ioctl:?}: NPF error {}", r.status));
        }
        Ok(r.body.bytes().to_vec())
    }

    /// A set request on the direct OID path, the buffer built at `base`.
    fn set(&self, oid: u32, info: &[u8], base: u64) -> Result<OidReply, String> {
        self.request(OidKind::Set, oid, info, base)
    }

    /// A request on the direct OID path (TCP/IP's path for the IPsecOV2 OIDs), the buffer
    /// built at `base` (the driver moves its list's `Next` links onto its copy).
    fn request(&self, kind: OidKind, oid: u32, info: &[u8], base: u64) -> Result<OidReply, String> {
        let req = test_client::oid_request(&TestOid {
            module: &self.module,
            oid,
            kind,
            info,
            info_len: u32::try_from(info.len()).map_err(|_| "InformationBuffer too long")?,
            base,
            direct: true,
        });
        let body = self.call(Ioctl::TestOid, &req)?;
        let reply = test_client::read_oid(&ipsecov2_ioctl::wire::Reader::new(&body))
            .map_err(|f| format!("TestOid answer: {f:?}"))?;
        carried_out(Ioctl::TestOid, reply.ntstatus)?;
        Ok(reply)
    }

    /// ADD_SA of one element; its offload handle.
    fn add_sa(&self, sa: &AddSa) -> Result<u64, String> {
        let (buf, offsets) = oid_buffers::add_sa_list(std::slice::from_ref(sa));
        let r = self.set(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
            &buf,
            oid_buffers::BASE,
        )?;
        if r.answer.status != NDIS_STATUS_SUCCESS as u32 {
            return Err(format!("ADD_SA returned {:#010x}", r.answer.status));
        }
        let handle = offsets
            .first()
            .map_or(0, |&at| oid_buffers::handle_at(&r.info, at));
        if handle != 0 {
            self.added.borrow_mut().push(handle);
        }
        Ok(handle)
    }

    /// DELETE_SA of every SA its ADD_SAs added (one list, on the direct path): the module is
    /// left as the case found it, which matters on an installed driver, where modules outlive
    /// the case.
    fn delete_added(&self) -> Result<(), String> {
        let handles = std::mem::take(&mut *self.added.borrow_mut());
        if handles.is_empty() {
            return Ok(());
        }
        let list = oid_buffers::delete_sa_list(&handles);
        let r = self.set(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
            &list,
            oid_buffers::BASE,
        )?;
        if r.answer.status != NDIS_STATUS_SUCCESS as u32 {
            return Err(format!(
                "DELETE_SA of {} SAs returned {:#010x}",
                handles.len(),
                r.answer.status
            ));
        }
        Ok(())
    }

    /// DELETE_SA of `handles` (one list, on the direct path); its status. The handles deleted
    /// are no longer the channel's to delete at the end.
    fn delete_sa(&self, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        let list = oid_buffers::delete_sa_list(handles);
        let r = self.set(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
            &list,
            oid_buffers::BASE,
        )?;
        if r.answer.status == NDIS_STATUS_SUCCESS as u32 {
            self.added.borrow_mut().retain(|h| !handles.contains(h));
        }
        Ok(r.answer.status as NDIS_STATUS)
    }

    /// The module's `TestModuleStats` record.
    fn stats(&self) -> Result<module_stats::ModuleStatsReply, String> {
        let body = self.call(
            Ioctl::TestModuleStats,
            &client::test_module_stats(&self.module),
        )?;
        let r = ipsecov2_ioctl::wire::Reader::new(&body);
        let fault = |f| format!("TestModuleStats answer: {f:?}");
        let ntstatus = r.u32(0).map_err(fault)?;
        carried_out(Ioctl::TestModuleStats, ntstatus)?;
        let n = usize::try_from(r.u32(4).map_err(fault)?).map_err(|_| "record too long")?;
        module_stats::read(r.slice(8, n).map_err(fault)?).map_err(fault)
    }

    /// The `NDIS_OFFLOAD` the module indicates up (`TestOffload`: its current configuration),
    /// bytes past what the driver answered read as zero.
    fn offload(&self) -> Result<NDIS_OFFLOAD, String> {
        let body = self.call(
            Ioctl::TestOffload,
            &test_client::test_offload(&self.module, false),
        )?;
        let (ntstatus, mut bytes) =
            test_client::read_offload(&ipsecov2_ioctl::wire::Reader::new(&body))
                .map_err(|f| format!("TestOffload answer: {f:?}"))?;
        carried_out(Ioctl::TestOffload, ntstatus)?;
        let end = core::mem::offset_of!(NDIS_OFFLOAD, IPsecV2) + size_of::<NDIS_IPSEC_OFFLOAD_V2>();
        if bytes.len() < end {
            return Err(format!(
                "TestOffload: {} bytes, an NDIS_OFFLOAD without IPsecV2",
                bytes.len()
            ));
        }
        bytes.resize(bytes.len().max(size_of::<NDIS_OFFLOAD>()), 0);
        offload_from_bytes(&bytes).ok_or_else(|| "TestOffload: not an NDIS_OFFLOAD".into())
    }

    fn inject(&self, path: InjectPath, nbls: &[TestNbl]) -> Result<InjectReply, String> {
        let req = test_client::test_inject(&self.module, path, nbls);
        let body = self.call(Ioctl::TestInject, &req)?;
        let reply = test_client::read_inject(&ipsecov2_ioctl::wire::Reader::new(&body))
            .map_err(|f| format!("TestInject answer: {f:?}"))?;
        carried_out(Ioctl::TestInject, reply.ntstatus)?;
        if reply.nbls.len() != nbls.len() {
            return Err(format!(
                "TestInject: {} outcomes for {} NBLs",
                reply.nbls.len(),
                nbls.len()
            ));
        }
        Ok(reply)
    }

    /// TCP/IP sends `specs`: each NBL's completion status, the frames sent down (with their
    /// NBL's checksum slot: what the miniport reads).
    #[allow(clippy::type_complexity)]
    fn send(
        &self,
        specs: &[NblSpec],
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<(Vec<u8>, u32)>), String> {
        let nbls = specs
            .iter()
            .map(to_test_nbl)
            .collect::<Result<Vec<_>, _>>()?;
        let r = self.inject(InjectPath::Send, &nbls)?;
        let statuses = r
            .nbls
            .iter()
            .map(|o| (o.fate == NblOutcome::UP).then_some(o.status as NDIS_STATUS))
            .collect();
        if r.checksums.len() != r.frames.len() {
            return Err("TestInject: a checksum slot per frame missing".into());
        }
        Ok((statuses, r.frames.into_iter().zip(r.checksums).collect()))
    }

    /// The miniport indicates `specs`: what TCP/IP got, NBL by NBL.
    fn receive(&self, specs: &[NblSpec]) -> Result<Vec<Got>, String> {
        if specs.is_empty() {
            return Ok(Vec::new());
        }
        let nbls = specs
            .iter()
            .map(to_test_nbl)
            .collect::<Result<Vec<_>, _>>()?;
        let r = self.inject(InjectPath::Receive, &nbls)?;
        let mut frames = r.frames.into_iter();
        let mut got = Vec::new();
        for o in &r.nbls {
            if o.fate == NblOutcome::KEPT {
                return Err("an injected receive was not given back".into());
            }
            let view = RecvView::from_slots(
                NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(o.ipsec as usize),
                NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(o.header),
            );
            for _ in 0..o.frames {
                let f = frames
                    .next()
                    .ok_or("fewer frames than the outcomes count")?;
                got.push((f, view));
            }
        }
        Ok(got)
    }
}

/// The test family's NBL of an emulation spec: every field the family carries, or why not.
fn to_test_nbl(s: &NblSpec) -> Result<TestNbl, String> {
    let mut info = InjectInfo {
        nbl_flags: s.nbl_flags,
        ..InjectInfo::default()
    };
    for &(slot, value) in &s.info {
        if slot == IPsecOffloadV2NetBufferListInfo {
            info.ipsec = value as u64;
        } else if slot == IPsecOffloadV2TunnelNetBufferListInfo {
            info.tunnel = value as u64;
        } else if slot == IPsecOffloadV2HeaderNetBufferListInfo {
            info.header = value as u32;
        } else if slot == TcpIpChecksumNetBufferListInfo {
            info.checksum = value as u32;
        } else {
            return Err(format!("NBL info slot {slot} is not carried by TestInject"));
        }
    }
    if s.flags != 0 {
        return Err(format!(
            "NBL Flags {:#x} are not carried by TestInject",
            s.flags
        ));
    }
    let nbs = s
        .nbs
        .iter()
        // The layout's MDL sizes and data offset are carried; its mapping flag is not: the
        // driver's own MDLs are built over non-paged pool (both kinds are mapped, which is
        // what the filter relies on).
        .map(|nb| TestNb {
            frame: nb.data.clone(),
            data_offset: nb.layout.data_offset,
            mdl_sizes: nb.layout.mdl_sizes.clone(),
        })
        .collect();
    Ok(TestNbl { info, nbs })
}

/// `SaOffloadCapacity` of the adapters the module cases run over (as `--target sys`'s).
const DEFAULT_CAPACITY: u32 = 64;

/// The IPsecOV2 capabilities a module over an adapter whose `SaOffloadCapacity` is `capacity`
/// indicates up (`TestOffload`: its current offload configuration's `IPsecV2`).
pub fn advertised_caps(capacity: u32) -> Result<NDIS_IPSEC_OFFLOAD_V2, String> {
    let mut chans = channels(1, &Adapter::with_capacity(capacity))?;
    let ch = chans.pop().ok_or("no module")?;
    let caps = ch.offload()?.IPsecV2;
    finish_transport(&ch.transport)?;
    Ok(caps)
}

/// The `NDIS_OFFLOAD` a module indicates up over a miniport whose offload configuration is
/// `nic` (its header's size of it) and whose `SaOffloadCapacity` is `capacity`.
pub fn offload_indicated(nic: &NDIS_OFFLOAD, capacity: usize) -> Result<NDIS_OFFLOAD, String> {
    let mut bytes = offload_bytes(nic);
    bytes.truncate(usize::from(nic.Header.Size));
    let adapter = Adapter {
        offload: Some(bytes),
        ..Adapter::with_capacity(u32::try_from(capacity).unwrap_or(u32::MAX))
    };
    let mut chans = channels(1, &adapter)?;
    let ch = chans.pop().ok_or("no module")?;
    let offload = ch.offload()?;
    finish_transport(&ch.transport)?;
    Ok(offload)
}

/// `n` channels over one freshly opened transport, to modules over adapters like `adapter`.
fn channels(n: usize, adapter: &Adapter) -> Result<Vec<Channel>, String> {
    let mut t = open()?;
    let names = t.modules(n, adapter)?;
    if names.len() != n {
        return Err(format!("{n} modules needed, {} given", names.len()));
    }
    let transport = Rc::new(RefCell::new(t));
    Ok(names
        .into_iter()
        .map(|module| Channel {
            transport: Rc::clone(&transport),
            module,
            added: RefCell::new(Vec::new()),
        })
        .collect())
}

/// Two channels over one freshly opened transport, over `--target sys`'s adapter.
fn two_channels() -> Result<(Channel, Channel), String> {
    let mut v = channels(2, &Adapter::with_capacity(DEFAULT_CAPACITY))?;
    let b = v.pop().ok_or("no second module")?;
    let a = v.pop().ok_or("no first module")?;
    Ok((a, b))
}

fn finish_transport(t: &Rc<RefCell<Box<dyn Transport>>>) -> Result<(), String> {
    t.borrow_mut().finish()
}

/// One module of the driver, through the test family.
pub struct DeviceModule {
    channel: Channel,
    rng: SplitMix64,
    outbox: Vec<Vec<u8>>,
}

impl ModuleUnderTest for DeviceModule {
    fn pair(seed: u64) -> Result<(Self, Self), String> {
        let (a, b) = two_channels()?;
        let module = |channel, seed| DeviceModule {
            channel,
            rng: SplitMix64::new(seed),
            outbox: Vec::new(),
        };
        Ok((module(a, seed), module(b, seed + 1)))
    }

    fn rng(&mut self) -> &mut SplitMix64 {
        &mut self.rng
    }

    fn add_sa(&mut self, sa: &AddSa) -> Result<u64, String> {
        self.channel.add_sa(sa)
    }

    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<Vec<u8>>), String> {
        let (statuses, wire) = self.channel.send(&specs)?;
        let wire: Vec<Vec<u8>> = wire.into_iter().map(|(w, _)| w).collect();
        self.outbox.extend(wire.iter().cloned());
        Ok((statuses, wire))
    }

    fn deliver(from: &mut Self, to: &mut Self) -> Result<Vec<Got>, String> {
        let frames = std::mem::take(&mut from.outbox);
        let specs: Vec<NblSpec> = frames.iter().map(|f| recv_nbl(&mut to.rng, f, 0)).collect();
        to.channel.receive(&specs)
    }

    fn counters(&self) -> Result<Option<Counters>, String> {
        Ok(None)
    }

    fn finish(a: Self, b: Self) -> Result<(), String> {
        a.channel.delete_added()?;
        b.channel.delete_added()?;
        drop(b);
        finish_transport(&a.channel.transport)
    }
}

/// A sender module and a receiver module, through the test family.
pub struct DevicePair {
    tx: Channel,
    rx: Channel,
    /// The miniport's offload configuration (`PairAdapter::offload`).
    offload: Option<NDIS_OFFLOAD>,
}

impl DatapathPair for DevicePair {
    fn open(adapter: &PairAdapter) -> Result<Self, String> {
        let a = Adapter {
            tx_buffers: adapter.tx_buffers,
            tx_buffer_size: adapter.tx_buffer_size,
            offload: adapter.offload.as_ref().map(offload_bytes),
            ..Adapter::with_capacity(DEFAULT_CAPACITY)
        };
        let mut v = channels(2, &a)?;
        let rx = v.pop().ok_or("no receiver")?;
        let tx = v.pop().ok_or("no sender")?;
        Ok(Self {
            tx,
            rx,
            offload: adapter.offload,
        })
    }

    fn add_tx(&mut self, sa: &AddSa) -> Result<u64, String> {
        let h = self.tx.add_sa(sa)?;
        capture::record_add_sa(sa, h);
        Ok(h)
    }

    fn add_rx(&mut self, sa: &AddSa) -> Result<u64, String> {
        let h = self.rx.add_sa(sa)?;
        capture::record_add_sa(sa, h);
        Ok(h)
    }

    fn delete_tx(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        self.tx.delete_sa(handles)
    }

    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<WireFrame>), String> {
        let (statuses, wire) = self.tx.send(&specs)?;
        let mut wire: Vec<WireFrame> = wire
            .into_iter()
            .map(|(w, info)| (w, Some(info as usize)))
            .collect();
        // The miniport does its share of the checksums the copy leaves to it.
        target::miniport_checksums(&mut wire, self.offload.as_ref());
        Ok((statuses, wire))
    }

    fn receive_flagged(
        &mut self,
        rng: &mut SplitMix64,
        packets: &[Vec<u8>],
        nbl_flags: u32,
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        target::receive_each(rng, packets, nbl_flags, |specs| {
            Ok(self
                .rx
                .receive(specs)?
                .into_iter()
                .map(|(f, v)| (v, f))
                .collect())
        })
    }

    fn finish(self) -> Result<(), String> {
        self.tx.delete_added()?;
        self.rx.delete_added()?;
        drop(self.rx);
        finish_transport(&self.tx.transport)
    }
}

/// One module for the OID groups, through the test family: OID requests are `TestOid`s on the
/// direct path with the case's InformationBuffer built at `oid_buffers::BASE` (the driver
/// rebases the list's `Next` links onto its copy and back), sends and receives `TestInject`s,
/// what the module reports of itself its `TestModuleStats` record.
pub struct DeviceOidModule {
    channel: Channel,
}

/// `n` running modules over adapters with `SaOffloadCapacity` `capacity` (one transport).
pub fn oid_modules(capacity: usize, n: u32) -> Result<Vec<DeviceOidModule>, String> {
    let n = usize::try_from(n).map_err(|_| "too many modules")?;
    let capacity = u32::try_from(capacity).unwrap_or(u32::MAX);
    Ok(channels(n, &Adapter::with_capacity(capacity))?
        .into_iter()
        .map(|channel| DeviceOidModule { channel })
        .collect())
}

/// The offload handles a completed ADD_SA or ADD_SA_EX wrote into its InformationBuffer `buf`
/// (an ADD_SA list's `Next` links relative to `oid_buffers::BASE`, followed while they stay
/// inside the buffer and move forward).
fn added_handles(oid: NDIS_OID, buf: &[u8]) -> Vec<u64> {
    let handle = |at: usize| {
        buf.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    };
    let mut handles = Vec::new();
    match oid {
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA => {
            let mut at = 0usize;
            while at + add_sa::SIZE_REVISION_1 <= buf.len() {
                handles.push(handle(at + add_sa::OFFLOAD_HANDLE));
                let next = handle(at + add_sa::NEXT);
                match next
                    .checked_sub(oid_buffers::BASE)
                    .and_then(|n| usize::try_from(n).ok())
                {
                    Some(n) if next != 0 && n >= at + add_sa::SIZE_REVISION_1 => at = n,
                    _ => break,
                }
            }
        }
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX => handles.push(handle(add_sa_ex::OFFLOAD_HANDLE)),
        _ => {}
    }
    handles.retain(|&h| h != 0);
    handles
}

impl FilterModuleBackend for DeviceOidModule {
    fn request(
        &self,
        kind: RequestKind,
        oid: NDIS_OID,
        info: &mut [u8],
    ) -> Result<OidAnswer, String> {
        let k = match kind {
            RequestKind::Set => OidKind::Set,
            RequestKind::Query => OidKind::Query,
            RequestKind::Method => OidKind::Method,
        };
        let r = self.channel.request(k, oid, info, oid_buffers::BASE)?;
        let n = r.info.len().min(info.len());
        info[..n].copy_from_slice(&r.info[..n]);
        if kind == RequestKind::Set {
            self.channel
                .added
                .borrow_mut()
                .extend(added_handles(oid, info));
        }
        // The filter answers what it answers at once; a request it passed down pended below
        // (the family reports it as pending, the answer being the miniport's).
        if r.answer.status == NDIS_STATUS_PENDING as u32 {
            return Ok(OidAnswer::PassedDown);
        }
        Ok(OidAnswer::Completed(OidCompletion {
            status: r.answer.status as NDIS_STATUS,
            bytes_read: r.answer.bytes_read,
            bytes_written: r.answer.bytes_written,
            bytes_needed: r.answer.bytes_needed,
        }))
    }

    fn send(&self, spec: NblSpec) -> Result<SendResult, String> {
        let (statuses, wire) = self.channel.send(std::slice::from_ref(&spec))?;
        let wire: Vec<Vec<u8>> = wire.into_iter().map(|(w, _)| w).collect();
        target::one_nbl_sent(&spec, &statuses, wire)
    }

    fn receive(
        &self,
        rng: &mut SplitMix64,
        frames: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        target::receive_each(rng, frames, 0, |specs| {
            let got: Vec<(RecvView, Vec<u8>)> = self
                .channel
                .receive(specs)?
                .into_iter()
                .map(|(f, v)| (v, f))
                .collect();
            target::all_indicated(got.len(), frames.len())?;
            Ok(got)
        })
    }

    fn view(&self) -> Result<ModuleView, String> {
        let s = self.channel.stats()?;
        Ok(ModuleView {
            sa_count: s.sa_count as usize,
            send_drops: s.send_drops,
        })
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        // The SAs the case's ADD_SAs installed are deleted one by one (one the case deleted
        // itself is refused, which is right), and none may be left: on an installed driver the
        // module outlives the case.
        let handles = std::mem::take(&mut *self.channel.added.borrow_mut());
        for h in handles {
            self.channel.delete_sa(&[h])?;
        }
        let left = self.channel.stats()?.sa_count;
        if left != 0 {
            return Err(format!(
                "{left} SAs left on the module after deleting the case's"
            ));
        }
        // The last module of the transport ends it (the PE host: detach, unload, verifier).
        let Self { channel } = *self;
        let transport = Rc::clone(&channel.transport);
        drop(channel);
        match Rc::strong_count(&transport) {
            1 => finish_transport(&transport),
            _ => Ok(()),
        }
    }
}

/// The PE driver host as the machine the driver is installed on: IRPs into the binary.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub struct PeHost {
    host: ipsecov2_pe_host::driver::DriverHost,
    modules: Vec<usize>,
    done: bool,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl PeHost {
    /// The first interface index given to a module (the next ones follow).
    const FIRST_IF_INDEX: u32 = 7;

    /// Loads the `.sys` at `path` and runs its `DriverEntry`.
    pub fn start(path: &std::path::Path) -> Result<Self, String> {
        use ipsecov2_pe_host::kernel::verifier;
        let mut host =
            ipsecov2_pe_host::driver::DriverHost::load(path).map_err(|e| e.to_string())?;
        verifier::take();
        let status = host.driver_entry().map_err(|e| e.to_string())?;
        if status != 0 {
            return Err(format!("DriverEntry returned {status:#010x}"));
        }
        Ok(Self {
            host,
            modules: Vec::new(),
            done: false,
        })
    }

    /// The adapter below a module: the keywords of `--target sys`'s adapter as `a` sets them,
    /// and `ControlTestFamily` 1.
    fn adapter(if_index: u32, a: &Adapter) -> ipsecov2_pe_host::filter_module::Miniport {
        ipsecov2_pe_host::filter_module::Miniport {
            if_index,
            keywords: vec![
                ("SaOffloadCapacity".into(), a.capacity),
                ("TxBufferCount".into(), a.tx_buffers),
                ("TxBufferSize".into(), a.tx_buffer_size),
                ("RxScratchCount".into(), 4),
                ("ControlTestFamily".into(), 1),
            ],
            offload_bytes: a.offload.clone(),
            ..ipsecov2_pe_host::filter_module::Miniport::default()
        }
    }

    fn teardown(&mut self) -> Result<(), String> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        let mut first = Ok(());
        for m in std::mem::take(&mut self.modules) {
            let r = self.host.pause(m).and_then(|p| {
                if p == ipsecov2_pe_host::kernel::status::NDIS_STATUS_PENDING {
                    self.host.complete_below(m, 0, false).map(|_| ())
                } else {
                    Ok(())
                }
            });
            let r = r.and_then(|()| self.host.detach(m));
            if first.is_ok() {
                first = r.map_err(|e| format!("{e:?}"));
            }
        }
        self.host.unload();
        first
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl Transport for PeHost {
    fn ioctl(&mut self, ioctl: Ioctl, input: &[u8]) -> Result<Vec<u8>, String> {
        let out_len = u32::try_from(input.len().saturating_mul(2) + 64 * 1024)
            .map_err(|_| "request too long")?;
        let irp = self
            .host
            .device_control_async(ioctl.code(), input, out_len)
            .map_err(|e| format!("{ioctl:?}: {e:?}"))?;
        let r = irp
            .result()
            .ok_or_else(|| format!("{ioctl:?}: the driver left the IRP pending"))?;
        if r.status != 0 {
            return Err(format!("{ioctl:?}: NTSTATUS {:#010x}", r.status));
        }
        let out = irp.buffer().get(..r.information).unwrap_or(&[]).to_vec();
        if ioctl == Ioctl::TestOid {
            // The miniport below answers at once what the filter passed down, as
            // `--target sys`'s miniport does (NDIS_STATUS_NOT_SUPPORTED); the driver frees
            // its clone when the completion comes back.
            for &m in &self.modules {
                self.host
                    .complete_oids_below(m, |_, _, _| {
                        (
                            ipsecov2_pe_host::kernel::status::NDIS_STATUS_NOT_SUPPORTED,
                            0,
                            0,
                        )
                    })
                    .map_err(|e| format!("completing OIDs below: {e:?}"))?;
            }
        }
        Ok(out)
    }

    fn modules(&mut self, n: usize, adapter: &Adapter) -> Result<Vec<String>, String> {
        let mut names = Vec::new();
        for _ in 0..n {
            let if_index =
                Self::FIRST_IF_INDEX + u32::try_from(self.modules.len()).map_err(|_| "too many")?;
            let (m, status) = self
                .host
                .attach(&Self::adapter(if_index, adapter))
                .map_err(|e| format!("{e:?}"))?;
            if status != 0 {
                return Err(format!("FilterAttach returned {status:#010x}"));
            }
            self.modules.push(m);
            let status = self.host.restart(m).map_err(|e| format!("{e:?}"))?;
            if status != 0 {
                return Err(format!("FilterRestart returned {status:#010x}"));
            }
            names.push(if_index.to_string());
        }
        Ok(names)
    }

    fn finish(&mut self) -> Result<(), String> {
        self.teardown()?;
        let v = ipsecov2_pe_host::kernel::verifier::take();
        if v.is_empty() {
            Ok(())
        } else {
            Err(format!("verifier: {}", v.join("; ")))
        }
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl Drop for PeHost {
    /// A run ended early (a failed step) still detaches and unloads, so that the next case
    /// starts from a clean host; what the verifier recorded is dropped with it.
    fn drop(&mut self) {
        if !self.done {
            let _ = self.teardown();
            ipsecov2_pe_host::kernel::verifier::take();
        }
    }
}

/// The installed driver's control device on Windows, through the NPF SAPI adapter's channel.
#[cfg(windows)]
pub struct Windows {
    channel: npf_ipsec_sapi::transport::device::Channel,
}

#[cfg(windows)]
impl Windows {
    fn open() -> Result<Self, String> {
        npf_ipsec_sapi::transport::device::Channel::open()
            .map(|channel| Self { channel })
            .map_err(|e| format!("{}: {e:?}", npf_ipsec_sapi::transport::device::DEVICE_PATH))
    }
}

#[cfg(windows)]
impl Transport for Windows {
    fn ioctl(&mut self, ioctl: Ioctl, input: &[u8]) -> Result<Vec<u8>, String> {
        self.channel
            .ioctl(ioctl, input)
            .map_err(|e| format!("{ioctl:?}: {e:?}"))
    }

    /// The adapters are as installed: their keywords and offloads are whatever the test VM set
    /// (`adapter` cannot change them).
    fn modules(&mut self, n: usize, adapter: &Adapter) -> Result<Vec<String>, String> {
        let _ = adapter;
        let list = std::env::var("IPSECOV2_HLK_MODULES").map_err(|_| {
            "set IPSECOV2_HLK_MODULES to the interface indexes of the adapters whose \
             ControlTestFamily keyword is 1 (comma-separated)"
                .to_string()
        })?;
        let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
        if names.len() < n {
            return Err(format!(
                "IPSECOV2_HLK_MODULES names {} modules, {n} needed",
                names.len()
            ));
        }
        Ok(names.into_iter().take(n).collect())
    }

    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// An error unless the test-family request `ioctl` was carried out (its NTSTATUS 0).
fn carried_out(ioctl: Ioctl, ntstatus: u32) -> Result<(), String> {
    if ntstatus == 0 {
        Ok(())
    } else {
        Err(format!(
            "{ioctl:?} not carried out: NTSTATUS {ntstatus:#010x}"
        ))
    }
}
