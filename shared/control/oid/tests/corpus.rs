//! Replays the cargo-fuzz corpus (fuzz/corpus/oid_set) through the same harness as the fuzz
//! target, so every input the fuzzer ever kept is a regression test of the normal test run.
#![cfg(test)]

mod common;

#[test]
fn fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/oid_set");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        common::harness::run(&data);
        count += 1;
    }
    // The seed corpus alone has one input per OID and per rejection family.
    assert!(
        count >= 20,
        "corpus too small: {count} inputs in {}",
        dir.display()
    );
}
