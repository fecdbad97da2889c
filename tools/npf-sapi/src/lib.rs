//! The NPF IPsec Service API (NPF Implementation Agreement rev 1.0, seed 002) for the IPsecOV2
//! software offload.
//!
//! * [`abi`] — `#[repr(C)]` mirrors of every type of `include/npf_ipsec_sapi.h` and
//!   `include/npf_base.h`, with the C names; their layouts are checked against gcc's by
//!   `tests/layout.rs`.
//! * [`c_abi`] — the 35 functions of the header, exported from the `cdylib`.
//! * [`model`], [`request`], [`error`] — the agreement's values, one request per asynchronous
//!   function with its completion, and the typed errors (600-based codes, synchronous returns).
//! * [`validate`] — what each function checks before anything is sent.
//! * [`service`] — the asynchronous face: registrations, completion callbacks, `errorReporting`,
//!   event handlers and masks, a worker thread.
//! * [`client`] — the blocking Rust face, one typed method per function.
//! * [`transport`] — how requests reach the control plane: in process (directly, or through
//!   the driver's IOCTL dispatcher) and, on Windows, `DeviceIoControl`.
//! * [`wfp`] — the WFP SA-context life cycle (seed 000) on top of the client.
//!
//! See `docs/npf-sapi.md` for the user documentation and `docs/npf-sapi-errata.md` for every
//! place where our header departs from the agreement's Appendix A.1 and why.
#![warn(missing_docs)]
// Only the C ABI (`c_abi`) reads raw pointers; it allows `unsafe_code` for itself.
#![deny(unsafe_code)]

pub mod abi;
pub mod c_abi;
pub mod client;
pub mod error;
pub mod model;
pub mod request;
pub mod service;
pub mod transport;
pub mod validate;
pub mod wfp;

pub use client::{CallError, CallResult, Client};
pub use error::{NpfError, SyncError, TransportError};
pub use request::{Done, Failure, Reply, Request};
pub use transport::Transport;
