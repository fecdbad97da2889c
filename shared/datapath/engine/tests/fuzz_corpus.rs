//! Replays the cargo-fuzz corpus (fuzz/corpus/inbound) through the same
//! harness as the fuzz target, so every input the fuzzer kept is a
//! regression test of the normal test run.
#![cfg(test)]

mod common;

#[test]
fn fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/inbound");
    let mut count = 0;
    let mut accepted = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        common::harness::run(&data);
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("valid_")
        {
            // Seeds named valid_* are real packets of their SA: they must
            // decapsulate (this keeps the seeds meaningful as the code changes).
            let cfgs = common::harness::configs();
            let k = usize::from(data[0]) % cfgs.len();
            let (_, mut sa) = common::full::pair(&cfgs[k], common::harness::seed(k));
            let mut p = data[1..].to_vec();
            assert!(
                sa.decapsulate(&mut p).is_ok(),
                "{} no longer decapsulates",
                path.display()
            );
            accepted += 1;
        }
        count += 1;
    }
    assert!(
        count >= 30,
        "corpus too small: {count} in {}",
        dir.display()
    );
    assert!(accepted >= 9, "too few valid seeds: {accepted}");
}
