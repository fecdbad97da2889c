//! The record a `TestModuleStats` request is answered with: a filter module's state, the SA
//! bundles in its table, its enabled offloads and every counter of it, as the driver keeps them
//! (`ipsecov2_filter_core::ModuleStats` without the per-SA part). The driver encodes it
//! ([`ModuleStatsRecord::encode`], into the caller's buffer, no allocation); a test tool reads
//! it back ([`read`]).
//!
//! Layout (little endian): state, SA count, enabled offloads, the number of scalar counters
//! ([`COUNTS`]), of send-drop buckets and of receive-failure buckets (u32 each); then the scalar
//! counters in [`ModuleCounts`] order, the send-drop buckets and the receive-failure buckets
//! (u64 each). The buckets are the filter core's `SendDrop::bucket` / `RecvFailure::bucket`
//! rows.

use alloc::vec::Vec;

use crate::error::{Fault, Field};
use crate::wire::{Reader, Writer};

/// Most buckets of either kind a record may carry.
pub const MAX_BUCKETS: usize = 64;
/// Scalar counters in a record.
pub const COUNTS: usize = 17;
/// Bytes before the counters.
const PREFIX_LEN: usize = 24;

/// A filter module's state (the filter core's `FilterState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModuleState {
    /// `FilterAttach` is running.
    Attaching = 0,
    /// Attached, no data flows.
    Paused = 1,
    /// `FilterRestart` is running.
    Restarting = 2,
    /// Data flows.
    Running = 3,
    /// `FilterPause` returned pending; waiting for outstanding NBLs.
    Pausing = 4,
    /// Detached.
    Detached = 5,
}

impl ModuleState {
    /// The state of a wire value.
    #[must_use]
    pub const fn from_u32(v: u32) -> Option<Self> {
        Some(match v {
            0 => Self::Attaching,
            1 => Self::Paused,
            2 => Self::Restarting,
            3 => Self::Running,
            4 => Self::Pausing,
            5 => Self::Detached,
            _ => return None,
        })
    }
}

/// The scalar counters of a module, in wire order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleCounts {
    /// Send NBLs passed down and not yet completed.
    pub sends_outstanding: u64,
    /// Receive NBLs indicated up and not yet returned.
    pub receives_outstanding: u64,
    /// Send NBLs passed down untouched.
    pub send_passed: u64,
    /// Send NBLs protected.
    pub send_protected_nbls: u64,
    /// Send packets protected.
    pub send_packets: u64,
    /// Bytes of those packets.
    pub send_bytes: u64,
    /// Received NBLs untouched.
    pub recv_untouched: u64,
    /// Received IPsec packets left to TCP/IP.
    pub recv_not_processed: u64,
    /// Received packets verified.
    pub recv_packets: u64,
    /// Bytes of those packets.
    pub recv_bytes: u64,
    /// Receive indications carrying `SaDeleteReq`.
    pub recv_delete_requests: u64,
    /// Send NBLs completed with `NDIS_STATUS_PAUSED`.
    pub send_paused: u64,
    /// Receive NBLs handed back because the module was not running.
    pub recv_returned_paused: u64,
    /// Receive NBLs dropped because the module was not running.
    pub recv_dropped_paused: u64,
    /// Calls NDIS should not have made in the module's state.
    pub state_errors: u64,
    /// OIDs answered by the filter itself.
    pub oids_answered: u64,
    /// OIDs passed down.
    pub oids_passed_down: u64,
}

impl ModuleCounts {
    fn to_array(self) -> [u64; COUNTS] {
        [
            self.sends_outstanding,
            self.receives_outstanding,
            self.send_passed,
            self.send_protected_nbls,
            self.send_packets,
            self.send_bytes,
            self.recv_untouched,
            self.recv_not_processed,
            self.recv_packets,
            self.recv_bytes,
            self.recv_delete_requests,
            self.send_paused,
            self.recv_returned_paused,
            self.recv_dropped_paused,
            self.state_errors,
            self.oids_answered,
            self.oids_passed_down,
        ]
    }

    fn from_array(a: [u64; COUNTS]) -> Self {
        let [sends_outstanding, receives_outstanding, send_passed, send_protected_nbls, send_packets, send_bytes, recv_untouched, recv_not_processed, recv_packets, recv_bytes, recv_delete_requests, send_paused, recv_returned_paused, recv_dropped_paused, state_errors, oids_answered, oids_passed_down] =
            a;
        Self {
            sends_outstanding,
            receives_outstanding,
            send_passed,
            send_protected_nbls,
            send_packets,
            send_bytes,
            recv_untouched,
            recv_not_processed,
            recv_packets,
            recv_bytes,
            recv_delete_requests,
            send_paused,
            recv_returned_paused,
            recv_dropped_paused,
            state_errors,
            oids_answered,
            oids_passed_down,
        }
    }
}

/// Enabled offloads, as the two keywords' values (0 none, 1 AH, 2 ESP, 3 both): `IPsecV2` in
/// bits 0-7, `IPsecV2IPv4` in bits 8-15.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enabled {
    /// IPv4 and IPv6.
    pub ipsec_v2: u8,
    /// IPv4 only.
    pub ipsec_v2_ipv4: u8,
}

/// A module's statistics as the driver encodes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModuleStatsRecord<'a> {
    /// The module's state.
    pub state: ModuleState,
    /// SA bundles in its table.
    pub sa_count: u32,
    /// Enabled offloads.
    pub enabled: Enabled,
    /// The scalar counters.
    pub counts: ModuleCounts,
    /// Send drops by bucket.
    pub send_drops: &'a [u64],
    /// Receive failures by bucket.
    pub recv_failures: &'a [u64],
}

fn n32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl ModuleStatsRecord<'_> {
    /// Its encoded length.
    #[must_use]
    pub fn len(&self) -> usize {
        PREFIX_LEN + 8 * (COUNTS + self.send_drops.len() + self.recv_failures.len())
    }

    /// Never empty (kept for the `len` convention).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Encodes the record at the start of `out`; the bytes written, or `Err(needed)` when it
    /// does not fit or a bucket array is longer than [`MAX_BUCKETS`] (`Err(0)`).
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, usize> {
        if self.send_drops.len() > MAX_BUCKETS || self.recv_failures.len() > MAX_BUCKETS {
            return Err(0);
        }
        let needed = self.len();
        if out.len() < needed {
            return Err(needed);
        }
        let mut w = Writer::new(out);
        w.u32(self.state as u32)?;
        w.u32(self.sa_count)?;
        w.u32(u32::from(self.enabled.ipsec_v2) | u32::from(self.enabled.ipsec_v2_ipv4) << 8)?;
        w.u32(n32(COUNTS))?;
        w.u32(n32(self.send_drops.len()))?;
        w.u32(n32(self.recv_failures.len()))?;
        for v in self
            .counts
            .to_array()
            .into_iter()
            .chain(self.send_drops.iter().copied())
            .chain(self.recv_failures.iter().copied())
        {
            w.u64(v)?;
        }
        Ok(w.position())
    }
}

/// A module's statistics as a test tool reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleStatsReply {
    /// The module's state.
    pub state: ModuleState,
    /// SA bundles in its table.
    pub sa_count: u32,
    /// Enabled offloads.
    pub enabled: Enabled,
    /// The scalar counters.
    pub counts: ModuleCounts,
    /// Send drops by bucket.
    pub send_drops: Vec<u64>,
    /// Receive failures by bucket.
    pub recv_failures: Vec<u64>,
}

fn u64_at(r: &Reader<'_>, at: usize) -> Result<u64, Fault> {
    Ok(u64::from(r.u32(at)?) | (u64::from(r.u32(at + 4)?) << 32))
}

fn bucket_count(r: &Reader<'_>, at: usize) -> Result<usize, Fault> {
    usize::try_from(r.u32(at)?)
        .ok()
        .filter(|&n| n <= MAX_BUCKETS)
        .ok_or(Fault::CountTooLarge(Field::Body))
}

/// Reads a record (the test response's data bytes); every count and the length are checked.
pub fn read(bytes: &[u8]) -> Result<ModuleStatsReply, Fault> {
    let r = Reader::new(bytes);
    let state = ModuleState::from_u32(r.u32(0)?).ok_or(Fault::BadEnum(Field::Body))?;
    let enabled = r.u32(8)?;
    if enabled >> 16 != 0 {
        return Err(Fault::ReservedNotZero(Field::Body));
    }
    if r.u32(12)? != n32(COUNTS) {
        return Err(Fault::CountMismatch(Field::Body));
    }
    let drops = bucket_count(&r, 16)?;
    let failures = bucket_count(&r, 20)?;
    if bytes.len() != PREFIX_LEN + 8 * (COUNTS + drops + failures) {
        return Err(Fault::LengthMismatch);
    }
    let at = |i: usize| PREFIX_LEN + 8 * i;
    let mut counts = [0u64; COUNTS];
    for (i, c) in counts.iter_mut().enumerate() {
        *c = u64_at(&r, at(i))?;
    }
    let list = |from: usize, n: usize| -> Result<Vec<u64>, Fault> {
        (from..from + n).map(|i| u64_at(&r, at(i))).collect()
    };
    Ok(ModuleStatsReply {
        state,
        sa_count: r.u32(4)?,
        enabled: Enabled {
            ipsec_v2: (enabled & 0xFF) as u8,
            ipsec_v2_ipv4: (enabled >> 8) as u8,
        },
        counts: ModuleCounts::from_array(counts),
        send_drops: list(COUNTS, drops)?,
        recv_failures: list(COUNTS + drops, failures)?,
    })
}
