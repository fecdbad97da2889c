//! Writes the seed corpus of the inbound fuzz target (fuzz/corpus/inbound):
//! real encapsulated packets for every harness SA, plus damaged variants.
//! Run on purpose with
//! `cargo test -p ipsec-engine --test seed_corpus -- --ignored`; the seeds
//! are committed and replayed by tests/fuzz_corpus.rs on every test run.
#![cfg(test)]

mod common;

use common::full::{inner_packets_v4, inner_packets_v6, pair};
use common::harness::{configs, seed};

#[test]
#[ignore = "regenerates committed files"]
fn write_seed_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/inbound");
    std::fs::create_dir_all(&dir).unwrap();
    let mut inners = inner_packets_v4();
    inners.extend(inner_packets_v6());
    let mut buf = vec![0u8; 4096];
    for (k, c) in configs().iter().enumerate() {
        let (mut o, _) = pair(c, seed(k));
        for (n, inner) in inners.iter().enumerate() {
            let e = o.encapsulate(inner, &mut buf).unwrap();
            let mut data = vec![k as u8];
            data.extend(&buf[..e.len]);
            if n % 2 == 0 {
                std::fs::write(dir.join(format!("valid_sa{k}_pkt{n}")), &data).unwrap();
            } else {
                // Damaged variants: flipped ICV byte, truncated datagram.
                let mut bad = data.clone();
                let l = bad.len() - 1;
                bad[l] ^= 0x40;
                std::fs::write(dir.join(format!("badicv_sa{k}_pkt{n}")), &bad).unwrap();
                let cut = data[..data.len() / 2].to_vec();
                std::fs::write(dir.join(format!("cut_sa{k}_pkt{n}")), &cut).unwrap();
            }
        }
    }
    // NAT keepalive and IKE on port 4500 for the UDP SA (configuration 1).
    let ka = common::full::ipv4(
        17,
        &[],
        0,
        false,
        &[0x11, 0x94, 0x11, 0x94, 0, 9, 0, 0, 0xff],
    );
    let mut d = vec![1u8];
    d.extend(ka);
    std::fs::write(dir.join("keepalive_sa1"), d).unwrap();
    std::fs::write(dir.join("empty"), [0u8]).unwrap();
}
