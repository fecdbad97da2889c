//! Ours (both tiers) against RustCrypto on random keys, nonces, AAD, lengths and offsets:
//! AES-GCM seal/open, GMAC, AES-CBC, HMAC-SHA1/256, AES-CBC + HMAC-SHA-256 stitched (seal,
//! open, a guessed ICV refused), multi-buffer CBC over mixed keys. Run with
//! `cargo +nightly fuzz run differential corpus/differential` in shared/crypto/fuzz.
#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::differential::run(data);
});
