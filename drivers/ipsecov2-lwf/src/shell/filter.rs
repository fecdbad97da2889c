//! The NDIS filter callbacks. Each one hands over to the portable filter core's filter module
//! (`ipsecov2_filter_core::module::FilterModule`, one per filter module context) through the
//! kernel implementation of its NDIS abstraction ([`KernelPort`], built for the call); what is
//! left here is NDIS mechanics: pointers to chains and requests, which flags say DISPATCH_LEVEL,
//! the `NDIS_STATUS_INDICATION` ↔ [`StatusIndication`] view.
//!
//! | callback | goes to |
//! |---|---|
//! | `FilterAttach` | keywords ([`setup::read_config`]), `KernelSaTable`, `FilterCore::new`, the transmit and scratch pools, `FilterModule::attach` with the attach parameters' `DefaultOffloadConfiguration` |
//! | `FilterDetach` | `FilterModule::detach` (every SA removed and zeroized), then everything freed |
//! | `FilterRestart` | `FilterModule::restart` (offload capabilities and configuration indicated up) |
//! | `FilterPause` | `FilterModule::pause` (pending: `NdisFPauseComplete` through the port when the last NBL is back) |
//! | `FilterSendNetBufferLists` | `FilterModule::send` (`KernelMdlMapper`, `KernelTxPool`) |
//! | `FilterSendNetBufferListsComplete` | `FilterModule::send_complete` |
//! | `FilterReceiveNetBufferLists` | `FilterModule::receive` (a scratch buffer taken for the call) |
//! | `FilterReturnNetBufferLists` | `FilterModule::return_receives` |
//! | `FilterOidRequest` / `FilterDirectOidRequest` | `FilterModule::oid_request` |
//! | `FilterOidRequestComplete` / `FilterDirectOidRequestComplete` | the clone's results copied back, then `FilterModule::oid_request_complete` |
//! | `FilterStatus` | `FilterModule::status` |
//!
//! The cancel and PnP callbacks are passed on as they are.

use core::mem::offset_of;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use ipsecov2_filter_core::module::{FilterModule, ModuleState, StatusIndication};
use ipsecov2_filter_core::state::{PauseStart, StateError};
use ipsecov2_filter_core::{FilterCore, ModuleStats};
use ipsecov2_kernel_sync::ExSpinRwLock;
use ipsecov2_nbl::NblChain;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_satable::{SaTable, TableSeed, TableState};
use ndis_bindings::ffi::{
    NdisFCancelDirectOidRequest, NdisFCancelOidRequest, NdisFCancelSendNetBufferLists,
    NdisFDevicePnPEventNotify, NdisFNetPnPEvent, NdisFSetAttributes,
};
use ndis_bindings::ipsecov2_abi::{
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES, NDIS_OFFLOAD,
    NDIS_OID_REQUEST, NDIS_PORT_NUMBER, NDIS_STATUS, NDIS_STATUS_FAILURE,
    NDIS_STATUS_INVALID_PARAMETER, NDIS_STATUS_PENDING, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS,
    NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG, NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
    NET_BUFFER_LIST, PVOID, ULONG,
};
use ndis_bindings::runtime::{dbg_print, dbg_print_status, PoolBox};
use ndis_bindings::{
    NdisMedium802_3, DPFLTR_ERROR_LEVEL, DPFLTR_INFO_LEVEL, NDIS_FILTER_ATTACH_PARAMETERS,
    NDIS_FILTER_ATTRIBUTES, NDIS_FILTER_ATTRIBUTES_REVISION_1, NDIS_FILTER_PAUSE_PARAMETERS,
    NDIS_FILTER_RESTART_PARAMETERS, NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1,
    NDIS_STATUS_INDICATION, NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL, NDIS_TEST_SEND_AT_DISPATCH_LEVEL,
    NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL, NET_DEVICE_PNP_EVENT, NET_PNP_EVENT_NOTIFICATION,
};

use super::datapath::{KernelMdlMapper, KernelTxPool, ScratchPool};
use super::port::{KernelOid, KernelPort, OidPath};
use super::setup;
use crate::config::FilterConfig;
use crate::names::POOL_TAG;
use crate::offload;

/// The SA table's lock in the kernel (`EX_SPIN_LOCK`); the table itself is
/// `ipsecov2_kernel_sync::KernelSaTable<OffloadSa>`.
type KernelLock = ExSpinRwLock<TableState<OffloadSa>>;

/// The filter module in the kernel: its SA table and its state (state machine, outstanding
/// NBLs, enabled offloads, the miniport's offloads) each under an `EX_SPIN_LOCK`.
type KernelModule = FilterModule<KernelLock, ExSpinRwLock<ModuleState>>;

/// Per-module context (the `FilterModuleContext` NDIS hands back to every callback), in
/// non-paged pool from attach to detach. Dropped in field order at detach: the module first (its
/// SA table zeroizes every key), then the pools.
struct ModuleContext {
    /// `NdisFilterHandle` of this module.
    filter_handle: NDIS_HANDLE,
    /// The portable filter module.
    module: KernelModule,
    /// Filter-owned transmit buffers.
    tx_pool: KernelTxPool,
    /// Receive scratch buffers.
    scratch: ScratchPool,
}

impl ModuleContext {
    /// A port for one callback of this module (flags clear; the callback adds its own).
    fn port(&self) -> KernelPort<'_> {
        KernelPort::new(self.filter_handle, &self.tx_pool)
    }
}

type ModuleBox = PoolBox<ModuleContext, POOL_TAG>;

/// The module behind a `FilterModuleContext`.
fn module<'a>(context: NDIS_HANDLE) -> Option<&'a ModuleContext> {
    // SAFETY: every FilterModuleContext NDIS passes is the pointer `filter_attach` registered
    // with NdisFSetAttributes; it stays valid until `filter_detach`, after which NDIS makes no
    // further call for the module.
    unsafe { context.cast::<ModuleContext>().as_ref() }
}

/// The counters of the module whose context is `context` (`FilterModule::module_counters`,
/// no allocation) and the SA bundles in its table: the test family's `TestModuleStats`.
/// Called under the control lock, with `context` taken from the control state's module
/// registry.
pub(super) fn module_counters(context: usize) -> Option<(ModuleStats, usize)> {
    let ptr = context as *const ModuleContext;
    // SAFETY: `context` is a module the control state's registry holds: `filter_attach`
    // registers its context after building it and `filter_detach` unregisters it before freeing
    // it, both under the control lock, which the caller holds.
    let m = unsafe { ptr.as_ref() }?;
    Some((
        m.module.module_counters(),
        m.module.core().sas().table().len(),
    ))
}

fn report(error: StateError) {
    // The transition was refused and the state left unchanged; NDIS broke its own sequence (the
    // module counts it in `state_errors`).
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

/// The module context: keywords, SA table, filter core, the module over it (`Paused`), pools.
/// PASSIVE_LEVEL.
///
/// Built in place in its pool block: the context (the module with its two `NDIS_OFFLOAD`s, the
/// pools) is several KiB, and building it on the stack and then moving it into the block made
/// `FilterAttach`'s frame 6 KiB of a 24 KiB kernel stack (issue 14). The block is taken first
/// (failing without a panic); every fallible part is made before anything is written into it,
/// so a failure only frees the empty block; then each field is written through its own pointer,
/// the module by [`emplace_module`] straight into its field.
fn new_module(
    filter_handle: NDIS_HANDLE,
    params: &NDIS_FILTER_ATTACH_PARAMETERS,
) -> Result<ModuleBox, NDIS_STATUS> {
    let mut block = PoolBox::<MaybeUninit<ModuleContext>, POOL_TAG>::try_new_uninit()
        .ok_or(NDIS_STATUS_RESOURCES)?;
    let config = setup::read_config(filter_handle);
    let size = usize::try_from(config.tx_buffer_size).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let count = usize::try_from(config.tx_buffer_count).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let scratch_count =
        usize::try_from(config.rx_scratch_count).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let tx_pool = KernelTxPool::new(filter_handle, count, size).ok_or(NDIS_STATUS_RESOURCES)?;
    let scratch = ScratchPool::new(scratch_count, size).ok_or(NDIS_STATUS_RESOURCES)?;
    let context: *mut ModuleContext = block.as_mut_ptr();
    let module = field::<MaybeUninit<KernelModule>>(context, offset_of!(ModuleContext, module));
    // SAFETY: the field is valid for writes, aligned and not yet initialised, which is what a
    // `MaybeUninit` view of it promises; nothing else refers to it.
    let slot = unsafe { &mut *module };
    // On failure nothing was written into the block: the pools (locals) and the block are freed.
    emplace_module(slot, filter_handle, &config, params)?;
    // SAFETY (the writes below): `field` points into the fresh, exclusively owned block; each
    // write initialises one field without reading or dropping what was there.
    // SAFETY: see above.
    unsafe {
        field::<NDIS_HANDLE>(context, offset_of!(ModuleContext, filter_handle)).write(filter_handle)
    };
    // SAFETY: see above.
    unsafe { field::<KernelTxPool>(context, offset_of!(ModuleContext, tx_pool)).write(tx_pool) };
    // SAFETY: see above.
    unsafe { field::<ScratchPool>(context, offset_of!(ModuleContext, scratch)).write(scratch) };
    // SAFETY: every field of the context was written above.
    Ok(unsafe { block.assume_init() })
}

/// The field at `offset` of the context block `context` (pointer arithmetic only).
fn field<T>(context: *mut ModuleContext, offset: usize) -> *mut T {
    context.wrapping_byte_add(offset).cast::<T>()
}

/// Writes the attached module into `slot`: the SA table (`SaOffloadCapacity`), the filter core
/// over it, and the module (`FilterModule::attach_in_place`, `Paused`) above the miniport's offload
/// configuration. `FilterModule::attach_in_place` writes the module into `slot` (its pool
/// block) instead of returning it by value: this frame only holds the parts it takes by value
/// (listed in `tests/stack-budget/exceptions.txt` with `attach_in_place`); the callers' frames
/// stay small.
#[inline(never)]
fn emplace_module(
    slot: &mut MaybeUninit<KernelModule>,
    filter_handle: NDIS_HANDLE,
    config: &FilterConfig,
    params: &NDIS_FILTER_ATTACH_PARAMETERS,
) -> Result<(), NDIS_STATUS> {
    let seed = TableSeed::from_words(setup::table_seed(filter_handle as usize));
    let capacity =
        usize::try_from(config.sa_offload_capacity).map_err(|_| NDIS_STATUS_RESOURCES)?;
    let table = SaTable::<OffloadSa, KernelLock>::with_capacity(capacity, seed)
        .map_err(|_| NDIS_STATUS_RESOURCES)?;
    // The attach parameters carry the miniport's current offload configuration only; it stands
    // for its hardware capabilities too until NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES
    // says otherwise.
    let offload = default_offload(params).unwrap_or_else(offload::none_offloaded);
    KernelModule::attach_in_place(
        slot,
        FilterCore::new(OffloadSas::new(table)),
        &config.module_config(),
        &offload,
        &offload,
    );
    Ok(())
}

/// `FilterAttach` — PASSIVE_LEVEL. Ethernet only (the INF's `FilterMediaTypes`). Reads the
/// keywords, builds the SA table (`SaOffloadCapacity`), the filter core, the pools and the
/// module (`FilterModule::attach`: `Paused`, above the miniport's `DefaultOffloadConfiguration`).
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
        dbg_print_status(
            DPFLTR_ERROR_LEVEL,
            c"ipsecov2lwf: NdisFSetAttributes failed",
            status,
        );
        // The context (module, SA table, pools) is freed here: NDIS will not call it.
        drop(context);
        return status;
    }
    // The control plane reaches this module's SA table from now on (until FilterDetach).
    super::ioctl::attach_module(
        context_ptr as usize,
        context.module.core().sas(),
        params.BaseMiniportNetLuid.Value,
        params.BaseMiniportIfIndex,
        setup::read_control_test_family(ndis_filter_handle),
    );
    let _ = context.into_raw();
    NDIS_STATUS_SUCCESS
}

/// `FilterDetach` — PASSIVE_LEVEL. `FilterModule::detach` (the module is paused: every send
/// completed, every receive returned; its SAs are removed and zeroized), then the context is
/// freed: the module, the transmit pool (NBLs, MDLs, buffers, NBL pool), the scratch buffers.
pub(super) unsafe extern "system" fn filter_detach(context: NDIS_HANDLE) {
    let Some(raw) = NonNull::new(context.cast::<ModuleContext>()) else {
        return;
    };
    // SAFETY: `context` is the pointer `filter_attach` leaked from a ModuleBox; NDIS calls
    // FilterDetach once, after which it passes the context no more.
    let boxed = unsafe { ModuleBox::from_raw(raw) };
    super::ioctl::detach_module(raw.as_ptr() as usize);
    if let Err(e) = boxed.module.detach() {
        report(e);
    }
    drop(boxed);
}

/// `FilterRestart` — PASSIVE_LEVEL. `FilterModule::restart`: Paused → Restarting, the offload
/// capabilities and configuration indicated up with IPsecOV2 (`NdisFIndicateStatus` through the
/// port), → Running.
pub(super) unsafe extern "system" fn filter_restart(
    context: NDIS_HANDLE,
    _restart_parameters: *mut NDIS_FILTER_RESTART_PARAMETERS,
) -> NDIS_STATUS {
    let Some(m) = module(context) else {
        return NDIS_STATUS_FAILURE;
    };
    let mut port = m.port();
    match m.module.restart(&mut port) {
        Ok(()) => NDIS_STATUS_SUCCESS,
        Err(e) => {
            report(e);
            NDIS_STATUS_FAILURE
        }
    }
}

/// `FilterPause` — PASSIVE_LEVEL. `FilterModule::pause`: completes at once when nothing is
/// outstanding, else pends until the send completion / receive return that brings the last NBL
/// back calls `NdisFPauseComplete` through its port.
pub(super) unsafe extern "system" fn filter_pause(
    context: NDIS_HANDLE,
    _pause_parameters: *mut NDIS_FILTER_PAUSE_PARAMETERS,
) -> NDIS_STATUS {
    let Some(m) = module(context) else {
        return NDIS_STATUS_SUCCESS;
    };
    match m.module.pause() {
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

/// `FilterSendNetBufferLists` — ≤ DISPATCH_LEVEL (`NDIS_SEND_FLAGS_DISPATCH_LEVEL` says which).
/// `FilterModule::send` with the kernel mapper and transmit pool: while Running the originals
/// passed on and the filter-owned protected copies go down in one `NdisFSendNetBufferLists`
/// (same port and flags) when the port is flushed, failures are completed at once; otherwise the
/// chain is completed with `NDIS_STATUS_PAUSED`.
pub(super) unsafe extern "system" fn filter_send_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    port_number: NDIS_PORT_NUMBER,
    send_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: NDIS handed this null-terminated chain of live NBLs (locked, mapped-or-mappable
    // MDLs) to the filter, which owns it until it passes each NBL down or completes it; the
    // module hands every NBL to the port exactly once and nothing else touches them meanwhile.
    let chain = unsafe { NblChain::from_raw(nbls) };
    let mut port = m
        .port()
        .at_dispatch(NDIS_TEST_SEND_AT_DISPATCH_LEVEL(send_flags))
        .sending(port_number, send_flags);
    let pool = &m.tx_pool;
    m.module.send(&mut port, chain, &KernelMdlMapper, &pool);
    port.flush();
}

/// `FilterSendNetBufferListsComplete` — ≤ DISPATCH_LEVEL
/// (`NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL`). `FilterModule::send_complete`: filter-owned NBLs
/// (recognised by their NBL pool) give their original the copy's status and go back to the
/// pool; the originals are completed up with the same flags.
pub(super) unsafe extern "system" fn filter_send_net_buffer_lists_complete(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    send_complete_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: NDIS completes to this filter a chain of NBLs it sent down (originals and
    // filter-owned copies), the filter's again until it completes them up or frees them.
    let chain = unsafe { NblChain::from_raw(nbls) };
    let mut port = m
        .port()
        .at_dispatch(NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(
            send_complete_flags,
        ))
        .completing(send_complete_flags);
    m.module.send_complete(&mut port, chain);
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
/// `FilterModule::receive` with a scratch buffer taken for this call: while Running the chain is
/// verified and decrypted in place and indicated up (same port, count and flags); otherwise it
/// is returned to the miniport (or left to it with `NDIS_RECEIVE_FLAGS_RESOURCES`).
pub(super) unsafe extern "system" fn filter_receive_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    port_number: NDIS_PORT_NUMBER,
    _number_of_nbls: ULONG,
    receive_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: the miniport lent this chain to the filter for the duration of the indication (a
    // modifying filter may change it unless an NBL says read-only, which the core honours);
    // nothing else touches it until the module indicates it up or returns it.
    let chain = unsafe { NblChain::from_raw(nbls) };
    let mut port = m
        .port()
        .at_dispatch(NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(receive_flags))
        .receiving(port_number);
    let mut scratch = m.scratch.take();
    m.module.receive(
        &mut port,
        chain,
        receive_flags,
        &KernelMdlMapper,
        scratch.bytes_mut(),
    );
}

/// `FilterReturnNetBufferLists` — ≤ DISPATCH_LEVEL (`NDIS_RETURN_FLAGS_DISPATCH_LEVEL`).
/// `FilterModule::return_receives`: returned to the miniport with the same flags.
pub(super) unsafe extern "system" fn filter_return_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    return_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: the protocol returns NBLs this filter indicated up, the filter's again until it
    // returns them to the miniport.
    let chain = unsafe { NblChain::from_raw(nbls) };
    let mut port = m.port().returning(return_flags);
    m.module.return_receives(&mut port, chain);
}

/// `FilterModule::oid_request` of an original request on `path`.
fn oid_request(context: NDIS_HANDLE, request: *mut NDIS_OID_REQUEST, path: OidPath) -> NDIS_STATUS {
    let (Some(m), Some(request)) = (module(context), KernelOid::new(request, path)) else {
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    let mut port = m.port();
    m.module.oid_request(&mut port, request)
}

/// A pended clone came back: results copied into the original, clone freed, then
/// `FilterModule::oid_request_complete` (which completes the original through the port).
fn oid_request_complete(
    context: NDIS_HANDLE,
    clone: *mut NDIS_OID_REQUEST,
    status: NDIS_STATUS,
    path: OidPath,
) {
    let Some(m) = module(context) else {
        return;
    };
    let mut port = m.port();
    match port.clone_completed(clone, path) {
        Some(original) => m.module.oid_request_complete(&mut port, original, status),
        None => dbg_print(
            DPFLTR_ERROR_LEVEL,
            c"ipsecov2lwf: OID completion without an original request",
        ),
    }
}

/// `FilterOidRequest` — ≤ DISPATCH_LEVEL. `FilterModule::oid_request`: the IPsecOV2 SA OIDs are
/// answered by the core (never passed down); every other OID is cloned and passed down.
pub(super) unsafe extern "system" fn filter_oid_request(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    oid_request(context, request, OidPath::Regular)
}

/// `FilterOidRequestComplete` — ≤ DISPATCH_LEVEL. `FilterModule::oid_request_complete` (offload
/// queries get IPsecOV2, offload parameters take effect).
pub(super) unsafe extern "system" fn filter_oid_request_complete(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
    status: NDIS_STATUS,
) {
    oid_request_complete(context, request, status, OidPath::Regular);
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

/// `FilterDirectOidRequest` — ≤ DISPATCH_LEVEL. TCP/IP sends the IPsecOV2 SA OIDs on this path:
/// `FilterModule::oid_request`, as `FilterOidRequest`.
pub(super) unsafe extern "system" fn filter_direct_oid_request(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    oid_request(context, request, OidPath::Direct)
}

/// `FilterDirectOidRequestComplete` — ≤ DISPATCH_LEVEL. As `FilterOidRequestComplete`.
pub(super) unsafe extern "system" fn filter_direct_oid_request_complete(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
    status: NDIS_STATUS,
) {
    oid_request_complete(context, request, status, OidPath::Direct);
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

/// `FilterStatus` — ≤ DISPATCH_LEVEL. `FilterModule::status`:
/// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` and `_HARDWARE_CAPABILITIES` from below (their `NDIS_OFFLOAD` copied out) are remembered and
/// indicated up with IPsecOV2; everything else is indicated up unchanged.
pub(super) unsafe extern "system" fn filter_status(
    context: NDIS_HANDLE,
    indication: *mut NDIS_STATUS_INDICATION,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: NDIS passes a valid indication for the duration of the call.
    let Some(below) = (unsafe { indication.as_ref() }).copied() else {
        return;
    };
    let code = below.StatusCode;
    let size = below.StatusBufferSize as usize;
    let buffer = below.StatusBuffer.cast::<u8>();
    let offload = if code == NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG
        || code == NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES
    {
        // SAFETY: StatusBuffer holds StatusBufferSize bytes for the duration of the call.
        unsafe { read_offload(buffer, size) }
    } else {
        None
    };
    let bytes: &[u8] = match NonNull::new(buffer) {
        // SAFETY: as above; the slice lives for this call only and nobody writes the buffer.
        Some(p) if size > 0 => unsafe { core::slice::from_raw_parts(p.as_ptr(), size) },
        _ => &[],
    };
    let view = match offload.as_ref() {
        Some(offload) => StatusIndication::Offload {
            status: code,
            offload,
        },
        None => StatusIndication::Other {
            status: code,
            buffer: bytes,
        },
    };
    forward_status(m, below, &view);
}

/// `FilterModule::status` through a port of the module (not inlined: `filter_status`'s frame
/// keeps the indication's copy of the miniport's offloads, this one the module's work).
#[inline(never)]
fn forward_status(m: &ModuleContext, below: NDIS_STATUS_INDICATION, view: &StatusIndication<'_>) {
    let mut port = m.port().status_from_below(below);
    m.module.status(&mut port, view);
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
