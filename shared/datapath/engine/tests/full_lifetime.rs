//! Lifetimes: the soft event comes exactly once at the threshold, the hard
//! limit refuses the packet that would pass it and every packet after.
#![cfg(test)]

mod common;

use common::full::*;
use ipsec_engine::full::{
    DropReason, Lifetimes, LimitKind, Limits, Mode, Protocol, SaConfig, Usage,
};

fn cfg(protocol: Protocol, soft: Limits, hard: Limits) -> SaConfig {
    let mut c = SaConfig::new(protocol, tunnel_v4());
    c.lifetimes = Lifetimes { soft, hard };
    c
}

fn protocols() -> Vec<Protocol> {
    vec![
        Protocol::Esp(esp_transforms_short()[4]),
        Protocol::Ah(ah(ah_algs()[1])),
        Protocol::EspAh {
            esp: esp_transforms_short()[3],
            ah: ah(ah_algs()[2]),
        },
    ]
}

#[test]
fn packet_limits_both_directions() {
    for p in protocols() {
        let c = cfg(
            p,
            Limits {
                bytes: 0,
                packets: 3,
            },
            Limits {
                bytes: 0,
                packets: 5,
            },
        );
        let (mut o, mut i) = pair(&c, 2);
        let inner = inner_packets_v6()[1].clone();
        let mut buf = vec![0u8; 4096];
        let mut sent = Vec::new();
        for n in 1..=5u64 {
            let e = o.encapsulate(&inner, &mut buf).unwrap();
            let want = (n == 3).then_some(LimitKind::Packets);
            assert_eq!(e.soft_expired, want, "outbound packet {n}");
            sent.push(buf[..e.len].to_vec());
        }
        for _ in 0..3 {
            assert_eq!(
                o.encapsulate(&inner, &mut buf),
                Err(DropReason::HardLifetimeExpired)
            );
        }
        assert!(o.is_hard_expired());
        assert_eq!(
            o.usage(),
            Usage {
                bytes: 5 * inner.len() as u64,
                packets: 5
            }
        );
        for (n, pk) in sent.iter().enumerate() {
            let d = i.decapsulate(&mut pk.clone()).unwrap();
            let want = (n + 1 == 3).then_some(LimitKind::Packets);
            assert_eq!(d.soft_expired, want, "inbound packet {}", n + 1);
        }
        // A sixth authentic packet from a fresh sender with a later sequence
        // number is refused: the inbound SA has reached its hard limit.
        let mut c2 = c;
        c2.lifetimes = Lifetimes::default();
        c2.initial_oseq = 10;
        let (mut o2, _) = pair(&c2, 2);
        let e = o2.encapsulate(&inner, &mut buf).unwrap();
        assert_eq!(
            i.decapsulate(&mut buf[..e.len]),
            Err(DropReason::HardLifetimeExpired)
        );
        assert!(i.is_hard_expired());
        assert_eq!(i.replay_top(), Some(5), "refused packet moved the window");
    }
}

#[test]
fn byte_limits_both_directions() {
    let inner = inner_packets_v4()[1].clone();
    let l = inner.len() as u64;
    for p in protocols() {
        let c = cfg(
            p,
            Limits {
                bytes: 2 * l + 1,
                packets: 0,
            },
            Limits {
                bytes: 4 * l,
                packets: 0,
            },
        );
        let (mut o, mut i) = pair(&c, 4);
        let mut buf = vec![0u8; 4096];
        let mut sent = Vec::new();
        for n in 1..=4u64 {
            let e = o.encapsulate(&inner, &mut buf).unwrap();
            let want = (n == 3).then_some(LimitKind::Bytes);
            assert_eq!(e.soft_expired, want, "packet {n}");
            sent.push(buf[..e.len].to_vec());
        }
        // Exactly at the hard limit: the next packet would pass it.
        assert_eq!(
            o.encapsulate(&inner, &mut buf),
            Err(DropReason::HardLifetimeExpired)
        );
        // Sticky, even for a packet that would fit.
        let small = inner_packets_v4()[0].clone();
        assert_eq!(
            o.encapsulate(&small, &mut buf),
            Err(DropReason::HardLifetimeExpired)
        );
        let mut soft = 0;
        for pk in &sent {
            if i.decapsulate(&mut pk.clone()).unwrap().soft_expired == Some(LimitKind::Bytes) {
                soft += 1;
            }
        }
        assert_eq!(soft, 1);
        assert_eq!(i.usage().bytes, 4 * l);
    }
}

#[test]
fn soft_event_once_when_both_limits_are_set() {
    let c = cfg(
        protocols()[0],
        Limits {
            bytes: 1,
            packets: 2,
        },
        Limits::default(),
    );
    let (mut o, _) = pair(&c, 1);
    let mut buf = vec![0u8; 4096];
    let inner = inner_packets_v4()[0].clone();
    let events: Vec<_> = (0..5)
        .map(|_| o.encapsulate(&inner, &mut buf).unwrap().soft_expired)
        .collect();
    assert_eq!(events, vec![Some(LimitKind::Bytes), None, None, None, None]);
}

#[test]
fn unlimited_by_default() {
    let c = SaConfig::new(protocols()[0], Mode::Transport);
    let (mut o, _) = pair(&c, 1);
    let mut buf = vec![0u8; 4096];
    let inner = inner_packets_v4()[0].clone();
    for _ in 0..1000 {
        assert_eq!(o.encapsulate(&inner, &mut buf).unwrap().soft_expired, None);
    }
    assert_eq!(o.usage().packets, 1000);
}
