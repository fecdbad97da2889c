//! The event family: mask and rate limits, and the inverted call's completion with the waiting
//! events (`EventWait` itself is pended or completed by `Dispatcher::dispatch`).

use ipsecov2_control_plane::{ControlPlane, SaStore, NPF_NO_ERROR};

use crate::error::DispatchError;
use crate::request::Request;
use crate::response::{self, begin, finish, status_only, with_header, EVENTS_PREFIX_LEN};
use crate::wire::{Writer, EVENT_LEN};

use super::respond::{plain, respond, too_small, vec_of};
use super::Dispatcher;

impl Dispatcher {
    /// Fills an `EventWait` response with waiting events (at most `max_events`, 0 = as many as
    /// fit): u32 count, u32 reserved, u64 events dropped so far, then 64-byte event records.
    pub fn complete_events<S: SaStore>(
        plane: &mut ControlPlane<S>,
        max_events: u32,
        out: &mut [u8],
    ) -> Result<usize, DispatchError> {
        let fixed = with_header(EVENTS_PREFIX_LEN);
        if out.len() < fixed + EVENT_LEN {
            return Err(too_small(fixed + EVENT_LEN));
        }
        let room = (out.len() - fixed) / EVENT_LEN;
        let cap = if max_events == 0 {
            room
        } else {
            room.min(usize::try_from(max_events).unwrap_or(usize::MAX))
        };
        let n = cap.min(plane.events().len());
        let dropped = plane.events().counters().dropped_full;
        let mut w = Writer::new(out);
        begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
        w.u32(u32::try_from(n).unwrap_or(u32::MAX))
            .map_err(too_small)?;
        w.u32(0).map_err(too_small)?;
        w.u64(dropped).map_err(too_small)?;
        for _ in 0..n {
            let Some(e) = plane.pop_event() else { break };
            response::event(&mut w, &e).map_err(too_small)?;
        }
        Ok(finish(&mut w))
    }
}

/// Runs an event request on `plane` and writes its response into `out`.
pub(super) fn run<S: SaStore>(
    plane: &mut ControlPlane<S>,
    code: u32,
    request: Request<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    match request {
        Request::EventSetMask { mask } => {
            plane.events_mut().set_mask(mask);
            status_only(out, NPF_NO_ERROR, 0).map_err(too_small)
        }
        Request::EventRateLimit { limits } => {
            let r = vec_of(limits.iter(), limits.len()).and_then(|v| plane.rate_limit_events(&v));
            respond(out, plain(r), |_, ()| Ok(()))
        }
        // `dispatch` completes `EventWait` itself and never passes it here; the decoder gives
        // this family no other request.
        _ => Err(DispatchError::UnknownIoctl(code)),
    }
}
