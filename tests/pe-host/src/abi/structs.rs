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

/// `MDL` (the header; the PFN array follows it).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MDL {
    pub Next: *mut MDL,
    pub Size: i16,
    pub MdlFlags: i16,
    pub Process: *mut c_void,
    pub MappedSystemVa: *mut c_void,
    pub StartVa: *mut c_void,
    pub ByteCount: u32,
    pub ByteOffset: u32,
}

/// `NET_BUFFER` (NDIS 6.30–6.86).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct NET_BUFFER {
    pub Next: *mut NET_BUFFER,
    pub CurrentMdl: *mut MDL,
    pub CurrentMdlOffset: u32,
    /// `DataLength` (ULONG) in a union with `stDataLength` (SIZE_T).
    pub DataLength: usize,
    pub MdlChain: *mut MDL,
    pub DataOffset: u32,
    /// The rest of the 0x30-byte union at +0.
    pub Pad0: u32,
    pub ChecksumBias: u16,
    pub Reserved: u16,
    pub NdisPoolHandle: *mut c_void,
    pub NdisReserved: [*mut c_void; 2],
    pub ProtocolReserved: [*mut c_void; 6],
    pub MiniportReserved: [*mut c_void; 4],
    pub DataPhysicalAddress: u64,
    /// `SharedMemoryInfo` / `ScatterGatherList`.
    pub SharedMemoryInfo: *mut c_void,
}

/// `NET_BUFFER_LIST` (NDIS 6.80: 27 info slots).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct NET_BUFFER_LIST {
    pub Next: *mut NET_BUFFER_LIST,
    pub FirstNetBuffer: *mut NET_BUFFER,
    pub Context: *mut c_void,
    pub ParentNetBufferList: *mut NET_BUFFER_LIST,
    pub NdisPoolHandle: *mut c_void,
    /// The hole before the 16-aligned `NdisReserved`.
    pub Pad0: usize,
    pub NdisReserved: [*mut c_void; 2],
    pub ProtocolReserved: [*mut c_void; 4],
    pub MiniportReserved: [*mut c_void; 2],
    pub Scratch: *mut c_void,
    pub SourceHandle: *mut c_void,
    pub NblFlags: u32,
    pub ChildRefCount: i32,
    pub Flags: u32,
    /// `Status` (NDIS_STATUS), in a union with `NdisReserved2`.
    pub Status: i32,
    pub NetBufferListInfo: [*mut c_void; 27],
}

/// `NET_BUFFER_LIST_POOL_PARAMETERS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NET_BUFFER_LIST_POOL_PARAMETERS {
    pub Header: NDIS_OBJECT_HEADER,
    pub ProtocolId: u8,
    pub fAllocateNetBuffer: u8,
    pub ContextSize: u16,
    pub PoolTag: u32,
    pub DataSize: u32,
}

/// `NDIS_FILTER_ATTACH_PARAMETERS` (revision 4).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_ATTACH_PARAMETERS {
    pub Header: NDIS_OBJECT_HEADER,
    pub IfIndex: u32,
    pub NetLuid: u64,
    pub FilterModuleGuidName: *mut UNICODE_STRING,
    pub BaseMiniportIfIndex: u32,
    pub BaseMiniportInstanceName: *mut UNICODE_STRING,
    pub BaseMiniportName: *mut UNICODE_STRING,
    pub MediaConnectState: i32,
    pub MediaDuplexState: i32,
    pub XmitLinkSpeed: u64,
    pub RcvLinkSpeed: u64,
    pub MiniportMediaType: i32,
    pub MiniportPhysicalMediaType: i32,
    pub MiniportMediaSpecificAttributes: *mut c_void,
    pub DefaultOffloadConfiguration: *mut c_void,
    pub MacAddressLength: u16,
    pub CurrentMacAddress: [u8; 32],
    pub BaseMiniportNetLuid: u64,
    pub LowerIfIndex: u32,
    pub LowerIfNetLuid: u64,
    pub Flags: u32,
    pub HDSplitCurrentConfig: *mut c_void,
    pub ReceiveFilterCapabilities: *mut c_void,
    pub MiniportPhysicalDeviceObject: *mut c_void,
    pub NicSwitchCapabilities: *mut c_void,
    pub BaseMiniportIfConnectorPresent: u8,
    pub SriovCapabilities: *mut c_void,
    pub NicSwitchArray: *mut c_void,
}

/// `NDIS_FILTER_ATTRIBUTES`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_ATTRIBUTES {
    pub Header: NDIS_OBJECT_HEADER,
    pub Flags: u32,
}

/// `NDIS_FILTER_RESTART_PARAMETERS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_RESTART_PARAMETERS {
    pub Header: NDIS_OBJECT_HEADER,
    pub MiniportMediaType: i32,
    pub MiniportPhysicalMediaType: i32,
    pub RestartAttributes: *mut c_void,
    pub LowerIfIndex: u32,
    pub LowerIfNetLuid: u64,
    pub Flags: u32,
}

/// `NDIS_FILTER_PAUSE_PARAMETERS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_FILTER_PAUSE_PARAMETERS {
    pub Header: NDIS_OBJECT_HEADER,
    pub Flags: u32,
    pub PauseReason: u32,
}

/// `NDIS_STATUS_INDICATION`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_STATUS_INDICATION {
    pub Header: NDIS_OBJECT_HEADER,
    pub SourceHandle: *mut c_void,
    pub PortNumber: u32,
    pub StatusCode: i32,
    pub Flags: u32,
    pub DestinationHandle: *mut c_void,
    pub RequestId: *mut c_void,
    pub StatusBuffer: *mut c_void,
    pub StatusBufferSize: u32,
    pub Guid: GUID,
    pub NdisReserved: [*mut c_void; 4],
}

/// `NDIS_CONFIGURATION_OBJECT` (not in the reference: ndis.h, asserted here only).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_CONFIGURATION_OBJECT {
    pub Header: NDIS_OBJECT_HEADER,
    pub NdisHandle: *mut c_void,
    pub Flags: u32,
}

/// `NDIS_CONFIGURATION_PARAMETER` with the integer member of its data union (the only kind the
/// host serves); the union is 0x10 bytes (`NDIS_STRING`).
#[repr(C, align(8))]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_CONFIGURATION_PARAMETER {
    pub ParameterType: i32,
    pub Pad0: u32,
    pub IntegerData: u32,
    pub Rest: [u32; 3],
}

/// `NDIS_OID_REQUEST` (REVISION_2, NDIS 6.50+). `DATA` is a union; the host names its members
/// by the largest view (METHOD_INFORMATION) and lists the others as aliases.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NDIS_OID_REQUEST {
    pub Header: NDIS_OBJECT_HEADER,
    pub RequestType: i32,
    pub PortNumber: u32,
    pub Timeout: u32,
    pub RequestId: *mut c_void,
    pub RequestHandle: *mut c_void,
    pub Oid: u32,
    pub Pad0: u32,
    pub InformationBuffer: *mut c_void,
    /// QUERY/SET `InformationBufferLength`, METHOD `InputBufferLength`.
    pub InformationBufferLength: u32,
    /// QUERY `BytesWritten`, SET `BytesRead`, METHOD `OutputBufferLength`.
    pub BytesWritten: u32,
    /// QUERY/SET `BytesNeeded`, METHOD `MethodId`.
    pub BytesNeeded: u32,
    pub MethodBytesWritten: u32,
    pub MethodBytesRead: u32,
    pub MethodBytesNeeded: u32,
    pub NdisReserved: [u8; 128],
    pub MiniportReserved: [u8; 16],
    pub SourceReserved: [u8; 16],
    pub SupportedRevision: u8,
    pub Reserved1: u8,
    pub Reserved2: u16,
    pub SwitchId: u32,
    pub VPortId: u32,
    pub Flags: u32,
}

/// `IRP` (the fields the host sets or reads; unions named by the member the host uses).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct IRP {
    pub Type: i16,
    pub Size: u16,
    pub Pad0: u32,
    pub MdlAddress: *mut MDL,
    pub Flags: u32,
    pub Pad1: u32,
    /// `AssociatedIrp.SystemBuffer`.
    pub SystemBuffer: *mut c_void,
    pub ThreadListEntry: [usize; 2],
    /// `IoStatus.Status`.
    pub IoStatusStatus: i32,
    pub Pad2: u32,
    /// `IoStatus.Information`.
    pub IoStatusInformation: usize,
    pub RequestorMode: u8,
    pub PendingReturned: u8,
    pub StackCount: i8,
    pub CurrentLocation: i8,
    pub Cancel: u8,
    pub CancelIrql: u8,
    pub ApcEnvironment: i8,
    pub AllocationFlags: u8,
    pub UserIosb: *mut c_void,
    pub UserEvent: *mut c_void,
    pub Overlay: [usize; 2],
    pub CancelRoutine: *mut c_void,
    pub UserBuffer: *mut c_void,
    /// `Tail.Overlay.DriverContext`.
    pub DriverContext: [*mut c_void; 4],
    pub Thread: *mut c_void,
    pub AuxiliaryBuffer: *mut c_void,
    pub ListEntry: [usize; 2],
    /// `Tail.Overlay.CurrentStackLocation`.
    pub CurrentStackLocation: *mut IO_STACK_LOCATION,
    pub OriginalFileObject: *mut c_void,
    pub Pad3: usize,
}

/// `IO_STACK_LOCATION` (Parameters named by the DeviceIoControl view).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct IO_STACK_LOCATION {
    pub MajorFunction: u8,
    pub MinorFunction: u8,
    pub Flags: u8,
    pub Control: u8,
    pub Pad0: u32,
    pub OutputBufferLength: u32,
    pub Pad1: u32,
    pub InputBufferLength: u32,
    pub Pad2: u32,
    pub IoControlCode: u32,
    pub Pad3: u32,
    pub Type3InputBuffer: *mut c_void,
    pub DeviceObject: *mut DEVICE_OBJECT,
    pub FileObject: *mut c_void,
    pub CompletionRoutine: *mut c_void,
    pub Context: *mut c_void,
}

/// `NDIS_OFFLOAD` (NDIS 6.80, REVISION_5, 0xBC bytes); the sub-structures are `ULONG` bitfield
/// blocks, kept as words here.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NDIS_OFFLOAD {
    pub Header: NDIS_OBJECT_HEADER,
    pub Checksum: [u32; 8],
    pub LsoV1: [u32; 4],
    pub IPsecV1: [u32; 7],
    pub LsoV2: [u32; 7],
    pub Flags: u32,
    pub IPsecV2: [u32; 8],
    pub Rsc: [u8; 2],
    pub Pad0: [u8; 2],
    pub EncapsulatedPacketTaskOffloadGre: [u32; 2],
    pub EncapsulatedPacketTaskOffloadVxlan: [u32; 5],
    pub EncapsulationTypes: u8,
    pub Pad1: [u8; 3],
    pub Rfc6877Xlat: [u32; 2],
}

/// One structure's layout as this crate compiles it.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub name: &'static str,
    pub size: usize,
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
