//! The portable core of the IPsecOV2 software-offload NDIS lightweight filter.
//!
//! * [`caps`]: the `NDIS_IPSEC_OFFLOAD_V2` the filter reports, and the miniport's `NDIS_OFFLOAD`
//!   with it filled in.
//! * [`FilterCore::oid`]: the four IPsecOV2 OIDs, answered with `ipsecov2-oid` over the module's
//!   [`OffloadSas`].
//! * [`FilterCore::send`]: protects the NET_BUFFERs of NBLs carrying IPsecOV2 information into
//!   filter-owned buffers ([`pool`]), passes the others down, completes the failures.
//! * [`FilterCore::receive`]: verifies and decrypts received IPsec packets of offloaded inbound
//!   SAs in place and sets the IPsecOV2 receive information.
//! * [`module`]: one filter module over a [`FilterCore`]: the [`state`] machine, outstanding-NBL
//!   accounting, OID routing (with [`oid_clone`] in the shell), offload parameters and
//!   keywords ([`config`]), capability rewriting, driven through the [`module::NdisPort`] trait
//!   of the NDIS calls a filter makes.
//!
//! `no_std` + `alloc`, no `unsafe` (the NBL/MDL walking lives in `ipsecov2-nbl`), no heap
//! allocation per packet, no panic reachable from a packet or OID. See `docs/filter-core.md`.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod caps;
pub mod config;
pub mod counters;
pub mod error;
pub mod frame;
pub mod module;
pub mod oid_clone;
pub mod pool;
pub mod recv;
pub mod send;
pub mod state;

use core::sync::atomic::{AtomicU64, Ordering};

use ipsecov2_abi::*;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_oid::{
    BackendError, Bundle, InfoBuffer, IpVersion, IpsecProtocol, SaBackend, SaSpec, SetCompletion,
    UpdateError,
};
use ipsecov2_satable::{OffloadHandle, SaLock, TableState};

pub use caps::{ipsec_v2_capabilities, with_ipsec_v2, CapabilityConfig};
pub use config::{IpsecOffloadSetting, OffloadEnable};
pub use counters::{DatapathCounters, ModuleCounters, ModuleStats, SaStats};
pub use error::{Layer, RecvFailure, SendDrop};
pub use frame::FrameError;
#[cfg(feature = "std")]
pub use pool::{HostTxBuffer, HostTxPool};
pub use pool::{TxBuffer, TxPool};
pub use recv::{RecvOutcome, RecvReport};
pub use send::SendSink;

/// Outbound SAs whose IV or sequence space ran out, remembered (bounded) until their pair is
/// deleted, so that the next packet received on the matching inbound SA carries `SaDeleteReq`
/// (the managing-SAs page: TCP/IP then deletes the inbound SA and the outbound SA).
#[derive(Debug, Default)]
pub struct DeleteRequests {
    handles: [AtomicU64; DeleteRequests::SLOTS],
}

impl DeleteRequests {
    /// How many exhausted outbound SAs can be pending at once (more are dropped: the next
    /// failing send records them again).
    pub const SLOTS: usize = 8;

    fn note_exhausted(&self, handle: u64) {
        if self
            .handles
            .iter()
            .any(|h| h.load(Ordering::Relaxed) == handle)
        {
            return;
        }
        for h in &self.handles {
            if h.compare_exchange(0, handle, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Whether a pending exhausted outbound SA pairs with the inbound SA `sa` (its source is
    /// `sa`'s destination and vice versa). Entries whose SA is gone are cleared.
    fn requested_for<L: SaLock<TableState<OffloadSa>>>(
        &self,
        core: &FilterCore<L>,
        sa: &OffloadSa,
    ) -> bool {
        let mut found = false;
        for h in &self.handles {
            let v = h.load(Ordering::Acquire);
            if v == 0 {
                continue;
            }
            match OffloadHandle::from_u64(v).and_then(|oh| core.sas.table().get(oh)) {
                None => {
                    let _ = h.compare_exchange(v, 0, Ordering::AcqRel, Ordering::Relaxed);
                }
                Some(out) => {
                    if out.destination == sa.source && out.source == sa.destination {
                        found = true;
                    }
                }
            }
        }
        found
    }

    /// Outbound handles currently pending deletion.
    pub fn pending(&self) -> impl Iterator<Item = u64> + '_ {
        self.handles
            .iter()
            .map(|h| h.load(Ordering::Relaxed))
            .filter(|&v| v != 0)
    }
}

/// What the receive path learned about the mode of inbound SAs: ESP hides whether a packet is
/// tunnel or transport mode until it is decrypted, so an ESP authentication failure can only be
/// reported as `CRYPTO_TUNNEL_ESP_AUTH_FAILED` for an SA already seen carrying tunnel traffic.
/// A small direct-mapped cache (no allocation, no lock); a miss or a torn entry reads as
/// "transport", which only affects the failure code reported.
#[derive(Debug)]
pub struct ModeCache {
    handles: [AtomicU64; ModeCache::SLOTS],
    tags: [AtomicU64; ModeCache::SLOTS],
}

impl Default for ModeCache {
    fn default() -> Self {
        Self {
            handles: core::array::from_fn(|_| AtomicU64::new(0)),
            tags: core::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl ModeCache {
    /// Number of entries.
    pub const SLOTS: usize = 64;

    fn slot(handle: u64) -> usize {
        // SLOTS is a power of two: the low bits of the handle spread well (the table's handles
        // are keyed and generation-tagged).
        usize::try_from(handle % Self::SLOTS as u64).unwrap_or(0)
    }

    fn tag(handle: u64, tunnel: bool) -> u64 {
        (handle << 1) | u64::from(tunnel)
    }

    /// Records the mode of inbound SA `handle`.
    pub fn learn(&self, handle: u64, tunnel: bool) {
        let i = Self::slot(handle);
        if let (Some(h), Some(t)) = (self.handles.get(i), self.tags.get(i)) {
            h.store(handle, Ordering::Relaxed);
            t.store(Self::tag(handle, tunnel), Ordering::Relaxed);
        }
    }

    /// Whether inbound SA `handle` was last seen carrying tunnel-mode traffic.
    #[must_use]
    pub fn tunnel(&self, handle: u64) -> bool {
        let i = Self::slot(handle);
        match (self.handles.get(i), self.tags.get(i)) {
            (Some(h), Some(t)) => {
                h.load(Ordering::Relaxed) == handle
                    && t.load(Ordering::Relaxed) == Self::tag(handle, true)
            }
            _ => false,
        }
    }
}

/// The IPsec part of one filter module, without NDIS state: its offloaded SAs (over the SA
/// table lock `L`), the IPsecOV2 OIDs that fill them ([`FilterCore::oid`]), the send and receive
/// paths that use them ([`FilterCore::send`], [`FilterCore::receive`]), and what those paths
/// remember (datapath counters, pending SA delete requests, learned SA modes). The
/// [`module::FilterModule`] owns one and adds the state machine and OID routing; tests and
/// benches drive it directly.
pub struct FilterCore<L> {
    sas: OffloadSas<L>,
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

    /// Answers the four IPsecOV2 OIDs (`OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`, `_ADD_SA_EX`,
    /// `_DELETE_SA`, `_UPDATE_SA`) with how the request completes; `None` for every other OID,
    /// which the driver passes down. They are set requests: any other request type completes
    /// with `NDIS_STATUS_NOT_SUPPORTED`. Allocates (decoding, SA preparation): OID path only.
    pub fn oid(
        &self,
        oid: NDIS_OID,
        request_type: NDIS_REQUEST_TYPE,
        buf: &mut InfoBuffer<'_>,
    ) -> Option<SetCompletion> {
        self.oid_enabled(oid, request_type, buf, &OffloadEnable::ALL)
    }

    /// [`FilterCore::oid`] with only what `enable` allows offloaded: an ADD_SA / ADD_SA_EX
    /// element whose family and protocols `enable` does not allow gets a NULL handle
    /// (`BackendError::Unsupported`); with everything disabled no SA can be added.
    pub fn oid_enabled(
        &self,
        oid: NDIS_OID,
        request_type: NDIS_REQUEST_TYPE,
        buf: &mut InfoBuffer<'_>,
        enable: &OffloadEnable,
    ) -> Option<SetCompletion> {
        let ours = matches!(
            oid,
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA
                | OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX
                | OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA
                | OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA
        );
        if !ours {
            return None;
        }
        if request_type != NdisRequestSetInformation {
            return Some(SetCompletion {
                status: NDIS_STATUS_NOT_SUPPORTED,
                bytes_read: 0,
                bytes_needed: 0,
            });
        }
        let backend = Gated {
            sas: &self.sas,
            enable: *enable,
        };
        Some(match oid {
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA => {
                ipsecov2_oid::set_add_sa(buf, &backend).completion
            }
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX => {
                ipsecov2_oid::set_add_sa_ex(buf, &backend).completion
            }
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA => {
                ipsecov2_oid::set_delete_sa(buf, &backend).completion
            }
            _ => ipsecov2_oid::set_update_sa(buf, &backend).completion,
        })
    }
}

/// The module's SAs behind the enabled-offload check of ADD_SA.
struct Gated<'s, L> {
    sas: &'s OffloadSas<L>,
    enable: OffloadEnable,
}

impl<L: SaLock<TableState<OffloadSa>>> SaBackend for Gated<'_, L> {
    fn add(&self, sa: &SaSpec<'_>) -> Result<core::num::NonZeroU64, BackendError> {
        let v6 = sa.destination.version == IpVersion::V6;
        let (ah, esp) = match sa.bundle {
            Bundle::Esp(_) => (false, true),
            Bundle::Ah(_) => (true, false),
            Bundle::EspAh { .. } => (true, true),
        };
        if !self.enable.allows(v6, ah, esp) {
            return Err(BackendError::Unsupported);
        }
        self.sas.add(sa)
    }

    fn delete(&self, handle: u64) -> bool {
        self.sas.delete(handle)
    }

    fn update_sequence_high(
        &self,
        handle: u64,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError> {
        self.sas
            .update_sequence_high(handle, protocol, spi, seq_high)
    }
}
