//! `MDL`, `NET_BUFFER`, `NET_BUFFER_LIST` and their helpers for NDIS 6.80 on 64-bit Windows,
//! the `NDIS_NET_BUFFER_LIST_INFO` slot indices, the send/receive/return flags and the common
//! per-NBL info payloads.
//!
//! The `NET_BUFFER*` family embeds the x64/ARM64 `SLIST_HEADER` (16 bytes, 16-aligned), so it is
//! only defined for 64-bit targets. Anonymous C unions/structs are mirrored as Rust unions/structs
//! named `<Parent>_Anonymous{,1,2}` in fields named `Anonymous{,1,2}` (as the `windows-sys`
//! bindings do); reading a union field needs `unsafe` in the consumer.

use core::ffi::c_void;
#[cfg(target_pointer_width = "64")]
use core::fmt;

use crate::bits::bitfields;
use crate::types::NDIS_OBJECT_HEADER;
#[cfg(target_pointer_width = "64")]
use crate::types::{
    Align16, LONG, NDIS_HANDLE, NDIS_STATUS, PHYSICAL_ADDRESS, SIZE_T, UCHAR, ULONGLONG, USHORT,
};
use crate::types::{CSHORT, PVOID, ULONG, ULONG_PTR};

// ---------------------------------------------------------------------------------------------
// MDL
// ---------------------------------------------------------------------------------------------

/// `MDL` header (wdm.h). The `PFN_NUMBER` page array follows at `sizeof(MDL)`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MDL {
    /// Next MDL of the chain.
    pub Next: *mut MDL,
    /// Size of header plus page array.
    pub Size: CSHORT,
    /// `MDL_*` flags (compare as `u16`).
    pub MdlFlags: CSHORT,
    /// `PEPROCESS` (opaque).
    pub Process: *mut c_void,
    /// System VA when `MDL_MAPPED_TO_SYSTEM_VA` / `MDL_SOURCE_IS_NONPAGED_POOL`.
    pub MappedSystemVa: PVOID,
    /// Page-aligned start VA.
    pub StartVa: PVOID,
    /// Byte count described.
    pub ByteCount: ULONG,
    /// Offset of the data from `StartVa`.
    pub ByteOffset: ULONG,
}

impl MDL {
    /// An all-zero/null MDL header (for tests and for building MDLs in owned memory).
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Next: core::ptr::null_mut(),
            Size: 0,
            MdlFlags: 0,
            Process: core::ptr::null_mut(),
            MappedSystemVa: core::ptr::null_mut(),
            StartVa: core::ptr::null_mut(),
            ByteCount: 0,
            ByteOffset: 0,
        }
    }
}

impl Default for MDL {
    fn default() -> Self {
        Self::zeroed()
    }
}

/// `MDL_MAPPED_TO_SYSTEM_VA`.
pub const MDL_MAPPED_TO_SYSTEM_VA: u16 = 0x0001;
/// `MDL_PAGES_LOCKED`.
pub const MDL_PAGES_LOCKED: u16 = 0x0002;
/// `MDL_SOURCE_IS_NONPAGED_POOL`.
pub const MDL_SOURCE_IS_NONPAGED_POOL: u16 = 0x0004;
/// `MDL_ALLOCATED_FIXED_SIZE`.
pub const MDL_ALLOCATED_FIXED_SIZE: u16 = 0x0008;
/// `MDL_PARTIAL`.
pub const MDL_PARTIAL: u16 = 0x0010;
/// `MDL_PARTIAL_HAS_BEEN_MAPPED`.
pub const MDL_PARTIAL_HAS_BEEN_MAPPED: u16 = 0x0020;
/// `MDL_IO_PAGE_READ`.
pub const MDL_IO_PAGE_READ: u16 = 0x0040;
/// `MDL_WRITE_OPERATION`.
pub const MDL_WRITE_OPERATION: u16 = 0x0080;
/// `MDL_LOCKED_PAGE_TABLES`.
pub const MDL_LOCKED_PAGE_TABLES: u16 = 0x0100;
/// `MDL_PARENT_MAPPED_SYSTEM_VA`.
pub const MDL_PARENT_MAPPED_SYSTEM_VA: u16 = 0x0100;
/// `MDL_FREE_EXTRA_PTES`.
pub const MDL_FREE_EXTRA_PTES: u16 = 0x0200;
/// `MDL_DESCRIBES_AWE`.
pub const MDL_DESCRIBES_AWE: u16 = 0x0400;
/// `MDL_IO_SPACE`.
pub const MDL_IO_SPACE: u16 = 0x0800;
/// `MDL_NETWORK_HEADER`.
pub const MDL_NETWORK_HEADER: u16 = 0x1000;
/// `MDL_MAPPING_CAN_FAIL`.
pub const MDL_MAPPING_CAN_FAIL: u16 = 0x2000;
/// `MDL_PAGE_CONTENTS_INVARIANT`.
pub const MDL_PAGE_CONTENTS_INVARIANT: u16 = 0x4000;
/// `MDL_ALLOCATED_MUST_SUCCEED`.
pub const MDL_ALLOCATED_MUST_SUCCEED: u16 = 0x4000;
/// `MDL_INTERNAL`.
pub const MDL_INTERNAL: u16 = 0x8000;

// ---------------------------------------------------------------------------------------------
// SLIST_HEADER and the NET_BUFFER family (64-bit only)
// ---------------------------------------------------------------------------------------------

/// `SLIST_HEADER` (x64/ARM64 form): a 16-byte, 16-aligned C union of `{Alignment, Region}` and
/// the `HeaderX64` bit fields, mirrored as the two 64-bit words with accessors for `HeaderX64`.
#[cfg(target_pointer_width = "64")]
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SLIST_HEADER {
    /// First 64-bit word (`HeaderX64.Depth:16, Sequence:48`).
    pub Alignment: ULONGLONG,
    /// Second 64-bit word (`HeaderX64.Reserved:4, NextEntry:60`).
    pub Region: ULONGLONG,
}

#[cfg(target_pointer_width = "64")]
impl SLIST_HEADER {
    bitfields! {
        Alignment: ULONGLONG;
        /// `HeaderX64.Depth`.
        header_x64_depth, set_header_x64_depth: u16 @ 0, 16;
        /// `HeaderX64.Sequence`.
        header_x64_sequence, set_header_x64_sequence: u64 @ 16, 48;
    }
    bitfields! {
        Region: ULONGLONG;
        /// `HeaderX64.Reserved`.
        header_x64_reserved, set_header_x64_reserved: u8 @ 0, 4;
        /// `HeaderX64.NextEntry` (the entry address shifted right by 4).
        header_x64_next_entry, set_header_x64_next_entry: u64 @ 4, 60;
    }
}

/// The anonymous `union { ULONG DataLength; SIZE_T stDataLength; }` of `NET_BUFFER_DATA`
/// (and of the anonymous first member of `NET_BUFFER`).
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union NET_BUFFER_DATA_Anonymous {
    /// Data length (the `ULONG` view used by `NET_BUFFER_DATA_LENGTH`).
    pub DataLength: ULONG,
    /// Data length as `SIZE_T`.
    pub stDataLength: SIZE_T,
}

#[cfg(target_pointer_width = "64")]
impl fmt::Debug for NET_BUFFER_DATA_Anonymous {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NET_BUFFER_DATA_Anonymous")
            .finish_non_exhaustive()
    }
}

/// `NET_BUFFER_DATA`; its layout is also that of the anonymous struct that starts `NET_BUFFER`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NET_BUFFER_DATA {
    /// Next NET_BUFFER of the NBL.
    pub Next: *mut NET_BUFFER,
    /// MDL holding the current data start.
    pub CurrentMdl: *mut MDL,
    /// Offset of the data start inside `CurrentMdl`.
    pub CurrentMdlOffset: ULONG,
    /// `{DataLength | stDataLength}`.
    pub Anonymous: NET_BUFFER_DATA_Anonymous,
    /// First MDL of the chain.
    pub MdlChain: *mut MDL,
    /// Offset of the data start from the start of `MdlChain`.
    pub DataOffset: ULONG,
}

/// `NET_BUFFER_HEADER` (legacy union `{ NET_BUFFER_DATA NetBufferData; SLIST_HEADER Link; }`).
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union NET_BUFFER_HEADER {
    /// Data view.
    pub NetBufferData: NET_BUFFER_DATA,
    /// S-list view.
    pub Link: SLIST_HEADER,
}

#[cfg(target_pointer_width = "64")]
impl fmt::Debug for NET_BUFFER_HEADER {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NET_BUFFER_HEADER").finish_non_exhaustive()
    }
}

/// The anonymous first union of `NET_BUFFER`: `{ <anonymous NET_BUFFER_DATA layout>; Link; NetBufferHeader; }`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union NET_BUFFER_Anonymous1 {
    /// The anonymous struct `{Next, CurrentMdl, CurrentMdlOffset, {DataLength|stDataLength}, MdlChain, DataOffset}`.
    pub Anonymous: NET_BUFFER_DATA,
    /// S-list linkage.
    pub Link: SLIST_HEADER,
    /// Legacy header view.
    pub NetBufferHeader: NET_BUFFER_HEADER,
}

#[cfg(target_pointer_width = "64")]
impl fmt::Debug for NET_BUFFER_Anonymous1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NET_BUFFER_Anonymous1")
            .finish_non_exhaustive()
    }
}

/// `NET_BUFFER_SHARED_MEMORY`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NET_BUFFER_SHARED_MEMORY {
    /// Next segment.
    pub NextSharedMemorySegment: *mut NET_BUFFER_SHARED_MEMORY,
    /// Flags.
    pub SharedMemoryFlags: ULONG,
    /// Shared memory handle.
    pub SharedMemoryHandle: NDIS_HANDLE,
    /// Offset.
    pub SharedMemoryOffset: ULONG,
    /// Length.
    pub SharedMemoryLength: ULONG,
}

/// The anonymous trailing union of `NET_BUFFER`: `{ SharedMemoryInfo; ScatterGatherList; }`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union NET_BUFFER_Anonymous2 {
    /// `PNET_BUFFER_SHARED_MEMORY`.
    pub SharedMemoryInfo: *mut NET_BUFFER_SHARED_MEMORY,
    /// `PSCATTER_GATHER_LIST` (opaque here).
    pub ScatterGatherList: *mut c_void,
}

#[cfg(target_pointer_width = "64")]
impl fmt::Debug for NET_BUFFER_Anonymous2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NET_BUFFER_Anonymous2")
            .finish_non_exhaustive()
    }
}

/// `NET_BUFFER` (identical for NDIS 6.30..6.86; sizeof 0xB0, align 16).
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NET_BUFFER {
    /// `{ {Next, CurrentMdl, CurrentMdlOffset, DataLength, MdlChain, DataOffset}; Link; NetBufferHeader; }`.
    pub Anonymous1: NET_BUFFER_Anonymous1,
    /// Checksum bias.
    pub ChecksumBias: USHORT,
    /// Reserved.
    pub Reserved: USHORT,
    /// Pool the NB came from.
    pub NdisPoolHandle: NDIS_HANDLE,
    /// `DECLSPEC_ALIGN(16) PVOID NdisReserved[2]`.
    pub NdisReserved: Align16<[PVOID; 2]>,
    /// `DECLSPEC_ALIGN(16) PVOID ProtocolReserved[6]`.
    pub ProtocolReserved: Align16<[PVOID; 6]>,
    /// `DECLSPEC_ALIGN(16) PVOID MiniportReserved[4]`.
    pub MiniportReserved: Align16<[PVOID; 4]>,
    /// Physical address of the data.
    pub DataPhysicalAddress: PHYSICAL_ADDRESS,
    /// `{ SharedMemoryInfo; ScatterGatherList; }`.
    pub Anonymous2: NET_BUFFER_Anonymous2,
}

#[cfg(target_pointer_width = "64")]
impl NET_BUFFER_DATA {
    /// All fields zero/null.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Next: core::ptr::null_mut(),
            CurrentMdl: core::ptr::null_mut(),
            CurrentMdlOffset: 0,
            Anonymous: NET_BUFFER_DATA_Anonymous { stDataLength: 0 },
            MdlChain: core::ptr::null_mut(),
            DataOffset: 0,
        }
    }
}

#[cfg(target_pointer_width = "64")]
impl NET_BUFFER {
    /// A NET_BUFFER with every field zero/null (for tests on the host; real NET_BUFFERs are
    /// allocated by NDIS).
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Anonymous1: NET_BUFFER_Anonymous1 {
                Anonymous: NET_BUFFER_DATA::zeroed(),
            },
            ChecksumBias: 0,
            Reserved: 0,
            NdisPoolHandle: core::ptr::null_mut(),
            NdisReserved: Align16([core::ptr::null_mut(); 2]),
            ProtocolReserved: Align16([core::ptr::null_mut(); 6]),
            MiniportReserved: Align16([core::ptr::null_mut(); 4]),
            DataPhysicalAddress: PHYSICAL_ADDRESS { QuadPart: 0 },
            Anonymous2: NET_BUFFER_Anonymous2 {
                SharedMemoryInfo: core::ptr::null_mut(),
            },
        }
    }
}

#[cfg(target_pointer_width = "64")]
impl Default for NET_BUFFER {
    fn default() -> Self {
        Self::zeroed()
    }
}

/// `NET_BUFFER_LIST_DATA` (`{Next, FirstNetBuffer}`); also the layout of the anonymous struct at
/// the start of `NET_BUFFER_LIST`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NET_BUFFER_LIST_DATA {
    /// Next NBL of the chain.
    pub Next: *mut NET_BUFFER_LIST,
    /// First NET_BUFFER of this NBL.
    pub FirstNetBuffer: *mut NET_BUFFER,
}

/// `NET_BUFFER_LIST_HEADER` (legacy union `{ NET_BUFFER_LIST_DATA NetBufferListData; SLIST_HEADER Link; }`).
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union NET_BUFFER_LIST_HEADER {
    /// Data view.
    pub NetBufferListData: NET_BUFFER_LIST_DATA,
    /// S-list view.
    pub Link: SLIST_HEADER,
}

#[cfg(target_pointer_width = "64")]
impl fmt::Debug for NET_BUFFER_LIST_HEADER {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NET_BUFFER_LIST_HEADER")
            .finish_non_exhaustive()
    }
}

/// The anonymous first union of `NET_BUFFER_LIST`: `{ {Next, FirstNetBuffer}; Link; NetBufferListHeader; }`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union NET_BUFFER_LIST_Anonymous1 {
    /// The anonymous struct `{Next, FirstNetBuffer}`.
    pub Anonymous: NET_BUFFER_LIST_DATA,
    /// S-list linkage.
    pub Link: SLIST_HEADER,
    /// Legacy header view.
    pub NetBufferListHeader: NET_BUFFER_LIST_HEADER,
}

#[cfg(target_pointer_width = "64")]
impl fmt::Debug for NET_BUFFER_LIST_Anonymous1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NET_BUFFER_LIST_Anonymous1")
            .finish_non_exhaustive()
    }
}

/// The anonymous `union { NDIS_STATUS Status; ULONG NdisReserved2; }` of `NET_BUFFER_LIST`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union NET_BUFFER_LIST_Anonymous2 {
    /// Completion status (`NET_BUFFER_LIST_STATUS`).
    pub Status: NDIS_STATUS,
    /// Reserved view.
    pub NdisReserved2: ULONG,
}

#[cfg(target_pointer_width = "64")]
impl fmt::Debug for NET_BUFFER_LIST_Anonymous2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NET_BUFFER_LIST_Anonymous2")
            .finish_non_exhaustive()
    }
}

/// `NET_BUFFER_LIST_CONTEXT`; `ContextData` is a 16-aligned flexible array at +0x10.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NET_BUFFER_LIST_CONTEXT {
    /// Next context.
    pub Next: *mut NET_BUFFER_LIST_CONTEXT,
    /// Size of the context data.
    pub Size: USHORT,
    /// Offset of the used part of the context data.
    pub Offset: USHORT,
    /// `DECLSPEC_ALIGN(16) UCHAR ContextData[]`.
    pub ContextData: Align16<[UCHAR; 0]>,
}

/// `NET_BUFFER_LIST` as compiled for NDIS 6.80+ (`MaxNetBufferListInfo` = 27 slots; sizeof 0x170).
/// NBLs are allocated by NDIS: never rely on `sizeof` for NBLs you did not allocate and only index
/// `NetBufferListInfo` below `MaxNetBufferListInfo`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NET_BUFFER_LIST {
    /// `{ {Next, FirstNetBuffer}; Link; NetBufferListHeader; }`.
    pub Anonymous1: NET_BUFFER_LIST_Anonymous1,
    /// Context area chain.
    pub Context: *mut NET_BUFFER_LIST_CONTEXT,
    /// Parent of a clone.
    pub ParentNetBufferList: *mut NET_BUFFER_LIST,
    /// Pool the NBL came from.
    pub NdisPoolHandle: NDIS_HANDLE,
    /// `DECLSPEC_ALIGN(16) PVOID NdisReserved[2]`.
    pub NdisReserved: Align16<[PVOID; 2]>,
    /// `DECLSPEC_ALIGN(16) PVOID ProtocolReserved[4]`.
    pub ProtocolReserved: Align16<[PVOID; 4]>,
    /// `DECLSPEC_ALIGN(16) PVOID MiniportReserved[2]`.
    pub MiniportReserved: Align16<[PVOID; 2]>,
    /// Scratch.
    pub Scratch: PVOID,
    /// Handle of the component that owns the NBL (the filter's `NdisFilterHandle` for its own NBLs).
    pub SourceHandle: NDIS_HANDLE,
    /// `NDIS_NBL_FLAGS_*`.
    pub NblFlags: ULONG,
    /// Clone reference count.
    pub ChildRefCount: LONG,
    /// `NBL_FLAGS_*` (+ protocol/miniport reserved bits).
    pub Flags: ULONG,
    /// `{ Status; NdisReserved2; }`.
    pub Anonymous2: NET_BUFFER_LIST_Anonymous2,
    /// Out-of-band info, indexed by `NDIS_NET_BUFFER_LIST_INFO`.
    pub NetBufferListInfo: [PVOID; MaxNetBufferListInfo as usize],
}

#[cfg(target_pointer_width = "64")]
impl NET_BUFFER_LIST {
    /// A NET_BUFFER_LIST with every field zero/null (for tests on the host; real NBLs are
    /// allocated by NDIS).
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Anonymous1: NET_BUFFER_LIST_Anonymous1 {
                Anonymous: NET_BUFFER_LIST_DATA {
                    Next: core::ptr::null_mut(),
                    FirstNetBuffer: core::ptr::null_mut(),
                },
            },
            Context: core::ptr::null_mut(),
            ParentNetBufferList: core::ptr::null_mut(),
            NdisPoolHandle: core::ptr::null_mut(),
            NdisReserved: Align16([core::ptr::null_mut(); 2]),
            ProtocolReserved: Align16([core::ptr::null_mut(); 4]),
            MiniportReserved: Align16([core::ptr::null_mut(); 2]),
            Scratch: core::ptr::null_mut(),
            SourceHandle: core::ptr::null_mut(),
            NblFlags: 0,
            ChildRefCount: 0,
            Flags: 0,
            Anonymous2: NET_BUFFER_LIST_Anonymous2 { Status: 0 },
            NetBufferListInfo: [core::ptr::null_mut(); MaxNetBufferListInfo as usize],
        }
    }

    /// `NET_BUFFER_LIST_INFO(nbl, id)` read. Panics if `id` is negative or `>= MaxNetBufferListInfo`.
    #[inline]
    #[must_use]
    pub fn info(&self, id: NDIS_NET_BUFFER_LIST_INFO) -> PVOID {
        self.NetBufferListInfo[id as usize]
    }

    /// `NET_BUFFER_LIST_INFO(nbl, id) = value`. Panics if `id` is negative or `>= MaxNetBufferListInfo`.
    #[inline]
    pub fn set_info(&mut self, id: NDIS_NET_BUFFER_LIST_INFO, value: PVOID) {
        self.NetBufferListInfo[id as usize] = value;
    }
}

#[cfg(target_pointer_width = "64")]
impl Default for NET_BUFFER_LIST {
    fn default() -> Self {
        Self::zeroed()
    }
}

// ---------------------------------------------------------------------------------------------
// NDIS_NET_BUFFER_LIST_INFO (x64 indices, NDIS 6.80)
// ---------------------------------------------------------------------------------------------

/// `NDIS_NET_BUFFER_LIST_INFO` (C enum, 4 bytes): index into `NET_BUFFER_LIST::NetBufferListInfo`.
/// Values are those of AMD64/ARM64 builds for NDIS 6.80 (`NDIS_WRAPPER` not defined).
pub type NDIS_NET_BUFFER_LIST_INFO = i32;
/// `TcpIpChecksumNetBufferListInfo`.
pub const TcpIpChecksumNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0;
/// `TcpOffloadBytesTransferred` (alias of slot 0).
pub const TcpOffloadBytesTransferred: NDIS_NET_BUFFER_LIST_INFO = 0;
/// `IPsecOffloadV1NetBufferListInfo`.
pub const IPsecOffloadV1NetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 1;
/// `IPsecOffloadV2NetBufferListInfo` (alias of slot 1): `NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO`.
pub const IPsecOffloadV2NetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 1;
/// `TcpLargeSendNetBufferListInfo`.
pub const TcpLargeSendNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 2;
/// `TcpReceiveNoPush` (alias of slot 2).
pub const TcpReceiveNoPush: NDIS_NET_BUFFER_LIST_INFO = 2;
/// `ClassificationHandleNetBufferListInfo`.
pub const ClassificationHandleNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 3;
/// `Ieee8021QNetBufferListInfo`.
pub const Ieee8021QNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 4;
/// `NetBufferListCancelId`.
pub const NetBufferListCancelId: NDIS_NET_BUFFER_LIST_INFO = 5;
/// `MediaSpecificInformation`.
pub const MediaSpecificInformation: NDIS_NET_BUFFER_LIST_INFO = 6;
/// `NetBufferListFrameType`.
pub const NetBufferListFrameType: NDIS_NET_BUFFER_LIST_INFO = 7;
/// `NetBufferListProtocolId` (alias of slot 7).
pub const NetBufferListProtocolId: NDIS_NET_BUFFER_LIST_INFO = 7;
/// `NetBufferListHashValue`.
pub const NetBufferListHashValue: NDIS_NET_BUFFER_LIST_INFO = 8;
/// `NetBufferListHashInfo`.
pub const NetBufferListHashInfo: NDIS_NET_BUFFER_LIST_INFO = 9;
/// `WfpNetBufferListInfo`.
pub const WfpNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0xA;
/// `IPsecOffloadV2TunnelNetBufferListInfo`: `NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO`.
pub const IPsecOffloadV2TunnelNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0xB;
/// `IPsecOffloadV2HeaderNetBufferListInfo`: `NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO`.
pub const IPsecOffloadV2HeaderNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0xC;
/// `NetBufferListCorrelationId`.
pub const NetBufferListCorrelationId: NDIS_NET_BUFFER_LIST_INFO = 0xD;
/// `NetBufferListFilteringInfo`.
pub const NetBufferListFilteringInfo: NDIS_NET_BUFFER_LIST_INFO = 0xE;
/// `MediaSpecificInformationEx`.
pub const MediaSpecificInformationEx: NDIS_NET_BUFFER_LIST_INFO = 0xF;
/// `NblOriginalInterfaceIfIndex`.
pub const NblOriginalInterfaceIfIndex: NDIS_NET_BUFFER_LIST_INFO = 0x10;
/// `NblReAuthWfpFlowContext` (alias of slot 0x10).
pub const NblReAuthWfpFlowContext: NDIS_NET_BUFFER_LIST_INFO = 0x10;
/// `TcpReceiveBytesTransferred`.
pub const TcpReceiveBytesTransferred: NDIS_NET_BUFFER_LIST_INFO = 0x11;
/// `NrtNameResolutionId` (alias of slot 0x11).
pub const NrtNameResolutionId: NDIS_NET_BUFFER_LIST_INFO = 0x11;
/// `SwitchForwardingReserved` (AMD64/ARM64 only).
pub const SwitchForwardingReserved: NDIS_NET_BUFFER_LIST_INFO = 0x12;
/// `SwitchForwardingDetail` (AMD64/ARM64 only).
pub const SwitchForwardingDetail: NDIS_NET_BUFFER_LIST_INFO = 0x13;
/// `VirtualSubnetInfo` (AMD64/ARM64 only).
pub const VirtualSubnetInfo: NDIS_NET_BUFFER_LIST_INFO = 0x14;
/// `IMReserved`.
pub const IMReserved: NDIS_NET_BUFFER_LIST_INFO = 0x15;
/// `TcpRecvSegCoalesceInfo`.
pub const TcpRecvSegCoalesceInfo: NDIS_NET_BUFFER_LIST_INFO = 0x16;
/// `RscTcpTimestampDelta`.
pub const RscTcpTimestampDelta: NDIS_NET_BUFFER_LIST_INFO = 0x17;
/// `TcpSendOffloadsSupplementalNetBufferListInfo` (alias of slot 0x17).
pub const TcpSendOffloadsSupplementalNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0x17;
/// `GftOffloadInformation` (NDIS 6.80+).
pub const GftOffloadInformation: NDIS_NET_BUFFER_LIST_INFO = 0x18;
/// `GftFlowEntryId` (NDIS 6.80+).
pub const GftFlowEntryId: NDIS_NET_BUFFER_LIST_INFO = 0x19;
/// `NetBufferListInfoReserved3` (NDIS 6.80+).
pub const NetBufferListInfoReserved3: NDIS_NET_BUFFER_LIST_INFO = 0x1A;
/// `MaxNetBufferListInfo` for NDIS 6.80 on x64: 27 slots.
pub const MaxNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0x1B;

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

/// `NDIS_SEND_FLAGS_DISPATCH_LEVEL`.
pub const NDIS_SEND_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
/// `NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK`.
pub const NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK: ULONG = 0x2;
/// `NDIS_SEND_FLAGS_SINGLE_QUEUE`.
pub const NDIS_SEND_FLAGS_SINGLE_QUEUE: ULONG = 0x4;
/// `NDIS_SEND_FLAGS_SWITCH_DESTINATION_GROUP`.
pub const NDIS_SEND_FLAGS_SWITCH_DESTINATION_GROUP: ULONG = 0x10;
/// `NDIS_SEND_FLAGS_SWITCH_SINGLE_SOURCE`.
pub const NDIS_SEND_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x20;
/// `NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL`.
pub const NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
/// `NDIS_SEND_COMPLETE_FLAGS_SINGLE_QUEUE`.
pub const NDIS_SEND_COMPLETE_FLAGS_SINGLE_QUEUE: ULONG = 0x2;
/// `NDIS_SEND_COMPLETE_FLAGS_SWITCH_SINGLE_SOURCE`.
pub const NDIS_SEND_COMPLETE_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x4;
/// `NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL`.
pub const NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
/// `NDIS_RECEIVE_FLAGS_RESOURCES`: the indication cannot pend (NBLs must be copied or returned at once).
pub const NDIS_RECEIVE_FLAGS_RESOURCES: ULONG = 0x2;
/// `NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE`.
pub const NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE: ULONG = 0x100;
/// `NDIS_RECEIVE_FLAGS_SINGLE_VLAN`.
pub const NDIS_RECEIVE_FLAGS_SINGLE_VLAN: ULONG = 0x200;
/// `NDIS_RECEIVE_FLAGS_PERFECT_FILTERED`.
pub const NDIS_RECEIVE_FLAGS_PERFECT_FILTERED: ULONG = 0x400;
/// `NDIS_RECEIVE_FLAGS_SINGLE_QUEUE`.
pub const NDIS_RECEIVE_FLAGS_SINGLE_QUEUE: ULONG = 0x800;
/// `NDIS_RECEIVE_FLAGS_SHARED_MEMORY_INFO_VALID`.
pub const NDIS_RECEIVE_FLAGS_SHARED_MEMORY_INFO_VALID: ULONG = 0x1000;
/// `NDIS_RECEIVE_FLAGS_MORE_NBLS`.
pub const NDIS_RECEIVE_FLAGS_MORE_NBLS: ULONG = 0x2000;
/// `NDIS_RECEIVE_FLAGS_SWITCH_DESTINATION_GROUP`.
pub const NDIS_RECEIVE_FLAGS_SWITCH_DESTINATION_GROUP: ULONG = 0x4000;
/// `NDIS_RECEIVE_FLAGS_SWITCH_SINGLE_SOURCE`.
pub const NDIS_RECEIVE_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x8000;
/// `NDIS_RETURN_FLAGS_DISPATCH_LEVEL`.
pub const NDIS_RETURN_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
/// `NDIS_RETURN_FLAGS_SINGLE_QUEUE`.
pub const NDIS_RETURN_FLAGS_SINGLE_QUEUE: ULONG = 0x2;
/// `NDIS_RETURN_FLAGS_SWITCH_SINGLE_SOURCE`.
pub const NDIS_RETURN_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x4;

/// `NBL_FLAGS_PROTOCOL_RESERVED` (mask of `NET_BUFFER_LIST::Flags`).
pub const NBL_FLAGS_PROTOCOL_RESERVED: ULONG = 0xFFF0_0003;
/// `NBL_FLAGS_MINIPORT_RESERVED`.
pub const NBL_FLAGS_MINIPORT_RESERVED: ULONG = 0x0000_F000;
/// `NBL_FLAGS_SCRATCH`.
pub const NBL_FLAGS_SCRATCH: ULONG = 0x000F_0000;
/// `NBL_FLAGS_NDIS_RESERVED`.
pub const NBL_FLAGS_NDIS_RESERVED: ULONG = 0x0000_0FFC;
/// `NDIS_NBL_FLAGS_SEND_READ_ONLY` (`NET_BUFFER_LIST::NblFlags`).
pub const NDIS_NBL_FLAGS_SEND_READ_ONLY: ULONG = 0x1;
/// `NDIS_NBL_FLAGS_RECV_READ_ONLY`.
pub const NDIS_NBL_FLAGS_RECV_READ_ONLY: ULONG = 0x2;
/// `NDIS_NBL_FLAGS_HD_SPLIT`.
pub const NDIS_NBL_FLAGS_HD_SPLIT: ULONG = 0x100;
/// `NDIS_NBL_FLAGS_IS_IPV4`.
pub const NDIS_NBL_FLAGS_IS_IPV4: ULONG = 0x200;
/// `NDIS_NBL_FLAGS_IS_IPV6`.
pub const NDIS_NBL_FLAGS_IS_IPV6: ULONG = 0x400;
/// `NDIS_NBL_FLAGS_IS_TCP`.
pub const NDIS_NBL_FLAGS_IS_TCP: ULONG = 0x800;
/// `NDIS_NBL_FLAGS_IS_UDP`.
pub const NDIS_NBL_FLAGS_IS_UDP: ULONG = 0x1000;
/// `NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_HEADER`.
pub const NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_HEADER: ULONG = 0x2000;
/// `NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_PAYLOAD`.
pub const NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_PAYLOAD: ULONG = 0x4000;
/// `NDIS_NBL_FLAGS_IS_LOOPBACK_PACKET`.
pub const NDIS_NBL_FLAGS_IS_LOOPBACK_PACKET: ULONG = 0x8000;

/// `NDIS_TEST_SEND_AT_DISPATCH_LEVEL(flags)`.
#[inline]
#[must_use]
pub const fn NDIS_TEST_SEND_AT_DISPATCH_LEVEL(flags: ULONG) -> bool {
    flags & NDIS_SEND_FLAGS_DISPATCH_LEVEL == NDIS_SEND_FLAGS_DISPATCH_LEVEL
}

/// `NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(flags)`.
#[inline]
#[must_use]
pub const fn NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(flags: ULONG) -> bool {
    flags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL == NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL
}

/// `NDIS_TEST_RECEIVE_CANNOT_PEND(flags)`.
#[inline]
#[must_use]
pub const fn NDIS_TEST_RECEIVE_CANNOT_PEND(flags: ULONG) -> bool {
    flags & NDIS_RECEIVE_FLAGS_RESOURCES == NDIS_RECEIVE_FLAGS_RESOURCES
}

/// `NDIS_TEST_RECEIVE_CAN_PEND(flags)`.
#[inline]
#[must_use]
pub const fn NDIS_TEST_RECEIVE_CAN_PEND(flags: ULONG) -> bool {
    flags & NDIS_RECEIVE_FLAGS_RESOURCES == 0
}

// ---------------------------------------------------------------------------------------------
// NBL / NB pool parameters
// ---------------------------------------------------------------------------------------------

/// `NET_BUFFER_LIST_POOL_PARAMETERS` (REVISION_1).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NET_BUFFER_LIST_POOL_PARAMETERS {
    /// `{NDIS_OBJECT_TYPE_DEFAULT, NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1, NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// `NDIS_PROTOCOL_ID_*`.
    pub ProtocolId: u8,
    /// Allocate one NET_BUFFER with each NBL.
    pub fAllocateNetBuffer: u8,
    /// Context area size.
    pub ContextSize: u16,
    /// Pool tag.
    pub PoolTag: ULONG,
    /// Data buffer size (0 = none).
    pub DataSize: ULONG,
}

/// `NET_BUFFER_POOL_PARAMETERS` (REVISION_1).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NET_BUFFER_POOL_PARAMETERS {
    /// `{NDIS_OBJECT_TYPE_DEFAULT, NET_BUFFER_POOL_PARAMETERS_REVISION_1, NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// Pool tag.
    pub PoolTag: ULONG,
    /// Data buffer size (0 = none).
    pub DataSize: ULONG,
}

/// `NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1`.
pub const NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1: u8 = 1;
/// `NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1`.
pub const NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1: u16 = 0x10;
/// `NET_BUFFER_POOL_PARAMETERS_REVISION_1`.
pub const NET_BUFFER_POOL_PARAMETERS_REVISION_1: u8 = 1;
/// `NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1`.
pub const NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1: u16 = 0xC;
/// `NDIS_PROTOCOL_ID_DEFAULT`.
pub const NDIS_PROTOCOL_ID_DEFAULT: u8 = 0;
/// `NDIS_PROTOCOL_ID_TCP_IP`.
pub const NDIS_PROTOCOL_ID_TCP_IP: u8 = 2;
/// `NDIS_PROTOCOL_ID_IP6`.
pub const NDIS_PROTOCOL_ID_IP6: u8 = 3;
/// `NDIS_PROTOCOL_ID_MASK`.
pub const NDIS_PROTOCOL_ID_MASK: u8 = 0xF;
/// `NDIS_CLONE_FLAGS_RESERVED`.
pub const NDIS_CLONE_FLAGS_RESERVED: ULONG = 1;
/// `NDIS_CLONE_FLAGS_USE_ORIGINAL_MDLS`.
pub const NDIS_CLONE_FLAGS_USE_ORIGINAL_MDLS: ULONG = 2;

// ---------------------------------------------------------------------------------------------
// Common per-NBL info payloads (pointer-sized unions with a `PVOID Value` member)
// ---------------------------------------------------------------------------------------------

/// `NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO` (slot `TcpIpChecksumNetBufferListInfo`), mirrored
/// as its `Value` with accessors for the `Transmit`/`Receive` bit fields (low 32 bits).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
    /// The slot value (`PVOID Value` in C).
    pub Value: ULONG_PTR,
}

impl NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
    bitfields! {
        Value: ULONG_PTR;
        /// `Transmit.IsIPv4`.
        transmit_is_ipv4, set_transmit_is_ipv4: bool @ 0;
        /// `Transmit.IsIPv6`.
        transmit_is_ipv6, set_transmit_is_ipv6: bool @ 1;
        /// `Transmit.TcpChecksum`.
        transmit_tcp_checksum, set_transmit_tcp_checksum: bool @ 2;
        /// `Transmit.UdpChecksum`.
        transmit_udp_checksum, set_transmit_udp_checksum: bool @ 3;
        /// `Transmit.IpHeaderChecksum`.
        transmit_ip_header_checksum, set_transmit_ip_header_checksum: bool @ 4;
        /// `Transmit.TcpHeaderOffset`.
        transmit_tcp_header_offset, set_transmit_tcp_header_offset: u32 @ 16, 10;
        /// `Receive.TcpChecksumFailed`.
        receive_tcp_checksum_failed, set_receive_tcp_checksum_failed: bool @ 0;
        /// `Receive.UdpChecksumFailed`.
        receive_udp_checksum_failed, set_receive_udp_checksum_failed: bool @ 1;
        /// `Receive.IpChecksumFailed`.
        receive_ip_checksum_failed, set_receive_ip_checksum_failed: bool @ 2;
        /// `Receive.TcpChecksumSucceeded`.
        receive_tcp_checksum_succeeded, set_receive_tcp_checksum_succeeded: bool @ 3;
        /// `Receive.UdpChecksumSucceeded`.
        receive_udp_checksum_succeeded, set_receive_udp_checksum_succeeded: bool @ 4;
        /// `Receive.IpChecksumSucceeded`.
        receive_ip_checksum_succeeded, set_receive_ip_checksum_succeeded: bool @ 5;
        /// `Receive.Loopback`.
        receive_loopback, set_receive_loopback: bool @ 6;
        /// `Receive.TcpChecksumValueInvalid`.
        receive_tcp_checksum_value_invalid, set_receive_tcp_checksum_value_invalid: bool @ 7;
        /// `Receive.IpChecksumValueInvalid`.
        receive_ip_checksum_value_invalid, set_receive_ip_checksum_value_invalid: bool @ 8;
    }
}

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO` (slot `TcpLargeSendNetBufferListInfo`),
/// mirrored as its `Value` with accessors for the bit fields (low 32 bits).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO {
    /// The slot value (`PVOID Value` in C).
    pub Value: ULONG_PTR,
}

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_V1_TYPE` (value of `Transmit.Type`).
pub const NDIS_TCP_LARGE_SEND_OFFLOAD_V1_TYPE: u32 = 0;
/// `NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE` (value of `Transmit.Type`).
pub const NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE: u32 = 1;

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_IPv4` (value of `LsoV2Transmit.IPVersion`).
pub const NDIS_TCP_LARGE_SEND_OFFLOAD_IPv4: u32 = 0;
/// `NDIS_TCP_LARGE_SEND_OFFLOAD_IPv6` (value of `LsoV2Transmit.IPVersion`).
pub const NDIS_TCP_LARGE_SEND_OFFLOAD_IPv6: u32 = 1;

impl NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO {
    bitfields! {
        Value: ULONG_PTR;
        /// `Transmit.Type` (`NDIS_TCP_LARGE_SEND_OFFLOAD_V1_TYPE` / `_V2_TYPE`).
        transmit_type, set_transmit_type: u32 @ 30, 1;
        /// `LsoV1Transmit.MSS` / `LsoV2Transmit.MSS`.
        transmit_mss, set_transmit_mss: u32 @ 0, 20;
        /// `LsoV1Transmit.TcpHeaderOffset` / `LsoV2Transmit.TcpHeaderOffset`.
        transmit_tcp_header_offset, set_transmit_tcp_header_offset: u32 @ 20, 10;
        /// `LsoV2Transmit.IPVersion`.
        lso_v2_transmit_ip_version, set_lso_v2_transmit_ip_version: u32 @ 31, 1;
        /// `LsoV1TransmitComplete.TcpPayload`.
        lso_v1_transmit_complete_tcp_payload, set_lso_v1_transmit_complete_tcp_payload: u32 @ 0, 30;
    }
}

/// `NDIS_NET_BUFFER_LIST_8021Q_INFO` (slot `Ieee8021QNetBufferListInfo`), mirrored as its
/// `Value` with accessors for `TagHeader` (low 32 bits).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_NET_BUFFER_LIST_8021Q_INFO {
    /// The slot value (`PVOID Value` in C).
    pub Value: ULONG_PTR,
}

impl NDIS_NET_BUFFER_LIST_8021Q_INFO {
    bitfields! {
        Value: ULONG_PTR;
        /// `TagHeader.UserPriority`.
        user_priority, set_user_priority: u8 @ 0, 3;
        /// `TagHeader.CanonicalFormatId`.
        canonical_format_id, set_canonical_format_id: bool @ 3;
        /// `TagHeader.VlanId`.
        vlan_id, set_vlan_id: u16 @ 4, 12;
    }
}

// ---------------------------------------------------------------------------------------------
// Layout checks (ndis-core-layouts.md §1, §2; ipsecov2-abi-x64.txt NET_BUFFER_LIST lines)
// ---------------------------------------------------------------------------------------------

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};

    // §1 MDL
    assert!(offset_of!(MDL, Next) == 0x0);
    assert!(offset_of!(MDL, Size) == 0x8);
    assert!(offset_of!(MDL, MdlFlags) == 0xA);
    assert!(offset_of!(MDL, Process) == 0x10);
    assert!(offset_of!(MDL, MappedSystemVa) == 0x18);
    assert!(offset_of!(MDL, StartVa) == 0x20);
    assert!(offset_of!(MDL, ByteCount) == 0x28);
    assert!(offset_of!(MDL, ByteOffset) == 0x2C);
    assert!(size_of::<MDL>() == 0x30);
    assert!(align_of::<MDL>() == 0x8);

    // §2.1 SLIST_HEADER
    assert!(offset_of!(SLIST_HEADER, Alignment) == 0x0);
    assert!(offset_of!(SLIST_HEADER, Region) == 0x8);
    assert!(size_of::<SLIST_HEADER>() == 0x10);
    assert!(align_of::<SLIST_HEADER>() == 0x10);

    // §2.2 NET_BUFFER
    type NB = NET_BUFFER;
    type Nba = NET_BUFFER_Anonymous1;
    type Nbd = NET_BUFFER_DATA;
    type DL = NET_BUFFER_DATA_Anonymous;
    assert!(offset_of!(NB, Anonymous1) == 0x0);
    assert!(offset_of!(Nba, Anonymous) == 0x0);
    assert!(offset_of!(Nbd, Next) == 0x0);
    assert!(offset_of!(Nbd, CurrentMdl) == 0x8);
    assert!(offset_of!(Nbd, CurrentMdlOffset) == 0x10);
    assert!(offset_of!(Nbd, Anonymous) + offset_of!(DL, DataLength) == 0x18);
    assert!(offset_of!(Nbd, Anonymous) + offset_of!(DL, stDataLength) == 0x18);
    assert!(size_of::<DL>() == 0x8);
    assert!(offset_of!(Nbd, MdlChain) == 0x20);
    assert!(offset_of!(Nbd, DataOffset) == 0x28);
    assert!(offset_of!(Nba, Link) == 0x0);
    assert!(offset_of!(Nba, NetBufferHeader) == 0x0);
    assert!(size_of::<Nba>() == 0x30);
    assert!(offset_of!(NB, ChecksumBias) == 0x30);
    assert!(offset_of!(NB, Reserved) == 0x32);
    assert!(offset_of!(NB, NdisPoolHandle) == 0x38);
    assert!(offset_of!(NB, NdisReserved) == 0x40);
    assert!(size_of::<Align16<[PVOID; 2]>>() == 0x10);
    assert!(offset_of!(NB, ProtocolReserved) == 0x50);
    assert!(size_of::<Align16<[PVOID; 6]>>() == 0x30);
    assert!(offset_of!(NB, MiniportReserved) == 0x80);
    assert!(size_of::<Align16<[PVOID; 4]>>() == 0x20);
    assert!(offset_of!(NB, DataPhysicalAddress) == 0xA0);
    assert!(
        offset_of!(NB, Anonymous2) + offset_of!(NET_BUFFER_Anonymous2, SharedMemoryInfo) == 0xA8
    );
    assert!(
        offset_of!(NB, Anonymous2) + offset_of!(NET_BUFFER_Anonymous2, ScatterGatherList) == 0xA8
    );
    assert!(size_of::<NB>() == 0xB0);
    assert!(align_of::<NB>() == 0x10);

    // NET_BUFFER_DATA / NET_BUFFER_HEADER / NET_BUFFER_SHARED_MEMORY
    assert!(size_of::<Nbd>() == 0x30);
    assert!(align_of::<Nbd>() == 0x8);
    assert!(offset_of!(NET_BUFFER_HEADER, Link) == 0x0);
    assert!(offset_of!(NET_BUFFER_HEADER, NetBufferData) == 0x0);
    assert!(size_of::<NET_BUFFER_HEADER>() == 0x30);
    assert!(align_of::<NET_BUFFER_HEADER>() == 0x10);
    type SM = NET_BUFFER_SHARED_MEMORY;
    assert!(offset_of!(SM, NextSharedMemorySegment) == 0x0);
    assert!(offset_of!(SM, SharedMemoryFlags) == 0x8);
    assert!(offset_of!(SM, SharedMemoryHandle) == 0x10);
    assert!(offset_of!(SM, SharedMemoryOffset) == 0x18);
    assert!(offset_of!(SM, SharedMemoryLength) == 0x1C);
    assert!(size_of::<SM>() == 0x20);
    assert!(align_of::<SM>() == 0x8);

    // §2.3 NET_BUFFER_LIST (NDIS 6.80 column) + ipsecov2-abi-x64.txt
    type Nbl = NET_BUFFER_LIST;
    type Nbla = NET_BUFFER_LIST_Anonymous1;
    assert!(offset_of!(Nbl, Anonymous1) == 0x0);
    assert!(offset_of!(Nbla, Anonymous) + offset_of!(NET_BUFFER_LIST_DATA, Next) == 0x0);
    assert!(offset_of!(Nbla, Anonymous) + offset_of!(NET_BUFFER_LIST_DATA, FirstNetBuffer) == 0x8);
    assert!(offset_of!(Nbla, Link) == 0x0);
    assert!(offset_of!(Nbla, NetBufferListHeader) == 0x0);
    assert!(size_of::<Nbla>() == 0x10);
    assert!(offset_of!(Nbl, Context) == 0x10);
    assert!(offset_of!(Nbl, ParentNetBufferList) == 0x18);
    assert!(offset_of!(Nbl, NdisPoolHandle) == 0x20);
    assert!(offset_of!(Nbl, NdisReserved) == 0x30);
    assert!(offset_of!(Nbl, ProtocolReserved) == 0x40);
    assert!(size_of::<Align16<[PVOID; 4]>>() == 0x20);
    assert!(offset_of!(Nbl, MiniportReserved) == 0x60);
    assert!(offset_of!(Nbl, Scratch) == 0x70);
    assert!(offset_of!(Nbl, SourceHandle) == 0x78);
    assert!(offset_of!(Nbl, NblFlags) == 0x80);
    assert!(offset_of!(Nbl, ChildRefCount) == 0x84);
    assert!(offset_of!(Nbl, Flags) == 0x88);
    assert!(offset_of!(Nbl, Anonymous2) + offset_of!(NET_BUFFER_LIST_Anonymous2, Status) == 0x8C);
    assert!(
        offset_of!(Nbl, Anonymous2) + offset_of!(NET_BUFFER_LIST_Anonymous2, NdisReserved2) == 0x8C
    );
    assert!(offset_of!(Nbl, NetBufferListInfo) == 0x90);
    assert!(size_of::<[PVOID; MaxNetBufferListInfo as usize]>() == 0xD8);
    assert!(size_of::<Nbl>() == 0x170);
    assert!(align_of::<Nbl>() == 0x10);

    assert!(offset_of!(NET_BUFFER_LIST_DATA, Next) == 0x0);
    assert!(offset_of!(NET_BUFFER_LIST_DATA, FirstNetBuffer) == 0x8);
    assert!(size_of::<NET_BUFFER_LIST_DATA>() == 0x10);
    assert!(align_of::<NET_BUFFER_LIST_DATA>() == 0x8);
    assert!(offset_of!(NET_BUFFER_LIST_HEADER, Link) == 0x0);
    assert!(size_of::<NET_BUFFER_LIST_HEADER>() == 0x10);
    assert!(align_of::<NET_BUFFER_LIST_HEADER>() == 0x10);

    // §2.4 NET_BUFFER_LIST_CONTEXT
    type Ctx = NET_BUFFER_LIST_CONTEXT;
    assert!(offset_of!(Ctx, Next) == 0x0);
    assert!(offset_of!(Ctx, Size) == 0x8);
    assert!(offset_of!(Ctx, Offset) == 0xA);
    assert!(offset_of!(Ctx, ContextData) == 0x10);
    assert!(size_of::<Ctx>() == 0x10);
    assert!(align_of::<Ctx>() == 0x10);

    // per-NBL info payloads are pointer-sized
    assert!(size_of::<NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO>() == 0x8);
    assert!(size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO>() == 0x8);
    assert!(size_of::<NDIS_NET_BUFFER_LIST_8021Q_INFO>() == 0x8);
};

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    // §2.5 pool parameters
    type P = NET_BUFFER_LIST_POOL_PARAMETERS;
    assert!(offset_of!(P, Header) == 0x0);
    assert!(offset_of!(P, ProtocolId) == 0x4);
    assert!(offset_of!(P, fAllocateNetBuffer) == 0x5);
    assert!(offset_of!(P, ContextSize) == 0x6);
    assert!(offset_of!(P, PoolTag) == 0x8);
    assert!(offset_of!(P, DataSize) == 0xC);
    assert!(size_of::<P>() == 0x10);
    assert!(align_of::<P>() == 0x4);
    assert!(NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 as usize == size_of::<P>());
    type Q = NET_BUFFER_POOL_PARAMETERS;
    assert!(offset_of!(Q, Header) == 0x0);
    assert!(offset_of!(Q, PoolTag) == 0x4);
    assert!(offset_of!(Q, DataSize) == 0x8);
    assert!(size_of::<Q>() == 0xC);
    assert!(align_of::<Q>() == 0x4);
    assert!(NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1 as usize == size_of::<Q>());
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_info_bits_match_reference_positions() {
        let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
        c.set_transmit_is_ipv4(true);
        c.set_transmit_tcp_checksum(true);
        c.set_transmit_tcp_header_offset(34);
        assert_eq!(c.Value, (34 << 16) | 0b101);
        let r = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO { Value: 0x100 };
        assert!(r.receive_ip_checksum_value_invalid());
    }

    #[test]
    fn lso_and_vlan_bits() {
        let mut l = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::default();
        l.set_transmit_type(NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE);
        l.set_transmit_mss(1460);
        l.set_transmit_tcp_header_offset(54);
        l.set_lso_v2_transmit_ip_version(1);
        assert_eq!(l.Value, 0x8000_0000 | 0x4000_0000 | (54 << 20) | 1460);
        let mut v = NDIS_NET_BUFFER_LIST_8021Q_INFO::default();
        v.set_vlan_id(0xABC);
        v.set_user_priority(5);
        assert_eq!(v.Value, 0xABC5);
        assert_eq!(v.vlan_id(), 0xABC);
    }

    #[test]
    fn receive_flag_tests() {
        assert!(NDIS_TEST_RECEIVE_CANNOT_PEND(
            NDIS_RECEIVE_FLAGS_RESOURCES | 1
        ));
        assert!(NDIS_TEST_RECEIVE_CAN_PEND(
            NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL
        ));
        assert!(NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(
            NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL
        ));
        assert!(NDIS_TEST_SEND_AT_DISPATCH_LEVEL(
            NDIS_SEND_FLAGS_DISPATCH_LEVEL
        ));
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn zeroed_constructors() {
        let mut nbl = NET_BUFFER_LIST::zeroed();
        assert!(nbl.info(IPsecOffloadV2NetBufferListInfo).is_null());
        let mut x = 0u8;
        nbl.set_info(IPsecOffloadV2HeaderNetBufferListInfo, (&raw mut x).cast());
        assert_eq!(nbl.NetBufferListInfo[12], (&raw mut x).cast());
        nbl.Anonymous2.Status = crate::NDIS_STATUS_FAILURE; // writing a union view is safe
        assert!(nbl.Context.is_null());
        let nb = NET_BUFFER::default();
        assert!(nb.NdisPoolHandle.is_null());
        assert_eq!(MDL::default().ByteCount, 0);
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn slist_header_bits() {
        let mut s = SLIST_HEADER::default();
        s.set_header_x64_depth(3);
        s.set_header_x64_sequence(1);
        s.set_header_x64_next_entry(0xFFF_FFFF_FFFF_FFFF);
        assert_eq!(s.Alignment, 0x1_0003);
        assert_eq!(s.Region, 0xFFFF_FFFF_FFFF_FFF0);
        assert_eq!(s.header_x64_reserved(), 0);
    }
}
