//! The control device: `NdisRegisterDeviceEx` with the SDDL of [`crate::names::DEVICE_SDDL`]
//! (SYSTEM and Administrators only), `FILE_DEVICE_SECURE_OPEN`, and one dispatch routine for
//! every major function that follows [`crate::control`]; the IOCTL protocol's codes go to
//! `super::ioctl` (the driver's control plane and dispatcher).

use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};

use ndis_bindings::ffi::{IofCompleteRequest, NdisDeregisterDeviceEx, NdisRegisterDeviceEx};
use ndis_bindings::ipsecov2_abi::{
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES, NTSTATUS,
    STATUS_INVALID_DEVICE_REQUEST, STATUS_SUCCESS,
};
use ndis_bindings::{
    wide, IoGetCurrentIrpStackLocation, DEVICE_OBJECT, FILE_DEVICE_SECURE_OPEN, GUID,
    IO_NO_INCREMENT, IRP, IRP_MJ_COUNT, NDIS_DEVICE_OBJECT_ATTRIBUTES,
    NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1, NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1,
    PDRIVER_DISPATCH, UNICODE_STRING,
};

use crate::control::{classify, classify_major, IoctlVerdict, MajorVerdict};
use crate::names;

static DEVICE_NAME: &[u16] = wide!(names::DEVICE_NAME);
static SYMBOLIC_NAME: &[u16] = wide!(names::SYMBOLIC_NAME);
static DEVICE_SDDL: &[u16] = wide!(names::DEVICE_SDDL);
static DEVICE_CLASS_GUID: GUID = GUID {
    Data1: names::DEVICE_CLASS_GUID.0,
    Data2: names::DEVICE_CLASS_GUID.1,
    Data3: names::DEVICE_CLASS_GUID.2,
    Data4: names::DEVICE_CLASS_GUID.3,
};

/// `NdisDeviceHandle` of the control device (null when not registered).
static DEVICE_HANDLE: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// Registers the control device — PASSIVE_LEVEL, from `DriverEntry`.
pub(super) fn register(filter_driver_handle: NDIS_HANDLE) -> NTSTATUS {
    let mut device_name = UNICODE_STRING::from_static(DEVICE_NAME);
    let mut symbolic_name = UNICODE_STRING::from_static(SYMBOLIC_NAME);
    let sddl = UNICODE_STRING::from_static(DEVICE_SDDL);
    let mut major_functions: [PDRIVER_DISPATCH; IRP_MJ_COUNT] =
        [Some(device_dispatch); IRP_MJ_COUNT];
    let mut attributes = NDIS_DEVICE_OBJECT_ATTRIBUTES {
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES,
            NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1,
            NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1,
        ),
        DeviceName: &mut device_name,
        SymbolicName: &mut symbolic_name,
        MajorFunctions: major_functions.as_mut_ptr(),
        ExtensionSize: 0,
        DefaultSDDLString: &sddl,
        DeviceClassGuid: &DEVICE_CLASS_GUID,
    };
    let mut device_object: *mut DEVICE_OBJECT = core::ptr::null_mut();
    let mut device_handle: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: PASSIVE_LEVEL; every pointer in `attributes` is valid for the call (NDIS copies the
    // names, the SDDL and the dispatch table); the out-pointers are valid locals.
    let status = unsafe {
        NdisRegisterDeviceEx(
            filter_driver_handle,
            &mut attributes,
            &mut device_object,
            &mut device_handle,
        )
    };
    if status != STATUS_SUCCESS {
        return status;
    }
    if !device_object.is_null() {
        // Refuse opens of names below the device (\Device\IPsecOV2Lwf\x) that would bypass the
        // device's security descriptor; set before any open can reach the new device.
        // SAFETY: NDIS just created this device object for the driver and returned it.
        unsafe { (*device_object).Characteristics |= FILE_DEVICE_SECURE_OPEN };
    }
    DEVICE_HANDLE.store(device_handle, Ordering::Release);
    STATUS_SUCCESS
}

/// Deregisters the control device — PASSIVE_LEVEL, from `DriverUnload` (or a failed
/// `DriverEntry`).
pub(super) fn deregister() {
    let handle = DEVICE_HANDLE.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !handle.is_null() {
        // SAFETY: PASSIVE_LEVEL; `handle` came from NdisRegisterDeviceEx and is deregistered
        // once (the swap cleared it).
        unsafe { NdisDeregisterDeviceEx(handle) };
    }
}

/// Dispatch routine of the control device for every major function — IRQL PASSIVE_LEVEL
/// (`IRP_MJ_CREATE`, `IRP_MJ_CLEANUP`, `IRP_MJ_CLOSE`, `IRP_MJ_DEVICE_CONTROL` arrive at
/// PASSIVE_LEVEL in the caller's thread). Completes every IRP synchronously.
unsafe extern "system" fn device_dispatch(
    _device_object: *mut DEVICE_OBJECT,
    irp: *mut IRP,
) -> NTSTATUS {
    if irp.is_null() {
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    // SAFETY: the I/O manager dispatches a valid IRP whose current stack location is ours.
    let stack = unsafe { IoGetCurrentIrpStackLocation(irp) };
    // SAFETY: the current stack location of a dispatched IRP is valid during dispatch.
    let major = unsafe { stack.as_ref() }.map_or(u8::MAX, |s| s.MajorFunction);
    let status = match classify_major(major) {
        MajorVerdict::Succeed => STATUS_SUCCESS,
        MajorVerdict::DeviceControl => {
            // The IOCTL protocol's codes go to the dispatcher (which completes or pends the
            // IRP); any other code is refused here.
            // SAFETY: the current stack location of a dispatched IRP is valid during dispatch.
            let params = unsafe { stack.as_ref() }.map(|s| s.Parameters);
            // SAFETY: for IRP_MJ_DEVICE_CONTROL the DeviceIoControl view of Parameters is live.
            let code = params.map_or(0, |p| unsafe { p.DeviceIoControl }.IoControlCode);
            match classify(code) {
                IoctlVerdict::Dispatch(_) => return super::ioctl::device_control(irp),
                IoctlVerdict::InvalidDeviceRequest => STATUS_INVALID_DEVICE_REQUEST,
            }
        }
        MajorVerdict::Invalid => STATUS_INVALID_DEVICE_REQUEST,
    };
    // SAFETY: the driver owns the IRP until it completes it below.
    let irp_ref = unsafe { &mut *irp };
    irp_ref.IoStatus.Status = status;
    irp_ref.IoStatus.Information = 0;
    // SAFETY: completes the IRP once, at ≤ DISPATCH_LEVEL; it is not touched afterwards.
    unsafe { IofCompleteRequest(irp, IO_NO_INCREMENT) };
    status
}
