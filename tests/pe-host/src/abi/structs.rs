//! The structures the host builds for the driver or reads from it, written here from the x64
//! reference (not taken from the repository's `ipsecov2-abi` / `ndis-bindings`, so that a mistake
//! shared by those crates and the driver shows up as a difference). Each is listed in
//! [`LAYOUTS`] and compared field by field with `ndis-core-layouts.md` by the tests.
#![allow(non_snake_case, non_camel_case_types)]

use core::ffi::c_void;
use core::mem::{align_of, offset_of, size_of};

/// `UNICODE_STRING` / `NDIS_STRING`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct UNICODE_STRING {
    pub Length: u16,
    pub MaximumLength: u16,
    pub Buffer: *mut u16,
}

/// `NDIS_OBJECT_HEADER`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NDIS_OBJECT_HEADER {
    pub Type: u8,
    pub Revision: u8,
    pub Size: u16,
}

/// A `PDRIVER_DISPATCH`.
pub type DriverDispatch = Option<unsafe extern "win64" fn(*mut DEVICE_OBJECT, *mut c_void) -> i32>;
/// A `PDRIVER_UNLOAD`.
pub type DriverUnload = Option<unsafe extern "win64" fn(*mut DRIVER_OBJECT)>;
/// `IRP_MJ_MAXIMUM_FUNCTION + 1`.
pub const IRP_MJ_COUNT: usize = 28;

/// `DRIVER_OBJECT`.
#[repr(C)]
#[derive(Debug)]
pub struct DRIVER_OBJECT {
    pub Type: i16,
    pub Size: i16,
    pub DeviceObject: *mut DEVICE_OBJECT,
    pub Flags: u32,
    pub DriverStart: *mut c_void,
    pub DriverSize: u32,
    pub DriverSection: *mut c_void,
    pub DriverExtension: *mut c_void,
    pub DriverName: UNICODE_STRING,
    pub HardwareDatabase: *mut UNICODE_STRING,
    pub FastIoDispatch: *mut c_void,
    pub DriverInit: *mut c_void,
    pub DriverStartIo: *mut c_void,
    pub DriverUnload: DriverUnload,
    pub MajorFunction: [DriverDispatch; IRP_MJ_COUNT],
}

/// `DEVICE_OBJECT` (the fields up to `StackSize`; the rest of the 0x150 bytes is opaque here).
#[repr(C, align(16))]
#[derive(Debug)]
pub struct DEVICE_OBJECT {
    pub Type: i16,
    pub Size: u16,
    pub ReferenceCount: i32,
    pub DriverObject: *mut DRIVER_OBJECT,
    pub NextDevice: *mut DEVICE_OBJECT,
    pub AttachedDevice: *mut DEVICE_OBJECT,
    pub CurrentIrp: *mut c_void,
    pub Timer: *mut c_void,
    pub Flags: u32,
    pub Characteristics: u32,
    pub Vpb: *mut c_void,
    pub DeviceExtension: *mut c_void,
    pub DeviceType: u32,
    pub StackSize: i8,
    pub Rest: [u8; 0x150 - 0x4D],
}

/// A filter handler pointer as the host calls it (signatures differ; the host casts).
pub type Handler = *const c_void;

/// `NDIS_FILTER_DRIVER_CHARACTERISTICS` (NDIS 6.80, REVISION_3).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_DRIVER_CHARACTERISTICS {
    pub Header: NDIS_OBJECT_HEADER,
    pub MajorNdisVersion: u8,
    pub MinorNdisVersion: u8,
    pub MajorDriverVersion: u8,
    pub MinorDriverVersion: u8,
    pub Flags: u32,
    pub FriendlyName: UNICODE_STRING,
    pub UniqueName: UNICODE_STRING,
    pub ServiceName: UNICODE_STRING,
    pub SetOptionsHandler: Handler,
    pub SetFilterModuleOptionsHandler: Handler,
    pub AttachHandler: Handler,
    pub DetachHandler: Handler,
    pub RestartHandler: Handler,
    pub PauseHandler: Handler,
    pub SendNetBufferListsHandler: Handler,
    pub SendNetBufferListsCompleteHandler: Handler,
    pub CancelSendNetBufferListsHandler: Handler,
    pub ReceiveNetBufferListsHandler: Handler,
    pub ReturnNetBufferListsHandler: Handler,
    pub OidRequestHandler: Handler,
    pub OidRequestCompleteHandler: Handler,
    pub CancelOidRequestHandler: Handler,
    pub DevicePnPEventNotifyHandler: Handler,
    pub NetPnPEventHandler: Handler,
    pub StatusHandler: Handler,
    pub DirectOidRequestHandler: Handler,
    pub DirectOidRequestCompleteHandler: Handler,
    pub CancelDirectOidRequestHandler: Handler,
    pub SynchronousOidRequestHandler: Handler,
    pub SynchronousOidRequestCompleteHandler: Handler,
}

/// `GUID`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GUID {
    pub Data1: u32,
    pub Data2: u16,
    pub Data3: u16,
    pub Data4: [u8; 8],
}

/// `NDIS_DEVICE_OBJECT_ATTRIBUTES`.
#[repr(C)]
#[derive(Debug)]
pub struct NDIS_DEVICE_OBJECT_ATTRIBUTES {
    pub Header: NDIS_OBJECT_HEADER,
    pub DeviceName: *mut UNICODE_STRING,
    pub SymbolicName: *mut UNICODE_STRING,
    pub MajorFunctions: *mut DriverDispatch,
    pub ExtensionSize: u32,
    pub DefaultSDDLString: *const UNICODE_STRING,
    pub DeviceClassGuid: *const GUID,
}

/// One structure's layout as this crate compiles it.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub name: &'static str,
    pub size: usize,
    pub align: usize,
    /// (field, offset, size)
    pub fields: &'static [(&'static str, usize, usize)],
}

macro_rules! layout {
    ($t:ident { $($f:ident : $ft:ty),* $(,)? }) => {
        Layout {
            name: stringify!($t),
            size: size_of::<$t>(),
            align: align_of::<$t>(),
            fields: &[$((stringify!($f), offset_of!($t, $f), size_of::<$ft>())),*],
        }
    };
}

/// Every structure above, with the fields the reference lists.
pub const LAYOUTS: &[Layout] = &[
    layout!(UNICODE_STRING { Length: u16, MaximumLength: u16, Buffer: *mut u16 }),
    layout!(NDIS_OBJECT_HEADER {
        Type: u8,
        Revision: u8,
        Size: u16
    }),
    layout!(DRIVER_OBJECT {
        Type: i16,
        Size: i16,
        DeviceObject: usize,
        Flags: u32,
        DriverStart: usize,
        DriverSize: u32,
        DriverSection: usize,
        DriverExtension: usize,
        DriverName: UNICODE_STRING,
        HardwareDatabase: usize,
        FastIoDispatch: usize,
        DriverInit: usize,
        DriverStartIo: usize,
        DriverUnload: usize,
        MajorFunction: [DriverDispatch; IRP_MJ_COUNT],
    }),
    layout!(DEVICE_OBJECT {
        Type: i16,
        Size: u16,
        ReferenceCount: i32,
        DriverObject: usize,
        NextDevice: usize,
        AttachedDevice: usize,
        CurrentIrp: usize,
        Timer: usize,
        Flags: u32,
        Characteristics: u32,
        Vpb: usize,
        DeviceExtension: usize,
        DeviceType: u32,
        StackSize: i8,
    }),
    layout!(NDIS_FILTER_DRIVER_CHARACTERISTICS {
        Header: NDIS_OBJECT_HEADER,
        MajorNdisVersion: u8,
        MinorNdisVersion: u8,
        MajorDriverVersion: u8,
        MinorDriverVersion: u8,
        Flags: u32,
        FriendlyName: UNICODE_STRING,
        UniqueName: UNICODE_STRING,
        ServiceName: UNICODE_STRING,
        SetOptionsHandler: usize,
        SetFilterModuleOptionsHandler: usize,
        AttachHandler: usize,
        DetachHandler: usize,
        RestartHandler: usize,
        PauseHandler: usize,
        SendNetBufferListsHandler: usize,
        SendNetBufferListsCompleteHandler: usize,
        CancelSendNetBufferListsHandler: usize,
        ReceiveNetBufferListsHandler: usize,
        ReturnNetBufferListsHandler: usize,
        OidRequestHandler: usize,
        OidRequestCompleteHandler: usize,
        CancelOidRequestHandler: usize,
        DevicePnPEventNotifyHandler: usize,
        NetPnPEventHandler: usize,
        StatusHandler: usize,
        DirectOidRequestHandler: usize,
        DirectOidRequestCompleteHandler: usize,
        CancelDirectOidRequestHandler: usize,
        SynchronousOidRequestHandler: usize,
        SynchronousOidRequestCompleteHandler: usize,
    }),
    layout!(GUID {
        Data1: u32,
        Data2: u16,
        Data3: u16,
        Data4: [u8; 8]
    }),
    layout!(NDIS_DEVICE_OBJECT_ATTRIBUTES {
        Header: NDIS_OBJECT_HEADER,
        DeviceName: usize,
        SymbolicName: usize,
        MajorFunctions: usize,
        ExtensionSize: u32,
        DefaultSDDLString: usize,
        DeviceClassGuid: usize,
    }),
];

// The sizes the driver relies on, checked at compile time as well (the tests compare every field
// with the reference file when it is present).
const _: () = assert!(size_of::<UNICODE_STRING>() == 0x10);
const _: () = assert!(size_of::<DRIVER_OBJECT>() == 0x150);
const _: () = assert!(offset_of!(DRIVER_OBJECT, DriverUnload) == 0x68);
const _: () = assert!(size_of::<DEVICE_OBJECT>() == 0x150 && align_of::<DEVICE_OBJECT>() == 16);
const _: () = assert!(offset_of!(DEVICE_OBJECT, Characteristics) == 0x34);
const _: () = assert!(size_of::<NDIS_FILTER_DRIVER_CHARACTERISTICS>() == 0xF0);
const _: () = assert!(size_of::<NDIS_DEVICE_OBJECT_ATTRIBUTES>() == 0x38);
