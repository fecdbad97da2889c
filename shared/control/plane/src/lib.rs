//! The NPF IPsec Service API (`../shared/seeds/002_*`, sections 5 and 6) as a synchronous,
//! I/O-free core: SPDs bound to the filter's interfaces, policies with priorities, actions and
//! selector arrays, a packet lookup, SA bundles installed in the datapath's SA table (the same
//! `OffloadSa`/`SaTable` the OID path uses), SPI reservation, statistics, lifetimes and the event
//! queue.
//!
//! Each operation of [`ControlPlane`] is one of the agreement's functions done synchronously:
//! it returns what the asynchronous callback would carry, or the [`PlaneError`] whose
//! [`PlaneError::code`] is the agreement's 600-based code. A refused operation changes nothing;
//! batch operations are all or nothing. Every table has a configured maximum ([`Limits`]) and all
//! allocation is fallible (`try_reserve`): running out is `NPF_IPSEC_E_NOMEMORY`, never a crash.
//! The model, the limits and the decisions where the agreement is silent are in
//! docs/control-plane.md.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod config;
pub mod datapath;
pub mod error;
pub mod events;
pub mod lifetime;
mod lookup;
mod plane;
mod policy;
mod query;
pub mod sa;
pub mod selector;
mod slab;
mod spd;
mod spi;
pub mod stats;
pub mod types;

pub use config::Limits;
pub use datapath::SaStore;
pub use error::{PlaneError, NPF_IPSEC_BASE_ERR, NPF_NO_ERROR};
pub use events::{
    CryptoDropped, Event, EventCounters, EventKind, EventLimit, EventMask, EventQueue, RateLimit,
    EVENT_ALL_DISABLE, EVENT_ALL_ENABLE, MAX_EVENT_TYPES,
};
pub use lifetime::SaBundleStats;
pub use lookup::Verdict;
pub use plane::{ControlPlane, SaMeta};
pub use policy::{BatchFailure, PolicySpec};
pub use query::{PolicyView, SaView, SpdBindings, SpdIdentity};
pub use sa::SaAddRequest;
pub use stats::{DatapathCounters, GlobalStats, PolicyStats, SaStats, MAX_SIZE_REPLAY_WINDOW};
pub use types::*;
