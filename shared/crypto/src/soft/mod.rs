//! The portable implementation: the RustCrypto crates (`aes`, `ghash`), used where CPUID does
//! not offer the XMM tier. Their AES is fixsliced and their GHASH a constant-time portable
//! POLYVAL on such CPUs: no secret-dependent table lookups either.

pub(crate) mod aes;
pub(crate) mod cbc;
pub(crate) mod gcm;
