//! The encrypt path: the first outbound SA whose selector matches protects the packet.

use super::dropped::Ctx;
use super::lifetime::{admit, count_success};
use super::processor::Outcome;
use super::unit::{Engine, Unit};
use crate::capture::Packet;
use crate::link;
use crate::select;
use crate::spec::SaSpec;

pub(super) fn encrypt_one(
    units: &mut [Unit],
    specs: &[SaSpec],
    pkt: &Packet,
    start: i128,
    ctx: &mut Ctx<'_>,
) -> Outcome {
    let Some(loc) = link::locate(pkt.link_type, &pkt.data) else {
        return Outcome::Pass;
    };
    let ip = loc.datagram(&pkt.data);
    let Some(summary) = select::summarize(ip) else {
        return Outcome::Pass;
    };
    let Some(u) = units.iter_mut().find(|u| {
        u.members
            .first()
            .and_then(|m| specs.get(*m))
            .is_some_and(|s| select::sa_matches(s, &summary))
    }) else {
        return Outcome::Pass;
    };
    let members = u.members.clone();
    if usize::try_from(pkt.orig_len).is_ok_and(|o| o > pkt.data.len()) {
        ctx.drop("capture_truncated", &members);
        return Outcome::Dropped;
    }
    if !admit(u, pkt, start, ctx) {
        return Outcome::Dropped;
    }
    let Engine::Out(sa) = &mut u.engine else {
        return Outcome::Pass;
    };
    let mut buf = Vec::new();
    if buf.try_reserve(ip.len() + sa.max_overhead()).is_err() {
        ctx.drop("out_of_memory", &members);
        return Outcome::Dropped;
    }
    buf.resize(ip.len() + sa.max_overhead(), 0);
    match sa.encapsulate(ip, &mut buf) {
        Ok(e) => {
            buf.truncate(e.len);
            match loc.rebuild(&pkt.data, &buf) {
                Ok(frame) => {
                    count_success(u, ctx.report, ip.len(), e.len, e.seq);
                    Outcome::Replace(frame)
                }
                Err(_) => {
                    ctx.drop("link_type_family", &members);
                    Outcome::Dropped
                }
            }
        }
        Err(r) => {
            ctx.drop(r.as_str(), &members);
            Outcome::Dropped
        }
    }
}
