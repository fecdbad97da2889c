//! The wire layer's views: every named field range read and written where it should be, checked
//! constructors refusing short buffers, the IPv6 header chain walk over good, truncated and
//! malformed chains, Repr round trips, and no panic on arbitrary bytes.
#![allow(clippy::unwrap_used, clippy::panic)]

use ipsec_engine::wire::ipv6ext::{self, HeaderChain, Ipv6ExtHeader};
use ipsec_engine::wire::{
    ah, checksum, datagram_len, destination, esp, ethernet, ethertype, field, ipv4, ipv6,
    locate_ipsec, proto, udp, AhPacket, AhRepr, EspPacket, EspRepr, EthernetFrame, EthernetRepr,
    IpAddrBytes, Ipv4Packet, Ipv4Repr, Ipv6Packet, Ipv6Repr, UdpPacket, UdpRepr,
};
use ipsec_engine::PacketError;
use proptest::prelude::*;

/// A buffer whose byte `i` is `i + 1`: every field reads as its own offsets.
fn counting(n: usize) -> Vec<u8> {
    (1..=n).map(|i| i as u8).collect()
}

fn be(b: &[u8], r: core::ops::Range<usize>) -> u64 {
    b[r].iter().fold(0u64, |a, &x| (a << 8) | u64::from(x))
}

/// Which bytes of a zeroed `n`-byte buffer `set` changes.
fn touched(n: usize, set: impl FnOnce(&mut [u8])) -> Vec<usize> {
    let mut b = vec![0u8; n];
    set(&mut b);
    b.iter()
        .enumerate()
        .filter(|(_, &x)| x != 0)
        .map(|(i, _)| i)
        .collect()
}

fn range(r: core::ops::Range<usize>) -> Vec<usize> {
    r.collect()
}

#[test]
fn field_helpers_are_bounds_checked() {
    let b = [1u8, 2, 3, 4, 5];
    assert_eq!(field::be16(&b, 3), Some(0x0405));
    assert_eq!(field::be16(&b, 4), None);
    assert_eq!(field::be16(&b, usize::MAX), None);
    assert_eq!(field::be32(&b, 1), Some(0x0203_0405));
    assert_eq!(field::be32(&b, 2), None);
    assert_eq!(field::read16(&b, 0..3), None, "a range of the wrong width");
    assert_eq!(field::bytes::<2>(&b, 3..5), Some([4, 5]));
    let mut w = [0u8; 4];
    assert!(field::put16(&mut w, 2, 0xabcd));
    assert!(!field::put16(&mut w, 3, 1));
    assert!(!field::put32(&mut w, usize::MAX, 1));
    assert!(!field::write(&mut w, 0..2, &[1, 2, 3]));
    assert_eq!(w, [0, 0, 0xab, 0xcd]);
}

#[test]
fn ipv4_fields_sit_at_their_ranges() {
    let mut b = counting(24);
    b[0] = 0x46;
    let p = Ipv4Packet::new_unchecked(&b[..]);
    assert_eq!((p.version(), p.header_len()), (4, 24));
    assert_eq!(p.dscp_ecn(), b[ipv4::field::DSCP_ECN]);
    assert_eq!(u64::from(p.total_len()), be(&b, ipv4::field::LENGTH));
    assert_eq!(u64::from(p.ident()), be(&b, ipv4::field::IDENT));
    assert_eq!(u64::from(p.flags_frag()), be(&b, ipv4::field::FLG_OFF));
    assert_eq!(p.ttl(), b[ipv4::field::TTL]);
    assert_eq!(p.protocol(), b[ipv4::field::PROTOCOL]);
    assert_eq!(u64::from(p.checksum()), be(&b, ipv4::field::CHECKSUM));
    assert_eq!(p.src_addr()[..], b[12..16]);
    assert_eq!(p.dst_addr()[..], b[16..20]);
    assert_eq!(p.options(), &b[20..24]);
    assert_eq!(ipv4::field::SRC_ADDR, 12..16);
    assert_eq!(ipv4::field::DST_ADDR, 16..20);

    let n = ipv4::HEADER_LEN;
    let set =
        |f: fn(&mut Ipv4Packet<&mut [u8]>)| touched(n, |b| f(&mut Ipv4Packet::new_unchecked(b)));
    assert_eq!(set(|p| p.set_total_len(0xffff)), range(ipv4::field::LENGTH));
    assert_eq!(set(|p| p.set_ident(0xffff)), range(ipv4::field::IDENT));
    assert_eq!(
        set(|p| p.set_flags_frag(0xffff)),
        range(ipv4::field::FLG_OFF)
    );
    assert_eq!(set(|p| p.set_ttl(1)), vec![ipv4::field::TTL]);
    assert_eq!(set(|p| p.set_protocol(1)), vec![ipv4::field::PROTOCOL]);
    assert_eq!(
        set(|p| p.set_src_addr([9; 4])),
        range(ipv4::field::SRC_ADDR)
    );
    assert_eq!(
        set(|p| p.set_dst_addr([9; 4])),
        range(ipv4::field::DST_ADDR)
    );
    assert_eq!(set(|p| p.set_dscp_ecn(1)), vec![ipv4::field::DSCP_ECN]);
}

#[test]
fn ipv4_fragment_bits() {
    let frag = |ff: u16| {
        let mut b = [0u8; 20];
        b[0] = 0x45;
        let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
        p.set_flags_frag(ff);
        (p.is_fragment(), p.frag_offset())
    };
    assert_eq!(frag(ipv4::FLAG_DF), (false, 0));
    assert_eq!(frag(ipv4::FLAG_MF), (true, 0));
    assert_eq!(frag(ipv4::FLAG_DF | 3), (true, 3));
}

#[test]
fn ipv6_fields_sit_at_their_ranges() {
    let mut b = counting(40);
    b[0] = 0x6a;
    let p = Ipv6Packet::new_unchecked(&b[..]);
    assert_eq!(p.version(), 6);
    assert_eq!(p.traffic_class(), 0xa0 | (b[1] >> 4));
    assert_eq!(p.flow_label(), (be(&b, 0..4) & 0x000f_ffff) as u32);
    assert_eq!(u64::from(p.payload_len()), be(&b, ipv6::field::LENGTH));
    assert_eq!(p.next_header(), b[ipv6::field::NXT_HDR]);
    assert_eq!(p.hop_limit(), b[ipv6::field::HOP_LIMIT]);
    assert_eq!(p.src_addr()[..], b[8..24]);
    assert_eq!(p.dst_addr()[..], b[24..40]);

    let n = ipv6::HEADER_LEN;
    let set =
        |f: fn(&mut Ipv6Packet<&mut [u8]>)| touched(n, |b| f(&mut Ipv6Packet::new_unchecked(b)));
    assert_eq!(
        set(|p| p.set_payload_len(0xffff)),
        range(ipv6::field::LENGTH)
    );
    assert_eq!(set(|p| p.set_next_header(1)), vec![ipv6::field::NXT_HDR]);
    assert_eq!(set(|p| p.set_hop_limit(1)), vec![ipv6::field::HOP_LIMIT]);
    assert_eq!(
        set(|p| p.set_src_addr([9; 16])),
        range(ipv6::field::SRC_ADDR)
    );
    assert_eq!(
        set(|p| p.set_dst_addr([9; 16])),
        range(ipv6::field::DST_ADDR)
    );
    assert_eq!(
        set(|p| p.set_ver_tc_flow(0, 0)),
        vec![0],
        "version nibble only"
    );
    assert_eq!(set(|p| p.set_ver_tc_flow(0xff, 0xf_ffff)), range(0..4));
}

#[test]
fn udp_esp_ah_ethernet_fields_sit_at_their_ranges() {
    let b = counting(24);
    let u = UdpPacket::new_unchecked(&b[..]);
    assert_eq!(u64::from(u.src_port()), be(&b, udp::field::SRC_PORT));
    assert_eq!(u64::from(u.dst_port()), be(&b, udp::field::DST_PORT));
    assert_eq!(u64::from(u.len()), be(&b, udp::field::LENGTH));
    assert_eq!(u64::from(u.checksum()), be(&b, udp::field::CHECKSUM));
    let e = EspPacket::new_unchecked(&b[..]);
    assert_eq!(u64::from(e.spi()), be(&b, esp::field::SPI));
    assert_eq!(u64::from(e.seq()), be(&b, esp::field::SEQ));
    assert_eq!(e.payload(), &b[8..]);
    let a = AhPacket::new_unchecked(&b[..]);
    assert_eq!(a.next_header(), b[ah::field::NXT_HDR]);
    assert_eq!(a.header_len(), (usize::from(b[ah::field::LENGTH]) + 2) * 4);
    assert_eq!(u64::from(a.spi()), be(&b, ah::field::SPI));
    assert_eq!(u64::from(a.seq()), be(&b, ah::field::SEQ));
    let f = EthernetFrame::new_unchecked(&b[..]);
    assert_eq!(f.destination()[..], b[0..6]);
    assert_eq!(f.source()[..], b[6..12]);
    assert_eq!(u64::from(f.ethertype()), be(&b, ethernet::field::ETHERTYPE));

    let set_u =
        |f: fn(&mut UdpPacket<&mut [u8]>)| touched(8, |b| f(&mut UdpPacket::new_unchecked(b)));
    assert_eq!(
        set_u(|u| u.set_src_port(0xffff)),
        range(udp::field::SRC_PORT)
    );
    assert_eq!(
        set_u(|u| u.set_dst_port(0xffff)),
        range(udp::field::DST_PORT)
    );
    assert_eq!(set_u(|u| u.set_len(0xffff)), range(udp::field::LENGTH));
    assert_eq!(
        set_u(|u| u.set_checksum(0xffff)),
        range(udp::field::CHECKSUM)
    );
    let set_e =
        |f: fn(&mut EspPacket<&mut [u8]>)| touched(8, |b| f(&mut EspPacket::new_unchecked(b)));
    assert_eq!(set_e(|e| e.set_spi(u32::MAX)), range(esp::field::SPI));
    assert_eq!(set_e(|e| e.set_seq(u32::MAX)), range(esp::field::SEQ));
    let set_a =
        |f: fn(&mut AhPacket<&mut [u8]>)| touched(12, |b| f(&mut AhPacket::new_unchecked(b)));
    assert_eq!(set_a(|a| a.set_next_header(1)), vec![ah::field::NXT_HDR]);
    assert_eq!(set_a(|a| a.set_spi(u32::MAX)), range(ah::field::SPI));
    assert_eq!(set_a(|a| a.set_seq(u32::MAX)), range(ah::field::SEQ));
    assert_eq!(
        set_a(|a| a.set_header_len(16).unwrap()),
        vec![ah::field::LENGTH]
    );
}

#[test]
fn checked_constructors_refuse_every_short_prefix() {
    let mut v4 = [0u8; 20];
    v4[0] = 0x45;
    Ipv4Packet::new_unchecked(&mut v4[..]).set_total_len(20);
    let mut v6 = [0u8; 40];
    v6[0] = 0x60;
    let mut u = [0u8; 8];
    UdpPacket::new_unchecked(&mut u[..]).set_len(8);
    let mut a = [0u8; 12];
    a[1] = 1;
    let eth = [0u8; 14];
    for n in 0..20 {
        assert_eq!(
            Ipv4Packet::new_checked(&v4[..n]).err(),
            Some(PacketError::Truncated),
            "{n}"
        );
    }
    for n in 0..40 {
        assert_eq!(
            Ipv6Packet::new_checked(&v6[..n]).err(),
            Some(PacketError::Truncated),
            "{n}"
        );
    }
    for n in 0..8 {
        assert_eq!(
            UdpPacket::new_checked(&u[..n]).err(),
            Some(PacketError::Truncated),
            "{n}"
        );
        assert_eq!(
            EspPacket::new_checked(&u[..n]).err(),
            Some(PacketError::Truncated),
            "{n}"
        );
    }
    for n in 0..12 {
        assert_eq!(
            AhPacket::new_checked(&a[..n]).err(),
            Some(PacketError::Truncated),
            "{n}"
        );
    }
    for n in 0..14 {
        assert_eq!(
            EthernetFrame::new_checked(&eth[..n]).err(),
            Some(PacketError::Truncated)
        );
    }
    assert!(Ipv4Packet::new_checked(&v4[..]).is_ok());
    assert!(Ipv6Packet::new_checked(&v6[..]).is_ok());
    assert!(UdpPacket::new_checked(&u[..]).is_ok());
    assert!(AhPacket::new_checked(&a[..]).is_ok());
    assert!(EthernetFrame::new_checked(&eth[..]).is_ok());
    // Inconsistent rather than short.
    v4[0] = 0x44;
    assert_eq!(
        Ipv4Packet::new_checked(&v4[..]).err(),
        Some(PacketError::Malformed)
    );
    v4[0] = 0x65;
    assert_eq!(
        Ipv4Packet::new_checked(&v4[..]).err(),
        Some(PacketError::Malformed)
    );
    v6[0] = 0x40;
    assert_eq!(
        Ipv6Packet::new_checked(&v6[..]).err(),
        Some(PacketError::Malformed)
    );
    UdpPacket::new_unchecked(&mut u[..]).set_len(7);
    assert_eq!(
        UdpPacket::new_checked(&u[..]).err(),
        Some(PacketError::BadLength)
    );
    a[1] = 2;
    assert_eq!(
        AhPacket::new_checked(&a[..]).err(),
        Some(PacketError::Truncated)
    );
}

#[test]
fn datagram_length_and_destination() {
    let mut v4 = vec![0u8; 30];
    Ipv4Repr {
        src: [10, 0, 0, 1],
        dst: [10, 0, 0, 2],
        protocol: proto::UDP,
        payload_len: 4,
        ttl: 64,
        ident: 0,
        flags_frag: 0,
        dscp_ecn: 0,
    }
    .emit(&mut Ipv4Packet::new_unchecked(&mut v4[..]))
    .unwrap();
    assert_eq!(datagram_len(&v4), Ok(24), "Ethernet padding excluded");
    assert_eq!(datagram_len(&v4[..23]), Err(PacketError::Truncated));
    assert_eq!(datagram_len(&v4[..3]), Err(PacketError::Truncated));
    assert_eq!(datagram_len(&[]), Err(PacketError::Truncated));
    assert_eq!(destination(&v4), Ok(IpAddrBytes::V4([10, 0, 0, 2])));
    v4[0] = 0x44;
    assert_eq!(datagram_len(&v4), Err(PacketError::Malformed));
    let mut v6 = vec![0u8; 44];
    v6[0] = 0x60;
    Ipv6Packet::new_unchecked(&mut v6[..]).set_payload_len(2);
    v6[39] = 7;
    assert_eq!(datagram_len(&v6), Ok(42));
    assert_eq!(destination(&v6[..39]), Err(PacketError::Truncated));
    assert!(matches!(destination(&v6), Ok(IpAddrBytes::V6(a)) if a[15] == 7));
    assert_eq!(datagram_len(&[0x50, 0, 0, 0]), Err(PacketError::Malformed));
}

#[test]
fn ethernet_vlan_tags() {
    let mut f = vec![0u8; 26];
    EthernetFrame::new_unchecked(&mut f[..]).set_ethertype(ethertype::VLAN);
    field::put16(&mut f, 16, ethertype::QINQ);
    field::put16(&mut f, 20, ethertype::IPV6);
    let v = EthernetFrame::new_checked(&f[..]).unwrap();
    assert_eq!(
        v.payload_type(0, ethertype::is_vlan_tag),
        Ok((14, ethertype::VLAN))
    );
    assert_eq!(
        v.payload_type(1, |t| t == ethertype::VLAN),
        Ok((18, ethertype::QINQ))
    );
    assert_eq!(
        v.payload_type(usize::MAX, ethertype::is_vlan_tag),
        Ok((22, ethertype::IPV6))
    );
    // A tag cut off before its EtherType.
    assert_eq!(
        EthernetFrame::new_unchecked(&f[..19]).payload_type(9, ethertype::is_vlan_tag),
        Err(PacketError::Truncated)
    );
    assert_eq!(
        EthernetFrame::new_unchecked(&f[..13]).payload_type(9, ethertype::is_vlan_tag),
        Err(PacketError::Truncated)
    );
}

/// IPv6 fixed header + `ext` (extension headers and the rest).
fn v6_packet(first: u8, ext: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 40];
    Ipv6Repr {
        src: [1; 16],
        dst: [2; 16],
        next_header: first,
        payload_len: ext.len(),
        hop_limit: 64,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut p[..]))
    .unwrap();
    p.extend_from_slice(ext);
    p
}

/// (kind, offset, length) of one extension header.
type Seen = Vec<(u8, usize, usize)>;

/// Every extension header from the fixed header on; the chain's end.
fn walk(p: &[u8]) -> (Seen, Result<(u8, usize), PacketError>) {
    let mut chain = HeaderChain::new(Ipv6Packet::new_unchecked(p).next_header(), 40);
    let mut seen = Vec::new();
    while ipv6ext::is_ext_header(chain.next_header()) {
        match chain.skip(p) {
            Ok(h) => seen.push((h.kind, h.offset, h.len)),
            Err(e) => return (seen, Err(e)),
        }
    }
    (seen, Ok((chain.next_header(), chain.offset())))
}

#[test]
fn header_chain_walks_hbh_routing_fragment_dstopts_and_ah() {
    let mut ext = vec![proto::ROUTING, 0, 0, 0, 0, 0, 0, 0]; // HBH, 8
    ext.extend([proto::FRAGMENT, 2, 0, 1]); // Routing type 0, 1 segment left, 24 bytes
    ext.extend([0u8; 20]);
    ext.extend([proto::DSTOPTS, 0, 0x00, 0x19, 0, 0, 0, 9]); // Fragment, offset 3, M
    ext.extend([proto::AH, 0, 1, 4, 0, 0, 0, 0]); // DstOpts, 8
    ext.extend([proto::ESP, 4]); // AH, 24 bytes
    ext.extend([0u8; 22]);
    ext.extend([0u8; 8]); // ESP
    let p = v6_packet(proto::HOPOPTS, &ext);
    let (seen, end) = walk(&p);
    assert_eq!(
        seen,
        vec![
            (proto::HOPOPTS, 40, 8),
            (proto::ROUTING, 48, 24),
            (proto::FRAGMENT, 72, 8),
            (proto::DSTOPTS, 80, 8),
            (proto::AH, 88, 24),
        ]
    );
    assert_eq!(end, Ok((proto::ESP, 112)), "ESP ends the chain");
    let rt = Ipv6ExtHeader::new_checked(&p[48..], proto::ROUTING).unwrap();
    assert_eq!(
        (rt.routing_type(), rt.segments_left(), rt.header_len()),
        (0, 1, 24)
    );
    assert_eq!(rt.next_header(), proto::FRAGMENT);
    assert_eq!(rt.data().len(), 22);
    let fr = Ipv6ExtHeader::new_checked(&p[72..], proto::FRAGMENT).unwrap();
    assert_eq!(
        (fr.frag_offset(), fr.more_frags(), fr.frag_ident()),
        (3, true, 9)
    );
    assert_eq!(
        HeaderChain::new(proto::FRAGMENT, 72).frag_offset(&p),
        Some(3)
    );
    assert_eq!(
        HeaderChain::new(proto::FRAGMENT, 72).frag_offset(&p[..75]),
        None
    );
    // ESP as the first header: nothing to walk.
    assert_eq!(
        walk(&v6_packet(proto::ESP, &[0; 8])).1,
        Ok((proto::ESP, 40))
    );
}

#[test]
fn header_chain_reports_truncated_and_malformed_chains() {
    // The length byte is missing.
    let (seen, end) = walk(&v6_packet(proto::HOPOPTS, &[proto::ESP]));
    assert!(seen.is_empty());
    assert_eq!(end, Err(PacketError::Truncated));
    // The header claims more than is there: `skip` steps over it, the end is past the packet,
    // and the next step finds nothing to read.
    let p = v6_packet(proto::HOPOPTS, &[proto::DSTOPTS, 3, 0, 0, 0, 0, 0, 0]);
    let (seen, end) = walk(&p);
    assert_eq!(seen, vec![(proto::HOPOPTS, 40, 32)]);
    assert!(seen[0].2 + 40 > p.len());
    assert_eq!(end, Err(PacketError::Truncated));
    assert_eq!(
        Ipv6ExtHeader::new_checked(&p[40..], proto::HOPOPTS).err(),
        Some(PacketError::Truncated)
    );
    let mut whole = HeaderChain::new(proto::HOPOPTS, 40);
    assert_eq!(whole.skip_whole(&p), Err(PacketError::Truncated));
    let mut fits = HeaderChain::new(proto::HOPOPTS, 40);
    let ok = v6_packet(proto::HOPOPTS, &[proto::ESP, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(fits.skip_whole(&ok).map(|h| h.end()), Ok(48));
    // locate_ipsec refuses both, and a fragment.
    assert_eq!(locate_ipsec(&p), Err(PacketError::Truncated));
    let frag = v6_packet(
        proto::FRAGMENT,
        &[proto::ESP, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1],
    );
    assert_eq!(locate_ipsec(&frag), Err(PacketError::Fragment));
    // Not an extension header: skip refuses.
    let mut chain = HeaderChain::new(proto::ESP, 40);
    assert_eq!(chain.skip(&frag), Err(PacketError::Malformed));
    assert_eq!((chain.next_header(), chain.offset()), (proto::ESP, 40));
    assert_eq!(
        Ipv6ExtHeader::new_checked(&frag[40..], proto::TCP).err(),
        Some(PacketError::Malformed)
    );
    // A chain of headers of length 0 still advances 8 bytes a step and ends.
    let zeros = v6_packet(proto::HOPOPTS, &[0u8; 800]);
    let (seen, end) = walk(&zeros);
    assert_eq!(seen.len(), 100);
    assert_eq!(end, Err(PacketError::Truncated));
}

#[test]
fn reprs_round_trip() {
    let r4 = Ipv4Repr {
        src: [192, 0, 2, 1],
        dst: [198, 51, 100, 7],
        protocol: proto::ESP,
        payload_len: 1000,
        ttl: 17,
        ident: 0xbeef,
        flags_frag: ipv4::FLAG_DF,
        dscp_ecn: 0xb9,
    };
    let mut b = [0u8; 20];
    r4.emit(&mut Ipv4Packet::new_unchecked(&mut b[..])).unwrap();
    let p = Ipv4Packet::new_unchecked(&b[..]);
    assert!(p.verify_checksum());
    assert_eq!(
        checksum::of(&b),
        0,
        "a header with its checksum sums to zero"
    );
    assert_eq!(Ipv4Repr::parse(&p), Ok(r4));
    let big = Ipv4Repr {
        payload_len: 65_516,
        ..r4
    };
    assert_eq!(
        big.emit(&mut Ipv4Packet::new_unchecked(&mut b[..])),
        Err(PacketError::BadLength)
    );
    assert_eq!(
        r4.emit(&mut Ipv4Packet::new_unchecked(&mut b[..19])),
        Err(PacketError::Truncated)
    );

    let r6 = Ipv6Repr {
        src: [0x20; 16],
        dst: [0xfe; 16],
        next_header: proto::AH,
        payload_len: 65_535,
        hop_limit: 1,
        traffic_class: 0xa5,
        flow_label: 0xb_cdef,
    };
    let mut b = [0u8; 40];
    r6.emit(&mut Ipv6Packet::new_unchecked(&mut b[..])).unwrap();
    assert_eq!(Ipv6Repr::parse(&Ipv6Packet::new_unchecked(&b[..])), Ok(r6));
    let r6big = Ipv6Repr {
        payload_len: 65_536,
        ..r6
    };
    assert_eq!(
        r6big.emit(&mut Ipv6Packet::new_unchecked(&mut b[..])),
        Err(PacketError::BadLength)
    );

    let ru = UdpRepr {
        src_port: 4500,
        dst_port: 500,
        payload_len: 12,
        checksum: 0x1234,
    };
    let mut b = [0u8; 20];
    ru.emit(&mut UdpPacket::new_unchecked(&mut b[..])).unwrap();
    assert_eq!(
        UdpRepr::parse(&UdpPacket::new_checked(&b[..]).unwrap()),
        Ok(ru)
    );

    let re = EspRepr {
        spi: 0x0102_0304,
        seq: u32::MAX,
    };
    let mut b = [0u8; 8];
    re.emit(&mut EspPacket::new_unchecked(&mut b[..])).unwrap();
    assert_eq!(b, re.to_bytes());
    assert_eq!(
        EspRepr::parse(&EspPacket::new_checked(&b[..]).unwrap()),
        Ok(re)
    );

    let ra = AhRepr {
        next_header: proto::TCP,
        header_len: 24,
        spi: 7,
        seq: 9,
    };
    let mut b = [0xffu8; 24];
    ra.emit(&mut AhPacket::new_unchecked(&mut b[..])).unwrap();
    assert_eq!(b[2..4], [0, 0], "reserved bytes zero");
    assert_eq!(
        AhRepr::parse(&AhPacket::new_checked(&b[..]).unwrap()),
        Ok(ra)
    );
    let odd = AhRepr {
        header_len: 14,
        ..ra
    };
    assert_eq!(
        odd.emit(&mut AhPacket::new_unchecked(&mut b[..])),
        Err(PacketError::BadLength)
    );

    let rl = EthernetRepr {
        src: [2, 0, 0, 0, 0, 1],
        dst: [2, 0, 0, 0, 0, 2],
        ethertype: ethertype::IPV6,
    };
    let b = rl.to_bytes();
    assert_eq!(
        EthernetRepr::parse(&EthernetFrame::new_checked(&b[..]).unwrap()),
        rl
    );
}

proptest! {
    #[test]
    fn views_never_panic_on_arbitrary_bytes(
        data in proptest::collection::vec(any::<u8>(), 0..160),
        first in prop_oneof![Just(None), Just(Some(0x45u8)), Just(Some(0x4f)), Just(Some(0x60))],
        kind in any::<u8>(),
        at in 0usize..200,
    ) {
        let mut d = data;
        if let (Some(f), Some(v)) = (d.first_mut(), first) {
            *f = v;
        }
        let b = &d[..];
        let v4 = Ipv4Packet::new_unchecked(b);
        let _ = (v4.check_header(), v4.version(), v4.header_len(), v4.total_len(), v4.ident());
        let _ = (v4.flags_frag(), v4.is_fragment(), v4.ttl(), v4.protocol(), v4.checksum());
        let _ = (v4.verify_checksum(), v4.src_addr(), v4.dst_addr(), v4.options(), v4.payload());
        let _ = Ipv4Packet::new_checked(b).map(|p| Ipv4Repr::parse(&p));
        let v6 = Ipv6Packet::new_unchecked(b);
        let _ = (v6.check_header(), v6.traffic_class(), v6.flow_label(), v6.payload_len());
        let _ = (v6.next_header(), v6.src_addr(), v6.dst_addr(), v6.payload());
        let _ = Ipv6Packet::new_checked(b).map(|p| Ipv6Repr::parse(&p));
        let rest = b.get(at.min(b.len())..).unwrap_or(&[]);
        let u = UdpPacket::new_unchecked(rest);
        let _ = (u.src_port(), u.dst_port(), u.len(), u.checksum(), u.payload(), u.is_empty());
        let _ = UdpPacket::new_checked(rest).map(|p| UdpRepr::parse(&p));
        let e = EspPacket::new_unchecked(rest);
        let _ = (e.spi(), e.seq(), e.payload(), EspRepr::parse(&e));
        let a = AhPacket::new_unchecked(rest);
        let _ = (a.next_header(), a.header_len(), a.spi(), a.seq(), a.icv_field());
        let _ = AhPacket::new_checked(rest).map(|p| AhRepr::parse(&p));
        let x = Ipv6ExtHeader::new_unchecked(rest, kind);
        let _ = (x.next_header(), x.header_len(), x.data(), x.routing_type(), x.segments_left());
        let _ = (x.frag_offset(), x.more_frags(), x.frag_ident());
        let _ = Ipv6ExtHeader::new_checked(rest, kind).map(|h| h.data().len());
        let eth = EthernetFrame::new_unchecked(b);
        let _ = (eth.source(), eth.destination(), eth.ethertype());
        let _ = eth.payload_type(usize::MAX, ethertype::is_vlan_tag);
        let _ = (datagram_len(b), destination(b), locate_ipsec(b));
        // The walk ends (each step advances 8 bytes or more) and never panics.
        let mut chain = HeaderChain::new(kind, at);
        let mut steps = 0;
        while ipv6ext::is_ext_header(chain.next_header()) && chain.skip(b).is_ok() {
            steps += 1;
        }
        prop_assert!(steps <= b.len() / 8 + 1);
        // Setters on a copy never write outside the buffer or panic.
        let mut m = d.clone();
        let mut w = Ipv4Packet::new_unchecked(&mut m[..]);
        w.set_total_len(1);
        w.fill_checksum();
        let mut w6 = Ipv6Packet::new_unchecked(&mut m[..]);
        w6.set_payload_len(1);
        prop_assert_eq!(m.len(), d.len());
    }
}
