//! Time and NDIS timer objects: a virtual interrupt-time clock that only the test moves
//! (`KeQueryInterruptTimePrecise`), and the timer objects of `NdisAllocateTimerObject` /
//! `NdisSetTimerObject` / `NdisCancelTimerObject` / `NdisFreeTimerObject` in a list the host
//! fires when the test advances the clock ([`DriverHost::advance_clock`]): each timer due by then
//! runs once, at DISPATCH_LEVEL on the calling thread, with the checks of a callback (IRQL back
//! to DISPATCH_LEVEL, no lock held, stack depth). A periodic timer is then due one period after
//! the new time (a late DPC fires once, not once per missed period). `KeFlushQueuedDpcs` has
//! nothing to wait for: no timer function runs outside [`DriverHost::advance_clock`].
//!
//! Verifier: IRQL bounds of each routine, the characteristics' header and function checked, an
//! unknown or freed handle named, a timer freed while still set, and at unload a timer still
//! set or never freed ([`check_released`]).

use core::ffi::c_void;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::irql::{self, at_most, exactly, DISPATCH_LEVEL, HIGH_LEVEL, PASSIVE_LEVEL};
use super::verifier::violation;
use super::{image, pool};
use crate::driver::DriverHost;

/// `NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS: u8 = 0x97;
/// `NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1`.
pub const NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1: u16 = 0x18;
const NDIS_STATUS_SUCCESS: i32 = 0;
const NDIS_STATUS_RESOURCES: i32 = 0xC000_009A_u32 as i32;
const NDIS_STATUS_BAD_CHARACTERISTICS: i32 = 0xC001_0005_u32 as i32;
/// Where the virtual clock starts (100 ns units): an hour after "boot", so that a driver
/// counting from 0 is not confused with one counting from its own start.
const BOOT: u64 = 3_600 * 10_000_000;

/// `NDIS_TIMER_CHARACTERISTICS` (x64 layout of ndis.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NdisTimerCharacteristics {
    /// `{Type, Revision, Size}`.
    pub header: [u8; 4],
    /// Pool tag.
    pub allocation_tag: u32,
    /// `NDIS_TIMER_FUNCTION`.
    pub timer_function: usize,
    /// Default context.
    pub function_context: usize,
}

const _: () = {
    assert!(core::mem::size_of::<NdisTimerCharacteristics>() == 0x18);
    assert!(core::mem::offset_of!(NdisTimerCharacteristics, timer_function) == 0x8);
    assert!(core::mem::offset_of!(NdisTimerCharacteristics, function_context) == 0x10);
};

type TimerFn = unsafe extern "win64" fn(*mut c_void, *mut c_void, *mut c_void, *mut c_void);

/// One timer object.
#[derive(Debug, Clone, Copy)]
struct Timer {
    /// The handle given to the driver (a tracked pool block with the timer's tag).
    handle: usize,
    tag: u32,
    function: usize,
    context: usize,
    /// Interrupt time it is due at, while set.
    due: Option<u64>,
    /// Period in 100 ns units (0: one-shot).
    period: u64,
}

static NOW: AtomicU64 = AtomicU64::new(BOOT);
static TIMERS: Mutex<Vec<Timer>> = Mutex::new(Vec::new());

/// The virtual interrupt time (100 ns units).
pub fn now() -> u64 {
    NOW.load(Ordering::SeqCst)
}

/// Number of timer objects allocated and not freed.
pub fn live() -> usize {
    TIMERS.lock().map_or(0, |t| t.len())
}

/// Number of timer objects currently set.
pub fn set_count() -> usize {
    TIMERS
        .lock()
        .map_or(0, |t| t.iter().filter(|t| t.due.is_some()).count())
}

/// Records what the driver left at unload — a timer still set, a timer never freed — and
/// forgets every timer (the next load starts clean).
pub fn check_released() {
    let left = TIMERS
        .lock()
        .map(|mut t| core::mem::take(&mut *t))
        .unwrap_or_default();
    for t in left {
        if t.due.is_some() {
            violation(format!(
                "timer object {:#x} still set at unload (NdisCancelTimerObject missing)",
                t.handle
            ));
        }
        violation(format!(
            "timer object {:#x} never freed (NdisFreeTimerObject missing)",
            t.handle
        ));
        pool::free("unload", t.handle as *mut c_void, None);
    }
}

/// Forgets every timer without a word (a new load: whatever an earlier run left never fires).
pub fn forget_all() {
    if let Ok(mut t) = TIMERS.lock() {
        t.clear();
    }
}

/// `ULONG64 KeQueryInterruptTimePrecise(PULONG64 QpcTimeStamp)` — any IRQL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ke_query_interrupt_time_precise(qpc: *mut u64) -> u64 {
    at_most("KeQueryInterruptTimePrecise", HIGH_LEVEL);
    let t = now();
    if qpc.is_null() {
        violation("KeQueryInterruptTimePrecise: QpcTimeStamp is NULL".to_owned());
    } else {
        // SAFETY: the driver's out location (checked non-NULL).
        unsafe { qpc.write(t) };
    }
    t
}

/// `VOID KeFlushQueuedDpcs(VOID)` — PASSIVE_LEVEL.
pub extern "win64" fn ke_flush_queued_dpcs() {
    exactly("KeFlushQueuedDpcs", PASSIVE_LEVEL);
}

/// `NDIS_STATUS NdisAllocateTimerObject(NDIS_HANDLE NdisHandle, PNDIS_TIMER_CHARACTERISTICS,
/// PNDIS_HANDLE pTimerObject)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_allocate_timer_object(
    ndis_handle: usize,
    chars: *const NdisTimerCharacteristics,
    out: *mut usize,
) -> i32 {
    at_most("NdisAllocateTimerObject", DISPATCH_LEVEL);
    if ndis_handle == 0 || chars.is_null() || out.is_null() {
        violation("NdisAllocateTimerObject: NULL handle, characteristics or out pointer".into());
        return NDIS_STATUS_BAD_CHARACTERISTICS;
    }
    // SAFETY: the driver's characteristics (checked non-NULL), read once.
    let c = unsafe { chars.read_unaligned() };
    let size = u16::from_le_bytes([c.header[2], c.header[3]]);
    if c.header[0] != NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS
        || c.header[1] != 1
        || size < NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1
    {
        violation(format!(
            "NdisAllocateTimerObject: bad header {:?} (type 0x97, revision 1, size 0x18)",
            c.header
        ));
        return NDIS_STATUS_BAD_CHARACTERISTICS;
    }
    if c.timer_function == 0 || !image::contains(c.timer_function) {
        violation(format!(
            "NdisAllocateTimerObject: timer function {:#x} outside the driver image",
            c.timer_function
        ));
        return NDIS_STATUS_BAD_CHARACTERISTICS;
    }
    if super::lowres::fail("NdisAllocateTimerObject") {
        return NDIS_STATUS_RESOURCES;
    }
    // The object is a tracked block: a leak shows by its tag too.
    let handle = pool::allocate("NdisAllocateTimerObject", 64, c.allocation_tag, true);
    if handle.is_null() {
        return NDIS_STATUS_RESOURCES;
    }
    let handle = handle as usize;
    if let Ok(mut t) = TIMERS.lock() {
        t.push(Timer {
            handle,
            tag: c.allocation_tag,
            function: c.timer_function,
            context: c.function_context,
            due: None,
            period: 0,
        });
    }
    // SAFETY: the driver's out location (checked non-NULL).
    unsafe { out.write(handle) };
    NDIS_STATUS_SUCCESS
}

fn with_timer<R>(import: &str, handle: usize, f: impl FnOnce(&mut Timer) -> R) -> Option<R> {
    let mut timers = TIMERS.lock().ok()?;
    match timers.iter_mut().find(|t| t.handle == handle) {
        Some(t) => Some(f(t)),
        None => {
            violation(format!("{import}: {handle:#x} is not a live timer object"));
            None
        }
    }
}

/// `BOOLEAN NdisSetTimerObject(NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime, LONG
/// MillisecondsPeriod, PVOID FunctionContext)` — ≤ DISPATCH_LEVEL. TRUE when it was set.
pub extern "win64" fn ndis_set_timer_object(
    handle: usize,
    due_time: i64,
    period_ms: u32,
    context: usize,
) -> u8 {
    at_most("NdisSetTimerObject", DISPATCH_LEVEL);
    let now = now();
    // Negative: relative; positive: an absolute system time, which this clock does not
    // have — treated as due now (and reported: the driver has no reason to use one).
    let due = if due_time <= 0 {
        now.saturating_add(due_time.unsigned_abs())
    } else {
        violation("NdisSetTimerObject: absolute due times are not emulated".to_owned());
        now
    };
    with_timer("NdisSetTimerObject", handle, |t| {
        let was = t.due.is_some();
        t.due = Some(due);
        t.period = u64::from(period_ms) * 10_000;
        if context != 0 {
            t.context = context;
        }
        u8::from(was)
    })
    .unwrap_or(0)
}

/// `BOOLEAN NdisCancelTimerObject(NDIS_HANDLE TimerObject)` — ≤ DISPATCH_LEVEL. TRUE when it
/// was set.
pub extern "win64" fn ndis_cancel_timer_object(handle: usize) -> u8 {
    at_most("NdisCancelTimerObject", DISPATCH_LEVEL);
    with_timer("NdisCancelTimerObject", handle, |t| {
        u8::from(t.due.take().is_some())
    })
    .unwrap_or(0)
}

/// `VOID NdisFreeTimerObject(NDIS_HANDLE TimerObject)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_free_timer_object(handle: usize) {
    at_most("NdisFreeTimerObject", DISPATCH_LEVEL);
    let Ok(mut timers) = TIMERS.lock() else {
        return;
    };
    let Some(i) = timers.iter().position(|t| t.handle == handle) else {
        violation(format!(
            "NdisFreeTimerObject: {handle:#x} is not a live timer object"
        ));
        return;
    };
    let t = timers.remove(i);
    drop(timers);
    if t.due.is_some() {
        violation(format!(
            "NdisFreeTimerObject: timer object {handle:#x} freed while still set"
        ));
    }
    pool::free("NdisFreeTimerObject", handle as *mut c_void, Some(t.tag));
}

impl DriverHost {
    /// Moves the virtual clock forward by `by`, then runs every timer due by the new time once
    /// (in due order), each at DISPATCH_LEVEL; returns how many timer functions ran.
    pub fn advance_clock(&mut self, by: Duration) -> usize {
        let units = u64::try_from(by.as_nanos() / 100).unwrap_or(u64::MAX);
        let now = NOW.fetch_add(units, Ordering::SeqCst).saturating_add(units);
        let mut due: Vec<Timer> = TIMERS
            .lock()
            .map(|mut ts| {
                let mut fire = Vec::new();
                for t in ts.iter_mut() {
                    if t.due.is_some_and(|d| d <= now) {
                        fire.push(*t);
                        t.due = (t.period != 0).then(|| now.saturating_add(t.period));
                    }
                }
                fire
            })
            .unwrap_or_default();
        due.sort_by_key(|t| t.due);
        for t in &due {
            // SAFETY: the NDIS_TIMER_FUNCTION the driver registered (checked in its image).
            let f: TimerFn = unsafe { core::mem::transmute::<usize, TimerFn>(t.function) };
            let old = irql::current();
            irql::set(DISPATCH_LEVEL);
            let ctx = t.context as *mut c_void;
            // SAFETY: called as NDIS calls a timer function: DISPATCH_LEVEL, the context the
            // driver gave, the system-specific arguments NULL.
            crate::stack::measure("TimerFunction", || unsafe {
                f(
                    core::ptr::null_mut(),
                    ctx,
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                )
            });
            self.after_callback("TimerFunction", DISPATCH_LEVEL);
            irql::set(old);
        }
        due.len()
    }
}
