//! Base kernel types not mirrored by `ipsecov2-abi`: strings, GUIDs, LUIDs, lists, lock states,
//! extended processor state, and the IRQL and pool constants.

use core::ffi::c_void;

use ipsecov2_abi::{KIRQL, LONG, NTSTATUS, UCHAR, ULONG, ULONG64, ULONG_PTR, USHORT};

/// `WCHAR` (UTF-16 code unit).
pub type WCHAR = u16;
/// `CCHAR` (used for `IofCompleteRequest`'s priority boost and `DEVICE_OBJECT::StackSize`).
pub type CCHAR = i8;
/// `KSPIN_LOCK` (`ULONG_PTR`).
pub type KSPIN_LOCK = ULONG_PTR;
/// `KPROCESSOR_MODE` (`CCHAR`).
pub type KPROCESSOR_MODE = CCHAR;
/// `POOL_FLAGS` (`ULONG64`), the first argument of `ExAllocatePool2`.
pub type POOL_FLAGS = ULONG64;
/// `MEMORY_CACHING_TYPE` (C enum, 4 bytes).
pub type MEMORY_CACHING_TYPE = i32;
/// `MM_PAGE_PRIORITY` (ULONG in `MmMapLockedPagesSpecifyCache`'s `Priority`).
pub type MM_PAGE_PRIORITY = ULONG;
/// `NET_IFINDEX`.
pub type NET_IFINDEX = ULONG;
/// `NDIS_MEDIUM` (C enum).
pub type NDIS_MEDIUM = i32;
/// `NDIS_PHYSICAL_MEDIUM` (C enum).
pub type NDIS_PHYSICAL_MEDIUM = i32;
/// `NDIS_MEDIA_CONNECT_STATE` (C enum).
pub type NDIS_MEDIA_CONNECT_STATE = i32;
/// `NET_IF_MEDIA_DUPLEX_STATE` (C enum).
pub type NET_IF_MEDIA_DUPLEX_STATE = i32;
/// `NET_IF_ACCESS_TYPE` (C enum).
pub type NET_IF_ACCESS_TYPE = i32;
/// `NET_IF_CONNECTION_TYPE` (C enum).
pub type NET_IF_CONNECTION_TYPE = i32;
/// `EX_SPIN_LOCK` (`volatile LONG`).
pub type EX_SPIN_LOCK = LONG;

/// `UNICODE_STRING` / `NDIS_STRING`: counted UTF-16 string (lengths in bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct UNICODE_STRING {
    /// Length in bytes, without a terminator.
    pub Length: USHORT,
    /// Capacity of `Buffer` in bytes.
    pub MaximumLength: USHORT,
    /// `PWCH`.
    pub Buffer: *mut WCHAR,
}

impl UNICODE_STRING {
    /// An empty string (`Buffer` null).
    pub const EMPTY: Self = Self {
        Length: 0,
        MaximumLength: 0,
        Buffer: core::ptr::null_mut(),
    };

    /// `RTL_CONSTANT_STRING`: describes a static UTF-16 array whose last element is the NUL
    /// terminator (not counted in `Length`). Arrays longer than 32767 units are clamped to an empty
    /// string, which is never the case for the driver's names.
    #[must_use]
    pub const fn from_static(units: &'static [WCHAR]) -> Self {
        let bytes = units.len() * 2;
        if units.is_empty() || bytes > u16::MAX as usize {
            return Self::EMPTY;
        }
        Self {
            Length: (bytes - 2) as USHORT,
            MaximumLength: bytes as USHORT,
            // NDIS/the I/O manager only read these names; the pointer is `*mut` because the C
            // field is `PWCH`.
            Buffer: units.as_ptr().cast_mut(),
        }
    }
}

/// `NDIS_STRING` (= `UNICODE_STRING`).
pub type NDIS_STRING = UNICODE_STRING;

/// `GUID`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GUID {
    /// First 32 bits.
    pub Data1: u32,
    /// Next 16 bits.
    pub Data2: u16,
    /// Next 16 bits.
    pub Data3: u16,
    /// Last 8 bytes.
    pub Data4: [u8; 8],
}

/// `NET_LUID` (`union _NET_LUID_LH { ULONG64 Value; struct { Reserved:24, NetLuidIndex:24, IfType:16 } Info; }`),
/// stored as `Value` with accessors for the bit fields.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NET_LUID {
    /// The whole 64-bit value.
    pub Value: ULONG64,
}

impl NET_LUID {
    /// `Info.NetLuidIndex` (bits 24..47).
    #[must_use]
    pub const fn net_luid_index(&self) -> u32 {
        ((self.Value >> 24) & 0xFF_FFFF) as u32
    }

    /// `Info.IfType` (bits 48..63).
    #[must_use]
    pub const fn if_type(&self) -> u16 {
        (self.Value >> 48) as u16
    }
}

/// `LIST_ENTRY`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct LIST_ENTRY {
    /// Forward link.
    pub Flink: *mut LIST_ENTRY,
    /// Backward link.
    pub Blink: *mut LIST_ENTRY,
}

/// `LOCK_STATE_EX`: caller-owned state of an `NDIS_RW_LOCK_EX` acquisition (3 bytes, align 1).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct LOCK_STATE_EX {
    /// IRQL before the acquire.
    pub OldIrql: KIRQL,
    /// Lock state (NDIS private).
    pub LockState: UCHAR,
    /// Flags (NDIS private).
    pub Flags: UCHAR,
}

/// `NDIS_RW_LOCK_EX` (opaque; only pointers to it are used).
#[repr(C)]
#[derive(Debug)]
pub struct NDIS_RW_LOCK_EX {
    _opaque: [u8; 0],
}

/// `NDIS_SPIN_LOCK`: a `KSPIN_LOCK` and the IRQL saved by `NdisAcquireSpinLock`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct NDIS_SPIN_LOCK {
    /// The spin lock word.
    pub SpinLock: KSPIN_LOCK,
    /// IRQL to return to on release.
    pub OldIrql: KIRQL,
}

/// `XSTATE_CONTEXT` (AMD64).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct XSTATE_CONTEXT {
    /// Saved feature mask.
    pub Mask: ULONG64,
    /// Length of the save area.
    pub Length: ULONG,
    /// Reserved.
    pub Reserved1: ULONG,
    /// `PXSAVE_AREA`.
    pub Area: *mut c_void,
    /// Buffer.
    pub Buffer: *mut c_void,
}

/// `XSTATE_SAVE` (AMD64 branch): caller-owned buffer for `KeSaveExtendedProcessorState`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct XSTATE_SAVE {
    /// Previous save in the chain.
    pub Prev: *mut XSTATE_SAVE,
    /// `PKTHREAD`.
    pub Thread: *mut c_void,
    /// Nesting level.
    pub Level: UCHAR,
    /// The saved context.
    pub XStateContext: XSTATE_CONTEXT,
}

impl XSTATE_SAVE {
    /// An all-zero buffer, ready to be passed to `KeSaveExtendedProcessorState`.
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Prev: core::ptr::null_mut(),
            Thread: core::ptr::null_mut(),
            Level: 0,
            XStateContext: XSTATE_CONTEXT {
                Mask: 0,
                Length: 0,
                Reserved1: 0,
                Area: core::ptr::null_mut(),
                Buffer: core::ptr::null_mut(),
            },
        }
    }
}

/// `IO_STATUS_BLOCK` (`{ union { NTSTATUS Status; PVOID Pointer; }; ULONG_PTR Information; }`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IO_STATUS_BLOCK {
    /// `Status` (the low 4 bytes of the `{Status | Pointer}` union).
    pub Status: NTSTATUS,
    /// Bytes transferred or request-specific value.
    pub Information: ULONG_PTR,
}

/// `STATUS_ACCESS_DENIED`.
pub const STATUS_ACCESS_DENIED: NTSTATUS = 0xC000_0022_u32 as i32;

/// `PASSIVE_LEVEL`.
pub const PASSIVE_LEVEL: KIRQL = 0;
/// `APC_LEVEL`.
pub const APC_LEVEL: KIRQL = 1;
/// `DISPATCH_LEVEL`.
pub const DISPATCH_LEVEL: KIRQL = 2;
/// `HIGH_LEVEL`.
pub const HIGH_LEVEL: KIRQL = 0xF;
/// `MEMORY_ALLOCATION_ALIGNMENT` (x64).
pub const MEMORY_ALLOCATION_ALIGNMENT: usize = 0x10;
/// `PAGE_SIZE` (x64).
pub const PAGE_SIZE: usize = 0x1000;

/// `POOL_FLAG_USE_QUOTA`.
pub const POOL_FLAG_USE_QUOTA: POOL_FLAGS = 0x1;
/// `POOL_FLAG_UNINITIALIZED`.
pub const POOL_FLAG_UNINITIALIZED: POOL_FLAGS = 0x2;
/// `POOL_FLAG_CACHE_ALIGNED`.
pub const POOL_FLAG_CACHE_ALIGNED: POOL_FLAGS = 0x8;
/// `POOL_FLAG_RAISE_ON_FAILURE`.
pub const POOL_FLAG_RAISE_ON_FAILURE: POOL_FLAGS = 0x20;
/// `POOL_FLAG_NON_PAGED` (non-paged, no-execute).
pub const POOL_FLAG_NON_PAGED: POOL_FLAGS = 0x40;
/// `POOL_FLAG_NON_PAGED_EXECUTE`.
pub const POOL_FLAG_NON_PAGED_EXECUTE: POOL_FLAGS = 0x80;
/// `POOL_FLAG_PAGED`.
pub const POOL_FLAG_PAGED: POOL_FLAGS = 0x100;

/// `KernelMode`.
pub const KernelMode: KPROCESSOR_MODE = 0;
/// `UserMode`.
pub const UserMode: KPROCESSOR_MODE = 1;
/// `MmNonCached`.
pub const MmNonCached: MEMORY_CACHING_TYPE = 0;
/// `MmCached`.
pub const MmCached: MEMORY_CACHING_TYPE = 1;
/// `MmWriteCombined`.
pub const MmWriteCombined: MEMORY_CACHING_TYPE = 2;
/// `LowPagePriority`.
pub const LowPagePriority: MM_PAGE_PRIORITY = 0;
/// `NormalPagePriority`.
pub const NormalPagePriority: MM_PAGE_PRIORITY = 0x10;
/// `HighPagePriority`.
pub const HighPagePriority: MM_PAGE_PRIORITY = 0x20;
/// `MdlMappingNoWrite` (OR'd into the page priority).
pub const MdlMappingNoWrite: MM_PAGE_PRIORITY = 0x8000_0000;
/// `MdlMappingNoExecute` (OR'd into the page priority).
pub const MdlMappingNoExecute: MM_PAGE_PRIORITY = 0x4000_0000;

/// `NDIS_RWL_AT_DISPATCH_LEVEL` (flag of `NdisAcquireRWLockRead/Write`).
pub const NDIS_RWL_AT_DISPATCH_LEVEL: UCHAR = 1;

/// `DPFLTR_IHVNETWORK_ID` (DbgPrintEx component of network drivers).
pub const DPFLTR_IHVNETWORK_ID: ULONG = 0x50;
/// `DPFLTR_IHVDRIVER_ID`.
pub const DPFLTR_IHVDRIVER_ID: ULONG = 0x4D;
/// `DPFLTR_ERROR_LEVEL`.
pub const DPFLTR_ERROR_LEVEL: ULONG = 0;
/// `DPFLTR_WARNING_LEVEL`.
pub const DPFLTR_WARNING_LEVEL: ULONG = 1;
/// `DPFLTR_TRACE_LEVEL`.
pub const DPFLTR_TRACE_LEVEL: ULONG = 2;
/// `DPFLTR_INFO_LEVEL`.
pub const DPFLTR_INFO_LEVEL: ULONG = 3;
/// `DPFLTR_MASK`.
pub const DPFLTR_MASK: ULONG = 0x8000_0000;

/// `XSTATE_MASK_LEGACY_FLOATING_POINT`.
pub const XSTATE_MASK_LEGACY_FLOATING_POINT: ULONG64 = 0x1;
/// `XSTATE_MASK_LEGACY_SSE`.
pub const XSTATE_MASK_LEGACY_SSE: ULONG64 = 0x2;
/// `XSTATE_MASK_LEGACY`.
pub const XSTATE_MASK_LEGACY: ULONG64 = 0x3;
/// `XSTATE_MASK_GSSE`.
pub const XSTATE_MASK_GSSE: ULONG64 = 0x4;
/// `XSTATE_MASK_AVX` (= `XSTATE_MASK_GSSE`).
pub const XSTATE_MASK_AVX: ULONG64 = 0x4;
/// `XSTATE_MASK_AVX512`.
pub const XSTATE_MASK_AVX512: ULONG64 = 0xE0;

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    // ndis-core-layouts.md §7
    assert!(size_of::<NDIS_SPIN_LOCK>() == 0x10);
    assert!(align_of::<NDIS_SPIN_LOCK>() == 0x8);
    assert!(offset_of!(NDIS_SPIN_LOCK, SpinLock) == 0x0);
    assert!(offset_of!(NDIS_SPIN_LOCK, OldIrql) == 0x8);
    assert!(size_of::<LOCK_STATE_EX>() == 0x3);
    assert!(align_of::<LOCK_STATE_EX>() == 0x1);
    assert!(offset_of!(LOCK_STATE_EX, OldIrql) == 0x0);
    assert!(offset_of!(LOCK_STATE_EX, LockState) == 0x1);
    assert!(offset_of!(LOCK_STATE_EX, Flags) == 0x2);
    assert!(size_of::<XSTATE_CONTEXT>() == 0x20);
    assert!(align_of::<XSTATE_CONTEXT>() == 0x8);
    assert!(offset_of!(XSTATE_CONTEXT, Mask) == 0x0);
    assert!(offset_of!(XSTATE_CONTEXT, Length) == 0x8);
    assert!(offset_of!(XSTATE_CONTEXT, Reserved1) == 0xC);
    assert!(offset_of!(XSTATE_CONTEXT, Area) == 0x10);
    assert!(offset_of!(XSTATE_CONTEXT, Buffer) == 0x18);
    assert!(size_of::<XSTATE_SAVE>() == 0x38);
    assert!(align_of::<XSTATE_SAVE>() == 0x8);
    assert!(offset_of!(XSTATE_SAVE, Prev) == 0x0);
    assert!(offset_of!(XSTATE_SAVE, Thread) == 0x8);
    assert!(offset_of!(XSTATE_SAVE, Level) == 0x10);
    assert!(offset_of!(XSTATE_SAVE, XStateContext) == 0x18);
    assert!(size_of::<UNICODE_STRING>() == 0x10);
    assert!(align_of::<UNICODE_STRING>() == 0x8);
    assert!(offset_of!(UNICODE_STRING, Length) == 0x0);
    assert!(offset_of!(UNICODE_STRING, MaximumLength) == 0x2);
    assert!(offset_of!(UNICODE_STRING, Buffer) == 0x8);
    assert!(size_of::<GUID>() == 0x10);
    assert!(align_of::<GUID>() == 0x4);
    assert!(offset_of!(GUID, Data1) == 0x0);
    assert!(offset_of!(GUID, Data2) == 0x4);
    assert!(offset_of!(GUID, Data3) == 0x6);
    assert!(offset_of!(GUID, Data4) == 0x8);
    assert!(size_of::<NET_LUID>() == 0x8);
    assert!(align_of::<NET_LUID>() == 0x8);
    assert!(offset_of!(NET_LUID, Value) == 0x0);
    assert!(size_of::<LIST_ENTRY>() == 0x10);
    assert!(align_of::<LIST_ENTRY>() == 0x8);
    assert!(offset_of!(LIST_ENTRY, Flink) == 0x0);
    assert!(offset_of!(LIST_ENTRY, Blink) == 0x8);
    // ndis-core-layouts.md §6 (IO_STATUS_BLOCK)
    assert!(size_of::<IO_STATUS_BLOCK>() == 0x10);
    assert!(align_of::<IO_STATUS_BLOCK>() == 0x8);
    assert!(offset_of!(IO_STATUS_BLOCK, Status) == 0x0);
    assert!(offset_of!(IO_STATUS_BLOCK, Information) == 0x8);
    assert!(size_of::<KSPIN_LOCK>() == 0x8);
    assert!(size_of::<EX_SPIN_LOCK>() == 0x4);
};
