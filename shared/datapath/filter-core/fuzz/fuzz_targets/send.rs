//! A chain of send NBLs through `FilterCore::send`; see `tests/fuzzing/send.rs`.
//! The harness (and its invariants) is shared with the corpus replay test `tests/corpus.rs`.
#![no_main]

#[path = "../../tests/fuzzing/mod.rs"]
mod fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::send::run(data);
});
