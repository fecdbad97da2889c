//! Section 6.6.20 and the event functions: masks, rate limits, delivery of the events.

use std::sync::{Arc, Mutex};

use crate::common::plane::sa_add;
use ipsecov2_control_plane as cp;
use npf_ipsec_sapi::abi::*;
use npf_ipsec_sapi::model::{Direction, Event, EventLimit, RateLimit};
use npf_ipsec_sapi::{Done, Request};

use crate::agreement::record;
use crate::harness::{generic_sync, Harness, Plane, Via};

pub fn events_and_rate_limits(via: Via) {
    let mut h = Harness::new(via);
    let f = "RateLimitEvents";
    let lim = |event, limit| EventLimit { event, limit };
    generic_sync(
        &mut h,
        f,
        Request::RateLimitEvents(vec![lim(NPF_IPSEC_WRONG_SPI, RateLimit::EveryN(2))]),
    );
    let req = Request::RateLimitEvents(vec![
        lim(NPF_IPSEC_WRONG_SPI, RateLimit::EveryN(2)),
        lim(NPF_IPSEC_WRONG_SPI, RateLimit::PerSecond(1)),
    ]);
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_EVENTID);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_EVENTID);
    h.expect(
        f,
        Request::RateLimitEvents(vec![lim(99, RateLimit::EveryN(2))]),
        NPF_IPSEC_E_BAD_EVENTID,
    );
    h.expect(
        f,
        Request::RateLimitEvents(vec![lim(NPF_IPSEC_AUTH_FAILED, RateLimit::Other(7))]),
        NPF_IPSEC_E_BAD_EVENTID,
    );
    h.ok(
        f,
        Request::RateLimitEvents(vec![lim(NPF_IPSEC_WRONG_SPI, RateLimit::EveryN(2))]),
    );

    // Section 7.2's required events, delivered through the registered handler.
    let spd_out = h.spd(Direction::Outbound, &[], 1);
    let p = h.policy(1, 1, spd_out, Direction::Outbound);
    match &h.plane {
        Plane::InProcess(t) => {
            let packet = cp::PacketFields {
                protocol: 6,
                src: cp::IpAddr::V4([10, 0, 1, 5]),
                dst: cp::IpAddr::V4([10, 1, 1, 6]),
                src_port: 1000,
                dst_port: 80,
            };
            t.plane()
                .lock()
                .expect("plane")
                .match_packet(cp::Direction::Outbound, &packet);
            let ev = h.events();
            assert!(
                ev.iter().any(|e| matches!(
                    e,
                    Event::Acquire {
                        policy_id: 1,
                        spd_id: 1,
                        ..
                    }
                )),
                "{ev:?}"
            );
            h.covered.insert(("event", NPF_IPSEC_SA_ACQUIRE));
        }
        // The binary raises no ACQUIRE: see `agreement::not_producible_over_the_binary`.
        #[cfg(feature = "pe-host")]
        Plane::Binary(_) => {}
    }

    let mut add = sa_add(p, 10, 0x7000, Direction::Outbound, 1);
    add.sas[0].soft_kbytes = 1;
    add.sas[0].hard_kbytes = 2;
    let sa = match h.ok("SA_Add", Request::SaAdd(add)) {
        Done::Sa(s) => s,
        other => panic!("{other:?}"),
    };
    // 1500 bytes on the SA each time: in process added to its datapath counters; over the
    // binary one ESP packet sealed by the driver's send path, then a tick of its lifetime
    // timer (the host's clock moved a second on).
    let bump = |h: &Harness| match &h.plane {
        Plane::InProcess(t) => {
            let pl = t.plane();
            let pl = pl.lock().expect("plane");
            let offload = pl.query_sa_data(cp::SaHandle(sa.0)).expect("sa").offload;
            let handle = ipsecov2_satable::OffloadHandle::from_u64(offload).expect("handle");
            pl.store()
                .table()
                .with_sa(handle, |s| {
                    s.counters
                        .octets
                        .fetch_add(1500, std::sync::atomic::Ordering::Relaxed)
                })
                .expect("sa in the datapath");
        }
        #[cfg(feature = "pe-host")]
        Plane::Binary(b) => {
            let offload = b.sa_offload(sa).expect("offload handle");
            let (status, wire) = b.send_esp(offload, 0x7000, 1500 - 40).expect("send");
            assert_eq!(status, 0, "sent");
            assert!(wire > 1500, "sealed: {wire} bytes on the wire");
            b.advance_clock(std::time::Duration::from_secs(1))
                .expect("tick");
        }
    };
    bump(&h);
    let ev = h.events();
    assert!(
        ev.contains(&Event::Expire {
            event: NPF_IPSEC_SA_EXPIRE_KB_SOFT,
            sa_id: 10
        }),
        "{ev:?}"
    );
    h.covered.insert(("event", NPF_IPSEC_SA_EXPIRE_KB_SOFT));
    bump(&h);
    let ev = h.events();
    assert!(
        ev.contains(&Event::Expire {
            event: NPF_IPSEC_SA_EXPIRE_KB_HARD,
            sa_id: 10
        }),
        "{ev:?}"
    );
    h.covered.insert(("event", NPF_IPSEC_SA_EXPIRE_KB_HARD));

    h.ok(
        "SA_Add",
        Request::SaAdd(sa_add(p, 11, 0x7001, Direction::Outbound, 1)),
    );
    h.ok("Policy_Destroy", Request::PolicyDestroy(p));
    let ev = h.events();
    assert!(
        ev.contains(&Event::Expire {
            event: NPF_IPSEC_SA_PURGED,
            sa_id: 11
        }),
        "{ev:?}"
    );
    h.covered.insert(("event", NPF_IPSEC_SA_PURGED));

    // Masks: a handler registered for one event gets only that one.
    let only = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&only);
    h.service
        .event_register(
            Some((1, 1)),
            NPF_IPSEC_EVENT_WRONG_SPI_ENABLE,
            Arc::new(move |e: &[Event]| sink.lock().expect("only").extend_from_slice(e)),
        )
        .expect("register");
    let again = h.service.event_register(
        Some((1, 1)),
        NPF_IPSEC_EVENT_WRONG_SPI_ENABLE,
        Arc::new(|_: &[Event]| {}),
    );
    assert_eq!(
        again.map_err(|(_, e)| e.code()),
        Err(NPF_IPSEC_E_ALREADY_REGISTERED)
    );
    let p2 = h.policy(2, 2, spd_out, Direction::Outbound);
    h.ok(
        "SA_Add",
        Request::SaAdd(sa_add(p2, 12, 0x7002, Direction::Outbound, 2)),
    );
    h.ok("Policy_Destroy", Request::PolicyDestroy(p2));
    let _ = h.events();
    assert!(
        only.lock().expect("only").is_empty(),
        "a purge is not a wrong-SPI event"
    );
    record(h.via, std::mem::take(&mut h.covered));
}
