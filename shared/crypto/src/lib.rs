//! The crypto core of the datapath: AES-GCM / GMAC, AES-CBC and HMAC-SHA1 / HMAC-SHA-256.
//!
//! Each key object picks its implementation once, when it is built, from CPUID
//! ([`cpu::Features::detect`]) and keeps it (an enum of implementations): on x86-64 with AES-NI,
//! PCLMULQDQ, SSSE3 and SSE4.1 the hand-scheduled XMM code of `x86` (8 blocks in flight,
//! CTR and GHASH stitched, aggregated reduction), elsewhere the RustCrypto crates (`soft`).
//! Only XMM registers are used: what kernel code may touch without saving the extended state.
//!
//! `unsafe` appears only in `x86`: calls of `#[target_feature]` functions (made only from the
//! variant that CPUID allowed), unaligned 16-byte loads and stores through references, and the
//! CPUID instruction; one operation per block, each with its reason. Per-packet functions never
//! allocate; the RustCrypto fallback schedules are boxed when a key is built.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

pub mod cbc;
pub mod cbc_hmac;
pub mod cpu;
pub mod error;
pub mod gcm;
pub mod ghash;
pub mod hmac;
pub mod section;
mod soft;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use cbc::{AesCbc, CbcDirection, CbcJob, CbcLane};
pub use cpu::{Features, Implementation};
pub use error::{CbcError, CbcHmacError, GcmError, KeyError, TagMismatch};
pub use gcm::AesGcm;
pub use ghash::GhashStream;

pub use hmac::{HashTier, Hmac, HmacSha1, HmacSha256, MacStream};
#[cfg(not(windows))]
pub use section::UserModeState;
pub use section::{ExtendedStateSave, ExtendedStateSection, NoSaver, SectionError, Wide, XmmOnly};
#[cfg(all(target_arch = "x86_64", not(windows)))]
pub use x86::wide::xsave::{XsaveError, XsaveSaved, XsaveState};
