//! The control device's IOCTL protocol, shared by the driver and user mode (`no_std`).
//!
//! - [`codes`]: the IOCTL codes (`CTL_CODE(FILE_DEVICE_NETWORK, 0x900 + n, METHOD_BUFFERED,
//!   FILE_ANY_ACCESS)`; the device is SYSTEM + Administrators only) and their families.
//! - [`wire`]: the fixed-layout little-endian framing, bounds-checked readers and a writer that
//!   never exceeds the caller's output length.
//! - [`request`]: the driver-side decoder, validating every field into borrowed typed requests
//!   without allocating.
//! - [`response`]: the response encoders (sizes computed before anything is written).
//! - [`dispatch`]: the dispatcher onto the control plane: a failed request changes nothing; the
//!   inverted call for events (a bounded queue of pending requests that counts what it refused);
//!   the test family gated by the adapter's keyword.
//! - [`module_stats`]: the record the test family's `TestModuleStats` is answered with.
//! - [`client`]: user-mode builders of requests and the response header parser; [`reply`]: typed
//!   reading of response bodies.
//!
//! The message table is in docs/control-plane.md.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod client;
pub mod codes;
pub mod dispatch;
pub mod error;
pub mod module_stats;
pub mod reply;
pub mod request;
pub mod response;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

pub use codes::{Family, Ioctl};
pub use dispatch::{Completion, Dispatcher, DispatcherConfig};
pub use error::{DispatchError, Fault, Field};
pub use request::{decode, Request, TestRequest};
pub use wire::{PROTOCOL_VERSION, RESPONSE_HEADER_LEN};
