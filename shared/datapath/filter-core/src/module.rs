//! [`FilterModule`]: one filter module (one attachment of the filter to one miniport stack). It
//! owns a [`FilterCore`] (the SAs, the IPsecOV2 OIDs, the send and receive paths) and adds, under
//! its lock, the [`StateMachine`] with its outstanding-NBL accounting, OID routing (answer or
//! clone down), `OID_TCP_OFFLOAD_PARAMETERS` and the keywords, and the capability rewrite of
//! offload status indications and query results.
//!
//! Everything the module does to NDIS goes through [`NdisPort`], the narrow set of `NdisF*`
//! calls a filter makes: the Windows shell implements it over NDIS, `ipsecov2-ndis-emu` over an
//! emulated miniport and protocol. The module never calls the port while holding its lock (a
//! miniport may complete a send inside `NdisFSendNetBufferLists`).
//!
//! ```text
//!  Attaching ──attach──► Paused ──restart──► Restarting ──(indicate offload)──► Running
//!                         ▲  │                                                   │ pause
//!                         │  └─detach─► Detached (SAs freed)                     ▼
//!                         └──── last outstanding NBL back: pause_complete ◄── Pausing
//! ```

use alloc::vec::Vec;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicU64, Ordering};

use ipsecov2_abi::*;
use ipsecov2_nbl::{MdlMapper, NblChain};
use ipsecov2_offload_sa::OffloadSa;

use crate::checksum::MiniportChecksum;
use ipsecov2_oid::InfoBuffer;
use ipsecov2_satable::{SaLock, TableState};

use crate::caps::{
    ipsec_v2_capabilities, ipsec_v2_capabilities_enabled, patch_offload_bytes, with_capabilities,
    CapabilityConfig,
};
use crate::config::{parse_params, write_params, OffloadEnable, PendingParams};
use crate::counters::{ModuleCounters, ModuleStats, SaStats};
use crate::error::SendDrop;
use crate::pool::{TxBuffer, TxPool};
use crate::send::SendSink;
use crate::state::{
    Completion, FilterState, PauseStart, ReceiveVerdict, SendVerdict, StateError, StateMachine,
};
use crate::FilterCore;

/// What the module sees of an OID request (the shell builds it from the `NDIS_OID_REQUEST`'s
/// `DATA` view that matches `RequestType`, and writes the result fields back).
#[derive(Debug)]
pub struct OidRequest<'b> {
    /// `RequestType`.
    pub request_type: NDIS_REQUEST_TYPE,
    /// The OID.
    pub oid: NDIS_OID,
    /// `InformationBuffer` (`InformationBufferLength` bytes; for a method, the input/output buffer).
    pub buffer: &'b mut [u8],
    /// The address of `buffer` (the IPsecOV2 OID structures link elements by address).
    pub buffer_address: u64,
    /// `BytesWritten` (query, method).
    pub bytes_written: u32,
    /// `BytesRead` (set, method).
    pub bytes_read: u32,
    /// `BytesNeeded`.
    pub bytes_needed: u32,
}

/// A status indication (from the miniport below, or from the module up).
#[derive(Debug, Clone, Copy)]
pub enum StatusIndication<'b> {
    /// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` / `_HARDWARE_CAPABILITIES` (or any other status
    /// whose `StatusBuffer` is an `NDIS_OFFLOAD`).
    Offload {
        /// `StatusCode`.
        status: NDIS_STATUS,
        /// `StatusBuffer`.
        offload: &'b NDIS_OFFLOAD,
    },
    /// Any other status indication, passed through unchanged.
    Other {
        /// `StatusCode`.
        status: NDIS_STATUS,
        /// `StatusBuffer`.
        buffer: &'b [u8],
    },
}

/// What [`NdisPort::reclaim_copy`] found in a send completion.
#[derive(Debug)]
pub enum Reclaimed<'a> {
    /// The NBL was a filter-owned copy: it is freed (its buffers back in the pool); this is the
    /// original it replaced, to be completed up.
    Original(NblChain<'a>),
    /// The NBL is an original that was passed down unchanged.
    NotACopy(NblChain<'a>),
}

/// The NDIS calls a filter module makes (`NdisF*`), narrowed to what the module needs. NBL and
/// MDL allocation for copies is the port's ([`TxPool`] buffers become filter-owned NBLs here).
pub trait NdisPort<'a> {
    /// The transmit buffers of the module's [`TxPool`].
    type Buffer: TxBuffer;
    /// The port's handle of an original OID request (the kernel: its `NDIS_OID_REQUEST`).
    type Oid: Copy;

    /// `NdisFSendNetBufferLists` of an original NBL (no IPsec information; slots cleared).
    fn send_down(&mut self, nbl: NblChain<'a>);
    /// The protected copy of the next NET_BUFFER of the original being processed.
    fn stage_copy(&mut self, copy: Self::Buffer);
    /// `NdisFSendNetBufferLists` of one filter-owned NBL made of the staged copies, remembering
    /// `original` (the kernel: `ParentNetBufferList`) for [`NdisPort::reclaim_copy`].
    fn send_copy_down(&mut self, original: NblChain<'a>);
    /// Whether [`NdisPort::send_copy_down_with_checksum`] puts its value into the copy's
    /// `TcpIpChecksumNetBufferListInfo` slot. Only then does the module leave outer checksums to
    /// the miniport; otherwise the filter computes them all.
    const COPY_CARRIES_CHECKSUM_INFO: bool = false;
    /// [`NdisPort::send_copy_down`] with `checksum_info` in the copy's
    /// `TcpIpChecksumNetBufferListInfo` slot (reached only when
    /// [`NdisPort::COPY_CARRIES_CHECKSUM_INFO`]).
    fn send_copy_down_with_checksum(&mut self, original: NblChain<'a>, checksum_info: usize) {
        let _ = checksum_info;
        self.send_copy_down(original);
    }
    /// Drops the staged copies (the original failed and is completed instead).
    fn discard_staged(&mut self);
    /// A single NBL from a send completion: frees it if it is a filter-owned copy and returns
    /// the original it stood for.
    fn reclaim_copy(&mut self, nbl: NblChain<'a>) -> Reclaimed<'a>;
    /// `NdisFSendNetBufferListsComplete` of original NBLs (their `Status` set).
    fn complete_send_up(&mut self, nbls: NblChain<'a>);
    /// `NdisFIndicateReceiveNetBufferLists` with the miniport's `ReceiveFlags`.
    fn indicate_receive_up(&mut self, nbls: NblChain<'a>, flags: ULONG);
    /// `NdisFReturnNetBufferLists`.
    fn return_receive_down(&mut self, nbls: NblChain<'a>);
    /// Runs `f` over the view of the original request `request`; results written to the view
    /// are stored into the request.
    fn with_oid<R>(&mut self, request: Self::Oid, f: impl FnOnce(&mut OidRequest<'_>) -> R) -> R;
    /// Clones `request` (`NdisAllocateCloneOidRequest`, `oid_clone::prepare_clone`) and passes
    /// the clone down (`NdisFOidRequest`). Unless `NDIS_STATUS_PENDING` is returned, the
    /// clone's results are already copied back into the original (`oid_clone::copy_back`) and
    /// the clone freed; on `PENDING` the port later copies back and calls
    /// [`FilterModule::oid_request_complete`].
    fn pass_oid_down(&mut self, request: Self::Oid) -> NDIS_STATUS;
    /// `NdisFOidRequestComplete` of the original request.
    fn complete_oid_up(&mut self, request: Self::Oid, status: NDIS_STATUS);
    /// `NdisFIndicateStatus`.
    fn indicate_status_up(&mut self, indication: &StatusIndication<'_>);
    /// `NdisFPauseComplete`.
    fn pause_complete(&mut self);
}

/// What a module is configured with at attach (the driver reads the registry; the emulation
/// passes values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleConfig {
    /// Capability configuration (`SaOffloadCapacity`).
    pub caps: CapabilityConfig,
    /// Initial state from `*IPsecOffloadV2` / `*IPsecOffloadV2IPv4`.
    pub enable: OffloadEnable,
}

/// The state the module keeps under its lock.
#[derive(Debug, Clone)]
pub struct ModuleState {
    machine: StateMachine,
    enable: OffloadEnable,
    miniport_current: NDIS_OFFLOAD,
    miniport_hardware: NDIS_OFFLOAD,
    pending_params: Option<PendingParams>,
}

impl ModuleState {
    /// The state of a module being attached above a miniport reporting these offloads.
    #[must_use]
    pub fn new(enable: OffloadEnable, current: &NDIS_OFFLOAD, hardware: &NDIS_OFFLOAD) -> Self {
        Self {
            machine: StateMachine::new(),
            enable,
            miniport_current: *current,
            miniport_hardware: *hardware,
            pending_params: None,
        }
    }
}

fn inc(c: &AtomicU64, by: u64) {
    c.fetch_add(by, Ordering::Relaxed);
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// One filter module: its [`FilterCore`] (over the SA table lock `L`), and its state machine and
/// offload configuration ([`ModuleState`]) under the lock `S`; every filter callback of the
/// driver is one call into it.
pub struct FilterModule<L, S> {
    core: FilterCore<L>,
    state: S,
    caps: CapabilityConfig,
    /// Gating and control-plane counters.
    pub counters: ModuleCounters,
}

impl<L, S> core::fmt::Debug for FilterModule<L, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FilterModule")
            .field("core", &self.core)
            .field("caps", &self.caps)
            .finish_non_exhaustive()
    }
}

/// The send sink of the module: forwards to the port, collects the failures.
struct PortSink<'p, 'a, N> {
    port: &'p mut N,
    failed: NblChain<'a>,
    failed_count: u32,
}

impl<'a, N: NdisPort<'a>> SendSink<'a, N::Buffer> for PortSink<'_, 'a, N> {
    fn pass_down(&mut self, nbl: NblChain<'a>) {
        self.port.send_down(nbl);
    }
    fn stage(&mut self, packet: N::Buffer) {
        self.port.stage_copy(packet);
    }
    fn protected(&mut self, original: NblChain<'a>) {
        self.port.send_copy_down(original);
    }
    fn protected_with_checksum(&mut self, original: NblChain<'a>, checksum_info: usize) {
        self.port
            .send_copy_down_with_checksum(original, checksum_info);
    }
    fn complete(&mut self, original: NblChain<'a>, _status: NDIS_STATUS, _reason: SendDrop) {
        self.port.discard_staged();
        self.failed_count = self.failed_count.saturating_add(1);
        self.failed.append(original);
    }
}

fn count(chain: &NblChain<'_>) -> u32 {
    u32::try_from(chain.count()).unwrap_or(u32::MAX)
}

fn set_status(chain: &mut NblChain<'_>, status: NDIS_STATUS) {
    let mut cursor = chain.cursor();
    while let Some(mut nbl) = cursor.next_nbl() {
        nbl.set_status(status);
    }
}

impl<L, S> FilterModule<L, S>
where
    L: SaLock<TableState<OffloadSa>>,
    S: SaLock<ModuleState>,
{
    /// `FilterAttach`: a module over `core` (its SA table created with the configured
    /// capacity), above a miniport whose current and hardware offloads are `current` and
    /// `hardware` (`NDIS_FILTER_ATTACH_PARAMETERS::DefaultOffloadConfiguration`); `Paused` on
    /// return. What to report up is [`FilterModule::current_offload`] /
    /// [`FilterModule::hardware_offload`].
    pub fn attach(
        core: FilterCore<L>,
        config: &ModuleConfig,
        current: &NDIS_OFFLOAD,
        hardware: &NDIS_OFFLOAD,
    ) -> Self {
        let module = Self {
            core,
            state: S::new(ModuleState::new(config.enable, current, hardware)),
            caps: config.caps,
            counters: ModuleCounters::default(),
        };
        let attached = module.state.write().machine.attached();
        let _ = module.note(attached);
        module
    }

    /// [`FilterModule::attach`] written straight into `slot` (the driver's pool block) rather
    /// than returned by value: the module (about 2 KiB) is not built in the caller's frame
    /// first, which keeps `FilterAttach`'s stack small. Never inlined, so the literal is
    /// written through the slot's address.
    #[inline(never)]
    pub fn attach_in_place<'s>(
        slot: &'s mut MaybeUninit<Self>,
        core: FilterCore<L>,
        config: &ModuleConfig,
        current: &NDIS_OFFLOAD,
        hardware: &NDIS_OFFLOAD,
    ) -> &'s mut Self {
        let module = slot.write(Self {
            core,
            state: S::new(ModuleState::new(config.enable, current, hardware)),
            caps: config.caps,
            counters: ModuleCounters::default(),
        });
        let attached = module.state.write().machine.attached();
        let _ = module.note(attached);
        module
    }

    fn note<T>(&self, r: Result<T, StateError>) -> Result<T, StateError> {
        if r.is_err() {
            inc(&self.counters.state_errors, 1);
        }
        r
    }

    /// The module's filter core (SAs, IPsecOV2 OIDs, send and receive paths, datapath counters).
    pub fn core(&self) -> &FilterCore<L> {
        &self.core
    }

    /// Current state.
    pub fn state(&self) -> FilterState {
        self.state.read().machine.state()
    }

    /// Enabled offloads.
    pub fn enable(&self) -> OffloadEnable {
        self.state.read().enable
    }

    /// The `NDIS_IPSEC_OFFLOAD_V2` currently reported (the enabled part of what is implemented).
    pub fn current_capabilities(&self) -> NDIS_IPSEC_OFFLOAD_V2 {
        ipsec_v2_capabilities_enabled(&self.caps, &self.enable())
    }

    /// The miniport's current offload configuration with `IPsecV2` as currently enabled.
    pub fn current_offload(&self) -> NDIS_OFFLOAD {
        let st = self.state.read();
        with_capabilities(
            &st.miniport_current,
            &ipsec_v2_capabilities_enabled(&self.caps, &st.enable),
        )
    }

    /// The miniport's hardware capabilities with `IPsecV2` as implemented.
    pub fn hardware_offload(&self) -> NDIS_OFFLOAD {
        let st = self.state.read();
        with_capabilities(&st.miniport_hardware, &ipsec_v2_capabilities(&self.caps))
    }

    /// `FilterRestart`: `Paused` → `Restarting`, the offload configuration indicated up
    /// (`NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES` then `_CURRENT_CONFIG`), → `Running`.
    ///
    /// # Errors
    ///
    /// When not `Paused` (nothing changes).
    pub fn restart<'a, N: NdisPort<'a>>(&self, port: &mut N) -> Result<(), StateError> {
        let r = self.state.write().machine.restart();
        self.note(r)?;
        let hardware = self.hardware_offload();
        port.indicate_status_up(&StatusIndication::Offload {
            status: NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
            offload: &hardware,
        });
        let current = self.current_offload();
        port.indicate_status_up(&StatusIndication::Offload {
            status: NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
            offload: &current,
        });
        let r = self.state.write().machine.restarted(true);
        self.note(r)
    }

    /// `FilterPause`: `Running` → `Paused` (returns `Completed`), or `Pausing` (returns
    /// `Pending`; the port's `pause_complete` is called when the last outstanding NBL is back).
    ///
    /// # Errors
    ///
    /// When not `Running`.
    pub fn pause(&self) -> Result<PauseStart, StateError> {
        let r = self.state.write().machine.pause();
        self.note(r)
    }

    /// `FilterDetach`: `Paused` → `Detached`; every offloaded SA is removed from the table
    /// (each is zeroized when its last reference drops). Returns how many were removed.
    ///
    /// # Errors
    ///
    /// When not `Paused` (nothing changes).
    pub fn detach(&self) -> Result<usize, StateError> {
        let r = self.state.write().machine.detach();
        self.note(r)?;
        Ok(self.core.sas().table().clear())
    }

    fn after(&self, port_pause: Result<Completion, StateError>) -> bool {
        matches!(self.note(port_pause), Ok(Completion::PauseComplete))
    }

    /// `FilterSendNetBufferLists`: while `Running`, every NBL goes through
    /// [`FilterCore::send`] (passed down, or its protected copy sent down, or completed with
    /// its failure status); otherwise the chain is completed with `NDIS_STATUS_PAUSED`.
    /// No heap allocation.
    pub fn send<'a, N, M, P>(&self, port: &mut N, mut chain: NblChain<'a>, mapper: &M, pool: &P)
    where
        N: NdisPort<'a>,
        M: MdlMapper + ?Sized,
        P: TxPool<Buffer = N::Buffer>,
    {
        let n = count(&chain);
        if n == 0 {
            return;
        }
        let (verdict, offer) = {
            let mut state = self.state.write();
            let offer = if N::COPY_CARRIES_CHECKSUM_INFO {
                MiniportChecksum::from_offload(&state.miniport_current.Checksum)
            } else {
                MiniportChecksum::default()
            };
            (state.machine.send(n), offer)
        };
        match verdict {
            SendVerdict::CompletePaused => {
                inc(&self.counters.send_paused, u64::from(n));
                set_status(&mut chain, NDIS_STATUS_PAUSED);
                port.complete_send_up(chain);
            }
            SendVerdict::PassDown => {
                let mut sink = PortSink {
                    port: &mut *port,
                    failed: NblChain::empty(),
                    failed_count: 0,
                };
                self.core
                    .send_offloading(chain, mapper, pool, &mut sink, offer);
                let PortSink {
                    failed,
                    failed_count,
                    ..
                } = sink;
                if failed_count > 0 {
                    port.complete_send_up(failed);
                    let r = self.state.write().machine.send_completed(failed_count);
                    if self.after(r) {
                        port.pause_complete();
                    }
                }
            }
        }
    }

    /// `FilterSendNetBufferListsComplete`: filter-owned copies are reclaimed and their
    /// originals completed with the copy's status; originals passed down are completed as
    /// they are. Each original is completed up exactly once. No heap allocation.
    pub fn send_complete<'a, N: NdisPort<'a>>(&self, port: &mut N, mut chain: NblChain<'a>) {
        let mut up = NblChain::empty();
        let mut n = 0u32;
        while let Some(mut one) = chain.pop_front() {
            n = n.saturating_add(1);
            let status = one.cursor().next_nbl().map(|nbl| nbl.status());
            match port.reclaim_copy(one) {
                Reclaimed::Original(mut original) => {
                    if let (Some(s), Some(mut nbl)) = (status, original.cursor().next_nbl()) {
                        nbl.set_status(s);
                    }
                    up.append(original);
                }
                Reclaimed::NotACopy(original) => up.append(original),
            }
        }
        if !up.is_empty() {
            port.complete_send_up(up);
        }
        let r = self.state.write().machine.send_completed(n);
        if self.after(r) {
            port.pause_complete();
        }
    }

    /// `FilterReceiveNetBufferLists`: while `Running`, processed by [`FilterCore::receive`]
    /// and indicated up; otherwise returned to the miniport, or dropped when `flags` carry
    /// `NDIS_RECEIVE_FLAGS_RESOURCES` (the miniport reclaims them when this returns).
    /// `scratch`: see [`FilterCore::receive`]. No heap allocation.
    pub fn receive<'a, N, M>(
        &self,
        port: &mut N,
        mut chain: NblChain<'a>,
        flags: ULONG,
        mapper: &M,
        scratch: &mut [u8],
    ) where
        N: NdisPort<'a>,
        M: MdlMapper + ?Sized,
    {
        let n = count(&chain);
        if n == 0 {
            return;
        }
        let can_pend = NDIS_TEST_RECEIVE_CAN_PEND(flags);
        let (verdict, enable) = {
            let mut st = self.state.write();
            (st.machine.receive(n, can_pend), st.enable)
        };
        match verdict {
            ReceiveVerdict::Indicate => {
                self.core
                    .receive_enabled(&mut chain, mapper, scratch, &enable);
                port.indicate_receive_up(chain, flags);
            }
            ReceiveVerdict::ReturnToMiniport => {
                inc(&self.counters.recv_returned_paused, u64::from(n));
                port.return_receive_down(chain);
            }
            ReceiveVerdict::Drop => {
                inc(&self.counters.recv_dropped_paused, u64::from(n));
            }
        }
    }

    /// `FilterReturnNetBufferLists`: the NBLs go back to the miniport.
    pub fn return_receives<'a, N: NdisPort<'a>>(&self, port: &mut N, chain: NblChain<'a>) {
        let n = count(&chain);
        port.return_receive_down(chain);
        let r = self.state.write().machine.receive_returned(n);
        if self.after(r) {
            port.pause_complete();
        }
    }

    /// `FilterStatus`: offload status indications from below are remembered and indicated up
    /// with `IPsecV2` replaced (current configuration: what is enabled; hardware
    /// capabilities: everything implemented), every other member untouched; other
    /// indications pass through unchanged.
    pub fn status<'a, N: NdisPort<'a>>(&self, port: &mut N, indication: &StatusIndication<'_>) {
        match *indication {
            StatusIndication::Offload { status, offload }
                if status == NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG =>
            {
                self.state.write().miniport_current = *offload;
                inc(&self.counters.offload_indications, 1);
                let out = self.current_offload();
                port.indicate_status_up(&StatusIndication::Offload {
                    status,
                    offload: &out,
                });
            }
            StatusIndication::Offload { status, offload }
                if status == NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES =>
            {
                self.state.write().miniport_hardware = *offload;
                inc(&self.counters.offload_indications, 1);
                let out = self.hardware_offload();
                port.indicate_status_up(&StatusIndication::Offload {
                    status,
                    offload: &out,
                });
            }
            _ => port.indicate_status_up(indication),
        }
    }

    /// `FilterOidRequest`: the four IPsecOV2 OIDs are answered here (results in the request,
    /// status returned, never passed down); an `OID_TCP_OFFLOAD_PARAMETERS` set with an invalid
    /// `IPsecV2` / `IPsecV2IPv4` value fails with `NDIS_STATUS_INVALID_PARAMETER`; everything
    /// else is passed down as a clone (with the IPsecOV2 members of an offload-parameters set
    /// hidden from the miniport as `NO_CHANGE` until it completes). Returns the status of
    /// `FilterOidRequest` (`NDIS_STATUS_PENDING` when the clone pends below).
    pub fn oid_request<'a, N: NdisPort<'a>>(&self, port: &mut N, request: N::Oid) -> NDIS_STATUS {
        let enable = self.enable();
        let answered = port.with_oid(request, |r| {
            let mut buf = InfoBuffer::new(r.buffer, r.buffer_address);
            if let Some(c) = self
                .core
                .oid_enabled(r.oid, r.request_type, &mut buf, &enable)
            {
                r.bytes_read = c.bytes_read;
                r.bytes_needed = c.bytes_needed;
                return Some(c.status);
            }
            if r.oid == OID_TCP_OFFLOAD_PARAMETERS && r.request_type == NdisRequestSetInformation {
                match parse_params(r.buffer) {
                    Err(()) => {
                        r.bytes_read = 0;
                        return Some(NDIS_STATUS_INVALID_PARAMETER);
                    }
                    Ok(Some(p)) => {
                        write_params(r.buffer, [NDIS_OFFLOAD_PARAMETERS_NO_CHANGE; 2]);
                        self.state.write().pending_params = Some(p);
                    }
                    Ok(None) => {}
                }
            }
            None
        });
        if let Some(status) = answered {
            inc(&self.counters.oids_answered, 1);
            return status;
        }
        inc(&self.counters.oids_passed_down, 1);
        let status = port.pass_oid_down(request);
        if status == NDIS_STATUS_PENDING {
            return status;
        }
        self.finish_oid(port, request, status)
    }

    /// `FilterOidRequestComplete` of a clone that pended: the port has copied the results back
    /// into the original; the module adjusts them and the port completes the original up.
    pub fn oid_request_complete<'a, N: NdisPort<'a>>(
        &self,
        port: &mut N,
        request: N::Oid,
        status: NDIS_STATUS,
    ) {
        let status = self.finish_oid(port, request, status);
        port.complete_oid_up(request, status);
    }

    fn finish_oid<'a, N: NdisPort<'a>>(
        &self,
        port: &mut N,
        request: N::Oid,
        status: NDIS_STATUS,
    ) -> NDIS_STATUS {
        let current_caps = self.current_capabilities();
        let hardware_caps = ipsec_v2_capabilities(&self.caps);
        let applied = port.with_oid(request, |r| {
            let query = r.request_type == NdisRequestQueryInformation
                || r.request_type == NdisRequestQueryStatistics;
            match r.oid {
                OID_TCP_OFFLOAD_CURRENT_CONFIG | OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES
                    if query && status == NDIS_STATUS_SUCCESS =>
                {
                    let caps = if r.oid == OID_TCP_OFFLOAD_CURRENT_CONFIG {
                        &current_caps
                    } else {
                        &hardware_caps
                    };
                    if let Some(w) = patch_offload_bytes(r.buffer, r.bytes_written, caps) {
                        r.bytes_written = w;
                    }
                    None
                }
                OID_TCP_OFFLOAD_PARAMETERS if r.request_type == NdisRequestSetInformation => {
                    let p = self.state.write().pending_params.take()?;
                    write_params(r.buffer, p.raw);
                    (status == NDIS_STATUS_SUCCESS).then_some(p)
                }
                _ => None,
            }
        });
        if let Some(p) = applied {
            let changed = {
                let mut st = self.state.write();
                let before = st.enable;
                if let Some(v) = p.ipsec_v2 {
                    st.enable.ipsec_v2 = v;
                }
                if let Some(v) = p.ipsec_v2_ipv4 {
                    st.enable.ipsec_v2_ipv4 = v;
                }
                st.enable != before
            };
            if changed {
                let current = self.current_offload();
                port.indicate_status_up(&StatusIndication::Offload {
                    status: NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
                    offload: &current,
                });
            }
        }
        status
    }

    /// Every counter of the module and of each SA. Allocates (control plane only).
    pub fn snapshot(&self) -> ModuleStats {
        let mut stats = self.module_counters();
        self.core.sas().table().for_each(|h, sa| {
            stats.sas.push(SaStats {
                handle: u64::from(h),
                inbound: sa.inbound,
                esp_spi: sa.esp.as_ref().map(|e| e.spi),
                ah_spi: sa.ah.as_ref().map(|a| a.spi),
                packets: get(&sa.counters.packets),
                octets: get(&sa.counters.octets),
                auth_failures: get(&sa.counters.auth_failures),
                other_drops: get(&sa.counters.other_drops),
            });
        });
        stats
    }

    /// Every counter of the module without the per-SA part (`sas` left empty): does not
    /// allocate (the driver's test family reads it under its control lock).
    pub fn module_counters(&self) -> ModuleStats {
        let (state, sends_outstanding, receives_outstanding, enable) = {
            let st = self.state.read();
            (
                st.machine.state(),
                st.machine.sends_outstanding(),
                st.machine.receives_outstanding(),
                st.enable,
            )
        };
        let c = &self.core.counters;
        ModuleStats {
            state,
            sends_outstanding,
            receives_outstanding,
            enable,
            send_passed: get(&c.send_passed),
            send_protected_nbls: get(&c.send_protected_nbls),
            send_packets: get(&c.send_packets),
            send_bytes: get(&c.send_bytes),
            send_drops: core::array::from_fn(|i| c.send_drops.get(i).map_or(0, get)),
            recv_untouched: get(&c.recv_untouched),
            recv_not_processed: get(&c.recv_not_processed),
            recv_packets: get(&c.recv_packets),
            recv_bytes: get(&c.recv_bytes),
            recv_failures: core::array::from_fn(|i| c.recv_failures.get(i).map_or(0, get)),
            recv_delete_requests: get(&c.recv_delete_requests),
            send_paused: get(&self.counters.send_paused),
            recv_returned_paused: get(&self.counters.recv_returned_paused),
            recv_dropped_paused: get(&self.counters.recv_dropped_paused),
            state_errors: get(&self.counters.state_errors),
            oids_answered: get(&self.counters.oids_answered),
            oids_passed_down: get(&self.counters.oids_passed_down),
            sas: Vec::new(),
        }
    }
}

/// The module over the host locks (tests, the NDIS emulation, user-mode tools).
#[cfg(feature = "std")]
pub type HostModule = FilterModule<
    ipsecov2_satable::StdRwLock<TableState<OffloadSa>>,
    ipsecov2_satable::StdRwLock<ModuleState>,
>;
