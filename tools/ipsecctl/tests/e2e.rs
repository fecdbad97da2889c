//! End-to-end: the built binary on generated captures.
#![cfg(test)]

mod common;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use common::*;

const GCM_KEY: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";
const CBC_KEY: &str = "0x00112233445566778899aabbccddeeff";
const SHA256_KEY: &str = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const SHA1_KEY: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";

fn v4(a: &str) -> Ipv4Addr {
    a.parse().unwrap()
}

fn v6(a: &str) -> Ipv6Addr {
    a.parse().unwrap()
}

/// A mixed IPv4 capture: UDP, TCP and ICMP between 10.0.0.1 and 10.0.1.1
/// (inside the selector) plus one packet outside it.
fn v4_traffic() -> Vec<Vec<u8>> {
    let (a, b) = (v4("10.0.0.1"), v4("10.0.1.1"));
    let mut v = Vec::new();
    for i in 0..6 {
        let pl = payload(i, 20 + i * 37);
        let l4 = match i % 3 {
            0 => (17, udp(5000 + i as u16, 53, &pl)),
            1 => (6, tcp(40000, 443, &pl)),
            _ => (1, icmp_echo(i as u16, &pl)),
        };
        v.push(ipv4(a, b, l4.0, &l4.1, i as u16));
    }
    v
}

fn frames_of(path: &Path) -> Vec<Vec<u8>> {
    read_capture(path)
        .packets
        .into_iter()
        .map(|p| p.data)
        .collect()
}

/// Encrypt IN with `out_sas`, decrypt with `in_sas`, and check that the
/// round trip restores every frame byte for byte. Returns the encrypted frames
/// and both JSON reports.
fn round_trip(
    name: &str,
    link_type: u32,
    frames: &[Vec<u8>],
    sas: &[&str],
) -> (Vec<Vec<u8>>, serde_json::Value, serde_json::Value) {
    let dir = tempdir(name);
    let plain = dir.join("plain.pcap");
    let enc = dir.join("enc.pcap");
    let dec = dir.join("dec.pcap");
    std::fs::write(&plain, pcap_bytes(link_type, frames, false, false)).unwrap();
    let r1 = json_report(&run_pcap("encrypt", sas, &plain, &enc, true));
    let r2 = json_report(&run_pcap("decrypt", sas, &enc, &dec, true));
    let encrypted = frames_of(&enc);
    assert_eq!(encrypted.len(), frames.len());
    let decrypted = frames_of(&dec);
    assert_eq!(decrypted, frames, "{name}: decrypt(encrypt(x)) != x");
    // Timestamps are kept.
    let a = read_capture(&plain);
    let b = read_capture(&dec);
    for (x, y) in a.packets.iter().zip(&b.packets) {
        assert_eq!((x.ts_sec, x.ts_nsec), (y.ts_sec, y.ts_nsec));
    }
    let _ = std::fs::remove_dir_all(&dir);
    (encrypted, r1, r2)
}

#[test]
fn gcm_tunnel_ipv4_round_trip() {
    let frames = v4_traffic();
    let mut all = frames.clone();
    // One packet outside the selector: passes unchanged both ways.
    all.push(ipv4(
        v4("10.9.9.9"),
        v4("10.0.1.1"),
        17,
        &udp(1, 2, b"outside"),
        99,
    ));
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 1 mode tunnel \
         aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 \
         sel src 10.0.0.0/24 dst 10.0.1.0/24"
    );
    let (enc, r1, r2) = round_trip("gcm-tunnel", 101, &all, &[&sa]);
    for (i, f) in enc.iter().enumerate().take(6) {
        assert_eq!(f[0] >> 4, 4);
        assert_eq!(f[9], 50, "packet {i} is ESP");
        assert_eq!(&f[12..16], &[192, 0, 2, 1]);
        assert_eq!(&f[16..20], &[192, 0, 2, 2]);
        assert_eq!(&f[20..24], &[0, 0, 0x10, 0]);
        assert_eq!(
            u32::from_be_bytes(f[24..28].try_into().unwrap()),
            i as u32 + 1
        );
    }
    assert_eq!(enc[6], all[6], "outside the selector: unchanged");
    let plain_bytes: usize = frames.iter().map(Vec::len).sum();
    let wire_bytes: usize = enc.iter().take(6).map(Vec::len).sum();
    assert_eq!(r1["command"], "encrypt");
    assert_eq!(r1["packets"]["read"], 7);
    assert_eq!(r1["packets"]["transformed"], 6);
    assert_eq!(r1["packets"]["passed"], 1);
    assert_eq!(r1["packets"]["dropped"], 0);
    assert_eq!(r1["sas"][0]["dir"], "out");
    assert_eq!(r1["sas"][0]["packets"], 6);
    assert_eq!(r1["sas"][0]["bytes"], plain_bytes);
    assert_eq!(r1["sas"][0]["wire_bytes"], wire_bytes);
    assert_eq!(r1["sas"][0]["last_seq"], 6);
    assert_eq!(r2["sas"][0]["dir"], "in");
    assert_eq!(r2["sas"][0]["packets"], 6);
    assert_eq!(r2["sas"][0]["bytes"], plain_bytes);
    assert_eq!(r2["sas"][0]["wire_bytes"], wire_bytes);
    assert_eq!(r2["packets"]["transformed"], 6);
    assert_eq!(r2["packets"]["passed"], 1);
}

fn v6_traffic(n: usize) -> Vec<Vec<u8>> {
    let (a, b) = (v6("2001:db8::1"), v6("2001:db8::2"));
    (0..n)
        .map(|i| {
            let pl = payload(i, 1 + i * 53);
            if i % 2 == 0 {
                ipv6(a, b, 17, &udp(7000, 7001 + i as u16, &pl))
            } else {
                ipv6(a, b, 6, &tcp(50000, 22, &pl))
            }
        })
        .collect()
}

#[test]
fn cbc_sha256_transport_ipv6_over_vlan_ethernet_round_trip() {
    let frames: Vec<Vec<u8>> = v6_traffic(5).iter().map(|p| ether(p, Some(42))).collect();
    let sa = format!(
        "src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x2000 mode transport \
         enc 'cbc(aes)' {CBC_KEY} auth-trunc 'hmac(sha256)' {SHA256_KEY} 128 replay-window 128"
    );
    let (enc, r1, r2) = round_trip("cbc-v6", 1, &frames, &[&sa]);
    for f in &enc {
        // MAC header and VLAN tag kept, EtherType IPv6, next header ESP.
        assert_eq!(&f[..18], &frames[0][..18]);
        assert_eq!(f[18] >> 4, 6);
        assert_eq!(f[18 + 6], 50);
        // CBC: 16-byte IV, payload padded to the block, 16-byte ICV.
        let esp_len = f.len() - 18 - 40;
        assert_eq!((esp_len - 8 - 16 - 16) % 16, 0);
    }
    assert_eq!(r1["sas"][0]["packets"], 5);
    assert_eq!(r2["sas"][0]["packets"], 5);
    assert_eq!(r1["sas"][0]["algorithms"], "cbc(aes)+hmac(sha256)");
}

#[test]
fn ah_transport_round_trip() {
    let frames = v4_traffic();
    // Transport mode without sel: the SA's own src/dst select the packets.
    let sa = format!(
        "src 10.0.0.1 dst 10.0.1.1 proto ah spi 0x3000 auth-trunc 'hmac(sha1)' {SHA1_KEY} 96"
    );
    let (enc, r1, _) = round_trip("ah", 101, &frames, &[&sa]);
    for (e, p) in enc.iter().zip(&frames) {
        assert_eq!(e[9], 51, "AH");
        // AH with HMAC-SHA1-96 in IPv4: 12 + 12 = 24 bytes.
        assert_eq!(e.len(), p.len() + 24);
        // Payload after AH is in the clear.
        assert_eq!(&e[20 + 24..], &p[20..]);
    }
    assert_eq!(r1["sas"][0]["proto"], "ah");
}

#[test]
fn esp_ah_bundle_round_trip() {
    let frames = v4_traffic();
    let esp = format!(
        "src 10.0.0.1 dst 10.0.1.1 proto esp spi 0x4001 enc 'cbc(aes)' {CBC_KEY} auth 'hmac(sha1)' {SHA1_KEY}"
    );
    let ah = format!("src 10.0.0.1 dst 10.0.1.1 proto ah spi 0x4002 auth 'hmac(md5)' {CBC_KEY}");
    let (enc, r1, r2) = round_trip("bundle", 101, &frames, &[&ah, &esp]);
    for e in &enc {
        assert_eq!(e[9], 51, "AH outside");
        assert_eq!(e[20], 50, "ESP inside AH");
        assert_eq!(&e[24..28], &[0, 0, 0x40, 0x02]);
        assert_eq!(&e[20 + 24..20 + 28], &[0, 0, 0x40, 0x01]);
    }
    for r in [&r1, &r2] {
        assert_eq!(r["sas"][0]["bundle_with"], 2);
        assert_eq!(r["sas"][1]["bundle_with"], 1);
        assert_eq!(r["sas"][0]["packets"], 6);
        assert_eq!(r["sas"][1]["packets"], 6);
    }
}

#[test]
fn udp_encap_tunnel_round_trip() {
    let frames: Vec<Vec<u8>> = v4_traffic().iter().map(|p| ether(p, None)).collect();
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x5000 mode tunnel \
         aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 encap espinudp 4500 4500 0.0.0.0"
    );
    let (enc, r1, r2) = round_trip("udp-encap", 1, &frames, &[&sa]);
    for e in &enc {
        let ip = &e[14..];
        assert_eq!(ip[9], 17, "UDP");
        assert_eq!(&ip[20..24], &[0x11, 0x94, 0x11, 0x94], "ports 4500 -> 4500");
        assert_eq!(&ip[28..32], &[0, 0, 0x50, 0], "SPI after the UDP header");
    }
    assert_eq!(r1["sas"][0]["encap"], "espinudp 4500 4500");
    assert_eq!(r2["sas"][0]["packets"], 6);
}

#[test]
fn esn_with_replay_oseq_hi_round_trip() {
    let frames = v4_traffic();
    // Last sent 0x1_fffffffd: the packets carry 0x1_fffffffe .. 0x2_00000003,
    // the low half wraps on the wire. The receiver has seen up to 0x1_fffffff0.
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x6000 mode tunnel \
         aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 flag esn \
         replay-oseq 0xfffffffd replay-oseq-hi 0x1 replay-seq 0xfffffff0 replay-seq-hi 1"
    );
    let (enc, r1, r2) = round_trip("esn", 101, &frames, &[&sa]);
    let lows: Vec<u32> = enc
        .iter()
        .map(|e| u32::from_be_bytes(e[24..28].try_into().unwrap()))
        .collect();
    assert_eq!(lows, vec![0xffff_fffe, 0xffff_ffff, 0, 1, 2, 3]);
    assert_eq!(r1["sas"][0]["last_seq"], 0x2_0000_0003u64);
    assert_eq!(r2["sas"][0]["last_seq"], 0x2_0000_0003u64);
    assert_eq!(r1["sas"][0]["esn"], true);
}

#[test]
fn every_algorithm_round_trips() {
    let frames = v4_traffic();
    let cases = [
        format!("aead 'rfc4106(gcm(aes))' {GCM_KEY} 64"),
        format!("aead 'rfc4106(gcm(aes))' {GCM_KEY} 96"),
        "aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3 128".to_string(),
        format!("aead 'rfc4543(gcm(aes))' {GCM_KEY} 128"),
        format!("enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f1011121314151617 auth 'hmac(md5)' {CBC_KEY}"),
        format!("enc 'cbc(des3_ede)' 0x0123456789abcdef23456789abcdef01456789abcdef0123 auth 'hmac(sha1)' {SHA1_KEY}"),
        format!("enc 'cbc(des)' 0x0123456789abcdef auth-trunc 'hmac(md5)' {CBC_KEY} 96"),
        format!("enc 'ecb(cipher_null)' '' auth 'hmac(sha1)' {SHA1_KEY}"),
        format!("enc aes 'sixteen byte key' auth-trunc sha256 {SHA256_KEY} 128 flag align4"),
    ];
    for (i, algs) in cases.iter().enumerate() {
        for mode in ["transport", "tunnel"] {
            let sa = format!(
                "src 10.0.0.1 dst 10.0.1.1 proto esp spi {} mode {mode} {algs}",
                0x7000 + i
            );
            let (enc, r1, r2) = round_trip(&format!("alg-{i}-{mode}"), 101, &frames, &[&sa]);
            assert!(enc.iter().all(|e| e[9] == 50), "{algs}");
            assert_eq!(r1["sas"][0]["packets"], 6, "{algs}");
            assert_eq!(r2["sas"][0]["packets"], 6, "{algs}");
        }
    }
}

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

fn gcm_tunnel(extra: &str) -> String {
    format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 {extra}"
    )
}

/// Run one command on `frames` (pcap of `link_type`) and return (output frames, report).
fn run_on(
    name: &str,
    op: &str,
    link_type: u32,
    frames: &[Vec<u8>],
    sas: &[&str],
) -> (Vec<Vec<u8>>, serde_json::Value) {
    let dir = tempdir(name);
    let input = dir.join("in.pcap");
    let out = dir.join("out.pcap");
    std::fs::write(&input, pcap_bytes(link_type, frames, false, false)).unwrap();
    let r = json_report(&run_pcap(op, sas, &input, &out, true));
    let f = frames_of(&out);
    let _ = std::fs::remove_dir_all(&dir);
    (f, r)
}

fn run_fail(name: &str, op: &str, frames: &[Vec<u8>], sas: &[&str]) -> String {
    let dir = tempdir(name);
    let input = dir.join("in.pcap");
    let out = dir.join("out.pcap");
    std::fs::write(&input, pcap_bytes(101, frames, false, false)).unwrap();
    let o = run_pcap(op, sas, &input, &out, true);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists(), "{name}");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(o.stderr).unwrap()
}

#[test]
fn pcapng_input_round_trip_keeps_nanosecond_timestamps() {
    let dir = tempdir("pcapng");
    let frames: Vec<Vec<u8>> = v4_traffic().iter().map(|p| ether(p, None)).collect();
    let list: Vec<(u32, u64, &[u8], u32)> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                (i % 2) as u32,
                1_700_000_000_123_456_789 + i as u64,
                f.as_slice(),
                f.len() as u32,
            )
        })
        .collect();
    for be in [false, true] {
        let input = dir.join("in.pcapng");
        std::fs::write(
            &input,
            ipsecctl::capture::encode_pcapng(be, &[(1, Some(9)), (1, Some(9))], &list),
        )
        .unwrap();
        let enc = dir.join("enc.pcap");
        let dec = dir.join("dec.pcap");
        let sa = gcm_tunnel("");
        json_report(&run_pcap("encrypt", &[&sa], &input, &enc, true));
        json_report(&run_pcap("decrypt", &[&sa], &enc, &dec, true));
        let c = read_capture(&dec);
        assert!(c.nanosecond);
        assert_eq!(c.link_type, 1);
        let got: Vec<Vec<u8>> = c.packets.iter().map(|p| p.data.clone()).collect();
        assert_eq!(got, frames);
        for (i, p) in c.packets.iter().enumerate() {
            assert_eq!(
                (p.ts_sec, p.ts_nsec),
                (1_700_000_000, 123_456_789 + i as u32)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn packet_and_time_lifetimes() {
    let frames = v4_traffic();
    let (out, r) = run_on(
        "life-pkt",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("limit packet-soft 2 limit packet-hard 3")],
    );
    assert_eq!(out.len(), 3);
    assert_eq!(r["drops"]["hard_lifetime_expired"], 3);
    assert_eq!(r["sas"][0]["packets"], 3);
    // Linux's order (xfrm_state_check_expire before counting): packet 3 finds 2 counted.
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 3);
    assert_eq!(r["sas"][0]["soft_expired"]["limit"], "packets");
    assert_eq!(r["sas"][0]["hard_expired"], true);
    // Bytes: the first two packets are 48 and 85 bytes of plain IP.
    let sizes: Vec<usize> = frames.iter().map(Vec::len).collect();
    let hard = sizes[0] + sizes[1];
    let (out, r) = run_on(
        "life-bytes",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel(&format!(
            "limit byte-soft {} byte-hard {hard}",
            sizes[0]
        ))],
    );
    assert_eq!(out.len(), 2);
    assert_eq!(r["sas"][0]["bytes"], hard);
    assert_eq!(r["sas"][0]["soft_expired"]["limit"], "bytes");
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 2);
    assert_eq!(r["drops"]["hard_lifetime_expired"], 4);
    // Time (capture timestamps are one second apart).
    let (out, r) = run_on(
        "life-time",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("limit time-soft 2 limit time-hard 3")],
    );
    assert_eq!(out.len(), 3);
    assert_eq!(r["sas"][0]["soft_expired"]["limit"], "time");
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 3);
    assert_eq!(r["drops"]["hard_lifetime_expired"], 3);
    assert_eq!(r["sas"][0]["hard_expired"], true);
    // Inbound hard limit on decrypt.
    let (enc, _) = run_on("life-in-enc", "encrypt", 101, &frames, &[&gcm_tunnel("")]);
    let (dec, r) = run_on(
        "life-in-dec",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("limit packet-hard 4")],
    );
    assert_eq!(dec, frames[..4].to_vec());
    assert_eq!(r["drops"]["hard_lifetime_expired"], 2);
}

#[test]
fn selector_ports_choose_packets() {
    let frames = v4_traffic();
    let sa = gcm_tunnel("sel src 10.0.0.0/24 dst 10.0.1.0/24 proto udp dport 53");
    let (out, r) = run_on("sel-ports", "encrypt", 101, &frames, &[&sa]);
    for (i, (o, p)) in out.iter().zip(&frames).enumerate() {
        if i % 3 == 0 {
            assert_eq!(o[9], 50, "UDP packet {i} encrypted");
        } else {
            assert_eq!(o, p, "packet {i} passes");
        }
    }
    assert_eq!(r["packets"]["transformed"], 2);
    assert_eq!(r["packets"]["passed"], 4);
    // First matching SA wins, in --sa order.
    let second = format!(
        "src 192.0.2.1 dst 192.0.2.3 proto esp spi 0x2000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128"
    );
    let (out, r) = run_on("sel-order", "encrypt", 101, &frames, &[&sa, &second]);
    assert!(out.iter().all(|o| o[9] == 50));
    assert_eq!(r["sas"][0]["packets"], 2);
    assert_eq!(r["sas"][1]["packets"], 4);
    assert_eq!(&out[1][16..20], &[192, 0, 2, 3]);
}

#[test]
fn ipv6_inner_in_ipv4_tunnel_fixes_ethertype() {
    let frames: Vec<Vec<u8>> = v6_traffic(4).iter().map(|p| ether(p, Some(3))).collect();
    let (enc, _, _) = round_trip("6in4", 1, &frames, &[&gcm_tunnel("")]);
    for e in &enc {
        assert_eq!(&e[16..18], &[0x08, 0x00]);
        assert_eq!(e[18] >> 4, 4);
        assert_eq!(e[18 + 9], 50);
    }
    // IPv4 inner in an IPv6 tunnel on LINUX_SLL.
    let sll: Vec<Vec<u8>> = v4_traffic()
        .iter()
        .map(|p| {
            let mut f = vec![0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
            f.extend_from_slice(p);
            f
        })
        .collect();
    let sa = format!(
        "src 2001:db8::a dst 2001:db8::b proto esp spi 9 mode tunnel enc 'cbc(aes)' {CBC_KEY} auth-trunc 'hmac(sha256)' {SHA256_KEY} 128"
    );
    let (enc, _, _) = round_trip("4in6-sll", 113, &sll, &[&sa]);
    for e in &enc {
        assert_eq!(&e[14..16], &[0x86, 0xdd]);
        assert_eq!(e[16 + 6], 50);
    }
}

#[test]
fn link_type_that_cannot_carry_the_new_family_drops() {
    let frames = v6_traffic(3);
    let (out, r) = run_on("lt229", "encrypt", 229, &frames, &[&gcm_tunnel("")]);
    assert!(out.is_empty());
    assert_eq!(r["drops"]["link_type_family"], 3);
    assert_eq!(r["sas"][0]["drops"]["link_type_family"], 3);
    // An IPv6 tunnel on the same link type works.
    let sa = format!("src 2001:db8::a dst 2001:db8::b proto esp spi 9 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128");
    let (enc, _, _) = round_trip("lt229-ok", 229, &frames, &[&sa]);
    assert!(enc.iter().all(|e| e[6] == 50));
}

#[test]
fn wildrecv_selector_mismatch_and_protocol_mismatch() {
    let frames = v4_traffic();
    let (enc, _) = run_on("wild-enc", "encrypt", 101, &frames, &[&gcm_tunnel("")]);
    // Receiver SA with another destination: no SA without wildrecv.
    let other = format!(
        "src 192.0.2.1 dst 192.0.2.99 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64"
    );
    let (_, r) = run_on("wild-no", "decrypt", 101, &enc, &[&other]);
    assert_eq!(r["drops"]["no_sa"], 6);
    let (dec, r) = run_on(
        "wild-yes",
        "decrypt",
        101,
        &enc,
        &[&format!("{other} flag wildrecv")],
    );
    assert_eq!(dec, frames);
    assert_eq!(r["sas"][0]["packets"], 6);
    // The inner packets must match the SA's selector.
    let (dec, r) = run_on(
        "selmis",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("sel src 10.0.5.0/24")],
    );
    assert!(dec.is_empty());
    assert_eq!(r["drops"]["selector_mismatch"], 6);
    let (dec, _) = run_on(
        "selok",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("sel src 10.0.0.0/24")],
    );
    assert_eq!(dec, frames);
    // ESP in UDP for an SA without encap, and plain ESP for an SA with encap.
    let (udp_enc, _) = run_on(
        "pm-enc",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("encap espinudp 4500 4500 0.0.0.0")],
    );
    let (_, r) = run_on("pm-dec", "decrypt", 101, &udp_enc, &[&gcm_tunnel("")]);
    assert_eq!(r["drops"]["protocol_mismatch"], 6);
    let (_, r) = run_on(
        "pm-dec2",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("encap espinudp 4500 4500 0.0.0.0")],
    );
    assert_eq!(r["drops"]["protocol_mismatch"], 6);
    // A different encapsulation port.
    let (p_enc, _) = run_on(
        "port-enc",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("encap espinudp 4501 4501 0.0.0.0")],
    );
    let (dec, _) = run_on(
        "port-dec",
        "decrypt",
        101,
        &p_enc,
        &[&gcm_tunnel("encap espinudp 4501 4501 0.0.0.0")],
    );
    assert_eq!(dec, frames);
}

#[test]
fn truncated_captures_and_non_ip_frames() {
    let frames: Vec<Vec<u8>> = v4_traffic().iter().map(|p| ether(p, None)).collect();
    let mut arp = frames[0].clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let dir = tempdir("trunc");
    let input = dir.join("in.pcap");
    let out = dir.join("out.pcap");
    let mut pk = packets(1, &[frames[0].clone(), frames[1].clone(), arp.clone()]);
    // Frame 2 was cut by the snapshot length.
    pk[1].orig_len += 100;
    pk[1].data.truncate(40);
    let w = ipsecctl::capture::PcapWriter {
        big_endian: false,
        nanosecond: false,
        link_type: 1,
        snaplen: 65535,
    };
    std::fs::write(&input, w.encode(&pk).unwrap()).unwrap();
    let r = json_report(&run_pcap("encrypt", &[&gcm_tunnel("")], &input, &out, true));
    assert_eq!(r["drops"]["capture_truncated"], 1);
    assert_eq!(r["packets"]["transformed"], 1);
    assert_eq!(r["packets"]["passed"], 1);
    assert_eq!(frames_of(&out)[1], arp);
    // Truncated frames that need nothing pass unchanged (orig_len kept).
    let r = json_report(&run_pcap("decrypt", &[&gcm_tunnel("")], &input, &out, true));
    assert_eq!(r["packets"]["passed"], 3);
    assert_eq!(read_capture(&out).packets[1].orig_len, pk[1].orig_len);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inconsistent_sa_sets_exit_2() {
    let frames = v4_traffic();
    let err = run_fail("dir", "encrypt", &frames, &[&gcm_tunnel("dir in")]);
    assert!(err.contains("dir in"), "{err}");
    let err = run_fail(
        "dup",
        "decrypt",
        &frames,
        &[&gcm_tunnel(""), &gcm_tunnel("reqid 2")],
    );
    assert!(err.contains("ambiguous"), "{err}");
    let esp = format!("src 10.0.0.1 dst 10.0.1.1 proto esp spi 1 aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64");
    let ah =
        format!("src 10.0.0.1 dst 10.0.1.1 proto ah spi 2 auth sha1 {SHA1_KEY} replay-window 32");
    let err = run_fail("bundle", "decrypt", &frames, &[&esp, &ah]);
    assert!(
        err.contains("bundle") && err.contains("replay-window"),
        "{err}"
    );
    let err = run_fail(
        "window",
        "decrypt",
        &frames,
        &[&gcm_tunnel("").replace("replay-window 64", "replay-window 16")],
    );
    assert!(err.contains("replay-window 16"), "{err}");
    let err = run_fail(
        "esnwin",
        "decrypt",
        &frames,
        &[&gcm_tunnel("flag esn").replace("replay-window 64", "")],
    );
    assert!(err.contains("esn"), "{err}");
    // The same window is fine for encrypt (outbound SAs have no window).
    let (out, _) = run_on(
        "window-out",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("").replace("replay-window 64", "replay-window 16")],
    );
    assert_eq!(out.len(), 6);
}

#[test]
fn unwritable_output_exits_2() {
    let dir = tempdir("unwritable");
    let input = dir.join("in.pcap");
    std::fs::write(&input, pcap_bytes(101, &v4_traffic(), false, false)).unwrap();
    let out = dir.join("no-such-dir").join("out.pcap");
    let o = run_pcap("encrypt", &[&gcm_tunnel("")], &input, &out, false);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .contains("cannot write output"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nested_tunnels_decrypt_in_one_run() {
    let frames = v4_traffic();
    let inner = gcm_tunnel("");
    let outer = format!(
        "src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x7777 mode tunnel enc 'cbc(aes)' {CBC_KEY} \
         auth-trunc 'hmac(sha256)' {SHA256_KEY} 128 replay-window 32"
    );
    let (once, _) = run_on("nest-1", "encrypt", 101, &frames, &[&inner]);
    let (twice, _) = run_on("nest-2", "encrypt", 101, &once, &[&outer]);
    assert!(twice.iter().all(|f| f[16..20] == [198, 51, 100, 2]));
    let (dec, r) = run_on("nest-dec", "decrypt", 101, &twice, &[&inner, &outer]);
    assert_eq!(dec, frames);
    assert_eq!(r["sas"][0]["packets"], 6);
    assert_eq!(r["sas"][1]["packets"], 6);
    assert_eq!(r["packets"]["transformed"], 6);
    // Only the outer SA: the inner ESP packets come out.
    let (dec, _) = run_on("nest-outer", "decrypt", 101, &twice, &[&outer]);
    assert_eq!(dec, once);
}
