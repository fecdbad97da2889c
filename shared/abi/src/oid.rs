//! OIDs and `NDIS_OID_REQUEST` (NDIS 6.50+ layout, i.e. `NDIS_OID_REQUEST_REVISION_2`).

use core::fmt;

use crate::types::{
    NDIS_HANDLE, NDIS_NIC_SWITCH_ID, NDIS_NIC_SWITCH_VPORT_ID, NDIS_OBJECT_HEADER, NDIS_OID,
    NDIS_PORT_NUMBER, PVOID, UCHAR, UINT, ULONG, USHORT,
};

/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA` (set; NDIS 6.1/6.20; buffer: `IPSEC_OFFLOAD_V2_ADD_SA` list).
pub const OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA: NDIS_OID = 0xFC03_0202;
/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA` (set; buffer: `IPSEC_OFFLOAD_V2_DELETE_SA` list).
pub const OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA: NDIS_OID = 0xFC03_0203;
/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA` (set; buffer: `IPSEC_OFFLOAD_V2_UPDATE_SA`).
pub const OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA: NDIS_OID = 0xFC03_0204;
/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX` (set; NDIS 6.30+; buffer: `IPSEC_OFFLOAD_V2_ADD_SA_EX`).
pub const OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX: NDIS_OID = 0xFC03_0205;
/// `OID_TCP_OFFLOAD_CURRENT_CONFIG` (query, handled by NDIS; buffer: `NDIS_OFFLOAD`).
pub const OID_TCP_OFFLOAD_CURRENT_CONFIG: NDIS_OID = 0xFC01_020B;
/// `OID_TCP_OFFLOAD_PARAMETERS` (set; buffer: `NDIS_OFFLOAD_PARAMETERS`).
pub const OID_TCP_OFFLOAD_PARAMETERS: NDIS_OID = 0xFC01_020C;
/// `OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES` (query; buffer: `NDIS_OFFLOAD`).
pub const OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES: NDIS_OID = 0xFC01_020D;
/// `OID_OFFLOAD_ENCAPSULATION` (query/set; buffer: `NDIS_OFFLOAD_ENCAPSULATION`).
pub const OID_OFFLOAD_ENCAPSULATION: NDIS_OID = 0x0101_010A;
/// `OID_GEN_MINIPORT_RESTART_ATTRIBUTES`.
pub const OID_GEN_MINIPORT_RESTART_ATTRIBUTES: NDIS_OID = 0x0001_021D;
/// `OID_GEN_CURRENT_PACKET_FILTER`.
pub const OID_GEN_CURRENT_PACKET_FILTER: NDIS_OID = 0x0001_010E;
/// `OID_GEN_MAXIMUM_FRAME_SIZE`.
pub const OID_GEN_MAXIMUM_FRAME_SIZE: NDIS_OID = 0x0001_0106;
/// `OID_GEN_MAXIMUM_TOTAL_SIZE`.
pub const OID_GEN_MAXIMUM_TOTAL_SIZE: NDIS_OID = 0x0001_0111;
/// `OID_GEN_LINK_STATE`.
pub const OID_GEN_LINK_STATE: NDIS_OID = 0x0001_0207;
/// `OID_802_3_CURRENT_ADDRESS`.
pub const OID_802_3_CURRENT_ADDRESS: NDIS_OID = 0x0101_0102;

/// `NDIS_REQUEST_TYPE` (C enum, 4 bytes).
pub type NDIS_REQUEST_TYPE = i32;
/// `NdisRequestQueryInformation`.
pub const NdisRequestQueryInformation: NDIS_REQUEST_TYPE = 0;
/// `NdisRequestSetInformation`.
pub const NdisRequestSetInformation: NDIS_REQUEST_TYPE = 1;
/// `NdisRequestQueryStatistics`.
pub const NdisRequestQueryStatistics: NDIS_REQUEST_TYPE = 2;
/// `NdisRequestOpen` (legacy name).
pub const NdisRequestOpen: NDIS_REQUEST_TYPE = 3;
/// `NdisRequestClose` (legacy name).
pub const NdisRequestClose: NDIS_REQUEST_TYPE = 4;
/// `NdisRequestSend` (legacy name).
pub const NdisRequestSend: NDIS_REQUEST_TYPE = 5;
/// `NdisRequestTransferData` (legacy name).
pub const NdisRequestTransferData: NDIS_REQUEST_TYPE = 6;
/// `NdisRequestReset` (legacy name).
pub const NdisRequestReset: NDIS_REQUEST_TYPE = 7;
/// `NdisRequestGeneric1` (legacy name).
pub const NdisRequestGeneric1: NDIS_REQUEST_TYPE = 8;
/// `NdisRequestGeneric2` (legacy name).
pub const NdisRequestGeneric2: NDIS_REQUEST_TYPE = 9;
/// `NdisRequestGeneric3` (legacy name).
pub const NdisRequestGeneric3: NDIS_REQUEST_TYPE = 0xA;
/// `NdisRequestGeneric4` (legacy name).
pub const NdisRequestGeneric4: NDIS_REQUEST_TYPE = 0xB;
/// `NdisRequestMethod`.
pub const NdisRequestMethod: NDIS_REQUEST_TYPE = 0xC;

/// `NDIS_OID_REQUEST_REVISION_1`.
pub const NDIS_OID_REQUEST_REVISION_1: UCHAR = 1;
/// `NDIS_OID_REQUEST_REVISION_2` (NDIS 6.50+: adds `SwitchId`, `VPortId`, `Flags`).
pub const NDIS_OID_REQUEST_REVISION_2: UCHAR = 2;
/// `NDIS_SIZEOF_OID_REQUEST_REVISION_1` (through `Reserved2`).
pub const NDIS_SIZEOF_OID_REQUEST_REVISION_1: USHORT = 0xEC;
/// `NDIS_SIZEOF_OID_REQUEST_REVISION_2` (through `Flags`).
pub const NDIS_SIZEOF_OID_REQUEST_REVISION_2: USHORT = 0xF8;
/// `NDIS_OID_REQUEST_NDIS_RESERVED_SIZE` (count of `PVOID`s in `NdisReserved`).
pub const NDIS_OID_REQUEST_NDIS_RESERVED_SIZE: usize = 16;
/// `NDIS_OID_REQUEST_TIMEOUT_INFINITE`.
pub const NDIS_OID_REQUEST_TIMEOUT_INFINITE: UINT = 0;
/// `NDIS_OID_REQUEST_FLAGS_VPORT_ID_VALID`.
pub const NDIS_OID_REQUEST_FLAGS_VPORT_ID_VALID: ULONG = 1;
/// `NDIS_DEFAULT_PORT_NUMBER`.
pub const NDIS_DEFAULT_PORT_NUMBER: NDIS_PORT_NUMBER = 0;

/// `NDIS_OID_REQUEST::DATA.QUERY_INFORMATION` (C tag `struct _QUERY`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_OID_REQUEST_DATA_QUERY_INFORMATION {
    /// The OID being queried.
    pub Oid: NDIS_OID,
    /// Caller's buffer.
    pub InformationBuffer: PVOID,
    /// Length of `InformationBuffer`.
    pub InformationBufferLength: UINT,
    /// Bytes written on success.
    pub BytesWritten: UINT,
    /// Bytes needed when the buffer is too short.
    pub BytesNeeded: UINT,
}

/// `NDIS_OID_REQUEST::DATA.SET_INFORMATION` (C tag `struct _SET`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_OID_REQUEST_DATA_SET_INFORMATION {
    /// The OID being set.
    pub Oid: NDIS_OID,
    /// Caller's buffer.
    pub InformationBuffer: PVOID,
    /// Length of `InformationBuffer`.
    pub InformationBufferLength: UINT,
    /// Bytes consumed on success.
    pub BytesRead: UINT,
    /// Bytes needed when the buffer is too short.
    pub BytesNeeded: UINT,
}

/// `NDIS_OID_REQUEST::DATA.METHOD_INFORMATION` (C tag `struct _METHOD`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_OID_REQUEST_DATA_METHOD_INFORMATION {
    /// The OID of the method request.
    pub Oid: NDIS_OID,
    /// Input/output buffer.
    pub InformationBuffer: PVOID,
    /// Input length.
    pub InputBufferLength: ULONG,
    /// Output capacity.
    pub OutputBufferLength: ULONG,
    /// Method identifier.
    pub MethodId: ULONG,
    /// Bytes written.
    pub BytesWritten: UINT,
    /// Bytes read.
    pub BytesRead: UINT,
    /// Bytes needed.
    pub BytesNeeded: UINT,
}

/// `NDIS_OID_REQUEST::DATA` (C `union _REQUEST_DATA`). Every view starts with the OID, so `Oid`
/// is valid whatever `RequestType` is. Reading a field needs `unsafe` (it is a Rust `union`); all
/// views are plain data, so any initialised request can be read through the view that matches
/// `RequestType`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NDIS_OID_REQUEST_DATA {
    /// The OID (common prefix of all views).
    pub Oid: NDIS_OID,
    /// View for `NdisRequestQueryInformation` / `NdisRequestQueryStatistics`.
    pub QUERY_INFORMATION: NDIS_OID_REQUEST_DATA_QUERY_INFORMATION,
    /// View for `NdisRequestSetInformation`.
    pub SET_INFORMATION: NDIS_OID_REQUEST_DATA_SET_INFORMATION,
    /// View for `NdisRequestMethod`.
    pub METHOD_INFORMATION: NDIS_OID_REQUEST_DATA_METHOD_INFORMATION,
}

impl fmt::Debug for NDIS_OID_REQUEST_DATA {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NDIS_OID_REQUEST_DATA")
            .finish_non_exhaustive()
    }
}

/// `NDIS_OID_REQUEST` as compiled for NDIS 6.50 and later (`REVISION_2`, sizeof 0xF8 on x64).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_OID_REQUEST {
    /// `{NDIS_OBJECT_TYPE_OID_REQUEST, NDIS_OID_REQUEST_REVISION_n, NDIS_SIZEOF_OID_REQUEST_REVISION_n}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// One of the `NdisRequest*` values.
    pub RequestType: NDIS_REQUEST_TYPE,
    /// Port number.
    pub PortNumber: NDIS_PORT_NUMBER,
    /// Timeout in seconds (`NDIS_OID_REQUEST_TIMEOUT_INFINITE` = none).
    pub Timeout: UINT,
    /// Request identifier (used to cancel).
    pub RequestId: PVOID,
    /// Handle of the originator.
    pub RequestHandle: NDIS_HANDLE,
    /// Request data (see [`NDIS_OID_REQUEST_DATA`]).
    pub DATA: NDIS_OID_REQUEST_DATA,
    /// `PVOID[NDIS_OID_REQUEST_NDIS_RESERVED_SIZE]` as bytes (`16 * sizeof(PVOID)`).
    pub NdisReserved: [UCHAR; NDIS_OID_REQUEST_NDIS_RESERVED_SIZE * core::mem::size_of::<PVOID>()],
    /// `UCHAR MiniportReserved[2 * sizeof(PVOID)]`.
    pub MiniportReserved: [UCHAR; 2 * core::mem::size_of::<PVOID>()],
    /// `UCHAR SourceReserved[2 * sizeof(PVOID)]` (a filter that clones a request keeps context here).
    pub SourceReserved: [UCHAR; 2 * core::mem::size_of::<PVOID>()],
    /// Highest revision the source supports.
    pub SupportedRevision: UCHAR,
    /// Reserved.
    pub Reserved1: UCHAR,
    /// Reserved.
    pub Reserved2: USHORT,
    /// NIC switch id (REVISION_2).
    pub SwitchId: NDIS_NIC_SWITCH_ID,
    /// VPort id (REVISION_2).
    pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
    /// `NDIS_OID_REQUEST_FLAGS_*` (REVISION_2).
    pub Flags: ULONG,
}

impl NDIS_OID_REQUEST {
    /// A request with every field zero/null (fill in `Header`, `RequestType` and `DATA`).
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Header: NDIS_OBJECT_HEADER {
                Type: 0,
                Revision: 0,
                Size: 0,
            },
            RequestType: 0,
            PortNumber: 0,
            Timeout: 0,
            RequestId: core::ptr::null_mut(),
            RequestHandle: core::ptr::null_mut(),
            DATA: NDIS_OID_REQUEST_DATA {
                METHOD_INFORMATION: NDIS_OID_REQUEST_DATA_METHOD_INFORMATION {
                    Oid: 0,
                    InformationBuffer: core::ptr::null_mut(),
                    InputBufferLength: 0,
                    OutputBufferLength: 0,
                    MethodId: 0,
                    BytesWritten: 0,
                    BytesRead: 0,
                    BytesNeeded: 0,
                },
            },
            NdisReserved: [0; NDIS_OID_REQUEST_NDIS_RESERVED_SIZE * core::mem::size_of::<PVOID>()],
            MiniportReserved: [0; 2 * core::mem::size_of::<PVOID>()],
            SourceReserved: [0; 2 * core::mem::size_of::<PVOID>()],
            SupportedRevision: 0,
            Reserved1: 0,
            Reserved2: 0,
            SwitchId: 0,
            VPortId: 0,
            Flags: 0,
        }
    }
}

impl Default for NDIS_OID_REQUEST {
    fn default() -> Self {
        Self::zeroed()
    }
}

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    type R = NDIS_OID_REQUEST;
    type D = NDIS_OID_REQUEST_DATA;
    type Q = NDIS_OID_REQUEST_DATA_QUERY_INFORMATION;
    type S = NDIS_OID_REQUEST_DATA_SET_INFORMATION;
    type M = NDIS_OID_REQUEST_DATA_METHOD_INFORMATION;
    // ndis-core-layouts.md §3 (NDIS 6.80 column)
    assert!(offset_of!(R, Header) == 0x0);
    assert!(offset_of!(R, RequestType) == 0x4);
    assert!(offset_of!(R, PortNumber) == 0x8);
    assert!(offset_of!(R, Timeout) == 0xC);
    assert!(offset_of!(R, RequestId) == 0x10);
    assert!(offset_of!(R, RequestHandle) == 0x18);
    assert!(offset_of!(R, DATA) == 0x20);
    assert!(size_of::<D>() == 0x28);
    assert!(offset_of!(D, Oid) == 0);
    assert!(offset_of!(R, DATA) + offset_of!(D, QUERY_INFORMATION) + offset_of!(Q, Oid) == 0x20);
    assert!(offset_of!(R, DATA) + offset_of!(Q, InformationBuffer) == 0x28);
    assert!(offset_of!(R, DATA) + offset_of!(Q, InformationBufferLength) == 0x30);
    assert!(offset_of!(R, DATA) + offset_of!(Q, BytesWritten) == 0x34);
    assert!(offset_of!(R, DATA) + offset_of!(Q, BytesNeeded) == 0x38);
    assert!(size_of::<Q>() == 0x20);
    assert!(offset_of!(R, DATA) + offset_of!(D, SET_INFORMATION) + offset_of!(S, Oid) == 0x20);
    assert!(offset_of!(R, DATA) + offset_of!(S, InformationBuffer) == 0x28);
    assert!(offset_of!(R, DATA) + offset_of!(S, InformationBufferLength) == 0x30);
    assert!(offset_of!(R, DATA) + offset_of!(S, BytesRead) == 0x34);
    assert!(offset_of!(R, DATA) + offset_of!(S, BytesNeeded) == 0x38);
    assert!(size_of::<S>() == 0x20);
    assert!(offset_of!(R, DATA) + offset_of!(D, METHOD_INFORMATION) + offset_of!(M, Oid) == 0x20);
    assert!(offset_of!(R, DATA) + offset_of!(M, InformationBuffer) == 0x28);
    assert!(offset_of!(R, DATA) + offset_of!(M, InputBufferLength) == 0x30);
    assert!(offset_of!(R, DATA) + offset_of!(M, OutputBufferLength) == 0x34);
    assert!(offset_of!(R, DATA) + offset_of!(M, MethodId) == 0x38);
    assert!(offset_of!(R, DATA) + offset_of!(M, BytesWritten) == 0x3C);
    assert!(offset_of!(R, DATA) + offset_of!(M, BytesRead) == 0x40);
    assert!(offset_of!(R, DATA) + offset_of!(M, BytesNeeded) == 0x44);
    assert!(size_of::<M>() == 0x28);
    assert!(offset_of!(R, NdisReserved) == 0x48);
    assert!(size_of::<[UCHAR; NDIS_OID_REQUEST_NDIS_RESERVED_SIZE * 8]>() == 0x80);
    assert!(offset_of!(R, MiniportReserved) == 0xC8);
    assert!(offset_of!(R, SourceReserved) == 0xD8);
    assert!(offset_of!(R, SupportedRevision) == 0xE8);
    assert!(offset_of!(R, Reserved1) == 0xE9);
    assert!(offset_of!(R, Reserved2) == 0xEA);
    assert!(offset_of!(R, SwitchId) == 0xEC);
    assert!(offset_of!(R, VPortId) == 0xF0);
    assert!(offset_of!(R, Flags) == 0xF4);
    assert!(size_of::<R>() == 0xF8);
    assert!(align_of::<R>() == 0x8);
    assert!(NDIS_SIZEOF_OID_REQUEST_REVISION_1 as usize == offset_of!(R, Reserved2) + 2);
    assert!(NDIS_SIZEOF_OID_REQUEST_REVISION_2 as usize == offset_of!(R, Flags) + 4);
};
