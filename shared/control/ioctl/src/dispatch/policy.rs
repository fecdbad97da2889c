//! The policy family on the control plane: create, destroy, batches, binds, priorities.

use alloc::vec::Vec;

use ipsecov2_control_plane::{
    ControlPlane, PlaneError, PolicyHandle, PolicySpec, SaStore, Selector, SpdHandle,
};

use crate::error::DispatchError;
use crate::request::Request;
use crate::response::with_header;

use super::respond::{need, plain, respond, selectors, u32s, vec_of};

/// Runs a policy request on `plane` and writes its response into `out`.
pub(super) fn run<S: SaStore>(
    plane: &mut ControlPlane<S>,
    code: u32,
    request: Request<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    match request {
        Request::PolicyCreate {
            id,
            action,
            direction,
            selectors: sel,
            spds,
            priorities,
        } => {
            need(out, with_header(4))?;
            let r = (|| {
                let sel = selectors(&sel)?;
                let spds = u32s(&spds, SpdHandle)?;
                let prios = u32s(&priorities, |v| v)?;
                let spec = PolicySpec {
                    id,
                    action,
                    selectors: &sel,
                };
                plane.policy_create(&spec, &spds, &prios, direction)
            })();
            respond(out, plain(r), |w, h| w.u32(h.0))
        }
        Request::PolicyDestroy { policy } => {
            let r = plane.policy_destroy(PolicyHandle(policy));
            respond(out, plain(r), |_, ()| Ok(()))
        }
        Request::PolicyBatchCreate {
            spd,
            direction,
            policies,
            priorities,
        } => {
            need(out, with_header(4 + 4 * policies.len()))?;
            let r = (|| {
                let mut sels: Vec<Vec<Selector>> = Vec::new();
                sels.try_reserve_exact(policies.len())
                    .map_err(|e| (PlaneError::from(e), 0))?;
                let mut meta = Vec::new();
                meta.try_reserve_exact(policies.len())
                    .map_err(|e| (PlaneError::from(e), 0))?;
                for (id, action, s) in policies.iter() {
                    sels.push(selectors(&s).map_err(|e| (e, 0))?);
                    meta.push((id, action));
                }
                let specs = vec_of(
                    meta.iter().zip(&sels).map(|((id, action), s)| PolicySpec {
                        id: *id,
                        action: *action,
                        selectors: s,
                    }),
                    meta.len(),
                )
                .map_err(|e| (e, 0))?;
                let prios = u32s(&priorities, |v| v).map_err(|e| (e, 0))?;
                plane
                    .policy_batch_create(&specs, SpdHandle(spd), direction, &prios)
                    .map_err(|f| (f.error, f.index))
            })();
            respond(out, r, |w, handles| {
                w.u32(u32::try_from(handles.len()).unwrap_or(u32::MAX))?;
                for h in handles {
                    w.u32(h.0)?;
                }
                Ok(())
            })
        }
        Request::PolicyBatchDestroy { policies } => {
            let r = u32s(&policies, PolicyHandle)
                .map_err(|e| (e, 0))
                .and_then(|v| {
                    plane
                        .policy_batch_destroy(&v)
                        .map_err(|f| (f.error, f.index))
                });
            respond(out, r, |_, ()| Ok(()))
        }
        Request::PolicyBind {
            policy,
            spds,
            priorities,
        } => {
            let r = (|| {
                let spds = u32s(&spds, SpdHandle)?;
                let prios = u32s(&priorities, |v| v)?;
                plane.policy_bind(PolicyHandle(policy), &spds, &prios)
            })();
            respond(out, plain(r), |_, ()| Ok(()))
        }
        Request::PolicyUnbind { policy, spds } => {
            let r =
                u32s(&spds, SpdHandle).and_then(|v| plane.policy_unbind(PolicyHandle(policy), &v));
            respond(out, plain(r), |_, ()| Ok(()))
        }
        Request::PolicyBatchBind {
            policies,
            spd,
            direction,
            priorities,
        } => {
            let r = (|| {
                let ps = u32s(&policies, PolicyHandle).map_err(|e| (e, 0))?;
                let prios = u32s(&priorities, |v| v).map_err(|e| (e, 0))?;
                plane
                    .policy_batch_bind(&ps, SpdHandle(spd), direction, &prios)
                    .map_err(|f| (f.error, f.index))
            })();
            respond(out, r, |_, ()| Ok(()))
        }
        Request::PolicyBatchUnbind { policies, spd } => {
            let r = u32s(&policies, PolicyHandle)
                .map_err(|e| (e, 0))
                .and_then(|v| {
                    plane
                        .policy_batch_unbind(&v, SpdHandle(spd))
                        .map_err(|f| (f.error, f.index))
                });
            respond(out, r, |_, ()| Ok(()))
        }
        Request::PolicyChangePriority {
            spd,
            policy,
            priority,
        } => {
            let r = plane.policy_change_priority(SpdHandle(spd), PolicyHandle(policy), priority);
            respond(out, plain(r), |_, ()| Ok(()))
        }
        // The decoder gives this family no other request.
        _ => Err(DispatchError::UnknownIoctl(code)),
    }
}
