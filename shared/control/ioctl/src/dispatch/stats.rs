//! The statistics family: per policy, per SA and global, optionally reset.

use ipsecov2_control_plane::{ControlPlane, PolicyHandle, SaHandle, SaStore};

use crate::error::DispatchError;
use crate::request::Request;
use crate::response::{self, with_header, GLOBAL_STATS_LEN, POLICY_STATS_LEN, SA_STATS_LEN};

use super::respond::{need, plain, respond};

/// Runs a statistics request on `plane` and writes its response into `out`.
pub(super) fn run<S: SaStore>(
    plane: &mut ControlPlane<S>,
    code: u32,
    request: Request<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    match request {
        Request::PolicyStats { policy, reset } => {
            need(out, with_header(POLICY_STATS_LEN))?;
            let r = plane.policy_stats(PolicyHandle(policy), reset);
            respond(out, plain(r), |w, s| response::policy_stats(w, &s))
        }
        Request::SaStats { policy, sa, reset } => {
            // Room for a two-SA bundle: the size must not depend on the result.
            need(out, with_header(8 + 2 * SA_STATS_LEN))?;
            let r = plane.sa_stats(PolicyHandle(policy), SaHandle(sa), reset);
            respond(out, plain(r), |w, s| {
                w.u32(s.sa_id)?;
                w.u32(u32::try_from(s.count).unwrap_or(0))?;
                for st in s.stats.iter().take(s.count) {
                    response::sa_stats(w, st)?;
                }
                Ok(())
            })
        }
        Request::GlobalStats => {
            need(out, with_header(GLOBAL_STATS_LEN))?;
            let g = plane.global_stats();
            respond(out, Ok(g), |w, g| response::global_stats(w, &g))
        }
        // The decoder gives this family no other request.
        _ => Err(DispatchError::UnknownIoctl(code)),
    }
}
