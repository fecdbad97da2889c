//! The NDIS 6.x filter-driver structures (ndis.h): characteristics, attach/restart/pause
//! parameters, filter attributes, status indications, restart attributes, the device object
//! attributes of `NdisRegisterDeviceEx`, and the handler (callback) types.

use core::ffi::c_void;

use ipsecov2_abi::{
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_OFFLOAD, NDIS_OID, NDIS_OID_REQUEST, NDIS_PORT_NUMBER,
    NDIS_STATUS, NET_BUFFER_LIST, PVOID, UCHAR, ULONG, ULONG64, USHORT,
};

use crate::types::{
    GUID, NDIS_MEDIA_CONNECT_STATE, NDIS_MEDIUM, NDIS_PHYSICAL_MEDIUM, NDIS_STRING, NET_IFINDEX,
    NET_IF_ACCESS_TYPE, NET_IF_CONNECTION_TYPE, NET_IF_MEDIA_DUPLEX_STATE, NET_LUID,
    UNICODE_STRING,
};
use crate::wdm::{DEVICE_OBJECT, PDRIVER_DISPATCH};

/// `NET_PNP_EVENT_NOTIFICATION` (opaque here: the filter passes it through unchanged).
#[repr(C)]
#[derive(Debug)]
pub struct NET_PNP_EVENT_NOTIFICATION {
    _opaque: [u8; 0],
}

/// `NET_DEVICE_PNP_EVENT` (opaque here: the filter passes it through unchanged).
#[repr(C)]
#[derive(Debug)]
pub struct NET_DEVICE_PNP_EVENT {
    _opaque: [u8; 0],
}

/// `SET_OPTIONS_HANDLER`: `NDIS_STATUS (NDIS_HANDLE NdisDriverHandle, NDIS_HANDLE DriverContext)`.
pub type SET_OPTIONS_HANDLER = Option<
    unsafe extern "system" fn(
        NdisDriverHandle: NDIS_HANDLE,
        DriverContext: NDIS_HANDLE,
    ) -> NDIS_STATUS,
>;
/// `FILTER_SET_FILTER_MODULE_OPTIONS_HANDLER`.
pub type FILTER_SET_FILTER_MODULE_OPTIONS_HANDLER =
    Option<unsafe extern "system" fn(FilterModuleContext: NDIS_HANDLE) -> NDIS_STATUS>;
/// `FILTER_ATTACH_HANDLER`.
pub type FILTER_ATTACH_HANDLER = Option<
    unsafe extern "system" fn(
        NdisFilterHandle: NDIS_HANDLE,
        FilterDriverContext: NDIS_HANDLE,
        AttachParameters: *mut NDIS_FILTER_ATTACH_PARAMETERS,
    ) -> NDIS_STATUS,
>;
/// `FILTER_DETACH_HANDLER`.
pub type FILTER_DETACH_HANDLER =
    Option<unsafe extern "system" fn(FilterModuleContext: NDIS_HANDLE)>;
/// `FILTER_RESTART_HANDLER`.
pub type FILTER_RESTART_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        RestartParameters: *mut NDIS_FILTER_RESTART_PARAMETERS,
    ) -> NDIS_STATUS,
>;
/// `FILTER_PAUSE_HANDLER`.
pub type FILTER_PAUSE_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        PauseParameters: *mut NDIS_FILTER_PAUSE_PARAMETERS,
    ) -> NDIS_STATUS,
>;
/// `FILTER_SEND_NET_BUFFER_LISTS_HANDLER`.
pub type FILTER_SEND_NET_BUFFER_LISTS_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        NetBufferList: *mut NET_BUFFER_LIST,
        PortNumber: NDIS_PORT_NUMBER,
        SendFlags: ULONG,
    ),
>;
/// `FILTER_SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER`.
pub type FILTER_SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        NetBufferList: *mut NET_BUFFER_LIST,
        SendCompleteFlags: ULONG,
    ),
>;
/// `FILTER_CANCEL_SEND_HANDLER`.
pub type FILTER_CANCEL_SEND_HANDLER =
    Option<unsafe extern "system" fn(FilterModuleContext: NDIS_HANDLE, CancelId: PVOID)>;
/// `FILTER_RECEIVE_NET_BUFFER_LISTS_HANDLER`.
pub type FILTER_RECEIVE_NET_BUFFER_LISTS_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        NetBufferLists: *mut NET_BUFFER_LIST,
        PortNumber: NDIS_PORT_NUMBER,
        NumberOfNetBufferLists: ULONG,
        ReceiveFlags: ULONG,
    ),
>;
/// `FILTER_RETURN_NET_BUFFER_LISTS_HANDLER`.
pub type FILTER_RETURN_NET_BUFFER_LISTS_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        NetBufferLists: *mut NET_BUFFER_LIST,
        ReturnFlags: ULONG,
    ),
>;
/// `FILTER_OID_REQUEST_HANDLER`.
pub type FILTER_OID_REQUEST_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
    ) -> NDIS_STATUS,
>;
/// `FILTER_OID_REQUEST_COMPLETE_HANDLER`.
pub type FILTER_OID_REQUEST_COMPLETE_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
        Status: NDIS_STATUS,
    ),
>;
/// `FILTER_CANCEL_OID_REQUEST_HANDLER`.
pub type FILTER_CANCEL_OID_REQUEST_HANDLER =
    Option<unsafe extern "system" fn(FilterModuleContext: NDIS_HANDLE, RequestId: PVOID)>;
/// `FILTER_DEVICE_PNP_EVENT_NOTIFY_HANDLER`.
pub type FILTER_DEVICE_PNP_EVENT_NOTIFY_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        NetDevicePnPEvent: *mut NET_DEVICE_PNP_EVENT,
    ),
>;
/// `FILTER_NET_PNP_EVENT_HANDLER`.
pub type FILTER_NET_PNP_EVENT_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        NetPnPEventNotification: *mut NET_PNP_EVENT_NOTIFICATION,
    ) -> NDIS_STATUS,
>;
/// `FILTER_STATUS_HANDLER`.
pub type FILTER_STATUS_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        StatusIndication: *mut NDIS_STATUS_INDICATION,
    ),
>;
/// `FILTER_DIRECT_OID_REQUEST_HANDLER` (NDIS 6.1+).
pub type FILTER_DIRECT_OID_REQUEST_HANDLER = FILTER_OID_REQUEST_HANDLER;
/// `FILTER_DIRECT_OID_REQUEST_COMPLETE_HANDLER` (NDIS 6.1+).
pub type FILTER_DIRECT_OID_REQUEST_COMPLETE_HANDLER = FILTER_OID_REQUEST_COMPLETE_HANDLER;
/// `FILTER_CANCEL_DIRECT_OID_REQUEST_HANDLER` (NDIS 6.1+).
pub type FILTER_CANCEL_DIRECT_OID_REQUEST_HANDLER = FILTER_CANCEL_OID_REQUEST_HANDLER;
/// `FILTER_SYNCHRONOUS_OID_REQUEST_HANDLER` (NDIS 6.80+).
pub type FILTER_SYNCHRONOUS_OID_REQUEST_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
        CallContext: *mut PVOID,
    ) -> NDIS_STATUS,
>;
/// `FILTER_SYNCHRONOUS_OID_REQUEST_COMPLETE_HANDLER` (NDIS 6.80+).
pub type FILTER_SYNCHRONOUS_OID_REQUEST_COMPLETE_HANDLER = Option<
    unsafe extern "system" fn(
        FilterModuleContext: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
        Status: *mut NDIS_STATUS,
        CallContext: PVOID,
    ),
>;

/// `NDIS_FILTER_DRIVER_CHARACTERISTICS` (NDIS 6.80 layout, `REVISION_3`, sizeof 0xF0).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_FILTER_DRIVER_CHARACTERISTICS {
    /// `{NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS, REVISION_n, NDIS_SIZEOF_..._REVISION_n}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_FILTER_MAJOR_VERSION`.
    pub MajorNdisVersion: UCHAR,
    /// `NDIS_FILTER_MINOR_VERSION`.
    pub MinorNdisVersion: UCHAR,
    /// Driver major version.
    pub MajorDriverVersion: UCHAR,
    /// Driver minor version.
    pub MinorDriverVersion: UCHAR,
    /// `NDIS_FILTER_DRIVER_*` flags.
    pub Flags: ULONG,
    /// Friendly name.
    pub FriendlyName: NDIS_STRING,
    /// Unique name: the `NetCfgInstanceId` GUID of the INF.
    pub UniqueName: NDIS_STRING,
    /// Service name: the service of the INF.
    pub ServiceName: NDIS_STRING,
    /// `SetOptionsHandler`.
    pub SetOptionsHandler: SET_OPTIONS_HANDLER,
    /// `SetFilterModuleOptionsHandler`.
    pub SetFilterModuleOptionsHandler: FILTER_SET_FILTER_MODULE_OPTIONS_HANDLER,
    /// `AttachHandler`.
    pub AttachHandler: FILTER_ATTACH_HANDLER,
    /// `DetachHandler`.
    pub DetachHandler: FILTER_DETACH_HANDLER,
    /// `RestartHandler`.
    pub RestartHandler: FILTER_RESTART_HANDLER,
    /// `PauseHandler`.
    pub PauseHandler: FILTER_PAUSE_HANDLER,
    /// `SendNetBufferListsHandler`.
    pub SendNetBufferListsHandler: FILTER_SEND_NET_BUFFER_LISTS_HANDLER,
    /// `SendNetBufferListsCompleteHandler`.
    pub SendNetBufferListsCompleteHandler: FILTER_SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER,
    /// `CancelSendNetBufferListsHandler`.
    pub CancelSendNetBufferListsHandler: FILTER_CANCEL_SEND_HANDLER,
    /// `ReceiveNetBufferListsHandler`.
    pub ReceiveNetBufferListsHandler: FILTER_RECEIVE_NET_BUFFER_LISTS_HANDLER,
    /// `ReturnNetBufferListsHandler`.
    pub ReturnNetBufferListsHandler: FILTER_RETURN_NET_BUFFER_LISTS_HANDLER,
    /// `OidRequestHandler`.
    pub OidRequestHandler: FILTER_OID_REQUEST_HANDLER,
    /// `OidRequestCompleteHandler`.
    pub OidRequestCompleteHandler: FILTER_OID_REQUEST_COMPLETE_HANDLER,
    /// `CancelOidRequestHandler`.
    pub CancelOidRequestHandler: FILTER_CANCEL_OID_REQUEST_HANDLER,
    /// `DevicePnPEventNotifyHandler`.
    pub DevicePnPEventNotifyHandler: FILTER_DEVICE_PNP_EVENT_NOTIFY_HANDLER,
    /// `NetPnPEventHandler`.
    pub NetPnPEventHandler: FILTER_NET_PNP_EVENT_HANDLER,
    /// `StatusHandler`.
    pub StatusHandler: FILTER_STATUS_HANDLER,
    /// `DirectOidRequestHandler` (REVISION_2+).
    pub DirectOidRequestHandler: FILTER_DIRECT_OID_REQUEST_HANDLER,
    /// `DirectOidRequestCompleteHandler` (REVISION_2+).
    pub DirectOidRequestCompleteHandler: FILTER_DIRECT_OID_REQUEST_COMPLETE_HANDLER,
    /// `CancelDirectOidRequestHandler` (REVISION_2+).
    pub CancelDirectOidRequestHandler: FILTER_CANCEL_DIRECT_OID_REQUEST_HANDLER,
    /// `SynchronousOidRequestHandler` (REVISION_3, NDIS 6.80+).
    pub SynchronousOidRequestHandler: FILTER_SYNCHRONOUS_OID_REQUEST_HANDLER,
    /// `SynchronousOidRequestCompleteHandler` (REVISION_3, NDIS 6.80+).
    pub SynchronousOidRequestCompleteHandler: FILTER_SYNCHRONOUS_OID_REQUEST_COMPLETE_HANDLER,
}

impl NDIS_FILTER_DRIVER_CHARACTERISTICS {
    /// Characteristics with every handler `None`, every name empty and a zero header.
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Header: NDIS_OBJECT_HEADER::new(0, 0, 0),
            MajorNdisVersion: 0,
            MinorNdisVersion: 0,
            MajorDriverVersion: 0,
            MinorDriverVersion: 0,
            Flags: 0,
            FriendlyName: UNICODE_STRING::EMPTY,
            UniqueName: UNICODE_STRING::EMPTY,
            ServiceName: UNICODE_STRING::EMPTY,
            SetOptionsHandler: None,
            SetFilterModuleOptionsHandler: None,
            AttachHandler: None,
            DetachHandler: None,
            RestartHandler: None,
            PauseHandler: None,
            SendNetBufferListsHandler: None,
            SendNetBufferListsCompleteHandler: None,
            CancelSendNetBufferListsHandler: None,
            ReceiveNetBufferListsHandler: None,
            ReturnNetBufferListsHandler: None,
            OidRequestHandler: None,
            OidRequestCompleteHandler: None,
            CancelOidRequestHandler: None,
            DevicePnPEventNotifyHandler: None,
            NetPnPEventHandler: None,
            StatusHandler: None,
            DirectOidRequestHandler: None,
            DirectOidRequestCompleteHandler: None,
            CancelDirectOidRequestHandler: None,
            SynchronousOidRequestHandler: None,
            SynchronousOidRequestCompleteHandler: None,
        }
    }
}

/// `NDIS_FILTER_ATTACH_PARAMETERS` (revision 4, identical for NDIS 6.30..6.86).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_FILTER_ATTACH_PARAMETERS {
    /// Header.
    pub Header: NDIS_OBJECT_HEADER,
    /// Interface index of the filter module.
    pub IfIndex: NET_IFINDEX,
    /// LUID of the filter module.
    pub NetLuid: NET_LUID,
    /// `PNDIS_STRING`: the filter module's GUID name.
    pub FilterModuleGuidName: *mut NDIS_STRING,
    /// Interface index of the miniport.
    pub BaseMiniportIfIndex: NET_IFINDEX,
    /// `PNDIS_STRING`.
    pub BaseMiniportInstanceName: *mut NDIS_STRING,
    /// `PNDIS_STRING`.
    pub BaseMiniportName: *mut NDIS_STRING,
    /// Media connect state.
    pub MediaConnectState: NDIS_MEDIA_CONNECT_STATE,
    /// Media duplex state.
    pub MediaDuplexState: NET_IF_MEDIA_DUPLEX_STATE,
    /// Transmit link speed (bits/s).
    pub XmitLinkSpeed: ULONG64,
    /// Receive link speed (bits/s).
    pub RcvLinkSpeed: ULONG64,
    /// `_Inout_` media type.
    pub MiniportMediaType: NDIS_MEDIUM,
    /// `_Inout_` physical media type.
    pub MiniportPhysicalMediaType: NDIS_PHYSICAL_MEDIUM,
    /// `NDIS_HANDLE`.
    pub MiniportMediaSpecificAttributes: NDIS_HANDLE,
    /// `PNDIS_OFFLOAD`: the offload configuration the filter starts with.
    pub DefaultOffloadConfiguration: *mut NDIS_OFFLOAD,
    /// MAC address length.
    pub MacAddressLength: USHORT,
    /// `UCHAR[NDIS_MAX_PHYS_ADDRESS_LENGTH]`.
    pub CurrentMacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
    /// LUID of the miniport.
    pub BaseMiniportNetLuid: NET_LUID,
    /// Interface index of the module below.
    pub LowerIfIndex: NET_IFINDEX,
    /// LUID of the module below.
    pub LowerIfNetLuid: NET_LUID,
    /// `_Inout_` flags (`NDIS_FILTER_ATTACH_FLAGS_*`).
    pub Flags: ULONG,
    /// `PNDIS_HD_SPLIT_CURRENT_CONFIG`.
    pub HDSplitCurrentConfig: *mut c_void,
    /// `PNDIS_RECEIVE_FILTER_CAPABILITIES`.
    pub ReceiveFilterCapabilities: *mut c_void,
    /// `PDEVICE_OBJECT`.
    pub MiniportPhysicalDeviceObject: *mut DEVICE_OBJECT,
    /// `PNDIS_NIC_SWITCH_CAPABILITIES`.
    pub NicSwitchCapabilities: *mut c_void,
    /// `BOOLEAN`.
    pub BaseMiniportIfConnectorPresent: UCHAR,
    /// `PNDIS_SRIOV_CAPABILITIES`.
    pub SriovCapabilities: *mut c_void,
    /// `PNDIS_NIC_SWITCH_INFO_ARRAY`.
    pub NicSwitchArray: *mut c_void,
}

/// `NDIS_FILTER_RESTART_PARAMETERS`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_FILTER_RESTART_PARAMETERS {
    /// Header.
    pub Header: NDIS_OBJECT_HEADER,
    /// Media type.
    pub MiniportMediaType: NDIS_MEDIUM,
    /// Physical media type.
    pub MiniportPhysicalMediaType: NDIS_PHYSICAL_MEDIUM,
    /// `PNDIS_RESTART_ATTRIBUTES`: singly linked list.
    pub RestartAttributes: *mut NDIS_RESTART_ATTRIBUTES,
    /// Interface index of the module below.
    pub LowerIfIndex: NET_IFINDEX,
    /// LUID of the module below.
    pub LowerIfNetLuid: NET_LUID,
    /// Flags.
    pub Flags: ULONG,
}

/// `NDIS_RESTART_ATTRIBUTES` (`Data` is a 16-aligned variable-length array at +0x10).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_RESTART_ATTRIBUTES {
    /// Next attribute entry.
    pub Next: *mut NDIS_RESTART_ATTRIBUTES,
    /// OID whose data `Data` holds (e.g. `OID_GEN_MINIPORT_RESTART_ATTRIBUTES`).
    pub Oid: NDIS_OID,
    /// Length of `Data`.
    pub DataLength: ULONG,
    /// `DECLSPEC_ALIGN(16) UCHAR Data[1]`.
    pub Data: [UCHAR; 1],
}

/// `NDIS_RESTART_GENERAL_ATTRIBUTES` (revision 2).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_RESTART_GENERAL_ATTRIBUTES {
    /// Header.
    pub Header: NDIS_OBJECT_HEADER,
    /// MTU.
    pub MtuSize: ULONG,
    /// Maximum transmit link speed.
    pub MaxXmitLinkSpeed: ULONG64,
    /// Maximum receive link speed.
    pub MaxRcvLinkSpeed: ULONG64,
    /// Lookahead size.
    pub LookaheadSize: ULONG,
    /// MAC options.
    pub MacOptions: ULONG,
    /// Supported packet filters.
    pub SupportedPacketFilters: ULONG,
    /// Maximum multicast list size.
    pub MaxMulticastListSize: ULONG,
    /// `PNDIS_RECEIVE_SCALE_CAPABILITIES`.
    pub RecvScaleCapabilities: *mut c_void,
    /// Access type.
    pub AccessType: NET_IF_ACCESS_TYPE,
    /// Flags.
    pub Flags: ULONG,
    /// Connection type.
    pub ConnectionType: NET_IF_CONNECTION_TYPE,
    /// Supported statistics.
    pub SupportedStatistics: ULONG,
    /// Data backfill size.
    pub DataBackFillSize: ULONG,
    /// Context backfill size.
    pub ContextBackFillSize: ULONG,
    /// `PNDIS_OID`: supported OID list.
    pub SupportedOidList: *mut NDIS_OID,
    /// Length of the supported OID list in bytes.
    pub SupportedOidListLength: ULONG,
    /// Largest lookahead accessed.
    pub MaxLookaheadSizeAccessed: ULONG,
}

/// `NDIS_FILTER_PAUSE_PARAMETERS`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_FILTER_PAUSE_PARAMETERS {
    /// Header.
    pub Header: NDIS_OBJECT_HEADER,
    /// Flags.
    pub Flags: ULONG,
    /// `NDIS_PAUSE_*` reason bits.
    pub PauseReason: ULONG,
}

/// `NDIS_FILTER_ATTRIBUTES` (`NdisFSetAttributes`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_FILTER_ATTRIBUTES {
    /// `{NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES, NDIS_FILTER_ATTRIBUTES_REVISION_1, NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// Flags (zero).
    pub Flags: ULONG,
}

/// `NDIS_STATUS_INDICATION`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_STATUS_INDICATION {
    /// Header.
    pub Header: NDIS_OBJECT_HEADER,
    /// Originator (a filter's `NdisFilterHandle` for its own indications).
    pub SourceHandle: NDIS_HANDLE,
    /// Port number.
    pub PortNumber: NDIS_PORT_NUMBER,
    /// `NDIS_STATUS_*` indication code.
    pub StatusCode: NDIS_STATUS,
    /// Flags.
    pub Flags: ULONG,
    /// Destination handle.
    pub DestinationHandle: NDIS_HANDLE,
    /// Request id the indication answers.
    pub RequestId: PVOID,
    /// Payload.
    pub StatusBuffer: PVOID,
    /// Payload size.
    pub StatusBufferSize: ULONG,
    /// GUID of the indication (WMI).
    pub Guid: GUID,
    /// `PVOID NdisReserved[4]`.
    pub NdisReserved: [PVOID; 4],
}

/// `NDIS_DEVICE_OBJECT_ATTRIBUTES` (`NdisRegisterDeviceEx`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_DEVICE_OBJECT_ATTRIBUTES {
    /// `{NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES, REVISION_1, NDIS_SIZEOF_..._REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// `PNDIS_STRING`: `\Device\...`.
    pub DeviceName: *mut NDIS_STRING,
    /// `PNDIS_STRING`: `\DosDevices\...` (`\??\...`).
    pub SymbolicName: *mut NDIS_STRING,
    /// `PDRIVER_DISPATCH*`: array of `IRP_MJ_MAXIMUM_FUNCTION + 1` dispatch routines.
    pub MajorFunctions: *mut PDRIVER_DISPATCH,
    /// Size of the device extension NDIS reserves.
    pub ExtensionSize: ULONG,
    /// `PCUNICODE_STRING`: SDDL security descriptor of the device object.
    pub DefaultSDDLString: *const UNICODE_STRING,
    /// `LPCGUID`: device setup class GUID (for the SDDL override key).
    pub DeviceClassGuid: *const GUID,
}

/// `NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS`.
pub use ipsecov2_abi::NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS;
/// `NDIS_FILTER_CHARACTERISTICS_REVISION_1`.
pub const NDIS_FILTER_CHARACTERISTICS_REVISION_1: UCHAR = 1;
/// `NDIS_FILTER_CHARACTERISTICS_REVISION_2`.
pub const NDIS_FILTER_CHARACTERISTICS_REVISION_2: UCHAR = 2;
/// `NDIS_FILTER_CHARACTERISTICS_REVISION_3` (NDIS 6.80+).
pub const NDIS_FILTER_CHARACTERISTICS_REVISION_3: UCHAR = 3;
/// `NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_1` (through `StatusHandler`).
pub const NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_1: USHORT = 0xC8;
/// `NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2` (through `CancelDirectOidRequestHandler`).
pub const NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2: USHORT = 0xE0;
/// `NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_3` (through `SynchronousOidRequestCompleteHandler`).
pub const NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_3: USHORT = 0xF0;
/// `NDIS_FILTER_DRIVER_MANDATORY`.
pub const NDIS_FILTER_DRIVER_MANDATORY: ULONG = 1;
/// `NDIS_FILTER_DRIVER_SUPPORTS_CURRENT_MAC_ADDRESS_CHANGE` (NDIS 6.80+).
pub const NDIS_FILTER_DRIVER_SUPPORTS_CURRENT_MAC_ADDRESS_CHANGE: ULONG = 2;
/// `NDIS_FILTER_DRIVER_SUPPORTS_L2_MTU_SIZE_CHANGE` (NDIS 6.80+).
pub const NDIS_FILTER_DRIVER_SUPPORTS_L2_MTU_SIZE_CHANGE: ULONG = 4;
/// `NDIS_FILTER_MAJOR_VERSION`.
pub const NDIS_FILTER_MAJOR_VERSION: UCHAR = 6;
/// `NDIS_FILTER_MINOR_VERSION` for an `NDIS680` build.
pub const NDIS_FILTER_MINOR_VERSION: UCHAR = 80;

/// `NDIS_FILTER_ATTACH_PARAMETERS_REVISION_4`.
pub const NDIS_FILTER_ATTACH_PARAMETERS_REVISION_4: UCHAR = 4;
/// `NDIS_SIZEOF_FILTER_ATTACH_PARAMETERS_REVISION_4`.
pub const NDIS_SIZEOF_FILTER_ATTACH_PARAMETERS_REVISION_4: USHORT = 0xE0;
/// `NDIS_FILTER_ATTACH_FLAGS_IGNORE_MANDATORY`.
pub const NDIS_FILTER_ATTACH_FLAGS_IGNORE_MANDATORY: ULONG = 1;
/// `NDIS_MAX_PHYS_ADDRESS_LENGTH`.
pub const NDIS_MAX_PHYS_ADDRESS_LENGTH: usize = 0x20;

/// `NdisMedium802_3`.
pub const NdisMedium802_3: NDIS_MEDIUM = 0;
/// `NdisMediumWan`.
pub const NdisMediumWan: NDIS_MEDIUM = 3;
/// `NdisMediumWirelessWan`.
pub const NdisMediumWirelessWan: NDIS_MEDIUM = 9;
/// `NdisMediumNative802_11`.
pub const NdisMediumNative802_11: NDIS_MEDIUM = 0x10;
/// `NdisMediumLoopback`.
pub const NdisMediumLoopback: NDIS_MEDIUM = 0x11;
/// `NdisMediumIP`.
pub const NdisMediumIP: NDIS_MEDIUM = 0x13;

/// `NDIS_FILTER_ATTRIBUTES_REVISION_1`.
pub const NDIS_FILTER_ATTRIBUTES_REVISION_1: UCHAR = 1;
/// `NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1`.
pub const NDIS_SIZEOF_FILTER_ATTRIBUTES_REVISION_1: USHORT = 8;

/// `NDIS_FILTER_RESTART_PARAMETERS_REVISION_1`.
pub const NDIS_FILTER_RESTART_PARAMETERS_REVISION_1: UCHAR = 1;
/// `NDIS_SIZEOF__FILTER_RESTART_PARAMETERS_REVISION_1` (sic, the header's double underscore).
pub const NDIS_SIZEOF__FILTER_RESTART_PARAMETERS_REVISION_1: USHORT = 0x2C;
/// `NDIS_RESTART_GENERAL_ATTRIBUTES_REVISION_1`.
pub const NDIS_RESTART_GENERAL_ATTRIBUTES_REVISION_1: UCHAR = 1;
/// `NDIS_RESTART_GENERAL_ATTRIBUTES_REVISION_2`.
pub const NDIS_RESTART_GENERAL_ATTRIBUTES_REVISION_2: UCHAR = 2;
/// `NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_1`.
pub const NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_1: USHORT = 0x54;
/// `NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_2`.
pub const NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_2: USHORT = 0x58;

/// `NDIS_FILTER_PAUSE_PARAMETERS_REVISION_1`.
pub const NDIS_FILTER_PAUSE_PARAMETERS_REVISION_1: UCHAR = 1;
/// `NDIS_SIZEOF_FILTER_PAUSE_PARAMETERS_REVISION_1`.
pub const NDIS_SIZEOF_FILTER_PAUSE_PARAMETERS_REVISION_1: USHORT = 0xC;
/// `NDIS_PAUSE_NDIS_INTERNAL`.
pub const NDIS_PAUSE_NDIS_INTERNAL: ULONG = 0x1;
/// `NDIS_PAUSE_LOW_POWER`.
pub const NDIS_PAUSE_LOW_POWER: ULONG = 0x2;
/// `NDIS_PAUSE_BIND_PROTOCOL`.
pub const NDIS_PAUSE_BIND_PROTOCOL: ULONG = 0x4;
/// `NDIS_PAUSE_UNBIND_PROTOCOL`.
pub const NDIS_PAUSE_UNBIND_PROTOCOL: ULONG = 0x8;
/// `NDIS_PAUSE_ATTACH_FILTER`.
pub const NDIS_PAUSE_ATTACH_FILTER: ULONG = 0x10;
/// `NDIS_PAUSE_DETACH_FILTER`.
pub const NDIS_PAUSE_DETACH_FILTER: ULONG = 0x20;
/// `NDIS_PAUSE_FILTER_RESTART_STACK`.
pub const NDIS_PAUSE_FILTER_RESTART_STACK: ULONG = 0x40;
/// `NDIS_PAUSE_MINIPORT_DEVICE_REMOVE`.
pub const NDIS_PAUSE_MINIPORT_DEVICE_REMOVE: ULONG = 0x80;

/// `NDIS_STATUS_INDICATION_REVISION_1`.
pub const NDIS_STATUS_INDICATION_REVISION_1: UCHAR = 1;
/// `NDIS_SIZEOF_STATUS_INDICATION_REVISION_1`.
pub const NDIS_SIZEOF_STATUS_INDICATION_REVISION_1: USHORT = 0x70;
/// `NDIS_STATUS_INDICATION_FLAGS_NDIS_RESERVED`.
pub const NDIS_STATUS_INDICATION_FLAGS_NDIS_RESERVED: ULONG = 0xFFF;
/// `NDIS_STATUS_INDICATION_FLAGS_MEDIA_CONNECT_TO_CONNECT`.
pub const NDIS_STATUS_INDICATION_FLAGS_MEDIA_CONNECT_TO_CONNECT: ULONG = 0x1000;

/// `NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1`.
pub const NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1: UCHAR = 1;
/// `NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1`.
pub const NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1: USHORT = 0x38;

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    // ndis-core-layouts.md §4.1
    type C = NDIS_FILTER_DRIVER_CHARACTERISTICS;
    assert!(offset_of!(C, Header) == 0x0);
    assert!(offset_of!(C, MajorNdisVersion) == 0x4);
    assert!(offset_of!(C, MinorNdisVersion) == 0x5);
    assert!(offset_of!(C, MajorDriverVersion) == 0x6);
    assert!(offset_of!(C, MinorDriverVersion) == 0x7);
    assert!(offset_of!(C, Flags) == 0x8);
    assert!(offset_of!(C, FriendlyName) == 0x10);
    assert!(offset_of!(C, UniqueName) == 0x20);
    assert!(offset_of!(C, ServiceName) == 0x30);
    assert!(offset_of!(C, SetOptionsHandler) == 0x40);
    assert!(offset_of!(C, SetFilterModuleOptionsHandler) == 0x48);
    assert!(offset_of!(C, AttachHandler) == 0x50);
    assert!(offset_of!(C, DetachHandler) == 0x58);
    assert!(offset_of!(C, RestartHandler) == 0x60);
    assert!(offset_of!(C, PauseHandler) == 0x68);
    assert!(offset_of!(C, SendNetBufferListsHandler) == 0x70);
    assert!(offset_of!(C, SendNetBufferListsCompleteHandler) == 0x78);
    assert!(offset_of!(C, CancelSendNetBufferListsHandler) == 0x80);
    assert!(offset_of!(C, ReceiveNetBufferListsHandler) == 0x88);
    assert!(offset_of!(C, ReturnNetBufferListsHandler) == 0x90);
    assert!(offset_of!(C, OidRequestHandler) == 0x98);
    assert!(offset_of!(C, OidRequestCompleteHandler) == 0xA0);
    assert!(offset_of!(C, CancelOidRequestHandler) == 0xA8);
    assert!(offset_of!(C, DevicePnPEventNotifyHandler) == 0xB0);
    assert!(offset_of!(C, NetPnPEventHandler) == 0xB8);
    assert!(offset_of!(C, StatusHandler) == 0xC0);
    assert!(offset_of!(C, DirectOidRequestHandler) == 0xC8);
    assert!(offset_of!(C, DirectOidRequestCompleteHandler) == 0xD0);
    assert!(offset_of!(C, CancelDirectOidRequestHandler) == 0xD8);
    assert!(offset_of!(C, SynchronousOidRequestHandler) == 0xE0);
    assert!(offset_of!(C, SynchronousOidRequestCompleteHandler) == 0xE8);
    assert!(size_of::<C>() == 0xF0);
    assert!(align_of::<C>() == 0x8);
    assert!(
        NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_1 as usize
            == offset_of!(C, StatusHandler) + 8
    );
    assert!(
        NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2 as usize
            == offset_of!(C, CancelDirectOidRequestHandler) + 8
    );
    assert!(NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_3 as usize == size_of::<C>());

    // §4.2
    type A = NDIS_FILTER_ATTACH_PARAMETERS;
    assert!(offset_of!(A, Header) == 0x0);
    assert!(offset_of!(A, IfIndex) == 0x4);
    assert!(offset_of!(A, NetLuid) == 0x8);
    assert!(offset_of!(A, FilterModuleGuidName) == 0x10);
    assert!(offset_of!(A, BaseMiniportIfIndex) == 0x18);
    assert!(offset_of!(A, BaseMiniportInstanceName) == 0x20);
    assert!(offset_of!(A, BaseMiniportName) == 0x28);
    assert!(offset_of!(A, MediaConnectState) == 0x30);
    assert!(offset_of!(A, MediaDuplexState) == 0x34);
    assert!(offset_of!(A, XmitLinkSpeed) == 0x38);
    assert!(offset_of!(A, RcvLinkSpeed) == 0x40);
    assert!(offset_of!(A, MiniportMediaType) == 0x48);
    assert!(offset_of!(A, MiniportPhysicalMediaType) == 0x4C);
    assert!(offset_of!(A, MiniportMediaSpecificAttributes) == 0x50);
    assert!(offset_of!(A, DefaultOffloadConfiguration) == 0x58);
    assert!(offset_of!(A, MacAddressLength) == 0x60);
    assert!(offset_of!(A, CurrentMacAddress) == 0x62);
    assert!(offset_of!(A, BaseMiniportNetLuid) == 0x88);
    assert!(offset_of!(A, LowerIfIndex) == 0x90);
    assert!(offset_of!(A, LowerIfNetLuid) == 0x98);
    assert!(offset_of!(A, Flags) == 0xA0);
    assert!(offset_of!(A, HDSplitCurrentConfig) == 0xA8);
    assert!(offset_of!(A, ReceiveFilterCapabilities) == 0xB0);
    assert!(offset_of!(A, MiniportPhysicalDeviceObject) == 0xB8);
    assert!(offset_of!(A, NicSwitchCapabilities) == 0xC0);
    assert!(offset_of!(A, BaseMiniportIfConnectorPresent) == 0xC8);
    assert!(offset_of!(A, SriovCapabilities) == 0xD0);
    assert!(offset_of!(A, NicSwitchArray) == 0xD8);
    assert!(size_of::<A>() == 0xE0);
    assert!(align_of::<A>() == 0x8);
    assert!(NDIS_SIZEOF_FILTER_ATTACH_PARAMETERS_REVISION_4 as usize == size_of::<A>());

    // §4.4
    assert!(size_of::<NDIS_FILTER_ATTRIBUTES>() == 0x8);
    assert!(align_of::<NDIS_FILTER_ATTRIBUTES>() == 0x4);
    assert!(offset_of!(NDIS_FILTER_ATTRIBUTES, Header) == 0x0);
    assert!(offset_of!(NDIS_FILTER_ATTRIBUTES, Flags) == 0x4);

    // §4.5
    type R = NDIS_FILTER_RESTART_PARAMETERS;
    assert!(offset_of!(R, Header) == 0x0);
    assert!(offset_of!(R, MiniportMediaType) == 0x4);
    assert!(offset_of!(R, MiniportPhysicalMediaType) == 0x8);
    assert!(offset_of!(R, RestartAttributes) == 0x10);
    assert!(offset_of!(R, LowerIfIndex) == 0x18);
    assert!(offset_of!(R, LowerIfNetLuid) == 0x20);
    assert!(offset_of!(R, Flags) == 0x28);
    assert!(size_of::<R>() == 0x30);
    assert!(align_of::<R>() == 0x8);
    assert!(NDIS_SIZEOF__FILTER_RESTART_PARAMETERS_REVISION_1 as usize == offset_of!(R, Flags) + 4);
    type RA = NDIS_RESTART_ATTRIBUTES;
    assert!(offset_of!(RA, Next) == 0x0);
    assert!(offset_of!(RA, Oid) == 0x8);
    assert!(offset_of!(RA, DataLength) == 0xC);
    assert!(offset_of!(RA, Data) == 0x10);
    assert!(size_of::<RA>() == 0x20);
    assert!(align_of::<RA>() == 0x10);
    type G = NDIS_RESTART_GENERAL_ATTRIBUTES;
    assert!(offset_of!(G, Header) == 0x0);
    assert!(offset_of!(G, MtuSize) == 0x4);
    assert!(offset_of!(G, MaxXmitLinkSpeed) == 0x8);
    assert!(offset_of!(G, MaxRcvLinkSpeed) == 0x10);
    assert!(offset_of!(G, LookaheadSize) == 0x18);
    assert!(offset_of!(G, MacOptions) == 0x1C);
    assert!(offset_of!(G, SupportedPacketFilters) == 0x20);
    assert!(offset_of!(G, MaxMulticastListSize) == 0x24);
    assert!(offset_of!(G, RecvScaleCapabilities) == 0x28);
    assert!(offset_of!(G, AccessType) == 0x30);
    assert!(offset_of!(G, Flags) == 0x34);
    assert!(offset_of!(G, ConnectionType) == 0x38);
    assert!(offset_of!(G, SupportedStatistics) == 0x3C);
    assert!(offset_of!(G, DataBackFillSize) == 0x40);
    assert!(offset_of!(G, ContextBackFillSize) == 0x44);
    assert!(offset_of!(G, SupportedOidList) == 0x48);
    assert!(offset_of!(G, SupportedOidListLength) == 0x50);
    assert!(offset_of!(G, MaxLookaheadSizeAccessed) == 0x54);
    assert!(size_of::<G>() == 0x58);
    assert!(align_of::<G>() == 0x8);
    assert!(NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_2 as usize == size_of::<G>());

    // §4.6
    type P = NDIS_FILTER_PAUSE_PARAMETERS;
    assert!(offset_of!(P, Header) == 0x0);
    assert!(offset_of!(P, Flags) == 0x4);
    assert!(offset_of!(P, PauseReason) == 0x8);
    assert!(size_of::<P>() == 0xC);
    assert!(align_of::<P>() == 0x4);

    // §4.7
    type S = NDIS_STATUS_INDICATION;
    assert!(offset_of!(S, Header) == 0x0);
    assert!(offset_of!(S, SourceHandle) == 0x8);
    assert!(offset_of!(S, PortNumber) == 0x10);
    assert!(offset_of!(S, StatusCode) == 0x14);
    assert!(offset_of!(S, Flags) == 0x18);
    assert!(offset_of!(S, DestinationHandle) == 0x20);
    assert!(offset_of!(S, RequestId) == 0x28);
    assert!(offset_of!(S, StatusBuffer) == 0x30);
    assert!(offset_of!(S, StatusBufferSize) == 0x38);
    assert!(offset_of!(S, Guid) == 0x3C);
    assert!(offset_of!(S, NdisReserved) == 0x50);
    assert!(size_of::<S>() == 0x70);
    assert!(align_of::<S>() == 0x8);

    // §4.8
    type D = NDIS_DEVICE_OBJECT_ATTRIBUTES;
    assert!(offset_of!(D, Header) == 0x0);
    assert!(offset_of!(D, DeviceName) == 0x8);
    assert!(offset_of!(D, SymbolicName) == 0x10);
    assert!(offset_of!(D, MajorFunctions) == 0x18);
    assert!(offset_of!(D, ExtensionSize) == 0x20);
    assert!(offset_of!(D, DefaultSDDLString) == 0x28);
    assert!(offset_of!(D, DeviceClassGuid) == 0x30);
    assert!(size_of::<D>() == 0x38);
    assert!(align_of::<D>() == 0x8);
    assert!(NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 as usize == size_of::<D>());
};
