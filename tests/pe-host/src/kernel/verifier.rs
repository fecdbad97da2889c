//! Verifier violations: every broken rule the host sees while the driver runs, collected for
//! the test to assert on (or, where the driver cannot go on, reported at once with
//! [`fatal`]).

use core::fmt::Write;
use std::sync::Mutex;

use crate::fault::message::Message;
use crate::fault::{die, registry, VERIFIER_EXIT};

/// One recorded violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What was wrong (the import or callback, and the rule).
    pub text: String,
    /// The driver functions on the stack when the host saw it, innermost first (names from the
    /// map file; empty when the check ran after the driver returned, or without a map).
    pub frames: Vec<String>,
}

impl core::fmt::Display for Violation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.text)?;
        if !self.frames.is_empty() {
            write!(f, " (in {})", self.frames.join(" < "))?;
        }
        Ok(())
    }
}

static VIOLATIONS: Mutex<Vec<Violation>> = Mutex::new(Vec::new());

/// Records a violation, with the driver functions on the stack.
pub fn violation(text: String) {
    let frames = super::frames::driver_frames();
    if let Ok(mut v) = VIOLATIONS.lock() {
        v.push(Violation { text, frames });
    }
}

/// Takes every violation recorded so far (their texts).
pub fn take() -> Vec<String> {
    take_located().into_iter().map(|v| v.text).collect()
}

/// Takes every violation recorded so far, with where the driver was.
pub fn take_located() -> Vec<Violation> {
    VIOLATIONS
        .lock()
        .map(|mut v| core::mem::take(&mut *v))
        .unwrap_or_default()
}

/// A violation after which the driver cannot continue (it would hang or corrupt the host):
/// reported on stderr, then the process exits with [`VERIFIER_EXIT`].
pub fn fatal(text: &str, caller: Option<usize>) -> ! {
    let mut m = Message::default();
    let _ = write!(m, "pe-host: VERIFIER: {text}");
    if let Some(c) = caller {
        let _ = write!(m, " (called from ");
        let _ = registry::describe(&mut m, c);
        let _ = write!(m, ")");
    }
    let _ = writeln!(m);
    die(&m, VERIFIER_EXIT)
}
