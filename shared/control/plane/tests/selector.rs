//! Selector matching: prefixes, ranges, ports, protocol, and the OR / AND / NOT rule flags,
//! checked against a straightforward model.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::selector::{matches_all, matches_one};
use ipsecov2_control_plane::{
    IpAddr, PortRange, Selector, SelectorAddr, RULE_FLAG_AND, RULE_FLAG_NOT,
};
use proptest::prelude::*;

#[test]
fn prefix_range_ports_protocol() {
    let s = sel(
        (v4(10, 1, 0, 0), 16),
        (v4(192, 168, 1, 128), 25),
        6,
        PortRange { start: 80, end: 90 },
    );
    assert!(matches_one(
        &s,
        &packet(v4(10, 1, 2, 3), v4(192, 168, 1, 200), 6, 5, 85)
    ));
    assert!(!matches_one(
        &s,
        &packet(v4(10, 2, 2, 3), v4(192, 168, 1, 200), 6, 5, 85)
    ));
    assert!(!matches_one(
        &s,
        &packet(v4(10, 1, 2, 3), v4(192, 168, 1, 127), 6, 5, 85)
    ));
    assert!(!matches_one(
        &s,
        &packet(v4(10, 1, 2, 3), v4(192, 168, 1, 200), 17, 5, 85)
    ));
    assert!(!matches_one(
        &s,
        &packet(v4(10, 1, 2, 3), v4(192, 168, 1, 200), 6, 5, 91)
    ));
    let r = Selector {
        src: SelectorAddr::Range {
            start: v4(1, 0, 0, 5),
            end: v4(1, 0, 1, 0),
        },
        ..s
    };
    assert!(matches_one(
        &r,
        &packet(v4(1, 0, 0, 200), v4(192, 168, 1, 200), 6, 5, 80)
    ));
    assert!(!matches_one(
        &r,
        &packet(v4(1, 0, 1, 1), v4(192, 168, 1, 200), 6, 5, 80)
    ));
    let v6 = IpAddr::V6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert!(
        !matches_one(&s, &packet(v6, v6, 6, 5, 80)),
        "versions differ"
    );
}

#[test]
fn or_and_not() {
    let tcp = sel((v4(0, 0, 0, 0), 0), (v4(0, 0, 0, 0), 0), 6, PortRange::ANY);
    let udp = Selector {
        protocol: 17,
        ..tcp
    };
    let port80 = Selector {
        protocol: 0,
        dst_port: PortRange::one(80),
        ..tcp
    };
    let p = |proto, port| packet(v4(1, 2, 3, 4), v4(5, 6, 7, 8), proto, 1, port);
    // OR (default).
    assert!(matches_all(&[tcp, udp], &p(17, 1)));
    assert!(!matches_all(&[tcp, udp], &p(1, 1)));
    // tcp AND port 80.
    let and = [
        Selector {
            rule_flags: RULE_FLAG_AND,
            ..tcp
        },
        port80,
    ];
    assert!(matches_all(&and, &p(6, 80)));
    assert!(!matches_all(&and, &p(6, 81)));
    assert!(!matches_all(&and, &p(17, 80)));
    // tcp AND NOT port 80.
    let and_not = [
        Selector {
            rule_flags: RULE_FLAG_AND,
            ..tcp
        },
        Selector {
            rule_flags: RULE_FLAG_NOT,
            ..port80
        },
    ];
    assert!(matches_all(&and_not, &p(6, 81)));
    assert!(!matches_all(&and_not, &p(6, 80)));
    // The last selector's AND flag is ignored.
    assert!(matches_all(
        &[Selector {
            rule_flags: RULE_FLAG_AND,
            ..udp
        }],
        &p(17, 1)
    ));
}

fn model(sels: &[Selector], pkt: &ipsecov2_control_plane::PacketFields) -> bool {
    // Split into AND groups; the packet matches when one group matches entirely.
    let mut groups: Vec<Vec<&Selector>> = vec![vec![]];
    for (i, s) in sels.iter().enumerate() {
        groups.last_mut().unwrap().push(s);
        if s.rule_flags & RULE_FLAG_AND == 0 || i + 1 == sels.len() {
            groups.push(vec![]);
        }
    }
    groups.iter().filter(|g| !g.is_empty()).any(|g| {
        g.iter()
            .all(|s| matches_one(s, pkt) != (s.rule_flags & RULE_FLAG_NOT != 0))
    })
}

proptest! {
    #[test]
    fn rule_flags_match_the_model(
        flags in proptest::collection::vec(0u8..4, 1..6),
        protos in proptest::collection::vec(prop_oneof![Just(0u8), Just(6u8), Just(17u8)], 6),
        ports in proptest::collection::vec(0u16..4, 6),
        pkt_proto in prop_oneof![Just(6u8), Just(17u8)],
        pkt_port in 0u16..4,
    ) {
        let sels: Vec<Selector> = flags.iter().enumerate().map(|(i, f)| Selector {
            rule_flags: *f,
            protocol: protos[i],
            dst_port: PortRange::one(ports[i]),
            ..sel((v4(0, 0, 0, 0), 0), (v4(0, 0, 0, 0), 0), 0, PortRange::ANY)
        }).collect();
        let pkt = packet(v4(1, 1, 1, 1), v4(2, 2, 2, 2), pkt_proto, 9, pkt_port);
        prop_assert_eq!(matches_all(&sels, &pkt), model(&sels, &pkt));
    }

    #[test]
    fn prefix_matches_by_bits(addr in any::<[u8; 4]>(), net in any::<[u8; 4]>(), len in 0u8..=32) {
        let s = sel((IpAddr::V4(net), len), (v4(0, 0, 0, 0), 0), 0, PortRange::ANY);
        let a = u32::from_be_bytes(addr);
        let n = u32::from_be_bytes(net);
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
        let pkt = packet(IpAddr::V4(addr), v4(9, 9, 9, 9), 6, 1, 1);
        prop_assert_eq!(matches_one(&s, &pkt), (a & mask) == (n & mask));
    }
}
