//! Packet and capture builders shared by the integration tests.
#![allow(dead_code)]

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ipsecctl::capture::{Packet, PcapWriter};

fn csum(data: &[u8], init: u32) -> u16 {
    let mut sum = init;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 packet with the given protocol and payload (checksum filled).
pub fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8], id: u16) -> Vec<u8> {
    let total = 20 + payload.len();
    let mut p = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, proto, 0, 0];
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[4..6].copy_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    let c = csum(&p, 0);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// An IPv6 packet.
pub fn ipv6(src: Ipv6Addr, dst: Ipv6Addr, next: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.push(next);
    p.push(64);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(payload);
    p
}

/// A UDP header + payload (checksum 0 for IPv4 is allowed; we leave 0).
pub fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

/// A minimal TCP header + payload.
pub fn tcp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(payload);
    t
}

/// ICMP echo request.
pub fn icmp_echo(seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut i = vec![8, 0, 0, 0, 0, 1];
    i.extend_from_slice(&seq.to_be_bytes());
    i.extend_from_slice(payload);
    let c = csum(&i, 0);
    i[2..4].copy_from_slice(&c.to_be_bytes());
    i
}

/// Payload bytes of a given length that differ per `n`.
pub fn payload(n: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + n * 13) as u8).collect()
}

/// An Ethernet frame (optionally 802.1Q tagged) around an IP packet.
pub fn ether(ip: &[u8], vlan: Option<u16>) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    if let Some(v) = vlan {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&v.to_be_bytes());
    }
    let et: u16 = if ip[0] >> 4 == 6 { 0x86dd } else { 0x0800 };
    f.extend_from_slice(&et.to_be_bytes());
    f.extend_from_slice(ip);
    f
}

/// Packets with increasing timestamps.
pub fn packets(link_type: u32, frames: &[Vec<u8>]) -> Vec<Packet> {
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| Packet {
            ts_sec: 1_700_000_000 + i as i64,
            ts_nsec: (i as u32) * 1000 + 7000,
            orig_len: f.len() as u32,
            link_type,
            data: f.clone(),
        })
        .collect()
}

/// Encode a pcap file.
pub fn pcap_bytes(
    link_type: u32,
    frames: &[Vec<u8>],
    nanosecond: bool,
    big_endian: bool,
) -> Vec<u8> {
    PcapWriter {
        big_endian,
        nanosecond,
        link_type,
        snaplen: 65535,
    }
    .encode(&packets(link_type, frames))
    .unwrap()
}

/// A fresh temporary directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ipsecctl-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run the built binary.
pub fn ipsecctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ipsecctl"))
        .args(args)
        .output()
        .unwrap()
}

/// Run `pcap OP` with the SAs, returning the output.
pub fn run_pcap(op: &str, sas: &[&str], input: &Path, output: &Path, json: bool) -> Output {
    let mut args: Vec<String> = vec!["pcap".into(), op.into()];
    for s in sas {
        args.push("--sa".into());
        args.push((*s).into());
    }
    args.push("--in".into());
    args.push(input.to_str().unwrap().into());
    args.push("--out".into());
    args.push(output.to_str().unwrap().into());
    if json {
        args.push("--json".into());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ipsecctl(&refs)
}

/// The packets of a capture file.
pub fn read_capture(path: &Path) -> ipsecctl::capture::Capture {
    ipsecctl::capture::parse(&std::fs::read(path).unwrap()).unwrap()
}

/// Parse the `--json` report of a successful run.
pub fn json_report(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
