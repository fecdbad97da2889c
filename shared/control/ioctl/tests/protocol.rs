//! The agreement's life cycle over the IOCTL protocol: every IOCTL once, responses decoded.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{Action, Direction, EventLimit, PlaneError, RateLimit};
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::wire::PROTOCOL_VERSION;
use ipsecov2_ioctl::{Family, Ioctl};

#[test]
fn codes_are_ctl_codes_of_the_network_device() {
    for i in Ioctl::ALL {
        let c = i.code();
        assert_eq!(c >> 16, 0x12, "FILE_DEVICE_NETWORK");
        assert_eq!(c & 3, 0, "METHOD_BUFFERED");
        assert_eq!((c >> 14) & 3, 0, "FILE_ANY_ACCESS");
        assert_eq!(Ioctl::from_code(c), Some(*i));
    }
    assert_eq!(Ioctl::SpdCreate.code(), 0x0012_2440);
    assert_eq!(Ioctl::from_code(0x0012_2444 + 0x1000), None);
}

#[test]
fn handshake_reports_version_features_and_limits() {
    let mut rig = Rig::new(true);
    let r = rig.ok(Ioctl::Handshake, &client::handshake(1, 5));
    assert_eq!(r.status, 0);
    assert_eq!(r.body.u16(0).unwrap(), PROTOCOL_VERSION);
    assert_eq!(r.body.u32(4).unwrap(), 1, "test family enabled");
    assert_eq!(r.body.u32(8).unwrap(), 64, "max SPDs");
}

#[test]
fn life_cycle() {
    let mut rig = Rig::new(false);
    let (spd, pol, sa) = rig.populate();
    let spd2 = rig.handle(
        Ioctl::SpdCreate,
        &client::spd_create(Direction::Outbound, 2, &[IF2]),
    );
    let inb = rig.handle(
        Ioctl::SpdCreate,
        &client::spd_create(Direction::Inbound, 3, &[]),
    );
    assert_eq!(
        rig.status(Ioctl::SpdBind, &client::handle_and_list(spd, &[IF2])),
        PlaneError::IfAlreadyBound.code()
    );
    assert_eq!(
        rig.status(Ioctl::SpdUnbind, &client::handle_and_list(spd, &[IF1])),
        PlaneError::UnbindLastBinding.code()
    );
    // Policies: batch create into spd2, bind, unbind, priorities.
    let sel = [any_sel()];
    let r = rig.ok(
        Ioctl::PolicyBatchCreate,
        &client::policy_batch_create(
            &[(20, Action::Bypass, &sel), (21, Action::Discard, &sel)],
            spd2,
            Direction::Outbound,
            &[5, 6],
        ),
    );
    assert_eq!((r.status, r.body.u32(0).unwrap()), (0, 2));
    let (b1, b2) = (r.body.u32(4).unwrap(), r.body.u32(8).unwrap());
    assert_eq!(
        rig.status(Ioctl::PolicyBind, &client::policy_bind(pol, &[spd2], &[1])),
        0
    );
    assert_eq!(
        rig.status(Ioctl::PolicyUnbind, &client::handle_and_list(pol, &[spd2])),
        0
    );
    assert_eq!(
        rig.status(
            Ioctl::PolicyBatchBind,
            &client::policy_batch_bind(&[b1, b2], spd, Direction::Outbound, &[7, 8])
        ),
        0
    );
    assert_eq!(
        rig.status(
            Ioctl::PolicyBatchUnbind,
            &client::policy_batch_unbind(&[b1, b2], spd)
        ),
        0
    );
    assert_eq!(
        rig.status(Ioctl::PolicyChangePriority, &client::words(&[spd, pol, 3])),
        0
    );
    // A failed batch names its element.
    let r = rig.ok(Ioctl::PolicyBatchDestroy, &client::list(&[b1, 999]));
    assert_eq!(
        (r.status, r.index),
        (PlaneError::InvalidPolicyHandle.code(), 1)
    );
    // Queries.
    let r = rig.ok(Ioctl::QueryAllSpds, &client::words(&[]));
    assert_eq!(r.body.u32(0).unwrap(), 3);
    let r = rig.ok(Ioctl::QuerySpdBindings, &client::words(&[inb]));
    assert_eq!(
        (r.body.u32(0).unwrap(), r.body.u32(4).unwrap()),
        (1, 0),
        "bound to all"
    );
    let r = rig.ok(Ioctl::QuerySpdBindings, &client::words(&[spd]));
    assert_eq!((r.body.u32(4).unwrap(), r.body.u32(8).unwrap()), (1, IF1));
    let r = rig.ok(Ioctl::QueryAllPolicies, &client::words(&[spd2]));
    assert_eq!(r.body.u32(0).unwrap(), 2);
    let r = rig.ok(Ioctl::QueryPolicyBindings, &client::words(&[pol]));
    assert_eq!((r.body.u32(0).unwrap(), r.body.u32(8).unwrap()), (1, spd));
    let r = rig.ok(Ioctl::QueryAllSas, &client::words(&[spd]));
    assert_eq!(
        (
            r.body.u32(0).unwrap(),
            r.body.u32(4).unwrap(),
            r.body.u32(8).unwrap()
        ),
        (1, 100, sa)
    );
    let r = rig.ok(Ioctl::QueryPolicyData, &client::words(&[pol]));
    assert_eq!(
        (
            r.body.u32(0).unwrap(),
            r.body.u32(4).unwrap(),
            r.body.u32(20).unwrap()
        ),
        (10, 1, 1)
    );
    let sel_back = ipsecov2_ioctl::request::selector_at(r.body.bytes(), 24).unwrap();
    assert_eq!(sel_back, any_sel());
    let r = rig.ok(Ioctl::QuerySaData, &client::words(&[sa]));
    assert_eq!(
        (
            r.body.u32(0).unwrap(),
            r.body.u32(4).unwrap(),
            r.body.u32(16).unwrap()
        ),
        (100, pol, 1)
    );
    let key_off = r.body.u32(40 + 68).unwrap();
    assert_eq!(
        (r.body.u32(40).unwrap(), key_off),
        (0x1000, 0),
        "SPI back, keys never"
    );
    let r = rig.ok(Ioctl::QuerySpdHandle, &client::list(&[1, 42]));
    assert_eq!(
        (
            r.body.u32(0).unwrap(),
            r.body.u32(8).unwrap(),
            r.body.u32(16).unwrap()
        ),
        (2, spd, 0)
    );
    assert_eq!(r.body.u32(32).unwrap(), PlaneError::InvalidSpdId.code());
    let r = rig.ok(Ioctl::QueryPolicyHandle, &client::list(&[10]));
    assert_eq!(r.body.u32(8).unwrap(), pol);
    let r = rig.ok(
        Ioctl::QuerySaHandle,
        &client::handle_and_list(pol, &[100, 5]),
    );
    assert_eq!((r.body.u32(8).unwrap(), r.body.u32(20).unwrap()), (sa, 0));
    assert_eq!(r.body.u32(24).unwrap(), PlaneError::InvalidSaId.code());
    // SPIs.
    let ipol = rig.handle(
        Ioctl::PolicyCreate,
        &client::policy_create(30, Action::Protect, Direction::Inbound, &sel, &[inb], &[1]),
    );
    let spi = rig.handle(Ioctl::SpiReserve, &client::spi_reserve(ipol, &sel));
    assert!(spi >= 256);
    assert_eq!(
        rig.status(Ioctl::SpiRelease, &client::words(&[ipol, spi])),
        0
    );
    assert_eq!(
        rig.status(Ioctl::SpiRelease, &client::words(&[ipol, spi])),
        PlaneError::BadSpi.code()
    );
    // Statistics.
    let r = rig.ok(Ioctl::PolicyStats, &client::words(&[pol, 0]));
    assert_eq!((r.body.u32(0).unwrap(), r.body.u32(4).unwrap()), (1, 10));
    let r = rig.ok(Ioctl::SaStats, &client::words(&[pol, sa, 1]));
    assert_eq!((r.body.u32(0).unwrap(), r.body.u32(4).unwrap()), (100, 1));
    let r = rig.ok(Ioctl::GlobalStats, &client::words(&[]));
    assert_eq!(
        (
            r.body.u32(4).unwrap(),
            r.body.u32(8).unwrap(),
            r.body.u32(12).unwrap()
        ),
        (1, 3, 4)
    );
    // Events.
    assert_eq!(
        rig.status(Ioctl::EventSetMask, &client::words(&[u32::MAX, 0])),
        0
    );
    let lim = [EventLimit {
        event: 10,
        limit: RateLimit::EveryN(4),
    }];
    assert_eq!(
        rig.status(Ioctl::EventRateLimit, &client::rate_limit(&lim)),
        0
    );
    let bad = [EventLimit {
        event: 99,
        limit: RateLimit::None,
    }];
    assert_eq!(
        rig.status(Ioctl::EventRateLimit, &client::rate_limit(&bad)),
        PlaneError::BadEventId.code()
    );
    // Teardown.
    assert_eq!(rig.status(Ioctl::SaRemove, &client::words(&[pol, sa])), 0);
    assert_eq!(rig.status(Ioctl::PolicyDestroy, &client::words(&[pol])), 0);
    assert_eq!(rig.status(Ioctl::SpdFlush, &client::list(&[spd2])), 0);
    assert_eq!(
        rig.status(Ioctl::SpdDestroy, &client::list(&[spd, spd2, inb])),
        0
    );
    assert_eq!(rig.plane.query_spds().count(), 0);
    assert_eq!(rig.plane.store().table().len(), 0);
}

#[test]
fn every_family_but_test_is_reachable_without_the_keyword() {
    let fams: Vec<_> = Ioctl::ALL.iter().map(|i| i.family()).collect();
    for f in [
        Family::Handshake,
        Family::Spd,
        Family::Policy,
        Family::Sa,
        Family::Spi,
        Family::Stats,
        Family::Query,
        Family::Events,
        Family::Test,
    ] {
        assert!(fams.contains(&f));
    }
}
