//! The portable core of the IPsecOV2 software-offload NDIS lightweight filter.
//!
//! * [`module::FilterModule`]: one filter module, driven by the driver's filter callbacks
//!   through the [`module::NdisPort`] trait of the NDIS calls a filter makes: the
//!   [`state::StateMachine`], outstanding-NBL accounting, OID routing (with [`oid_clone`] in the
//!   shell), offload parameters and keywords ([`config`]), capability rewriting; it owns a
//!   [`FilterCore`].
//! * [`FilterCore`]: the IPsec part of one filter module: its offloaded SAs and
//!   * [`FilterCore::oid`] (`oid.rs`): the four IPsecOV2 OIDs, answered with `ipsecov2-oid`;
//!   * [`FilterCore::send`] ([`send`]): protects the NET_BUFFERs of NBLs carrying IPsecOV2
//!     information into filter-owned buffers ([`pool`]), passes the others down, completes the
//!     failures;
//!   * [`FilterCore::receive`] ([`recv`]): verifies and decrypts received IPsec packets of
//!     offloaded inbound SAs in place and sets the IPsecOV2 receive information.
//! * [`caps`]: the `NDIS_IPSEC_OFFLOAD_V2` the filter reports, and the miniport's `NDIS_OFFLOAD`
//!   with it filled in.
//! * [`counters`]: live counters (`XxxCounters`) and their snapshots (`XxxStats`); [`error`]:
//!   the typed drop and failure reasons.
//!
//! `no_std` + `alloc`, no `unsafe` (the NBL/MDL walking lives in `ipsecov2-nbl`), no heap
//! allocation per packet, no panic reachable from a packet or OID. See `docs/filter-core.md`,
//! and `docs/architecture.md` for one packet's path hop by hop.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod caps;
pub mod checksum;
pub mod config;
pub mod counters;
pub mod error;
mod filter_core;
pub mod frame;
pub mod module;
mod oid;
pub mod oid_clone;
pub mod pool;
pub mod recv;
pub mod send;
mod send_batch;
pub mod state;
pub mod wide;

pub use caps::{ipsec_v2_capabilities, with_ipsec_v2, CapabilityConfig};
pub use config::{IpsecOffloadSetting, OffloadEnable};
pub use counters::{DatapathCounters, ModuleCounters, ModuleStats, SaStats};
pub use error::{Layer, RecvFailure, SendDrop};
pub use filter_core::FilterCore;
pub use frame::FrameError;
#[cfg(feature = "std")]
pub use module::HostModule;
pub use module::{FilterModule, ModuleConfig, NdisPort};
#[cfg(feature = "std")]
pub use pool::{HostTxBuffer, HostTxPool};
pub use pool::{TxBuffer, TxPool};
pub use recv::{RecvOutcome, RecvReport, CHAIN_WARM_MIN_SAS};
pub use send::SendSink;
pub use state::{FilterState, StateMachine};
pub use wide::{ExtendedStateSave, WIDE_MIN_NBLS};
