//! The statistics family (6.6.21-6.6.22 and the global view).

use crate::error::Fault;

use super::body::Body;
use super::fields::boolean;
use super::Request;

/// `PolicyStats`.
pub(super) fn policy(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 8)?;
    Ok(Request::PolicyStats {
        policy: b.w(0)?,
        reset: boolean(b.w(1)?)?,
    })
}

/// `SaStats`.
pub(super) fn sa(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 12)?;
    Ok(Request::SaStats {
        policy: b.w(0)?,
        sa: b.w(1)?,
        reset: boolean(b.w(2)?)?,
    })
}

/// `GlobalStats`.
pub(super) fn global(msg: &[u8]) -> Result<Request<'_>, Fault> {
    Body::exact(msg, 0)?;
    Ok(Request::GlobalStats)
}
