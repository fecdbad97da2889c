//! IP header helpers of the full face: bounds-checked field access,
//! checksums, header-chain walks and selector extraction.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{DropReason, Selector};
use crate::wire::field;
use crate::wire::ipv6ext::HeaderChain;
use crate::wire::{ipv4, ipv6, proto, Ipv4Packet, Ipv6Packet, IPV6_HEADER_LEN};

pub(crate) use crate::wire::IPV4_HEADER_LEN;

pub(crate) fn rd8(b: &[u8], at: usize) -> Result<u8, DropReason> {
    field::byte(b, at).ok_or(DropReason::Truncated)
}

pub(crate) fn rd16(b: &[u8], at: usize) -> Result<u16, DropReason> {
    field::be16(b, at).ok_or(DropReason::Truncated)
}

pub(crate) fn wr(b: &mut [u8], at: usize, v: &[u8]) -> Result<(), DropReason> {
    let end = at.checked_add(v.len()).ok_or(DropReason::BadLength)?;
    field::write(b, at..end, v)
        .then_some(())
        .ok_or(DropReason::BufferTooSmall)
}

pub(crate) fn wr8(b: &mut [u8], at: usize, v: u8) -> Result<(), DropReason> {
    wr(b, at, &[v])
}

pub(crate) fn wr16(b: &mut [u8], at: usize, v: u16) -> Result<(), DropReason> {
    wr(b, at, &v.to_be_bytes())
}

/// Recompute the IPv4 header checksum of the header at the start of `b`.
pub(crate) fn ipv4_fill_checksum(b: &mut [u8]) -> Result<(), DropReason> {
    let ihl = Ipv4Packet::new_unchecked(&*b).header_len();
    if b.len() < ihl.max(IPV4_HEADER_LEN) {
        return Err(DropReason::Truncated);
    }
    Ipv4Packet::new_unchecked(b).fill_checksum();
    Ok(())
}

/// An IP packet at the start of a buffer: version and datagram length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IpPacket {
    pub(crate) v6: bool,
    /// Datagram length from the IP length field.
    pub(crate) len: usize,
}

/// Parse the version and datagram length of the IP packet at `b[0]`
/// (`b` may be longer: link-layer padding or TFC padding).
pub(crate) fn ip_packet(b: &[u8]) -> Result<IpPacket, DropReason> {
    let len = crate::wire::datagram_len(b)?;
    Ok(IpPacket {
        v6: crate::wire::ip_version(b) == Some(6),
        len,
    })
}

/// Where transport mode inserts its header into a packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Insertion {
    /// Offset of the insertion point (end of the IPv4 header with options,
    /// or end of the IPv6 unfragmentable part).
    pub(crate) at: usize,
    /// Offset of the next-header (protocol) byte that names the header at `at`.
    pub(crate) nh_pos: usize,
    /// Its value (becomes the next header of the inserted IPsec header).
    pub(crate) nh: u8,
}

/// Transport-mode insertion point of a whole (non-fragment) packet
/// `b[..len]`. IPv4: after the options. IPv6: after the Hop-by-Hop,
/// Routing and Destination Options-before-Routing headers (RFC 4303
/// §3.1.1, RFC 4302 §3.1.1); Destination Options after the last Routing
/// header stay inside.
pub(crate) fn insertion_point(b: &[u8], p: IpPacket) -> Result<Insertion, DropReason> {
    let b = b.get(..p.len).ok_or(DropReason::Truncated)?;
    if !p.v6 {
        let v4 = Ipv4Packet::new_unchecked(b);
        if v4.is_fragment() {
            return Err(DropReason::Fragment);
        }
        return Ok(Insertion {
            at: v4.header_len(),
            nh_pos: ipv4::field::PROTOCOL,
            nh: v4.protocol(),
        });
    }
    let mut ins = Insertion {
        at: IPV6_HEADER_LEN,
        nh_pos: ipv6::field::NXT_HDR,
        nh: rd8(b, ipv6::field::NXT_HDR)?,
    };
    let mut chain = HeaderChain::new(ins.nh, IPV6_HEADER_LEN);
    // Bounded: every step advances by at least 8 bytes within `b`.
    loop {
        match chain.next_header() {
            proto::HOPOPTS if chain.offset() == IPV6_HEADER_LEN => {}
            proto::ROUTING | proto::DSTOPTS => {}
            proto::FRAGMENT => return Err(DropReason::Fragment),
            _ => break,
        }
        let h = chain.skip_whole(b)?;
        if h.kind != proto::DSTOPTS {
            ins = Insertion {
                at: h.end(),
                nh_pos: h.offset,
                nh: h.next_header,
            };
        }
    }
    Ok(ins)
}

/// Extract the selector of the IP packet `b` (already length-checked).
pub(crate) fn selector(b: &[u8], p: IpPacket) -> Result<Selector, DropReason> {
    let b = b.get(..p.len).ok_or(DropReason::Truncated)?;
    let (src, dst, nh, at, first_frag);
    if p.v6 {
        let v6 = Ipv6Packet::new_unchecked(b);
        v6.check_header()?;
        src = IpAddr::V6(Ipv6Addr::from(v6.src_addr()));
        dst = IpAddr::V6(Ipv6Addr::from(v6.dst_addr()));
        let mut chain = HeaderChain::new(v6.next_header(), IPV6_HEADER_LEN);
        let mut first = true;
        // Bounded: every step advances by at least 8 bytes.
        while chain.offset() < b.len() {
            match chain.next_header() {
                proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS => {}
                proto::FRAGMENT => {
                    if chain.frag_offset(b).ok_or(DropReason::Truncated)? != 0 {
                        first = false;
                    }
                }
                _ => break,
            }
            chain.skip(b)?;
        }
        (nh, at, first_frag) = (chain.next_header(), chain.offset(), first);
    } else {
        let v4 = Ipv4Packet::new_unchecked(b);
        v4.check_header()?;
        src = IpAddr::V4(Ipv4Addr::from(v4.src_addr()));
        dst = IpAddr::V4(Ipv4Addr::from(v4.dst_addr()));
        (nh, at, first_frag) = (v4.protocol(), v4.header_len(), v4.frag_offset() == 0);
    }
    let (mut src_port, mut dst_port) = (0, 0);
    if first_frag {
        match nh {
            // Ports first.
            proto::TCP | proto::UDP | proto::DCCP | proto::SCTP | proto::UDPLITE => {
                if let (Ok(s), Ok(d)) = (rd16(b, at), rd16(b, at + 2)) {
                    (src_port, dst_port) = (s, d);
                }
            }
            // Type and code.
            proto::ICMP | proto::ICMPV6 => {
                if let (Ok(t), Ok(c)) = (rd8(b, at), rd8(b, at + 1)) {
                    (src_port, dst_port) = (u16::from(t), u16::from(c));
                }
            }
            _ => {}
        }
    }
    Ok(Selector {
        src,
        dst,
        protocol: nh,
        src_port,
        dst_port,
    })
}
