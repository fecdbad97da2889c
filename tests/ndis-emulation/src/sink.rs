//! A recording [`SendSink`] for driving `FilterCore::send` directly: every decision with the
//! raw NBL pointer, in order, and the protected copies' bytes. Shared by the filter core's
//! tests, its fuzz harness and the HLK tool.

use ipsecov2_abi::NDIS_STATUS;
use ipsecov2_filter_core::{HostTxBuffer, SendDrop, SendSink, TxBuffer};
use ipsecov2_nbl::NblChain;

/// What happened to one sent NBL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Passed down untouched.
    Passed,
    /// Protected: the bytes of its copies, one per NET_BUFFER.
    Protected(Vec<Vec<u8>>),
    /// Completed at once with this status and reason.
    Completed(NDIS_STATUS, SendDrop),
}

/// Records every decision of the send path; contract violations (a decision on more than one
/// NBL, copies staged for an NBL passed down) go to [`RecordingSink::errors`] instead of
/// panicking, so callers choose how to report them.
#[derive(Debug, Default)]
pub struct RecordingSink {
    /// (NBL pointer, decision), in call order.
    pub events: Vec<(usize, Sent)>,
    /// Copies staged and not yet claimed by `protected` or dropped by `complete`.
    pub staged: Vec<HostTxBuffer>,
    /// `stage` calls in all.
    pub stages: usize,
    /// Contract violations seen.
    pub errors: Vec<String>,
}

impl RecordingSink {
    fn one(&mut self, nbl: &NblChain<'_>, what: &str) {
        if nbl.count() != 1 {
            self.errors.push(format!("{what} of {} NBLs", nbl.count()));
        }
    }
}

impl<'a> SendSink<'a, HostTxBuffer> for RecordingSink {
    fn pass_down(&mut self, nbl: NblChain<'a>) {
        self.one(&nbl, "pass_down");
        if !self.staged.is_empty() {
            self.errors.push("pass_down with copies staged".into());
        }
        self.events.push((nbl.as_raw() as usize, Sent::Passed));
    }
    fn stage(&mut self, packet: HostTxBuffer) {
        self.stages += 1;
        self.staged.push(packet);
    }
    fn protected(&mut self, original: NblChain<'a>) {
        self.one(&original, "protected");
        let packets = self.staged.drain(..).map(|b| b.bytes().to_vec()).collect();
        self.events
            .push((original.as_raw() as usize, Sent::Protected(packets)));
    }
    fn complete(&mut self, original: NblChain<'a>, status: NDIS_STATUS, reason: SendDrop) {
        self.one(&original, "complete");
        self.staged.clear();
        self.events
            .push((original.as_raw() as usize, Sent::Completed(status, reason)));
    }
}
