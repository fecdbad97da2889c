//! Stack depth of each driver callback, measured on a painted stack: before the call the
//! host fills the stack below its own frame with a pattern; after it, the lowest byte no longer
//! holding the pattern gives how deep the callback (with the host routines it called) went.
//! The kernel gives a driver 24 KiB of stack at most; a callback may use [`BUDGET`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::kernel::verifier;

/// Stack a callback may use (of the kernel's 24 KiB).
pub const BUDGET: usize = 12 * 1024;
/// Bytes painted below the measuring frame.
const PAINTED: usize = 64 * 1024;
/// Left alone right below the measuring frame (its callees' first frames, the red zone).
const SKIP: usize = 512;
const PATTERN: u8 = 0xC5;

static DEEPEST: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
static PAINTING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(true);

/// Turns the painting (and the stack check) off or on, process-wide: off only to time the
/// driver without the host's 64 KiB paint and scan per callback.
pub fn set_painting(on: bool) {
    PAINTING.store(on, core::sync::atomic::Ordering::Relaxed);
}

/// The deepest stack use seen per callback so far.
pub fn figures() -> Vec<(String, usize)> {
    DEEPEST
        .lock()
        .map(|d| d.iter().map(|(k, v)| (k.clone(), *v)).collect())
        .unwrap_or_default()
}

#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads RSP; no memory access, no flags changed.
    unsafe {
        core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    sp
}

/// Runs `call` (a driver callback named `what`) on a painted stack; records its depth and a
/// violation when it exceeds [`BUDGET`].
#[inline(never)]
pub fn measure<R>(what: &str, call: impl FnOnce() -> R) -> R {
    if !PAINTING.load(core::sync::atomic::Ordering::Relaxed) {
        return call();
    }
    let top = stack_pointer() - SKIP;
    let bottom = top - PAINTED;
    // SAFETY: `[bottom, top)` is below this frame's stack pointer on the current thread's stack
    // (test and host threads have at least 2 MiB; this is 64 KiB), unused until `call` grows
    // into it; volatile so that the paint is not elided.
    for a in (bottom..top).step_by(8) {
        // SAFETY: as above, 8-byte aligned addresses inside the region.
        unsafe { core::ptr::write_volatile(a as *mut u64, u64::from_ne_bytes([PATTERN; 8])) };
    }
    let r = call();
    let mut lowest = top;
    for a in (bottom..top).step_by(8) {
        // SAFETY: the same region, read back after the call returned.
        let v = unsafe { core::ptr::read_volatile(a as *const u64) };
        if v != u64::from_ne_bytes([PATTERN; 8]) {
            lowest = a;
            break;
        }
    }
    let depth = top - lowest + SKIP;
    if lowest == bottom {
        verifier::violation(format!(
            "{what}: stack use reached the end of the {PAINTED}-byte painted area"
        ));
    }
    if depth > BUDGET {
        verifier::violation(format!(
            "{what} used {depth} bytes of stack (budget {BUDGET})"
        ));
    }
    if let Ok(mut d) = DEEPEST.lock() {
        let e = d.entry(what.to_owned()).or_insert(0);
        *e = (*e).max(depth);
    }
    r
}
