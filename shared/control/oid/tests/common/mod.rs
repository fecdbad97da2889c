//! Test support: builders of IPsecOV2 OID buffers laid out exactly as ndis.h lays them out, and
//! an `SaBackend` over the real SA table.
#![allow(dead_code)]

pub mod backend;
pub mod build;
pub mod harness;
