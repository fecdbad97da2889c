//! The event queue: mask, rate limits (6.6.20), bound with counted drops.
#![allow(clippy::unwrap_used, clippy::panic)]
use ipsecov2_control_plane::{
    CryptoDropped, Event, EventKind, EventLimit, EventQueue, IpAddr, PlaneError, RateLimit,
    EVENT_ALL_ENABLE,
};

fn wrong_spi(spi: u32) -> Event {
    Event::Crypto {
        kind: EventKind::WrongSpi,
        info: CryptoDropped {
            src: IpAddr::V4([1, 1, 1, 1]),
            dst: IpAddr::V4([2, 2, 2, 2]),
            protocol: 50,
            spi,
            flow_label: 0,
            seq_no: 7,
            count: 1,
        },
    }
}

#[test]
fn kinds_and_mask_bits_are_the_agreements() {
    assert_eq!(EventKind::SaAcquire.to_u32(), 1);
    assert_eq!(EventKind::MemFull.to_u32(), 16);
    assert_eq!(EventKind::WrongSpi.mask_bit(), 1 << 9);
    for k in EventKind::ALL {
        assert_eq!(EventKind::from_u32(k.to_u32()), Some(k));
    }
    assert_eq!(EventKind::from_u32(0), None);
    assert_eq!(EventKind::from_u32(17), None);
}

#[test]
fn masked_events_are_not_queued() {
    let mut q = EventQueue::new(4).unwrap();
    assert!(!q.post(wrong_spi(1), 0));
    assert_eq!(q.counters().masked, 1);
    q.set_mask(EventKind::WrongSpi.mask_bit());
    assert!(q.post(wrong_spi(1), 0));
    assert!(!q.post(
        Event::Expire {
            kind: EventKind::SaPurged,
            sa_id: 1
        },
        0
    ));
    assert_eq!(q.len(), 1);
}

#[test]
fn a_full_queue_drops_and_counts() {
    let mut q = EventQueue::new(2).unwrap();
    q.set_mask(EVENT_ALL_ENABLE);
    for i in 0..5 {
        q.post(wrong_spi(i), 0);
    }
    assert_eq!(q.len(), 2);
    assert_eq!(q.counters().dropped_full, 3);
    assert_eq!(q.pop(), Some(wrong_spi(0)));
}

#[test]
fn count_limit_folds_repetitions() {
    let mut q = EventQueue::new(16).unwrap();
    q.set_mask(EVENT_ALL_ENABLE);
    q.set_limits(&[EventLimit {
        event: 10,
        limit: RateLimit::EveryN(3),
    }])
    .unwrap();
    for i in 0..7 {
        q.post(wrong_spi(i), 0);
    }
    assert_eq!(q.len(), 2);
    let Some(Event::Crypto { info, .. }) = q.pop() else {
        panic!()
    };
    assert_eq!(
        (info.spi, info.count),
        (2, 3),
        "the last offending packet, three repetitions"
    );
    assert_eq!(q.counters().rate_limited, 5);
}

#[test]
fn time_limit_per_second() {
    let mut q = EventQueue::new(16).unwrap();
    q.set_mask(EVENT_ALL_ENABLE);
    q.set_limits(&[EventLimit {
        event: 10,
        limit: RateLimit::PerSecond(2),
    }])
    .unwrap();
    for i in 0..5 {
        q.post(wrong_spi(i), 100);
    }
    assert_eq!(q.len(), 2);
    q.post(wrong_spi(9), 101);
    assert_eq!(q.len(), 3);
    let last = (0..3).filter_map(|_| q.pop()).last();
    let Some(Event::Crypto { info, .. }) = last else {
        panic!()
    };
    assert_eq!(
        info.count, 4,
        "three suppressed in second 100, plus this one"
    );
}

#[test]
fn limit_errors_change_nothing() {
    let mut q = EventQueue::new(4).unwrap();
    let ok = EventLimit {
        event: 1,
        limit: RateLimit::EveryN(2),
    };
    assert_eq!(
        q.set_limits(&[
            ok,
            EventLimit {
                event: 17,
                limit: RateLimit::None
            }
        ]),
        Err(PlaneError::BadEventId)
    );
    assert_eq!(q.set_limits(&[ok, ok]), Err(PlaneError::DuplicateEventId));
    assert_eq!(q.limit(EventKind::SaAcquire), RateLimit::None);
    q.set_limits(&[ok]).unwrap();
    assert_eq!(q.limit(EventKind::SaAcquire), RateLimit::EveryN(2));
}
