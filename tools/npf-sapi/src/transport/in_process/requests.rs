//! One request run on the control plane: the reply, or the failure with the element it names.

use ipsecov2_control_plane as cp;

use crate::model::{
    Policy, PolicyHandle, PolicyIdentity, SaAdd, SaBundleStats, SaData, SaHandle, SaIdentity,
    SpdBindings, SpdHandle, SpdIdentity,
};
use crate::request::{Done, Failure, Reply, Request};

use super::from_plane::{
    action_back, dir_back, sa_params_back, sa_stats_back, selector_back, spd_identity,
};
use super::to_plane::{action, dir, event_limit, sa_params, selectors};
use super::{plane_err, HostPlane};

fn batch(f: cp::BatchFailure) -> Failure {
    Failure::at(f.index, plane_err(f.error))
}

fn one<T>(r: Result<T, cp::PlaneError>) -> Result<T, Failure> {
    r.map_err(|e| Failure::of(plane_err(e)))
}

/// Runs one request on the control plane.
pub fn run(plane: &mut HostPlane, request: &Request) -> Reply {
    match request {
        Request::RateLimitEvents(limits) => {
            let limits = limits
                .iter()
                .map(event_limit)
                .collect::<Result<Vec<_>, _>>()?;
            one(plane.rate_limit_events(&limits)).map(|()| Done::Unit)
        }
        Request::SpdCreate { direction, ifs, id } => {
            one(plane.spd_create(dir(*direction), ifs, *id)).map(|h| Done::Spd(SpdHandle(h.0)))
        }
        // 6.6.3, 6.6.6: an empty list means every SPD; the control plane says so itself.
        Request::SpdDestroy(spds) => {
            let list = responses(plane, spds);
            one(plane.spd_destroy(&to_cp_spds(spds))).map(|()| Done::Spds(list))
        }
        Request::SpdBind { spd, ifs } => {
            one(plane.spd_bind(cp::SpdHandle(spd.0), ifs)).map(|()| Done::Unit)
        }
        Request::SpdUnbind { spd, ifs } => {
            one(plane.spd_unbind(cp::SpdHandle(spd.0), ifs)).map(|()| Done::Unit)
        }
        Request::SpdFlush(spds) => {
            let list = responses(plane, spds);
            one(plane.spd_flush(&to_cp_spds(spds))).map(|()| Done::Spds(list))
        }
        Request::PolicyCreate {
            policy,
            spds,
            direction,
        } => {
            let sel = selectors(&policy.selectors);
            let spec = cp::PolicySpec {
                id: policy.id,
                action: action(policy.action)?,
                selectors: &sel,
            };
            let handles: Vec<cp::SpdHandle> =
                spds.iter().map(|(s, _)| cp::SpdHandle(s.0)).collect();
            let prios: Vec<u32> = spds.iter().map(|(_, p)| *p).collect();
            one(plane.policy_create(&spec, &handles, &prios, dir(*direction)))
                .map(|h| Done::Policy(PolicyHandle(h.0)))
        }
        Request::PolicyDestroy(p) => {
            one(plane.policy_destroy(cp::PolicyHandle(p.0))).map(|()| Done::Unit)
        }
        Request::PolicyBatchCreate {
            policies,
            spd,
            direction,
        } => {
            let sels: Vec<Vec<cp::Selector>> = policies
                .iter()
                .map(|(p, _)| selectors(&p.selectors))
                .collect();
            let mut specs = Vec::with_capacity(policies.len());
            for (i, ((p, _), sel)) in policies.iter().zip(&sels).enumerate() {
                let action = action(p.action).map_err(|f| Failure {
                    index: u32::try_from(i).ok(),
                    ..f
                })?;
                specs.push(cp::PolicySpec {
                    id: p.id,
                    action,
                    selectors: sel,
                });
            }
            let prios: Vec<u32> = policies.iter().map(|(_, p)| *p).collect();
            plane
                .policy_batch_create(&specs, cp::SpdHandle(spd.0), dir(*direction), &prios)
                .map(|hs| Done::PolicyHandles(hs.into_iter().map(|h| PolicyHandle(h.0)).collect()))
                .map_err(batch)
        }
        Request::PolicyBatchDestroy(ps) => plane
            .policy_batch_destroy(&to_cp_policies(ps))
            .map(|()| Done::Unit)
            .map_err(batch),
        Request::PolicyBind { policy, spds } => {
            let handles: Vec<cp::SpdHandle> =
                spds.iter().map(|(s, _)| cp::SpdHandle(s.0)).collect();
            let prios: Vec<u32> = spds.iter().map(|(_, p)| *p).collect();
            one(plane.policy_bind(cp::PolicyHandle(policy.0), &handles, &prios))
                .map(|()| Done::Unit)
        }
        Request::PolicyUnbind { policy, spds } => {
            one(plane.policy_unbind(cp::PolicyHandle(policy.0), &to_cp_spds(spds)))
                .map(|()| Done::Unit)
        }
        Request::PolicyBatchBind {
            policies,
            spd,
            direction,
        } => {
            let handles: Vec<cp::PolicyHandle> = policies
                .iter()
                .map(|(p, _)| cp::PolicyHandle(p.0))
                .collect();
            let prios: Vec<u32> = policies.iter().map(|(_, p)| *p).collect();
            plane
                .policy_batch_bind(&handles, cp::SpdHandle(spd.0), dir(*direction), &prios)
                .map(|()| Done::Unit)
                .map_err(batch)
        }
        Request::PolicyBatchUnbind { policies, spd } => plane
            .policy_batch_unbind(&to_cp_policies(policies), cp::SpdHandle(spd.0))
            .map(|()| Done::Unit)
            .map_err(batch),
        Request::PolicyChangePriority {
            spd,
            policy,
            priority,
        } => one(plane.policy_change_priority(
            cp::SpdHandle(spd.0),
            cp::PolicyHandle(policy.0),
            *priority,
        ))
        .map(|()| Done::Unit),
        Request::SaAdd(add) => sa_add(plane, add),
        Request::SaRemove { policy, sa } => {
            one(plane.sa_remove(cp::PolicyHandle(policy.0), cp::SaHandle(sa.0)))
                .map(|()| Done::Unit)
        }
        Request::ReserveSpi {
            policy,
            selectors: sel,
        } => one(plane.reserve_spi(cp::PolicyHandle(policy.0), &selectors(sel))).map(Done::Spi),
        Request::ReleaseSpi { policy, spi } => {
            one(plane.release_spi(cp::PolicyHandle(policy.0), *spi)).map(|()| Done::Unit)
        }
        Request::PolicyGetStats { policy, reset } => {
            one(plane.policy_stats(cp::PolicyHandle(policy.0), *reset)).map(|s| {
                Done::PolicyStats(crate::model::PolicyStats {
                    spdID: s.spd_id,
                    policyID: s.policy_id,
                    policyErrors: s.policy_errors,
                    acquiredSAs: s.acquired_sas,
                    exceptions: s.exceptions,
                })
            })
        }
        Request::SaGetStats { policy, sa, reset } => {
            one(plane.sa_stats(cp::PolicyHandle(policy.0), cp::SaHandle(sa.0), *reset)).map(|s| {
                Done::SaStats(SaBundleStats {
                    sa_id: s.sa_id,
                    stats: s.stats.iter().take(s.count).map(sa_stats_back).collect(),
                })
            })
        }
        Request::QueryAllSpds => Ok(Done::SpdIdentities(
            plane.query_spds().map(spd_identity).collect(),
        )),
        Request::QueryAllSpdBindings(spd) => one(plane.query_spd_bindings(cp::SpdHandle(spd.0)))
            .map(|b| {
                Done::SpdBindings(match b {
                    cp::SpdBindings::All => SpdBindings::All,
                    cp::SpdBindings::Interfaces(list) => SpdBindings::Interfaces(list.to_vec()),
                })
            }),
        Request::QueryAllPolicies(spd) => {
            one(plane.query_policies(cp::SpdHandle(spd.0))).map(|it| {
                Done::PolicyIdentities(
                    it.map(|(id, h)| PolicyIdentity {
                        id,
                        handle: PolicyHandle(h.0),
                    })
                    .collect(),
                )
            })
        }
        Request::QueryAllPolicyBindings(p) => {
            one(plane.query_policy_bindings(cp::PolicyHandle(p.0)))
                .map(|it| Done::SpdIdentities(it.map(spd_identity).collect()))
        }
        Request::QueryAllSas(spd) => one(plane.query_sas(cp::SpdHandle(spd.0))).map(|it| {
            Done::SaIdentities(
                it.map(|(id, h)| SaIdentity {
                    id,
                    handle: SaHandle(h.0),
                })
                .collect(),
            )
        }),
        Request::QueryPolicyData(p) => {
            one(plane.query_policy_data(cp::PolicyHandle(p.0))).map(|v| {
                Done::PolicyData(Policy {
                    id: v.id,
                    action: action_back(v.action),
                    selectors: v.selectors.iter().map(selector_back).collect(),
                })
            })
        }
        Request::QuerySaData(sa) => one(plane.query_sa_data(cp::SaHandle(sa.0))).map(|v| {
            Done::SaData(SaData {
                id: v.id,
                policy: PolicyHandle(v.policy.0),
                direction: dir_back(v.direction),
                sas: v.sas.iter().map(|m| sa_params_back(&m.params)).collect(),
            })
        }),
        Request::QuerySpdHandle(ids) => Ok(Done::SpdIdentities(
            ids.iter()
                .map(|id| match plane.query_spd_handle(*id) {
                    Ok(s) => spd_identity(s),
                    Err(_) => SpdIdentity {
                        id: *id,
                        handle: SpdHandle::INVALID,
                        direction: None,
                    },
                })
                .collect(),
        )),
        Request::QueryPolicyHandle(ids) => Ok(Done::PolicyIdentities(
            ids.iter()
                .map(|id| PolicyIdentity {
                    id: *id,
                    handle: plane
                        .query_policy_handle(*id)
                        .map_or(PolicyHandle::INVALID, |h| PolicyHandle(h.0)),
                })
                .collect(),
        )),
        Request::QuerySaHandle { policy, ids } => {
            let p = cp::PolicyHandle(policy.0);
            one(plane.query_policy_data(p))?;
            Ok(Done::SaIdentities(
                ids.iter()
                    .map(|id| SaIdentity {
                        id: *id,
                        handle: plane
                            .query_sa_handle(p, *id)
                            .map_or(SaHandle::INVALID, |h| SaHandle(h.0)),
                    })
                    .collect(),
            ))
        }
    }
}

fn to_cp_spds(s: &[SpdHandle]) -> Vec<cp::SpdHandle> {
    s.iter().map(|h| cp::SpdHandle(h.0)).collect()
}

fn to_cp_policies(s: &[PolicyHandle]) -> Vec<cp::PolicyHandle> {
    s.iter().map(|h| cp::PolicyHandle(h.0)).collect()
}

/// The SPDs a destroy or flush reports one response for: the given ones, or for an empty list
/// (which the control plane applies to every SPD itself) the SPDs there are now — under the
/// same lock as the call, so they are exactly the ones it touches.
fn responses(plane: &HostPlane, spds: &[SpdHandle]) -> Vec<SpdHandle> {
    if spds.is_empty() {
        plane.query_spds().map(|s| SpdHandle(s.handle.0)).collect()
    } else {
        spds.to_vec()
    }
}

fn sa_add(plane: &mut HostPlane, add: &SaAdd) -> Reply {
    let version = add.selectors.first().map_or(4, |s| s.ip_version);
    let sas: Vec<cp::SaParams<'_>> = add.sas.iter().map(|p| sa_params(p, version)).collect();
    let sel = selectors(&add.selectors);
    let req = cp::SaAddRequest {
        policy: cp::PolicyHandle(add.policy.0),
        sa_id: add.sa_id,
        sas: &sas,
        udp: cp::UdpPorts {
            src: add.udp.src,
            dst: add.udp.dst,
        },
        selectors: &sel,
        previous: cp::SaHandle(add.previous.0),
        direction: dir(add.direction),
        acquire_context: add.acquire_context,
        vendor_hint: add.vendor_hint,
    };
    one(plane.sa_add(&req)).map(|h| Done::Sa(SaHandle(h.0)))
}
