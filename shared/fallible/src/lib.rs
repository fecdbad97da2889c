//! Fallible heap allocation for the crates that run in the kernel.
//!
//! Stable Rust has no fallible `Box::new` or `Arc::new`: both abort when the allocator returns
//! null, and in a kernel driver an abort is a bug check. This crate gives the ADD_SA path (and
//! any other code that allocates in the driver) constructors whose failure is an
//! [`AllocError`] to report upward:
//!
//! * [`try_box`]: `Box::new` that returns `Err(AllocError)` instead of aborting;
//! * [`TryArc`]: an atomically reference-counted pointer with [`TryArc::try_new`] and
//!   [`Weak`] references; the drop order and memory orderings are those of `alloc::sync::Arc`
//!   (release decrement, acquire fence before freeing). Under `cfg(loom)` its atomics are
//!   loom's, so the SA table's loom models exercise this reference counting.
//!
//! This is one of the few crates allowed `unsafe` (docs/architecture.md): raw allocation,
//! `Box::from_raw` and the pointer of the reference count. Each unsafe block is one operation
//! with its reason. Tested by unit tests, loom models (`tests/loom.rs`) and the ASan step of the
//! test command.
#![no_std]

extern crate alloc;

mod arc;
mod boxed;

pub use arc::{TryArc, Weak};
pub use boxed::try_box;

/// The allocator returned null: the request is refused, nothing was allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocError;

impl core::fmt::Display for AllocError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("memory allocation failed")
    }
}
