//! The NDIS filter callbacks. Each one checks the module state ([`crate::state`]) and hands over
//! to the portable filter core through the kernel implementation of its abstraction:
//!
//! | callback | goes to |
//! |---|---|
//! | `FilterAttach` | keywords ([`setup::read_config`]), `KernelSaTable`, `FilterCore::new`, the transmit and scratch pools, the miniport's offload configuration |
//! | `FilterRestart` | `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` indicated with IPsecOV2 added |
//! | `FilterSendNetBufferLists` | `FilterCore::send` (`KernelMdlMapper`, `KernelTxPool`, `KernelSendSink`) |
//! | `FilterSendNetBufferListsComplete` | filter-owned NBLs complete their original and go back to the pool |
//! | `FilterReceiveNetBufferLists` | `FilterCore::receive` in place, then indicated up |
//! | `FilterOidRequest` / `FilterDirectOidRequest` | the four IPsecOV2 OIDs: `FilterCore::oid`, completed inline; others cloned down |
//! | `FilterOidRequestComplete` | `OID_TCP_OFFLOAD_CURRENT_CONFIG` / `_HARDWARE_CAPABILITIES` answers rewritten ([`crate::offload`]) |
//! | `FilterStatus` | `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` / `_HARDWARE_CAPABILITIES` rewritten ([`crate::offload`]) |
//! | `FilterDetach` | everything freed; the SA table's drop zeroizes the keys |

use core::ptr::NonNull;

use ipsecov2_filter_core::FilterCore;
use ipsecov2_kernel_sync::ExSpinRwLock;
use ipsecov2_nbl::NblChain;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_satable::{SaTable, TableSeed, TableState};
use ndis_bindings::ffi::{
    NdisAllocateCloneOidRequest, NdisFCancelDirectOidRequest, NdisFCancelOidRequest,
    NdisFCancelSendNetBufferLists, NdisFDevicePnPEventNotify, NdisFDirectOidRequest,
    NdisFDirectOidRequestComplete, NdisFIndicateReceiveNetBufferLists, NdisFIndicateStatus,
    NdisFNetPnPEvent, NdisFOidRequest, NdisFOidRequestComplete, NdisFPauseComplete,
    NdisFReturnNetBufferLists, NdisFSendNetBufferLists, NdisFSendNetBufferListsComplete,
    NdisFSetAttributes, NdisFreeCloneOidRequest,
};
use ndis_bindings::ipsecov2_abi::{
    NdisRequestQueryInformation, NdisRequestQueryStatistics, NdisRequestSetInformation,
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES,
    NDIS_OBJECT_TYPE_STATUS_INDICATION, NDIS_OFFLOAD, NDIS_OID_REQUEST, NDIS_PORT_NUMBER,
    NDIS_RETURN_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL, NDIS_STATUS,
    NDIS_STATUS_FAILURE, NDIS_STATUS_INVALID_DATA, NDIS_STATUS_INVALID_PARAMETER,
    NDIS_STATUS_PAUSED, NDIS_STATUS_PENDING, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS,
    NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG, NET_BUFFER_LIST, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, PVOID, ULONG,
};
use ndis_bindings::runtime::{dbg_print, dbg_print_status, PoolBox, SpinLock};
use ndis_bindings::{
    net_buffer_list_chain_len, net_buffer_list_chain_set_status, NdisMedium802_3,
    DPFLTR_ERROR_LEVEL, DPFLTR_INFO_LEVEL, GUID, NDIS_FILTER_ATTACH_PARAMETERS,
    NDIS_FILTER_ATTRIBUTES, NDIS_FILTER_ATTRIBUTES_REVISION_1, NDIS_FILTER_PAUSE_PARAMETERS,
    NDIS_FILTER_RESTART_PARAMETERS, NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1,
    NDIS_SIZEOF_STATUS_INDICATION_REVISION_1, NDIS_STATUS_INDICATION,
    NDIS_STATUS_INDICATION_REVISION_1, NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL,
    NDIS_TEST_RECEIVE_CAN_PEND, NDIS_TEST_RETURN_AT_DISPATCH_LEVEL,
    NDIS_TEST_SEND_AT_DISPATCH_LEVEL, NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL,
    NET_DEVICE_PNP_EVENT, NET_PNP_EVENT_NOTIFICATION,
};

use super::datapath::{complete_sent, KernelMdlMapper, KernelSendSink, KernelTxPool, ScratchPool};
use super::setup;
use crate::config::FilterConfig;
use crate::names::POOL_TAG;
use crate::offload::{self, OffloadReport};
use crate::oid_clone;
use crate::state::{Completion, FilterModule, PauseStart, ReceiveVerdict, SendVerdict, StateError};

/// The SA table's lock in the kernel (`EX_SPIN_LOCK`); the table itself is
/// `ipsecov2_kernel_sync::KernelSaTable<OffloadSa>`.
type KernelLock = ExSpinRwLock<TableState<OffloadSa>>;

/// Per-module context (the `FilterModuleContext` NDIS hands back to every callback), in
/// non-paged pool from attach to detach. Dropped in field order at detach: the filter core
/// first (its SA table zeroizes every key), then the pools.
struct ModuleContext {
    /// `NdisFilterHandle` of this module.
    filter_handle: NDIS_HANDLE,
    /// State machine and outstanding-NBL counts, under the module's spin lock.
    state: SpinLock<FilterModule>,
    /// The keywords read at attach.
    config: FilterConfig,
    /// The portable filter core over the module's SA table (`KernelSaTable`).
    core: FilterCore<KernelLock>,
    /// Filter-owned transmit buffers.
    tx_pool: KernelTxPool,
    /// Receive scratch buffers.
    scratch: ScratchPool,
    /// The miniport's current offload configuration (attach parameters, then every
    /// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` from below).
    miniport_offload: SpinLock<Option<NDIS_OFFLOAD>>,
}

type ModuleBox = PoolBox<ModuleContext, POOL_TAG>;

/// The module behind a `FilterModuleContext`.
fn module<'a>(context: NDIS_HANDLE) -> Option<&'a ModuleContext> {
    // SAFETY: every FilterModuleContext NDIS passes is the pointer `filter_attach` registered
    // with NdisFSetAttributes; it stays valid until `filter_detach`, after which NDIS makes no
    // further call for the module.
    unsafe { context.cast::<ModuleContext>().as_ref() }
}

fn report(error: StateError) {
    // The transition was refused and the state left unchanged; NDIS broke its own sequence.
    let _ = error;
    dbg_print(
        DPFLTR_ERROR_LEVEL,
        c"ipsecov2lwf: unexpected filter state transition",
    );
}

/// `FilterSetOptions` — PASSIVE_LEVEL. No optional services are registered.
pub(super) unsafe extern "system" fn filter_set_options(
    _ndis_driver_handle: NDIS_HANDLE,
    _driver_context: NDIS_HANDLE,
) -> NDIS_STATUS {
    NDIS_STATUS_SUCCESS
}

/// `FilterSetModuleOptions` — PASSIVE_LEVEL. Keeps the default (all) data-path handlers.
pub(super) unsafe extern "system" fn filter_set_module_options(
    _context: NDIS_HANDLE,
) -> NDIS_STATUS {
    NDIS_STATUS_SUCCESS
}

/// Copies an `NDIS_OFFLOAD` of which `valid` bytes are readable at `src` (the rest zero).
///
/// # Safety
///
/// `src` must be readable for `valid` bytes (or null).
unsafe fn read_offload(src: *const u8, valid: usize) -> Option<NDIS_OFFLOAD> {
    if src.is_null() {
        return None;
    }
    let mut local = NDIS_OFFLOAD::default();
    let n = valid.min(core::mem::size_of::<NDIS_OFFLOAD>());
    let dst: *mut NDIS_OFFLOAD = &mut local;
    // SAFETY: `src` is readable for `n` ≤ `valid` bytes (contract); `dst` is a local of
    // `size_of::<NDIS_OFFLOAD>()` ≥ `n` bytes whose fields accept any bit pattern.
    unsafe { core::ptr::copy_nonoverlapping(src, dst.cast::<u8>(), n) };
    offload::plausible(&local, n).then_some(local)
}

/// The miniport's `DefaultOffloadConfiguration` (its `Header.Size` bytes).
fn default_offload(params: &NDIS_FILTER_ATTACH_PARAMETERS) -> Option<NDIS_OFFLOAD> {
    let p = params.DefaultOffloadConfiguration;
    if p.is_null() {
        return None;
    }
    // SAFETY: NDIS passes a valid NDIS_OFFLOAD for the duration of FilterAttach; its header is
    // readable.
    let header = unsafe { (*p).Header };
    // SAFETY: the structure is `Header.Size` bytes long (the miniport's revision).
    unsafe { read_offload(p.cast::<u8>(), usize::from(header.Size)) }
}

/// The module context: keywords, SA table, filter core and pools. PASSIVE_LEVEL.
fn new_module(
    filter_handle: NDIS_HANDLE,
    params: &NDIS_FILTER_ATTACH_PARAMETERS,
) -> Result<ModuleBox, NDIS_STATUS> {
    let config = setup::read_config(filter_handle);
    let seed = TableSeed::from_words(setup::table_seed(filter_handle as usize));
    let capacity =
        usize::try_from(config.sa_offload_capacity).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let table = SaTable::<OffloadSa, KernelLock>::with_capacity(capacity, seed)
        .map_err(|_| NDIS_STATUS_RESOURCES)?;
    let core = FilterCore::new(OffloadSas::new(table));
    let size = usize::try_from(config.tx_buffer_size).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let count = usize::try_from(config.tx_buffer_count).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let scratch_count =
        usize::try_from(config.rx_scratch_count).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let tx_pool = KernelTxPool::new(filter_handle, count, size).ok_or(NDIS_STATUS_RESOURCES)?;
    let scratch = ScratchPool::new(scratch_count, size).ok_or(NDIS_STATUS_RESOURCES)?;
    ModuleBox::try_new(ModuleContext {
        filter_handle,
        state: SpinLock::new(FilterModule::new()),
        config,
        core,
        tx_pool,
        scratch,
        miniport_offload: SpinLock::new(default_offload(params)),
    })
    .ok_or(NDIS_STATUS_RESOURCES)
}

/// `FilterAttach` — PASSIVE_LEVEL. Ethernet only (the INF's `FilterMediaTypes`). Reads the
/// keywords, builds the SA table (`SaOffloadCapacity`), the filter core and the pools, and
/// remembers the miniport's offload configuration (advertised with IPsecOV2 at restart).
pub(super) unsafe extern "system" fn filter_attach(
    ndis_filter_handle: NDIS_HANDLE,
    _driver_context: NDIS_HANDLE,
    attach_parameters: *mut NDIS_FILTER_ATTACH_PARAMETERS,
) -> NDIS_STATUS {
    // SAFETY: NDIS passes valid attach parameters for the duration of the call.
    let Some(params) = (unsafe { attach_parameters.as_ref() }) else {
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    if params.MiniportMediaType != NdisMedium802_3 {
        dbg_print(
            DPFLTR_INFO_LEVEL,
            c"ipsecov2lwf: not attaching to a non-Ethernet miniport",
        );
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    let context = match new_module(ndis_filter_handle, params) {
        Ok(c) => c,
        Err(status) => {
            dbg_print_status(
                DPFLTR_ERROR_LEVEL,
                c"ipsecov2lwf: module allocation failed",
                status,
            );
            return status;
        }
    };
    let mut attributes = NDIS_FILTER_ATTRIBUTES {
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES,
            NDIS_FILTER_ATTRIBUTES_REVISION_1,
            NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1,
        ),
        Flags: 0,
    };
    let context_ptr: *const ModuleContext = &*context;
    // SAFETY: PASSIVE_LEVEL inside FilterAttach, the only place NdisFSetAttributes may be
    // called; the context pointer stays valid until FilterDetach (the box is leaked below).
    let status = unsafe {
        NdisFSetAttributes(
            ndis_filter_handle,
            context_ptr.cast_mut().cast(),
            &mut attributes,
        )
    };
    if status != NDIS_STATUS_SUCCESS {
        if let Err(e) = context.state.lock().attach_failed() {
            report(e);
        }
        dbg_print_status(
            DPFLTR_ERROR_LEVEL,
            c"ipsecov2lwf: NdisFSetAttributes failed",
            status,
        );
        return status;
    }
    if let Err(e) = context.state.lock().attached() {
        report(e);
    }
    let _ = context.into_raw();
    NDIS_STATUS_SUCCESS
}

/// `FilterDetach` — PASSIVE_LEVEL. The module is paused (every send completed, every receive
/// returned); frees its context: the SA table (keys zeroized), the transmit pool (NBLs, MDLs,
/// buffers, NBL pool) and the scratch buffers.
pub(super) unsafe extern "system" fn filter_detach(context: NDIS_HANDLE) {
    let Some(raw) = NonNull::new(context.cast::<ModuleContext>()) else {
        return;
    };
    // SAFETY: `context` is the pointer `filter_attach` leaked from a ModuleBox; NDIS calls
    // FilterDetach once, after which it passes the context no more.
    let boxed = unsafe { ModuleBox::from_raw(raw) };
    if let Err(e) = boxed.state.lock().detach() {
        report(e);
    }
    drop(boxed);
}

/// Indicates `miniport` as this filter reports it (`report`), either as a rewrite of the
/// indication from below (`from_below`) or as the filter's own indication. ≤ DISPATCH_LEVEL.
fn indicate_offload(
    m: &ModuleContext,
    miniport: &NDIS_OFFLOAD,
    report: OffloadReport,
    from_below: Option<&NDIS_STATUS_INDICATION>,
) {
    let out = offload::advertised(miniport, &m.config, report);
    let out_ptr: *const NDIS_OFFLOAD = &out;
    let mut indication = match from_below {
        Some(i) => *i,
        None => NDIS_STATUS_INDICATION {
            Header: NDIS_OBJECT_HEADER::new(
                NDIS_OBJECT_TYPE_STATUS_INDICATION,
                NDIS_STATUS_INDICATION_REVISION_1,
                NDIS_SIZEOF_STATUS_INDICATION_REVISION_1,
            ),
            SourceHandle: m.filter_handle,
            PortNumber: 0,
            StatusCode: NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
            Flags: 0,
            DestinationHandle: core::ptr::null_mut(),
            RequestId: core::ptr::null_mut(),
            StatusBuffer: core::ptr::null_mut(),
            StatusBufferSize: 0,
            Guid: GUID::default(),
            NdisReserved: [core::ptr::null_mut(); 4],
        },
    };
    indication.StatusBuffer = out_ptr.cast_mut().cast();
    indication.StatusBufferSize = ULONG::from(out.Header.Size);
    // SAFETY: ≤ DISPATCH_LEVEL; the indication and its NDIS_OFFLOAD are locals that outlive the
    // call (NDIS copies what it keeps).
    unsafe { NdisFIndicateStatus(m.filter_handle, &mut indication) };
}

/// `FilterRestart` — PASSIVE_LEVEL. Paused → Restarting → Running, then indicates
/// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` with IPsecOV2 added, so that TCP/IP (bound above)
/// learns the offload this filter provides ("filter drivers can modify the task offload services
/// an underlying stack reports": the attach parameters' configuration, status indications and
/// offload OID answers are rewritten).
pub(super) unsafe extern "system" fn filter_restart(
    context: NDIS_HANDLE,
    _restart_parameters: *mut NDIS_FILTER_RESTART_PARAMETERS,
) -> NDIS_STATUS {
    let Some(m) = module(context) else {
        return NDIS_STATUS_FAILURE;
    };
    if let Err(e) = m.state.lock().restart() {
        report(e);
        return NDIS_STATUS_FAILURE;
    }
    if let Err(e) = m.state.lock().restarted(true) {
        report(e);
        return NDIS_STATUS_FAILURE;
    }
    let miniport = *m.miniport_offload.lock();
    if let Some(miniport) = miniport {
        indicate_offload(m, &miniport, OffloadReport::CurrentConfig, None);
    }
    NDIS_STATUS_SUCCESS
}

/// `FilterPause` — PASSIVE_LEVEL. Completes at once when nothing is outstanding, else pends until
/// the last send completion / receive return calls `NdisFPauseComplete`.
pub(super) unsafe extern "system" fn filter_pause(
    context: NDIS_HANDLE,
    _pause_parameters: *mut NDIS_FILTER_PAUSE_PARAMETERS,
) -> NDIS_STATUS {
    let Some(m) = module(context) else {
        return NDIS_STATUS_SUCCESS;
    };
    let verdict = m.state.lock().pause();
    match verdict {
        Ok(PauseStart::Completed) => NDIS_STATUS_SUCCESS,
        Ok(PauseStart::Pending) => NDIS_STATUS_PENDING,
        Err(e) => {
            // FilterPause may only succeed or pend; a module that is not running has nothing
            // in flight.
            report(e);
            NDIS_STATUS_SUCCESS
        }
    }
}

fn finish(m: &ModuleContext, completion: Result<Completion, StateError>) {
    match completion {
        Ok(Completion::PauseComplete) => {
            // SAFETY: the module was pausing and its last outstanding NBL just came back;
            // NdisFPauseComplete is callable at ≤ DISPATCH_LEVEL.
            unsafe { NdisFPauseComplete(m.filter_handle) };
        }
        Ok(Completion::None) => {}
        Err(e) => report(e),
    }
}

/// `FilterSendNetBufferLists` — ≤ DISPATCH_LEVEL (`NDIS_SEND_FLAGS_DISPATCH_LEVEL` says which;
/// the module lock is taken accordingly). While Running: `FilterCore::send` with the kernel
/// mapper, pool and sink; the NBLs to pass down (untouched originals and filter-owned protected
/// copies, in the original order) go down in one chain, the failures are completed at once with
/// the status the core set. Otherwise the chain is completed with `NDIS_STATUS_PAUSED`.
pub(super) unsafe extern "system" fn filter_send_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    port: NDIS_PORT_NUMBER,
    send_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    let at_dispatch = NDIS_TEST_SEND_AT_DISPATCH_LEVEL(send_flags);
    let complete_flags = if at_dispatch {
        NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL
    } else {
        0
    };
    // SAFETY: NDIS hands the filter a null-terminated chain it owns until completed.
    let count = unsafe { net_buffer_list_chain_len(nbls) };
    let verdict = m.state.lock_from(at_dispatch).send(count);
    match verdict {
        SendVerdict::PassDown => {
            // SAFETY: NDIS handed this chain of live NBLs (locked, mapped-or-mappable MDLs) to
            // the filter, which owns it until it passes each NBL down or completes it; the core
            // gives every NBL to the sink exactly once and nothing else touches them meanwhile.
            let chain = unsafe { NblChain::from_raw(nbls) };
            let pool = &m.tx_pool;
            let mut sink = KernelSendSink::new(pool, m.filter_handle);
            m.core.send(chain, &KernelMdlMapper, &pool, &mut sink);
            let down = core::mem::replace(&mut sink.down, super::datapath::RawChain::new());
            let done = core::mem::replace(&mut sink.done, super::datapath::RawChain::new());
            drop(sink);
            if !down.head().is_null() {
                // SAFETY: the chain holds originals the filter passes on and filter-owned NBLs
                // (SourceHandle = this module); same port and flags.
                unsafe { NdisFSendNetBufferLists(m.filter_handle, down.head(), port, send_flags) };
            }
            if !done.head().is_null() {
                // SAFETY: originals the core completed (Status set), returned once.
                unsafe {
                    NdisFSendNetBufferListsComplete(m.filter_handle, done.head(), complete_flags)
                };
                let completion = m.state.lock_from(at_dispatch).send_completed(done.count());
                finish(m, completion);
            }
        }
        SendVerdict::CompletePaused => {
            // SAFETY: the filter owns the chain and completes it itself.
            unsafe { net_buffer_list_chain_set_status(nbls, NDIS_STATUS_PAUSED) };
            // SAFETY: returns the whole chain to the protocol above, once.
            unsafe { NdisFSendNetBufferListsComplete(m.filter_handle, nbls, complete_flags) };
        }
    }
}

/// `FilterSendNetBufferListsComplete` — ≤ DISPATCH_LEVEL
/// (`NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL`). Filter-owned NBLs (recognised by their NBL
/// pool) give their original the copy's status and go back to the pool; the originals and the
/// passed-through NBLs are completed up.
pub(super) unsafe extern "system" fn filter_send_net_buffer_lists_complete(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    send_complete_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    let up = complete_sent(&m.tx_pool, nbls);
    if !up.head().is_null() {
        // SAFETY: completes to the protocol above the NBLs it sent (statuses set), once.
        unsafe { NdisFSendNetBufferListsComplete(m.filter_handle, up.head(), send_complete_flags) };
    }
    let completion = m
        .state
        .lock_from(NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(
            send_complete_flags,
        ))
        .send_completed(up.count());
    finish(m, completion);
}

/// `FilterCancelSendNetBufferLists` — ≤ DISPATCH_LEVEL. Nothing is queued here; pass it down
/// (the filter-owned copies carry the original's cancel id).
pub(super) unsafe extern "system" fn filter_cancel_send_net_buffer_lists(
    context: NDIS_HANDLE,
    cancel_id: PVOID,
) {
    if let Some(m) = module(context) {
        // SAFETY: forwards the protocol's cancel id below.
        unsafe { NdisFCancelSendNetBufferLists(m.filter_handle, cancel_id) };
    }
}

/// `FilterReceiveNetBufferLists` — ≤ DISPATCH_LEVEL (`NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL`).
/// While Running: `FilterCore::receive` verifies and decrypts in place (into a scratch buffer
/// taken for this call) and sets the IPsecOV2 slots, then the whole chain is indicated up.
/// Everything happens inside this call, so `NDIS_RECEIVE_FLAGS_RESOURCES` changes nothing
/// (docs/filter-core.md): the flags are passed up unchanged and the state machine accounts for
/// the retained-or-not chain as before.
pub(super) unsafe extern "system" fn filter_receive_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    port: NDIS_PORT_NUMBER,
    number_of_nbls: ULONG,
    receive_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    let at_dispatch = NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(receive_flags);
    let can_pend = NDIS_TEST_RECEIVE_CAN_PEND(receive_flags);
    let verdict = m
        .state
        .lock_from(at_dispatch)
        .receive(number_of_nbls, can_pend);
    match verdict {
        ReceiveVerdict::Indicate => {
            {
                // SAFETY: the miniport lent this chain to the filter for the duration of the
                // indication (a modifying filter may change it unless an NBL says read-only,
                // which the core honours); nothing else touches it until it is indicated up
                // below, after `chain` is gone.
                let mut chain = unsafe { NblChain::from_raw(nbls) };
                let mut scratch = m.scratch.take();
                m.core
                    .receive(&mut chain, &KernelMdlMapper, scratch.bytes_mut());
            }
            // SAFETY: passes the chain up with the same count and flags.
            unsafe {
                NdisFIndicateReceiveNetBufferLists(
                    m.filter_handle,
                    nbls,
                    port,
                    number_of_nbls,
                    receive_flags,
                )
            };
        }
        ReceiveVerdict::ReturnToMiniport => {
            let flags = if at_dispatch {
                NDIS_RETURN_FLAGS_DISPATCH_LEVEL
            } else {
                0
            };
            // SAFETY: the chain may be retained (no RESOURCES flag), so the filter returns it.
            unsafe { NdisFReturnNetBufferLists(m.filter_handle, nbls, flags) };
        }
        ReceiveVerdict::Drop => {}
    }
}

/// `FilterReturnNetBufferLists` — ≤ DISPATCH_LEVEL.
pub(super) unsafe extern "system" fn filter_return_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    return_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: the chain returned to the filter is one it indicated up.
    let count = unsafe { net_buffer_list_chain_len(nbls) };
    let completion = m
        .state
        .lock_from(NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(return_flags))
        .receive_returned(count);
    // SAFETY: returns the chain to the miniport below.
    unsafe { NdisFReturnNetBufferLists(m.filter_handle, nbls, return_flags) };
    finish(m, completion);
}

/// Which OID path a request travels.
#[derive(Clone, Copy)]
enum OidPath {
    Regular,
    Direct,
}

/// The four IPsecOV2 SA OIDs, answered by `FilterCore::oid` over the request's
/// InformationBuffer; `None` for every other OID (cloned and passed down). The request is
/// completed inline: the returned status is the handler's return value.
fn ipsec_oid(m: &ModuleContext, request: *mut NDIS_OID_REQUEST) -> Option<NDIS_STATUS> {
    // SAFETY: NDIS passes a valid request owned by the filter until it is completed.
    let req = unsafe { request.as_mut() }?;
    // SAFETY: every view of the DATA union starts with the OID.
    let oid = unsafe { req.DATA.Oid };
    if !matches!(
        oid,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA
            | OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX
            | OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA
            | OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA
    ) {
        return None;
    }
    let request_type = req.RequestType;
    let is_set = request_type == NdisRequestSetInformation;
    let mut set = if is_set {
        // SAFETY: `RequestType` is NdisRequestSetInformation, so SET_INFORMATION is the view.
        Some(unsafe { req.DATA.SET_INFORMATION })
    } else {
        None
    };
    let (ptr, len) = set.map_or((core::ptr::null_mut(), 0), |s| {
        (s.InformationBuffer.cast::<u8>(), s.InformationBufferLength)
    });
    // SAFETY: NDIS guarantees the InformationBuffer of a request is valid for reads and writes
    // of InformationBufferLength bytes, used by nobody else, until the request completes (inline,
    // below).
    let Some(mut buf) = (unsafe { ipsecov2_oid::raw::info_buffer_from_raw(ptr, len) }) else {
        return Some(NDIS_STATUS_INVALID_DATA);
    };
    let completion = m.core.oid(oid, request_type, &mut buf)?;
    if let Some(s) = set.as_mut() {
        s.BytesRead = completion.bytes_read;
        s.BytesNeeded = completion.bytes_needed;
        req.DATA.SET_INFORMATION = *s;
    }
    Some(completion.status)
}

/// Rewrites the answer of a completed `OID_TCP_OFFLOAD_CURRENT_CONFIG` /
/// `OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES` query in the original request's InformationBuffer:
/// the miniport's `NDIS_OFFLOAD` with IPsecOV2 added. Left as it is when the buffer cannot hold
/// the rewritten structure or does not look like an `NDIS_OFFLOAD`.
fn rewrite_offload_answer(m: &ModuleContext, original: &mut NDIS_OID_REQUEST, status: NDIS_STATUS) {
    if status != NDIS_STATUS_SUCCESS
        || (original.RequestType != NdisRequestQueryInformation
            && original.RequestType != NdisRequestQueryStatistics)
    {
        return;
    }
    // SAFETY: a query request: QUERY_INFORMATION is the view of the DATA union.
    let mut q = unsafe { original.DATA.QUERY_INFORMATION };
    let Some(report) = OffloadReport::from_oid(q.Oid) else {
        return;
    };
    let buffer = q.InformationBuffer.cast::<u8>();
    let valid = q.BytesWritten.min(q.InformationBufferLength) as usize;
    // SAFETY: the InformationBuffer is valid for InformationBufferLength ≥ `valid` bytes until
    // the original completes (after this function).
    let Some(miniport) = (unsafe { read_offload(buffer, valid) }) else {
        return;
    };
    if report == OffloadReport::CurrentConfig {
        *m.miniport_offload.lock() = Some(miniport);
    }
    let out = offload::advertised(&miniport, &m.config, report);
    let Some(n) = offload::fits(&out, q.InformationBufferLength as usize) else {
        return;
    };
    let src: *const NDIS_OFFLOAD = &out;
    // SAFETY: `n` ≤ InformationBufferLength bytes of the caller's buffer (checked by `fits`) and
    // ≤ size_of::<NDIS_OFFLOAD>() bytes of `out`; the two do not overlap.
    unsafe { core::ptr::copy_nonoverlapping(src.cast::<u8>(), buffer, n) };
    q.BytesWritten = q.BytesWritten.max(u32::try_from(n).unwrap_or(0));
    original.DATA.QUERY_INFORMATION = q;
}

/// Clones `request`, remembers the original in the clone, and sends the clone down; completes
/// it here when the call below does not pend. Returns `NDIS_STATUS_PENDING` or the failure.
fn forward_oid(m: &ModuleContext, request: *mut NDIS_OID_REQUEST, path: OidPath) -> NDIS_STATUS {
    // SAFETY: NDIS passes a valid request owned by the filter until completed.
    let Some(original) = (unsafe { request.as_ref() }) else {
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    let mut clone: *mut NDIS_OID_REQUEST = core::ptr::null_mut();
    // SAFETY: ≤ DISPATCH_LEVEL; NDIS allocates a copy of `request` tagged POOL_TAG.
    let status =
        unsafe { NdisAllocateCloneOidRequest(m.filter_handle, request, POOL_TAG, &mut clone) };
    if status != NDIS_STATUS_SUCCESS {
        return NDIS_STATUS_RESOURCES;
    }
    // SAFETY: the clone was just allocated by NDIS for this filter and is not yet shared.
    let Some(clone_ref) = (unsafe { clone.as_mut() }) else {
        return NDIS_STATUS_RESOURCES;
    };
    oid_clone::prepare_clone(clone_ref, original, request as usize);
    let status = match path {
        // SAFETY: the clone belongs to this filter module; NDIS completes it through
        // FilterOidRequestComplete when the call pends.
        OidPath::Regular => unsafe { NdisFOidRequest(m.filter_handle, clone) },
        // SAFETY: as above, through FilterDirectOidRequestComplete.
        OidPath::Direct => unsafe { NdisFDirectOidRequest(m.filter_handle, clone) },
    };
    if status != NDIS_STATUS_PENDING {
        complete_oid(m, clone, status, path);
    }
    NDIS_STATUS_PENDING
}

/// Copies the clone's results into the original, frees the clone and completes the original.
fn complete_oid(
    m: &ModuleContext,
    clone: *mut NDIS_OID_REQUEST,
    status: NDIS_STATUS,
    path: OidPath,
) {
    // SAFETY: `clone` is a request this filter sent down and NDIS hands back on completion.
    let Some(clone_ref) = (unsafe { clone.as_mut() }) else {
        return;
    };
    let original = oid_clone::take_original(clone_ref) as *mut NDIS_OID_REQUEST;
    // SAFETY: the stored address is the original request, which NDIS keeps alive until the
    // filter completes it (below).
    let Some(original_ref) = (unsafe { original.as_mut() }) else {
        dbg_print(
            DPFLTR_ERROR_LEVEL,
            c"ipsecov2lwf: OID completion without an original request",
        );
        return;
    };
    oid_clone::copy_back(original_ref, clone_ref);
    rewrite_offload_answer(m, original_ref, status);
    // SAFETY: the clone came from NdisAllocateCloneOidRequest and is freed once.
    unsafe { NdisFreeCloneOidRequest(m.filter_handle, clone) };
    match path {
        // SAFETY: completes the original request NDIS gave this filter, once.
        OidPath::Regular => unsafe { NdisFOidRequestComplete(m.filter_handle, original, status) },
        // SAFETY: as above on the direct path.
        OidPath::Direct => unsafe {
            NdisFDirectOidRequestComplete(m.filter_handle, original, status)
        },
    }
}

/// `FilterOidRequest` — ≤ DISPATCH_LEVEL. The IPsecOV2 SA OIDs are answered here (never passed
/// down); every other OID is cloned and passed down.
pub(super) unsafe extern "system" fn filter_oid_request(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    match module(context) {
        Some(m) => {
            ipsec_oid(m, request).unwrap_or_else(|| forward_oid(m, request, OidPath::Regular))
        }
        None => NDIS_STATUS_INVALID_PARAMETER,
    }
}

/// `FilterOidRequestComplete` — ≤ DISPATCH_LEVEL. Offload queries get IPsecOV2 added.
pub(super) unsafe extern "system" fn filter_oid_request_complete(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
    status: NDIS_STATUS,
) {
    if let Some(m) = module(context) {
        complete_oid(m, request, status, OidPath::Regular);
    }
}

/// `FilterCancelOidRequest` — ≤ DISPATCH_LEVEL. The clone carries the original's `RequestId`.
pub(super) unsafe extern "system" fn filter_cancel_oid_request(
    context: NDIS_HANDLE,
    request_id: PVOID,
) {
    if let Some(m) = module(context) {
        // SAFETY: forwards the cancel of a request id below.
        unsafe { NdisFCancelOidRequest(m.filter_handle, request_id) };
    }
}

/// `FilterDirectOidRequest` — ≤ DISPATCH_LEVEL. TCP/IP sends the IPsecOV2 SA OIDs on this path;
/// they are answered here, others cloned and passed down.
pub(super) unsafe extern "system" fn filter_direct_oid_request(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    match module(context) {
        Some(m) => {
            ipsec_oid(m, request).unwrap_or_else(|| forward_oid(m, request, OidPath::Direct))
        }
        None => NDIS_STATUS_INVALID_PARAMETER,
    }
}

/// `FilterDirectOidRequestComplete` — ≤ DISPATCH_LEVEL.
pub(super) unsafe extern "system" fn filter_direct_oid_request_complete(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
    status: NDIS_STATUS,
) {
    if let Some(m) = module(context) {
        complete_oid(m, request, status, OidPath::Direct);
    }
}

/// `FilterCancelDirectOidRequest` — ≤ DISPATCH_LEVEL.
pub(super) unsafe extern "system" fn filter_cancel_direct_oid_request(
    context: NDIS_HANDLE,
    request_id: PVOID,
) {
    if let Some(m) = module(context) {
        // SAFETY: forwards the cancel of a direct request id below.
        unsafe { NdisFCancelDirectOidRequest(m.filter_handle, request_id) };
    }
}

/// `FilterStatus` — ≤ DISPATCH_LEVEL. `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` and
/// `NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES` from below are indicated up with IPsecOV2
/// added (and the current configuration remembered for the next restart); everything else is
/// passed up unchanged.
pub(super) unsafe extern "system" fn filter_status(
    context: NDIS_HANDLE,
    indication: *mut NDIS_STATUS_INDICATION,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: NDIS passes a valid indication for the duration of the call.
    let below = unsafe { indication.as_ref() }.copied();
    if let Some(below) = below {
        if let Some(report) = OffloadReport::from_status(below.StatusCode) {
            // SAFETY: StatusBuffer holds StatusBufferSize bytes for the duration of the call.
            let miniport = unsafe {
                read_offload(
                    below.StatusBuffer.cast::<u8>(),
                    below.StatusBufferSize as usize,
                )
            };
            if let Some(miniport) = miniport {
                if report == OffloadReport::CurrentConfig {
                    *m.miniport_offload.lock() = Some(miniport);
                }
                indicate_offload(m, &miniport, report, Some(&below));
                return;
            }
        }
    }
    // SAFETY: forwards the miniport's indication, valid for the duration of the call.
    unsafe { NdisFIndicateStatus(m.filter_handle, indication) };
}

/// `FilterNetPnPEvent` — PASSIVE_LEVEL. Passed up.
pub(super) unsafe extern "system" fn filter_net_pnp_event(
    context: NDIS_HANDLE,
    notification: *mut NET_PNP_EVENT_NOTIFICATION,
) -> NDIS_STATUS {
    match module(context) {
        // SAFETY: forwards the notification, valid for the duration of the call.
        Some(m) => unsafe { NdisFNetPnPEvent(m.filter_handle, notification) },
        None => NDIS_STATUS_SUCCESS,
    }
}

/// `FilterDevicePnPEventNotify` — PASSIVE_LEVEL. Passed down.
pub(super) unsafe extern "system" fn filter_device_pnp_event_notify(
    context: NDIS_HANDLE,
    event: *mut NET_DEVICE_PNP_EVENT,
) {
    if let Some(m) = module(context) {
        // SAFETY: forwards the event, valid for the duration of the call.
        unsafe { NdisFDevicePnPEventNotify(m.filter_handle, event) };
    }
}
