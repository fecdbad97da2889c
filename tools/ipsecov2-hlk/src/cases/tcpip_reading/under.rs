//! The `send`, `receive`, `combinations`, `two-hosts` and `churn` groups run again under each
//! option of the emulated TCP/IP.

use super::*;

pub(super) fn group_cases(group: &str) -> Vec<Case> {
    let mut v = Vec::new();
    match group {
        "send" => super::super::send::send(&mut v),
        "receive" => super::super::receive::receive(&mut v),
        "combinations" => super::super::combinations::combinations(&mut v),
        "two-hosts" => super::super::two_hosts::two_hosts_cases(&mut v),
        "churn" => super::super::churn::churn_cases(&mut v),
        _ => {}
    }
    v
}

/// Suspends `--pcap` for the rest of an `under/*` case: it reruns groups whose traffic is
/// captured under their own names, with SPIs that repeat from case to case (one capture could
/// not tell their SAs apart).
pub(super) struct NoCapture(Option<crate::capture::Capture>);

impl Drop for NoCapture {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            crate::capture::install(c);
        }
    }
}

pub(super) fn under(b: TcpipBehaviour, group: &'static str) -> Outcome {
    let _no_capture = NoCapture(crate::capture::uninstall());
    let cases = group_cases(group);
    ensure!(!cases.is_empty(), "no cases in group {group}");
    let mut failed = Vec::new();
    for c in &cases {
        if let Err(e) = with(b, || (c.run)()) {
            failed.push(format!("{}: {e}", c.name));
        }
    }
    ensure!(
        failed.is_empty(),
        "{} of {} cases failed: {}",
        failed.len(),
        cases.len(),
        failed.join("; ")
    );
    Ok(())
}
