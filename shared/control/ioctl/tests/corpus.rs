//! Replays the cargo-fuzz corpus (fuzz/corpus/ioctl) through the same harness as the fuzz
//! target, so every input the fuzzer kept is a regression test of the normal test run.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

#[test]
fn fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/ioctl");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        common::harness::run(&data);
        count += 1;
    }
    // The seed corpus alone has two inputs per IOCTL.
    assert!(
        count >= 2 * ipsecov2_ioctl::Ioctl::ALL.len(),
        "corpus too small: {count}"
    );
}
