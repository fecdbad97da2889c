//! `ntoskrnl!KeBugCheckEx`: the report of a bug check, naming the caller and, for the project's
//! panic bug check, the panic location the parameters point to.
//!
//! The import is bound to a small assembly entry that records its return address (the call
//! site in the driver) and jumps to the Rust body; the body never returns.

use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};

use super::message::Message;
use super::{die, registry, BUGCHECK_EXIT};

/// The driver's panic bug-check code (`names::BUGCHECK_CODE`): p1 line, p2 column, p3/p4 file
/// name address and length.
pub const PANIC_BUGCHECK_CODE: u32 = 0x1950_0F02;

/// Return address of the last `KeBugCheckEx` call (written by the assembly entry). Not
/// `#[no_mangle]`: an exported symbol cannot be addressed RIP-relative from a shared object (the
/// host linked into the NPF adapter's cdylib, `npf-ipsec-sapi --features pe-host`).
static PE_HOST_BUGCHECK_CALLER: AtomicUsize = AtomicUsize::new(0);

core::arch::global_asm!(
    ".globl pe_host_ke_bug_check_ex",
    ".p2align 4",
    "pe_host_ke_bug_check_ex:",
    "mov rax, [rsp]",
    "mov [rip + {caller}], rax",
    "jmp {body}",
    caller = sym PE_HOST_BUGCHECK_CALLER,
    body = sym ke_bug_check_ex_body,
);

extern "C" {
    fn pe_host_ke_bug_check_ex();
}

/// Address to bind `ntoskrnl.exe!KeBugCheckEx` to.
pub fn entry() -> usize {
    pe_host_ke_bug_check_ex as *const () as usize
}

/// The panic location when `p3`/`p4` name a string inside a loaded image.
fn panic_file(p3: usize, p4: usize) -> Option<&'static str> {
    let located = registry::locate(p3)?;
    let end = registry::locate(p3.checked_add(p4)?.checked_sub(1)?)?;
    if located.image != end.image || p4 > 4096 {
        return None;
    }
    // SAFETY: `[p3, p3 + p4)` lies inside one registered image, mapped readable for as long as
    // the process runs this report (the image cannot be unloaded: the driver is stopped here).
    let bytes = unsafe { core::slice::from_raw_parts(p3 as *const u8, p4) };
    core::str::from_utf8(bytes).ok()
}

extern "win64" fn ke_bug_check_ex_body(code: u32, p1: usize, p2: usize, p3: usize, p4: usize) -> ! {
    let caller = PE_HOST_BUGCHECK_CALLER.load(Ordering::Relaxed);
    let mut m = Message::default();
    let _ = write!(
        m,
        "pe-host: BUG CHECK {code:#010x} ({p1:#x}, {p2:#x}, {p3:#x}, {p4:#x}) called from "
    );
    let _ = registry::describe(&mut m, caller);
    if code == PANIC_BUGCHECK_CODE {
        match panic_file(p3, p4) {
            Some(file) => {
                let _ = write!(m, ": driver panic at {file}:{p1}:{p2}");
            }
            None => {
                let _ = write!(m, ": driver panic at line {p1} column {p2}");
            }
        }
    }
    let _ = writeln!(m);
    die(&m, BUGCHECK_EXIT)
}
