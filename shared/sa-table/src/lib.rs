//! The offload SA table: generation-tagged offload handles, inbound (SPI, destination, protocol)
//! index, DISPATCH_LEVEL-safe concurrency.
//!
//! The table stores offloaded security associations for the IPsec task offload v2 filter. It
//! is generic over the SA payload `S` (which implements [`SaEntry`]) and over the lock `L`
//! (which implements [`SaLock`]); the kernel driver supplies an `EX_SPIN_LOCK`-based lock.
//! See `docs/sa-table.md` for the design and its invariants.
//!
//! ```
//! use ipsecov2_satable::{
//!     Arc, HostSaTable, InboundKey, InboundKeys, IpAddress, IpsecProtocol, SaEntry, TableSeed,
//! };
//!
//! struct Sa { key: InboundKey }
//! impl SaEntry for Sa {
//!     fn inbound_keys(&self) -> InboundKeys { InboundKeys::one(self.key) }
//! }
//!
//! let table: HostSaTable<Sa> = HostSaTable::with_capacity(64, TableSeed::from_bytes([7; 32])).unwrap();
//! let key = InboundKey::new(0x1234, IpAddress::v4([192, 0, 2, 1]), IpsecProtocol::Esp);
//! let handle = table.add(Arc::new(Sa { key })).unwrap();
//! assert!(table.get(handle).is_some());
//! assert_eq!(table.get_inbound(&key).map(|(h, _)| h), Some(handle));
//! let removed = table.delete(handle).unwrap(); // dropped by us, outside the lock
//! drop(removed);
//! assert!(table.get(handle).is_none());
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod handle;
mod hash;
mod key;
mod lock;
pub mod sync;
mod table;

pub use handle::{OffloadHandle, ZeroHandle};
pub use key::{
    AddressFamily, InboundKey, InboundKeys, IpAddress, IpsecProtocol, NotIpsecProtocol, SaEntry,
    MAX_KEYS_PER_SA,
};
#[cfg(loom)]
pub use lock::LoomRwLock;
pub use lock::SaLock;
#[cfg(feature = "std")]
pub use lock::StdRwLock;
pub use sync::Arc;
pub use table::{
    table_bytes, table_bytes_per_sa, AddError, AddRejected, InvariantViolation, ReplaceError,
    ReplaceRejected, SaTable, TableError, TableSeed, TableState, DEFAULT_CAPACITY, LOOKUP_BATCH,
    MAX_CAPACITY, SCAN_CHUNK,
};

/// The table with the host lock (`std::sync::RwLock`), for tests, benches and user-mode tools.
#[cfg(feature = "std")]
pub type HostSaTable<S> = SaTable<S, StdRwLock<TableState<S>>>;

/// The table with loom's `RwLock`, for the loom models.
#[cfg(loom)]
pub type LoomSaTable<S> = SaTable<S, LoomRwLock<TableState<S>>>;
