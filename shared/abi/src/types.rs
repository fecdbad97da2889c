//! Base Windows/NDIS typedefs, `NDIS_OBJECT_HEADER`, and the `NDIS_OBJECT_TYPE_*` values.

use core::ffi::c_void;

/// `ULONG` (32-bit unsigned on every Windows ABI).
pub type ULONG = u32;
/// `LONG` (32-bit signed).
pub type LONG = i32;
/// `USHORT`.
pub type USHORT = u16;
/// `SHORT`.
pub type SHORT = i16;
/// `CSHORT` (used for `MDL::Size`/`MDL::MdlFlags`).
pub type CSHORT = i16;
/// `UCHAR`.
pub type UCHAR = u8;
/// `CHAR`.
pub type CHAR = i8;
/// `BOOLEAN` (one byte; `FALSE` = 0, `TRUE` = 1).
pub type BOOLEAN = u8;
/// `UINT`.
pub type UINT = u32;
/// `ULONG64`.
pub type ULONG64 = u64;
/// `ULONGLONG`.
pub type ULONGLONG = u64;
/// `LONGLONG`.
pub type LONGLONG = i64;
/// `ULONG_PTR` (pointer-sized unsigned).
pub type ULONG_PTR = usize;
/// `SIZE_T` (pointer-sized unsigned).
pub type SIZE_T = usize;
/// `PVOID`.
pub type PVOID = *mut c_void;
/// `HANDLE`.
pub type HANDLE = *mut c_void;
/// `NDIS_HANDLE`.
pub type NDIS_HANDLE = *mut c_void;
/// `KIRQL`.
pub type KIRQL = u8;
/// `NTSTATUS` (32-bit signed).
pub type NTSTATUS = i32;
/// `NDIS_STATUS` (32-bit signed, same encoding as `NTSTATUS`).
pub type NDIS_STATUS = i32;
/// `NDIS_OID` (32-bit unsigned).
pub type NDIS_OID = u32;
/// `NDIS_PORT_NUMBER`.
pub type NDIS_PORT_NUMBER = u32;
/// `NDIS_NIC_SWITCH_ID`.
pub type NDIS_NIC_SWITCH_ID = u32;
/// `NDIS_NIC_SWITCH_VPORT_ID`.
pub type NDIS_NIC_SWITCH_VPORT_ID = u32;
/// `NDIS_SWITCH_PORT_ID` (`UINT32`).
pub type NDIS_SWITCH_PORT_ID = u32;
/// `IPAddr`: an IPv4 address as a `ULONG` holding the four address bytes in network order
/// (i.e. the in-memory bytes are `a.b.c.d`; on little-endian x64 the numeric value is byte-swapped).
pub type IPAddr = u32;

/// `TRUE` for `BOOLEAN` fields.
pub const TRUE: BOOLEAN = 1;
/// `FALSE` for `BOOLEAN` fields.
pub const FALSE: BOOLEAN = 0;

/// A wrapper that gives its content `DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT)` (16 bytes on x64),
/// as used for the reserved areas of `NET_BUFFER`/`NET_BUFFER_LIST` and for
/// `NET_BUFFER_LIST_CONTEXT::ContextData`. Access the content through `.0`.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Align16<T>(pub T);

/// `LARGE_INTEGER` / `PHYSICAL_ADDRESS`: a C union of `QuadPart` with `{LowPart, HighPart}`,
/// mirrored as the 64-bit `QuadPart` plus accessors for the two halves.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LARGE_INTEGER {
    /// The whole 64-bit value.
    pub QuadPart: LONGLONG,
}

impl LARGE_INTEGER {
    /// `LowPart` (bits 0..31).
    #[inline]
    #[must_use]
    pub const fn LowPart(&self) -> ULONG {
        self.QuadPart as u64 as u32
    }

    /// `HighPart` (bits 32..63, signed).
    #[inline]
    #[must_use]
    pub const fn HighPart(&self) -> LONG {
        (self.QuadPart >> 32) as i32
    }
}

/// `PHYSICAL_ADDRESS` (= `LARGE_INTEGER`).
pub type PHYSICAL_ADDRESS = LARGE_INTEGER;

/// `NDIS_OBJECT_HEADER`: `{Type, Revision, Size}` at the start of every versioned NDIS structure.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_OBJECT_HEADER {
    /// One of the `NDIS_OBJECT_TYPE_*` values.
    pub Type: UCHAR,
    /// Structure revision (`*_REVISION_n`).
    pub Revision: UCHAR,
    /// Size in bytes the sender claims (`NDIS_SIZEOF_*_REVISION_n`).
    pub Size: USHORT,
}

impl NDIS_OBJECT_HEADER {
    /// Builds a header from its three fields.
    #[inline]
    #[must_use]
    pub const fn new(Type: UCHAR, Revision: UCHAR, Size: USHORT) -> Self {
        Self {
            Type,
            Revision,
            Size,
        }
    }
}

/// `NDIS_OBJECT_REVISION_1`.
pub const NDIS_OBJECT_REVISION_1: UCHAR = 1;

/// `NDIS_OBJECT_TYPE_DEFAULT` (object type implicit in the API; used by the IPsecOV2 OID structures).
pub const NDIS_OBJECT_TYPE_DEFAULT: UCHAR = 0x80;
/// `NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES`.
pub const NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES: UCHAR = 0x85;
/// `NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS: UCHAR = 0x8A;
/// `NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS: UCHAR = 0x8B;
/// `NDIS_OBJECT_TYPE_FILTER_PARTIAL_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_FILTER_PARTIAL_CHARACTERISTICS: UCHAR = 0x8C;
/// `NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES`.
pub const NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES: UCHAR = 0x8D;
/// `NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS: UCHAR = 0x95;
/// `NDIS_OBJECT_TYPE_OID_REQUEST`.
pub const NDIS_OBJECT_TYPE_OID_REQUEST: UCHAR = 0x96;
/// `NDIS_OBJECT_TYPE_REQUEST_EX` (same value as `NDIS_OBJECT_TYPE_OID_REQUEST`).
pub const NDIS_OBJECT_TYPE_REQUEST_EX: UCHAR = 0x96;
/// `NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS: UCHAR = 0x97;
/// `NDIS_OBJECT_TYPE_STATUS_INDICATION`.
pub const NDIS_OBJECT_TYPE_STATUS_INDICATION: UCHAR = 0x98;
/// `NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS`.
pub const NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS: UCHAR = 0x99;
/// `NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS`.
pub const NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS: UCHAR = 0x9A;
/// `NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS`.
pub const NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS: UCHAR = 0x9B;
/// `NDIS_OBJECT_TYPE_RESTART_GENERAL_ATTRIBUTES`.
pub const NDIS_OBJECT_TYPE_RESTART_GENERAL_ATTRIBUTES: UCHAR = 0xA2;
/// `NDIS_OBJECT_TYPE_OFFLOAD` (`Header.Type` of `NDIS_OFFLOAD`).
pub const NDIS_OBJECT_TYPE_OFFLOAD: UCHAR = 0xA7;
/// `NDIS_OBJECT_TYPE_OFFLOAD_ENCAPSULATION`.
pub const NDIS_OBJECT_TYPE_OFFLOAD_ENCAPSULATION: UCHAR = 0xA8;

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    // ipsecov2-abi-x64.txt / ndis-core-layouts.md §4.9
    assert!(size_of::<NDIS_OBJECT_HEADER>() == 0x4);
    assert!(align_of::<NDIS_OBJECT_HEADER>() == 0x2);
    assert!(offset_of!(NDIS_OBJECT_HEADER, Type) == 0x0);
    assert!(offset_of!(NDIS_OBJECT_HEADER, Revision) == 0x1);
    assert!(offset_of!(NDIS_OBJECT_HEADER, Size) == 0x2);
    assert!(size_of::<LARGE_INTEGER>() == 8);
    assert!(align_of::<LARGE_INTEGER>() == 8);
    assert!(align_of::<Align16<u8>>() == 16);
    assert!(size_of::<Align16<[u8; 0]>>() == 0);
};
