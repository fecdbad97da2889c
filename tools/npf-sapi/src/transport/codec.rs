//! Requests as the control device's IOCTL messages (`ipsecov2-ioctl`'s user-mode builders) and
//! its responses back as completions. The in-process dispatcher transport, the Windows device
//! transport and the driver binary in the PE host share it: only how the bytes travel differs
//! ([`execute`] runs a request over any carrier of IOCTLs).

use ipsecov2_control_plane as cp;
use ipsecov2_ioctl::client as msg;
use ipsecov2_ioctl::reply;
use ipsecov2_ioctl::wire::Reader;
use ipsecov2_ioctl::{DispatchError, Fault, Field, Ioctl};

use crate::error::{NpfError, TransportError};
use crate::model::{
    Direction, Event, Policy, PolicyHandle, PolicyIdentity, SaBundleStats, SaData, SaHandle,
    SaIdentity, SpdBindings, SpdHandle, SpdIdentity,
};
use crate::request::{Done, Failure, Reply, Request};
use crate::transport::in_process::{
    action, dir, dir_back, event_back, event_limit, sa_params, sa_params_back, sa_stats_back,
    selector_back, selectors, spd_identity,
};

/// A request ready for the device: its IOCTL and input buffer; or the completion it gets
/// without being sent (values the IOCTL protocol cannot carry).
pub fn encode(request: &Request) -> Result<(Ioctl, Vec<u8>), Failure> {
    let h = |v: &[SpdHandle]| v.iter().map(|s| s.0).collect::<Vec<u32>>();
    let p = |v: &[PolicyHandle]| v.iter().map(|s| s.0).collect::<Vec<u32>>();
    Ok(match request {
        Request::RateLimitEvents(limits) => {
            let l = limits
                .iter()
                .map(event_limit)
                .collect::<Result<Vec<_>, _>>()?;
            (Ioctl::EventRateLimit, msg::rate_limit(&l))
        }
        Request::SpdCreate { direction, ifs, id } => {
            (Ioctl::SpdCreate, msg::spd_create(dir(*direction), *id, ifs))
        }
        Request::SpdDestroy(s) => (Ioctl::SpdDestroy, msg::list(&h(s))),
        Request::SpdBind { spd, ifs } => (Ioctl::SpdBind, msg::handle_and_list(spd.0, ifs)),
        Request::SpdUnbind { spd, ifs } => (Ioctl::SpdUnbind, msg::handle_and_list(spd.0, ifs)),
        Request::SpdFlush(s) => (Ioctl::SpdFlush, msg::list(&h(s))),
        Request::PolicyCreate {
            policy,
            spds,
            direction,
        } => {
            let spd: Vec<u32> = spds.iter().map(|(s, _)| s.0).collect();
            let prio: Vec<u32> = spds.iter().map(|(_, p)| *p).collect();
            let bytes = msg::policy_create(
                policy.id,
                action(policy.action)?,
                dir(*direction),
                &selectors(&policy.selectors),
                &spd,
                &prio,
            );
            (Ioctl::PolicyCreate, bytes)
        }
        Request::PolicyDestroy(x) => (Ioctl::PolicyDestroy, msg::words(&[x.0])),
        Request::PolicyBatchCreate {
            policies,
            spd,
            direction,
        } => {
            let sels: Vec<Vec<cp::Selector>> = policies
                .iter()
                .map(|(p, _)| selectors(&p.selectors))
                .collect();
            let mut recs = Vec::with_capacity(policies.len());
            for (i, ((pol, _), s)) in policies.iter().zip(&sels).enumerate() {
                let a = action(pol.action).map_err(|f| Failure {
                    index: u32::try_from(i).ok(),
                    ..f
                })?;
                recs.push((pol.id, a, s.as_slice()));
            }
            let prio: Vec<u32> = policies.iter().map(|(_, p)| *p).collect();
            let bytes = msg::policy_batch_create(&recs, spd.0, dir(*direction), &prio);
            (Ioctl::PolicyBatchCreate, bytes)
        }
        Request::PolicyBatchDestroy(ps) => (Ioctl::PolicyBatchDestroy, msg::list(&p(ps))),
        Request::PolicyBind { policy, spds } => {
            let spd: Vec<u32> = spds.iter().map(|(s, _)| s.0).collect();
            let prio: Vec<u32> = spds.iter().map(|(_, p)| *p).collect();
            (Ioctl::PolicyBind, msg::policy_bind(policy.0, &spd, &prio))
        }
        Request::PolicyUnbind { policy, spds } => (
            Ioctl::PolicyUnbind,
            msg::handle_and_list(policy.0, &h(spds)),
        ),
        Request::PolicyBatchBind {
            policies,
            spd,
            direction,
        } => {
            let ps: Vec<u32> = policies.iter().map(|(p, _)| p.0).collect();
            let prio: Vec<u32> = policies.iter().map(|(_, p)| *p).collect();
            let bytes = msg::policy_batch_bind(&ps, spd.0, dir(*direction), &prio);
            (Ioctl::PolicyBatchBind, bytes)
        }
        Request::PolicyBatchUnbind { policies, spd } => (
            Ioctl::PolicyBatchUnbind,
            msg::policy_batch_unbind(&p(policies), spd.0),
        ),
        Request::PolicyChangePriority {
            spd,
            policy,
            priority,
        } => (
            Ioctl::PolicyChangePriority,
            msg::words(&[spd.0, policy.0, *priority]),
        ),
        Request::SaAdd(add) => {
            let version = add.selectors.first().map_or(4, |s| s.ip_version);
            let sas: Vec<cp::SaParams<'_>> =
                add.sas.iter().map(|s| sa_params(s, version)).collect();
            let sel = selectors(&add.selectors);
            let bytes = msg::sa_add(&msg::SaAdd {
                policy: add.policy.0,
                sa_id: add.sa_id,
                sas: &sas,
                udp: cp::UdpPorts {
                    src: add.udp.src,
                    dst: add.udp.dst,
                },
                selectors: &sel,
                previous: add.previous.0,
                direction: dir(add.direction),
                acquire_context: add.acquire_context,
                vendor_hint: add.vendor_hint,
            });
            (Ioctl::SaAdd, bytes)
        }
        Request::SaRemove { policy, sa } => (Ioctl::SaRemove, msg::words(&[policy.0, sa.0])),
        Request::ReserveSpi {
            policy,
            selectors: s,
        } => (Ioctl::SpiReserve, msg::spi_reserve(policy.0, &selectors(s))),
        Request::ReleaseSpi { policy, spi } => (Ioctl::SpiRelease, msg::words(&[policy.0, *spi])),
        Request::PolicyGetStats { policy, reset } => (
            Ioctl::PolicyStats,
            msg::words(&[policy.0, u32::from(*reset)]),
        ),
        Request::SaGetStats { policy, sa, reset } => (
            Ioctl::SaStats,
            msg::words(&[policy.0, sa.0, u32::from(*reset)]),
        ),
        Request::QueryAllSpds => (Ioctl::QueryAllSpds, msg::words(&[])),
        Request::QueryAllSpdBindings(s) => (Ioctl::QuerySpdBindings, msg::words(&[s.0])),
        Request::QueryAllPolicies(s) => (Ioctl::QueryAllPolicies, msg::words(&[s.0])),
        Request::QueryAllPolicyBindings(x) => (Ioctl::QueryPolicyBindings, msg::words(&[x.0])),
        Request::QueryAllSas(s) => (Ioctl::QueryAllSas, msg::words(&[s.0])),
        Request::QueryPolicyData(x) => (Ioctl::QueryPolicyData, msg::words(&[x.0])),
        Request::QuerySaData(s) => (Ioctl::QuerySaData, msg::words(&[s.0])),
        Request::QuerySpdHandle(ids) => (Ioctl::QuerySpdHandle, msg::list(ids)),
        Request::QueryPolicyHandle(ids) => (Ioctl::QueryPolicyHandle, msg::list(ids)),
        Request::QuerySaHandle { policy, ids } => {
            (Ioctl::QuerySaHandle, msg::handle_and_list(policy.0, ids))
        }
    })
}

/// A carrier of IOCTLs: the code and input bytes there, the output bytes back.
pub type Carrier<'a> = dyn FnMut(Ioctl, &[u8]) -> Result<Vec<u8>, TransportError> + 'a;

/// Runs `request` over `send`, which carries one IOCTL and its input to the device and brings
/// back the output bytes. A request the IOCTL protocol cannot carry completes without being
/// sent; a refusal by the device's decoder with the agreement's error for it
/// (`TransportError::Refused(Some(_))`) completes with that error.
///
/// 6.6.3, 6.6.6: an empty SPD list means every SPD, which the control plane applies in one
/// request; the SPDs there are first (a query just before) only name the completion's
/// responses.
pub fn execute(request: &Request, send: &mut Carrier<'_>) -> Result<Reply, TransportError> {
    let names = match request {
        Request::SpdDestroy(spds) | Request::SpdFlush(spds) if spds.is_empty() => {
            match execute(&Request::QueryAllSpds, send)? {
                Ok(Done::SpdIdentities(v)) => Some(v.into_iter().map(|s| s.handle).collect()),
                Ok(_) => return Err(TransportError::Protocol("query")),
                Err(f) => return Ok(Err(f)),
            }
        }
        _ => None,
    };
    let (ioctl, input) = match encode(request) {
        Ok(m) => m,
        Err(f) => return Ok(Err::<_, Failure>(f)),
    };
    let out = match send(ioctl, &input) {
        Ok(out) => out,
        Err(TransportError::Refused(Some(error))) => return Ok(Err(Failure::of(error))),
        Err(e) => return Err(e),
    };
    let reply = decode(request, ioctl, &out)?;
    Ok(match (reply, names) {
        (Ok(Done::Spds(_)), Some(names)) => Ok(Done::Spds(names)),
        (reply, _) => reply,
    })
}

/// The decoder refused the message. A value the agreement has an error for (an IP version or
/// address type a selector cannot have, an unknown action, key bits the buffer does not hold,
/// an unknown limit type) becomes that error; anything else is the adapter's fault.
#[must_use]
pub fn refused(e: DispatchError) -> TransportError {
    TransportError::Refused(match e {
        DispatchError::Malformed(
            Fault::BadEnum(f) | Fault::KeyBits(f) | Fault::CountMismatch(f),
        ) => match f {
            Field::Selectors | Field::IpVersion | Field::AddrType => {
                Some(NpfError::InvalidSelector)
            }
            Field::Action => Some(NpfError::InvalidPolicyAction),
            Field::AuthKey => Some(NpfError::InvalidAuthAlgoKeylen),
            Field::EncKey => Some(NpfError::InvalidEncAlgoKeylen),
            Field::EventLimits | Field::LimitType => Some(NpfError::BadEventId),
            Field::Priorities => Some(NpfError::InvalidPolicyPriority),
            _ => None,
        },
        DispatchError::Malformed(Fault::CountTooLarge(_)) => Some(NpfError::NoMemory),
        _ => None,
    })
}

/// A device that completes the IRP with `STATUS_INVALID_PARAMETER` refused the message in its
/// decoder and says no more (an NTSTATUS has no room for the field): the reason is found by
/// running the same validating decoder (`ipsecov2_ioctl::decode`) on the same bytes here, and
/// becomes what [`refused`] makes of it. `Refused(None)` when this decoder accepts them (the
/// device refused for a reason of its own).
#[must_use]
pub fn refusal(ioctl: Ioctl, input: &[u8]) -> TransportError {
    match ipsecov2_ioctl::decode(ioctl.code(), input) {
        Err(e) => refused(e),
        Ok(_) => TransportError::Refused(None),
    }
}

/// `STATUS_INVALID_PARAMETER`: how the driver completes a request its decoder refused.
pub const STATUS_INVALID_PARAMETER: u32 = 0xC000_000D;
/// `STATUS_BUFFER_TOO_SMALL`: the output buffer cannot hold the response.
pub const STATUS_BUFFER_TOO_SMALL: u32 = 0xC000_0023;

/// The `EventSetMask` request.
#[must_use]
pub fn event_mask(mask: u32) -> Vec<u8> {
    msg::words(&[mask, 0])
}

/// The `GlobalStats` request.
#[must_use]
pub fn global_stats() -> Vec<u8> {
    msg::words(&[])
}

/// The `GlobalStats` response.
pub fn decode_global_stats(out: &[u8]) -> Result<cp::GlobalStats, TransportError> {
    let resp = msg::parse(out).map_err(protocol)?;
    if resp.status != crate::abi::NPF_NO_ERROR {
        return Err(TransportError::Protocol("global statistics failed"));
    }
    reply::global_stats(&resp.body).map_err(protocol)
}

/// The `EventWait` request (0 = as many events as the output holds).
#[must_use]
pub fn event_wait(max_events: u32) -> Vec<u8> {
    msg::words(&[max_events, 0])
}

fn protocol(_: Fault) -> TransportError {
    TransportError::Protocol("malformed response")
}

/// A body reader that walks forward, for the bodies that are a handle or a list of handles;
/// every other body is read by `ipsecov2_ioctl::reply`.
struct Cursor<'a> {
    r: Reader<'a>,
    at: usize,
}

impl Cursor<'_> {
    fn u32(&mut self) -> Result<u32, TransportError> {
        let v = self.r.u32(self.at).map_err(protocol)?;
        self.at += 4;
        Ok(v)
    }

    fn count(&mut self) -> Result<usize, TransportError> {
        let n = usize::try_from(self.u32()?).map_err(|_| TransportError::Protocol("count"))?;
        // Every element takes at least 4 bytes: a count beyond the body is a lie.
        if n > self.r.bytes().len() / 4 {
            return Err(TransportError::Protocol("count beyond the body"));
        }
        Ok(n)
    }
}

const fn is_batch(ioctl: Ioctl) -> bool {
    matches!(
        ioctl,
        Ioctl::PolicyBatchCreate
            | Ioctl::PolicyBatchDestroy
            | Ioctl::PolicyBatchBind
            | Ioctl::PolicyBatchUnbind
    )
}

/// The completion of `request`, sent as `ioctl`, from the response bytes.
pub fn decode(request: &Request, ioctl: Ioctl, out: &[u8]) -> Result<Reply, TransportError> {
    let resp = msg::parse(out).map_err(protocol)?;
    if resp.status != crate::abi::NPF_NO_ERROR {
        let error = NpfError::from_code(resp.status).ok_or(TransportError::Protocol("status"))?;
        let index = is_batch(ioctl).then_some(resp.index);
        return Ok(Err(Failure { index, error }));
    }
    let mut c = Cursor {
        r: resp.body,
        at: 0,
    };
    let done = match request {
        Request::SpdCreate { .. } => Done::Spd(SpdHandle(c.u32()?)),
        Request::SpdDestroy(_) | Request::SpdFlush(_) => match request {
            Request::SpdDestroy(s) | Request::SpdFlush(s) => Done::Spds(s.clone()),
            _ => Done::Unit,
        },
        Request::PolicyCreate { .. } => Done::Policy(PolicyHandle(c.u32()?)),
        Request::PolicyBatchCreate { .. } => {
            let n = c.count()?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(PolicyHandle(c.u32()?));
            }
            Done::PolicyHandles(v)
        }
        Request::SaAdd(_) => Done::Sa(SaHandle(c.u32()?)),
        Request::ReserveSpi { .. } => Done::Spi(c.u32()?),
        Request::PolicyGetStats { .. } => {
            let st = reply::policy_stats(&resp.body).map_err(protocol)?;
            Done::PolicyStats(crate::model::PolicyStats {
                spdID: st.spd_id,
                policyID: st.policy_id,
                policyErrors: st.policy_errors,
                acquiredSAs: st.acquired_sas,
                exceptions: st.exceptions,
            })
        }
        Request::SaGetStats { .. } => {
            let b = reply::sa_stats(&resp.body).map_err(protocol)?;
            Done::SaStats(SaBundleStats {
                sa_id: b.sa_id,
                stats: b.stats.iter().take(b.count).map(sa_stats_back).collect(),
            })
        }
        Request::QueryAllSpds | Request::QueryAllPolicyBindings(_) => {
            let v = reply::spd_identities(&resp.body).map_err(protocol)?;
            Done::SpdIdentities(v.into_iter().map(spd_identity).collect())
        }
        Request::QueryAllSpdBindings(_) => {
            Done::SpdBindings(match reply::spd_bindings(&resp.body).map_err(protocol)? {
                reply::Bindings::All => SpdBindings::All,
                reply::Bindings::Interfaces(v) => SpdBindings::Interfaces(v),
            })
        }
        Request::QueryAllPolicies(_) => {
            let v = reply::id_handles(&resp.body).map_err(protocol)?;
            Done::PolicyIdentities(
                v.into_iter()
                    .map(|(id, h)| PolicyIdentity {
                        id,
                        handle: PolicyHandle(h),
                    })
                    .collect(),
            )
        }
        Request::QueryAllSas(_) => {
            let v = reply::id_handles(&resp.body).map_err(protocol)?;
            Done::SaIdentities(
                v.into_iter()
                    .map(|(id, h)| SaIdentity {
                        id,
                        handle: SaHandle(h),
                    })
                    .collect(),
            )
        }
        Request::QueryPolicyData(_) => {
            let p = reply::policy_data(&resp.body).map_err(protocol)?;
            Done::PolicyData(Policy {
                id: p.id,
                action: crate::model::Action::from_c(p.action),
                selectors: p.selectors.iter().map(selector_back).collect(),
            })
        }
        Request::QuerySaData(_) => {
            let d = reply::sa_data(&resp.body).map_err(protocol)?;
            Done::SaData(SaData {
                id: d.id,
                policy: PolicyHandle(d.policy.0),
                direction: dir_back(d.direction),
                sas: d.sas.iter().map(sa_params_back).collect(),
            })
        }
        Request::QuerySpdHandle(_) => {
            let v = reply::spd_handles(&resp.body).map_err(protocol)?;
            Done::SpdIdentities(
                v.into_iter()
                    .map(|a| SpdIdentity {
                        id: a.id,
                        handle: SpdHandle(a.handle.0),
                        direction: a.direction.and_then(|d| Direction::from_c(d.to_u32())),
                    })
                    .collect(),
            )
        }
        Request::QueryPolicyHandle(_) => {
            let v = reply::id_handle_status(&resp.body).map_err(protocol)?;
            Done::PolicyIdentities(
                v.into_iter()
                    .map(|(id, h, _)| PolicyIdentity {
                        id,
                        handle: PolicyHandle(h),
                    })
                    .collect(),
            )
        }
        Request::QuerySaHandle { .. } => {
            let v = reply::id_handle_status(&resp.body).map_err(protocol)?;
            Done::SaIdentities(
                v.into_iter()
                    .map(|(id, h, _)| SaIdentity {
                        id,
                        handle: SaHandle(h),
                    })
                    .collect(),
            )
        }
        Request::RateLimitEvents(_)
        | Request::SpdBind { .. }
        | Request::SpdUnbind { .. }
        | Request::PolicyDestroy(_)
        | Request::PolicyBatchDestroy(_)
        | Request::PolicyBind { .. }
        | Request::PolicyUnbind { .. }
        | Request::PolicyBatchBind { .. }
        | Request::PolicyBatchUnbind { .. }
        | Request::PolicyChangePriority { .. }
        | Request::SaRemove { .. }
        | Request::ReleaseSpi { .. } => Done::Unit,
    };
    Ok(Ok(done))
}

/// The events of an `EventWait` response.
pub fn decode_events(out: &[u8], events: &mut Vec<Event>) -> Result<(), TransportError> {
    let resp = msg::parse(out).map_err(protocol)?;
    if resp.status != crate::abi::NPF_NO_ERROR {
        return Err(TransportError::Protocol("event wait failed"));
    }
    let (got, _dropped) = reply::events(&resp.body).map_err(protocol)?;
    events.extend(got.iter().map(event_back));
    Ok(())
}
