//! Replays the cargo-fuzz corpus (fuzz/corpus/differential) through the same harness as the
//! fuzz target, so every input the fuzzer kept is a regression test of the normal run.
//! `cargo test -p ipsecov2-crypto --test fuzz_corpus -- --ignored` rewrites the seeds (and the
//! wide-tier seeds `seed_wide_*`).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/differential")
}

#[test]
fn corpus_replays_cleanly() {
    let mut count = [0usize; 6];
    for entry in std::fs::read_dir(dir()).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        common::differential::run(&data);
        if data.len() >= common::differential::HEADER {
            count[usize::from((data[0] / 3) % 6)] += 1;
        }
    }
    assert!(
        count.iter().all(|c| *c >= 10),
        "seeds per operation: {count:?}"
    );
}

#[test]
#[ignore = "writes the seed corpus"]
fn write_seed_corpus() {
    let mut rng = common::Rng(0x5eed_f022_0000_0001);
    std::fs::create_dir_all(dir()).unwrap();
    let mut n = 0;
    for op in 0u8..6 {
        for ks in 0u8..3 {
            for len in [0usize, 1, 15, 16, 17, 64, 127, 128, 129, 300, 1400] {
                let mut d = rng.bytes(common::differential::HEADER + 40 + len);
                d[0] = op * 3 + ks;
                std::fs::write(dir().join(format!("seed_{op}_{ks}_{len}")), &d).unwrap();
                n += 1;
            }
        }
    }
    assert_eq!(n, 198);
}

#[test]
#[ignore = "writes the wide-tier seeds"]
fn write_wide_seed_corpus() {
    // AES-GCM inputs long enough for the wide tier's 16-block groups, its 8-block remainder and
    // the XMM tail after them (the harness runs them on every tier, the wide one in a section).
    let mut rng = common::Rng(0x5eed_f022_0000_0002);
    std::fs::create_dir_all(dir()).unwrap();
    let mut n = 0;
    for ks in 0u8..3 {
        for len in [
            255usize, 256, 257, 383, 384, 385, 511, 512, 1023, 4096, 4200,
        ] {
            let mut d = rng.bytes(common::differential::HEADER + 40 + len);
            d[0] = ks;
            std::fs::write(dir().join(format!("seed_wide_{ks}_{len}")), &d).unwrap();
            n += 1;
        }
    }
    assert_eq!(n, 33);
}
