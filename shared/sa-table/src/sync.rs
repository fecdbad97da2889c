//! Synchronisation primitives used by the table: `alloc`/`core` normally, loom's under `cfg(loom)`.
//!
//! Callers build the SA payload as [`Arc`] from this module (re-exported at the crate root), so
//! that the loom models exercise the same reference counting the datapath uses.

#[cfg(not(loom))]
pub use alloc::sync::Arc;
#[cfg(not(loom))]
pub use core::sync::atomic;

#[cfg(loom)]
pub use loom::sync::atomic;
#[cfg(loom)]
pub use loom::sync::Arc;
