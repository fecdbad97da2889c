//! `--target sys`: a [`ModuleUnderTest`] that is a filter module of the real `ipsecov2_lwf.sys`,
//! loaded and run by the PE driver host (`ipsecov2-pe-host`, docs/pe-host.md). Two modules of
//! one loaded driver share its session; sends and receives go through the driver's own
//! FilterSendNetBufferLists / FilterReceiveNetBufferLists with the emulation's NBL chains, OIDs
//! through real NDIS_OID_REQUESTs, and the host's verifier checks every call (IRQL, locks,
//! pool, each NBL given back exactly once, nothing left at detach or unload).

use std::cell::RefCell;
use std::rc::Rc;

use ipsecov2_abi::{
    NDIS_IPSEC_OFFLOAD_V2, NDIS_OFFLOAD, NDIS_STATUS, NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
};
use ipsecov2_ndis_emu::host::{nic_offload, offload_bytes, offload_from_bytes};
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::tcpip::{recv_nbl, RecvView};
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};
use ipsecov2_pe_host::filter_module::{offload_from_bytes as pe_offload_from_bytes, Miniport};
use ipsecov2_pe_host::session::Session;

use crate::capture;
use crate::target::{
    self, Counters, DatapathPair, Got, ModuleUnderTest, PairAdapter, Target, WireFrame,
};

/// One module of the loaded driver.
pub struct SysModule {
    pub(crate) session: Rc<RefCell<Option<Session>>>,
    pub(crate) handle: usize,
    pub(crate) rng: SplitMix64,
    /// What its miniport put on the wire and [`ModuleUnderTest::deliver`] has not carried yet.
    pub(crate) outbox: Vec<Vec<u8>>,
    /// The adapter it was attached over (to attach again).
    pub(crate) adapter: Miniport,
    /// The miniport holds what the module sends down.
    pub(crate) hold_tx: bool,
    /// TCP/IP holds what the module indicates up.
    pub(crate) hold_rx: bool,
    /// Send completions seen (NBL, status).
    pub(crate) completed: Vec<(usize, NDIS_STATUS)>,
    /// The miniport holds the OID requests passed down.
    pub(crate) hold_oids: bool,
    /// The requests its miniport got (OID, buffer as it arrived).
    pub(crate) below: Vec<(u32, Vec<u8>)>,
    /// The request type of each OID issued (ticket, type).
    pub(crate) oid_types: Vec<(usize, i32)>,
}

/// The adapter below each module: the keywords and the NIC offloads (`nic_offload`) the
/// emulated host's default configuration uses.
pub(crate) fn adapter() -> Miniport {
    Miniport {
        keywords: vec![
            ("SaOffloadCapacity".into(), 64),
            ("TxBufferCount".into(), 16),
            ("TxBufferSize".into(), 2048),
            ("RxScratchCount".into(), 4),
            // The control device's test family (`TestModuleStats`: the module's counters).
            ("ControlTestFamily".into(), 1),
        ],
        offload: pe_offload_from_bytes(&offload_bytes(&nic_offload())),
        ..Miniport::default()
    }
}

impl SysModule {
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, ipsecov2_pe_host::session::SessionError>,
    ) -> Result<T, String> {
        let mut s = self.session.borrow_mut();
        let s = s.as_mut().ok_or("the driver session has ended")?;
        f(s).map_err(|e| e.to_string())
    }
}

impl SysModule {
    /// Two running modules of one loaded driver, the first over `first`, the second over the
    /// default adapter.
    pub(crate) fn pair_over(seed: u64, first: Miniport) -> Result<(Self, Self), String> {
        let Target::Sys(path) = target::current() else {
            return Err("not the sys target".into());
        };
        let mut s = Session::start(&path).map_err(|e| e.to_string())?;
        let a = s.running_module(&first).map_err(|e| e.to_string())?;
        // Each module names its own interface to the control device.
        let second = Miniport {
            if_index: first.if_index + 1,
            ..adapter()
        };
        let b = s.running_module(&second).map_err(|e| e.to_string())?;
        let session = Rc::new(RefCell::new(Some(s)));
        let module = |handle, seed, adapter| SysModule {
            session: Rc::clone(&session),
            handle,
            rng: SplitMix64::new(seed),
            outbox: Vec::new(),
            adapter,
            hold_tx: false,
            hold_rx: false,
            completed: Vec::new(),
            hold_oids: false,
            below: Vec::new(),
            oid_types: Vec::new(),
        };
        Ok((module(a, seed, first), module(b, seed + 1, second)))
    }
}

impl SysModule {
    /// TCP/IP sends `specs` as one chain; the miniport completes what reaches it unless it
    /// holds sends. The chain's NBLs, each one's completion status so far, and the frames that
    /// went on the wire (also kept for [`ModuleUnderTest::deliver`]).
    #[allow(clippy::type_complexity)]
    pub(crate) fn send_chain(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<usize>, Vec<Option<NDIS_STATUS>>, Vec<Vec<u8>>), String> {
        let m = self.handle;
        let hold = self.hold_tx;
        let (sent, statuses, wire) = self.with(|s| {
            let sent = s.send_held(m, &specs)?;
            let wire = if hold {
                Vec::new()
            } else {
                s.complete_below(m)?
            };
            let statuses = s.send_statuses(m, &sent);
            Ok((sent, statuses, wire))
        })?;
        for (n, st) in sent.0.iter().zip(&statuses) {
            if let Some(st) = st {
                self.completed.push((*n, *st));
            }
        }
        let wire: Vec<Vec<u8>> = wire.into_iter().map(|b| b.frame).collect();
        self.outbox.extend(wire.iter().cloned());
        Ok((sent.0, statuses, wire))
    }
}

impl ModuleUnderTest for SysModule {
    fn pair(seed: u64) -> Result<(Self, Self), String> {
        Self::pair_over(seed, adapter())
    }

    fn rng(&mut self) -> &mut SplitMix64 {
        &mut self.rng
    }

    fn add_sa(&mut self, sa: &AddSa) -> Result<u64, String> {
        let m = self.handle;
        self.with(|s| s.add_sa(m, sa))
    }

    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<Vec<u8>>), String> {
        let (_, statuses, wire) = self.send_chain(specs)?;
        Ok((statuses, wire))
    }

    fn deliver(from: &mut Self, to: &mut Self) -> Result<Vec<Got>, String> {
        let frames = std::mem::take(&mut from.outbox);
        let specs: Vec<NblSpec> = frames.iter().map(|f| recv_nbl(&mut to.rng, f, 0)).collect();
        let m = to.handle;
        let hold = to.hold_rx;
        let got = to.with(|s| {
            if hold {
                let before = s.peek_above(m)?.len();
                s.indicate_held(m, &specs, false)?;
                Ok(s.peek_above(m)?.split_off(before))
            } else {
                s.receive(m, &specs)
            }
        })?;
        Ok(got.into_iter().map(|p| (p.frame, p.view)).collect())
    }

    fn counters(&self) -> Result<Option<Counters>, String> {
        Ok(None)
    }

    fn finish(a: Self, b: Self) -> Result<(), String> {
        drop(b);
        let s = a.session.borrow_mut().take();
        let s = s.ok_or("the driver session has ended")?;
        s.finish().map_err(|e| e.to_string())
    }
}

/// A sender module and a receiver module of one loaded driver.
pub struct SysPair {
    session: Session,
    tx: usize,
    rx: usize,
    offload: Option<NDIS_OFFLOAD>,
}

impl DatapathPair for SysPair {
    fn open(pa: &PairAdapter) -> Result<Self, String> {
        let Target::Sys(path) = target::current() else {
            return Err("not the sys target".into());
        };
        let mut session = Session::start(&path).map_err(|e| e.to_string())?;
        let mut a = adapter();
        a.keywords
            .retain(|(k, _)| k != "TxBufferCount" && k != "TxBufferSize");
        a.keywords.push(("TxBufferCount".into(), pa.tx_buffers));
        a.keywords.push(("TxBufferSize".into(), pa.tx_buffer_size));
        a.offload = match &pa.offload {
            Some(o) => Some(
                pe_offload_from_bytes(&offload_bytes(o)).ok_or("NDIS_OFFLOAD of another size")?,
            ),
            None => None,
        };
        let tx = session.running_module(&a).map_err(|e| e.to_string())?;
        // Each module names its own interface to the control device.
        let second = Miniport {
            if_index: a.if_index + 1,
            ..a.clone()
        };
        let rx = session.running_module(&second).map_err(|e| e.to_string())?;
        Ok(Self {
            session,
            tx,
            rx,
            offload: pa.offload,
        })
    }

    fn add_tx(&mut self, sa: &AddSa) -> Result<u64, String> {
        let h = self
            .session
            .add_sa(self.tx, sa)
            .map_err(|e| e.to_string())?;
        capture::record_add_sa(sa, h);
        Ok(h)
    }

    fn add_rx(&mut self, sa: &AddSa) -> Result<u64, String> {
        let h = self
            .session
            .add_sa(self.rx, sa)
            .map_err(|e| e.to_string())?;
        capture::record_add_sa(sa, h);
        Ok(h)
    }

    fn delete_tx(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        self.session
            .delete_sa(self.tx, handles)
            .map_err(|e| e.to_string())
    }

    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<WireFrame>), String> {
        let (statuses, below) = self
            .session
            .send_below(self.tx, &specs)
            .map_err(|e| e.to_string())?;
        let mut wire: Vec<WireFrame> = below
            .into_iter()
            .map(|b| (b.frame, Some(b.checksum_info)))
            .collect();
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
            let got = self
                .session
                .receive(self.rx, specs)
                .map_err(|e| e.to_string())?;
            Ok(got.into_iter().map(|p| (p.view, p.frame)).collect())
        })
    }

    fn finish(self) -> Result<(), String> {
        self.session.finish().map_err(|e| e.to_string())
    }
}

/// The IPsecOV2 capabilities a module of the binary advertises: the `IPsecV2` part of the last
/// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` it indicated up by the end of its restart, over an
/// adapter whose `SaOffloadCapacity` keyword is `capacity`.
pub fn advertised_caps(capacity: u32) -> Result<NDIS_IPSEC_OFFLOAD_V2, String> {
    let Target::Sys(path) = target::current() else {
        return Err("not the sys target".into());
    };
    let mut s = Session::start(&path).map_err(|e| e.to_string())?;
    let mut a = adapter();
    a.keywords
        .retain(|(k, _)| !k.eq_ignore_ascii_case("SaOffloadCapacity"));
    a.keywords.push(("SaOffloadCapacity".into(), capacity));
    let m = s.running_module(&a).map_err(|e| e.to_string())?;
    let offload = s
        .indications(m)
        .into_iter()
        .rev()
        .filter(|(status, _)| *status == NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG)
        .find_map(|(_, buffer)| ipsec_v2_of(&buffer))
        .ok_or("no NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG holding IPsecV2 indicated at restart")?;
    s.finish().map_err(|e| e.to_string())?;
    Ok(offload)
}

/// The `IPsecV2` member of an indicated `NDIS_OFFLOAD` of any revision that has it (the buffer
/// may be shorter than this build's `NDIS_OFFLOAD`: `StatusBufferSize` is the revision's size).
fn ipsec_v2_of(buffer: &[u8]) -> Option<NDIS_IPSEC_OFFLOAD_V2> {
    let end = core::mem::offset_of!(NDIS_OFFLOAD, IPsecV2) + size_of::<NDIS_IPSEC_OFFLOAD_V2>();
    if buffer.len() < end {
        return None;
    }
    let mut full = buffer.to_vec();
    full.resize(full.len().max(size_of::<NDIS_OFFLOAD>()), 0);
    offload_from_bytes(&full).map(|o| o.IPsecV2)
}
