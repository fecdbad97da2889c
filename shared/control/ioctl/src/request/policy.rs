//! The policy family (6.6.7-6.6.15): create, destroy, batches, binds and priorities; the
//! checked policy records of a batch create.

use ipsecov2_control_plane::Action;

use crate::error::{Fault, Field};
use crate::wire::{disjoint, region, Reader, Region, POLICY_RECORD_LEN, SELECTOR_LEN};

use super::body::Body;
use super::fields::{direction, Selectors, U32s};
use super::Request;

/// A checked array of policy records of a batch create: (ID, action, selectors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyRecords<'a> {
    msg: &'a [u8],
    region: Region,
    fixed_end: usize,
}

/// A policy record's ID, action and selector region (selectors not decoded yet).
fn record_head(msg: &[u8], at: usize, fixed_end: usize) -> Result<(u32, Action, Region), Fault> {
    let r = Reader::new(msg);
    let id = r.u32(at)?;
    let action = Action::from_u32(r.u32(at + 4)?).ok_or(Fault::BadEnum(Field::Action))?;
    let sel = region(
        msg.len(),
        fixed_end,
        r.u32(at + 12)?,
        r.u32(at + 8)?,
        SELECTOR_LEN,
        u32::MAX,
        Field::Selectors,
    )?;
    Ok((id, action, sel))
}

fn policy_record(
    msg: &[u8],
    at: usize,
    fixed_end: usize,
) -> Result<(u32, Action, Selectors<'_>), Fault> {
    let (id, action, sel) = record_head(msg, at, fixed_end)?;
    Ok((id, action, Selectors::checked(msg, sel)?))
}

impl<'a> PolicyRecords<'a> {
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

    /// The records.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Action, Selectors<'a>)> + 'a {
        let (msg, r, fe) = (self.msg, self.region, self.fixed_end);
        (0..r.count)
            .filter_map(move |i| policy_record(msg, r.offset + i * POLICY_RECORD_LEN, fe).ok())
    }
}

pub(super) fn batch_create(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 20)?;
    let recs = b.region(0, 1, POLICY_RECORD_LEN, u32::MAX, Field::PolicyRecords)?;
    let prios = b.region(0, 4, 4, u32::MAX, Field::Priorities)?;
    disjoint(&[recs, prios])?;
    let mut end = (recs.offset + recs.len()).max(prios.offset + prios.len());
    // Each record's selectors: disjoint from the top-level arrays and from each other, then
    // checked.
    let head = |i: usize| record_head(msg, recs.offset + i * POLICY_RECORD_LEN, b.fixed_end);
    for i in 0..recs.count {
        let (_, _, sel) = head(i)?;
        disjoint(&[sel, recs, prios])?;
        for j in 0..i {
            disjoint(&[sel, head(j)?.2])?;
        }
        end = end.max(sel.offset + sel.len());
    }
    b.ends_at(core::iter::once(end))?;
    for i in 0..recs.count {
        policy_record(msg, recs.offset + i * POLICY_RECORD_LEN, b.fixed_end)?;
    }
    Ok(Request::PolicyBatchCreate {
        spd: b.w(2)?,
        direction: direction(b.w(3)?)?,
        policies: PolicyRecords {
            msg,
            region: recs,
            fixed_end: b.fixed_end,
        },
        priorities: U32s::new(msg, prios),
    })
}

/// `PolicyCreate`.
pub(super) fn create(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 36)?;
    let action = Action::from_u32(b.w(1)?).ok_or(Fault::BadEnum(Field::Action))?;
    let (selectors, sr) = b.selectors(3, 4)?;
    let (spds, dr) = b.u32s(5, 6, Field::Spds)?;
    let (priorities, pr) = b.u32s(7, 8, Field::Priorities)?;
    b.done(&[sr, dr, pr])?;
    Ok(Request::PolicyCreate {
        id: b.w(0)?,
        action,
        direction: direction(b.w(2)?)?,
        selectors,
        spds,
        priorities,
    })
}

/// `PolicyDestroy`.
pub(super) fn destroy(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 4)?;
    Ok(Request::PolicyDestroy { policy: b.w(0)? })
}

/// `PolicyBatchDestroy`.
pub(super) fn batch_destroy(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 8)?;
    let (policies, r) = b.u32s(0, 1, Field::Policies)?;
    b.done(&[r])?;
    Ok(Request::PolicyBatchDestroy { policies })
}

/// `PolicyBind`.
pub(super) fn bind(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 20)?;
    let (spds, dr) = b.u32s(1, 2, Field::Spds)?;
    let (priorities, pr) = b.u32s(3, 4, Field::Priorities)?;
    b.done(&[dr, pr])?;
    Ok(Request::PolicyBind {
        policy: b.w(0)?,
        spds,
        priorities,
    })
}

/// `PolicyUnbind`.
pub(super) fn unbind(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 12)?;
    let (spds, r) = b.u32s(1, 2, Field::Spds)?;
    b.done(&[r])?;
    Ok(Request::PolicyUnbind {
        policy: b.w(0)?,
        spds,
    })
}

/// `PolicyBatchBind`.
pub(super) fn batch_bind(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 20)?;
    let (policies, r) = b.u32s(0, 1, Field::Policies)?;
    let (priorities, pr) = b.u32s(0, 4, Field::Priorities)?;
    b.done(&[r, pr])?;
    Ok(Request::PolicyBatchBind {
        policies,
        spd: b.w(2)?,
        direction: direction(b.w(3)?)?,
        priorities,
    })
}

/// `PolicyBatchUnbind`.
pub(super) fn batch_unbind(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 12)?;
    let (policies, r) = b.u32s(0, 1, Field::Policies)?;
    b.done(&[r])?;
    Ok(Request::PolicyBatchUnbind {
        policies,
        spd: b.w(2)?,
    })
}

/// `PolicyChangePriority`.
pub(super) fn change_priority(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 12)?;
    Ok(Request::PolicyChangePriority {
        spd: b.w(0)?,
        policy: b.w(1)?,
        priority: b.w(2)?,
    })
}
