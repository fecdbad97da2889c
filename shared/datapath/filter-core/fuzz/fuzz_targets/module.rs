//! Module-level operations on an emulated host; see `tests/fuzzing/module.rs`.
//! The harness (and its invariants) is shared with the corpus replay test `tests/corpus.rs`.
#![no_main]

#[path = "../../tests/fuzzing/mod.rs"]
mod fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::module::run(data);
});
