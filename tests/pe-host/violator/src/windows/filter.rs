//! The filter module: a pass-through filter (sends down, receives up, OIDs down as clones) that
//! gets one thing wrong, chosen at attach by the adapter keyword [`crate::cases::KEYWORD`]
//! ([`ModuleViolation`]). IRQL of each handler as in the WDK's `FILTER_*` documentation.

use ndis_bindings::ffi::{
    ExAllocatePool2, ExFreePoolWithTag, NdisAllocateCloneOidRequest, NdisCloseConfiguration,
    NdisFIndicateReceiveNetBufferLists, NdisFOidRequest, NdisFOidRequestComplete,
    NdisFReturnNetBufferLists, NdisFSendNetBufferLists, NdisFSendNetBufferListsComplete,
    NdisFSetAttributes, NdisFreeCloneOidRequest, NdisOpenConfigurationEx, NdisReadConfiguration,
};
use ndis_bindings::ipsecov2_abi::{
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES, NDIS_OID_REQUEST,
    NDIS_PORT_NUMBER, NDIS_STATUS, NDIS_STATUS_PENDING, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS,
    NET_BUFFER_LIST, ULONG,
};
use ndis_bindings::{
    wide, NdisParameterInteger, NDIS_CONFIGURATION_OBJECT, NDIS_CONFIGURATION_OBJECT_REVISION_1,
    NDIS_CONFIGURATION_PARAMETER, NDIS_FILTER_ATTACH_PARAMETERS, NDIS_FILTER_ATTRIBUTES,
    NDIS_FILTER_ATTRIBUTES_REVISION_1, NDIS_FILTER_PAUSE_PARAMETERS,
    NDIS_FILTER_RESTART_PARAMETERS, NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
    NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1, NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1,
    NET_BUFFER_DATA_LENGTH, NET_BUFFER_LIST_FIRST_NB, POOL_FLAG_NON_PAGED, UNICODE_STRING,
};

use core::sync::atomic::{AtomicU64, Ordering};

use crate::cases::{tags, ModuleViolation, KEYWORD};

static VIOLATION_KEYWORD: &[u16] = wide!(KEYWORD);

/// One filter module's context (non-paged pool, freed at detach).
struct Module {
    filter_handle: NDIS_HANDLE,
    violation: ModuleViolation,
    /// NBLs and requests this module gave back (completed up, returned down, OIDs completed),
    /// counted after each give-back: a statistic, which also keeps the give-back calls from
    /// being tail calls, so that the host finds this module's functions on the stack.
    given_back: AtomicU64,
}

/// # Safety
/// `context` is a module context this driver gave NDIS in `FilterAttach`, not yet detached.
unsafe fn module<'a>(context: NDIS_HANDLE) -> &'a Module {
    // SAFETY: contract.
    unsafe { &*context.cast::<Module>() }
}

/// The keyword's value (0 when absent or unreadable). PASSIVE_LEVEL.
fn read_violation(filter_handle: NDIS_HANDLE) -> u32 {
    let mut object = NDIS_CONFIGURATION_OBJECT {
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
            NDIS_CONFIGURATION_OBJECT_REVISION_1,
            NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1,
        ),
        NdisHandle: filter_handle,
        Flags: 0,
    };
    let mut config: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: PASSIVE_LEVEL in FilterAttach with this module's handle; a complete REVISION_1
    // object.
    let status = unsafe { NdisOpenConfigurationEx(&mut object, &mut config) };
    if status != NDIS_STATUS_SUCCESS || config.is_null() {
        return 0;
    }
    let mut name = UNICODE_STRING::from_static(VIOLATION_KEYWORD);
    let mut read: NDIS_STATUS = NDIS_STATUS_SUCCESS;
    let mut value: *mut NDIS_CONFIGURATION_PARAMETER = core::ptr::null_mut();
    // SAFETY: `config` is open; NDIS reads `name` and writes `read`/`value`.
    unsafe {
        NdisReadConfiguration(
            &mut read,
            &mut value,
            config,
            &mut name,
            NdisParameterInteger,
        )
    };
    let mut out = 0;
    if read == NDIS_STATUS_SUCCESS {
        // SAFETY: on success `value` is NDIS's parameter, valid until the close.
        if let Some(param) = unsafe { value.as_ref() } {
            if param.ParameterType == NdisParameterInteger {
                // SAFETY: `IntegerData` is the member of an integer parameter.
                out = unsafe { param.ParameterData.IntegerData };
            }
        }
    }
    // SAFETY: opened above, closed once; `value` is not used after.
    unsafe { NdisCloseConfiguration(config) };
    out
}

/// `FilterAttach` — PASSIVE_LEVEL.
pub(super) unsafe extern "system" fn filter_attach(
    filter_handle: NDIS_HANDLE,
    _driver_context: NDIS_HANDLE,
    _parameters: *mut NDIS_FILTER_ATTACH_PARAMETERS,
) -> NDIS_STATUS {
    let violation = ModuleViolation::from_keyword(read_violation(filter_handle));
    // SAFETY: PASSIVE_LEVEL; non-paged pool for the module context.
    let context = unsafe {
        ExAllocatePool2(
            POOL_FLAG_NON_PAGED,
            core::mem::size_of::<Module>(),
            tags::MODULE,
        )
    }
    .cast::<Module>();
    if context.is_null() {
        return NDIS_STATUS_RESOURCES;
    }
    // SAFETY: a fresh block of the module's size (pool blocks are 16-aligned).
    unsafe {
        context.write(Module {
            filter_handle,
            violation,
            given_back: AtomicU64::new(0),
        })
    };
    let mut attributes = NDIS_FILTER_ATTRIBUTES {
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES,
            NDIS_FILTER_ATTRIBUTES_REVISION_1,
            NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1,
        ),
        Flags: 0,
    };
    // SAFETY: PASSIVE_LEVEL inside FilterAttach; the context lives until FilterDetach.
    let status = unsafe { NdisFSetAttributes(filter_handle, context.cast(), &mut attributes) };
    if status != NDIS_STATUS_SUCCESS {
        // SAFETY: the block allocated above, freed once with its tag.
        unsafe { ExFreePoolWithTag(context.cast(), tags::MODULE) };
    }
    status
}

/// `FilterDetach` — PASSIVE_LEVEL.
pub(super) unsafe extern "system" fn filter_detach(context: NDIS_HANDLE) {
    // SAFETY: the context from FilterAttach, freed once here (NDIS calls nothing after detach).
    unsafe { ExFreePoolWithTag(context, tags::MODULE) };
}

/// `FilterRestart` — PASSIVE_LEVEL.
pub(super) unsafe extern "system" fn filter_restart(
    _context: NDIS_HANDLE,
    _parameters: *mut NDIS_FILTER_RESTART_PARAMETERS,
) -> NDIS_STATUS {
    NDIS_STATUS_SUCCESS
}

/// `FilterPause` — PASSIVE_LEVEL (the filter keeps no NBL: the pause completes at once).
pub(super) unsafe extern "system" fn filter_pause(
    _context: NDIS_HANDLE,
    _parameters: *mut NDIS_FILTER_PAUSE_PARAMETERS,
) -> NDIS_STATUS {
    NDIS_STATUS_SUCCESS
}

/// `FilterSendNetBufferLists` — ≤ DISPATCH_LEVEL: down as they came.
pub(super) unsafe extern "system" fn filter_send_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    port: NDIS_PORT_NUMBER,
    flags: ULONG,
) {
    // SAFETY: NDIS passes the module's context.
    let m = unsafe { module(context) };
    // SAFETY: the protocol's chain, now the filter's to send down.
    unsafe { NdisFSendNetBufferLists(m.filter_handle, nbls, port, flags) };
}

/// `FilterSendNetBufferListsComplete` — ≤ DISPATCH_LEVEL: up as they came (twice, for
/// [`ModuleViolation::CompleteTwice`]).
pub(super) unsafe extern "system" fn filter_send_net_buffer_lists_complete(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    flags: ULONG,
) {
    // SAFETY: NDIS passes the module's context.
    let m = unsafe { module(context) };
    // SAFETY: the chain the miniport completed, given back to the protocol.
    unsafe { NdisFSendNetBufferListsComplete(m.filter_handle, nbls, flags) };
    if m.violation == ModuleViolation::CompleteTwice {
        // SAFETY: none: the chain was given back above (the violation).
        unsafe { NdisFSendNetBufferListsComplete(m.filter_handle, nbls, flags) };
        m.given_back.fetch_add(1, Ordering::Relaxed);
    }
    m.given_back.fetch_add(1, Ordering::Relaxed);
}

/// `FilterReceiveNetBufferLists` — ≤ DISPATCH_LEVEL: up as they came.
pub(super) unsafe extern "system" fn filter_receive_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    port: NDIS_PORT_NUMBER,
    count: ULONG,
    flags: ULONG,
) {
    // SAFETY: NDIS passes the module's context.
    let m = unsafe { module(context) };
    // SAFETY: the miniport's chain of `count` NBLs, indicated up with the same flags.
    unsafe { NdisFIndicateReceiveNetBufferLists(m.filter_handle, nbls, port, count, flags) };
}

/// `FilterReturnNetBufferLists` — ≤ DISPATCH_LEVEL: back to the miniport (twice for
/// [`ModuleViolation::ReturnTwice`]; then read for [`ModuleViolation::UseAfterReturn`]).
pub(super) unsafe extern "system" fn filter_return_net_buffer_lists(
    context: NDIS_HANDLE,
    nbls: *mut NET_BUFFER_LIST,
    flags: ULONG,
) {
    // SAFETY: NDIS passes the module's context.
    let m = unsafe { module(context) };
    // SAFETY: the chain the protocol returned, given back to the miniport.
    unsafe { NdisFReturnNetBufferLists(m.filter_handle, nbls, flags) };
    match m.violation {
        ModuleViolation::ReturnTwice => {
            // SAFETY: none: the chain was given back above (the violation).
            unsafe { NdisFReturnNetBufferLists(m.filter_handle, nbls, flags) };
            m.given_back.fetch_add(1, Ordering::Relaxed);
        }
        ModuleViolation::UseAfterReturn => {
            // SAFETY: none: the NBL belongs to the miniport again (the violation).
            let nb = unsafe { NET_BUFFER_LIST_FIRST_NB(nbls) };
            // SAFETY: none, as above.
            let length = unsafe { NET_BUFFER_DATA_LENGTH(nb) };
            core::hint::black_box(length);
        }
        _ => {}
    }
    m.given_back.fetch_add(1, Ordering::Relaxed);
}

/// `FilterOidRequest` — ≤ DISPATCH_LEVEL: a clone passed down, the original kept in the
/// clone's `SourceReserved`.
pub(super) unsafe extern "system" fn filter_oid_request(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    // SAFETY: NDIS passes the module's context.
    let m = unsafe { module(context) };
    let mut clone: *mut NDIS_OID_REQUEST = core::ptr::null_mut();
    // SAFETY: the request NDIS gave the filter; `clone` receives the copy.
    let status =
        unsafe { NdisAllocateCloneOidRequest(m.filter_handle, request, tags::MODULE, &mut clone) };
    if status != NDIS_STATUS_SUCCESS {
        return status;
    }
    let mut reserved = [0u8; 16];
    reserved[..8].copy_from_slice(&(request as usize).to_ne_bytes());
    // SAFETY: the clone is ours until passed down; SourceReserved is the source's area.
    unsafe { (*clone).SourceReserved = reserved };
    // SAFETY: the clone, passed down once.
    let status = unsafe { NdisFOidRequest(m.filter_handle, clone) };
    if status != NDIS_STATUS_PENDING {
        // SAFETY: the miniport finished with the clone; freed once.
        unsafe { NdisFreeCloneOidRequest(m.filter_handle, clone) };
    }
    status
}

/// `FilterOidRequestComplete` — ≤ DISPATCH_LEVEL: the clone freed, the original completed
/// (twice for [`ModuleViolation::OidCompleteTwice`]).
pub(super) unsafe extern "system" fn filter_oid_request_complete(
    context: NDIS_HANDLE,
    clone: *mut NDIS_OID_REQUEST,
    status: NDIS_STATUS,
) {
    // SAFETY: NDIS passes the module's context.
    let m = unsafe { module(context) };
    // SAFETY: the clone this filter passed down, back from the miniport.
    let reserved = unsafe { (*clone).SourceReserved };
    let mut word = [0u8; 8];
    word.copy_from_slice(&reserved[..8]);
    let original = usize::from_ne_bytes(word) as *mut NDIS_OID_REQUEST;
    // SAFETY: the clone, freed once; its fields were read above.
    unsafe { NdisFreeCloneOidRequest(m.filter_handle, clone) };
    // SAFETY: the original request, pended by `filter_oid_request`, completed.
    unsafe { NdisFOidRequestComplete(m.filter_handle, original, status) };
    if m.violation == ModuleViolation::OidCompleteTwice {
        // SAFETY: none: the request was completed above (the violation).
        unsafe { NdisFOidRequestComplete(m.filter_handle, original, status) };
        m.given_back.fetch_add(1, Ordering::Relaxed);
    }
    m.given_back.fetch_add(1, Ordering::Relaxed);
}
