//! Lifetimes: soft events once, hard limits remove the SA, in kilobytes (from the datapath's
//! counters) and in seconds.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{sa_flags, Event, EventKind, SaParams, EVENT_ALL_ENABLE};
use ipsecov2_satable::OffloadHandle;

fn traffic(p: &Plane, h: ipsecov2_control_plane::SaHandle, bytes: usize) {
    let off = OffloadHandle::from_u64(p.query_sa_data(h).unwrap().offload).unwrap();
    p.store()
        .table()
        .with_sa(off, |sa| sa.counters.count_ok(bytes))
        .unwrap();
}

#[test]
fn kilobyte_limits() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    let sas = [SaParams {
        soft_kbytes: 2,
        hard_kbytes: 4,
        ..esp(0x100)
    }];
    let h = p.sa_add(&add_req(pol, 8, &sas)).unwrap();
    traffic(&p, h, 1500);
    p.tick(1);
    assert!(p.pop_event().is_none());
    traffic(&p, h, 1000);
    p.tick(2);
    p.tick(3);
    assert_eq!(
        p.pop_event(),
        Some(Event::Expire {
            kind: EventKind::ExpireKbSoft,
            sa_id: 8
        })
    );
    assert!(p.pop_event().is_none(), "a soft event is raised once");
    let st = p.sa_stats(pol, h, false).unwrap();
    assert_eq!(st.stats[0].bytes_used, 2500);
    assert_eq!(st.stats[0].bytes_remaining, 4096 - 2500);
    traffic(&p, h, 2000);
    p.tick(4);
    assert_eq!(
        p.pop_event(),
        Some(Event::Expire {
            kind: EventKind::ExpireKbHard,
            sa_id: 8
        })
    );
    assert!(p.query_sa_data(h).is_err());
    assert_eq!(p.store().table().len(), 0);
}

#[test]
fn second_limits_unless_switched_off() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    p.tick(100);
    let on = [SaParams {
        soft_secs: 10,
        hard_secs: 20,
        ..esp(0x100)
    }];
    let off = [SaParams {
        soft_secs: 10,
        hard_secs: 20,
        flags: esp(0).flags | sa_flags::LIFETIME_SECS_OFF,
        ..esp(0x200)
    }];
    let a = p.sa_add(&add_req(pol, 1, &on)).unwrap();
    let b = p.sa_add(&add_req(pol, 2, &off)).unwrap();
    p.tick(109);
    assert!(p.pop_event().is_none());
    p.tick(110);
    assert_eq!(
        p.pop_event(),
        Some(Event::Expire {
            kind: EventKind::ExpireSecsSoft,
            sa_id: 1
        })
    );
    assert_eq!(
        p.sa_stats(pol, a, false).unwrap().stats[0].secs_remaining,
        10
    );
    p.tick(120);
    assert_eq!(
        p.pop_event(),
        Some(Event::Expire {
            kind: EventKind::ExpireSecsHard,
            sa_id: 1
        })
    );
    assert!(p.query_sa_data(a).is_err());
    assert!(p.query_sa_data(b).is_ok());
    // The clock never goes back.
    p.tick(5);
    assert_eq!(p.now(), 120);
}
