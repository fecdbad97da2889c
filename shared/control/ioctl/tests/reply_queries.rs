//! The readers of the query bodies the NPF adapter used to read itself (policy data, SA data,
//! SPD bindings, SPD handles by ID) give back what the control plane holds; short bodies are
//! faults.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{
    Direction, PlaneError, PolicyHandle, SaHandle, SpdBindings, SpdHandle,
};
use ipsecov2_ioctl::wire::Reader;
use ipsecov2_ioctl::{client, reply, Ioctl};

#[test]
fn policy_and_sa_data_read_back() {
    let mut rig = Rig::new(false);
    let (_spd, pol, sa) = rig.populate();
    let r = rig.ok(Ioctl::QueryPolicyData, &client::words(&[pol]));
    let got = reply::policy_data(&r.body).unwrap();
    let want = rig.plane.query_policy_data(PolicyHandle(pol)).unwrap();
    assert_eq!(got.id, want.id);
    assert_eq!(got.action, want.action.to_u32());
    assert_eq!(got.direction, want.direction);
    assert_eq!(got.global_priority, want.global_priority);
    assert_eq!(got.selectors, want.selectors);

    let r = rig.ok(Ioctl::QuerySaData, &client::words(&[sa]));
    let got = reply::sa_data(&r.body).unwrap();
    let want = rig.plane.query_sa_data(SaHandle(sa)).unwrap();
    assert_eq!(
        (got.id, got.policy, got.direction),
        (100, PolicyHandle(pol), Direction::Outbound)
    );
    assert_eq!(got.udp, want.udp);
    assert_eq!(got.selectors, want.selectors);
    assert_eq!((got.offload, got.retiring), (want.offload, want.retiring));
    assert_eq!(got.acquire_context, want.acquire_context);
    assert_eq!(got.sas.len(), 1);
    let (g, w) = (&got.sas[0], &want.sas[0].params);
    assert_eq!(
        (g.spi, g.flags, g.auth_algo, g.enc_algo, g.replay_window),
        (w.spi, w.flags, w.auth_algo, w.enc_algo, w.replay_window)
    );
    assert_eq!((g.auth_key_bits, g.enc_key_bits), (160, 128));
    assert!(
        g.auth_key.is_empty() && g.enc_key.is_empty(),
        "keys never travel"
    );

    // Every cut of the bodies is a fault, never a panic.
    let r = rig.ok(Ioctl::QuerySaData, &client::words(&[sa]));
    let bytes = r.body.bytes().to_vec();
    for n in 0..bytes.len() {
        assert!(
            reply::sa_data(&Reader::new(&bytes[..n])).is_err(),
            "cut at {n}"
        );
    }
    let r = rig.ok(Ioctl::QueryPolicyData, &client::words(&[pol]));
    let bytes = r.body.bytes().to_vec();
    for n in 0..bytes.len() {
        assert!(
            reply::policy_data(&Reader::new(&bytes[..n])).is_err(),
            "cut at {n}"
        );
    }
}

#[test]
fn spd_bindings_and_handles_read_back() {
    let mut rig = Rig::new(false);
    let (spd, _pol, _sa) = rig.populate();
    let all = rig.handle(
        Ioctl::SpdCreate,
        &client::spd_create(Direction::Inbound, 2, &[]),
    );
    let r = rig.ok(Ioctl::QuerySpdBindings, &client::words(&[spd]));
    assert_eq!(
        reply::spd_bindings(&r.body).unwrap(),
        reply::Bindings::Interfaces(vec![IF1])
    );
    assert_eq!(
        rig.plane.query_spd_bindings(SpdHandle(spd)).unwrap(),
        SpdBindings::Interfaces(&[IF1])
    );
    let r = rig.ok(Ioctl::QuerySpdBindings, &client::words(&[all]));
    assert_eq!(reply::spd_bindings(&r.body).unwrap(), reply::Bindings::All);
    // "All" with interfaces after it is inconsistent.
    assert!(reply::spd_bindings(&Reader::new(&[1, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0])).is_err());

    let r = rig.ok(Ioctl::QuerySpdHandle, &client::list(&[2, 9, 1]));
    let got = reply::spd_handles(&r.body).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(
        (got[0].id, got[0].handle, got[0].direction, got[0].status),
        (2, SpdHandle(all), Some(Direction::Inbound), 0)
    );
    assert_eq!(
        (got[1].id, got[1].handle, got[1].direction, got[1].status),
        (9, SpdHandle(0), None, PlaneError::InvalidSpdId.code())
    );
    assert_eq!(
        (got[2].handle, got[2].direction),
        (SpdHandle(spd), Some(Direction::Outbound))
    );
    let bytes = r.body.bytes().to_vec();
    for n in 0..bytes.len() {
        assert!(
            reply::spd_handles(&Reader::new(&bytes[..n])).is_err(),
            "cut at {n}"
        );
    }
}
