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

use ipsec_engine::wire::field::{be16, be32};
use ipsec_engine::wire::ipv6ext::HeaderChain;
use ipsec_engine::wire::{ipv4, proto, Ipv4Packet, Ipv6Packet, IPV6_HEADER_LEN};

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

/// Summarise an IP datagram (no link header). `None` if it is not a complete
/// IPv4/IPv6 header.
pub fn summarize(ip: &[u8]) -> Option<PacketSummary> {
    match ipsec_engine::wire::ip_version(ip)? {
        4 => {
            let v4 = Ipv4Packet::new_unchecked(ip);
            v4.check_header().ok()?;
            let frag = v4.flags_frag();
            let l4_offset = (v4.frag_offset() == 0).then_some(v4.header_len());
            Some(finish(
                Family::V4,
                Ipv4Addr::from(v4.src_addr()).into(),
                Ipv4Addr::from(v4.dst_addr()).into(),
                Some(v4.protocol()),
                ip,
                l4_offset,
                frag & (ipv4::FLAG_MF | ipv4::FRAG_OFFSET_MASK) != 0,
            ))
        }
        6 => {
            let v6 = Ipv6Packet::new_unchecked(ip);
            v6.check_header().ok()?;
            let mut chain = HeaderChain::new(v6.next_header(), IPV6_HEADER_LEN);
            let mut first_fragment = true;
            let mut fragment = false;
            // Walk the extension headers (bounded: each step advances).
            let proto = loop {
                match chain.next_header() {
                    proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS => {}
                    proto::FRAGMENT => {
                        let Some(off) = chain.frag_offset(ip) else {
                            break None;
                        };
                        first_fragment = off == 0;
                        fragment = true;
                    }
                    p => break Some(p),
                }
                if chain.skip(ip).is_err() {
                    break None;
                }
            };
            let at = chain.offset();
            let l4_offset = (first_fragment && proto.is_some() && at <= ip.len()).then_some(at);
            Some(finish(
                Family::V6,
                Ipv6Addr::from(v6.src_addr()).into(),
                Ipv6Addr::from(v6.dst_addr()).into(),
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
        (Some(proto::ICMP | proto::ICMPV6), Some(l4)) => match (l4.first(), l4.get(1)) {
            (Some(t), Some(c)) => Some((u16::from(*t), u16::from(*c))),
            _ => None,
        },
        // Mobility Header: the MH type (third byte); code 0.
        (Some(proto::MOBILITY), Some(l4)) => l4.get(2).map(|t| (u16::from(*t), 0)),
        (Some(_), Some(l4)) => match (be16(l4, 0), be16(l4, 2)) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        },
        _ => None,
    };
    let gre_key = match (proto, l4) {
        (Some(proto::GRE), Some(l4)) => be16(l4, 0).and_then(|flags| {
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
