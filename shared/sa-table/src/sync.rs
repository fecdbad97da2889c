//! Synchronisation primitives used by the table: `core`'s normally, loom's under `cfg(loom)`.
//!
//! Callers build the SA payload as [`Arc`] from this module (re-exported at the crate root):
//! `ipsecov2_fallible::TryArc`, whose `try_new` reports allocation failure instead of aborting
//! (the ADD_SA path must not bug-check) and whose atomics are loom's under `cfg(loom)`, so that
//! the loom models exercise the same reference counting the datapath uses.

pub use ipsecov2_fallible::TryArc as Arc;

#[cfg(not(loom))]
pub use core::sync::atomic;

#[cfg(loom)]
pub use loom::sync::atomic;
