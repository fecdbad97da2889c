//! The lifetime timer: an NDIS timer object (`NdisAllocateTimerObject` on the filter driver's
//! handle, periodic every [`clock::TICK_PERIOD_MS`]) whose function runs at DISPATCH_LEVEL and
//! calls `ControlPlane::tick` with the seconds since [`start`] ([`clock::seconds_since`] over
//! `KeQueryInterruptTimePrecise`), then completes the pending `EventWait` IRPs the expiries
//! fed. Lifetimes in seconds (soft and hard) expire through it; lifetimes in kilobytes are
//! checked by the same sweep.
//!
//! Started in `DriverEntry` once the control plane exists (an allocation failure fails
//! `DriverEntry` with `STATUS_INSUFFICIENT_RESOURCES`); stopped in `DriverUnload` before the
//! plane goes: cancelled, `KeFlushQueuedDpcs` (a timer function that was already running has
//! returned), freed. An NDIS timer object rather than `KeInitializeTimerEx` + a KDPC: NDIS
//! allocates it non-paged with the driver's tag and ties it to the filter driver's handle,
//! which is what NDIS drivers are asked to use.

use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use ndis_bindings::ffi::{
    KeFlushQueuedDpcs, KeQueryInterruptTimePrecise, NdisAllocateTimerObject, NdisCancelTimerObject,
    NdisFreeTimerObject, NdisSetTimerObject,
};
use ndis_bindings::ipsecov2_abi::{
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_STATUS_SUCCESS, PVOID, ULONG64,
};
use ndis_bindings::{
    NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS, NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1,
    NDIS_TIMER_CHARACTERISTICS, NDIS_TIMER_CHARACTERISTICS_REVISION_1,
};

use super::ioctl;
use crate::clock;
use crate::names::POOL_TAG;

/// The timer object (null before `start` and after `stop`).
static TIMER: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());
/// The interrupt time at `start`: second 0 of the control plane's clock.
static START: AtomicU64 = AtomicU64::new(0);

fn interrupt_time() -> u64 {
    let mut qpc: ULONG64 = 0;
    // SAFETY: any IRQL; `qpc` is a valid out location for the call.
    unsafe { KeQueryInterruptTimePrecise(&mut qpc) }
}

/// Allocates and sets the periodic timer — PASSIVE_LEVEL, `DriverEntry`, after the control
/// plane was created. False when NDIS could not allocate it (nothing is left behind).
pub(super) fn start(filter_driver: NDIS_HANDLE) -> bool {
    START.store(interrupt_time(), Ordering::Release);
    let mut chars = NDIS_TIMER_CHARACTERISTICS {
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS,
            NDIS_TIMER_CHARACTERISTICS_REVISION_1,
            NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1,
        ),
        AllocationTag: POOL_TAG,
        TimerFunction: Some(lifetime_tick),
        FunctionContext: core::ptr::null_mut(),
    };
    let mut timer: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: PASSIVE_LEVEL; `filter_driver` is the handle NdisFRegisterFilterDriver returned,
    // `chars` a complete REVISION_1 structure NDIS copies, `timer` receives the object.
    let status = unsafe { NdisAllocateTimerObject(filter_driver, &mut chars, &mut timer) };
    if status != NDIS_STATUS_SUCCESS || timer.is_null() {
        return false;
    }
    TIMER.store(timer, Ordering::Release);
    // SAFETY: the timer object just allocated; periodic, first due one period from now.
    unsafe {
        NdisSetTimerObject(
            timer,
            clock::FIRST_DUE,
            clock::TICK_PERIOD_MS,
            core::ptr::null_mut(),
        )
    };
    true
}

/// Cancels and frees the timer — PASSIVE_LEVEL, `DriverUnload` (and a failing `DriverEntry`),
/// before the control plane is freed. Once it returns the timer function is not running and
/// will not run again.
pub(super) fn stop() {
    let timer = TIMER.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if timer.is_null() {
        return;
    }
    // SAFETY: the timer object `start` allocated, taken out of TIMER once (the swap above).
    unsafe { NdisCancelTimerObject(timer) };
    // SAFETY: PASSIVE_LEVEL; waits until a timer function already running has returned.
    unsafe { KeFlushQueuedDpcs() };
    // SAFETY: cancelled, its function not running; freed once.
    unsafe { NdisFreeTimerObject(timer) };
}

/// The timer function — DISPATCH_LEVEL (NDIS_TIMER_FUNCTION).
unsafe extern "system" fn lifetime_tick(_s1: PVOID, _context: PVOID, _s2: PVOID, _s3: PVOID) {
    let now = clock::seconds_since(START.load(Ordering::Acquire), interrupt_time());
    ioctl::tick(now);
}
