//! match_packet: the interface's SPD, the first matching policy by priority, its SA; acquires.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{
    Action, Direction, Event, EventKind, PolicySpec, PortRange, EVENT_ALL_ENABLE,
};

#[test]
fn priority_decides_then_age() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let web = [sel(
        (v4(10, 0, 0, 0), 8),
        (v4(0, 0, 0, 0), 0),
        6,
        PortRange::one(443),
    )];
    let all = [any_sel()];
    let mk = |id, action, sels| PolicySpec {
        id,
        action,
        selectors: sels,
    };
    let bypass = p
        .policy_create(
            &mk(1, Action::Bypass, &web),
            &[s],
            &[10],
            Direction::Outbound,
        )
        .unwrap();
    let discard = p
        .policy_create(
            &mk(2, Action::Discard, &all),
            &[s],
            &[20],
            Direction::Outbound,
        )
        .unwrap();
    let web_pkt = packet(v4(10, 1, 1, 1), v4(192, 168, 1, 5), 6, 999, 443);
    let other = packet(v4(10, 1, 1, 1), v4(192, 168, 1, 5), 6, 999, 80);
    let v = p
        .match_packet_on(Some(IF1), Direction::Outbound, &web_pkt)
        .unwrap();
    assert_eq!((v.action, v.policy), (Action::Bypass, bypass));
    let v = p
        .match_packet_on(Some(IF1), Direction::Outbound, &other)
        .unwrap();
    assert_eq!((v.action, v.policy), (Action::Discard, discard));
    assert_eq!(
        p.pop_event().map(|e| e.kind()),
        Some(EventKind::PolicyDiscard)
    );
    // Raising the discard policy's priority puts it first.
    p.policy_change_priority(s, discard, 1).unwrap();
    let v = p
        .match_packet_on(Some(IF1), Direction::Outbound, &web_pkt)
        .unwrap();
    assert_eq!(v.policy, discard);
    // Other interface, other direction, or no matching policy: not IPsec's business.
    assert!(p
        .match_packet_on(Some(IF2), Direction::Outbound, &web_pkt)
        .is_none());
    assert!(p
        .match_packet_on(Some(IF1), Direction::Inbound, &web_pkt)
        .is_none());
    assert!(
        p.match_packet(Direction::Outbound, &web_pkt).is_none(),
        "no SPD bound to all"
    );
    let stranger = packet(v4(11, 1, 1, 1), v4(1, 1, 1, 1), 6, 1, 1);
    assert!(p
        .match_packet_on(Some(IF1), Direction::Outbound, &stranger)
        .is_none());
}

#[test]
fn protect_without_sa_acquires_then_uses_the_sa() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let s = outbound_spd(&mut p, 7, &[]);
    let pol = protect(&mut p, s, 9, 1);
    let pkt = packet(v4(10, 0, 0, 1), v4(192, 168, 1, 1), 17, 500, 500);
    let v = p.match_packet(Direction::Outbound, &pkt).unwrap();
    assert_eq!((v.action, v.sa), (Action::Protect, None));
    let Some(Event::Acquire {
        spd_id,
        policy_id,
        packet: got,
        acquire_context,
    }) = p.pop_event()
    else {
        panic!("no acquire")
    };
    assert_eq!((spd_id, policy_id, got), (7, 9, pkt));
    assert_eq!(p.policy_stats(pol, false).unwrap().policy_errors, 1);
    let sas = [esp(0x1234)];
    let mut req = add_req(pol, 1, &sas);
    req.acquire_context = acquire_context;
    let h = p.sa_add(&req).unwrap();
    let v = p.match_packet(Direction::Outbound, &pkt).unwrap();
    assert_eq!(v.sa.map(|s| s.0), Some(h));
    assert_eq!(v.sa.map(|s| s.1), Some(p.query_sa_data(h).unwrap().offload));
    assert_eq!(p.policy_stats(pol, false).unwrap().acquired_sas, 1);
    // An SA with its own selectors only serves the packets they match.
    let narrow = [sel(
        (v4(10, 0, 0, 2), 32),
        (v4(192, 168, 1, 1), 32),
        0,
        PortRange::ANY,
    )];
    let sas2 = [esp(0x1235)];
    let mut req = add_req(pol, 2, &sas2);
    req.selectors = &narrow;
    let h2 = p.sa_add(&req).unwrap();
    assert_eq!(p.lookup_sa(pol, &pkt).map(|s| s.0), Some(h));
    let pkt2 = packet(v4(10, 0, 0, 2), v4(192, 168, 1, 1), 17, 500, 500);
    assert_eq!(p.lookup_sa(pol, &pkt2).map(|s| s.0), Some(h2));
}

#[test]
fn inbound_clear_packets_and_decrypted_packets_that_do_not_belong() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let s = inbound_spd(&mut p, 3, &[IF1]);
    let pol = protect(&mut p, s, 4, 1);
    let inside = packet(v4(10, 0, 0, 1), v4(192, 168, 1, 1), 6, 1, 2);
    let v = p
        .match_packet_on(Some(IF1), Direction::Inbound, &inside)
        .unwrap();
    assert_eq!((v.action, v.sa), (Action::Protect, None));
    let Some(Event::Packet {
        kind,
        spd_id,
        policy_id,
        packet: got,
        ..
    }) = p.pop_event()
    else {
        panic!("no event")
    };
    assert_eq!(
        (kind, spd_id, policy_id, got),
        (EventKind::ClearPacketDropped, 3, 4, inside)
    );
    assert_eq!(p.global_stats().drops_clear_packet, 1);
    let sas = [esp(0x4444)];
    let h = p.sa_add(&add_req(pol, 8, &sas)).unwrap();
    let off = p.query_sa_data(h).unwrap().offload;
    assert!(p.inbound_check(off, &inside));
    let outside = packet(v4(11, 0, 0, 1), v4(192, 168, 1, 1), 6, 1, 2);
    assert!(!p.inbound_check(off, &outside));
    let Some(Event::Packet { kind, sa_id, .. }) = p.pop_event() else {
        panic!("no event")
    };
    assert_eq!((kind, sa_id), (EventKind::InvalidPolicy, 8));
    assert_eq!(
        p.sa_stats(pol, h, false).unwrap().stats[0].selector_errors,
        1
    );
    assert_eq!(p.policy_stats(pol, false).unwrap().policy_errors, 1);
    assert_eq!(p.global_stats().drops_invalid_policy, 1);
    assert!(
        p.inbound_check(0xdead, &outside),
        "not the control plane's SA"
    );
}
