//! Helpers for the full-face tests: packet builders, SA pairs, algorithm lists.
#![allow(dead_code)]

use std::net::IpAddr;

use ipsec_engine::full::{
    AhTransform, EspTransform, InboundSa, Mode, OutboundSa, Protocol, SaConfig, SaKeys,
};
use ipsec_engine::{AesKeySize, AhIntegrity, EspEncryption, EspIntegrity, GcmIcvLen};

use super::key_bytes;

pub const SPI_ESP: u32 = 0x0102_0304;
pub const SPI_AH: u32 = 0x0a0b_0c0d;

/// Every ESP transform (each encryption × integrity combination the engine accepts).
pub fn esp_transforms() -> Vec<EspTransform> {
    super::all_esp_configs()
        .into_iter()
        .filter(|c| !c.esn)
        .map(|c| EspTransform {
            spi: SPI_ESP,
            encryption: c.encryption,
            integrity: c.integrity,
        })
        .collect()
}

/// A representative subset: one of each encryption family (used where the
/// full product would be too slow).
pub fn esp_transforms_short() -> Vec<EspTransform> {
    let t = |encryption, integrity| EspTransform {
        spi: SPI_ESP,
        encryption,
        integrity,
    };
    vec![
        t(EspEncryption::Null, EspIntegrity::HmacSha1_96),
        t(EspEncryption::DesCbc, EspIntegrity::HmacMd5_96),
        t(EspEncryption::TripleDesCbc, EspIntegrity::HmacSha256_128),
        t(
            EspEncryption::AesCbc(AesKeySize::Aes192),
            EspIntegrity::HmacSha256_128,
        ),
        t(
            EspEncryption::AesGcm(AesKeySize::Aes128, GcmIcvLen::Icv16),
            EspIntegrity::None,
        ),
        t(
            EspEncryption::AesGcm(AesKeySize::Aes256, GcmIcvLen::Icv8),
            EspIntegrity::None,
        ),
        t(
            EspEncryption::AesGmac(AesKeySize::Aes256),
            EspIntegrity::None,
        ),
    ]
}

/// Every AH algorithm.
pub fn ah_algs() -> Vec<AhIntegrity> {
    vec![
        AhIntegrity::HmacMd5_96,
        AhIntegrity::HmacSha1_96,
        AhIntegrity::HmacSha256_128,
        AhIntegrity::AesGmac(AesKeySize::Aes128),
        AhIntegrity::AesGmac(AesKeySize::Aes192),
        AhIntegrity::AesGmac(AesKeySize::Aes256),
    ]
}

pub fn ah(alg: AhIntegrity) -> AhTransform {
    AhTransform {
        spi: SPI_AH,
        integrity: alg,
    }
}

/// Owned key material for a protocol.
#[derive(Clone, Debug)]
pub struct Keys {
    pub enc: Vec<u8>,
    pub integ: Vec<u8>,
    pub ah: Vec<u8>,
}

impl Keys {
    pub fn for_protocol(p: &Protocol, seed: u64) -> Self {
        let (e, i) = p
            .esp()
            .map(|t| (t.encryption.key_len(), t.integrity.key_len()))
            .unwrap_or((0, 0));
        let a = p.ah().map(|t| t.integrity.key_len()).unwrap_or(0);
        Self {
            enc: key_bytes(e, seed),
            integ: key_bytes(i, seed + 1),
            ah: key_bytes(a, seed + 2),
        }
    }
    pub fn sa_keys(&self) -> SaKeys<'_> {
        SaKeys {
            esp_encryption: &self.enc,
            esp_integrity: &self.integ,
            ah: &self.ah,
        }
    }
}

/// An outbound and an inbound SA built from the same configuration and keys.
pub fn pair(cfg: &SaConfig, seed: u64) -> (OutboundSa, InboundSa) {
    let k = Keys::for_protocol(&cfg.protocol, seed);
    (
        OutboundSa::new(cfg, &k.sa_keys()).unwrap(),
        InboundSa::new(cfg, &k.sa_keys()).unwrap(),
    )
}

pub fn tunnel_v4() -> Mode {
    Mode::Tunnel {
        src: "192.0.2.1".parse().unwrap(),
        dst: "198.51.100.2".parse().unwrap(),
    }
}

pub fn tunnel_v6() -> Mode {
    Mode::Tunnel {
        src: "2001:db8::1".parse().unwrap(),
        dst: "2001:db8:ffff::2".parse().unwrap(),
    }
}

fn csum(data: &[u8]) -> u16 {
    let mut s = 0u32;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        s += u32::from(w);
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// Whether the IPv4 header checksum at the start of `p` verifies.
pub fn ipv4_checksum_ok(p: &[u8]) -> bool {
    let ihl = usize::from(p[0] & 0x0f) * 4;
    csum(&p[..ihl]) == 0
}

/// A UDP header + payload of `len` bytes total with ports.
pub fn udp_segment(sport: u16, dport: u16, body_len: usize) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(sport.to_be_bytes());
    v.extend(dport.to_be_bytes());
    v.extend(((8 + body_len) as u16).to_be_bytes());
    v.extend([0x12, 0x34]);
    v.extend((0..body_len).map(|i| (i * 7 + 3) as u8));
    v
}

/// A TCP-like header + payload.
pub fn tcp_segment(sport: u16, dport: u16, body_len: usize) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(sport.to_be_bytes());
    v.extend(dport.to_be_bytes());
    v.extend([0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    v.extend((0..body_len).map(|i| (i * 13 + 1) as u8));
    v
}

/// IPv4 packet with the given options (padded to 4 bytes), TOS, DF and payload.
pub fn ipv4(proto: u8, options: &[u8], tos: u8, df: bool, payload: &[u8]) -> Vec<u8> {
    let mut opts = options.to_vec();
    while !opts.len().is_multiple_of(4) {
        opts.push(0);
    }
    let ihl = 20 + opts.len();
    let total = ihl + payload.len();
    let mut p = vec![0u8; 20];
    p[0] = 0x40 | (ihl / 4) as u8;
    p[1] = tos;
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[4..6].copy_from_slice(&0x1c46u16.to_be_bytes());
    p[6] = if df { 0x40 } else { 0 };
    p[8] = 61;
    p[9] = proto;
    p[12..16].copy_from_slice(&[10, 1, 2, 3]);
    p[16..20].copy_from_slice(&[10, 9, 8, 7]);
    p.extend(opts);
    let c = csum(&p[..ihl]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend(payload);
    p
}

/// IPv6 packet with extension headers `exts` (type, body bytes after the
/// two-byte next/len prefix; padded to 8), traffic class, flow and payload.
pub fn ipv6(exts: &[(u8, Vec<u8>)], proto: u8, tc: u8, flow: u32, payload: &[u8]) -> Vec<u8> {
    let mut chain = Vec::new();
    for (i, (_, body)) in exts.iter().enumerate() {
        let next = exts.get(i + 1).map(|e| e.0).unwrap_or(proto);
        let mut h = vec![next, 0];
        h.extend(body);
        while h.len() % 8 != 0 {
            h.push(0);
        }
        h[1] = (h.len() / 8 - 1) as u8;
        chain.extend(h);
    }
    let first = exts.first().map(|e| e.0).unwrap_or(proto);
    let plen = chain.len() + payload.len();
    let mut p = vec![0u8; 40];
    let vtf: u32 = (6 << 28) | (u32::from(tc) << 20) | (flow & 0xfffff);
    p[0..4].copy_from_slice(&vtf.to_be_bytes());
    p[4..6].copy_from_slice(&(plen as u16).to_be_bytes());
    p[6] = first;
    p[7] = 63;
    p[8..24].copy_from_slice(
        &"2001:db8:1::10"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    p[24..40].copy_from_slice(
        &"2001:db8:2::20"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    p.extend(chain);
    p.extend(payload);
    p
}

/// A set of representative inner packets: IPv4 with and without options,
/// IPv6 with and without extension headers, TCP/UDP/ICMP, several sizes.
pub fn inner_packets_v4() -> Vec<Vec<u8>> {
    vec![
        ipv4(17, &[], 0, true, &udp_segment(1000, 53, 0)),
        ipv4(6, &[], 0xb8 | 2, false, &tcp_segment(40000, 443, 301)),
        // Router Alert + NOP + Record Route options.
        ipv4(
            17,
            &[148, 4, 0, 0, 1, 7, 7, 4, 0, 0, 0, 0],
            1,
            true,
            &udp_segment(5, 6, 1000),
        ),
        ipv4(1, &[], 0, false, &[8, 0, 0xf7, 0xff, 0, 1, 0, 1]),
    ]
}

pub fn inner_packets_v6() -> Vec<Vec<u8>> {
    let hbh = (0u8, vec![5, 2, 0, 0, 1, 0]); // Router Alert + PadN
    let dst = (60u8, vec![1, 4, 0, 0, 0, 0]);
    let mut rt = vec![0u8, 1, 0, 0, 0, 0]; // type 0, segments left 1
    rt.extend(
        "2001:db8:2::20"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    let rt = (43u8, rt);
    vec![
        ipv6(&[], 17, 0, 0, &udp_segment(1000, 53, 20)),
        ipv6(
            std::slice::from_ref(&hbh),
            6,
            0x2e,
            0xabcde,
            &tcp_segment(1, 2, 777),
        ),
        ipv6(
            &[hbh.clone(), dst.clone(), rt.clone(), dst.clone()],
            17,
            1,
            5,
            &udp_segment(7, 8, 3),
        ),
        ipv6(
            std::slice::from_ref(&dst),
            58,
            0,
            0,
            &[128, 0, 0, 0, 0, 1, 0, 1],
        ),
    ]
}

pub fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Encapsulate `n` copies of `inner` and return the protected packets
/// (sequence numbers `first..first + n`).
pub fn burst(o: &mut OutboundSa, inner: &[u8], n: usize) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    (0..n)
        .map(|_| {
            let e = o.encapsulate(inner, &mut buf).unwrap();
            buf[..e.len].to_vec()
        })
        .collect()
}

/// Hand-framed transport-mode IPv4 ESP packet whose encrypted part is
/// `body` (payload, padding, pad length, next header as given), sealed with
/// the keys of `cfg` — for trailers the outbound SA never produces.
pub fn hand_framed_esp(cfg: &SaConfig, seed: u64, seq: u32, body: &[u8]) -> Vec<u8> {
    use ipsec_engine::{EspConfig, EspSa};
    let t = cfg.protocol.esp().unwrap();
    let keys = Keys::for_protocol(&cfg.protocol, seed);
    let ecfg = EspConfig {
        encryption: t.encryption,
        integrity: t.integrity,
        esn: cfg.esn,
    };
    let sa = EspSa::new(ecfg, &keys.enc, &keys.integ).unwrap();
    let mut esp = Vec::new();
    esp.extend(t.spi.to_be_bytes());
    esp.extend(seq.to_be_bytes());
    esp.extend(vec![0u8; ecfg.iv_len()]);
    esp.extend(body);
    esp.extend(vec![0u8; ecfg.icv_len()]);
    let mut p = ipv4(50, &[], 0, true, &esp);
    sa.seal(&mut p[20..], 0).unwrap();
    p
}

/// Set the IPv4 total length (and checksum) or the IPv6 payload length of `p`
/// to match `p.len()`.
pub fn fix_ip_length(p: &mut [u8]) {
    if p[0] >> 4 == 4 {
        let l = p.len() as u16;
        p[2..4].copy_from_slice(&l.to_be_bytes());
        p[10] = 0;
        p[11] = 0;
        let ihl = usize::from(p[0] & 0x0f) * 4;
        let c = csum(&p[..ihl]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
    } else {
        let l = (p.len() - 40) as u16;
        p[4..6].copy_from_slice(&l.to_be_bytes());
    }
}
