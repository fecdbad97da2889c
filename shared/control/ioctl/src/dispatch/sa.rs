//! The SA family on the control plane: add a bundle, remove it.

use ipsecov2_control_plane::{ControlPlane, PolicyHandle, SaAddRequest, SaHandle, SaStore};

use crate::error::DispatchError;
use crate::request::Request;
use crate::response::with_header;

use super::respond::{need, plain, respond, selectors, vec_of};

/// Runs an SA request on `plane` and writes its response into `out`.
pub(super) fn run<S: SaStore>(
    plane: &mut ControlPlane<S>,
    code: u32,
    request: Request<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    match request {
        Request::SaAdd {
            policy,
            sa_id,
            sas,
            udp,
            selectors: sel,
            previous,
            direction,
            acquire_context,
            vendor_hint,
        } => {
            need(out, with_header(4))?;
            let r = (|| {
                let sel = selectors(&sel)?;
                let params = vec_of((0..sas.len()).filter_map(|i| sas.get(i)), sas.len())?;
                plane.sa_add(&SaAddRequest {
                    policy: PolicyHandle(policy),
                    sa_id,
                    sas: &params,
                    udp,
                    selectors: &sel,
                    previous: SaHandle(previous),
                    direction,
                    acquire_context,
                    vendor_hint,
                })
            })();
            respond(out, plain(r), |w, h| w.u32(h.0))
        }
        Request::SaRemove { policy, sa } => {
            let r = plane.sa_remove(PolicyHandle(policy), SaHandle(sa));
            respond(out, plain(r), |_, ()| Ok(()))
        }
        // The decoder gives this family no other request.
        _ => Err(DispatchError::UnknownIoctl(code)),
    }
}
