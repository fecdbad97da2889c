//! The XMM tier: AES-NI, PCLMULQDQ, SSSE3 and SSE4.1 (x86-64 only).
//!
//! Every function that uses an extension is a safe `#[target_feature]` function; it is called
//! (one `unsafe` block per call, in the public types' dispatch) only from the variant that was
//! built after CPUID reported all of [`FEATURES`]. Inside, the intrinsics that take no pointer
//! are safe; the remaining `unsafe` blocks are the unaligned loads and stores of [`block`].
#![allow(unsafe_code)]

pub(crate) mod aes;
pub(crate) mod block;
pub(crate) mod cbc;
pub(crate) mod cbc_sha;
pub(crate) mod cpuid;
pub(crate) mod gcm;
pub(crate) mod ghash;
pub(crate) mod gmac;
pub(crate) mod sha256;
pub(crate) mod wide;
