//! Test support: an `SaBackend` over the real SA table and the fuzz harness. The builders of
//! IPsecOV2 OID buffers laid out exactly as ndis.h lays them out are the NDIS emulation's
//! (`ipsecov2_ndis_emu::oid_buffers`), shared with the filter core's tests and the HLK tool.
#![allow(dead_code)]

pub mod backend;
pub mod harness;
pub mod rules;
