//! A chain of 1..8 received frames through `FilterCore::receive`; see `tests/fuzzing/receive.rs`.
//! The harness (and its invariants) is shared with the corpus replay test `tests/corpus.rs`.
#![no_main]

#[path = "../../tests/fuzzing/mod.rs"]
mod fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::receive::run(data);
});
