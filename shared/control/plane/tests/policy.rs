//! Policy functions (6.6.7-6.6.15).
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{
    Action, Direction, PlaneError, PolicyHandle, PolicySpec, Selector, SpdHandle, RULE_FLAG_AND,
};

fn spec(id: u32, sels: &[Selector]) -> PolicySpec<'_> {
    PolicySpec {
        id,
        action: Action::Bypass,
        selectors: sels,
    }
}

#[test]
fn create_refusals_change_nothing() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let i = inbound_spd(&mut p, 2, &[IF1]);
    protect(&mut p, s, 7, 1);
    let good = [any_sel()];
    let mut bad = any_sel();
    bad.ip_version = 5;
    let mut flags = any_sel();
    flags.rule_flags = 0x80;
    let (bad, flags, dup) = ([bad], [flags], [good[0], good[0]]);
    let before = snapshot(&p);
    let cases: [(PolicySpec<'_>, &[SpdHandle], &[u32], PlaneError); 8] = [
        (
            spec(8, &good),
            &[s, s],
            &[1, 1],
            PlaneError::DuplicateSpdHandle,
        ),
        (spec(8, &bad), &[s], &[1], PlaneError::InvalidSelector),
        (spec(8, &flags), &[s], &[1], PlaneError::RuleFlagUnsupported),
        (spec(8, &dup), &[s], &[1], PlaneError::DuplicateSelector),
        (spec(8, &[]), &[s], &[1], PlaneError::InvalidSelector),
        (
            spec(7, &good),
            &[s],
            &[1],
            PlaneError::PolicyIdAlreadyRegistered,
        ),
        (
            spec(8, &good),
            &[s, i],
            &[1, 1],
            PlaneError::InvalidSpdHandle,
        ),
        (
            spec(8, &good),
            &[s],
            &[1, 2],
            PlaneError::InvalidPolicyPriority,
        ),
    ];
    for (sp, spds, prios, err) in cases {
        assert_eq!(
            p.policy_create(&sp, spds, prios, Direction::Outbound),
            Err(err)
        );
        assert_eq!(snapshot(&p), before);
    }
}

#[test]
fn global_policies_join_every_spd_of_their_direction() {
    let mut p = plane();
    let a = outbound_spd(&mut p, 1, &[IF1]);
    let b = outbound_spd(&mut p, 2, &[IF2]);
    let c = inbound_spd(&mut p, 3, &[IF1]);
    let g = p
        .policy_create(&spec(5, &[any_sel()]), &[], &[9], Direction::Outbound)
        .unwrap();
    let spds: Vec<_> = p
        .query_policy_bindings(g)
        .unwrap()
        .map(|s| s.handle)
        .collect();
    assert_eq!(spds, vec![a, b]);
    assert_eq!(p.query_policies(c).unwrap().count(), 0);
    assert_eq!(
        p.policy_bind(g, &[a], &[1]),
        Err(PlaneError::BindBoundToAll)
    );
    assert_eq!(p.policy_unbind(g, &[a]), Err(PlaneError::UnbindBoundToAll));
    assert_eq!(p.query_policy_data(g).unwrap().global_priority, Some(9));
    p.policy_change_priority(SpdHandle::INVALID, g, 3).unwrap();
    assert_eq!(p.query_policy_data(g).unwrap().global_priority, Some(3));
}

#[test]
fn bind_unbind_and_priority() {
    let mut p = plane();
    let a = outbound_spd(&mut p, 1, &[IF1]);
    let b = outbound_spd(&mut p, 2, &[IF2]);
    let i = inbound_spd(&mut p, 3, &[IF1]);
    let pol = protect(&mut p, a, 5, 1);
    assert_eq!(
        p.policy_bind(pol, &[a], &[1]),
        Err(PlaneError::BindAlreadyBound)
    );
    assert_eq!(
        p.policy_bind(pol, &[i], &[1]),
        Err(PlaneError::InvalidSpdHandle)
    );
    assert_eq!(
        p.policy_bind(pol, &[b, b], &[1, 1]),
        Err(PlaneError::DuplicateSpdHandle)
    );
    assert_eq!(
        p.policy_bind(PolicyHandle(3), &[b], &[1]),
        Err(PlaneError::InvalidPolicyHandle)
    );
    p.policy_bind(pol, &[b], &[4]).unwrap();
    assert_eq!(
        p.policy_unbind(pol, &[a, b]),
        Err(PlaneError::UnbindLastBinding)
    );
    assert_eq!(
        p.policy_unbind(pol, &[]),
        Err(PlaneError::UnbindLastBinding)
    );
    assert_eq!(
        p.policy_unbind(pol, &[i]),
        Err(PlaneError::InvalidSpdHandle)
    );
    assert_eq!(
        p.policy_change_priority(i, pol, 1),
        Err(PlaneError::InvalidSpdHandle)
    );
    p.policy_change_priority(b, pol, 2).unwrap();
    p.policy_unbind(pol, &[a]).unwrap();
    let spds: Vec<_> = p
        .query_policy_bindings(pol)
        .unwrap()
        .map(|s| s.handle)
        .collect();
    assert_eq!(spds, vec![b]);
}

#[test]
fn batch_create_is_all_or_nothing() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let sel = [any_sel()];
    let mut bad = any_sel();
    bad.rule_flags = 0x10;
    let badsel = [bad];
    let before = snapshot(&p);
    let e = p
        .policy_batch_create(
            &[spec(1, &sel), spec(2, &badsel)],
            s,
            Direction::Outbound,
            &[1, 2],
        )
        .unwrap_err();
    assert_eq!((e.index, e.error), (1, PlaneError::RuleFlagUnsupported));
    let e = p
        .policy_batch_create(
            &[spec(1, &sel), spec(1, &sel)],
            s,
            Direction::Outbound,
            &[1, 2],
        )
        .unwrap_err();
    assert_eq!((e.index, e.error), (1, PlaneError::DuplicatePolicyId));
    let e = p
        .policy_batch_create(&[spec(1, &sel)], s, Direction::Outbound, &[])
        .unwrap_err();
    assert_eq!(e.error, PlaneError::InvalidPolicyPriority);
    let e = p
        .policy_batch_create(&[spec(1, &sel)], SpdHandle(99), Direction::Outbound, &[1])
        .unwrap_err();
    assert_eq!(e.error, PlaneError::InvalidSpdHandle);
    assert_eq!(snapshot(&p), before);
    let hs = p
        .policy_batch_create(
            &[spec(1, &sel), spec(2, &sel)],
            s,
            Direction::Outbound,
            &[1, 2],
        )
        .unwrap();
    assert_eq!(hs.len(), 2);
    let e = p
        .policy_batch_create(
            &[spec(3, &sel), spec(2, &sel)],
            s,
            Direction::Outbound,
            &[1, 2],
        )
        .unwrap_err();
    assert_eq!(
        (e.index, e.error),
        (1, PlaneError::PolicyIdAlreadyRegistered)
    );
    let e = p.policy_batch_destroy(&[hs[0], hs[0]]).unwrap_err();
    assert_eq!(e.error, PlaneError::DuplicatePolicyHandle);
    let e = p
        .policy_batch_destroy(&[hs[0], PolicyHandle(1234)])
        .unwrap_err();
    assert_eq!((e.index, e.error), (1, PlaneError::InvalidPolicyHandle));
    assert_eq!(p.query_policies(s).unwrap().count(), 2);
    p.policy_batch_destroy(&hs).unwrap();
    assert_eq!(p.query_policies(s).unwrap().count(), 0);
}

#[test]
fn batch_bind_and_unbind() {
    let mut p = plane();
    let a = outbound_spd(&mut p, 1, &[IF1]);
    let b = outbound_spd(&mut p, 2, &[IF2]);
    let x = protect(&mut p, a, 1, 1);
    let y = protect(&mut p, a, 2, 1);
    let z = protect(&mut p, b, 3, 1);
    let e = p
        .policy_batch_bind(&[x, z], b, Direction::Outbound, &[1, 1])
        .unwrap_err();
    assert_eq!((e.index, e.error), (1, PlaneError::BindAlreadyBound));
    assert_eq!(p.query_policies(b).unwrap().count(), 1, "nothing bound");
    p.policy_batch_bind(&[x, y], b, Direction::Outbound, &[1, 2])
        .unwrap();
    assert_eq!(p.query_policies(b).unwrap().count(), 3);
    let e = p.policy_batch_unbind(&[x, z], b).unwrap_err();
    assert_eq!((e.index, e.error), (1, PlaneError::UnbindLastBinding));
    p.policy_batch_unbind(&[x, y], b).unwrap();
    assert_eq!(p.query_policies(b).unwrap().count(), 1);
    let e = p.policy_batch_unbind(&[x, x], a).unwrap_err();
    assert_eq!(e.error, PlaneError::DuplicatePolicyHandle);
}

#[test]
fn and_not_rule_flags_are_accepted() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let mut first = any_sel();
    first.rule_flags = RULE_FLAG_AND;
    let mut second = any_sel();
    second.protocol = 6;
    second.rule_flags = ipsecov2_control_plane::RULE_FLAG_NOT;
    let sels = [first, second];
    assert!(p
        .policy_create(&spec(1, &sels), &[s], &[1], Direction::Outbound)
        .is_ok());
}
