//! The clone-and-forward OID bookkeeping: moved into the portable filter core
//! (`ipsecov2_filter_core::oid_clone`); re-exported here so the shell keeps its paths.

pub use ipsecov2_filter_core::oid_clone::*;
