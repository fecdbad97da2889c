//! `NdisRegisterDeviceEx` / `NdisDeregisterDeviceEx`: the control device, with its names, SDDL,
//! class GUID and dispatch table kept as NDIS keeps them, and a DEVICE_OBJECT in the WDK layout.

use std::sync::Mutex;

use super::irql::{exactly, PASSIVE_LEVEL};
use super::status::*;
use super::verifier::violation;
use super::{filter_driver, image, strings};
use crate::abi::structs::{
    DriverDispatch, DEVICE_OBJECT, GUID, IRP_MJ_COUNT, NDIS_DEVICE_OBJECT_ATTRIBUTES,
};

/// `NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES`.
pub const NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES: u8 = 0x85;
/// `NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1`.
pub const NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1: u16 = 0x38;
/// `IO_TYPE_DEVICE`.
const IO_TYPE_DEVICE: i16 = 3;
/// `FILE_DEVICE_NETWORK`, the type NDIS gives the devices it creates.
const FILE_DEVICE_NETWORK: u32 = 0x12;

/// One registered control device.
#[derive(Debug)]
pub struct Device {
    /// The `NDIS_HANDLE` returned to the driver.
    pub handle: usize,
    /// The filter driver handle it was registered under.
    pub filter_driver: usize,
    /// `DeviceName` (`\Device\...`).
    pub name: String,
    /// `SymbolicName` (`\DosDevices\...`).
    pub symbolic_name: String,
    /// `DefaultSDDLString`, when given.
    pub sddl: Option<String>,
    /// `DeviceClassGuid`, when given.
    pub class_guid: Option<GUID>,
    /// The dispatch table, one routine address per `IRP_MJ_*`.
    pub major_functions: [usize; IRP_MJ_COUNT],
    /// `ExtensionSize`.
    pub extension_size: u32,
    /// The DEVICE_OBJECT handed to the driver (owned here until deregistration).
    pub object: Box<DEVICE_OBJECT>,
    /// Backing store of `DeviceExtension` (`ExtensionSize` zeroed bytes).
    pub extension: Vec<u8>,
}

// SAFETY: the DEVICE_OBJECT's raw pointers are the driver object and the extension, owned here
// or by the host; only the host thread running the driver reads them.
unsafe impl Send for Device {}

static DEVICES: Mutex<Vec<Device>> = Mutex::new(Vec::new());
static NEXT_HANDLE: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(0x4445_0000);

/// Runs `f` over the devices registered now.
pub fn with_devices<T>(f: impl FnOnce(&mut [Device]) -> T) -> Option<T> {
    DEVICES.lock().ok().map(|mut d| f(&mut d))
}

/// `NDIS_STATUS NdisRegisterDeviceEx(NDIS_HANDLE NdisObjectHandle,
/// PNDIS_DEVICE_OBJECT_ATTRIBUTES DeviceObjectAttributes, PDEVICE_OBJECT *pDeviceObject,
/// PNDIS_HANDLE NdisDeviceHandle)` — PASSIVE_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_register_device_ex(
    object_handle: usize,
    attributes: *const NDIS_DEVICE_OBJECT_ATTRIBUTES,
    device_out: *mut *mut DEVICE_OBJECT,
    handle_out: *mut usize,
) -> i32 {
    exactly("NdisRegisterDeviceEx", PASSIVE_LEVEL);
    if !filter_driver::is_registered(object_handle) {
        violation(format!(
            "NdisRegisterDeviceEx: {object_handle:#x} is not a registered filter driver handle"
        ));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    if attributes.is_null() || device_out.is_null() || handle_out.is_null() {
        violation("NdisRegisterDeviceEx: NULL argument".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    // SAFETY: checked non-NULL; the driver's attributes for the duration of the call.
    let a = unsafe { &*attributes };
    if a.Header.Type != NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES
        || a.Header.Revision != 1
        || a.Header.Size < NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1
    {
        violation(format!(
            "NdisRegisterDeviceEx: bad attributes header {:?}",
            a.Header
        ));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    // SAFETY: DeviceName is the driver's UNICODE_STRING (or NULL).
    let name = unsafe { strings::read(a.DeviceName) };
    // SAFETY: SymbolicName is the driver's UNICODE_STRING (or NULL).
    let symbolic_name = unsafe { strings::read(a.SymbolicName) };
    // SAFETY: DefaultSDDLString is the driver's UNICODE_STRING (or NULL).
    let sddl = unsafe { strings::read(a.DefaultSDDLString) };
    let (Some(name), Some(symbolic_name)) = (name, symbolic_name) else {
        violation("NdisRegisterDeviceEx: device or symbolic name missing or malformed".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    if !a.DefaultSDDLString.is_null() && sddl.is_none() {
        violation("NdisRegisterDeviceEx: malformed SDDL string".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    let mut major_functions = [0usize; IRP_MJ_COUNT];
    if !a.MajorFunctions.is_null() {
        // SAFETY: MajorFunctions points to IRP_MJ_MAXIMUM_FUNCTION + 1 dispatch pointers.
        let table = unsafe {
            core::slice::from_raw_parts(a.MajorFunctions as *const DriverDispatch, IRP_MJ_COUNT)
        };
        for (slot, f) in major_functions.iter_mut().zip(table) {
            let p = f.map_or(0, |f| f as usize);
            if p != 0 && !image::contains(p) {
                violation(format!(
                    "NdisRegisterDeviceEx: dispatch routine {p:#x} outside the driver image"
                ));
                return NDIS_STATUS_INVALID_PARAMETER;
            }
            *slot = p;
        }
    }
    // SAFETY: DeviceClassGuid is NULL or the driver's GUID.
    let class_guid = unsafe { a.DeviceClassGuid.as_ref() }.copied();
    if super::lowres::fail("NdisRegisterDeviceEx") {
        return NDIS_STATUS_RESOURCES;
    }
    let Ok(mut devices) = DEVICES.lock() else {
        return NDIS_STATUS_FAILURE;
    };
    if devices.iter().any(|d| {
        d.name.eq_ignore_ascii_case(&name) || d.symbolic_name.eq_ignore_ascii_case(&symbolic_name)
    }) {
        return STATUS_OBJECT_NAME_COLLISION;
    }
    let driver_object = filter_driver::registered()
        .into_iter()
        .find(|d| d.handle == object_handle)
        .map_or(0, |d| d.driver_object);
    let mut extension = vec![0u8; a.ExtensionSize as usize];
    // SAFETY: an all-zero DEVICE_OBJECT is a valid value (integers and NULL pointers).
    let mut object: Box<DEVICE_OBJECT> = Box::new(unsafe { core::mem::zeroed() });
    object.Type = IO_TYPE_DEVICE;
    object.Size = core::mem::size_of::<DEVICE_OBJECT>() as u16;
    object.ReferenceCount = 1;
    object.DriverObject = driver_object as *mut _;
    object.DeviceType = FILE_DEVICE_NETWORK;
    object.StackSize = 1;
    object.DeviceExtension = if extension.is_empty() {
        core::ptr::null_mut()
    } else {
        extension.as_mut_ptr().cast()
    };
    let handle = NEXT_HANDLE.fetch_add(0x100, core::sync::atomic::Ordering::Relaxed);
    let device_ptr: *mut DEVICE_OBJECT = &mut *object;
    devices.push(Device {
        handle,
        filter_driver: object_handle,
        name,
        symbolic_name,
        sddl,
        class_guid,
        major_functions,
        extension_size: a.ExtensionSize,
        object,
        extension,
    });
    // SAFETY: checked non-NULL; the driver's out-parameters.
    unsafe { device_out.write(device_ptr) };
    // SAFETY: as above.
    unsafe { handle_out.write(handle) };
    NDIS_STATUS_SUCCESS
}

/// `VOID NdisDeregisterDeviceEx(NDIS_HANDLE NdisDeviceHandle)` — PASSIVE_LEVEL.
pub extern "win64" fn ndis_deregister_device_ex(handle: usize) {
    exactly("NdisDeregisterDeviceEx", PASSIVE_LEVEL);
    let Ok(mut devices) = DEVICES.lock() else {
        return;
    };
    match devices.iter().position(|d| d.handle == handle) {
        Some(i) => {
            devices.remove(i);
        }
        None => violation(format!(
            "NdisDeregisterDeviceEx: {handle:#x} is not a registered device"
        )),
    }
}
