//! Ours (both tiers) against RustCrypto on random keys, nonces, AAD, lengths and offsets:
//! AES-GCM seal/open, GMAC, AES-CBC, HMAC-SHA1/256. Run with
//! `cargo +nightly fuzz run differential corpus/differential` in shared/crypto/fuzz.
#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::differential::run(data);
});
