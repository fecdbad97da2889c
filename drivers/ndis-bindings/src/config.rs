//! The registry-configuration structures of ndis.h: `NDIS_CONFIGURATION_OBJECT`
//! (`NdisOpenConfigurationEx`) and `NDIS_CONFIGURATION_PARAMETER` (`NdisReadConfiguration`).
//!
//! These two structures are not in `ndis-core-layouts.md`; their layouts follow from the ndis.h
//! declarations (`NDIS_OBJECT_HEADER Header; NDIS_HANDLE NdisHandle; ULONG Flags;` and
//! `NDIS_PARAMETER_TYPE ParameterType; union { ULONG IntegerData; NDIS_STRING StringData;
//! BINARY_DATA BinaryData; } ParameterData;`) under the x64 rules used everywhere else in this
//! crate, and are asserted below.

use ipsecov2_abi::{NDIS_HANDLE, NDIS_OBJECT_HEADER, PVOID, UCHAR, ULONG, USHORT};

use crate::types::NDIS_STRING;

/// `NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT`.
pub const NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT: UCHAR = 0xA9;
/// `NDIS_CONFIGURATION_OBJECT_REVISION_1`.
pub const NDIS_CONFIGURATION_OBJECT_REVISION_1: UCHAR = 1;

/// `NDIS_CONFIGURATION_OBJECT`: what `NdisOpenConfigurationEx` opens. With a filter module's
/// `NdisFilterHandle` and `Flags` 0 it opens that module's configuration (the keywords of the
/// filter's INF `Ndi\Params`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_CONFIGURATION_OBJECT {
    /// `{NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT, NDIS_CONFIGURATION_OBJECT_REVISION_1, sizeof}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// The driver's handle (`NdisFilterHandle` for a filter module).
    pub NdisHandle: NDIS_HANDLE,
    /// 0, or `NDIS_CONFIG_FLAG_FILTER_INSTANCE_CONFIGURATION` (NDIS 6.30+).
    pub Flags: ULONG,
}

/// `NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1`: `RTL_SIZEOF_THROUGH_FIELD(
/// NDIS_CONFIGURATION_OBJECT, Flags)`, 0x14 on x64 — the `Header.Size` the documentation asks
/// for, not the padded `sizeof` (0x18).
pub const NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1: USHORT =
    (core::mem::offset_of!(NDIS_CONFIGURATION_OBJECT, Flags) + core::mem::size_of::<ULONG>())
        as USHORT;
#[cfg(target_pointer_width = "64")]
const _: () = assert!(NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 == 0x14);

/// `NDIS_PARAMETER_TYPE` (enum, 4 bytes).
pub type NDIS_PARAMETER_TYPE = i32;
/// `NdisParameterInteger`.
pub const NdisParameterInteger: NDIS_PARAMETER_TYPE = 0;
/// `NdisParameterHexInteger`.
pub const NdisParameterHexInteger: NDIS_PARAMETER_TYPE = 1;
/// `NdisParameterString`.
pub const NdisParameterString: NDIS_PARAMETER_TYPE = 2;
/// `NdisParameterMultiString`.
pub const NdisParameterMultiString: NDIS_PARAMETER_TYPE = 3;
/// `NdisParameterBinary`.
pub const NdisParameterBinary: NDIS_PARAMETER_TYPE = 4;

/// `BINARY_DATA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BINARY_DATA {
    /// Length in bytes.
    pub Length: USHORT,
    /// The bytes.
    pub Buffer: PVOID,
}

/// The `ParameterData` union of `NDIS_CONFIGURATION_PARAMETER`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NDIS_CONFIGURATION_PARAMETER_DATA {
    /// `NdisParameterInteger` / `NdisParameterHexInteger`.
    pub IntegerData: ULONG,
    /// `NdisParameterString` / `NdisParameterMultiString`.
    pub StringData: NDIS_STRING,
    /// `NdisParameterBinary`.
    pub BinaryData: BINARY_DATA,
}

impl core::fmt::Debug for NDIS_CONFIGURATION_PARAMETER_DATA {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NDIS_CONFIGURATION_PARAMETER_DATA { .. }")
    }
}

/// `NDIS_CONFIGURATION_PARAMETER`: the value `NdisReadConfiguration` returns (owned by NDIS,
/// valid until `NdisCloseConfiguration`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_CONFIGURATION_PARAMETER {
    /// Which member of `ParameterData` is valid.
    pub ParameterType: NDIS_PARAMETER_TYPE,
    /// The value.
    pub ParameterData: NDIS_CONFIGURATION_PARAMETER_DATA,
}

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(offset_of!(NDIS_CONFIGURATION_OBJECT, Header) == 0x0);
    assert!(offset_of!(NDIS_CONFIGURATION_OBJECT, NdisHandle) == 0x8);
    assert!(offset_of!(NDIS_CONFIGURATION_OBJECT, Flags) == 0x10);
    assert!(size_of::<NDIS_CONFIGURATION_OBJECT>() == 0x18);
    assert!(align_of::<NDIS_CONFIGURATION_OBJECT>() == 0x8);
    assert!(offset_of!(BINARY_DATA, Length) == 0x0);
    assert!(offset_of!(BINARY_DATA, Buffer) == 0x8);
    assert!(size_of::<BINARY_DATA>() == 0x10);
    assert!(size_of::<NDIS_CONFIGURATION_PARAMETER_DATA>() == 0x10);
    assert!(offset_of!(NDIS_CONFIGURATION_PARAMETER, ParameterType) == 0x0);
    assert!(offset_of!(NDIS_CONFIGURATION_PARAMETER, ParameterData) == 0x8);
    assert!(size_of::<NDIS_CONFIGURATION_PARAMETER>() == 0x18);
    assert!(align_of::<NDIS_CONFIGURATION_PARAMETER>() == 0x8);
};
