//! The counters of a filter module and their snapshots. One naming scheme: `XxxCounters` are
//! live relaxed atomics updated from any processor ([`DatapathCounters`] by the send and receive
//! paths, [`ModuleCounters`] by the module's state gating and OID routing, and
//! `ipsecov2_offload_sa::SaCounters` per SA); `XxxStats` are plain copies taken for the control
//! plane ([`ModuleStats`], [`SaStats`], built by `FilterModule::snapshot`).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::config::OffloadEnable;
use crate::error::{RecvFailure, SendDrop};
use crate::state::FilterState;

fn bump(c: &AtomicU64, by: usize) {
    c.fetch_add(u64::try_from(by).unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// Datapath counters of one filter module (kept in its `FilterCore`), updated with relaxed
/// atomics from any processor.
#[derive(Debug, Default)]
pub struct DatapathCounters {
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

impl DatapathCounters {
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

/// Module-level counters of the state gating and control plane (the datapath ones are
/// [`crate::DatapathCounters`]).
#[derive(Debug, Default)]
pub struct ModuleCounters {
    /// Send NBLs completed with `NDIS_STATUS_PAUSED` (module not running).
    pub send_paused: AtomicU64,
    /// Receive NBLs handed back to the miniport because the module was not running.
    pub recv_returned_paused: AtomicU64,
    /// Receive NBLs dropped (`NDIS_RECEIVE_FLAGS_RESOURCES`) because the module was not running.
    pub recv_dropped_paused: AtomicU64,
    /// Calls NDIS should not have made in the state the module was in
    /// ([`crate::state::StateError`]).
    pub state_errors: AtomicU64,
    /// OIDs answered by the filter itself.
    pub oids_answered: AtomicU64,
    /// OIDs passed down.
    pub oids_passed_down: AtomicU64,
    /// Offload status indications rewritten.
    pub offload_indications: AtomicU64,
}

/// Counters of one SA bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaStats {
    /// Offload handle.
    pub handle: u64,
    /// Inbound SA.
    pub inbound: bool,
    /// ESP SPI.
    pub esp_spi: Option<u32>,
    /// AH SPI.
    pub ah_spi: Option<u32>,
    /// Packets processed successfully.
    pub packets: u64,
    /// Bytes of those packets.
    pub octets: u64,
    /// Authentication failures.
    pub auth_failures: u64,
    /// Other drops.
    pub other_drops: u64,
}

/// A copy of every counter of a module, for the control plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleStats {
    /// State.
    pub state: FilterState,
    /// Send NBLs passed down and not yet completed.
    pub sends_outstanding: u64,
    /// Receive NBLs indicated up and not yet returned.
    pub receives_outstanding: u64,
    /// Enabled offloads.
    pub enable: OffloadEnable,
    /// Send NBLs passed down untouched.
    pub send_passed: u64,
    /// Send NBLs protected.
    pub send_protected_nbls: u64,
    /// Send packets protected.
    pub send_packets: u64,
    /// Bytes of those packets.
    pub send_bytes: u64,
    /// Send drops by [`SendDrop::bucket`] (names: [`SendDrop::bucket_name`]).
    pub send_drops: [u64; SendDrop::BUCKETS],
    /// Received NBLs untouched.
    pub recv_untouched: u64,
    /// Received IPsec packets left to TCP/IP (read-only, too large).
    pub recv_not_processed: u64,
    /// Received packets verified.
    pub recv_packets: u64,
    /// Bytes of those packets.
    pub recv_bytes: u64,
    /// Receive failures by [`RecvFailure::bucket`].
    pub recv_failures: [u64; RecvFailure::BUCKETS],
    /// Receive indications carrying `SaDeleteReq`.
    pub recv_delete_requests: u64,
    /// See [`ModuleCounters::send_paused`].
    pub send_paused: u64,
    /// See [`ModuleCounters::recv_returned_paused`].
    pub recv_returned_paused: u64,
    /// See [`ModuleCounters::recv_dropped_paused`].
    pub recv_dropped_paused: u64,
    /// See [`ModuleCounters::state_errors`].
    pub state_errors: u64,
    /// See [`ModuleCounters::oids_answered`].
    pub oids_answered: u64,
    /// See [`ModuleCounters::oids_passed_down`].
    pub oids_passed_down: u64,
    /// Per-SA counters, in table order.
    pub sas: Vec<SaStats>,
}
