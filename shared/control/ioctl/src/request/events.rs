//! The event family: mask, rate limits (6.6.20) and the inverted call's wait.

use crate::error::{Fault, Field};
use crate::wire::{Reader, Region, EVENT_LIMIT_LEN};

use super::body::Body;
use super::Request;

/// The wire form of an event limit: (event ID, limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventLimits<'a> {
    msg: &'a [u8],
    region: Region,
}

fn event_limit(msg: &[u8], at: usize) -> Result<ipsecov2_control_plane::EventLimit, Fault> {
    use ipsecov2_control_plane::RateLimit;
    let r = Reader::new(msg);
    let value = r.u32(at + 8)?;
    let limit = match r.u32(at + 4)? {
        0 => {
            if value != 0 {
                return Err(Fault::ReservedNotZero(Field::EventLimits));
            }
            RateLimit::None
        }
        1 => RateLimit::PerSecond(value),
        2 => RateLimit::EveryN(value),
        _ => return Err(Fault::BadEnum(Field::LimitType)),
    };
    Ok(ipsecov2_control_plane::EventLimit {
        event: r.u32(at)?,
        limit,
    })
}

impl<'a> EventLimits<'a> {
    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.region.count
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.count == 0
    }

    /// The limits.
    pub fn iter(&self) -> impl Iterator<Item = ipsecov2_control_plane::EventLimit> + 'a {
        let (msg, r) = (self.msg, self.region);
        (0..r.count).filter_map(move |i| event_limit(msg, r.offset + i * EVENT_LIMIT_LEN).ok())
    }
}

/// `EventSetMask`.
pub(super) fn set_mask(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 8)?;
    b.r.reserved(12, 4, Field::Body)?;
    Ok(Request::EventSetMask { mask: b.w(0)? })
}

/// `EventRateLimit`.
pub(super) fn rate_limit(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 8)?;
    let r = b.region(0, 1, EVENT_LIMIT_LEN, u32::MAX, Field::EventLimits)?;
    b.done(&[r])?;
    for i in 0..r.count {
        event_limit(msg, r.offset + i * EVENT_LIMIT_LEN)?;
    }
    Ok(Request::EventRateLimit {
        limits: EventLimits { msg, region: r },
    })
}

/// `EventWait`.
pub(super) fn wait(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 8)?;
    b.r.reserved(12, 4, Field::Body)?;
    Ok(Request::EventWait {
        max_events: b.w(0)?,
    })
}
