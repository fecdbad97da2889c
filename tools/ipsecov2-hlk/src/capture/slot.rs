//! The thread-local hook: the capture of this thread, the case that runs, and the SAs of an
//! accepted ADD_SA recorded; without `--pcap` every hook is one thread-local check.

use std::cell::RefCell;

use ipsecov2_ndis_emu::oid_buffers::AddSa;

use super::{sa_records, Capture};

thread_local! {
    static ACTIVE: RefCell<Option<(String, Capture)>> = const { RefCell::new(None) };
}

/// Makes `cap` the capture of this thread (the cases run on the main thread).
pub fn install(cap: Capture) {
    ACTIVE.with(|a| *a.borrow_mut() = Some((String::new(), cap)));
}

/// Names the case whose traffic the hooks record from now on.
pub fn set_case(id: &str) {
    ACTIVE.with(|a| {
        if let Ok(mut a) = a.try_borrow_mut() {
            if let Some((case, _)) = a.as_mut() {
                *case = id.to_string();
            }
        }
    });
}

/// Takes the capture back (to [`Capture::finish`] it).
pub fn uninstall() -> Option<Capture> {
    ACTIVE.with(|a| a.borrow_mut().take().map(|(_, c)| c))
}

/// Runs `f` with the installed capture and the current case; does nothing without `--pcap`.
pub fn hook(f: impl FnOnce(&mut Capture, &str)) {
    ACTIVE.with(|a| {
        if let Ok(mut a) = a.try_borrow_mut() {
            if let Some((case, cap)) = a.as_mut() {
                f(cap, case);
            }
        }
    });
}

/// Whether a capture is installed (to skip building what only the hooks need).
pub fn active() -> bool {
    ACTIVE.with(|a| a.try_borrow().is_ok_and(|a| a.is_some()))
}

/// `--pcap`: records the SAs of an accepted ADD_SA element (`handle` non-zero) in the current
/// case, a bundle's two as a pair; does nothing without a capture.
pub fn record_add_sa(sa: &AddSa, handle: u64) {
    if handle == 0 {
        return;
    }
    hook(|cap, case| {
        let recs = sa_records(sa, handle)
            .into_iter()
            .map(|r| cap.sa(case, r))
            .collect::<Vec<_>>();
        if let [a, b] = recs[..] {
            cap.bundle(case, a, b);
        }
    });
}
