//! `KeSaveExtendedProcessorState` / `KeRestoreExtendedProcessorState`, for real: XSAVE of the
//! state components the mask names (those XCR0 enables) into a host-side 64-byte aligned area
//! per save, XRSTOR of it on restore; the caller's `XSTATE_SAVE` gets `Prev`, `Thread`, `Level`
//! and the saved mask as the kernel fills them. Each thread keeps its stack of open saves, so a
//! restore out of LIFO order, of a buffer this thread never saved, at another IRQL than its save,
//! or a callback returning with a save still open is a violation. (An AVX instruction executed
//! outside a save cannot be seen from here: `tests/windows-target-check` proves per function that
//! YMM code is reachable only inside the driver's sections.)

use core::arch::x86_64::{_xgetbv, _xrstor64, _xsave64};
use core::cell::RefCell;

use super::irql::{self, at_most, DISPATCH_LEVEL};
use super::status::{NDIS_STATUS_INVALID_PARAMETER, NDIS_STATUS_SUCCESS};
use super::verifier::violation;

/// Byte offsets in the AMD64 `XSTATE_SAVE` (sizeof 0x38): `Prev`, `Thread`, `Level`, and
/// `XStateContext.Mask` (the context starts at 0x18).
const PREV: usize = 0x0;
const THREAD: usize = 0x8;
const LEVEL: usize = 0x10;
const CONTEXT_MASK: usize = 0x18;

/// An XSAVE area large enough for x87, SSE, AVX and AVX-512 in the standard form (2,696 bytes).
#[repr(C, align(64))]
struct Area([u8; 4096]);

/// A zeroed [`Area`] allocated on the heap without passing through the stack
/// (`Box::new_zeroed` is newer than the workspace's rust-version).
fn zeroed_area() -> Box<Area> {
    let layout = std::alloc::Layout::new::<Area>();
    // SAFETY: `Area` has a non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<Area>();
    if p.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `p` was allocated with `Area`'s layout by the global allocator, as `Box` does, and
    // all-zero bytes are a valid `Area` (a plain byte array).
    unsafe { Box::from_raw(p) }
}

/// One open save of this thread.
struct Open {
    buffer: usize,
    irql: u8,
    mask: u64,
    area: Box<Area>,
}

thread_local! {
    static OPEN: RefCell<Vec<Open>> = const { RefCell::new(Vec::new()) };
    static SAVED: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// Successful saves made on the calling thread so far (the driver's callbacks run on the
/// thread that called them, so a test sees its own).
pub fn saves_on_this_thread() -> u64 {
    SAVED.with(core::cell::Cell::get)
}

/// Saves still open on the calling thread (a callback must return with none).
pub fn open_count() -> usize {
    OPEN.with(|o| o.borrow().len())
}

/// A per-thread token for `XSTATE_SAVE.Thread` (never 0).
fn thread_token() -> u64 {
    thread_local! { static T: u8 = const { 0 }; }
    T.with(|t| t as *const u8 as u64)
}

/// XCR0: the components the OS (here Linux) enabled.
fn xcr0() -> u64 {
    // SAFETY: the host is an x86-64 Linux process; Linux enables XSAVE (OSXSAVE) on every CPU
    // with AVX, and XGETBV(0) is allowed at any privilege level then.
    unsafe { _xgetbv(0) }
}

/// Writes `v` at byte `off` of the caller's `XSTATE_SAVE`.
///
/// # Safety
/// `save` is a writable `XSTATE_SAVE` (0x38 bytes).
unsafe fn put_u64(save: *mut u8, off: usize, v: u64) {
    // SAFETY: `off + 8 <= 0x38` for every offset used, inside the caller's buffer.
    let at = unsafe { save.add(off) };
    // SAFETY: as above; the buffer is 8-byte aligned by its type, but be lenient.
    unsafe { at.cast::<u64>().write_unaligned(v) }
}

/// `NTSTATUS KeSaveExtendedProcessorState(ULONG64 Mask, PXSTATE_SAVE XStateSave)` — ≤
/// DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ke_save_extended_processor_state(mask: u64, save: *mut u8) -> i32 {
    at_most("KeSaveExtendedProcessorState", DISPATCH_LEVEL);
    if save.is_null() {
        violation("KeSaveExtendedProcessorState with a NULL XSTATE_SAVE".into());
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    let mask = mask & xcr0();
    // Zeroed on the heap directly: `Box::new(Area([0; 4096]))` builds the area on the stack
    // first in the host's debug build (twice), and the verifier's stack figure of the calling
    // callback, which includes the host routines it calls, then counts 8 KiB that the kernel's
    // routine (which allocates its save areas from pool) never takes from the driver's stack.
    let mut area = zeroed_area();
    // SAFETY: `area` is a 64-byte aligned 4 KiB buffer owned here, larger than the standard
    // XSAVE form of every component this CPU can enable; `mask` is limited to XCR0.
    unsafe { _xsave64(area.0.as_mut_ptr(), mask) };
    let prev = OPEN.with(|o| o.borrow().last().map_or(0, |p| p.buffer as u64));
    let level = open_count() as u64;
    // SAFETY: `save` is the driver's XSTATE_SAVE (non-null, checked), 0x38 writable bytes.
    unsafe { put_u64(save, PREV, prev) };
    // SAFETY: as above.
    unsafe { put_u64(save, THREAD, thread_token()) };
    // SAFETY: as above; `Level` is one byte at 0x10 (the write covers the padding after it).
    unsafe { put_u64(save, LEVEL, level & 0xff) };
    // SAFETY: as above.
    unsafe { put_u64(save, CONTEXT_MASK, mask) };
    SAVED.with(|c| c.set(c.get() + 1));
    OPEN.with(|o| {
        o.borrow_mut().push(Open {
            buffer: save as usize,
            irql: irql::current(),
            mask,
            area,
        })
    });
    NDIS_STATUS_SUCCESS
}

/// `VOID KeRestoreExtendedProcessorState(PXSTATE_SAVE XStateSave)` — ≤ DISPATCH_LEVEL, at the
/// IRQL of its save, the most recent open save of this thread first.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ke_restore_extended_processor_state(save: *mut u8) {
    at_most("KeRestoreExtendedProcessorState", DISPATCH_LEVEL);
    let buffer = save as usize;
    let open = OPEN.with(|o| {
        let mut o = o.borrow_mut();
        match o.iter().rposition(|e| e.buffer == buffer) {
            Some(i) if i + 1 == o.len() => o.pop(),
            Some(i) => {
                violation(format!(
                    "KeRestoreExtendedProcessorState of {buffer:#x} out of LIFO order ({} later save(s) still open)",
                    o.len() - 1 - i
                ));
                Some(o.remove(i))
            }
            None => {
                violation(format!(
                    "KeRestoreExtendedProcessorState of {buffer:#x}, which this thread did not save"
                ));
                None
            }
        }
    });
    let Some(open) = open else {
        return;
    };
    if open.irql != irql::current() {
        violation(format!(
            "KeRestoreExtendedProcessorState at IRQL {}, saved at {}",
            irql::current(),
            open.irql
        ));
    }
    // SAFETY: the area holds what `_xsave64` wrote for the same mask.
    unsafe { _xrstor64(open.area.0.as_ptr(), open.mask) };
}
