//! The IPsecOV2 OID buffer builders live in the NDIS emulation crate, shared with the filter
//! core's tests and the HLK-style tool.

pub use ipsecov2_ndis_emu::oid_buffers::*;
