//! What a `/NODEFAULTLIB` kernel driver brings itself (as `ipsecov2-lwf` does): the panic
//! handler (a bug check), `_fltused` and `__chkstk` (the stack probe LLVM calls in every frame
//! above a page, which `ViolateDeepStack` has).

use ndis_bindings::ffi::KeBugCheckEx;

/// The violator's own panic bug-check code (no panic is reachable; a bug check would say so).
const PANIC_BUGCHECK: u32 = 0x1950_0F0E;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: KeBugCheckEx may be called at any IRQL and does not return.
    unsafe { KeBugCheckEx(PANIC_BUGCHECK, 0, 0, 0, 0) }
}

/// `_fltused`: referenced by LLVM from objects using floating point (core does).
#[allow(non_upper_case_globals)]
#[no_mangle]
pub static _fltused: i32 = 0;

// `__chkstk`: touches each page between the caller's stack pointer and the new frame's bottom,
// top down (RAX = frame size), preserving every register but the flags (the x64 contract; the
// same routine as ipsecov2-lwf's).
core::arch::global_asm!(
    ".globl __chkstk",
    ".p2align 4",
    "__chkstk:",
    "push rcx",
    "push rax",
    "cmp rax, 0x1000",
    "lea rcx, [rsp + 24]",
    "jb 2f",
    "3:",
    "sub rcx, 0x1000",
    "test qword ptr [rcx], rcx",
    "sub rax, 0x1000",
    "cmp rax, 0x1000",
    "ja 3b",
    "2:",
    "sub rcx, rax",
    "test qword ptr [rcx], rcx",
    "pop rax",
    "pop rcx",
    "ret",
);
