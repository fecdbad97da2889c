//! A completion as `NPF_IPSecCallbackData_t`: the callback type, `allOK`, and the responses
//! with the union member the agreement names for each callback type and error (the table is in
//! docs/npf-sapi.md). The arrays the responses point to live in [`CallbackData`] until the
//! callback returns.

use crate::abi::{self, *};
use crate::c_abi::write;
use crate::model::{Direction, SpdBindings};
use crate::request::{Done, Failure, Request};
use crate::service::Completion;

/// `NPF_IPSecCallbackData_t` and the storage its pointers point into.
#[derive(Debug, Default)]
pub struct CallbackData {
    resp: Vec<NPF_IPSecAsyncResponse_t>,
    handles: Vec<u32>,
    spd_ids: Vec<NPF_IPSecSPD_Identity_t>,
    policy_ids: Vec<NPF_IPSecPolicy_Identity_t>,
    sa_ids: Vec<NPF_IPSecSA_Identity_t>,
    selectors: Vec<NPF_IPSecSelector_t>,
    stats: Vec<NPF_IPSecSA_Stats_t>,
    callback_type: u32,
    all_ok: bool,
}

type U = NPF_IPSecAsyncResponse_u;

fn response(error: u32, direction: u32, u: U) -> NPF_IPSecAsyncResponse_t {
    NPF_IPSecAsyncResponse_t {
        error,
        direction,
        u,
    }
}

fn ok(direction: u32, u: U) -> NPF_IPSecAsyncResponse_t {
    response(abi::NPF_NO_ERROR, direction, u)
}

const fn nothing() -> U {
    U { spdHandle: 0 }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn dir_of(request: &Request) -> u32 {
    match request {
        Request::SpdCreate { direction, .. }
        | Request::PolicyCreate { direction, .. }
        | Request::PolicyBatchCreate { direction, .. }
        | Request::PolicyBatchBind { direction, .. } => direction.to_c(),
        Request::SaAdd(add) => add.direction.to_c(),
        _ => 0,
    }
}

impl CallbackData {
    /// The C view of `completion`.
    #[must_use]
    pub fn build(completion: &Completion) -> Self {
        let mut d = Self {
            callback_type: completion.request.callback_type(),
            all_ok: completion.reply.is_ok(),
            ..Self::default()
        };
        let direction = dir_of(&completion.request);
        match &completion.reply {
            Ok(done) => d.success(&completion.request, done, direction),
            Err(f) => {
                let u = d.offender(&completion.request, *f);
                d.resp.push(response(f.error.code(), direction, u));
            }
        }
        d
    }

    /// The structure to pass to the callback; valid while `self` lives and is not modified.
    #[must_use]
    pub fn data(&mut self) -> NPF_IPSecCallbackData_t {
        NPF_IPSecCallbackData_t {
            r#type: self.callback_type,
            allOK: if self.all_ok { NPF_TRUE } else { NPF_FALSE },
            nResp: count(self.resp.len()),
            resp: self.resp.as_mut_ptr(),
        }
    }

    /// The responses.
    #[must_use]
    pub fn responses(&self) -> &[NPF_IPSecAsyncResponse_t] {
        &self.resp
    }

    fn success(&mut self, request: &Request, done: &Done, dir: u32) {
        match done {
            Done::Unit => {
                let u = match request {
                    Request::SpdBind { spd, .. } | Request::SpdUnbind { spd, .. } => {
                        U { spdHandle: spd.0 }
                    }
                    Request::PolicyDestroy(p)
                    | Request::PolicyBind { policy: p, .. }
                    | Request::PolicyUnbind { policy: p, .. }
                    | Request::PolicyChangePriority { policy: p, .. } => U { policyHandle: p.0 },
                    Request::PolicyBatchDestroy(ps)
                    | Request::PolicyBatchUnbind { policies: ps, .. } => {
                        for p in ps {
                            self.resp.push(ok(dir, U { policyHandle: p.0 }));
                        }
                        return;
                    }
                    Request::PolicyBatchBind { policies, .. } => {
                        for (p, _) in policies {
                            self.resp.push(ok(dir, U { policyHandle: p.0 }));
                        }
                        return;
                    }
                    Request::SaRemove { sa, .. } => U { saHandle: sa.0 },
                    Request::ReleaseSpi { spi, .. } => U { spi: *spi },
                    _ => nothing(),
                };
                self.resp.push(ok(dir, u));
            }
            Done::Spd(h) => self.resp.push(ok(dir, U { spdHandle: h.0 })),
            Done::Spds(list) => {
                for h in list {
                    self.resp.push(ok(dir, U { spdHandle: h.0 }));
                }
                if list.is_empty() {
                    self.resp.push(ok(dir, nothing()));
                }
            }
            Done::Policy(h) => self.resp.push(ok(dir, U { policyHandle: h.0 })),
            Done::PolicyHandles(list) => {
                self.handles = list.iter().map(|h| h.0).collect();
                let arr = NPF_IPSecPolicy_Handle_Array_t {
                    nCount: count(self.handles.len()),
                    policyHandleArray: self.handles.as_mut_ptr(),
                };
                self.resp.push(ok(dir, U { policyHandles: arr }));
            }
            Done::Sa(h) => self.resp.push(ok(dir, U { saHandle: h.0 })),
            Done::Spi(s) => self.resp.push(ok(Direction::Inbound.to_c(), U { spi: *s })),
            Done::PolicyStats(s) => self.resp.push(ok(dir, U { policyStats: *s })),
            Done::SaStats(s) => {
                self.stats.clone_from(&s.stats);
                let b = NPF_IPSecSA_BundleStats_t {
                    saID: s.sa_id,
                    saCount: count(self.stats.len()),
                    saBundleStats: self.stats.as_mut_ptr(),
                };
                self.resp.push(ok(dir, U { saStats: b }));
            }
            Done::SpdIdentities(list) => {
                self.spd_ids = list
                    .iter()
                    .map(|s| NPF_IPSecSPD_Identity_t {
                        spdID: s.id,
                        spdHandle: s.handle.0,
                        spdDirection: s.direction.map_or(0, Direction::to_c),
                    })
                    .collect();
                let arr = NPF_IPSecSPD_Identity_Array_t {
                    nCount: count(self.spd_ids.len()),
                    spdIdentityArray: self.spd_ids.as_mut_ptr(),
                };
                self.resp.push(ok(dir, U { spdDataArray: arr }));
            }
            Done::SpdBindings(b) => {
                self.handles = match b {
                    SpdBindings::All => Vec::new(),
                    SpdBindings::Interfaces(list) => list.clone(),
                };
                let arr = NPF_IPSecInterface_Handle_Array_t {
                    nifHandles: count(self.handles.len()),
                    ifHandleArray: self.handles.as_mut_ptr(),
                };
                self.resp.push(ok(
                    dir,
                    U {
                        interfaceDataArray: arr,
                    },
                ));
            }
            Done::PolicyIdentities(list) => {
                self.policy_ids = list
                    .iter()
                    .map(|p| NPF_IPSecPolicy_Identity_t {
                        policyID: p.id,
                        policyHandle: p.handle.0,
                    })
                    .collect();
                let arr = NPF_IPSecPolicy_Identity_Array_t {
                    nCount: count(self.policy_ids.len()),
                    policyIdentityArray: self.policy_ids.as_mut_ptr(),
                };
                self.resp.push(ok(
                    dir,
                    U {
                        policyDataArray: arr,
                    },
                ));
            }
            Done::SaIdentities(list) => {
                self.sa_ids = list
                    .iter()
                    .map(|s| NPF_IPSecSA_Identity_t {
                        policyID: s.id,
                        SAHandle: s.handle.0,
                    })
                    .collect();
                let arr = NPF_IPSecSA_Identity_Array_t {
                    nCount: count(self.sa_ids.len()),
                    SAIdentityArray: self.sa_ids.as_mut_ptr(),
                };
                self.resp.push(ok(dir, U { saDataArray: arr }));
            }
            Done::PolicyData(p) => {
                self.selectors = p.selectors.iter().map(write::selector).collect();
                let data = NPF_IPSecPolicy_t {
                    policyID: p.id,
                    policyAction: p.action.to_c(),
                    selectorCount: count(self.selectors.len()),
                    selectorArray: self.selectors.as_mut_ptr(),
                };
                self.resp.push(ok(dir, U { policyData: data }));
            }
            Done::SaData(s) => {
                for p in &s.sas {
                    self.resp
                        .push(ok(s.direction.to_c(), U { SA: write::sa(p) }));
                }
            }
        }
    }

    /// The union member the header's comments name for this error: the offending handle, ID,
    /// interface, selector or SA when the request says which one it is.
    fn offender(&mut self, request: &Request, f: Failure) -> U {
        use crate::error::NpfError as E;
        let idx = f.index.and_then(|i| usize::try_from(i).ok()).unwrap_or(0);
        match (f.error, request) {
            (E::InvalidIfHandle | E::DuplicateIfHandle, Request::SpdCreate { ifs, .. })
            | (
                E::InvalidIfHandle | E::DuplicateIfHandle,
                Request::SpdBind { ifs, .. } | Request::SpdUnbind { ifs, .. },
            ) => ifs.get(idx).map_or(nothing(), |i| U { ifHandle: *i }),
            (E::SpdIdAlreadyRegistered | E::InvalidSpdId, Request::SpdCreate { id, .. }) => {
                U { spdID: *id }
            }
            (
                E::InvalidSpdHandle | E::DuplicateSpdHandle,
                Request::SpdDestroy(spds) | Request::SpdFlush(spds),
            ) => spds.get(idx).map_or(nothing(), |h| U { spdHandle: h.0 }),
            (
                E::InvalidSpdHandle | E::UnbindFailedLastBinding | E::UnbindFailedBoundToAll,
                Request::SpdBind { spd, .. } | Request::SpdUnbind { spd, .. },
            )
            | (E::InvalidSpdHandle, Request::PolicyChangePriority { spd, .. })
            | (
                E::InvalidSpdHandle,
                Request::PolicyBatchCreate { spd, .. }
                | Request::PolicyBatchBind { spd, .. }
                | Request::PolicyBatchUnbind { spd, .. },
            )
            | (
                E::InvalidSpdHandle,
                Request::QueryAllSpdBindings(spd)
                | Request::QueryAllPolicies(spd)
                | Request::QueryAllSas(spd),
            ) => U { spdHandle: spd.0 },
            (E::InvalidSpdHandle | E::DuplicateSpdHandle, Request::PolicyCreate { spds, .. })
            | (E::InvalidSpdHandle | E::DuplicateSpdHandle, Request::PolicyBind { spds, .. }) => {
                spds.get(idx)
                    .map_or(nothing(), |(h, _)| U { spdHandle: h.0 })
            }
            (E::InvalidSpdHandle | E::DuplicateSpdHandle, Request::PolicyUnbind { spds, .. }) => {
                spds.get(idx).map_or(nothing(), |h| U { spdHandle: h.0 })
            }
            (
                E::PolicyIdAlreadyRegistered | E::DuplicatePolicyId | E::InvalidPolicyId,
                Request::PolicyCreate { policy, .. },
            ) => U {
                policyID: policy.id,
            },
            (
                E::PolicyIdAlreadyRegistered | E::DuplicatePolicyId,
                Request::PolicyBatchCreate { policies, .. },
            ) => policies
                .get(idx)
                .map_or(nothing(), |(p, _)| U { policyID: p.id }),
            (
                E::InvalidSelector | E::DuplicateSelector | E::SelectorRuleflagUnsupported,
                Request::PolicyCreate { policy, .. },
            ) => policy.selectors.first().map_or(nothing(), |s| U {
                selector: write::selector(s),
            }),
            (
                E::InvalidSelector | E::DuplicateSelector | E::SelectorRuleflagUnsupported,
                Request::PolicyBatchCreate { policies, .. },
            ) => policies
                .get(idx)
                .and_then(|(p, _)| p.selectors.first())
                .map_or(nothing(), |s| U {
                    selector: write::selector(s),
                }),
            (
                E::InvalidSelector | E::DuplicateSelector | E::SelectorRuleflagUnsupported,
                Request::SaAdd(add),
            ) => add.selectors.first().map_or(nothing(), |s| U {
                selector: write::selector(s),
            }),
            (E::SaIdAlreadyRegistered | E::InvalidSaId, Request::SaAdd(add)) => {
                U { saID: add.sa_id }
            }
            (E::InvalidSaHandle, Request::SaAdd(add)) => U {
                saHandle: add.previous.0,
            },
            (E::InvalidPolicyHandle, Request::SaAdd(add)) => U {
                policyHandle: add.policy.0,
            },
            (_, Request::SaAdd(add)) => add
                .sas
                .get(idx)
                .map_or(nothing(), |s| U { SA: write::sa(s) }),
            (
                E::InvalidSaHandle,
                Request::SaRemove { sa, .. }
                | Request::SaGetStats { sa, .. }
                | Request::QuerySaData(sa),
            ) => U { saHandle: sa.0 },
            (
                E::InvalidPolicyHandle
                | E::DuplicatePolicyHandle
                | E::BindFailedBoundToAll
                | E::BindFailedAlreadyBound
                | E::UnbindFailedBoundToAll
                | E::UnbindFailedLastBinding,
                Request::PolicyBatchDestroy(ps) | Request::PolicyBatchUnbind { policies: ps, .. },
            ) => ps.get(idx).map_or(nothing(), |p| U { policyHandle: p.0 }),
            (
                E::InvalidPolicyHandle
                | E::DuplicatePolicyHandle
                | E::BindFailedBoundToAll
                | E::BindFailedAlreadyBound,
                Request::PolicyBatchBind { policies, .. },
            ) => policies
                .get(idx)
                .map_or(nothing(), |(p, _)| U { policyHandle: p.0 }),
            (
                E::InvalidPolicyHandle
                | E::BindFailedBoundToAll
                | E::BindFailedAlreadyBound
                | E::UnbindFailedBoundToAll
                | E::UnbindFailedLastBinding,
                Request::PolicyDestroy(p)
                | Request::PolicyBind { policy: p, .. }
                | Request::PolicyUnbind { policy: p, .. }
                | Request::PolicyChangePriority { policy: p, .. }
                | Request::SaRemove { policy: p, .. }
                | Request::ReserveSpi { policy: p, .. }
                | Request::ReleaseSpi { policy: p, .. }
                | Request::PolicyGetStats { policy: p, .. }
                | Request::SaGetStats { policy: p, .. }
                | Request::QueryAllPolicyBindings(p)
                | Request::QueryPolicyData(p)
                | Request::QuerySaHandle { policy: p, .. },
            ) => U { policyHandle: p.0 },
            (E::BadSpi | E::SpiInUse, Request::ReleaseSpi { spi, .. }) => U { spi: *spi },
            _ => nothing(),
        }
    }
}
