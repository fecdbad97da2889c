//! What happens when the driver goes wrong: a fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, a
//! privileged instruction) or a `KeBugCheckEx` becomes a report on stderr naming the driver
//! function and offset, then the process exits with a distinct status. Never a hang, never a
//! silent crash, no unwinding through driver frames.

pub mod bugcheck;
pub mod handler;
pub mod message;
pub mod registry;

/// Exit status after a fault inside (or under) the driver.
pub const FAULT_EXIT: i32 = 86;
/// Exit status after `KeBugCheckEx`.
pub const BUGCHECK_EXIT: i32 = 87;
/// Exit status after a verifier violation that cannot be returned as a test failure (inside a
/// host function called by the driver).
pub const VERIFIER_EXIT: i32 = 88;

/// Writes `message` (one line) to stderr and exits the process with `status`, from any context.
pub fn die(message: &message::Message, status: i32) -> ! {
    message.write_stderr();
    // SAFETY: _exit ends the process at once; nothing of it is used afterwards.
    unsafe { libc::_exit(status) }
}
