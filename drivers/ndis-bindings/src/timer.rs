//! NDIS timer objects (`NdisAllocateTimerObject` / `NdisSetTimerObject` /
//! `NdisCancelTimerObject` / `NdisFreeTimerObject`, NDIS 6.0+): `NDIS_TIMER_CHARACTERISTICS`
//! and the timer function's type.
//!
//! The structure is not in `ndis-core-layouts.md`; its layout follows from the ndis.h
//! declaration (`NDIS_OBJECT_HEADER Header; ULONG AllocationTag; PNDIS_TIMER_FUNCTION
//! TimerFunction; PVOID FunctionContext;`) under the x64 rules used everywhere else in this
//! crate, and is asserted below. `NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS` is 0x97, between
//! `NDIS_OBJECT_TYPE_REQUEST_EX` (0x96) and `NDIS_OBJECT_TYPE_STATUS_INDICATION` (0x98).

use ipsecov2_abi::{NDIS_OBJECT_HEADER, PVOID, UCHAR, ULONG, USHORT};

/// `NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS: UCHAR = 0x97;
/// `NDIS_TIMER_CHARACTERISTICS_REVISION_1`.
pub const NDIS_TIMER_CHARACTERISTICS_REVISION_1: UCHAR = 1;

/// `NDIS_TIMER_FUNCTION`: `VOID (PVOID SystemSpecific1, PVOID FunctionContext, PVOID
/// SystemSpecific2, PVOID SystemSpecific3)`, called at DISPATCH_LEVEL when the timer fires.
pub type PNDIS_TIMER_FUNCTION = Option<unsafe extern "system" fn(PVOID, PVOID, PVOID, PVOID)>;

/// `NDIS_TIMER_CHARACTERISTICS`: what `NdisAllocateTimerObject` allocates a timer for.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NDIS_TIMER_CHARACTERISTICS {
    /// `{NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS, NDIS_TIMER_CHARACTERISTICS_REVISION_1,
    /// NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// The pool tag NDIS allocates the timer object with.
    pub AllocationTag: ULONG,
    /// Called at DISPATCH_LEVEL each time the timer fires.
    pub TimerFunction: PNDIS_TIMER_FUNCTION,
    /// Passed to the timer function unless `NdisSetTimerObject` names another context.
    pub FunctionContext: PVOID,
}

/// `NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1`: `RTL_SIZEOF_THROUGH_FIELD(
/// NDIS_TIMER_CHARACTERISTICS, FunctionContext)`, 0x18 on x64.
pub const NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1: USHORT =
    (core::mem::offset_of!(NDIS_TIMER_CHARACTERISTICS, FunctionContext)
        + core::mem::size_of::<PVOID>()) as USHORT;

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<NDIS_TIMER_CHARACTERISTICS>() == 0x18);
    assert!(align_of::<NDIS_TIMER_CHARACTERISTICS>() == 0x8);
    assert!(offset_of!(NDIS_TIMER_CHARACTERISTICS, Header) == 0x0);
    assert!(offset_of!(NDIS_TIMER_CHARACTERISTICS, AllocationTag) == 0x4);
    assert!(offset_of!(NDIS_TIMER_CHARACTERISTICS, TimerFunction) == 0x8);
    assert!(offset_of!(NDIS_TIMER_CHARACTERISTICS, FunctionContext) == 0x10);
    assert!(NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 == 0x18);
};
