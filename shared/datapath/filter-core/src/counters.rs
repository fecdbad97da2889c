//! Per-module counters (per-SA counters live in each `OffloadSa`).

use core::sync::atomic::{AtomicU64, Ordering};

use crate::error::{RecvFailure, SendDrop};

fn bump(c: &AtomicU64, by: usize) {
    c.fetch_add(u64::try_from(by).unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// Counters of one filter module, updated with relaxed atomics from any processor.
#[derive(Debug, Default)]
pub struct ModuleCounters {
    /// Send NBLs without IPsec information, passed down untouched.
    pub send_passed: AtomicU64,
    /// Send NBLs protected (their copies sent down).
    pub send_protected_nbls: AtomicU64,
    /// Send packets (NET_BUFFERs) protected.
    pub send_packets: AtomicU64,
    /// Bytes of those packets (frames as sent).
    pub send_bytes: AtomicU64,
    /// Send NBLs completed with an error, by [`SendDrop::bucket`].
    pub send_drops: [AtomicU64; SendDrop::BUCKETS],
    /// Received NBLs indicated without IPsec processing (not IPsec, no SA, unparsable).
    pub recv_untouched: AtomicU64,
    /// Received IPsec packets with a known SA left unprocessed because the NBL is read-only or
    /// larger than the scratch buffer (TCP/IP then does the work in software).
    pub recv_not_processed: AtomicU64,
    /// Received packets whose checks all succeeded.
    pub recv_packets: AtomicU64,
    /// Bytes of those packets.
    pub recv_bytes: AtomicU64,
    /// Received packets whose check failed, by [`RecvFailure::bucket`].
    pub recv_failures: [AtomicU64; RecvFailure::BUCKETS],
    /// Receive indications carrying `SaDeleteReq`.
    pub recv_delete_requests: AtomicU64,
}

impl ModuleCounters {
    pub(crate) fn send_drop(&self, d: SendDrop) {
        if let Some(c) = self.send_drops.get(d.bucket()) {
            bump(c, 1);
        }
    }

    pub(crate) fn send_ok(&self, bytes: usize) {
        bump(&self.send_packets, 1);
        bump(&self.send_bytes, bytes);
    }

    pub(crate) fn recv_failure(&self, f: RecvFailure) {
        if let Some(c) = self.recv_failures.get(f.bucket()) {
            bump(c, 1);
        }
    }

    pub(crate) fn recv_ok(&self, bytes: usize) {
        bump(&self.recv_packets, 1);
        bump(&self.recv_bytes, bytes);
    }

    pub(crate) fn inc(c: &AtomicU64) {
        bump(c, 1);
    }

    /// A relaxed read of a counter.
    #[must_use]
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}
