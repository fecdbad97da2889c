//! The SPD family (6.6.2-6.6.6): create, destroy, flush, bind and unbind.

use crate::codes::Ioctl;
use crate::error::{Fault, Field};

use super::body::Body;
use super::fields::direction;
use super::Request;

/// `SpdCreate`.
pub(super) fn create(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 16)?;
    let (ifs, r) = b.u32s(2, 3, Field::Interfaces)?;
    b.done(&[r])?;
    Ok(Request::SpdCreate {
        direction: direction(b.w(0)?)?,
        spd_id: b.w(1)?,
        ifs,
    })
}

/// `SpdDestroy` / `SpdFlush`.
pub(super) fn destroy_or_flush(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 8)?;
    let (spds, r) = b.u32s(0, 1, Field::Spds)?;
    b.done(&[r])?;
    Ok(if ioctl == Ioctl::SpdDestroy {
        Request::SpdDestroy { spds }
    } else {
        Request::SpdFlush { spds }
    })
}

/// `SpdBind` / `SpdUnbind`.
pub(super) fn bind_or_unbind(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 12)?;
    let (ifs, r) = b.u32s(1, 2, Field::Interfaces)?;
    b.done(&[r])?;
    let spd = b.w(0)?;
    Ok(if ioctl == Ioctl::SpdBind {
        Request::SpdBind { spd, ifs }
    } else {
        Request::SpdUnbind { spd, ifs }
    })
}
