//! The SPI family on the control plane: reserve, release.

use ipsecov2_control_plane::{ControlPlane, PolicyHandle, SaStore};

use crate::error::DispatchError;
use crate::request::Request;
use crate::response::with_header;

use super::respond::{need, plain, respond, selectors};

/// Runs an SPI request on `plane` and writes its response into `out`.
pub(super) fn run<S: SaStore>(
    plane: &mut ControlPlane<S>,
    code: u32,
    request: Request<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    match request {
        Request::SpiReserve {
            policy,
            selectors: sel,
        } => {
            need(out, with_header(4))?;
            let r = selectors(&sel).and_then(|s| plane.reserve_spi(PolicyHandle(policy), &s));
            respond(out, plain(r), |w, spi| w.u32(spi))
        }
        Request::SpiRelease { policy, spi } => {
            let r = plane.release_spi(PolicyHandle(policy), spi);
            respond(out, plain(r), |_, ()| Ok(()))
        }
        // The decoder gives this family no other request.
        _ => Err(DispatchError::UnknownIoctl(code)),
    }
}
