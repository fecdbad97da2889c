//! Header views and ESP/AH location helpers.
#![cfg(test)]

use ipsec_engine::wire::{
    fix_udp_encap, locate_ipsec, proto, udp6_checksum_ok, AhPacket, EspPacket, IpsecKind,
    Ipv4Packet, Ipv6Packet, UdpPacket,
};
use ipsec_engine::PacketError;
use proptest::prelude::*;

fn v4(proto_: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let ihl = 20 + options.len();
    let total = ihl + payload.len();
    let mut p = vec![0u8; 20];
    p[0] = 0x40 | (ihl / 4) as u8;
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[8] = 64;
    p[9] = proto_;
    p[12..16].copy_from_slice(&[10, 0, 0, 1]);
    p[16..20].copy_from_slice(&[10, 0, 0, 2]);
    p.extend(options);
    p.extend(payload);
    let mut ip = Ipv4Packet::new_checked(&mut p[..]).unwrap();
    ip.fill_checksum();
    p
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = vec![0u8; 8];
    u[0..2].copy_from_slice(&sport.to_be_bytes());
    u[2..4].copy_from_slice(&dport.to_be_bytes());
    u[4..6].copy_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend(payload);
    u
}

#[test]
fn ipv4_with_options_esp() {
    let esp = [0, 0, 0x12, 0x34, 0, 0, 0, 9, 1, 2, 3, 4];
    let p = v4(proto::ESP, &[1, 1, 1, 0], &esp);
    let ip = Ipv4Packet::new_checked(&p[..]).unwrap();
    assert_eq!(ip.header_len(), 24);
    assert_eq!(ip.options(), &[1, 1, 1, 0]);
    let loc = locate_ipsec(&p).unwrap();
    assert_eq!(
        (loc.ip_version, loc.kind, loc.offset, loc.end),
        (4, IpsecKind::Esp, 24, p.len())
    );
    let e = EspPacket::new_checked(&p[loc.offset..]).unwrap();
    assert_eq!((e.spi(), e.seq()), (0x1234, 9));
}

#[test]
fn ipv4_ethernet_padding_is_excluded() {
    let mut p = v4(proto::ESP, &[], &[0, 0, 0, 1, 0, 0, 0, 1]);
    let n = p.len();
    p.extend([0u8; 18]);
    assert_eq!(locate_ipsec(&p).unwrap().end, n);
}

#[test]
fn udp_encapsulated_esp_and_non_esp_marker() {
    let esp = [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 9, 9, 9, 9];
    let p = v4(proto::UDP, &[], &udp(4500, 4500, &esp));
    let loc = locate_ipsec(&p).unwrap();
    assert_eq!(loc.kind, IpsecKind::UdpEsp { udp_offset: 20 });
    assert_eq!(loc.offset, 28);
    // IKE behind the non-ESP marker.
    let ike = [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
    assert_eq!(
        locate_ipsec(&v4(proto::UDP, &[], &udp(4500, 4500, &ike))),
        Err(PacketError::NotIpsec)
    );
    // NAT keepalive.
    assert_eq!(
        locate_ipsec(&v4(proto::UDP, &[], &udp(4500, 4500, &[0xff]))),
        Err(PacketError::NotIpsec)
    );
    // Other UDP ports.
    assert_eq!(
        locate_ipsec(&v4(proto::UDP, &[], &udp(53, 53, &esp))),
        Err(PacketError::NotIpsec)
    );
}

#[test]
fn fix_udp_encap_ipv4_zero_checksum() {
    let esp = [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 9, 9, 9, 9];
    let mut p = v4(proto::UDP, &[], &udp(4500, 4500, &esp));
    p[26] = 0x12; // junk checksum
    p[24] = 0; // wrong length
    p[25] = 3;
    let end = p.len();
    fix_udp_encap(&mut p, 20, end).unwrap();
    let u = UdpPacket::new_checked(&p[20..]).unwrap();
    assert_eq!((u.len(), u.checksum()), (20, 0));
}

fn v6(next: u8, ext: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 40];
    p[0] = 0x60;
    p[4..6].copy_from_slice(&((ext.len() + payload.len()) as u16).to_be_bytes());
    p[6] = next;
    p[7] = 64;
    p[8] = 0xfe;
    p[9] = 0x80;
    p[23] = 1;
    p[24] = 0xfe;
    p[25] = 0x80;
    p[39] = 2;
    p.extend(ext);
    p.extend(payload);
    p
}

#[test]
fn ipv6_extension_header_walk() {
    // HBH (8) -> DstOpts (16) -> AH.
    let mut ext = vec![proto::DSTOPTS, 0, 1, 4, 0, 0, 0, 0];
    ext.extend([proto::AH, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let mut ah = vec![proto::TCP, 4, 0, 0, 0, 0, 0, 7, 0, 0, 0, 3];
    ah.extend([0u8; 12]);
    let p = v6(proto::HOPOPTS, &ext, &[ah, vec![1, 2, 3]].concat());
    let ip = Ipv6Packet::new_checked(&p[..]).unwrap();
    assert_eq!(ip.next_header(), 0);
    let loc = locate_ipsec(&p).unwrap();
    assert_eq!(
        (loc.ip_version, loc.kind, loc.offset),
        (6, IpsecKind::Ah, 64)
    );
    let a = AhPacket::new_checked(&p[64..]).unwrap();
    assert_eq!(
        (a.next_header(), a.header_len(), a.spi(), a.seq()),
        (proto::TCP, 24, 7, 3)
    );
    // Fragment header: refused.
    let frag = v6(
        proto::FRAGMENT,
        &[proto::ESP, 0, 0, 1, 0, 0, 0, 1],
        &[0; 12],
    );
    assert_eq!(locate_ipsec(&frag), Err(PacketError::Fragment));
    // Truncated extension header.
    let bad = v6(proto::HOPOPTS, &[proto::ESP, 5, 0, 0], &[]);
    assert_eq!(locate_ipsec(&bad), Err(PacketError::Truncated));
}

#[test]
fn fix_udp_encap_ipv6_computes_checksum() {
    let esp = [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 9, 9, 9, 9, 7];
    let mut p = v6(proto::UDP, &[], &udp(4500, 4500, &esp));
    let end = p.len();
    assert!(!udp6_checksum_ok(&p, 40, end));
    fix_udp_encap(&mut p, 40, end).unwrap();
    assert!(udp6_checksum_ok(&p, 40, end));
    assert_ne!(UdpPacket::new_checked(&p[40..]).unwrap().checksum(), 0);
    let loc = locate_ipsec(&p).unwrap();
    assert_eq!(loc.kind, IpsecKind::UdpEsp { udp_offset: 40 });
}

#[test]
fn checked_constructors_reject_short_or_inconsistent() {
    assert!(Ipv4Packet::new_checked(&[0x45u8; 10][..]).is_err());
    let mut p = v4(proto::ESP, &[], &[0; 8]);
    p[2] = 0xff; // total length beyond buffer
    assert_eq!(
        Ipv4Packet::new_checked(&p[..]).unwrap_err(),
        PacketError::Truncated
    );
    assert!(Ipv6Packet::new_checked(&[0x60u8; 39][..]).is_err());
    assert!(AhPacket::new_checked(&[6u8, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]).is_err());
    let mut buf = [0u8; 12];
    buf[1] = 1;
    let mut a = AhPacket::new_checked(&mut buf[..]).unwrap_or_else(|_| panic!());
    assert_eq!(a.set_header_len(13), Err(PacketError::BadLength));
    a.set_header_len(12).unwrap();
    a.set_spi(5);
    a.set_seq(6);
    assert_eq!((a.spi(), a.seq(), a.header_len()), (5, 6, 12));
}

proptest! {
    #[test]
    fn locate_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), v in 0u8..3) {
        let mut d = data;
        if let Some(f) = d.first_mut() {
            *f = match v { 0 => 0x45 | (*f & 0x0f), 1 => 0x60, _ => *f };
        }
        let _ = locate_ipsec(&d);
        let end = d.len();
        let _ = fix_udp_encap(&mut d, 20, end);
        let _ = Ipv4Packet::new_checked(&d[..]).map(|p| (p.payload().len(), p.options().len()));
    }
}
