//! The Windows shell: `DriverEntry`/`DriverUnload`, the NDIS filter callbacks and the control
//! device. It only translates between NDIS and the portable code: each filter callback is one
//! call into the filter core's `FilterModule` with `port::KernelPort`, the kernel `NdisPort`
//! (`filter`); the control device follows [`crate::control`]. All unsafe code of the driver is
//! here and in `ndis-bindings`, one operation per block.
//!
//! IRQL of each entry point is written next to it (from the WDK documentation of the
//! corresponding `FILTER_*`/`DRIVER_*` callback type).

mod datapath;
mod device;
mod filter;
mod ioctl;
mod oid_list;
mod port;
mod setup;
mod test_family;
mod timer;
mod xstate;

use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};

use ndis_bindings::ffi::{NdisFDeregisterFilterDriver, NdisFRegisterFilterDriver};
use ndis_bindings::ipsecov2_abi::{NDIS_HANDLE, NDIS_OBJECT_HEADER, NTSTATUS, STATUS_SUCCESS};
use ndis_bindings::runtime::{dbg_print, dbg_print_status};
use ndis_bindings::{
    wide, DPFLTR_ERROR_LEVEL, DPFLTR_INFO_LEVEL, DRIVER_OBJECT,
    NDIS_FILTER_CHARACTERISTICS_REVISION_3, NDIS_FILTER_DRIVER_CHARACTERISTICS,
    NDIS_FILTER_MAJOR_VERSION, NDIS_FILTER_MINOR_VERSION,
    NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS,
    NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_3, UNICODE_STRING,
};

use crate::names;

/// `NdisFilterDriverHandle` from `NdisFRegisterFilterDriver` (null until registered).
static FILTER_DRIVER_HANDLE: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

static FRIENDLY_NAME: &[u16] = wide!(names::FRIENDLY_NAME);
static UNIQUE_NAME: &[u16] = wide!(names::FILTER_UNIQUE_NAME);
static SERVICE_NAME: &[u16] = wide!(names::SERVICE_NAME);

/// The filter characteristics: NDIS 6.80, `REVISION_3`, every handler of the filter (the two
/// synchronous-OID handlers are left null: NDIS then passes synchronous OIDs around this
/// filter, which is what a pass-through filter wants).
fn characteristics() -> NDIS_FILTER_DRIVER_CHARACTERISTICS {
    let mut c = NDIS_FILTER_DRIVER_CHARACTERISTICS::zeroed();
    c.Header = NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS,
        NDIS_FILTER_CHARACTERISTICS_REVISION_3,
        NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_3,
    );
    c.MajorNdisVersion = NDIS_FILTER_MAJOR_VERSION;
    c.MinorNdisVersion = NDIS_FILTER_MINOR_VERSION;
    c.MajorDriverVersion = names::DRIVER_VERSION.0;
    c.MinorDriverVersion = names::DRIVER_VERSION.1;
    c.Flags = 0;
    c.FriendlyName = UNICODE_STRING::from_static(FRIENDLY_NAME);
    c.UniqueName = UNICODE_STRING::from_static(UNIQUE_NAME);
    c.ServiceName = UNICODE_STRING::from_static(SERVICE_NAME);
    c.SetOptionsHandler = Some(filter::filter_set_options);
    c.SetFilterModuleOptionsHandler = Some(filter::filter_set_module_options);
    c.AttachHandler = Some(filter::filter_attach);
    c.DetachHandler = Some(filter::filter_detach);
    c.RestartHandler = Some(filter::filter_restart);
    c.PauseHandler = Some(filter::filter_pause);
    c.SendNetBufferListsHandler = Some(filter::filter_send_net_buffer_lists);
    c.SendNetBufferListsCompleteHandler = Some(filter::filter_send_net_buffer_lists_complete);
    c.CancelSendNetBufferListsHandler = Some(filter::filter_cancel_send_net_buffer_lists);
    c.ReceiveNetBufferListsHandler = Some(filter::filter_receive_net_buffer_lists);
    c.ReturnNetBufferListsHandler = Some(filter::filter_return_net_buffer_lists);
    c.OidRequestHandler = Some(filter::filter_oid_request);
    c.OidRequestCompleteHandler = Some(filter::filter_oid_request_complete);
    c.CancelOidRequestHandler = Some(filter::filter_cancel_oid_request);
    c.DevicePnPEventNotifyHandler = Some(filter::filter_device_pnp_event_notify);
    c.NetPnPEventHandler = Some(filter::filter_net_pnp_event);
    c.StatusHandler = Some(filter::filter_status);
    c.DirectOidRequestHandler = Some(filter::filter_direct_oid_request);
    c.DirectOidRequestCompleteHandler = Some(filter::filter_direct_oid_request_complete);
    c.CancelDirectOidRequestHandler = Some(filter::filter_cancel_direct_oid_request);
    c.SynchronousOidRequestHandler = None;
    c.SynchronousOidRequestCompleteHandler = None;
    c
}

/// `DriverEntry` — IRQL PASSIVE_LEVEL, system thread. Registers the NDIS 6.80 filter driver,
/// creates the control plane and starts its lifetime timer, then registers the control device; on any failure undoes what was done and returns the failure.
///
/// # Safety
///
/// Called once by the I/O manager with its driver object and registry path.
#[no_mangle]
pub unsafe extern "system" fn DriverEntry(
    driver_object: *mut DRIVER_OBJECT,
    _registry_path: *mut UNICODE_STRING,
) -> NTSTATUS {
    dbg_print(DPFLTR_INFO_LEVEL, c"ipsecov2lwf: DriverEntry");
    if driver_object.is_null() {
        return ndis_bindings::ipsecov2_abi::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: `driver_object` is the I/O manager's driver object, ours to fill in DriverEntry.
    unsafe { (*driver_object).DriverUnload = Some(driver_unload) };

    let mut chars = characteristics();
    let mut handle: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: PASSIVE_LEVEL in DriverEntry; `chars` is a complete REVISION_3 characteristics
    // structure whose name strings are 'static, NDIS copies it; `handle` receives the handle.
    let status = unsafe {
        NdisFRegisterFilterDriver(driver_object, driver_object.cast(), &mut chars, &mut handle)
    };
    if status != STATUS_SUCCESS {
        dbg_print_status(
            DPFLTR_ERROR_LEVEL,
            c"ipsecov2lwf: NdisFRegisterFilterDriver failed",
            status,
        );
        return status;
    }
    FILTER_DRIVER_HANDLE.store(handle, Ordering::Release);

    // The control plane and dispatcher, before any module attaches or any IRP arrives; then
    // the lifetime timer that ticks it.
    let status = if !ioctl::create() {
        dbg_print(
            DPFLTR_ERROR_LEVEL,
            c"ipsecov2lwf: no memory for the control plane",
        );
        ndis_bindings::ipsecov2_abi::STATUS_INSUFFICIENT_RESOURCES
    } else if !timer::start(handle) {
        dbg_print(
            DPFLTR_ERROR_LEVEL,
            c"ipsecov2lwf: NdisAllocateTimerObject failed",
        );
        ndis_bindings::ipsecov2_abi::STATUS_INSUFFICIENT_RESOURCES
    } else {
        let status = device::register(handle);
        if status != STATUS_SUCCESS {
            dbg_print_status(
                DPFLTR_ERROR_LEVEL,
                c"ipsecov2lwf: NdisRegisterDeviceEx failed",
                status,
            );
        }
        status
    };
    if status != STATUS_SUCCESS {
        timer::stop();
        FILTER_DRIVER_HANDLE.store(core::ptr::null_mut(), Ordering::Release);
        // SAFETY: PASSIVE_LEVEL; `handle` was registered above and no module is attached yet
        // (NDIS attaches only after DriverEntry returns success).
        unsafe { NdisFDeregisterFilterDriver(handle) };
        ioctl::destroy();
        return status;
    }
    STATUS_SUCCESS
}

/// `DriverUnload` — IRQL PASSIVE_LEVEL. Deregisters the control device, stops the lifetime
/// timer (allocated on the filter driver's handle), deregisters the filter driver (NDIS detaches
/// every module before `NdisFDeregisterFilterDriver` returns), then frees the control plane.
unsafe extern "system" fn driver_unload(_driver_object: *mut DRIVER_OBJECT) {
    dbg_print(DPFLTR_INFO_LEVEL, c"ipsecov2lwf: DriverUnload");
    device::deregister();
    timer::stop();
    let handle = FILTER_DRIVER_HANDLE.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !handle.is_null() {
        // SAFETY: PASSIVE_LEVEL; `handle` came from NdisFRegisterFilterDriver and is
        // deregistered once (the swap above cleared it).
        unsafe { NdisFDeregisterFilterDriver(handle) };
    }
    // Every module has detached (unregistering itself) and the device is gone.
    ioctl::destroy();
}
