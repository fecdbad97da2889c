//! The lifetime of a unit while packets go through it: Linux's `time-*` limits on capture
//! timestamps, the byte and packet limits, the soft events and the counting of a success.

use ipsec_engine::full::{DropReason, LimitKind};

use super::dropped::Ctx;
use super::unit::{ns, Unit};
use crate::capture::Packet;
use crate::report::{Report, SoftExpiry};

/// Time-limit check before a packet is given to a unit (Linux `time-*`
/// limits, measured on capture timestamps: "added" is the first packet of the
/// capture, "used" the first packet this SA processed). Returns whether the
/// packet must be dropped as `hard_lifetime_expired`, and a soft event.
pub(super) fn time_check(u: &mut Unit, now: i128, start: i128) -> (bool, bool) {
    let t = u.time;
    let first_use = *u.first_use_ns.get_or_insert(now);
    let since_add = now.saturating_sub(start);
    let since_use = now.saturating_sub(first_use);
    let past = |limit: Option<u64>, elapsed: i128| match limit {
        Some(0) | None => false,
        Some(l) => elapsed >= i128::from(l) * 1_000_000_000,
    };
    if u.time_hard_expired || past(t.time_hard, since_add) || past(t.time_use_hard, since_use) {
        u.time_hard_expired = true;
        return (true, false);
    }
    let soft = past(t.time_soft, since_add) || past(t.time_use_soft, since_use);
    (false, soft)
}

pub(super) fn soft_event(u: &mut Unit, report: &mut Report, frame_no: u64, kind: &'static str) {
    if u.soft_reported {
        return;
    }
    u.soft_reported = true;
    for m in &u.members {
        if let Some(r) = report.sas.get_mut(*m) {
            r.soft_expired = Some(SoftExpiry {
                packet: frame_no,
                limit: kind,
            });
        }
    }
}

pub(super) fn limit_name(k: LimitKind) -> &'static str {
    match k {
        LimitKind::Bytes => "bytes",
        LimitKind::Packets => "packets",
    }
}

pub(super) fn count_success(
    u: &mut Unit,
    report: &mut Report,
    plain: usize,
    wire: usize,
    seq: u64,
) {
    u.count(plain);
    for m in &u.members {
        if let Some(r) = report.sas.get_mut(*m) {
            r.packets += 1;
            r.bytes += plain as u64;
            r.wire_bytes += wire as u64;
            r.last_seq = Some(r.last_seq.map_or(seq, |s| s.max(seq)));
        }
    }
}

/// The lifetime checks before a packet goes to a unit (time limits, then Linux's
/// `xfrm_state_check_expire` order for bytes and packets): `false` when it is dropped.
pub(super) fn admit(u: &mut Unit, pkt: &Packet, start: i128, ctx: &mut Ctx<'_>) -> bool {
    let members = u.members.clone();
    let (hard, soft) = time_check(u, ns(pkt), start);
    if hard {
        ctx.drop(DropReason::HardLifetimeExpired.as_str(), &members);
        return false;
    }
    match u.check_expire() {
        Err(()) => {
            ctx.drop(DropReason::HardLifetimeExpired.as_str(), &members);
            false
        }
        Ok(k) => {
            if let Some(k) = k {
                soft_event(u, ctx.report, ctx.frame, limit_name(k));
            }
            if soft {
                soft_event(u, ctx.report, ctx.frame, "time");
            }
            true
        }
    }
}
