//! Verifier violations: every broken rule the host sees while the driver runs, collected for
//! the test to assert on (or, where the driver cannot go on, reported at once with
//! [`fatal`]).

use core::fmt::Write;
use std::sync::Mutex;

use crate::fault::message::Message;
use crate::fault::{die, registry, VERIFIER_EXIT};

static VIOLATIONS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records a violation.
pub fn violation(text: String) {
    if let Ok(mut v) = VIOLATIONS.lock() {
        v.push(text);
    }
}

/// Takes every violation recorded so far.
pub fn take() -> Vec<String> {
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
