//! The query family (6.6.23-6.6.32): by handle and by ID.

use crate::codes::Ioctl;
use crate::error::{Fault, Field};

use super::body::Body;
use super::Request;

/// `QueryAllSpds`.
pub(super) fn all_spds(msg: &[u8]) -> Result<Request<'_>, Fault> {
    Body::exact(msg, 0)?;
    Ok(Request::QueryAllSpds)
}

/// The queries by one handle: `QuerySpdBindings`, `QueryAllPolicies`, `QueryAllSas`,
/// `QueryPolicyBindings`, `QueryPolicyData`, `QuerySaData`.
pub(super) fn by_handle(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    let h = Body::exact(msg, 4)?.w(0)?;
    Ok(match ioctl {
        Ioctl::QuerySpdBindings => Request::QuerySpdBindings { spd: h },
        Ioctl::QueryAllPolicies => Request::QueryAllPolicies { spd: h },
        Ioctl::QueryAllSas => Request::QueryAllSas { spd: h },
        Ioctl::QueryPolicyBindings => Request::QueryPolicyBindings { policy: h },
        Ioctl::QueryPolicyData => Request::QueryPolicyData { policy: h },
        _ => Request::QuerySaData { sa: h },
    })
}

/// `QuerySpdHandle` / `QueryPolicyHandle`.
pub(super) fn spd_or_policy_ids(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 8)?;
    let (ids, r) = b.u32s(0, 1, Field::Ids)?;
    b.done(&[r])?;
    Ok(if ioctl == Ioctl::QuerySpdHandle {
        Request::QuerySpdHandle { ids }
    } else {
        Request::QueryPolicyHandle { ids }
    })
}

/// `QuerySaHandle`.
pub(super) fn sa_ids(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 12)?;
    let (ids, r) = b.u32s(1, 2, Field::Ids)?;
    b.done(&[r])?;
    Ok(Request::QuerySaHandle {
        policy: b.w(0)?,
        ids,
    })
}
