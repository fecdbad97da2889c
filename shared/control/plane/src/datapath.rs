//! The datapath the control plane installs its SAs in: the same SA table and engine as the OID
//! path. [`SaStore`] is the OID backend ([`ipsecov2_oid::SaBackend`]: prepare an `OffloadSa`
//! outside any lock, then `SaTable::add`) plus the per-SA counters the statistics read.

use core::sync::atomic::Ordering;

use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_oid::SaBackend;
use ipsecov2_satable::{OffloadHandle, SaLock, TableState};

use crate::stats::DatapathCounters;

/// Where SA bundles go: install and delete (the OID path's backend) and read their counters.
pub trait SaStore: SaBackend {
    /// The datapath's counters of the bundle installed under `handle`, if it is still there.
    fn counters(&self, handle: u64) -> Option<DatapathCounters>;
}

impl<L: SaLock<TableState<OffloadSa>>> SaStore for OffloadSas<L> {
    fn counters(&self, handle: u64) -> Option<DatapathCounters> {
        let handle = OffloadHandle::from_u64(handle)?;
        self.table().with_sa(handle, |sa| DatapathCounters {
            packets: sa.counters.packets.load(Ordering::Relaxed),
            octets: sa.counters.octets.load(Ordering::Relaxed),
            auth_failures: sa.counters.auth_failures.load(Ordering::Relaxed),
            other_drops: sa.counters.other_drops.load(Ordering::Relaxed),
        })
    }
}
