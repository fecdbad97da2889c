//! Replays the cargo-fuzz corpora of `fuzz/` (targets `receive`, `send`, `module`) through the
//! same harness as the fuzz targets (`tests/fuzzing`), so every input the fuzzer kept is a
//! regression test of the normal test run; also runs the seed inputs the corpora started from.
#![cfg(test)]

mod fuzzing;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn replay(target: &str, run: fn(&[u8]), min: usize) {
    let dir = corpus(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in &paths {
        let data = std::fs::read(path).unwrap();
        if let Err(e) = std::panic::catch_unwind(|| run(&data)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{target}: {} fails: {msg}", path.display());
        }
    }
    assert!(
        paths.len() >= min,
        "corpus too small: {} inputs in {}",
        paths.len(),
        dir.display()
    );
}

#[test]
fn receive_corpus_replays_cleanly() {
    replay("receive", fuzzing::receive::run, 20);
}

#[test]
fn send_corpus_replays_cleanly() {
    replay("send", fuzzing::send::run, 20);
}

#[test]
fn module_corpus_replays_cleanly() {
    replay("module", fuzzing::module::run, 4);
}

#[test]
fn seeds_pass() {
    for s in fuzzing::receive::seeds() {
        fuzzing::receive::run(&s);
    }
    for s in fuzzing::send::seeds() {
        fuzzing::send::run(&s);
    }
    for s in fuzzing::module::seeds() {
        fuzzing::module::run(&s);
    }
}

/// Writes the seed inputs into `fuzz/corpus/<target>/seed-*` (run once before fuzzing:
/// `cargo test -p ipsecov2-filter-core --test corpus -- --ignored write_seed_corpus`).
#[test]
#[ignore = "writes files"]
fn write_seed_corpus() {
    for (target, seeds) in [
        ("receive", fuzzing::receive::seeds()),
        ("send", fuzzing::send::seeds()),
        ("module", fuzzing::module::seeds()),
    ] {
        let dir = corpus(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:03}")), s).unwrap();
        }
    }
}
