//! Binary interface of NDIS IPsec offload version 2: `#[repr(C)]` mirrors of the ndis.h /
//! ntddndis.h structures and constants that an NDIS 6.80 lightweight filter implementing IPsecOV2
//! in software needs.
//!
//! * Type, field and constant names are exactly those of the Windows headers (hence the
//!   `non_camel_case_types`/`non_snake_case`/`non_upper_case_globals` allowances).
//! * Anonymous C members get a field named `Anonymous`/`Anonymous1`/`Anonymous2` and a type named
//!   `<Parent>_Anonymous…`; named nested members get a type named `<Parent>_<Member>`
//!   (e.g. [`NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit`]).
//! * C bit fields are stored in a plain integer (`Bitfield`, or the tuple field of the transparent
//!   NBL-info wrappers) and exposed through `const` getters/setters named after the field in
//!   snake case (`receive_crypto_status()`, `set_transmit_pad_length(..)`, …).
//! * Enums are `pub type X = i32` plus `pub const` values; `NDIS_STATUS`/`NTSTATUS` are `i32`.
//! * `NDIS_SIZEOF_*` constants are `u16` (the type of `NDIS_OBJECT_HEADER::Size`).
//! * Layouts are checked at compile time against the x64 numbers of the reference files; those
//!   checks (and the `NET_BUFFER*` family and the pointer-size dependent `NDIS_SIZEOF_*` values)
//!   exist only on 64-bit targets.
//!
//! The crate is `no_std`, has no dependencies and contains no `unsafe` code. Reading a field of
//! a Rust `union` mirror (e.g. `NET_BUFFER_LIST::Anonymous2.Status`) needs `unsafe` in the caller.
#![no_std]
#![forbid(unsafe_code)]
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

mod bits;
pub mod ipsec;
pub mod nbl;
pub mod offload;
pub mod oid;
pub mod status;
pub mod types;

pub use ipsec::*;
pub use nbl::*;
pub use offload::*;
pub use oid::*;
pub use status::*;
pub use types::*;
