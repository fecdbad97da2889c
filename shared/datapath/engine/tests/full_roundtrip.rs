//! Full face round trips: every algorithm × transport/tunnel × IPv4/IPv6
//! (inner and outer mixed) × ESP/AH/ESP+AH × UDP encapsulation (ESP) × ESN.
//! The decapsulated packet must equal the original byte for byte.
#![cfg(test)]

mod common;

use common::full::*;
use ipsec_engine::full::{
    AntiReplay, DropReason, InboundSa, Mode, OutboundSa, Protocol, SaConfig, UdpEncap,
};
use ipsec_engine::wire::{self, proto};

fn modes() -> Vec<Mode> {
    vec![Mode::Transport, tunnel_v4(), tunnel_v6()]
}

fn inners() -> Vec<Vec<u8>> {
    let mut v = inner_packets_v4();
    v.extend(inner_packets_v6());
    v
}

/// Structural checks on a protected packet.
fn check_outer(cfg: &SaConfig, inner: &[u8], out: &[u8]) {
    let v6 = match cfg.mode {
        Mode::Transport => inner[0] >> 4 == 6,
        Mode::Tunnel { src, .. } => src.is_ipv6(),
    };
    assert_eq!(out[0] >> 4, if v6 { 6 } else { 4 });
    if v6 {
        assert_eq!(
            usize::from(u16::from_be_bytes([out[4], out[5]])) + 40,
            out.len()
        );
    } else {
        assert_eq!(usize::from(u16::from_be_bytes([out[2], out[3]])), out.len());
        assert!(ipv4_checksum_ok(out), "outer IPv4 checksum");
    }
    let loc = wire::locate_ipsec(out);
    if let Some(u) = cfg.udp_encap {
        if u.dst_port == 4500 {
            let loc = loc.unwrap();
            let wire::IpsecKind::UdpEsp { udp_offset } = loc.kind else {
                panic!("not UDP-ESP: {loc:?}")
            };
            let csum = u16::from_be_bytes([out[udp_offset + 6], out[udp_offset + 7]]);
            if v6 {
                assert!(wire::udp6_checksum_ok(out, udp_offset, out.len()));
                assert_ne!(csum, 0);
            } else {
                assert_eq!(csum, 0, "RFC 3948: IPv4 UDP-ESP checksum 0");
            }
        }
    } else {
        let loc = loc.unwrap();
        let want = if cfg.protocol.ah().is_some() {
            wire::IpsecKind::Ah
        } else {
            wire::IpsecKind::Esp
        };
        assert_eq!(loc.kind, want);
        if let Some(a) = cfg.protocol.ah() {
            let ah_len = (usize::from(out[loc.offset + 1]) + 2) * 4;
            assert_eq!(ah_len % if v6 { 8 } else { 4 }, 0, "AH alignment");
            assert!(ah_len >= 12 + a.integrity.iv_len() + a.integrity.icv_len());
        }
    }
    if let Mode::Tunnel { src, dst } = cfg.mode {
        if v6 {
            assert_eq!(out[7], 64, "hop limit");
            assert_eq!(
                &out[8..24],
                &match src {
                    std::net::IpAddr::V6(a) => a.octets(),
                    _ => unreachable!(),
                }
            );
            assert_eq!(
                &out[24..40],
                &match dst {
                    std::net::IpAddr::V6(a) => a.octets(),
                    _ => unreachable!(),
                }
            );
        } else {
            assert_eq!(out[8], 64, "TTL");
            assert_eq!(
                &out[16..20],
                &match dst {
                    std::net::IpAddr::V4(a) => a.octets(),
                    _ => unreachable!(),
                }
            );
        }
    }
}

fn round_trip(cfg: &SaConfig, seed: u64) {
    let (mut o, mut i) = pair(cfg, seed);
    let mut buf = vec![0u8; 4096];
    for (n, pkt) in inners().iter().enumerate() {
        let e = o
            .encapsulate(pkt, &mut buf)
            .unwrap_or_else(|e| panic!("{cfg:?} packet {n}: {e}"));
        assert_eq!(e.seq, n as u64 + 1);
        assert!(e.len <= pkt.len() + o.max_overhead());
        let mut wire_pkt = buf[..e.len].to_vec();
        check_outer(cfg, pkt, &wire_pkt);
        if matches!(cfg.mode, Mode::Tunnel { .. }) {
            assert!(e.len > pkt.len());
        }
        let d = i
            .decapsulate(&mut wire_pkt)
            .unwrap_or_else(|e| panic!("{cfg:?} packet {n}: decap {e}"));
        assert_eq!(&wire_pkt[d.range()], &pkt[..], "{cfg:?} packet {n}");
        assert_eq!(d.seq, n as u64 + 1);
        if cfg.mode == Mode::Transport {
            assert_eq!(d.start, 0);
        }
    }
}

fn cfg(protocol: Protocol, mode: Mode, udp: bool, esn: bool) -> SaConfig {
    let mut c = SaConfig::new(protocol, mode);
    c.esn = esn;
    if udp {
        c.udp_encap = Some(UdpEncap {
            src_port: 4500,
            dst_port: 4500,
        });
    }
    c
}

#[test]
fn esp_every_algorithm_mode_family_udp_esn() {
    let mut seed = 1;
    for t in esp_transforms() {
        for mode in modes() {
            for udp in [false, true] {
                for esn in [false, true] {
                    round_trip(&cfg(Protocol::Esp(t), mode, udp, esn), seed);
                    seed += 3;
                }
            }
        }
    }
}

#[test]
fn ah_every_algorithm_mode_family_esn() {
    let mut seed = 1000;
    for a in ah_algs() {
        for mode in modes() {
            for esn in [false, true] {
                round_trip(&cfg(Protocol::Ah(ah(a)), mode, false, esn), seed);
                seed += 3;
            }
        }
    }
}

#[test]
fn esp_then_ah_bundles() {
    let mut seed = 2000;
    for t in esp_transforms() {
        for a in ah_algs() {
            for mode in modes() {
                for esn in [false, true] {
                    let p = Protocol::EspAh { esp: t, ah: ah(a) };
                    round_trip(&cfg(p, mode, false, esn), seed);
                    seed += 3;
                }
            }
        }
    }
}

#[test]
fn udp_encapsulation_on_other_ports() {
    let t = esp_transforms_short()[4];
    for mode in modes() {
        let mut c = cfg(Protocol::Esp(t), mode, false, false);
        c.udp_encap = Some(UdpEncap {
            src_port: 40000,
            dst_port: 4501,
        });
        round_trip(&c, 7);
        // The port is checked.
        let (mut o, _) = pair(&c, 7);
        let mut c2 = c;
        c2.udp_encap = Some(UdpEncap {
            src_port: 40000,
            dst_port: 4500,
        });
        let (_, mut i) = pair(&c2, 7);
        let mut buf = vec![0u8; 4096];
        let n = o.encapsulate(&inner_packets_v4()[0], &mut buf).unwrap().len;
        assert_eq!(
            i.decapsulate(&mut buf[..n]),
            Err(DropReason::UdpPortMismatch)
        );
    }
}

#[test]
fn transport_layout_v4_options_and_v6_unfragmentable_part() {
    let t = esp_transforms_short()[3];
    let c = cfg(Protocol::Esp(t), Mode::Transport, false, false);
    let (mut o, _) = pair(&c, 3);
    let mut buf = vec![0u8; 4096];
    // IPv4 with 12 bytes of options: ESP right after IHL, options kept.
    let p = &inner_packets_v4()[2];
    let n = o.encapsulate(p, &mut buf).unwrap().len;
    let out = &buf[..n];
    assert_eq!(out[0], p[0]);
    assert_eq!(&out[20..32], &p[20..32]);
    assert_eq!(out[9], proto::ESP);
    assert_eq!(&out[32..36], &SPI_ESP.to_be_bytes());
    // Other header fields unchanged (TOS, ID, DF, TTL, addresses).
    assert_eq!(out[1], p[1]);
    assert_eq!(&out[4..9], &p[4..9]);
    assert_eq!(&out[12..20], &p[12..20]);
    // IPv6 HBH, Dst, Routing | ESP | Dst (after routing, inside ESP).
    let p = &inner_packets_v6()[2];
    let n = o.encapsulate(p, &mut buf).unwrap().len;
    let out = &buf[..n];
    assert_eq!(out[6], 0); // HBH first
    let hbh_len = (usize::from(out[41]) + 1) * 8;
    let dst_at = 40 + hbh_len;
    assert_eq!(out[40], 60);
    let rt_at = dst_at + (usize::from(out[dst_at + 1]) + 1) * 8;
    assert_eq!(out[dst_at], 43);
    assert_eq!(out[rt_at], proto::ESP, "routing header now names ESP");
    let esp_at = rt_at + (usize::from(out[rt_at + 1]) + 1) * 8;
    assert_eq!(&out[esp_at..esp_at + 4], &SPI_ESP.to_be_bytes());
    // Only a Destination Options header (no routing): ESP goes before it.
    let p = &inner_packets_v6()[3];
    let n = o.encapsulate(p, &mut buf).unwrap().len;
    assert_eq!(buf[6], proto::ESP);
    assert_eq!(&buf[40..44], &SPI_ESP.to_be_bytes());
    assert!(n > p.len());
}

#[test]
fn tunnel_outer_header_fields() {
    let t = esp_transforms_short()[4];
    let c = cfg(Protocol::Esp(t), tunnel_v4(), false, false);
    let (mut o, mut i) = pair(&c, 3);
    let mut buf = vec![0u8; 4096];
    // DSCP EF + ECT(0), DF set: copied.
    let p = ipv4(17, &[], 0xb8 | 2, true, &udp_segment(1, 2, 10));
    let n = o.encapsulate(&p, &mut buf).unwrap().len;
    assert_eq!(buf[1], 0xb8 | 2);
    assert_eq!(buf[6] & 0x40, 0x40);
    assert_eq!(buf[9], proto::ESP);
    assert!(i.decapsulate(&mut buf[..n]).is_ok());
    // DF clear: copied.
    let p = ipv4(17, &[], 0, false, &udp_segment(1, 2, 10));
    o.encapsulate(&p, &mut buf).unwrap();
    assert_eq!(buf[6] & 0x40, 0);
    // Inner IPv6: traffic class copied, DF clear.
    let p = ipv6(&[], 17, 0x2d, 7, &udp_segment(1, 2, 10));
    o.encapsulate(&p, &mut buf).unwrap();
    assert_eq!(buf[1], 0x2d);
    assert_eq!(buf[6] & 0x40, 0);
    // IPv6 outer: traffic class and flow label copied.
    let c = cfg(Protocol::Esp(t), tunnel_v6(), false, false);
    let (mut o, _) = pair(&c, 3);
    let p = ipv6(&[], 17, 0x2d, 0xabcde, &udp_segment(1, 2, 10));
    o.encapsulate(&p, &mut buf).unwrap();
    assert_eq!(&buf[0..4], &p[0..4]);
    assert_eq!(buf[6], proto::ESP);
}

#[test]
fn ecn_egress_rfc6040() {
    let t = esp_transforms_short()[4];
    // AH covers no TOS bits, so a middlebox may set CE on the outer header.
    for protocol in [Protocol::Esp(t), Protocol::Ah(ah(ah_algs()[1]))] {
        let c = cfg(protocol, tunnel_v4(), false, false);
        let (mut o, mut i) = pair(&c, 3);
        let mut buf = vec![0u8; 4096];
        let set_outer_ce = |b: &mut [u8]| {
            b[1] |= 3;
            b[10] = 0;
            b[11] = 0;
            let ihl = 20;
            let mut s = 0u32;
            for ch in b[..ihl].chunks(2) {
                s += u32::from(u16::from_be_bytes([ch[0], ch[1]]));
            }
            while s > 0xffff {
                s = (s & 0xffff) + (s >> 16);
            }
            b[10..12].copy_from_slice(&(!(s as u16)).to_be_bytes());
        };
        // ECT(0) inner, CE outer: inner becomes CE (checksum fixed).
        let p = ipv4(17, &[], 0x20 | 2, true, &udp_segment(1, 2, 10));
        let n = o.encapsulate(&p, &mut buf).unwrap().len;
        if matches!(protocol, Protocol::Ah(_)) {
            set_outer_ce(&mut buf);
        } else {
            // ESP does not cover the outer header either.
            set_outer_ce(&mut buf);
        }
        let d = i.decapsulate(&mut buf[..n]).unwrap();
        let inner = &buf[d.range()];
        assert_eq!(inner[1], 0x20 | 3);
        assert!(ipv4_checksum_ok(inner));
        let mut want = p.clone();
        want[1] = 0x23;
        want[10] = 0;
        want[11] = 0;
        assert_eq!(&inner[12..], &want[12..]);
        // Not-ECT inner, CE outer: dropped.
        let p = ipv4(17, &[], 0x20, true, &udp_segment(1, 2, 10));
        let n = o.encapsulate(&p, &mut buf).unwrap().len;
        set_outer_ce(&mut buf);
        assert_eq!(i.decapsulate(&mut buf[..n]), Err(DropReason::EcnCeOnNotEct));
    }
}

#[test]
fn selector_reports_inner_five_tuple() {
    let t = esp_transforms_short()[4];
    for mode in modes() {
        let c = cfg(Protocol::Esp(t), mode, false, false);
        let (mut o, mut i) = pair(&c, 3);
        let mut buf = vec![0u8; 4096];
        let cases: Vec<(Vec<u8>, u8, u16, u16)> = vec![
            (inner_packets_v4()[1].clone(), 6, 40000, 443),
            (inner_packets_v4()[2].clone(), 17, 5, 6),
            (inner_packets_v4()[3].clone(), 1, 8, 0),
            (inner_packets_v6()[2].clone(), 17, 7, 8),
            (inner_packets_v6()[3].clone(), 58, 128, 0),
        ];
        for (p, protocol, sp, dp) in cases {
            let n = o.encapsulate(&p, &mut buf).unwrap().len;
            let d = i.decapsulate(&mut buf[..n]).unwrap();
            let s = d.selector;
            assert_eq!((s.protocol, s.src_port, s.dst_port), (protocol, sp, dp));
            if p[0] >> 4 == 4 {
                assert_eq!(s.src, addr("10.1.2.3"));
                assert_eq!(s.dst, addr("10.9.8.7"));
            } else {
                assert_eq!(s.src, addr("2001:db8:1::10"));
                assert_eq!(s.dst, addr("2001:db8:2::20"));
            }
        }
    }
}

#[test]
fn tunnel_tfc_padding_after_inner_packet_is_ignored() {
    // A peer may append TFC padding after the inner packet (RFC 4303 §2.7).
    // Frame such a packet by hand with the same keys and check that only
    // the inner IP length comes back.
    use ipsec_engine::{EspConfig, EspSa};
    let t = esp_transforms_short()[3];
    let c = cfg(Protocol::Esp(t), tunnel_v6(), false, false);
    let keys = Keys::for_protocol(&c.protocol, 3);
    let (_, mut i) = pair(&c, 3);
    let ecfg = EspConfig {
        encryption: t.encryption,
        integrity: t.integrity,
        esn: false,
    };
    let sa = EspSa::new(ecfg, &keys.enc, &keys.integ).unwrap();
    let p = inner_packets_v4()[0].clone();
    let mut padded = p.clone();
    padded.extend([0xee; 37]);
    let esp = common::frame(&ecfg, SPI_ESP, 1, &padded, proto::IPV4);
    let mut pkt = ipv6(&[], proto::ESP, 0, 0, &esp);
    sa.seal(&mut pkt[40..], 0).unwrap();
    let d = i.decapsulate(&mut pkt).unwrap();
    assert_eq!(&pkt[d.range()], &p[..]);
}

#[test]
fn protocol_and_spi_mismatches() {
    let t = esp_transforms_short()[4];
    let a = ah(ah_algs()[2]);
    let esp = cfg(Protocol::Esp(t), Mode::Transport, false, false);
    let ahc = cfg(Protocol::Ah(a), Mode::Transport, false, false);
    let (mut oe, mut ie) = pair(&esp, 1);
    let (mut oa, mut ia) = pair(&ahc, 1);
    let mut buf = vec![0u8; 4096];
    let p = &inner_packets_v4()[0];
    let n = oe.encapsulate(p, &mut buf).unwrap().len;
    assert_eq!(
        ia.decapsulate(&mut buf[..n].to_vec()),
        Err(DropReason::ProtocolMismatch)
    );
    let n2 = oa.encapsulate(p, &mut buf[2048..]).unwrap().len;
    assert_eq!(
        ie.decapsulate(&mut buf[2048..2048 + n2].to_vec()),
        Err(DropReason::ProtocolMismatch)
    );
    // Plain packets are not IPsec.
    assert_eq!(ie.decapsulate(&mut p.clone()), Err(DropReason::NotIpsec));
    // Another SPI.
    let mut other = esp;
    other.protocol = Protocol::Esp(ipsec_engine::full::EspTransform { spi: 77, ..t });
    let (_, mut io) = pair(&other, 1);
    assert_eq!(
        io.decapsulate(&mut buf[..n].to_vec()),
        Err(DropReason::SpiMismatch)
    );
    // UDP-encapsulated SA receiving plain ESP.
    let mut u = esp;
    u.udp_encap = Some(UdpEncap {
        src_port: 4500,
        dst_port: 4500,
    });
    let (_, mut iu) = pair(&u, 1);
    assert_eq!(
        iu.decapsulate(&mut buf[..n].to_vec()),
        Err(DropReason::ProtocolMismatch)
    );
}

#[test]
fn anti_replay_disabled_accepts_replays_when_configured() {
    let t = esp_transforms_short()[4];
    let mut c = cfg(Protocol::Esp(t), Mode::Transport, false, false);
    c.anti_replay = AntiReplay::Disabled;
    let (mut o, mut i) = pair(&c, 1);
    let mut buf = vec![0u8; 4096];
    let n = o.encapsulate(&inner_packets_v4()[0], &mut buf).unwrap().len;
    for _ in 0..3 {
        assert!(i.decapsulate(&mut buf[..n].to_vec()).is_ok());
    }
    assert_eq!(i.replay_top(), None);
    // With the default window the second copy is a replay.
    c.anti_replay = AntiReplay::Window(64);
    let (mut o, mut i) = pair(&c, 1);
    let n = o.encapsulate(&inner_packets_v4()[0], &mut buf).unwrap().len;
    assert!(i.decapsulate(&mut buf[..n].to_vec()).is_ok());
    assert_eq!(
        i.decapsulate(&mut buf[..n].to_vec()),
        Err(DropReason::Replayed)
    );
}

#[test]
fn config_errors() {
    use ipsec_engine::full::{ConfigError, Lifetimes, Limits, SaKeys};
    let t = esp_transforms_short()[4];
    let keys = Keys::for_protocol(&Protocol::Esp(t), 1);
    let k = keys.sa_keys();
    let base = cfg(Protocol::Esp(t), Mode::Transport, false, false);
    let mut c = base;
    c.esn = true;
    c.anti_replay = AntiReplay::Disabled;
    assert_eq!(
        InboundSa::new(&c, &k).unwrap_err(),
        ConfigError::EsnRequiresAntiReplay
    );
    let mut c = base;
    c.anti_replay = AntiReplay::Disabled;
    c.initial_iseq = Some(5);
    assert_eq!(
        InboundSa::new(&c, &k).unwrap_err(),
        ConfigError::InitialSequenceWithoutWindow
    );
    let mut c = base;
    c.initial_iseq = Some(1 << 32);
    assert_eq!(
        InboundSa::new(&c, &k).unwrap_err(),
        ConfigError::SequenceOutOfRange
    );
    let mut c = base;
    c.anti_replay = AntiReplay::Window(0);
    assert!(matches!(
        InboundSa::new(&c, &k).unwrap_err(),
        ConfigError::Setup(_)
    ));
    c.anti_replay = AntiReplay::Window(4097);
    assert!(InboundSa::new(&c, &k).is_err());
    let mut c = base;
    c.initial_oseq = 1 << 32;
    assert_eq!(
        OutboundSa::new(&c, &k).unwrap_err(),
        ConfigError::SequenceOutOfRange
    );
    c.esn = true;
    assert!(OutboundSa::new(&c, &k).is_ok());
    let mut c = base;
    c.mode = Mode::Tunnel {
        src: addr("192.0.2.1"),
        dst: addr("2001:db8::1"),
    };
    assert_eq!(
        OutboundSa::new(&c, &k).unwrap_err(),
        ConfigError::TunnelAddressFamilies
    );
    let a = Protocol::Ah(ah(ah_algs()[0]));
    let mut c = cfg(a, Mode::Transport, true, false);
    let ka = Keys::for_protocol(&a, 1);
    assert_eq!(
        OutboundSa::new(&c, &ka.sa_keys()).unwrap_err(),
        ConfigError::UdpEncapRequiresEsp
    );
    c.udp_encap = None;
    c.lifetimes = Lifetimes {
        soft: Limits {
            bytes: 0,
            packets: 10,
        },
        hard: Limits {
            bytes: 0,
            packets: 5,
        },
    };
    assert_eq!(
        OutboundSa::new(&c, &ka.sa_keys()).unwrap_err(),
        ConfigError::SoftLimitAboveHard
    );
    assert!(OutboundSa::new(&base, &SaKeys::default()).is_err());
}
