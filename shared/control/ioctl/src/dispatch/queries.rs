//! The query family: SPDs, policies, SAs and their bindings and data, handles by ID.

use ipsecov2_control_plane::{
    ControlPlane, PlaneError, PolicyHandle, SaHandle, SaStore, SpdBindings, SpdHandle, SpdIdentity,
    NPF_NO_ERROR,
};

use crate::error::DispatchError;
use crate::request::{Request, U32s};
use crate::response::{self, status_only, with_header};
use crate::wire::{Writer, SA_LEN, SELECTOR_LEN};

use super::respond::{need, plain, respond, too_small};

/// Runs a query request on `plane` and writes its response into `out`.
pub(super) fn run<S: SaStore>(
    plane: &mut ControlPlane<S>,
    code: u32,
    request: Request<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    match request {
        Request::QueryAllSpds => {
            let n = plane.query_spds().count();
            need(out, with_header(4 + 12 * n))?;
            respond(out, Ok(()), |w, ()| {
                spd_identities(w, n, plane.query_spds())
            })
        }
        Request::QuerySpdBindings { spd } => {
            let r = plane.query_spd_bindings(SpdHandle(spd));
            let n = match r {
                Ok(SpdBindings::Interfaces(l)) => l.len(),
                _ => 0,
            };
            need(out, with_header(8 + 4 * n))?;
            respond(out, plain(r), |w, b| {
                match b {
                    SpdBindings::All => {
                        w.u32(1)?;
                        w.u32(0)?;
                    }
                    SpdBindings::Interfaces(l) => {
                        w.u32(0)?;
                        w.u32(u32::try_from(l.len()).unwrap_or(0))?;
                        for i in l {
                            w.u32(*i)?;
                        }
                    }
                }
                Ok(())
            })
        }
        Request::QueryAllPolicies { spd } => {
            let n = plane
                .query_policies(SpdHandle(spd))
                .map_or(0, Iterator::count);
            need(out, with_header(4 + 8 * n))?;
            let r = plane.query_policies(SpdHandle(spd));
            respond(out, plain(r), |w, it| {
                id_handles(w, n, it.map(|(id, h)| (id, h.0)))
            })
        }
        Request::QueryPolicyBindings { policy } => {
            let n = plane
                .query_policy_bindings(PolicyHandle(policy))
                .map_or(0, Iterator::count);
            need(out, with_header(4 + 12 * n))?;
            let r = plane.query_policy_bindings(PolicyHandle(policy));
            respond(out, plain(r), |w, it| spd_identities(w, n, it))
        }
        Request::QueryAllSas { spd } => {
            let n = plane.query_sas(SpdHandle(spd)).map_or(0, Iterator::count);
            need(out, with_header(4 + 8 * n))?;
            let r = plane.query_sas(SpdHandle(spd));
            respond(out, plain(r), |w, it| {
                id_handles(w, n, it.map(|(id, h)| (id, h.0)))
            })
        }
        Request::QueryPolicyData { policy } => {
            let r = plane.query_policy_data(PolicyHandle(policy));
            let n = r.map_or(0, |p| p.selectors.len());
            need(out, with_header(24 + SELECTOR_LEN * n))?;
            respond(out, plain(r), |w, p| {
                w.u32(p.id)?;
                w.u32(p.action.to_u32())?;
                w.u32(p.direction.to_u32())?;
                w.u32(u32::from(p.global_priority.is_some()))?;
                w.u32(p.global_priority.unwrap_or(0))?;
                w.u32(u32::try_from(p.selectors.len()).unwrap_or(0))?;
                for s in p.selectors {
                    response::selector(w, s)?;
                }
                Ok(())
            })
        }
        Request::QuerySaData { sa } => {
            let r = plane.query_sa_data(SaHandle(sa));
            let (ns, nl) = r.map_or((0, 0), |v| (v.sas.len(), v.selectors.len()));
            need(out, with_header(40 + SA_LEN * ns + SELECTOR_LEN * nl))?;
            respond(out, plain(r), |w, v| {
                w.u32(v.id)?;
                w.u32(v.policy.0)?;
                w.u32(v.direction.to_u32())?;
                w.u16(v.udp.src)?;
                w.u16(v.udp.dst)?;
                w.u32(u32::try_from(v.sas.len()).unwrap_or(0))?;
                w.u32(u32::try_from(v.selectors.len()).unwrap_or(0))?;
                w.u64(v.offload)?;
                w.u32(u32::from(v.retiring))?;
                w.u32(v.acquire_context)?;
                for m in v.sas {
                    response::sa(w, &m.params)?;
                }
                for s in v.selectors {
                    response::selector(w, s)?;
                }
                Ok(())
            })
        }
        Request::QuerySpdHandle { ids } => {
            need(out, with_header(4 + 16 * ids.len()))?;
            respond(out, Ok(()), |w, ()| {
                w.u32(count(ids.len()))?;
                for id in ids.iter() {
                    let r = plane.query_spd_handle(id);
                    w.u32(id)?;
                    w.u32(r.map_or(0, |s| s.handle.0))?;
                    w.u32(r.map_or(0, |s| s.direction.to_u32()))?;
                    w.u32(r.err().map_or(NPF_NO_ERROR, PlaneError::code))?;
                }
                Ok(())
            })
        }
        Request::QueryPolicyHandle { ids } => {
            need(out, with_header(4 + 12 * ids.len()))?;
            respond(out, Ok(()), |w, ()| {
                handles_by_id(w, &ids, |id| plane.query_policy_handle(id).map(|h| h.0))
            })
        }
        Request::QuerySaHandle { policy, ids } => {
            need(out, with_header(4 + 12 * ids.len()))?;
            let p = PolicyHandle(policy);
            if let Err(e) = plane.query_policy_data(p) {
                return status_only(out, e.code(), 0).map_err(too_small);
            }
            respond(out, Ok(()), |w, ()| {
                handles_by_id(w, &ids, |id| plane.query_sa_handle(p, id).map(|h| h.0))
            })
        }
        // The decoder gives this family no other request.
        _ => Err(DispatchError::UnknownIoctl(code)),
    }
}

/// A count as written on the wire (0 for one that cannot be, which no list reaches).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// The body of AllSPDs and AllPolicyBindings: a count, then per SPD its ID, handle and direction.
fn spd_identities(
    w: &mut Writer<'_>,
    n: usize,
    spds: impl Iterator<Item = SpdIdentity>,
) -> Result<(), usize> {
    w.u32(count(n))?;
    for s in spds {
        w.u32(s.id)?;
        w.u32(s.handle.0)?;
        w.u32(s.direction.to_u32())?;
    }
    Ok(())
}

/// The body of AllPolicies and AllSAs: a count, then per entry its ID and handle.
fn id_handles(
    w: &mut Writer<'_>,
    n: usize,
    entries: impl Iterator<Item = (u32, u32)>,
) -> Result<(), usize> {
    w.u32(count(n))?;
    for (id, h) in entries {
        w.u32(id)?;
        w.u32(h)?;
    }
    Ok(())
}

/// The body of PolicyHandle and SAHandle: a count, then per ID the ID, the handle `lookup` finds
/// (0 when none) and its status.
fn handles_by_id(
    w: &mut Writer<'_>,
    ids: &U32s<'_>,
    lookup: impl Fn(u32) -> Result<u32, PlaneError>,
) -> Result<(), usize> {
    w.u32(count(ids.len()))?;
    for id in ids.iter() {
        let r = lookup(id);
        w.u32(id)?;
        w.u32(r.unwrap_or(0))?;
        w.u32(r.err().map_or(NPF_NO_ERROR, PlaneError::code))?;
    }
    Ok(())
}
