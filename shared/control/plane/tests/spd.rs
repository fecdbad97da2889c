//! SPD functions (6.6.2-6.6.6): every return code provoked, refusals change nothing.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{Action, Direction, PlaneError, PolicySpec, SpdBindings, SpdHandle};

#[test]
fn create_binds_and_handles_differ_by_direction() {
    let mut p = plane();
    let a = inbound_spd(&mut p, 1, &[IF1, IF2]);
    let b = outbound_spd(&mut p, 2, &[IF1]);
    assert!(!a.is_invalid() && !b.is_invalid() && a != b);
    assert_eq!(
        p.query_spd_bindings(a),
        Ok(SpdBindings::Interfaces(&[IF1, IF2]))
    );
    assert_eq!(p.spd_for(Some(IF2), Direction::Inbound), Some(a));
    assert_eq!(p.spd_for(Some(IF2), Direction::Outbound), None);
    assert_eq!(p.spd_for(Some(IF1), Direction::Outbound), Some(b));
}

#[test]
fn create_refusals() {
    let mut p = plane();
    inbound_spd(&mut p, 1, &[IF1]);
    let before = snapshot(&p);
    let cases: [(&[u32], u32, PlaneError); 4] = [
        (&[IF2, IF2], 2, PlaneError::DuplicateIfHandle),
        (&[99], 2, PlaneError::InvalidIfHandle),
        (&[IF2], 1, PlaneError::SpdIdAlreadyRegistered),
        (&[IF1], 2, PlaneError::IfAlreadyBound),
    ];
    for (ifs, id, err) in cases {
        assert_eq!(p.spd_create(Direction::Inbound, ifs, id), Err(err));
        assert_eq!(snapshot(&p), before);
    }
    // Bound to all conflicts with any SPD of the direction.
    assert_eq!(
        p.spd_create(Direction::Inbound, &[], 3),
        Err(PlaneError::IfAlreadyBound)
    );
    assert!(p.spd_create(Direction::Outbound, &[], 3).is_ok());
}

#[test]
fn bind_to_all_is_for_life() {
    let mut p = plane();
    let s = inbound_spd(&mut p, 1, &[]);
    assert_eq!(p.query_spd_bindings(s), Ok(SpdBindings::All));
    assert_eq!(p.spd_bind(s, &[IF1]), Err(PlaneError::IfAlreadyBound));
    assert_eq!(p.spd_unbind(s, &[IF1]), Err(PlaneError::UnbindBoundToAll));
    assert_eq!(p.spd_for(None, Direction::Inbound), Some(s));
    assert_eq!(p.spd_for(Some(IF3), Direction::Inbound), Some(s));
}

#[test]
fn bind_and_unbind() {
    let mut p = plane();
    let s = inbound_spd(&mut p, 1, &[IF1]);
    let t = inbound_spd(&mut p, 2, &[IF3]);
    p.spd_bind(s, &[IF2]).unwrap();
    assert_eq!(p.spd_bind(s, &[IF2]), Err(PlaneError::IfAlreadyBound));
    assert_eq!(p.spd_bind(s, &[IF3]), Err(PlaneError::IfAlreadyBound));
    assert_eq!(p.spd_bind(s, &[99]), Err(PlaneError::InvalidIfHandle));
    assert_eq!(
        p.spd_bind(SpdHandle(77), &[IF3]),
        Err(PlaneError::InvalidSpdHandle)
    );
    assert_eq!(
        p.spd_bind(s, &[IF3, IF3]),
        Err(PlaneError::DuplicateIfHandle)
    );
    assert_eq!(p.spd_unbind(s, &[IF3]), Err(PlaneError::InvalidIfHandle));
    assert_eq!(
        p.spd_unbind(s, &[IF1, IF1]),
        Err(PlaneError::DuplicateIfHandle)
    );
    assert_eq!(
        p.spd_unbind(s, &[IF1, IF2]),
        Err(PlaneError::UnbindLastBinding)
    );
    assert_eq!(p.spd_unbind(t, &[IF3]), Err(PlaneError::UnbindLastBinding));
    p.spd_unbind(s, &[IF1]).unwrap();
    assert_eq!(p.query_spd_bindings(s), Ok(SpdBindings::Interfaces(&[IF2])));
    assert_eq!(p.spd_for(Some(IF1), Direction::Inbound), None);
}

#[test]
fn destroy_and_flush_take_their_policies() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let t = outbound_spd(&mut p, 2, &[IF2]);
    let only_s = protect(&mut p, s, 10, 1);
    let both = protect(&mut p, s, 11, 1);
    p.policy_bind(both, &[t], &[5]).unwrap();
    p.spd_flush(&[s]).unwrap();
    assert_eq!(
        p.query_policy_data(only_s).err(),
        Some(PlaneError::InvalidPolicyHandle)
    );
    assert_eq!(p.query_policy_bindings(both).unwrap().count(), 1);
    assert_eq!(p.spd_destroy(&[t, t]), Err(PlaneError::DuplicateSpdHandle));
    assert_eq!(
        p.spd_destroy(&[t, SpdHandle(5)]),
        Err(PlaneError::InvalidSpdHandle)
    );
    assert_eq!(
        p.query_spds().count(),
        2,
        "a refused destroy destroys nothing"
    );
    p.spd_destroy(&[t]).unwrap();
    assert_eq!(
        p.query_policy_data(both).err(),
        Some(PlaneError::InvalidPolicyHandle)
    );
    assert_eq!(p.spd_flush(&[t]), Err(PlaneError::InvalidSpdHandle));
    assert_eq!(p.query_spds().count(), 1);
}

#[test]
fn empty_list_means_every_spd() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let t = outbound_spd(&mut p, 2, &[IF2]);
    let in_s = protect(&mut p, s, 10, 1);
    let in_both = protect(&mut p, s, 11, 1);
    p.policy_bind(in_both, &[t], &[5]).unwrap();
    let sel = [any_sel()];
    let spec = PolicySpec {
        id: 12,
        action: Action::Bypass,
        selectors: &sel,
    };
    let global = p
        .policy_create(&spec, &[], &[], Direction::Outbound)
        .unwrap();
    // 6.6.6: nSPDHandles 0 flushes every SPD; the global policy stays.
    p.spd_flush(&[]).unwrap();
    for gone in [in_s, in_both] {
        assert_eq!(
            p.query_policy_data(gone).err(),
            Some(PlaneError::InvalidPolicyHandle)
        );
    }
    assert!(p.query_policy_data(global).is_ok());
    assert_eq!(p.query_spds().count(), 2, "a flush keeps the SPDs");
    // 6.6.3: nSPDHandles 0 destroys every SPD.
    protect(&mut p, t, 13, 1);
    p.spd_destroy(&[]).unwrap();
    assert_eq!(p.query_spds().count(), 0);
    assert_eq!(p.spd_for(Some(IF1), Direction::Outbound), None);
    assert_eq!(p.query_policy_handle(13), Err(PlaneError::InvalidPolicyId));
    // With no SPD left, both are no-ops that succeed.
    assert_eq!(p.spd_flush(&[]), Ok(()));
    assert_eq!(p.spd_destroy(&[]), Ok(()));
}

#[test]
fn detach_removes_the_interface_from_bindings() {
    let mut p = plane();
    let s = inbound_spd(&mut p, 1, &[IF1, IF2]);
    p.detach_interface(IF1).unwrap();
    assert_eq!(p.query_spd_bindings(s), Ok(SpdBindings::Interfaces(&[IF2])));
    assert_eq!(p.detach_interface(IF1), Err(PlaneError::InvalidIfHandle));
    assert_eq!(p.interface_by_luid(0x2000), Some(IF2));
}
