//! Sections 6.6.7-6.6.15: the policy functions.

use crate::common::plane::policy;
use npf_ipsec_sapi::abi::*;
use npf_ipsec_sapi::model::{Action, Direction, IpAddr, PolicyHandle, SelectorAddr, SpdHandle};
use npf_ipsec_sapi::{Done, Request};

use crate::agreement::record;
use crate::harness::{generic_sync, Harness, Via};

pub fn policy_functions(via: Via) {
    let mut h = Harness::new(via);
    let spd_in = h.spd(Direction::Inbound, &[1], 1);
    let spd_in2 = h.spd(Direction::Inbound, &[2], 2);
    let f = "Policy_Create";
    generic_sync(
        &mut h,
        f,
        Request::PolicyCreate {
            policy: policy(1, 1),
            spds: vec![(spd_in, 1)],
            direction: Direction::Inbound,
        },
    );
    let p1 = h.policy(1, 1, spd_in, Direction::Inbound);
    h.expect(
        f,
        Request::PolicyCreate {
            policy: policy(2, 2),
            spds: vec![(SpdHandle(999), 1)],
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    let mut bad = policy(2, 2);
    bad.action = Action::Other(9);
    h.expect(
        f,
        Request::PolicyCreate {
            policy: bad,
            spds: vec![(spd_in, 1)],
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_POLICY_ACTION,
    );
    let mut bad = policy(2, 2);
    bad.selectors[0].ip_version = 5;
    h.expect(
        f,
        Request::PolicyCreate {
            policy: bad,
            spds: vec![(spd_in, 1)],
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_SELECTOR,
    );
    let mut dup = policy(2, 2);
    dup.selectors.push(dup.selectors[0]);
    let req = Request::PolicyCreate {
        policy: dup,
        spds: vec![(spd_in, 1)],
        direction: Direction::Inbound,
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_SELECTOR);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_SELECTOR);
    let req = Request::PolicyCreate {
        policy: policy(2, 2),
        spds: vec![(spd_in, 1), (spd_in, 2)],
        direction: Direction::Inbound,
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_SPD_HANDLE);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_SPD_HANDLE);
    let mut rf = policy(2, 2);
    rf.selectors[0].rule_flags = 0x80;
    let req = Request::PolicyCreate {
        policy: rf,
        spds: vec![(spd_in, 1)],
        direction: Direction::Inbound,
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED);
    h.expect_plane(f, &req, NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED);
    h.expect(
        f,
        Request::PolicyCreate {
            policy: policy(1, 3),
            spds: vec![(spd_in, 1)],
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED,
    );

    let f = "Policy_BatchCreate";
    generic_sync(
        &mut h,
        f,
        Request::PolicyBatchCreate {
            policies: vec![(policy(5, 5), 1)],
            spd: spd_in,
            direction: Direction::Inbound,
        },
    );
    h.expect_sync(
        f,
        Request::PolicyBatchCreate {
            policies: vec![],
            spd: spd_in,
            direction: Direction::Inbound,
        },
        NPF_E_UNKNOWN,
    );
    let batch = match h.ok(
        f,
        Request::PolicyBatchCreate {
            policies: vec![(policy(5, 5), 1), (policy(6, 6), 2)],
            spd: spd_in,
            direction: Direction::Inbound,
        },
    ) {
        Done::PolicyHandles(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(batch.len(), 2);
    h.expect(
        f,
        Request::PolicyBatchCreate {
            policies: vec![(policy(7, 7), 1), (policy(7, 8), 2)],
            spd: spd_in,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_DUPLICATE_POLICY_ID,
    );
    // All or nothing: policy 8 was fine, but it was not created.
    assert_eq!(
        h.ok("Query_PolicyHandle", Request::QueryPolicyHandle(vec![7, 8])),
        Done::PolicyIdentities(vec![
            npf_ipsec_sapi::model::PolicyIdentity {
                id: 7,
                handle: PolicyHandle::INVALID
            },
            npf_ipsec_sapi::model::PolicyIdentity {
                id: 8,
                handle: PolicyHandle::INVALID
            },
        ])
    );
    h.expect(
        f,
        Request::PolicyBatchCreate {
            policies: vec![(policy(9, 9), 1), (policy(1, 8), 2)],
            spd: spd_in,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED,
    );
    h.expect(
        f,
        Request::PolicyBatchCreate {
            policies: vec![(policy(9, 9), 1)],
            spd: SpdHandle(999),
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    let mut bad = policy(9, 9);
    bad.action = Action::Other(0);
    h.expect(
        f,
        Request::PolicyBatchCreate {
            policies: vec![(bad, 1)],
            spd: spd_in,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_POLICY_ACTION,
    );
    let mut bad = policy(9, 9);
    bad.selectors[0].src = SelectorAddr::Prefix(IpAddr::V4([10, 0, 0, 0]), 40);
    h.expect(
        f,
        Request::PolicyBatchCreate {
            policies: vec![(bad, 1)],
            spd: spd_in,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_SELECTOR,
    );
    let mut dup = policy(9, 9);
    dup.selectors.push(dup.selectors[0]);
    let req = Request::PolicyBatchCreate {
        policies: vec![(dup, 1)],
        spd: spd_in,
        direction: Direction::Inbound,
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_SELECTOR);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_SELECTOR);
    let mut rf = policy(9, 9);
    rf.selectors[0].rule_flags = 0x40;
    let req = Request::PolicyBatchCreate {
        policies: vec![(rf, 1)],
        spd: spd_in,
        direction: Direction::Inbound,
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED);
    h.expect_plane(f, &req, NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED);

    let f = "Policy_Bind";
    generic_sync(
        &mut h,
        f,
        Request::PolicyBind {
            policy: p1,
            spds: vec![(spd_in2, 1)],
        },
    );
    let req = Request::PolicyBind {
        policy: p1,
        spds: vec![(spd_in2, 1), (spd_in2, 1)],
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_SPD_HANDLE);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_SPD_HANDLE);
    h.ok(
        f,
        Request::PolicyBind {
            policy: p1,
            spds: vec![(spd_in2, 1)],
        },
    );
    h.expect(
        f,
        Request::PolicyBind {
            policy: p1,
            spds: vec![(spd_in2, 1)],
        },
        NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND,
    );
    h.expect(
        f,
        Request::PolicyBind {
            policy: p1,
            spds: vec![(SpdHandle(999), 1)],
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyBind {
            policy: PolicyHandle(999),
            spds: vec![(spd_in2, 1)],
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    let global = match h.ok(
        "Policy_Create",
        Request::PolicyCreate {
            policy: policy(20, 20),
            spds: vec![],
            direction: Direction::Inbound,
        },
    ) {
        Done::Policy(p) => p,
        other => panic!("{other:?}"),
    };
    h.expect(
        f,
        Request::PolicyBind {
            policy: global,
            spds: vec![(spd_in2, 1)],
        },
        NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL,
    );

    let f = "Policy_UnBind";
    generic_sync(
        &mut h,
        f,
        Request::PolicyUnbind {
            policy: p1,
            spds: vec![spd_in2],
        },
    );
    h.expect_sync(
        f,
        Request::PolicyUnbind {
            policy: p1,
            spds: vec![],
        },
        NPF_E_UNKNOWN,
    );
    let req = Request::PolicyUnbind {
        policy: p1,
        spds: vec![spd_in2, spd_in2],
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_SPD_HANDLE);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_SPD_HANDLE);
    h.ok(
        f,
        Request::PolicyUnbind {
            policy: p1,
            spds: vec![spd_in2],
        },
    );
    h.expect(
        f,
        Request::PolicyUnbind {
            policy: p1,
            spds: vec![spd_in],
        },
        NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING,
    );
    h.expect(
        f,
        Request::PolicyUnbind {
            policy: p1,
            spds: vec![SpdHandle(999)],
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyUnbind {
            policy: PolicyHandle(999),
            spds: vec![spd_in],
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyUnbind {
            policy: global,
            spds: vec![spd_in],
        },
        NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL,
    );

    let f = "Policy_BatchBind";
    let two: Vec<(PolicyHandle, u32)> = batch.iter().map(|p| (*p, 3)).collect();
    generic_sync(
        &mut h,
        f,
        Request::PolicyBatchBind {
            policies: two.clone(),
            spd: spd_in2,
            direction: Direction::Inbound,
        },
    );
    let req = Request::PolicyBatchBind {
        policies: vec![(batch[0], 1), (batch[0], 1)],
        spd: spd_in2,
        direction: Direction::Inbound,
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE);
    h.ok(
        f,
        Request::PolicyBatchBind {
            policies: two.clone(),
            spd: spd_in2,
            direction: Direction::Inbound,
        },
    );
    h.expect(
        f,
        Request::PolicyBatchBind {
            policies: two.clone(),
            spd: spd_in2,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND,
    );
    h.expect(
        f,
        Request::PolicyBatchBind {
            policies: two.clone(),
            spd: SpdHandle(999),
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyBatchBind {
            policies: vec![(PolicyHandle(999), 1)],
            spd: spd_in2,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyBatchBind {
            policies: vec![(global, 1)],
            spd: spd_in2,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL,
    );

    let f = "Policy_BatchUnBind";
    generic_sync(
        &mut h,
        f,
        Request::PolicyBatchUnbind {
            policies: batch.clone(),
            spd: spd_in2,
        },
    );
    let req = Request::PolicyBatchUnbind {
        policies: vec![batch[0], batch[0]],
        spd: spd_in2,
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE);
    h.ok(
        f,
        Request::PolicyBatchUnbind {
            policies: batch.clone(),
            spd: spd_in2,
        },
    );
    h.expect(
        f,
        Request::PolicyBatchUnbind {
            policies: batch.clone(),
            spd: spd_in,
        },
        NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING,
    );
    h.expect(
        f,
        Request::PolicyBatchUnbind {
            policies: batch.clone(),
            spd: SpdHandle(999),
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyBatchUnbind {
            policies: vec![PolicyHandle(999)],
            spd: spd_in,
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyBatchUnbind {
            policies: vec![global],
            spd: spd_in,
        },
        NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL,
    );

    let f = "Policy_ChangePriority";
    generic_sync(
        &mut h,
        f,
        Request::PolicyChangePriority {
            spd: spd_in,
            policy: p1,
            priority: 1,
        },
    );
    h.ok(
        f,
        Request::PolicyChangePriority {
            spd: spd_in,
            policy: p1,
            priority: 1,
        },
    );
    h.expect(
        f,
        Request::PolicyChangePriority {
            spd: SpdHandle(999),
            policy: p1,
            priority: 1,
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    h.expect(
        f,
        Request::PolicyChangePriority {
            spd: spd_in,
            policy: PolicyHandle(999),
            priority: 1,
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );

    let f = "Policy_Destroy";
    generic_sync(&mut h, f, Request::PolicyDestroy(p1));
    h.ok(f, Request::PolicyDestroy(p1));
    h.expect(
        f,
        Request::PolicyDestroy(p1),
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );

    let f = "Policy_BatchDestroy";
    generic_sync(&mut h, f, Request::PolicyBatchDestroy(batch.clone()));
    h.expect_sync(f, Request::PolicyBatchDestroy(vec![]), NPF_E_UNKNOWN);
    let req = Request::PolicyBatchDestroy(vec![batch[0], batch[0]]);
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE);
    h.expect(
        f,
        Request::PolicyBatchDestroy(vec![batch[0], PolicyHandle(999)]),
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.ok(f, Request::PolicyBatchDestroy(batch.clone()));
    record(h.via, std::mem::take(&mut h.covered));
}
