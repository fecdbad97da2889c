//! Every table stops at its configured maximum with NPF_IPSEC_E_NOMEMORY, never a crash, and
//! the refused call changes nothing.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{
    Action, Direction, Interface, Limits, PlaneError, PolicySpec, PortRange,
};

#[test]
fn spds_policies_sas_selectors_bindings_interfaces() {
    let limits = Limits {
        spds: 2,
        bindings_per_spd: 2,
        policies: 3,
        bindings_per_policy: 1,
        selectors: 2,
        sas: 2,
        interfaces: 3,
        batch: 2,
        ..Limits::default()
    };
    let mut p = plane_with(limits);
    assert_eq!(
        p.attach_interface(Interface { luid: 9, index: 99 }),
        Err(PlaneError::NoMemory)
    );
    assert_eq!(
        p.spd_create(Direction::Inbound, &[IF1, IF2, IF3], 1),
        Err(PlaneError::NoMemory)
    );
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let t = inbound_spd(&mut p, 2, &[IF1]);
    let before = snapshot(&p);
    assert_eq!(
        p.spd_create(Direction::Inbound, &[IF2], 3),
        Err(PlaneError::NoMemory)
    );
    assert_eq!(p.spd_bind(s, &[IF2, IF3]), Err(PlaneError::NoMemory));
    assert_eq!(snapshot(&p), before);
    let three = [
        any_sel(),
        sel((v4(1, 0, 0, 0), 8), (v4(2, 0, 0, 0), 8), 0, PortRange::ANY),
        sel((v4(3, 0, 0, 0), 8), (v4(4, 0, 0, 0), 8), 0, PortRange::ANY),
    ];
    let spec = PolicySpec {
        id: 50,
        action: Action::Protect,
        selectors: &three,
    };
    assert_eq!(
        p.policy_create(&spec, &[s], &[1], Direction::Outbound),
        Err(PlaneError::NoMemory)
    );
    let a = protect(&mut p, s, 1, 1);
    assert_eq!(
        p.policy_bind(a, &[s], &[1]),
        Err(PlaneError::BindAlreadyBound)
    );
    assert_eq!(
        p.spd_create(Direction::Outbound, &[IF3], 9),
        Err(PlaneError::NoMemory)
    );
    protect(&mut p, s, 2, 1);
    protect(&mut p, t, 3, 1);
    let before = snapshot(&p);
    let one = [any_sel()];
    let spec = PolicySpec {
        id: 4,
        action: Action::Protect,
        selectors: &one,
    };
    assert_eq!(
        p.policy_create(&spec, &[s], &[1], Direction::Outbound),
        Err(PlaneError::NoMemory)
    );
    assert_eq!(
        p.policy_batch_create(&[spec], s, Direction::Outbound, &[1])
            .unwrap_err()
            .error,
        PlaneError::NoMemory
    );
    assert_eq!(snapshot(&p), before);
    let (e1, e2, e3) = ([esp(0x100)], [esp(0x101)], [esp(0x102)]);
    p.sa_add(&add_req(a, 1, &e1)).unwrap();
    p.sa_add(&add_req(a, 2, &e2)).unwrap();
    let before = snapshot(&p);
    assert_eq!(p.sa_add(&add_req(a, 3, &e3)), Err(PlaneError::NoMemory));
    assert_eq!(snapshot(&p), before);
}

#[test]
fn the_datapath_table_full_is_nomemory_too() {
    // The control plane allows more SAs than the datapath's table holds.
    let mut p = ipsecov2_control_plane::ControlPlane::new(store(1), Limits::default()).unwrap();
    p.attach_interface(Interface {
        luid: 1,
        index: IF1,
    })
    .unwrap();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    let (a, b) = ([esp(0x100)], [esp(0x101)]);
    p.sa_add(&add_req(pol, 1, &a)).unwrap();
    let before = snapshot(&p);
    assert_eq!(p.sa_add(&add_req(pol, 2, &b)), Err(PlaneError::NoMemory));
    assert_eq!(snapshot(&p), before);
}
