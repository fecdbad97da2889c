//! IP packet summary and selector matching.
//!
//! Matching rules (also in `docs/ipsecctl.md`):
//!
//! * With `sel`: the packet's source and destination lie in the selector's
//!   prefixes (a missing `src`/`dst` matches any address of either family; a
//!   prefix matches only its own family); `proto` (if given) equals the
//!   upper-layer protocol found after the IPv4 header or after the IPv6
//!   extension headers (Hop-by-Hop, Routing, Fragment, Destination Options);
//!   `sport`/`dport` compare the TCP/UDP/SCTP/DCCP/UDP-Lite ports, `type`/`code`
//!   the ICMP/ICMPv6 type and code (Mobility Header: the MH type), `key` the GRE
//!   key (0 when the GRE header has none), as Linux's flow decoding does. A
//!   packet whose ports (or type/code/key) are not in the packet (non-first
//!   fragment, header cut short) does not match a selector that names them.
//! * Transport mode additionally (and without `sel`, only) requires the
//!   packet's source and destination addresses to equal the SA's `src` and `dst`.
//! * Tunnel mode without `sel` matches every IPv4 and IPv6 packet.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::link::Family;
use crate::spec::{Mode, SaSpec, Selector};

/// What matching needs to know about an IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketSummary {
    /// IP version.
    pub family: Family,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Upper-layer protocol (after IPv6 extension headers); `None` if the
    /// extension header chain is cut short.
    pub proto: Option<u8>,
    /// First two 16-bit words of the upper-layer header as Linux's flow
    /// decoding uses them: ports, ICMP type/code, MH type, GRE key halves.
    /// `None` for non-first fragments and short headers.
    pub ports: Option<(u16, u16)>,
    /// GRE key (0 if the GRE header carries none); `None` if not GRE or cut short.
    pub gre_key: Option<u32>,
    /// Offset of the upper-layer header in the datagram (`None` for non-first
    /// fragments and cut-short extension header chains).
    pub l4_offset: Option<usize>,
    /// Whether the datagram is an IP fragment (first or later).
    pub fragment: bool,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Summarise an IP datagram (no link header). `None` if it is not a complete
/// IPv4/IPv6 header.
pub fn summarize(ip: &[u8]) -> Option<PacketSummary> {
    match ip.first()? >> 4 {
        4 => {
            let ihl = usize::from(ip.first()? & 0x0f) * 4;
            if ihl < 20 || ip.len() < ihl {
                return None;
            }
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            let proto = *ip.get(9)?;
            let frag = be16(ip, 6)?;
            let frag_off = frag & 0x1fff;
            let l4_offset = (frag_off == 0).then_some(ihl);
            Some(finish(
                Family::V4,
                Ipv4Addr::from(src).into(),
                Ipv4Addr::from(dst).into(),
                Some(proto),
                ip,
                l4_offset,
                frag & 0x3fff != 0,
            ))
        }
        6 => {
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let mut next = *ip.get(6)?;
            let mut at = 40usize;
            let mut first_fragment = true;
            let mut fragment = false;
            // Walk the extension headers (bounded: each step advances).
            let proto = loop {
                match next {
                    0 | 43 | 60 => {
                        let (Some(n), Some(l)) = (ip.get(at), ip.get(at + 1)) else {
                            break None;
                        };
                        next = *n;
                        at += (usize::from(*l) + 1) * 8;
                    }
                    44 => {
                        let (Some(n), Some(off)) = (ip.get(at), be16(ip, at + 2)) else {
                            break None;
                        };
                        next = *n;
                        first_fragment = off & 0xfff8 == 0;
                        fragment = true;
                        at += 8;
                    }
                    p => break Some(p),
                }
            };
            let l4_offset = (first_fragment && proto.is_some() && at <= ip.len()).then_some(at);
            Some(finish(
                Family::V6,
                Ipv6Addr::from(src).into(),
                Ipv6Addr::from(dst).into(),
                proto,
                ip,
                l4_offset,
                fragment,
            ))
        }
        _ => None,
    }
}

fn finish(
    family: Family,
    src: IpAddr,
    dst: IpAddr,
    proto: Option<u8>,
    ip: &[u8],
    l4_offset: Option<usize>,
    fragment: bool,
) -> PacketSummary {
    let l4 = l4_offset.and_then(|o| ip.get(o..));
    let ports = match (proto, l4) {
        // ICMP, ICMPv6: type and code bytes.
        (Some(1 | 58), Some(l4)) => match (l4.first(), l4.get(1)) {
            (Some(t), Some(c)) => Some((u16::from(*t), u16::from(*c))),
            _ => None,
        },
        // Mobility Header: the MH type (third byte); code 0.
        (Some(135), Some(l4)) => l4.get(2).map(|t| (u16::from(*t), 0)),
        (Some(_), Some(l4)) => match (be16(l4, 0), be16(l4, 2)) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        },
        _ => None,
    };
    let gre_key = match (proto, l4) {
        (Some(47), Some(l4)) => be16(l4, 0).and_then(|flags| {
            if flags & 0x2000 == 0 {
                Some(0)
            } else {
                let at = if flags & 0x8000 != 0 { 8 } else { 4 };
                be32(l4, at)
            }
        }),
        _ => None,
    };
    PacketSummary {
        family,
        src,
        dst,
        proto,
        ports,
        gre_key,
        l4_offset,
        fragment,
    }
}

/// Whether the selector matches the packet (the `sel` rule above).
pub fn selector_matches(sel: &Selector, p: &PacketSummary) -> bool {
    if sel.src.is_some_and(|s| !s.contains(p.src)) || sel.dst.is_some_and(|d| !d.contains(p.dst)) {
        return false;
    }
    let u = &sel.upper;
    if let Some(proto) = u.proto {
        if p.proto != Some(proto) {
            return false;
        }
    }
    if u.sport.is_some() || u.dport.is_some() {
        let Some((s, d)) = p.ports else {
            return false;
        };
        if u.sport.is_some_and(|x| x != s) || u.dport.is_some_and(|x| x != d) {
            return false;
        }
    }
    if let Some(k) = u.gre_key {
        if p.gre_key != Some(k) {
            return false;
        }
    }
    true
}

/// Whether an outbound SA applies to the packet (the whole rule above).
pub fn sa_matches(sa: &SaSpec, p: &PacketSummary) -> bool {
    if sa.mode == Mode::Transport && (p.src != sa.src || p.dst != sa.dst) {
        return false;
    }
    match &sa.sel {
        Some(sel) => selector_matches(sel, p),
        None => true,
    }
}
