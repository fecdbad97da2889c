//! Issue 13, point 8: a decrypt that drops frames says which input frames and why (text and
//! `--json`), `--keep-dropped` writes them unchanged so output frame N is input frame N, and an
//! ESP packet too short for its SPI is a drop of its own (`runt`), never "decrypted" output.
#![cfg(test)]

mod common;

use std::path::Path;

use common::*;

const KEY: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";
const WRONG: &str = "0xf102030405060708090a0b0c0d0e0f1011121314";

fn sa(key: &str) -> String {
    format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {key} 128 replay-window 64"
    )
}

fn plain() -> Vec<Vec<u8>> {
    let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.1.1".parse().unwrap());
    (0..4)
        .map(|i| ipv4(a, b, 17, &udp(5000, 53, &payload(i, 30 + i * 7)), i as u16))
        .collect()
}

fn frames(path: &Path) -> Vec<Vec<u8>> {
    read_capture(path)
        .packets
        .into_iter()
        .map(|p| p.data)
        .collect()
}

/// Input: plain, ESP, ESP, plain, runt ESP, ESP (frames 1..=6).
fn mixed(dir: &Path) -> (std::path::PathBuf, Vec<Vec<u8>>) {
    let p = plain();
    let src = dir.join("plain.pcap");
    let enc = dir.join("enc.pcap");
    std::fs::write(&src, pcap_bytes(101, &p, false, false)).unwrap();
    json_report(&run_pcap("encrypt", &[&sa(KEY)], &src, &enc, true));
    let e = frames(&enc);
    // An IPv4 ESP packet with 3 bytes of ESP: no room for the SPI.
    let runt = ipv4(
        "192.0.2.1".parse().unwrap(),
        "192.0.2.2".parse().unwrap(),
        50,
        &[0, 0, 0x10],
        9,
    );
    let input = vec![
        p[0].clone(),
        e[0].clone(),
        e[1].clone(),
        p[3].clone(),
        runt,
        e[2].clone(),
    ];
    let path = dir.join("mixed.pcap");
    std::fs::write(&path, pcap_bytes(101, &input, false, false)).unwrap();
    (path, input)
}

#[test]
fn a_wrong_key_lists_every_dropped_frame_by_input_number() {
    let dir = tempdir("dropped-json");
    let (input, frames_in) = mixed(&dir);
    let out = dir.join("out.pcap");
    let r = json_report(&run_pcap("decrypt", &[&sa(WRONG)], &input, &out, true));
    assert_eq!(r["packets"]["dropped"], 4);
    assert_eq!(r["drops"]["icv_mismatch"], 3);
    assert_eq!(r["drops"]["runt"], 1);
    assert_eq!(
        r["dropped_frames"],
        serde_json::json!([
            {"first": 2, "last": 3, "reason": "icv_mismatch", "sa": 1},
            {"first": 5, "last": 5, "reason": "runt", "sa": null},
            {"first": 6, "last": 6, "reason": "icv_mismatch", "sa": 1},
        ])
    );
    assert_eq!(r["kept_dropped"], false);
    // Without --keep-dropped the dropped frames are not written (the runt is not "decrypted").
    assert_eq!(
        frames(&out),
        vec![frames_in[0].clone(), frames_in[3].clone()]
    );
    // The text report lists them too.
    let o = run_pcap("decrypt", &[&sa(WRONG)], &input, &out, false);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for line in [
        "dropped frames (input frame numbers):",
        "  frames 2-3: icv_mismatch (SA #1)",
        "  frame 5: runt",
        "  frame 6: icv_mismatch (SA #1)",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keep_dropped_writes_them_unchanged_so_numbers_line_up() {
    let dir = tempdir("dropped-keep");
    let (input, frames_in) = mixed(&dir);
    let out = dir.join("out.pcap");
    let mut args = vec!["pcap", "decrypt", "--sa"];
    let wrong = sa(WRONG);
    args.push(&wrong);
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    args.extend(["--in", i, "--out", o, "--json", "--keep-dropped"]);
    let r = json_report(&ipsecctl(&args));
    assert_eq!(r["kept_dropped"], true);
    assert_eq!(r["packets"]["dropped"], 4);
    // Every input frame is in the output, in place.
    assert_eq!(frames(&out), frames_in);
    // With the right key: ESP frames decrypted in place, the runt kept as it was.
    let good = sa(KEY);
    args[3] = &good;
    let r = json_report(&ipsecctl(&args));
    assert_eq!(r["packets"]["transformed"], 3);
    assert_eq!(
        r["dropped_frames"],
        serde_json::json!([
            {"first": 5, "last": 5, "reason": "runt", "sa": null}
        ])
    );
    let got = frames(&out);
    let p = plain();
    assert_eq!(got.len(), 6);
    assert_eq!(
        (&got[1], &got[2], &got[4], &got[5]),
        (&p[0], &p[1], &frames_in[4], &p[2])
    );
    let _ = std::fs::remove_dir_all(&dir);
}
