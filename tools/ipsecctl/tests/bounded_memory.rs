//! Issue 13, point 3: a capture far larger than the memory the tool may use is encrypted in
//! one streaming pass. The tool runs under `ulimit -v` of [`LIMIT_KIB`] (64 MiB of address
//! space) on a generated capture of [`CAPTURE_MIB`] MiB: anything that holds the capture in
//! memory (as the tool did before) cannot run, the streaming tool stays within a few MiB of
//! buffers. Ignored in `cargo test` (about 15 s in a debug build); run by
//! `tools/ipsecctl/tests/run-bounded`.
#![cfg(test)]

mod common;

use std::fs;
use std::io::{BufWriter, Write};
use std::process::Command;

use common::*;

/// The address-space limit of the run, in KiB (`ulimit -v`).
const LIMIT_KIB: u64 = 64 * 1024;
/// The size of the generated capture, in MiB.
const CAPTURE_MIB: u64 = 256;
/// One frame in this many matches the SA's selector and is encrypted; the others pass.
const ENCRYPT_ONE_IN: u64 = 16;

const SA: &str = "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 sel src 10.0.0.0/24 dst 10.0.1.0/24";

#[test]
#[ignore = "generates a 256 MiB capture; run by tools/ipsecctl/tests/run-bounded"]
fn a_capture_larger_than_the_memory_limit_streams_through() {
    let dir = tempdir("bounded");
    let input = dir.join("big.pcap");
    let out = dir.join("out.pcap");
    let a = "10.0.0.1".parse().unwrap();
    let matching = ipv4(
        a,
        "10.0.1.1".parse().unwrap(),
        17,
        &udp(5000, 53, &payload(1, 1372)),
        1,
    );
    let other = ipv4(
        a,
        "10.0.2.1".parse().unwrap(),
        17,
        &udp(5000, 53, &payload(2, 1372)),
        2,
    );
    let one = pcap_bytes(101, &[matching.clone(), other.clone()], false, false);
    let (header, records) = one.split_at(24);
    let (rec_match, rec_other) = records.split_at(16 + matching.len());
    let mut w = BufWriter::new(fs::File::create(&input).unwrap());
    w.write_all(header).unwrap();
    let mut n = 0u64;
    let mut size = 24u64;
    while size < CAPTURE_MIB << 20 {
        let r = if n.is_multiple_of(ENCRYPT_ONE_IN) {
            rec_match
        } else {
            rec_other
        };
        w.write_all(r).unwrap();
        size += r.len() as u64;
        n += 1;
    }
    w.flush().unwrap();
    drop(w);
    assert!(
        size > 3 * LIMIT_KIB * 1024,
        "the capture must not fit in the limit"
    );
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_ipsecctl"))
        .args(["pcap", "encrypt", "--json", "--sa", SA, "--in"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let r = json_report(&o);
    let encrypted = n.div_ceil(ENCRYPT_ONE_IN);
    assert_eq!(r["packets"]["read"], n);
    assert_eq!(r["packets"]["transformed"], encrypted);
    assert_eq!(r["packets"]["passed"], n - encrypted);
    // Every frame written: the output is the input plus the ESP overhead of the encrypted ones.
    let wire = r["sas"][0]["wire_bytes"].as_u64().unwrap();
    let plain = r["sas"][0]["bytes"].as_u64().unwrap();
    assert_eq!(plain, encrypted * matching.len() as u64);
    assert_eq!(fs::metadata(&out).unwrap().len(), size + wire - plain);
    let _ = fs::remove_dir_all(&dir);
}
