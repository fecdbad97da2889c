//! The user-mode readers invert the encoders: events, statistics and query bodies read back to
//! what the control plane said.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{CryptoDropped, Direction, Event, EventKind, IpAddr, PacketFields};
use ipsecov2_ioctl::wire::{Reader, Writer};
use ipsecov2_ioctl::{client, reply, response, Ioctl};
use proptest::prelude::*;

fn pkt(src: IpAddr, dst: IpAddr) -> PacketFields {
    PacketFields {
        protocol: 17,
        src,
        dst,
        src_port: 500,
        dst_port: 4500,
    }
}

fn round_trip(e: Event) -> Event {
    let mut buf = [0u8; 64];
    let mut w = Writer::new(&mut buf);
    response::event(&mut w, &e).unwrap();
    assert_eq!(w.position(), 64);
    reply::event(&Reader::new(&buf), 0).unwrap()
}

#[test]
fn every_event_shape_round_trips() {
    let v6 = IpAddr::V6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    let cases = [
        Event::Acquire {
            spd_id: 1,
            policy_id: 2,
            packet: pkt(v4(1, 2, 3, 4), v4(5, 6, 7, 8)),
            acquire_context: 77,
        },
        Event::Expire {
            kind: EventKind::ExpireKbHard,
            sa_id: 9,
        },
        Event::Expire {
            kind: EventKind::SaPurged,
            sa_id: 10,
        },
        Event::Packet {
            kind: EventKind::InvalidPolicy,
            spd_id: 3,
            policy_id: 4,
            sa_id: 5,
            packet: pkt(v6, v6),
        },
        Event::Crypto {
            kind: EventKind::AuthFailed,
            info: CryptoDropped {
                src: v6,
                dst: v6,
                protocol: 50,
                spi: 0xdead_beef,
                flow_label: 0x12345,
                seq_no: 0x1_0000,
                count: 3,
            },
        },
    ];
    for e in cases {
        assert_eq!(round_trip(e), e);
    }
}

proptest! {
    #[test]
    fn crypto_events_round_trip(kind in 7u32..=16, spi in any::<u32>(), seq in any::<u32>(), count in any::<u32>(), a in any::<[u8; 4]>()) {
        let kind = EventKind::from_u32(kind).unwrap();
        prop_assume!(!matches!(kind, EventKind::ClearPacketDropped | EventKind::InvalidPolicy));
        let e = Event::Crypto {
            kind,
            info: CryptoDropped { src: IpAddr::V4(a), dst: IpAddr::V4(a), protocol: 51, spi, flow_label: 0, seq_no: seq, count },
        };
        prop_assert_eq!(round_trip(e), e);
    }
}

#[test]
fn statistics_and_queries_read_back() {
    let mut rig = Rig::new(false);
    let (spd, pol, sa) = rig.populate();
    rig.plane.events_mut().set_mask(u32::MAX);
    rig.plane.report(Event::Crypto {
        kind: EventKind::WrongSpi,
        info: CryptoDropped {
            src: v4(1, 1, 1, 1),
            dst: v4(2, 2, 2, 2),
            protocol: 50,
            spi: 5,
            flow_label: 0,
            seq_no: 1,
            count: 1,
        },
    });
    let expect_global = rig.plane.global_stats();
    let r = rig.ok(Ioctl::GlobalStats, &client::words(&[]));
    assert_eq!(reply::global_stats(&r.body).unwrap(), expect_global);
    let expect_sa = rig
        .plane
        .sa_stats(
            ipsecov2_control_plane::PolicyHandle(pol),
            ipsecov2_control_plane::SaHandle(sa),
            false,
        )
        .unwrap();
    let r = rig.ok(Ioctl::SaStats, &client::words(&[pol, sa, 0]));
    assert_eq!(reply::sa_stats(&r.body).unwrap(), expect_sa);
    let r = rig.ok(Ioctl::PolicyStats, &client::words(&[pol, 0]));
    let ps = reply::policy_stats(&r.body).unwrap();
    assert_eq!((ps.spd_id, ps.policy_id), (1, 10));
    let r = rig.ok(Ioctl::QueryAllSpds, &client::words(&[]));
    let spds = reply::spd_identities(&r.body).unwrap();
    assert_eq!(spds.len(), 1);
    assert_eq!(
        (spds[0].id, spds[0].handle.0, spds[0].direction),
        (1, spd, Direction::Outbound)
    );
    let r = rig.ok(Ioctl::QueryAllSas, &client::words(&[spd]));
    assert_eq!(reply::id_handles(&r.body).unwrap(), vec![(100, sa)]);
    let r = rig.ok(Ioctl::QueryPolicyHandle, &client::list(&[10, 11]));
    let got = reply::id_handle_status(&r.body).unwrap();
    assert_eq!(got[0], (10, pol, 0));
    assert_eq!(
        got[1].2,
        ipsecov2_control_plane::PlaneError::InvalidPolicyId.code()
    );
    let r = rig.ok(Ioctl::EventWait, &client::words(&[0, 0]));
    let (events, dropped) = reply::events(&r.body).unwrap();
    assert_eq!((events.len(), dropped), (1, 0));
    assert_eq!(events[0].kind(), EventKind::WrongSpi);
    // A truncated body is a fault, not a panic.
    assert!(reply::global_stats(&Reader::new(&[0; 10])).is_err());
    assert!(reply::events(&Reader::new(&[
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    ]))
    .is_err());
}
