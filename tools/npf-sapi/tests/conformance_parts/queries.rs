//! Sections 6.6.23-6.6.32: the queries.

use crate::common::plane::sa_add;
use npf_ipsec_sapi::abi::*;
use npf_ipsec_sapi::model::{Direction, PolicyHandle, SaHandle, SpdHandle};
use npf_ipsec_sapi::{Done, Request};

use crate::agreement::record;
use crate::harness::{generic_sync, Harness, Via};

pub fn query_functions(via: Via) {
    let mut h = Harness::new(via);
    let spd = h.spd(Direction::Outbound, &[1, 2], 5);
    let p = h.policy(50, 1, spd, Direction::Outbound);
    let sa = match h.ok(
        "SA_Add",
        Request::SaAdd(sa_add(p, 500, 0x6000, Direction::Outbound, 1)),
    ) {
        Done::Sa(s) => s,
        other => panic!("{other:?}"),
    };
    let f = "Query_AllSPDs";
    generic_sync(&mut h, f, Request::QueryAllSpds);
    assert!(
        matches!(h.ok(f, Request::QueryAllSpds), Done::SpdIdentities(v) if v.len() == 1 && v[0].handle == spd)
    );
    let f = "Query_AllSPDBindings";
    generic_sync(&mut h, f, Request::QueryAllSpdBindings(spd));
    assert!(matches!(
        h.ok(f, Request::QueryAllSpdBindings(spd)),
        Done::SpdBindings(_)
    ));
    h.expect(
        f,
        Request::QueryAllSpdBindings(SpdHandle(999)),
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    let f = "Query_AllPolicies";
    generic_sync(&mut h, f, Request::QueryAllPolicies(spd));
    assert!(
        matches!(h.ok(f, Request::QueryAllPolicies(spd)), Done::PolicyIdentities(v) if v.len() == 1 && v[0].handle == p)
    );
    h.expect(
        f,
        Request::QueryAllPolicies(SpdHandle(999)),
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    let f = "Query_AllPolicyBindings";
    generic_sync(&mut h, f, Request::QueryAllPolicyBindings(p));
    assert!(
        matches!(h.ok(f, Request::QueryAllPolicyBindings(p)), Done::SpdIdentities(v) if v.len() == 1)
    );
    h.expect(
        f,
        Request::QueryAllPolicyBindings(PolicyHandle(999)),
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    let f = "Query_AllSAs";
    generic_sync(&mut h, f, Request::QueryAllSas(spd));
    assert!(
        matches!(h.ok(f, Request::QueryAllSas(spd)), Done::SaIdentities(v) if v.len() == 1 && v[0].handle == sa)
    );
    h.expect(
        f,
        Request::QueryAllSas(SpdHandle(999)),
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    let f = "Query_PolicyData";
    generic_sync(&mut h, f, Request::QueryPolicyData(p));
    assert!(matches!(h.ok(f, Request::QueryPolicyData(p)), Done::PolicyData(d) if d.id == 50));
    h.expect(
        f,
        Request::QueryPolicyData(PolicyHandle(999)),
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    let f = "Query_SAData";
    generic_sync(&mut h, f, Request::QuerySaData(sa));
    assert!(
        matches!(h.ok(f, Request::QuerySaData(sa)), Done::SaData(d) if d.id == 500 && d.sas[0].spi == 0x6000)
    );
    h.expect(
        f,
        Request::QuerySaData(SaHandle(999)),
        NPF_IPSEC_E_INVALID_SA_HANDLE,
    );
    let f = "Query_SPDHandle";
    generic_sync(&mut h, f, Request::QuerySpdHandle(vec![5]));
    assert!(
        matches!(h.ok(f, Request::QuerySpdHandle(vec![5, 6])), Done::SpdIdentities(v) if v[0].handle == spd && v[1].handle == SpdHandle::INVALID)
    );
    let f = "Query_PolicyHandle";
    generic_sync(&mut h, f, Request::QueryPolicyHandle(vec![50]));
    assert!(
        matches!(h.ok(f, Request::QueryPolicyHandle(vec![50])), Done::PolicyIdentities(v) if v[0].handle == p)
    );
    let f = "Query_SAHandle";
    generic_sync(
        &mut h,
        f,
        Request::QuerySaHandle {
            policy: p,
            ids: vec![500],
        },
    );
    assert!(
        matches!(h.ok(f, Request::QuerySaHandle { policy: p, ids: vec![500, 501] }), Done::SaIdentities(v) if v[0].handle == sa && v[1].handle == SaHandle::INVALID)
    );
    h.expect(
        f,
        Request::QuerySaHandle {
            policy: PolicyHandle(999),
            ids: vec![500],
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    record(h.via, std::mem::take(&mut h.covered));
}
