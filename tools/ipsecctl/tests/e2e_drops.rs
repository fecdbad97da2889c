//! End-to-end: the built binary counting tampered, replayed and unknown packets, and
//! exiting 2 without output on a bad SPEC or a bad input file.
#![cfg(test)]

mod common;
#[path = "common/e2e.rs"]
mod e2e_common;

use common::*;
use e2e_common::*;

#[test]
fn decrypt_counts_tampered_replayed_unknown_and_passes_plain() {
    let dir = tempdir("drops");
    let frames = v4_traffic();
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \
         aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 32"
    );
    let plain = dir.join("plain.pcap");
    let enc = dir.join("enc.pcap");
    std::fs::write(&plain, pcap_bytes(101, &frames, true, true)).unwrap();
    json_report(&run_pcap("encrypt", &[&sa], &plain, &enc, true));
    let e = frames_of(&enc);
    assert_eq!(e.len(), 6);

    let mut input = Vec::new();
    input.push(e[0].clone()); // ok (seq 1)
    input.push(e[1].clone()); // ok (seq 2)
    input.push(e[1].clone()); // replayed
    let mut tampered = e[2].clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1; // ICV
    input.push(tampered);
    let mut tampered = e[3].clone();
    tampered[40] ^= 0x80; // ciphertext
    input.push(tampered);
    input.push(e[2].clone()); // still ok: the forged copy did not move the window
    input.push(e[0].clone()); // replayed again
    let mut other_spi = e[4].clone();
    other_spi[23] = 0x99; // SPI 0x1099: no SA
    input.push(other_spi);
    let mut other_dst = e[4].clone();
    other_dst[19] = 9; // destination 192.0.2.9: no SA (and bad IPv4 checksum is irrelevant)
    input.push(other_dst);
    input.push(e[4][..30].to_vec()); // ESP cut short
    input.push(frames[0].clone()); // plain: passes
                                   // IKE on UDP 4500 (non-ESP marker) and a NAT keepalive: not IPsec, pass.
    let ike = ipv4(
        v4("192.0.2.1"),
        v4("192.0.2.2"),
        17,
        &udp(4500, 4500, &[0, 0, 0, 0, 1, 2, 3, 4]),
        1,
    );
    let keepalive = ipv4(
        v4("192.0.2.1"),
        v4("192.0.2.2"),
        17,
        &udp(4500, 4500, &[0xff]),
        2,
    );
    input.push(ike.clone());
    input.push(keepalive.clone());
    input.push(e[5].clone()); // ok
    let input_path = dir.join("mixed.pcap");
    std::fs::write(&input_path, pcap_bytes(101, &input, false, false)).unwrap();
    let out = dir.join("out.pcap");
    let r = json_report(&run_pcap("decrypt", &[&sa], &input_path, &out, true));
    let d = r["drops"].clone();
    assert_eq!(d["replayed"], 2, "{r}");
    assert_eq!(d["icv_mismatch"], 2, "{r}");
    assert_eq!(d["no_sa"], 2, "{r}");
    assert_eq!(
        d["truncated"].as_u64().unwrap()
            + d["bad_length"].as_u64().unwrap()
            + d["malformed"].as_u64().unwrap(),
        1,
        "{r}"
    );
    assert_eq!(r["packets"]["read"], 14);
    assert_eq!(r["packets"]["transformed"], 4);
    assert_eq!(r["packets"]["passed"], 3);
    assert_eq!(r["packets"]["dropped"], 7);
    assert_eq!(r["sas"][0]["packets"], 4);
    assert_eq!(r["sas"][0]["dropped"], 5);
    assert_eq!(r["sas"][0]["drops"]["replayed"], 2);
    assert_eq!(r["sas"][0]["drops"]["icv_mismatch"], 2);
    let got = frames_of(&out);
    assert_eq!(
        got,
        vec![
            frames[0].clone(),
            frames[1].clone(),
            frames[2].clone(),
            frames[0].clone(),
            ike,
            keepalive,
            frames[5].clone()
        ]
    );
    // Nanosecond big-endian input to the encryptor: the output kept both.
    let c = read_capture(&enc);
    assert!(c.nanosecond && c.big_endian);

    // The text report names the same reasons.
    let out2 = dir.join("out2.pcap");
    let t = run_pcap("decrypt", &[&sa], &input_path, &out2, false);
    assert!(t.status.success());
    let text = String::from_utf8(t.stdout).unwrap();
    assert!(
        text.contains("14 packets read, 4 transformed, 3 passed unchanged, 7 dropped"),
        "{text}"
    );
    assert!(text.contains("  replayed: 2"), "{text}");
    assert!(text.contains("  icv_mismatch: 2"), "{text}");
    assert!(text.contains("  no_sa: 2"), "{text}");
    assert!(text.contains("SA #1 in esp spi 0x00001000 192.0.2.1 -> 192.0.2.2 tunnel rfc4106(gcm(aes)): 4 packets"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_spec_exits_2_and_writes_nothing() {
    let dir = tempdir("badspec");
    let plain = dir.join("plain.pcap");
    std::fs::write(&plain, pcap_bytes(101, &v4_traffic(), false, false)).unwrap();
    let out = dir.join("out.pcap");
    for bad in [
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' 0x0102 128",
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode beet aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128",
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff auth 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 aead 'rfc4106(gcm(aes)) 0x01 128",
        "bogus",
    ] {
        let o = run_pcap("encrypt", &[bad], &plain, &out, false);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(!out.exists(), "{bad}: output written");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(err.starts_with("ipsecctl: error: --sa #1: "), "{err}");
        assert!(o.stdout.is_empty());
    }
    // A weak DES key is refused by the engine: exit 2, names the SA.
    let weak = "src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 enc des 0x0101010101010101 auth sha1 0x0102030405060708090a0b0c0d0e0f1011121314";
    let good = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' {GCM_KEY} 128"
    );
    let o = run_pcap("encrypt", &[&good, weak], &plain, &out, false);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("--sa #2") && err.contains("weak"), "{err}");
    assert!(!out.exists());
    // An existing OUT is left as it was.
    std::fs::write(&out, b"keep me").unwrap();
    let o = run_pcap("encrypt", &["src 1.1.1.1"], &plain, &out, false);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_file_exits_2_and_writes_nothing() {
    let dir = tempdir("badinput");
    let out = dir.join("out.pcap");
    let sa = format!("src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128");
    let good = pcap_bytes(101, &v4_traffic(), false, false);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("short header", good[..10].to_vec()),
        ("garbage", b"this is not a capture file at all".to_vec()),
        (
            "unsupported link type",
            pcap_bytes(147, &v4_traffic(), false, false),
        ),
    ];
    for (name, bytes) in cases {
        let input = dir.join("in.pcap");
        std::fs::write(&input, &bytes).unwrap();
        for op in ["encrypt", "decrypt"] {
            let o = run_pcap(op, &[&sa], &input, &out, true);
            assert_eq!(o.status.code(), Some(2), "{name}");
            assert!(!out.exists(), "{name}");
            let err = String::from_utf8(o.stderr).unwrap();
            assert!(err.starts_with("ipsecctl: error: "), "{name}: {err}");
            if name == "unsupported link type" {
                assert!(
                    err.contains("link type 147 (USER0) is not supported"),
                    "{err}"
                );
                assert!(err.contains("1 (ETHERNET)"), "{err}");
            }
        }
    }
    let missing = dir.join("missing.pcap");
    let o = run_pcap("encrypt", &[&sa], &missing, &out, false);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .contains("cannot read input"));
    // Command-line errors (clap) also exit 2.
    assert_eq!(
        ipsecctl(&["pcap", "encrypt", "--in", "x", "--out", "y"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(ipsecctl(&["pcap", "frobnicate"]).status.code(), Some(2));
    assert!(ipsecctl(&["--help"]).status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
