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
    /// `UNICODE_STRING::Length`, as the WDK defines it.
    pub Length: u16,
    /// `UNICODE_STRING::MaximumLength`, as the WDK defines it.
    pub MaximumLength: u16,
    /// `UNICODE_STRING::Buffer`, as the WDK defines it.
    pub Buffer: *mut u16,
}

/// `NDIS_OBJECT_HEADER`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NDIS_OBJECT_HEADER {
    /// `NDIS_OBJECT_HEADER::Type`, as the WDK defines it.
    pub Type: u8,
    /// `NDIS_OBJECT_HEADER::Revision`, as the WDK defines it.
    pub Revision: u8,
    /// `NDIS_OBJECT_HEADER::Size`, as the WDK defines it.
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
    /// `DRIVER_OBJECT::Type`, as the WDK defines it.
    pub Type: i16,
    /// `DRIVER_OBJECT::Size`, as the WDK defines it.
    pub Size: i16,
    /// `DRIVER_OBJECT::DeviceObject`, as the WDK defines it.
    pub DeviceObject: *mut DEVICE_OBJECT,
    /// `DRIVER_OBJECT::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `DRIVER_OBJECT::DriverStart`, as the WDK defines it.
    pub DriverStart: *mut c_void,
    /// `DRIVER_OBJECT::DriverSize`, as the WDK defines it.
    pub DriverSize: u32,
    /// `DRIVER_OBJECT::DriverSection`, as the WDK defines it.
    pub DriverSection: *mut c_void,
    /// `DRIVER_OBJECT::DriverExtension`, as the WDK defines it.
    pub DriverExtension: *mut c_void,
    /// `DRIVER_OBJECT::DriverName`, as the WDK defines it.
    pub DriverName: UNICODE_STRING,
    /// `DRIVER_OBJECT::HardwareDatabase`, as the WDK defines it.
    pub HardwareDatabase: *mut UNICODE_STRING,
    /// `DRIVER_OBJECT::FastIoDispatch`, as the WDK defines it.
    pub FastIoDispatch: *mut c_void,
    /// `DRIVER_OBJECT::DriverInit`, as the WDK defines it.
    pub DriverInit: *mut c_void,
    /// `DRIVER_OBJECT::DriverStartIo`, as the WDK defines it.
    pub DriverStartIo: *mut c_void,
    /// `DRIVER_OBJECT::DriverUnload`, as the WDK defines it.
    pub DriverUnload: DriverUnload,
    /// `DRIVER_OBJECT::MajorFunction`, as the WDK defines it.
    pub MajorFunction: [DriverDispatch; IRP_MJ_COUNT],
}

/// `DEVICE_OBJECT` (the fields up to `StackSize`; the rest of the 0x150 bytes is opaque here).
#[repr(C, align(16))]
#[derive(Debug)]
pub struct DEVICE_OBJECT {
    /// `DEVICE_OBJECT::Type`, as the WDK defines it.
    pub Type: i16,
    /// `DEVICE_OBJECT::Size`, as the WDK defines it.
    pub Size: u16,
    /// `DEVICE_OBJECT::ReferenceCount`, as the WDK defines it.
    pub ReferenceCount: i32,
    /// `DEVICE_OBJECT::DriverObject`, as the WDK defines it.
    pub DriverObject: *mut DRIVER_OBJECT,
    /// `DEVICE_OBJECT::NextDevice`, as the WDK defines it.
    pub NextDevice: *mut DEVICE_OBJECT,
    /// `DEVICE_OBJECT::AttachedDevice`, as the WDK defines it.
    pub AttachedDevice: *mut DEVICE_OBJECT,
    /// `DEVICE_OBJECT::CurrentIrp`, as the WDK defines it.
    pub CurrentIrp: *mut c_void,
    /// `DEVICE_OBJECT::Timer`, as the WDK defines it.
    pub Timer: *mut c_void,
    /// `DEVICE_OBJECT::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `DEVICE_OBJECT::Characteristics`, as the WDK defines it.
    pub Characteristics: u32,
    /// `DEVICE_OBJECT::Vpb`, as the WDK defines it.
    pub Vpb: *mut c_void,
    /// `DEVICE_OBJECT::DeviceExtension`, as the WDK defines it.
    pub DeviceExtension: *mut c_void,
    /// `DEVICE_OBJECT::DeviceType`, as the WDK defines it.
    pub DeviceType: u32,
    /// `DEVICE_OBJECT::StackSize`, as the WDK defines it.
    pub StackSize: i8,
    /// `DEVICE_OBJECT::Rest`, as the WDK defines it.
    pub Rest: [u8; 0x150 - 0x4D],
}

/// A filter handler pointer as the host calls it (signatures differ; the host casts).
pub type Handler = *const c_void;

/// `NDIS_FILTER_DRIVER_CHARACTERISTICS` (NDIS 6.80, REVISION_3).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_DRIVER_CHARACTERISTICS {
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::MajorNdisVersion`, as the WDK defines it.
    pub MajorNdisVersion: u8,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::MinorNdisVersion`, as the WDK defines it.
    pub MinorNdisVersion: u8,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::MajorDriverVersion`, as the WDK defines it.
    pub MajorDriverVersion: u8,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::MinorDriverVersion`, as the WDK defines it.
    pub MinorDriverVersion: u8,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::FriendlyName`, as the WDK defines it.
    pub FriendlyName: UNICODE_STRING,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::UniqueName`, as the WDK defines it.
    pub UniqueName: UNICODE_STRING,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::ServiceName`, as the WDK defines it.
    pub ServiceName: UNICODE_STRING,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::SetOptionsHandler`, as the WDK defines it.
    pub SetOptionsHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::SetFilterModuleOptionsHandler`, as the WDK defines it.
    pub SetFilterModuleOptionsHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::AttachHandler`, as the WDK defines it.
    pub AttachHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::DetachHandler`, as the WDK defines it.
    pub DetachHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::RestartHandler`, as the WDK defines it.
    pub RestartHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::PauseHandler`, as the WDK defines it.
    pub PauseHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::SendNetBufferListsHandler`, as the WDK defines it.
    pub SendNetBufferListsHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::SendNetBufferListsCompleteHandler`, as the WDK defines it.
    pub SendNetBufferListsCompleteHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::CancelSendNetBufferListsHandler`, as the WDK defines it.
    pub CancelSendNetBufferListsHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::ReceiveNetBufferListsHandler`, as the WDK defines it.
    pub ReceiveNetBufferListsHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::ReturnNetBufferListsHandler`, as the WDK defines it.
    pub ReturnNetBufferListsHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::OidRequestHandler`, as the WDK defines it.
    pub OidRequestHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::OidRequestCompleteHandler`, as the WDK defines it.
    pub OidRequestCompleteHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::CancelOidRequestHandler`, as the WDK defines it.
    pub CancelOidRequestHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::DevicePnPEventNotifyHandler`, as the WDK defines it.
    pub DevicePnPEventNotifyHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::NetPnPEventHandler`, as the WDK defines it.
    pub NetPnPEventHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::StatusHandler`, as the WDK defines it.
    pub StatusHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::DirectOidRequestHandler`, as the WDK defines it.
    pub DirectOidRequestHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::DirectOidRequestCompleteHandler`, as the WDK defines it.
    pub DirectOidRequestCompleteHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::CancelDirectOidRequestHandler`, as the WDK defines it.
    pub CancelDirectOidRequestHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::SynchronousOidRequestHandler`, as the WDK defines it.
    pub SynchronousOidRequestHandler: Handler,
    /// `NDIS_FILTER_DRIVER_CHARACTERISTICS::SynchronousOidRequestCompleteHandler`, as the WDK defines it.
    pub SynchronousOidRequestCompleteHandler: Handler,
}

/// `GUID`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GUID {
    /// `GUID::Data1`, as the WDK defines it.
    pub Data1: u32,
    /// `GUID::Data2`, as the WDK defines it.
    pub Data2: u16,
    /// `GUID::Data3`, as the WDK defines it.
    pub Data3: u16,
    /// `GUID::Data4`, as the WDK defines it.
    pub Data4: [u8; 8],
}

/// `NDIS_DEVICE_OBJECT_ATTRIBUTES`.
#[repr(C)]
#[derive(Debug)]
pub struct NDIS_DEVICE_OBJECT_ATTRIBUTES {
    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES::DeviceName`, as the WDK defines it.
    pub DeviceName: *mut UNICODE_STRING,
    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES::SymbolicName`, as the WDK defines it.
    pub SymbolicName: *mut UNICODE_STRING,
    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES::MajorFunctions`, as the WDK defines it.
    pub MajorFunctions: *mut DriverDispatch,
    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES::ExtensionSize`, as the WDK defines it.
    pub ExtensionSize: u32,
    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES::DefaultSDDLString`, as the WDK defines it.
    pub DefaultSDDLString: *const UNICODE_STRING,
    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES::DeviceClassGuid`, as the WDK defines it.
    pub DeviceClassGuid: *const GUID,
}

/// `MDL` (the header; the PFN array follows it).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MDL {
    /// `MDL::Next`, as the WDK defines it.
    pub Next: *mut MDL,
    /// `MDL::Size`, as the WDK defines it.
    pub Size: i16,
    /// `MDL::MdlFlags`, as the WDK defines it.
    pub MdlFlags: i16,
    /// `MDL::Process`, as the WDK defines it.
    pub Process: *mut c_void,
    /// `MDL::MappedSystemVa`, as the WDK defines it.
    pub MappedSystemVa: *mut c_void,
    /// `MDL::StartVa`, as the WDK defines it.
    pub StartVa: *mut c_void,
    /// `MDL::ByteCount`, as the WDK defines it.
    pub ByteCount: u32,
    /// `MDL::ByteOffset`, as the WDK defines it.
    pub ByteOffset: u32,
}

/// `NET_BUFFER` (NDIS 6.30–6.86).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct NET_BUFFER {
    /// `NET_BUFFER::Next`, as the WDK defines it.
    pub Next: *mut NET_BUFFER,
    /// `NET_BUFFER::CurrentMdl`, as the WDK defines it.
    pub CurrentMdl: *mut MDL,
    /// `NET_BUFFER::CurrentMdlOffset`, as the WDK defines it.
    pub CurrentMdlOffset: u32,
    /// `DataLength` (ULONG) in a union with `stDataLength` (SIZE_T).
    pub DataLength: usize,
    /// `NET_BUFFER::MdlChain`, as the WDK defines it.
    pub MdlChain: *mut MDL,
    /// `NET_BUFFER::DataOffset`, as the WDK defines it.
    pub DataOffset: u32,
    /// The rest of the 0x30-byte union at +0.
    pub Pad0: u32,
    /// `NET_BUFFER::ChecksumBias`, as the WDK defines it.
    pub ChecksumBias: u16,
    /// `NET_BUFFER::Reserved`, as the WDK defines it.
    pub Reserved: u16,
    /// `NET_BUFFER::NdisPoolHandle`, as the WDK defines it.
    pub NdisPoolHandle: *mut c_void,
    /// `NET_BUFFER::NdisReserved`, as the WDK defines it.
    pub NdisReserved: [*mut c_void; 2],
    /// `NET_BUFFER::ProtocolReserved`, as the WDK defines it.
    pub ProtocolReserved: [*mut c_void; 6],
    /// `NET_BUFFER::MiniportReserved`, as the WDK defines it.
    pub MiniportReserved: [*mut c_void; 4],
    /// `NET_BUFFER::DataPhysicalAddress`, as the WDK defines it.
    pub DataPhysicalAddress: u64,
    /// `SharedMemoryInfo` / `ScatterGatherList`.
    pub SharedMemoryInfo: *mut c_void,
}

/// `NET_BUFFER_LIST` (NDIS 6.80: 27 info slots).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct NET_BUFFER_LIST {
    /// `NET_BUFFER_LIST::Next`, as the WDK defines it.
    pub Next: *mut NET_BUFFER_LIST,
    /// `NET_BUFFER_LIST::FirstNetBuffer`, as the WDK defines it.
    pub FirstNetBuffer: *mut NET_BUFFER,
    /// `NET_BUFFER_LIST::Context`, as the WDK defines it.
    pub Context: *mut c_void,
    /// `NET_BUFFER_LIST::ParentNetBufferList`, as the WDK defines it.
    pub ParentNetBufferList: *mut NET_BUFFER_LIST,
    /// `NET_BUFFER_LIST::NdisPoolHandle`, as the WDK defines it.
    pub NdisPoolHandle: *mut c_void,
    /// The hole before the 16-aligned `NdisReserved`.
    pub Pad0: usize,
    /// `NET_BUFFER_LIST::NdisReserved`, as the WDK defines it.
    pub NdisReserved: [*mut c_void; 2],
    /// `NET_BUFFER_LIST::ProtocolReserved`, as the WDK defines it.
    pub ProtocolReserved: [*mut c_void; 4],
    /// `NET_BUFFER_LIST::MiniportReserved`, as the WDK defines it.
    pub MiniportReserved: [*mut c_void; 2],
    /// `NET_BUFFER_LIST::Scratch`, as the WDK defines it.
    pub Scratch: *mut c_void,
    /// `NET_BUFFER_LIST::SourceHandle`, as the WDK defines it.
    pub SourceHandle: *mut c_void,
    /// `NET_BUFFER_LIST::NblFlags`, as the WDK defines it.
    pub NblFlags: u32,
    /// `NET_BUFFER_LIST::ChildRefCount`, as the WDK defines it.
    pub ChildRefCount: i32,
    /// `NET_BUFFER_LIST::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `Status` (NDIS_STATUS), in a union with `NdisReserved2`.
    pub Status: i32,
    /// `NET_BUFFER_LIST::NetBufferListInfo`, as the WDK defines it.
    pub NetBufferListInfo: [*mut c_void; 27],
}

/// `NET_BUFFER_LIST_POOL_PARAMETERS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NET_BUFFER_LIST_POOL_PARAMETERS {
    /// `NET_BUFFER_LIST_POOL_PARAMETERS::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NET_BUFFER_LIST_POOL_PARAMETERS::ProtocolId`, as the WDK defines it.
    pub ProtocolId: u8,
    /// `NET_BUFFER_LIST_POOL_PARAMETERS::fAllocateNetBuffer`, as the WDK defines it.
    pub fAllocateNetBuffer: u8,
    /// `NET_BUFFER_LIST_POOL_PARAMETERS::ContextSize`, as the WDK defines it.
    pub ContextSize: u16,
    /// `NET_BUFFER_LIST_POOL_PARAMETERS::PoolTag`, as the WDK defines it.
    pub PoolTag: u32,
    /// `NET_BUFFER_LIST_POOL_PARAMETERS::DataSize`, as the WDK defines it.
    pub DataSize: u32,
}

/// `NDIS_FILTER_ATTACH_PARAMETERS` (revision 4).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_ATTACH_PARAMETERS {
    /// `NDIS_FILTER_ATTACH_PARAMETERS::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::IfIndex`, as the WDK defines it.
    pub IfIndex: u32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::NetLuid`, as the WDK defines it.
    pub NetLuid: u64,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::FilterModuleGuidName`, as the WDK defines it.
    pub FilterModuleGuidName: *mut UNICODE_STRING,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::BaseMiniportIfIndex`, as the WDK defines it.
    pub BaseMiniportIfIndex: u32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::BaseMiniportInstanceName`, as the WDK defines it.
    pub BaseMiniportInstanceName: *mut UNICODE_STRING,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::BaseMiniportName`, as the WDK defines it.
    pub BaseMiniportName: *mut UNICODE_STRING,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::MediaConnectState`, as the WDK defines it.
    pub MediaConnectState: i32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::MediaDuplexState`, as the WDK defines it.
    pub MediaDuplexState: i32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::XmitLinkSpeed`, as the WDK defines it.
    pub XmitLinkSpeed: u64,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::RcvLinkSpeed`, as the WDK defines it.
    pub RcvLinkSpeed: u64,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::MiniportMediaType`, as the WDK defines it.
    pub MiniportMediaType: i32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::MiniportPhysicalMediaType`, as the WDK defines it.
    pub MiniportPhysicalMediaType: i32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::MiniportMediaSpecificAttributes`, as the WDK defines it.
    pub MiniportMediaSpecificAttributes: *mut c_void,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::DefaultOffloadConfiguration`, as the WDK defines it.
    pub DefaultOffloadConfiguration: *mut c_void,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::MacAddressLength`, as the WDK defines it.
    pub MacAddressLength: u16,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::CurrentMacAddress`, as the WDK defines it.
    pub CurrentMacAddress: [u8; 32],
    /// `NDIS_FILTER_ATTACH_PARAMETERS::BaseMiniportNetLuid`, as the WDK defines it.
    pub BaseMiniportNetLuid: u64,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::LowerIfIndex`, as the WDK defines it.
    pub LowerIfIndex: u32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::LowerIfNetLuid`, as the WDK defines it.
    pub LowerIfNetLuid: u64,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::HDSplitCurrentConfig`, as the WDK defines it.
    pub HDSplitCurrentConfig: *mut c_void,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::ReceiveFilterCapabilities`, as the WDK defines it.
    pub ReceiveFilterCapabilities: *mut c_void,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::MiniportPhysicalDeviceObject`, as the WDK defines it.
    pub MiniportPhysicalDeviceObject: *mut c_void,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::NicSwitchCapabilities`, as the WDK defines it.
    pub NicSwitchCapabilities: *mut c_void,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::BaseMiniportIfConnectorPresent`, as the WDK defines it.
    pub BaseMiniportIfConnectorPresent: u8,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::SriovCapabilities`, as the WDK defines it.
    pub SriovCapabilities: *mut c_void,
    /// `NDIS_FILTER_ATTACH_PARAMETERS::NicSwitchArray`, as the WDK defines it.
    pub NicSwitchArray: *mut c_void,
}

/// `NDIS_FILTER_ATTRIBUTES`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_ATTRIBUTES {
    /// `NDIS_FILTER_ATTRIBUTES::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_FILTER_ATTRIBUTES::Flags`, as the WDK defines it.
    pub Flags: u32,
}

/// `NDIS_FILTER_RESTART_PARAMETERS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_RESTART_PARAMETERS {
    /// `NDIS_FILTER_RESTART_PARAMETERS::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_FILTER_RESTART_PARAMETERS::MiniportMediaType`, as the WDK defines it.
    pub MiniportMediaType: i32,
    /// `NDIS_FILTER_RESTART_PARAMETERS::MiniportPhysicalMediaType`, as the WDK defines it.
    pub MiniportPhysicalMediaType: i32,
    /// `NDIS_FILTER_RESTART_PARAMETERS::RestartAttributes`, as the WDK defines it.
    pub RestartAttributes: *mut c_void,
    /// `NDIS_FILTER_RESTART_PARAMETERS::LowerIfIndex`, as the WDK defines it.
    pub LowerIfIndex: u32,
    /// `NDIS_FILTER_RESTART_PARAMETERS::LowerIfNetLuid`, as the WDK defines it.
    pub LowerIfNetLuid: u64,
    /// `NDIS_FILTER_RESTART_PARAMETERS::Flags`, as the WDK defines it.
    pub Flags: u32,
}

/// `NDIS_FILTER_PAUSE_PARAMETERS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_PAUSE_PARAMETERS {
    /// `NDIS_FILTER_PAUSE_PARAMETERS::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_FILTER_PAUSE_PARAMETERS::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `NDIS_FILTER_PAUSE_PARAMETERS::PauseReason`, as the WDK defines it.
    pub PauseReason: u32,
}

/// `NDIS_STATUS_INDICATION`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_STATUS_INDICATION {
    /// `NDIS_STATUS_INDICATION::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_STATUS_INDICATION::SourceHandle`, as the WDK defines it.
    pub SourceHandle: *mut c_void,
    /// `NDIS_STATUS_INDICATION::PortNumber`, as the WDK defines it.
    pub PortNumber: u32,
    /// `NDIS_STATUS_INDICATION::StatusCode`, as the WDK defines it.
    pub StatusCode: i32,
    /// `NDIS_STATUS_INDICATION::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `NDIS_STATUS_INDICATION::DestinationHandle`, as the WDK defines it.
    pub DestinationHandle: *mut c_void,
    /// `NDIS_STATUS_INDICATION::RequestId`, as the WDK defines it.
    pub RequestId: *mut c_void,
    /// `NDIS_STATUS_INDICATION::StatusBuffer`, as the WDK defines it.
    pub StatusBuffer: *mut c_void,
    /// `NDIS_STATUS_INDICATION::StatusBufferSize`, as the WDK defines it.
    pub StatusBufferSize: u32,
    /// `NDIS_STATUS_INDICATION::Guid`, as the WDK defines it.
    pub Guid: GUID,
    /// `NDIS_STATUS_INDICATION::NdisReserved`, as the WDK defines it.
    pub NdisReserved: [*mut c_void; 4],
}

/// `NDIS_CONFIGURATION_OBJECT` (not in the reference: ndis.h, asserted here only).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_CONFIGURATION_OBJECT {
    /// `NDIS_CONFIGURATION_OBJECT::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_CONFIGURATION_OBJECT::NdisHandle`, as the WDK defines it.
    pub NdisHandle: *mut c_void,
    /// `NDIS_CONFIGURATION_OBJECT::Flags`, as the WDK defines it.
    pub Flags: u32,
}

/// `NDIS_CONFIGURATION_PARAMETER` with the integer member of its data union (the only kind the
/// host serves); the union is 0x10 bytes (`NDIS_STRING`).
#[repr(C, align(8))]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_CONFIGURATION_PARAMETER {
    /// `NDIS_CONFIGURATION_PARAMETER::ParameterType`, as the WDK defines it.
    pub ParameterType: i32,
    /// `NDIS_CONFIGURATION_PARAMETER::Pad0`, as the WDK defines it.
    pub Pad0: u32,
    /// `NDIS_CONFIGURATION_PARAMETER::IntegerData`, as the WDK defines it.
    pub IntegerData: u32,
    /// `NDIS_CONFIGURATION_PARAMETER::Rest`, as the WDK defines it.
    pub Rest: [u32; 3],
}

/// `NDIS_OID_REQUEST` (REVISION_2, NDIS 6.50+). `DATA` is a union; the host names its members
/// by the largest view (METHOD_INFORMATION) and lists the others as aliases.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_OID_REQUEST {
    /// `NDIS_OID_REQUEST::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_OID_REQUEST::RequestType`, as the WDK defines it.
    pub RequestType: i32,
    /// `NDIS_OID_REQUEST::PortNumber`, as the WDK defines it.
    pub PortNumber: u32,
    /// `NDIS_OID_REQUEST::Timeout`, as the WDK defines it.
    pub Timeout: u32,
    /// `NDIS_OID_REQUEST::RequestId`, as the WDK defines it.
    pub RequestId: *mut c_void,
    /// `NDIS_OID_REQUEST::RequestHandle`, as the WDK defines it.
    pub RequestHandle: *mut c_void,
    /// `NDIS_OID_REQUEST::Oid`, as the WDK defines it.
    pub Oid: u32,
    /// `NDIS_OID_REQUEST::Pad0`, as the WDK defines it.
    pub Pad0: u32,
    /// `NDIS_OID_REQUEST::InformationBuffer`, as the WDK defines it.
    pub InformationBuffer: *mut c_void,
    /// QUERY/SET `InformationBufferLength`, METHOD `InputBufferLength`.
    pub InformationBufferLength: u32,
    /// QUERY `BytesWritten`, SET `BytesRead`, METHOD `OutputBufferLength`.
    pub BytesWritten: u32,
    /// QUERY/SET `BytesNeeded`, METHOD `MethodId`.
    pub BytesNeeded: u32,
    /// `NDIS_OID_REQUEST::MethodBytesWritten`, as the WDK defines it.
    pub MethodBytesWritten: u32,
    /// `NDIS_OID_REQUEST::MethodBytesRead`, as the WDK defines it.
    pub MethodBytesRead: u32,
    /// `NDIS_OID_REQUEST::MethodBytesNeeded`, as the WDK defines it.
    pub MethodBytesNeeded: u32,
    /// `NDIS_OID_REQUEST::NdisReserved`, as the WDK defines it.
    pub NdisReserved: [u8; 128],
    /// `NDIS_OID_REQUEST::MiniportReserved`, as the WDK defines it.
    pub MiniportReserved: [u8; 16],
    /// `NDIS_OID_REQUEST::SourceReserved`, as the WDK defines it.
    pub SourceReserved: [u8; 16],
    /// `NDIS_OID_REQUEST::SupportedRevision`, as the WDK defines it.
    pub SupportedRevision: u8,
    /// `NDIS_OID_REQUEST::Reserved1`, as the WDK defines it.
    pub Reserved1: u8,
    /// `NDIS_OID_REQUEST::Reserved2`, as the WDK defines it.
    pub Reserved2: u16,
    /// `NDIS_OID_REQUEST::SwitchId`, as the WDK defines it.
    pub SwitchId: u32,
    /// `NDIS_OID_REQUEST::VPortId`, as the WDK defines it.
    pub VPortId: u32,
    /// `NDIS_OID_REQUEST::Flags`, as the WDK defines it.
    pub Flags: u32,
}

/// `IRP` (the fields the host sets or reads; unions named by the member the host uses).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct IRP {
    /// `IRP::Type`, as the WDK defines it.
    pub Type: i16,
    /// `IRP::Size`, as the WDK defines it.
    pub Size: u16,
    /// `IRP::Pad0`, as the WDK defines it.
    pub Pad0: u32,
    /// `IRP::MdlAddress`, as the WDK defines it.
    pub MdlAddress: *mut MDL,
    /// `IRP::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `IRP::Pad1`, as the WDK defines it.
    pub Pad1: u32,
    /// `AssociatedIrp.SystemBuffer`.
    pub SystemBuffer: *mut c_void,
    /// `IRP::ThreadListEntry`, as the WDK defines it.
    pub ThreadListEntry: [usize; 2],
    /// `IoStatus.Status`.
    pub IoStatusStatus: i32,
    /// `IRP::Pad2`, as the WDK defines it.
    pub Pad2: u32,
    /// `IoStatus.Information`.
    pub IoStatusInformation: usize,
    /// `IRP::RequestorMode`, as the WDK defines it.
    pub RequestorMode: u8,
    /// `IRP::PendingReturned`, as the WDK defines it.
    pub PendingReturned: u8,
    /// `IRP::StackCount`, as the WDK defines it.
    pub StackCount: i8,
    /// `IRP::CurrentLocation`, as the WDK defines it.
    pub CurrentLocation: i8,
    /// `IRP::Cancel`, as the WDK defines it.
    pub Cancel: u8,
    /// `IRP::CancelIrql`, as the WDK defines it.
    pub CancelIrql: u8,
    /// `IRP::ApcEnvironment`, as the WDK defines it.
    pub ApcEnvironment: i8,
    /// `IRP::AllocationFlags`, as the WDK defines it.
    pub AllocationFlags: u8,
    /// `IRP::UserIosb`, as the WDK defines it.
    pub UserIosb: *mut c_void,
    /// `IRP::UserEvent`, as the WDK defines it.
    pub UserEvent: *mut c_void,
    /// `IRP::Overlay`, as the WDK defines it.
    pub Overlay: [usize; 2],
    /// `IRP::CancelRoutine`, as the WDK defines it.
    pub CancelRoutine: *mut c_void,
    /// `IRP::UserBuffer`, as the WDK defines it.
    pub UserBuffer: *mut c_void,
    /// `Tail.Overlay.DriverContext`.
    pub DriverContext: [*mut c_void; 4],
    /// `IRP::Thread`, as the WDK defines it.
    pub Thread: *mut c_void,
    /// `IRP::AuxiliaryBuffer`, as the WDK defines it.
    pub AuxiliaryBuffer: *mut c_void,
    /// `IRP::ListEntry`, as the WDK defines it.
    pub ListEntry: [usize; 2],
    /// `Tail.Overlay.CurrentStackLocation`.
    pub CurrentStackLocation: *mut IO_STACK_LOCATION,
    /// `IRP::OriginalFileObject`, as the WDK defines it.
    pub OriginalFileObject: *mut c_void,
    /// `IRP::Pad3`, as the WDK defines it.
    pub Pad3: usize,
}

/// `IO_STACK_LOCATION` (Parameters named by the DeviceIoControl view).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct IO_STACK_LOCATION {
    /// `IO_STACK_LOCATION::MajorFunction`, as the WDK defines it.
    pub MajorFunction: u8,
    /// `IO_STACK_LOCATION::MinorFunction`, as the WDK defines it.
    pub MinorFunction: u8,
    /// `IO_STACK_LOCATION::Flags`, as the WDK defines it.
    pub Flags: u8,
    /// `IO_STACK_LOCATION::Control`, as the WDK defines it.
    pub Control: u8,
    /// `IO_STACK_LOCATION::Pad0`, as the WDK defines it.
    pub Pad0: u32,
    /// `IO_STACK_LOCATION::OutputBufferLength`, as the WDK defines it.
    pub OutputBufferLength: u32,
    /// `IO_STACK_LOCATION::Pad1`, as the WDK defines it.
    pub Pad1: u32,
    /// `IO_STACK_LOCATION::InputBufferLength`, as the WDK defines it.
    pub InputBufferLength: u32,
    /// `IO_STACK_LOCATION::Pad2`, as the WDK defines it.
    pub Pad2: u32,
    /// `IO_STACK_LOCATION::IoControlCode`, as the WDK defines it.
    pub IoControlCode: u32,
    /// `IO_STACK_LOCATION::Pad3`, as the WDK defines it.
    pub Pad3: u32,
    /// `IO_STACK_LOCATION::Type3InputBuffer`, as the WDK defines it.
    pub Type3InputBuffer: *mut c_void,
    /// `IO_STACK_LOCATION::DeviceObject`, as the WDK defines it.
    pub DeviceObject: *mut DEVICE_OBJECT,
    /// `IO_STACK_LOCATION::FileObject`, as the WDK defines it.
    pub FileObject: *mut c_void,
    /// `IO_STACK_LOCATION::CompletionRoutine`, as the WDK defines it.
    pub CompletionRoutine: *mut c_void,
    /// `IO_STACK_LOCATION::Context`, as the WDK defines it.
    pub Context: *mut c_void,
}

/// `NDIS_OFFLOAD` (NDIS 6.80, REVISION_5, 0xBC bytes); the sub-structures are `ULONG` bitfield
/// blocks, kept as words here.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NDIS_OFFLOAD {
    /// `NDIS_OFFLOAD::Header`, as the WDK defines it.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_OFFLOAD::Checksum`, as the WDK defines it.
    pub Checksum: [u32; 8],
    /// `NDIS_OFFLOAD::LsoV1`, as the WDK defines it.
    pub LsoV1: [u32; 4],
    /// `NDIS_OFFLOAD::IPsecV1`, as the WDK defines it.
    pub IPsecV1: [u32; 7],
    /// `NDIS_OFFLOAD::LsoV2`, as the WDK defines it.
    pub LsoV2: [u32; 7],
    /// `NDIS_OFFLOAD::Flags`, as the WDK defines it.
    pub Flags: u32,
    /// `NDIS_OFFLOAD::IPsecV2`, as the WDK defines it.
    pub IPsecV2: [u32; 8],
    /// `NDIS_OFFLOAD::Rsc`, as the WDK defines it.
    pub Rsc: [u8; 2],
    /// `NDIS_OFFLOAD::Pad0`, as the WDK defines it.
    pub Pad0: [u8; 2],
    /// `NDIS_OFFLOAD::EncapsulatedPacketTaskOffloadGre`, as the WDK defines it.
    pub EncapsulatedPacketTaskOffloadGre: [u32; 2],
    /// `NDIS_OFFLOAD::EncapsulatedPacketTaskOffloadVxlan`, as the WDK defines it.
    pub EncapsulatedPacketTaskOffloadVxlan: [u32; 5],
    /// `NDIS_OFFLOAD::EncapsulationTypes`, as the WDK defines it.
    pub EncapsulationTypes: u8,
    /// `NDIS_OFFLOAD::Pad1`, as the WDK defines it.
    pub Pad1: [u8; 3],
    /// `NDIS_OFFLOAD::Rfc6877Xlat`, as the WDK defines it.
    pub Rfc6877Xlat: [u32; 2],
}

/// One structure's layout as this crate compiles it.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// `Layout::name`, as the WDK defines it.
    pub name: &'static str,
    /// `Layout::size`, as the WDK defines it.
    pub size: usize,
    /// `Layout::align`, as the WDK defines it.
    pub align: usize,
    /// (field, offset, size)
    pub fields: &'static [(&'static str, usize, usize)],
    /// Union members the host reads through another field: (name, offset, size), also compared.
    pub aliases: &'static [(&'static str, usize, usize)],
}

macro_rules! layout {
    ($t:ident { $($f:ident : $ft:ty),* $(,)? }) => {
        Layout {
            name: stringify!($t),
            size: size_of::<$t>(),
            align: align_of::<$t>(),
            fields: &[$((stringify!($f), offset_of!($t, $f), size_of::<$ft>())),*],
            aliases: &[],
        }
    };
    ($t:ident { $($f:ident : $ft:ty),* $(,)? } aliases [$($a:literal : $ao:expr, $az:expr);* $(;)?]) => {
        Layout {
            name: stringify!($t),
            size: size_of::<$t>(),
            align: align_of::<$t>(),
            fields: &[$((stringify!($f), offset_of!($t, $f), size_of::<$ft>())),*],
            aliases: &[$(($a, $ao, $az)),*],
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
    layout!(MDL {
        Next: usize,
        Size: i16,
        MdlFlags: i16,
        Process: usize,
        MappedSystemVa: usize,
        StartVa: usize,
        ByteCount: u32,
        ByteOffset: u32,
    }),
    layout!(NET_BUFFER {
        Next: usize, CurrentMdl: usize, CurrentMdlOffset: u32, DataLength: u32, MdlChain: usize,
        DataOffset: u32, ChecksumBias: u16, Reserved: u16, NdisPoolHandle: usize,
        NdisReserved: [usize; 2], ProtocolReserved: [usize; 6], MiniportReserved: [usize; 4],
        DataPhysicalAddress: u64, SharedMemoryInfo: usize,
    } aliases ["stDataLength": 0x18, 8; "Link": 0, 0x10; "NetBufferHeader": 0, 0x30; "ScatterGatherList": 0xA8, 8]),
    layout!(NET_BUFFER_LIST {
        Next: usize, FirstNetBuffer: usize, Context: usize, ParentNetBufferList: usize,
        NdisPoolHandle: usize, NdisReserved: [usize; 2], ProtocolReserved: [usize; 4],
        MiniportReserved: [usize; 2], Scratch: usize, SourceHandle: usize, NblFlags: u32,
        ChildRefCount: i32, Flags: u32, Status: i32, NetBufferListInfo: [usize; 27],
    } aliases ["Link": 0, 0x10; "NetBufferListHeader": 0, 0x10; "NdisReserved2": 0x8C, 4]),
    layout!(NET_BUFFER_LIST_POOL_PARAMETERS {
        Header: NDIS_OBJECT_HEADER,
        ProtocolId: u8,
        fAllocateNetBuffer: u8,
        ContextSize: u16,
        PoolTag: u32,
        DataSize: u32,
    }),
    layout!(NDIS_FILTER_ATTACH_PARAMETERS {
        Header: NDIS_OBJECT_HEADER,
        IfIndex: u32,
        NetLuid: u64,
        FilterModuleGuidName: usize,
        BaseMiniportIfIndex: u32,
        BaseMiniportInstanceName: usize,
        BaseMiniportName: usize,
        MediaConnectState: i32,
        MediaDuplexState: i32,
        XmitLinkSpeed: u64,
        RcvLinkSpeed: u64,
        MiniportMediaType: i32,
        MiniportPhysicalMediaType: i32,
        MiniportMediaSpecificAttributes: usize,
        DefaultOffloadConfiguration: usize,
        MacAddressLength: u16,
        CurrentMacAddress: [u8; 32],
        BaseMiniportNetLuid: u64,
        LowerIfIndex: u32,
        LowerIfNetLuid: u64,
        Flags: u32,
        HDSplitCurrentConfig: usize,
        ReceiveFilterCapabilities: usize,
        MiniportPhysicalDeviceObject: usize,
        NicSwitchCapabilities: usize,
        BaseMiniportIfConnectorPresent: u8,
        SriovCapabilities: usize,
        NicSwitchArray: usize,
    }),
    layout!(NDIS_FILTER_ATTRIBUTES {
        Header: NDIS_OBJECT_HEADER,
        Flags: u32
    }),
    layout!(NDIS_FILTER_RESTART_PARAMETERS {
        Header: NDIS_OBJECT_HEADER,
        MiniportMediaType: i32,
        MiniportPhysicalMediaType: i32,
        RestartAttributes: usize,
        LowerIfIndex: u32,
        LowerIfNetLuid: u64,
        Flags: u32,
    }),
    layout!(NDIS_FILTER_PAUSE_PARAMETERS {
        Header: NDIS_OBJECT_HEADER,
        Flags: u32,
        PauseReason: u32
    }),
    layout!(NDIS_STATUS_INDICATION {
        Header: NDIS_OBJECT_HEADER,
        SourceHandle: usize,
        PortNumber: u32,
        StatusCode: i32,
        Flags: u32,
        DestinationHandle: usize,
        RequestId: usize,
        StatusBuffer: usize,
        StatusBufferSize: u32,
        Guid: GUID,
        NdisReserved: [usize; 4],
    }),
    layout!(NDIS_OID_REQUEST {
        Header: NDIS_OBJECT_HEADER, RequestType: i32, PortNumber: u32, Timeout: u32,
        RequestId: usize, RequestHandle: usize, NdisReserved: [u8; 128], MiniportReserved: [u8; 16],
        SourceReserved: [u8; 16], SupportedRevision: u8, Reserved1: u8, Reserved2: u16,
        SwitchId: u32, VPortId: u32, Flags: u32,
    } aliases [
        "DATA": offset_of!(NDIS_OID_REQUEST, Oid), 0x28;
        "DATA.Oid": offset_of!(NDIS_OID_REQUEST, Oid), 4;
        "DATA.QUERY_INFORMATION.Oid": offset_of!(NDIS_OID_REQUEST, Oid), 4;
        "DATA.QUERY_INFORMATION.InformationBuffer": offset_of!(NDIS_OID_REQUEST, InformationBuffer), 8;
        "DATA.QUERY_INFORMATION.InformationBufferLength": offset_of!(NDIS_OID_REQUEST, InformationBufferLength), 4;
        "DATA.QUERY_INFORMATION.BytesWritten": offset_of!(NDIS_OID_REQUEST, BytesWritten), 4;
        "DATA.QUERY_INFORMATION.BytesNeeded": offset_of!(NDIS_OID_REQUEST, BytesNeeded), 4;
        "DATA.SET_INFORMATION.Oid": offset_of!(NDIS_OID_REQUEST, Oid), 4;
        "DATA.SET_INFORMATION.InformationBuffer": offset_of!(NDIS_OID_REQUEST, InformationBuffer), 8;
        "DATA.SET_INFORMATION.InformationBufferLength": offset_of!(NDIS_OID_REQUEST, InformationBufferLength), 4;
        "DATA.SET_INFORMATION.BytesRead": offset_of!(NDIS_OID_REQUEST, BytesWritten), 4;
        "DATA.SET_INFORMATION.BytesNeeded": offset_of!(NDIS_OID_REQUEST, BytesNeeded), 4;
        "DATA.METHOD_INFORMATION.Oid": offset_of!(NDIS_OID_REQUEST, Oid), 4;
        "DATA.METHOD_INFORMATION.InformationBuffer": offset_of!(NDIS_OID_REQUEST, InformationBuffer), 8;
        "DATA.METHOD_INFORMATION.InputBufferLength": offset_of!(NDIS_OID_REQUEST, InformationBufferLength), 4;
        "DATA.METHOD_INFORMATION.OutputBufferLength": offset_of!(NDIS_OID_REQUEST, BytesWritten), 4;
        "DATA.METHOD_INFORMATION.MethodId": offset_of!(NDIS_OID_REQUEST, BytesNeeded), 4;
        "DATA.METHOD_INFORMATION.BytesWritten": offset_of!(NDIS_OID_REQUEST, MethodBytesWritten), 4;
        "DATA.METHOD_INFORMATION.BytesRead": offset_of!(NDIS_OID_REQUEST, MethodBytesRead), 4;
        "DATA.METHOD_INFORMATION.BytesNeeded": offset_of!(NDIS_OID_REQUEST, MethodBytesNeeded), 4;
    ]),
    layout!(IRP {
        Type: i16, Size: u16, MdlAddress: usize, Flags: u32, ThreadListEntry: [usize; 2],
        RequestorMode: u8, PendingReturned: u8, StackCount: i8, CurrentLocation: i8, Cancel: u8,
        CancelIrql: u8, ApcEnvironment: i8, AllocationFlags: u8, UserIosb: usize, UserEvent: usize,
        Overlay: [usize; 2], CancelRoutine: usize, UserBuffer: usize,
    } aliases [
        "AssociatedIrp": offset_of!(IRP, SystemBuffer), 8;
        "AssociatedIrp.MasterIrp": offset_of!(IRP, SystemBuffer), 8;
        "AssociatedIrp.IrpCount": offset_of!(IRP, SystemBuffer), 4;
        "AssociatedIrp.SystemBuffer": offset_of!(IRP, SystemBuffer), 8;
        "IoStatus": offset_of!(IRP, IoStatusStatus), 0x10;
        "IoStatus.Status": offset_of!(IRP, IoStatusStatus), 4;
        "IoStatus.Information": offset_of!(IRP, IoStatusInformation), 8;
        "Tail": offset_of!(IRP, DriverContext), 0x58;
        "Tail.Overlay.DeviceQueueEntry": offset_of!(IRP, DriverContext), 0x18;
        "Tail.Overlay.DriverContext": offset_of!(IRP, DriverContext), 0x20;
        "Tail.Overlay.Thread": offset_of!(IRP, Thread), 8;
        "Tail.Overlay.AuxiliaryBuffer": offset_of!(IRP, AuxiliaryBuffer), 8;
        "Tail.Overlay.ListEntry": offset_of!(IRP, ListEntry), 0x10;
        "Tail.Overlay.CurrentStackLocation": offset_of!(IRP, CurrentStackLocation), 8;
        "Tail.Overlay.PacketType": offset_of!(IRP, CurrentStackLocation), 4;
        "Tail.Overlay.OriginalFileObject": offset_of!(IRP, OriginalFileObject), 8;
        "Tail.Apc": offset_of!(IRP, DriverContext), 0x58;
        "Tail.CompletionKey": offset_of!(IRP, DriverContext), 8;
    ]),
    layout!(IO_STACK_LOCATION {
        MajorFunction: u8, MinorFunction: u8, Flags: u8, Control: u8, DeviceObject: usize,
        FileObject: usize, CompletionRoutine: usize, Context: usize,
    } aliases [
        "Parameters": offset_of!(IO_STACK_LOCATION, OutputBufferLength), 0x20;
        "Parameters.DeviceIoControl.OutputBufferLength": offset_of!(IO_STACK_LOCATION, OutputBufferLength), 4;
        "Parameters.DeviceIoControl.InputBufferLength": offset_of!(IO_STACK_LOCATION, InputBufferLength), 4;
        "Parameters.DeviceIoControl.IoControlCode": offset_of!(IO_STACK_LOCATION, IoControlCode), 4;
        "Parameters.DeviceIoControl.Type3InputBuffer": offset_of!(IO_STACK_LOCATION, Type3InputBuffer), 8;
        "Parameters.Read.Length": offset_of!(IO_STACK_LOCATION, OutputBufferLength), 4;
        "Parameters.Write.Length": offset_of!(IO_STACK_LOCATION, OutputBufferLength), 4;
        "Parameters.Create.SecurityContext": offset_of!(IO_STACK_LOCATION, OutputBufferLength), 8;
    ]),
    layout!(NDIS_OFFLOAD {
        Header: NDIS_OBJECT_HEADER,
        Checksum: [u32; 8],
        LsoV1: [u32; 4],
        IPsecV1: [u32; 7],
        LsoV2: [u32; 7],
        Flags: u32,
        IPsecV2: [u32; 8],
        Rsc: [u8; 2],
        EncapsulatedPacketTaskOffloadGre: [u32; 2],
        EncapsulatedPacketTaskOffloadVxlan: [u32; 5],
        EncapsulationTypes: u8,
        Rfc6877Xlat: [u32; 2],
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
const _: () = assert!(size_of::<MDL>() == 0x30);
const _: () =
    assert!(size_of::<NDIS_OFFLOAD>() == 0xBC && offset_of!(NDIS_OFFLOAD, IPsecV2) == 0x70);
const _: () = assert!(size_of::<IRP>() == 0xD0 && offset_of!(IRP, CurrentStackLocation) == 0xB8);
const _: () = assert!(size_of::<IO_STACK_LOCATION>() == 0x48);
const _: () = assert!(
    size_of::<NDIS_OID_REQUEST>() == 0xF8 && offset_of!(NDIS_OID_REQUEST, NdisReserved) == 0x48
);
const _: () = assert!(size_of::<NET_BUFFER>() == 0xB0 && align_of::<NET_BUFFER>() == 16);
const _: () = assert!(
    size_of::<NET_BUFFER_LIST>() == 0x170 && offset_of!(NET_BUFFER_LIST, NetBufferListInfo) == 0x90
);
const _: () = assert!(size_of::<NDIS_FILTER_ATTACH_PARAMETERS>() == 0xE0);
const _: () =
    assert!(offset_of!(NDIS_FILTER_ATTACH_PARAMETERS, DefaultOffloadConfiguration) == 0x58);
const _: () = assert!(size_of::<NDIS_STATUS_INDICATION>() == 0x70);
const _: () = assert!(
    size_of::<NDIS_CONFIGURATION_OBJECT>() == 0x18
        && offset_of!(NDIS_CONFIGURATION_OBJECT, Flags) == 0x10
);
const _: () = assert!(
    size_of::<NDIS_CONFIGURATION_PARAMETER>() == 0x18
        && offset_of!(NDIS_CONFIGURATION_PARAMETER, IntegerData) == 8
);
