//! Helpers of the end-to-end tests: SA keys, generated IPv4 and IPv6 traffic, the binary
//! run on a capture (a round trip, one command, a failing command).
#![cfg(test)]
#![allow(dead_code)]

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::common::*;

pub const GCM_KEY: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";
pub const CBC_KEY: &str = "0x00112233445566778899aabbccddeeff";
pub const SHA256_KEY: &str = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
pub const SHA1_KEY: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";

pub fn v4(a: &str) -> Ipv4Addr {
    a.parse().unwrap()
}

pub fn v6(a: &str) -> Ipv6Addr {
    a.parse().unwrap()
}

/// A mixed IPv4 capture: UDP, TCP and ICMP between 10.0.0.1 and 10.0.1.1
/// (inside the selector) plus one packet outside it.
pub fn v4_traffic() -> Vec<Vec<u8>> {
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

pub fn frames_of(path: &Path) -> Vec<Vec<u8>> {
    read_capture(path)
        .packets
        .into_iter()
        .map(|p| p.data)
        .collect()
}

/// Encrypt IN with `out_sas`, decrypt with `in_sas`, and check that the
/// round trip restores every frame byte for byte. Returns the encrypted frames
/// and both JSON reports.
pub fn round_trip(
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

pub fn v6_traffic(n: usize) -> Vec<Vec<u8>> {
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

pub fn gcm_tunnel(extra: &str) -> String {
    format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 {extra}"
    )
}

/// Run one command on `frames` (pcap of `link_type`) and return (output frames, report).
pub fn run_on(
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

pub fn run_fail(name: &str, op: &str, frames: &[Vec<u8>], sas: &[&str]) -> String {
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
