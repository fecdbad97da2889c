//! The SPD family on the control plane: create, destroy, flush, bind, unbind.

use ipsecov2_control_plane::{ControlPlane, SaStore, SpdHandle};

use crate::error::DispatchError;
use crate::request::Request;
use crate::response::with_header;

use super::respond::{need, plain, respond, u32s};

/// Runs an SPD request on `plane` and writes its response into `out`.
pub(super) fn run<S: SaStore>(
    plane: &mut ControlPlane<S>,
    code: u32,
    request: Request<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    match request {
        Request::SpdCreate {
            direction,
            spd_id,
            ifs,
        } => {
            need(out, with_header(4))?;
            let r = u32s(&ifs, |v| v).and_then(|v| plane.spd_create(direction, &v, spd_id));
            respond(out, plain(r), |w, h| w.u32(h.0))
        }
        Request::SpdDestroy { spds } | Request::SpdFlush { spds } => {
            let destroy = matches!(request, Request::SpdDestroy { .. });
            let r = u32s(&spds, SpdHandle).and_then(|v| {
                if destroy {
                    plane.spd_destroy(&v)
                } else {
                    plane.spd_flush(&v)
                }
            });
            respond(out, plain(r), |_, ()| Ok(()))
        }
        Request::SpdBind { spd, ifs } | Request::SpdUnbind { spd, ifs } => {
            let bind = matches!(request, Request::SpdBind { .. });
            let r = u32s(&ifs, |v| v).and_then(|v| {
                if bind {
                    plane.spd_bind(SpdHandle(spd), &v)
                } else {
                    plane.spd_unbind(SpdHandle(spd), &v)
                }
            });
            respond(out, plain(r), |_, ()| Ok(()))
        }
        // The decoder gives this family no other request.
        _ => Err(DispatchError::UnknownIoctl(code)),
    }
}
