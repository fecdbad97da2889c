//! The decrypt path: the inbound SA by protocol, SPI and destination, nested SAs up to four
//! levels deep, the selector checked on the inner packet.

use ipsec_engine::full::DropReason;

use super::dropped::Ctx;
use super::lifetime::{admit, count_success};
use super::processor::Outcome;
use super::unit::{Engine, Unit};
use super::wire_key::{wire_key, WireLookup};
use crate::capture::Packet;
use crate::link;
use crate::select;
use crate::spec::SaSpec;

pub(super) fn decrypt_one(
    units: &mut [Unit],
    specs: &[SaSpec],
    pkt: &Packet,
    start: i128,
    encap_ports: &[u16],
    ctx: &mut Ctx<'_>,
) -> Outcome {
    let Some(loc) = link::locate(pkt.link_type, &pkt.data) else {
        return Outcome::Pass;
    };
    let mut cur = loc.datagram(&pkt.data).to_vec();
    let mut changed = false;
    // Nested SAs (an inner packet that is again ESP/AH for another SA) are
    // processed up to 4 levels deep.
    for depth in 0..4 {
        let Some(summary) = select::summarize(&cur) else {
            break;
        };
        let key = match wire_key(&cur, &summary, encap_ports) {
            Ok(WireLookup::Key(k)) => k,
            Ok(WireLookup::NotIpsec) => break,
            Ok(WireLookup::Runt) => {
                ctx.drop("runt", &[]);
                return Outcome::Dropped;
            }
            Err(()) => {
                ctx.drop(DropReason::Fragment.as_str(), &[]);
                return Outcome::Dropped;
            }
        };
        let Some(u) = units.iter_mut().find(|u| {
            u.wire_proto == key.proto && u.wire_spi == key.spi && (u.wildrecv || u.dst == key.dst)
        }) else {
            if depth == 0 {
                ctx.drop("no_sa", &[]);
                return Outcome::Dropped;
            }
            break;
        };
        let members = u.members.clone();
        if depth == 0 && usize::try_from(pkt.orig_len).is_ok_and(|o| o > pkt.data.len()) {
            ctx.drop("capture_truncated", &members);
            return Outcome::Dropped;
        }
        if !admit(u, pkt, start, ctx) {
            return Outcome::Dropped;
        }
        let Engine::In(sa) = &mut u.engine else {
            return Outcome::Pass;
        };
        let wire_len = cur.len();
        match sa.decapsulate(&mut cur) {
            Ok(d) => {
                let inner = cur.get(d.range()).unwrap_or(&[]).to_vec();
                let sel_ok = members
                    .first()
                    .and_then(|m| specs.get(*m))
                    .and_then(|s| s.sel.as_ref())
                    .is_none_or(|sel| {
                        select::summarize(&inner).is_some_and(|p| select::selector_matches(sel, &p))
                    });
                if !sel_ok {
                    ctx.drop("selector_mismatch", &members);
                    return Outcome::Dropped;
                }
                count_success(u, ctx.report, inner.len(), wire_len, d.seq);
                cur = inner;
                changed = true;
            }
            // ESP in UDP for an SA without encap: the engine calls it not IPsec;
            // here it is ESP for a known SPI, so it is a protocol mismatch.
            Err(DropReason::NotIpsec) if key.udp => {
                ctx.drop(DropReason::ProtocolMismatch.as_str(), &members);
                return Outcome::Dropped;
            }
            Err(DropReason::NotIpsec) => break,
            Err(r) => {
                ctx.drop(r.as_str(), &members);
                return Outcome::Dropped;
            }
        }
    }
    if !changed {
        return Outcome::Pass;
    }
    match loc.rebuild(&pkt.data, &cur) {
        Ok(frame) => Outcome::Replace(frame),
        Err(_) => {
            ctx.drop("link_type_family", &[]);
            Outcome::Dropped
        }
    }
}
