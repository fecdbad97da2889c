//! [`FilterCore`]: the IPsec part of one filter module. Its methods live with the path they
//! belong to: the IPsecOV2 OIDs in `oid.rs`, sends in [`crate::send`], receives in
//! [`crate::recv`].

use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_satable::{SaLock, TableState};

use crate::counters::DatapathCounters;
use crate::recv::{DeleteRequests, ModeCache};

/// The IPsec part of one filter module, without NDIS state: its offloaded SAs (over the SA
/// table lock `L`), the IPsecOV2 OIDs that fill them ([`FilterCore::oid`]), the send and receive
/// paths that use them ([`FilterCore::send`], [`FilterCore::receive`]), and what those paths
/// remember (datapath counters, pending SA delete requests, learned SA modes). The
/// [`crate::module::FilterModule`] owns one and adds the state machine and OID routing; tests and
/// benches drive it directly.
pub struct FilterCore<L> {
    pub(crate) sas: OffloadSas<L>,
    /// Datapath counters.
    pub counters: DatapathCounters,
    /// Exhausted outbound SAs awaiting `SaDeleteReq`.
    pub delete_requests: DeleteRequests,
    /// Learned modes of inbound SAs (for failure codes).
    pub modes: ModeCache,
}

impl<L> core::fmt::Debug for FilterCore<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FilterCore")
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl<L: SaLock<TableState<OffloadSa>>> FilterCore<L> {
    /// The filter core of a module over an SA table created at attach.
    pub fn new(sas: OffloadSas<L>) -> Self {
        Self {
            sas,
            counters: DatapathCounters::default(),
            delete_requests: DeleteRequests::default(),
            modes: ModeCache::default(),
        }
    }

    /// The offloaded SAs.
    pub fn sas(&self) -> &OffloadSas<L> {
        &self.sas
    }
}
