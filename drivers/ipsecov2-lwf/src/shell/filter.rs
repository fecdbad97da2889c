//! The NDIS filter callbacks: a correct pass-through filter driven by [`crate::state`].
//! IPsec processing is plugged in here by the filter-core issue.

use core::ptr::NonNull;

use ndis_bindings::ffi::{
    NdisAllocateCloneOidRequest, NdisFCancelDirectOidRequest, NdisFCancelOidRequest,
    NdisFCancelSendNetBufferLists, NdisFDevicePnPEventNotify, NdisFDirectOidRequest,
    NdisFDirectOidRequestComplete, NdisFIndicateReceiveNetBufferLists, NdisFIndicateStatus,
    NdisFNetPnPEvent, NdisFOidRequest, NdisFOidRequestComplete, NdisFPauseComplete,
    NdisFReturnNetBufferLists, NdisFSendNetBufferLists, NdisFSendNetBufferListsComplete,
    NdisFSetAttributes, NdisFreeCloneOidRequest,
};
use ndis_bindings::ipsecov2_abi::{
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES, NDIS_OID_REQUEST,
    NDIS_PORT_NUMBER, NDIS_RETURN_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL,
    NDIS_STATUS, NDIS_STATUS_FAILURE, NDIS_STATUS_INVALID_PARAMETER, NDIS_STATUS_PAUSED,
    NDIS_STATUS_PENDING, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS, NET_BUFFER_LIST, PVOID, ULONG,
};
use ndis_bindings::runtime::{dbg_print, dbg_print_status, PoolBox, SpinLock};
use ndis_bindings::{
    net_buffer_list_chain_len, net_buffer_list_chain_set_status, NdisMedium802_3,
    DPFLTR_ERROR_LEVEL, DPFLTR_INFO_LEVEL, NDIS_FILTER_ATTACH_PARAMETERS, NDIS_FILTER_ATTRIBUTES,
    NDIS_FILTER_ATTRIBUTES_REVISION_1, NDIS_FILTER_PAUSE_PARAMETERS,
    NDIS_FILTER_RESTART_PARAMETERS, NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1,
    NDIS_STATUS_INDICATION, NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL, NDIS_TEST_RECEIVE_CAN_PEND,
    NDIS_TEST_RETURN_AT_DISPATCH_LEVEL, NDIS_TEST_SEND_AT_DISPATCH_LEVEL,
    NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL, NET_DEVICE_PNP_EVENT, NET_PNP_EVENT_NOTIFICATION,
};

use crate::names::POOL_TAG;
use crate::oid_clone;
use crate::state::{Completion, FilterModule, PauseStart, ReceiveVerdict, SendVerdict, StateError};

/// Per-module context (the `FilterModuleContext` NDIS hands back to every callback), in
/// non-paged pool from attach to detach.
struct ModuleContext {
    /// `NdisFilterHandle` of this module.
    filter_handle: NDIS_HANDLE,
    /// State machine and outstanding-NBL counts, under the module's spin lock.
    state: SpinLock<FilterModule>,
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

/// `FilterAttach` — PASSIVE_LEVEL. Ethernet only (the INF's `FilterMediaTypes`).
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
    let Some(context) = ModuleBox::try_new(ModuleContext {
        filter_handle: ndis_filter_handle,
        state: SpinLock::new(FilterModule::new()),
    }) else {
        return NDIS_STATUS_RESOURCES;
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

/// `FilterDetach` — PASSIVE_LEVEL. The module is paused; frees its context.
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

/// `FilterRestart` — PASSIVE_LEVEL. Paused → Restarting → Running (nothing to reconfigure in a
/// pass-through filter; the filter core reads the restart attributes here).
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

/// `FilterSendNetBufferLists` — ≤ DISPATCH_LEVEL (`NDIS_SEND_FLAGS_DISPATCH_LEVEL` says which).
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
    // SAFETY: NDIS hands the filter a null-terminated chain it owns until completed.
    let count = unsafe { net_buffer_list_chain_len(nbls) };
    let verdict = m.state.lock_from(at_dispatch).send(count);
    match verdict {
        SendVerdict::PassDown => {
            // SAFETY: the chain is the filter's to pass down; same port and flags.
            unsafe { NdisFSendNetBufferLists(m.filter_handle, nbls, port, send_flags) };
        }
        SendVerdict::CompletePaused => {
            // SAFETY: the filter owns the chain and completes it itself.
            unsafe { net_buffer_list_chain_set_status(nbls, NDIS_STATUS_PAUSED) };
            let flags = if at_dispatch {
                NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL
            } else {
                0
            };
            // SAFETY: returns the whole chain to the protocol above, once.
            unsafe { NdisFSendNetBufferListsComplete(m.filter_handle, nbls, flags) };
        }
    }
}

/// `FilterSendNetBufferListsComplete` — ≤ DISPATCH_LEVEL.
pub(super) unsafe extern "system" fn filter_send_net_buffer_lists_complete(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    send_complete_flags: ULONG,
) {
    let Some(m) = module(context) else {
        return;
    };
    // SAFETY: the chain being completed to the filter is a chain it sent down.
    let count = unsafe { net_buffer_list_chain_len(nbls) };
    let completion = m
        .state
        .lock_from(NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(
            send_complete_flags,
        ))
        .send_completed(count);
    // SAFETY: completes the chain to the protocol above with NDIS's flags and statuses.
    unsafe { NdisFSendNetBufferListsComplete(m.filter_handle, nbls, send_complete_flags) };
    finish(m, completion);
}

/// `FilterCancelSendNetBufferLists` — ≤ DISPATCH_LEVEL. Nothing is queued here; pass it down.
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
            // SAFETY: passes the miniport's chain up unchanged with the same count and flags.
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

/// `FilterOidRequest` — ≤ DISPATCH_LEVEL.
pub(super) unsafe extern "system" fn filter_oid_request(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    match module(context) {
        Some(m) => forward_oid(m, request, OidPath::Regular),
        None => NDIS_STATUS_INVALID_PARAMETER,
    }
}

/// `FilterOidRequestComplete` — ≤ DISPATCH_LEVEL.
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

/// `FilterDirectOidRequest` — ≤ DISPATCH_LEVEL.
pub(super) unsafe extern "system" fn filter_direct_oid_request(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    match module(context) {
        Some(m) => forward_oid(m, request, OidPath::Direct),
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

/// `FilterStatus` — ≤ DISPATCH_LEVEL. Passed up unchanged (the filter core will rewrite
/// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` here to advertise IPsecOV2).
pub(super) unsafe extern "system" fn filter_status(
    context: NDIS_HANDLE,
    indication: *mut NDIS_STATUS_INDICATION,
) {
    if let Some(m) = module(context) {
        // SAFETY: forwards the miniport's indication, valid for the duration of the call.
        unsafe { NdisFIndicateStatus(m.filter_handle, indication) };
    }
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
