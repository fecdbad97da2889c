//! No panics in the packet paths: mutated and truncated frames of every
//! supported link type through `process` for both operations.
#![cfg(test)]

mod common;

use common::*;
use ipsecctl::capture::{Capture, Format, Packet};
use ipsecctl::run::{parse_specs, process, Operation};

const SAS: &[&str] = &[
    "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 replay-window 64 flag esn sel src 172.16.0.0/16",
    "src 10.0.0.1 dst 10.0.1.1 proto esp spi 0x2000 enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314",
    "src 10.0.0.1 dst 10.0.1.1 proto ah spi 0x2001 auth-trunc 'hmac(md5)' 0x00112233445566778899aabbccddeeff 96",
    "src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x3000 aead 'rfc4543(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 encap espinudp 4500 4500 ::",
];

fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

fn cap(link_type: u32, frames: &[Vec<u8>]) -> Capture {
    Capture {
        format: Format::Pcap,
        big_endian: false,
        nanosecond: false,
        link_type,
        snaplen: 65535,
        packets: packets(link_type, frames),
    }
}

fn frame(link_type: u32, ip: &[u8]) -> Vec<u8> {
    let v6 = ip.first().is_some_and(|b| b >> 4 == 6);
    let mut f = match link_type {
        0 => vec![if v6 { 24 } else { 2 }, 0, 0, 0],
        1 => return ether(ip, Some(1)),
        108 => vec![0, 0, 0, if v6 { 24 } else { 2 }],
        113 => vec![
            0,
            0,
            0,
            1,
            0,
            6,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            if v6 { 0x86 } else { 0x08 },
            if v6 { 0xdd } else { 0 },
        ],
        276 => {
            let mut h = vec![if v6 { 0x86 } else { 0x08 }, if v6 { 0xdd } else { 0 }];
            h.extend_from_slice(&[0; 18]);
            h
        }
        _ => Vec::new(),
    };
    f.extend_from_slice(ip);
    f
}

#[test]
fn mutated_frames_never_panic() {
    let specs = parse_specs(&SAS.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    let plain: Vec<Vec<u8>> = vec![
        ipv4(
            "10.0.0.1".parse().unwrap(),
            "10.0.1.1".parse().unwrap(),
            17,
            &udp(1, 2, &payload(1, 40)),
            1,
        ),
        ipv4(
            "10.0.0.1".parse().unwrap(),
            "10.0.1.1".parse().unwrap(),
            6,
            &tcp(1, 2, &payload(2, 3)),
            2,
        ),
        ipv6(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
            17,
            &udp(3, 4, &payload(3, 17)),
        ),
        ipv4(
            "172.16.0.1".parse().unwrap(),
            "172.16.0.2".parse().unwrap(),
            1,
            &icmp_echo(1, b"ping"),
            3,
        ),
    ];
    let mut seed = 42u64;
    for lt in [0u32, 1, 12, 14, 101, 108, 113, 228, 229, 276] {
        let frames: Vec<Vec<u8>> = plain.iter().map(|p| frame(lt, p)).collect();
        let (enc, _) = process(Operation::Encrypt, &specs, &cap(lt, &frames)).unwrap();
        let enc: Vec<Vec<u8>> = enc.into_iter().map(|p| p.data).collect();
        // Unmodified: decrypt gives the plain frames back (where the link type carries them).
        let (dec, r) = process(Operation::Decrypt, &specs, &cap(lt, &enc)).unwrap();
        let dec: Vec<Vec<u8>> = dec.into_iter().map(|p: Packet| p.data).collect();
        assert_eq!(dec, frames, "link type {lt}: {r:?}");
        if lt != 228 && lt != 229 {
            assert_eq!(r.packets.transformed, 4, "link type {lt}: {r:?}");
        }
        let mut mutated = Vec::new();
        for f in enc.iter().chain(&frames) {
            for n in 0..f.len() {
                mutated.push(f[..n].to_vec());
            }
            for _ in 0..200 {
                let mut m = f.clone();
                for _ in 0..1 + lcg(&mut seed) % 3 {
                    let at = lcg(&mut seed) as usize % m.len();
                    m[at] ^= 1 << (lcg(&mut seed) % 8);
                }
                mutated.push(m);
            }
        }
        for op in [Operation::Encrypt, Operation::Decrypt] {
            let (out, r) = process(op, &specs, &cap(lt, &mutated)).unwrap();
            assert_eq!(r.packets.read as usize, mutated.len());
            assert_eq!(
                (r.packets.transformed + r.packets.passed + r.packets.dropped) as usize,
                mutated.len()
            );
            assert_eq!(out.len() as u64, r.packets.transformed + r.packets.passed);
            let dropped: u64 = r.drops.values().sum();
            assert_eq!(dropped, r.packets.dropped);
        }
    }
}
