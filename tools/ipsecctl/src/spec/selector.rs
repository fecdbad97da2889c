//! `sel SELECTOR`: addresses, upper-layer protocol, ports or type/code, device.

use super::cursor::{set_once, Cursor};
use super::error::{SpecError, SpecErrorKind};
use super::lexer::parse_number;
use super::model::Selector;

/// Protocol names accepted after `sel … proto` (plus any number 0..=255).
const PROTO_NAMES: &[(&str, u8)] = &[
    ("any", 0),
    ("ip", 0),
    ("icmp", 1),
    ("igmp", 2),
    ("ipencap", 4),
    ("ipip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6", 41),
    ("ipv6-route", 43),
    ("ipv6-frag", 44),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("ipv6-nonxt", 59),
    ("ipv6-opts", 60),
    ("ospf", 89),
    ("pim", 103),
    ("l2tp", 115),
    ("sctp", 132),
    ("dccp", 33),
    ("mobility-header", 135),
    ("udplite", 136),
];

/// Protocols whose selectors take `sport`/`dport`.
const PORT_PROTOS: &[u8] = &[6, 17, 33, 132, 136];
/// Protocols whose selectors take `type`/`code` (ICMP, ICMPv6, Mobility Header).
const TYPE_PROTOS: &[u8] = &[1, 58, 135];
/// GRE.
const GRE: u8 = 47;

pub(super) fn parse_selector(cur: &mut Cursor<'_>) -> Result<Selector, SpecError> {
    let mut s = Selector::default();
    let (mut have_src, mut have_dst, mut have_proto) = (false, false, false);
    let (mut sport_pos, mut type_pos, mut key_pos) = (None, None, None);
    loop {
        match cur.peek() {
            Some("src") => {
                cur.next();
                if have_src {
                    return Err(cur.err_prev(SpecErrorKind::Duplicate("sel src")));
                }
                have_src = true;
                s.src = cur.prefix("selector address")?;
            }
            Some("dst") => {
                cur.next();
                if have_dst {
                    return Err(cur.err_prev(SpecErrorKind::Duplicate("sel dst")));
                }
                have_dst = true;
                s.dst = cur.prefix("selector address")?;
                if let (Some(a), Some(b)) = (s.src, s.dst) {
                    if a.addr.is_ipv4() != b.addr.is_ipv4() {
                        return Err(cur.err_prev(SpecErrorKind::FamilyMismatch("sel")));
                    }
                }
            }
            Some("dev") => {
                cur.next();
                cur.value("DEV")?;
            }
            Some("proto") => {
                cur.next();
                if have_proto {
                    return Err(cur.err_prev(SpecErrorKind::Duplicate("sel proto")));
                }
                have_proto = true;
                let v = cur.value("PROTO")?;
                let p = PROTO_NAMES
                    .iter()
                    .find(|(n, _)| *n == v)
                    .map(|(_, p)| *p)
                    .or_else(|| parse_number(v).and_then(|n| u8::try_from(n).ok()))
                    .ok_or_else(|| {
                        cur.err_prev(SpecErrorKind::Invalid(
                            "PROTO is not a protocol name or number 0..=255".into(),
                        ))
                    })?;
                s.upper.proto = (p != 0).then_some(p);
            }
            Some("sport") => {
                cur.next();
                set_once(&mut s.upper.sport, cur.u16("PORT")?, cur, "sel sport")?;
                sport_pos.get_or_insert(cur.pos);
            }
            Some("dport") => {
                cur.next();
                set_once(&mut s.upper.dport, cur.u16("PORT")?, cur, "sel dport")?;
                sport_pos.get_or_insert(cur.pos);
            }
            Some("type") => {
                cur.next();
                set_once(
                    &mut s.upper.sport,
                    u16::from(cur.u8("TYPE")?),
                    cur,
                    "sel type",
                )?;
                type_pos.get_or_insert(cur.pos);
            }
            Some("code") => {
                cur.next();
                set_once(
                    &mut s.upper.dport,
                    u16::from(cur.u8("CODE")?),
                    cur,
                    "sel code",
                )?;
                type_pos.get_or_insert(cur.pos);
            }
            Some("key") => {
                cur.next();
                let v = cur.value("KEY")?;
                let k = match v.parse::<std::net::Ipv4Addr>() {
                    Ok(a) => u32::from(a),
                    Err(_) => parse_number(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| cur.err_prev(SpecErrorKind::BadNumber("GRE key")))?,
                };
                set_once(&mut s.upper.gre_key, k, cur, "sel key")?;
                key_pos.get_or_insert(cur.pos);
            }
            _ => break,
        }
    }
    let proto = s.upper.proto.unwrap_or(0);
    let at = |pos: usize, kind| SpecError {
        position: Some(pos),
        token: cur.tokens.get(pos.saturating_sub(1)).cloned(),
        kind,
    };
    if let Some(p) = sport_pos {
        if !PORT_PROTOS.contains(&proto) {
            return Err(at(
                p,
                SpecErrorKind::Invalid(
                    "sport/dport need sel proto tcp, udp, sctp, dccp or udplite".into(),
                ),
            ));
        }
    }
    if let Some(p) = type_pos {
        if !TYPE_PROTOS.contains(&proto) {
            return Err(at(
                p,
                SpecErrorKind::Invalid(
                    "type/code need sel proto icmp, ipv6-icmp or mobility-header".into(),
                ),
            ));
        }
    }
    if let Some(p) = key_pos {
        if proto != GRE {
            return Err(at(
                p,
                SpecErrorKind::Invalid("key needs sel proto gre".into()),
            ));
        }
    }
    Ok(s)
}
