//! Writes the seed corpus of the fuzz target (fuzz/corpus/ioctl): one valid request per IOCTL
//! and output size. Run on purpose with
//! `cargo test -p ipsecov2-ioctl --test seed_corpus -- --ignored`; the seeds are committed and
//! replayed by tests/corpus.rs on every test run.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::seeds::{seeds, H};
use common::*;
use ipsecov2_ioctl::Ioctl;

#[test]
#[ignore = "regenerates committed files"]
fn write_seed_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/ioctl");
    std::fs::create_dir_all(&dir).unwrap();
    for (ioctl, msg) in seeds() {
        let sel = Ioctl::ALL.iter().position(|i| *i == ioctl).unwrap() as u8;
        // Output size classes: 3 = 4 KiB with the test family on, 2 = 100 bytes.
        for size in [0x83u8, 2] {
            let mut data = vec![sel, size];
            data.extend_from_slice(&msg);
            std::fs::write(dir.join(format!("{ioctl:?}_{size:02x}")), data).unwrap();
        }
    }
}

#[test]
fn seeds_are_valid_requests() {
    let mut rig = Rig::new(true);
    let (spd, pol, sa) = rig.populate();
    assert_eq!(
        (spd, pol, sa),
        (H, H, H),
        "the seeds name the populated rig's handles"
    );
    for (ioctl, msg) in seeds() {
        assert!(
            ipsecov2_ioctl::decode(ioctl.code(), &msg).is_ok(),
            "{ioctl:?}"
        );
    }
}
