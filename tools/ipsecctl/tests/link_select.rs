//! Link-layer framing and selector matching.
#![cfg(test)]

mod common;

use std::net::IpAddr;

use common::*;
use ipsecctl::link::{datagram_len, is_supported, locate, Family, FramingError};
use ipsecctl::select::{sa_matches, selector_matches, summarize};
use ipsecctl::spec::parse;

fn v4pkt() -> Vec<u8> {
    ipv4(
        "10.0.0.1".parse().unwrap(),
        "10.0.1.1".parse().unwrap(),
        17,
        &udp(1000, 53, b"abcd"),
        1,
    )
}

fn v6pkt() -> Vec<u8> {
    ipv6(
        "2001:db8::1".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
        6,
        &tcp(1, 2, b"x"),
    )
}

#[test]
fn raw_link_types() {
    let p4 = v4pkt();
    let p6 = v6pkt();
    for lt in [12, 14, 101] {
        let l = locate(lt, &p4).unwrap();
        assert_eq!((l.offset, l.len, l.family), (0, p4.len(), Family::V4));
        let l = locate(lt, &p6).unwrap();
        assert_eq!((l.offset, l.len, l.family), (0, p6.len(), Family::V6));
        // Raw IP follows the version nibble in both directions.
        assert_eq!(l.rebuild(&p6, &p4).unwrap(), p4);
    }
    assert!(locate(228, &p4).is_some() && locate(228, &p6).is_none());
    assert!(locate(229, &p6).is_some() && locate(229, &p4).is_none());
    let l = locate(228, &p4).unwrap();
    assert_eq!(l.rebuild(&p4, &p6).unwrap_err(), FramingError::WrongFamily);
    assert!(locate(101, &[0x55; 40]).is_none());
    assert!(locate(101, &[]).is_none());
    assert!(locate(147, &p4).is_none());
    assert!(!is_supported(147) && is_supported(276));
}

#[test]
fn ethernet_vlan_padding_and_ethertype_fixup() {
    let p4 = v4pkt();
    let p6 = v6pkt();
    let mut f = ether(&p4, Some(7));
    // Q-in-Q: insert an 802.1ad tag before the 802.1Q one.
    f.splice(12..12, [0x88, 0xa8, 0, 5]);
    // Ethernet padding after the datagram.
    f.extend_from_slice(&[0; 6]);
    let l = locate(1, &f).unwrap();
    assert_eq!((l.offset, l.len, l.family), (22, p4.len(), Family::V4));
    assert_eq!(l.datagram(&f), &p4[..]);
    let r = l.rebuild(&f, &p6).unwrap();
    assert_eq!(&r[..20], &f[..20]);
    assert_eq!(&r[20..22], &[0x86, 0xdd]);
    assert_eq!(&r[22..], &p6[..], "padding dropped");
    // ARP is not IP; a mismatching version nibble is not IP either.
    let mut arp = ether(&p4, None);
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    assert!(locate(1, &arp).is_none());
    let mut wrong = ether(&p4, None);
    wrong[12..14].copy_from_slice(&[0x86, 0xdd]);
    assert!(locate(1, &wrong).is_none());
    assert!(locate(1, &f[..13]).is_none());
}

#[test]
fn cooked_and_loopback_link_types() {
    let p4 = v4pkt();
    let p6 = v6pkt();
    // LINUX_SLL: 16 bytes, protocol at 14.
    let mut sll = vec![0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&p4);
    let l = locate(113, &sll).unwrap();
    assert_eq!(l.offset, 16);
    let r = l.rebuild(&sll, &p6).unwrap();
    assert_eq!(&r[14..16], &[0x86, 0xdd]);
    // LINUX_SLL2: 20 bytes, protocol at 0.
    let mut sll2 = vec![
        0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0,
    ];
    sll2.extend_from_slice(&p6);
    let l = locate(276, &sll2).unwrap();
    assert_eq!((l.offset, l.family), (20, Family::V6));
    assert_eq!(&l.rebuild(&sll2, &p4).unwrap()[..2], &[0x08, 0x00]);
    // NULL: host byte order (little-endian here, big-endian from another host).
    for (hdr, v6) in [
        ([2u8, 0, 0, 0], false),
        ([0, 0, 0, 2], false),
        ([30, 0, 0, 0], true),
        ([0, 0, 0, 24], true),
    ] {
        let mut f = hdr.to_vec();
        f.extend_from_slice(if v6 { &p6 } else { &p4 });
        let l = locate(0, &f).unwrap();
        assert_eq!(l.family, if v6 { Family::V6 } else { Family::V4 });
        let other = if v6 { &p4 } else { &p6 };
        let r = l.rebuild(&f, other).unwrap();
        let af = if hdr[0] != 0 { r[0] } else { r[3] };
        assert_eq!(af, if v6 { 2 } else { 24 }, "{hdr:?}");
    }
    // LOOP: always big-endian.
    let mut lo = vec![0, 0, 0, 2];
    lo.extend_from_slice(&p4);
    let l = locate(108, &lo).unwrap();
    assert_eq!(&l.rebuild(&lo, &p6).unwrap()[..4], &[0, 0, 0, 24]);
    let mut bad = vec![0, 0, 0, 99];
    bad.extend_from_slice(&p4);
    assert!(locate(108, &bad).is_none());
}

#[test]
fn datagram_length_from_headers() {
    let p4 = v4pkt();
    assert_eq!(datagram_len(&p4, Family::V4), Some(p4.len()));
    let mut longer = p4.clone();
    longer.extend_from_slice(&[0; 9]);
    assert_eq!(datagram_len(&longer, Family::V4), Some(p4.len()));
    assert_eq!(
        datagram_len(&p4[..30], Family::V4),
        Some(30),
        "cut short: what is there"
    );
    assert_eq!(datagram_len(&p4[..19], Family::V4), None);
    let mut bad_ihl = p4.clone();
    bad_ihl[0] = 0x44;
    assert_eq!(datagram_len(&bad_ihl, Family::V4), None);
    let p6 = v6pkt();
    assert_eq!(datagram_len(&p6, Family::V6), Some(p6.len()));
    assert_eq!(datagram_len(&p6[..39], Family::V6), None);
}

#[test]
fn summaries() {
    let s = summarize(&v4pkt()).unwrap();
    assert_eq!(s.src, "10.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(
        (s.proto, s.ports, s.l4_offset, s.fragment),
        (Some(17), Some((1000, 53)), Some(20), false)
    );
    // ICMP: type/code.
    let icmp = ipv4(
        "1.1.1.1".parse().unwrap(),
        "2.2.2.2".parse().unwrap(),
        1,
        &icmp_echo(1, b"x"),
        1,
    );
    assert_eq!(summarize(&icmp).unwrap().ports, Some((8, 0)));
    // GRE with checksum and key.
    let gre = ipv4(
        "1.1.1.1".parse().unwrap(),
        "2.2.2.2".parse().unwrap(),
        47,
        &[0xa0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 42],
        1,
    );
    assert_eq!(summarize(&gre).unwrap().gre_key, Some(42));
    let gre0 = ipv4(
        "1.1.1.1".parse().unwrap(),
        "2.2.2.2".parse().unwrap(),
        47,
        &[0, 0, 0x08, 0],
        1,
    );
    assert_eq!(summarize(&gre0).unwrap().gre_key, Some(0));
    // IPv4 non-first fragment: no ports.
    let mut frag = v4pkt();
    frag[6..8].copy_from_slice(&[0x00, 0x10]);
    let s = summarize(&frag).unwrap();
    assert!(s.fragment && s.ports.is_none() && s.l4_offset.is_none());
    // IPv6 with Hop-by-Hop and Destination options, then UDP.
    let mut ext = vec![60, 0, 1, 4, 0, 0, 0, 0];
    ext.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
    ext.extend_from_slice(&udp(5, 6, b"z"));
    let p = ipv6("::1".parse().unwrap(), "::2".parse().unwrap(), 0, &ext);
    let s = summarize(&p).unwrap();
    assert_eq!(
        (s.proto, s.ports, s.l4_offset),
        (Some(17), Some((5, 6)), Some(56))
    );
    // IPv6 first fragment keeps ports, later fragments do not.
    let mut fr = vec![17, 0, 0, 1, 0, 0, 0, 9];
    fr.extend_from_slice(&udp(5, 6, b"z"));
    let s = summarize(&ipv6(
        "::1".parse().unwrap(),
        "::2".parse().unwrap(),
        44,
        &fr,
    ))
    .unwrap();
    assert!(s.fragment && s.ports == Some((5, 6)));
    fr[2..4].copy_from_slice(&[0, 0x18]);
    let s = summarize(&ipv6(
        "::1".parse().unwrap(),
        "::2".parse().unwrap(),
        44,
        &fr,
    ))
    .unwrap();
    assert!(s.fragment && s.ports.is_none());
    // Cut-short extension header chain: protocol unknown.
    let s = summarize(&ipv6(
        "::1".parse().unwrap(),
        "::2".parse().unwrap(),
        0,
        &[17],
    ))
    .unwrap();
    assert_eq!(s.proto, None);
    assert!(
        summarize(&[0x45; 10]).is_none()
            && summarize(&[]).is_none()
            && summarize(&[0x70; 60]).is_none()
    );
}

const K: &str = "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128";

#[test]
fn selector_and_sa_matching() {
    let p = summarize(&v4pkt()).unwrap();
    let sa = |s: &str| parse(&format!("{s} {K}")).unwrap();
    // Transport without sel: the SA's own addresses.
    assert!(sa_matches(
        &sa("src 10.0.0.1 dst 10.0.1.1 proto esp spi 1"),
        &p
    ));
    assert!(!sa_matches(
        &sa("src 10.0.1.1 dst 10.0.0.1 proto esp spi 1"),
        &p
    ));
    // Transport with sel: both.
    assert!(sa_matches(
        &sa("src 10.0.0.1 dst 10.0.1.1 proto esp spi 1 sel proto udp dport 53"),
        &p
    ));
    assert!(!sa_matches(
        &sa("src 10.0.0.1 dst 10.0.1.1 proto esp spi 1 sel proto udp dport 54"),
        &p
    ));
    assert!(!sa_matches(
        &sa("src 9.9.9.9 dst 10.0.1.1 proto esp spi 1 sel src 10.0.0.0/8"),
        &p
    ));
    // Tunnel without sel: everything, of either family.
    let t = sa("src 192.0.2.1 dst 192.0.2.2 proto esp spi 1 mode tunnel");
    assert!(sa_matches(&t, &p));
    assert!(sa_matches(&t, &summarize(&v6pkt()).unwrap()));
    // Tunnel with sel.
    let t = sa("src 192.0.2.1 dst 192.0.2.2 proto esp spi 1 mode tunnel sel src 10.0.0.0/24 dst 10.0.1.0/24 proto udp sport 1000");
    assert!(sa_matches(&t, &p));
    assert!(
        !sa_matches(&t, &summarize(&v6pkt()).unwrap()),
        "a v4 prefix never matches v6"
    );
    let t2 = sa("src 192.0.2.1 dst 192.0.2.2 proto esp spi 1 mode tunnel sel src 10.0.0.0/24 dst 10.0.2.0/24");
    assert!(!sa_matches(&t2, &p));
    let sel = |s: &str| {
        sa(&format!(
            "src 192.0.2.1 dst 192.0.2.2 proto esp spi 1 mode tunnel sel {s}"
        ))
        .sel
        .unwrap()
    };
    assert!(selector_matches(&sel("proto 17"), &p));
    assert!(!selector_matches(&sel("proto tcp"), &p));
    assert!(!selector_matches(&sel("proto udp sport 1001"), &p));
    assert!(selector_matches(&sel("dst 10.0.0.0/8"), &p));
    assert!(selector_matches(
        &sel("src ::/0"),
        &summarize(&v6pkt()).unwrap()
    ));
    let icmp = summarize(&ipv4(
        "1.1.1.1".parse().unwrap(),
        "2.2.2.2".parse().unwrap(),
        1,
        &icmp_echo(1, b"x"),
        1,
    ))
    .unwrap();
    assert!(selector_matches(&sel("proto icmp type 8 code 0"), &icmp));
    assert!(!selector_matches(&sel("proto icmp type 0"), &icmp));
    let gre = summarize(&ipv4(
        "1.1.1.1".parse().unwrap(),
        "2.2.2.2".parse().unwrap(),
        47,
        &[0x20, 0, 0x08, 0, 0, 0, 0, 42],
        1,
    ))
    .unwrap();
    assert!(selector_matches(&sel("proto gre key 42"), &gre));
    assert!(!selector_matches(&sel("proto gre key 43"), &gre));
    // Ports named but absent (non-first fragment): no match.
    let mut frag = v4pkt();
    frag[6..8].copy_from_slice(&[0x00, 0x10]);
    let f = summarize(&frag).unwrap();
    assert!(!selector_matches(&sel("proto udp dport 53"), &f));
    assert!(selector_matches(&sel("proto udp"), &f));
}
