//! The signal handler: SA_SIGINFO on an alternate stack (a stack overflow of the driver still
//! reports), reads RIP from the interrupted context and names it.

use core::cell::Cell;
use core::fmt::Write;

use super::message::Message;
use super::{die, registry, FAULT_EXIT};

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
const ALT_STACK: usize = 64 * 1024;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn signal_name(sig: libc::c_int, code: libc::c_int) -> &'static str {
    match (sig, code) {
        // SI_KERNEL
        (libc::SIGSEGV, 0x80) => {
            "SIGSEGV (general protection: a privileged instruction or a non-canonical address)"
        }
        // SEGV_MAPERR
        (libc::SIGSEGV, 1) => "SIGSEGV (address not mapped)",
        // SEGV_ACCERR
        (libc::SIGSEGV, 2) => "SIGSEGV (access not allowed by the page protection)",
        (libc::SIGSEGV, _) => "SIGSEGV",
        (libc::SIGBUS, _) => "SIGBUS",
        (libc::SIGILL, _) => "SIGILL (invalid instruction)",
        (libc::SIGFPE, _) => "SIGFPE (arithmetic fault)",
        _ => "signal",
    }
}

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let mut m = Message::default();
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
    let (code, addr) = match unsafe { info.as_ref() } {
        // SAFETY: si_addr is valid for the fault signals this handler is installed for.
        Some(i) => (i.si_code, unsafe { i.si_addr() } as usize),
        None => (0, 0),
    };
    // SAFETY: the third argument of an SA_SIGINFO handler is the interrupted ucontext_t.
    let (rip, rsp) = match unsafe { context.cast::<libc::ucontext_t>().as_ref() } {
        Some(uc) => (
            uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize,
            uc.uc_mcontext.gregs[libc::REG_RSP as usize] as usize,
        ),
        None => (0, 0),
    };
    let _ = write!(m, "pe-host: FAULT: {} at ", signal_name(sig, code));
    let _ = registry::describe(&mut m, rip);
    let _ = write!(m, " (rip {rip:#x}, rsp {rsp:#x}, fault address {addr:#x}");
    if registry::locate(addr).is_some() {
        let _ = write!(m, " = ");
        let _ = registry::describe(&mut m, addr);
    }
    let _ = writeln!(m, ")");
    die(&m, FAULT_EXIT)
}

/// Installs the handler (process-wide) and an alternate signal stack for the calling thread.
/// Call on every thread before it runs driver code; later calls on one thread do nothing.
pub fn arm_thread() -> std::io::Result<()> {
    if ARMED.with(Cell::get) {
        return Ok(());
    }
    // The alternate stack lives as long as the thread may fault: leaked (64 KiB per thread).
    let stack: &'static mut [u8] = Box::leak(vec![0u8; ALT_STACK].into_boxed_slice());
    let ss = libc::stack_t {
        ss_sp: stack.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: ALT_STACK,
    };
    // SAFETY: `ss` describes a leaked buffer that outlives the thread.
    if unsafe { libc::sigaltstack(&ss, core::ptr::null_mut()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    for sig in SIGNALS {
        // SAFETY: an all-zero sigaction is a valid starting value (empty mask, no flags).
        let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        // SAFETY: `action` is a complete sigaction whose handler is async-signal-safe in what it
        // does before _exit (no allocation, no lock).
        if unsafe { libc::sigaction(sig, &action, core::ptr::null_mut()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    ARMED.with(|a| a.set(true));
    Ok(())
}
