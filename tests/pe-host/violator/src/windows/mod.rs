//! The driver (Windows targets only): `DriverEntry` registers the filter, `DriverUnload`
//! deregisters it; [`exports`] holds the violating routines, [`filter`] the filter module's
//! handlers. The runtime pieces every `/NODEFAULTLIB` driver needs (panic handler, `_fltused`,
//! `__chkstk`) are here too. Unsafe code: one operation per block, each with its reason.

mod ex_lock;
mod exports;
mod filter;
mod runtime;

use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};

use ndis_bindings::ffi::{NdisFDeregisterFilterDriver, NdisFRegisterFilterDriver};
use ndis_bindings::ipsecov2_abi::{NDIS_HANDLE, NDIS_OBJECT_HEADER, NTSTATUS, STATUS_SUCCESS};
use ndis_bindings::{
    wide, DRIVER_OBJECT, NDIS_FILTER_CHARACTERISTICS_REVISION_3,
    NDIS_FILTER_DRIVER_CHARACTERISTICS, NDIS_FILTER_MAJOR_VERSION, NDIS_FILTER_MINOR_VERSION,
    NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS,
    NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_3, UNICODE_STRING,
};

/// `NdisFilterDriverHandle` (null until registered).
static FILTER_DRIVER_HANDLE: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

static FRIENDLY_NAME: &[u16] = wide!("IPsecOV2 verifier test filter (violator)");
static UNIQUE_NAME: &[u16] = wide!("{5C1B7D0E-3F2A-4E61-9B8C-56D7A0E1F2B3}");
static SERVICE_NAME: &[u16] = wide!("IPsecOV2Violator");

/// NDIS 6.80, `REVISION_3`: the four mandatory handlers plus the send, receive and OID paths
/// (no direct-OID set, no synchronous OIDs: NDIS passes those around the filter).
fn characteristics() -> NDIS_FILTER_DRIVER_CHARACTERISTICS {
    let mut c = NDIS_FILTER_DRIVER_CHARACTERISTICS::zeroed();
    c.Header = NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS,
        NDIS_FILTER_CHARACTERISTICS_REVISION_3,
        NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_3,
    );
    c.MajorNdisVersion = NDIS_FILTER_MAJOR_VERSION;
    c.MinorNdisVersion = NDIS_FILTER_MINOR_VERSION;
    c.MajorDriverVersion = 1;
    c.MinorDriverVersion = 0;
    c.FriendlyName = UNICODE_STRING::from_static(FRIENDLY_NAME);
    c.UniqueName = UNICODE_STRING::from_static(UNIQUE_NAME);
    c.ServiceName = UNICODE_STRING::from_static(SERVICE_NAME);
    c.AttachHandler = Some(filter::filter_attach);
    c.DetachHandler = Some(filter::filter_detach);
    c.RestartHandler = Some(filter::filter_restart);
    c.PauseHandler = Some(filter::filter_pause);
    c.SendNetBufferListsHandler = Some(filter::filter_send_net_buffer_lists);
    c.SendNetBufferListsCompleteHandler = Some(filter::filter_send_net_buffer_lists_complete);
    c.ReceiveNetBufferListsHandler = Some(filter::filter_receive_net_buffer_lists);
    c.ReturnNetBufferListsHandler = Some(filter::filter_return_net_buffer_lists);
    c.OidRequestHandler = Some(filter::filter_oid_request);
    c.OidRequestCompleteHandler = Some(filter::filter_oid_request_complete);
    c
}

/// `DriverEntry` — PASSIVE_LEVEL. Registers the filter driver (correctly).
///
/// # Safety
///
/// Called once by the I/O manager with its driver object and registry path.
#[no_mangle]
pub unsafe extern "system" fn DriverEntry(
    driver_object: *mut DRIVER_OBJECT,
    _registry_path: *mut UNICODE_STRING,
) -> NTSTATUS {
    if driver_object.is_null() {
        return ndis_bindings::ipsecov2_abi::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the I/O manager's driver object, ours to fill in DriverEntry.
    unsafe { (*driver_object).DriverUnload = Some(driver_unload) };
    let mut chars = characteristics();
    let mut handle: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: PASSIVE_LEVEL in DriverEntry; `chars` is a complete REVISION_3 structure whose
    // names are 'static (NDIS copies it); `handle` receives the handle.
    let status = unsafe {
        NdisFRegisterFilterDriver(driver_object, driver_object.cast(), &mut chars, &mut handle)
    };
    if status == STATUS_SUCCESS {
        FILTER_DRIVER_HANDLE.store(handle, Ordering::Release);
    }
    status
}

/// `DriverUnload` — PASSIVE_LEVEL. Deregisters the filter driver (correctly; a leak an export
/// committed stays a leak).
unsafe extern "system" fn driver_unload(_driver_object: *mut DRIVER_OBJECT) {
    let handle = FILTER_DRIVER_HANDLE.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !handle.is_null() {
        // SAFETY: PASSIVE_LEVEL; the handle from NdisFRegisterFilterDriver, deregistered once.
        unsafe { NdisFDeregisterFilterDriver(handle) };
    }
}
