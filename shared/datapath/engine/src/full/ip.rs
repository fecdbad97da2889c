//! IP header helpers of the full face: bounds-checked field access,
//! checksums, header-chain walks and selector extraction.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{DropReason, Selector};
use crate::wire::{proto, IPV6_HEADER_LEN};

pub(crate) const IPV4_HEADER_LEN: usize = 20;

pub(crate) fn rd8(b: &[u8], at: usize) -> Result<u8, DropReason> {
    b.get(at).copied().ok_or(DropReason::Truncated)
}

pub(crate) fn rd16(b: &[u8], at: usize) -> Result<u16, DropReason> {
    Ok(u16::from_be_bytes([rd8(b, at)?, rd8(b, at + 1)?]))
}

pub(crate) fn rd32(b: &[u8], at: usize) -> Result<u32, DropReason> {
    Ok(u32::from_be_bytes([
        rd8(b, at)?,
        rd8(b, at + 1)?,
        rd8(b, at + 2)?,
        rd8(b, at + 3)?,
    ]))
}

pub(crate) fn wr(b: &mut [u8], at: usize, v: &[u8]) -> Result<(), DropReason> {
    let end = at.checked_add(v.len()).ok_or(DropReason::BadLength)?;
    b.get_mut(at..end)
        .ok_or(DropReason::BufferTooSmall)?
        .copy_from_slice(v);
    Ok(())
}

pub(crate) fn wr8(b: &mut [u8], at: usize, v: u8) -> Result<(), DropReason> {
    wr(b, at, &[v])
}

pub(crate) fn wr16(b: &mut [u8], at: usize, v: u16) -> Result<(), DropReason> {
    wr(b, at, &v.to_be_bytes())
}

pub(crate) fn wr32(b: &mut [u8], at: usize, v: u32) -> Result<(), DropReason> {
    wr(b, at, &v.to_be_bytes())
}

/// Recompute the IPv4 header checksum of the header at the start of `b`.
pub(crate) fn ipv4_fill_checksum(b: &mut [u8]) -> Result<(), DropReason> {
    let ihl = usize::from(rd8(b, 0)? & 0x0f) * 4;
    wr16(b, 10, 0)?;
    let h = b.get(..ihl).ok_or(DropReason::Truncated)?;
    let sum = crate::wire::checksum(h, 0);
    wr16(b, 10, !crate::wire::fold(sum))
}

/// Length of an IPv6 extension header (HBH, Routing, Destination) at `at`.
fn ext_len(b: &[u8], at: usize) -> Result<usize, DropReason> {
    Ok((usize::from(rd8(b, at + 1)?) + 1) * 8)
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
    match rd8(b, 0)? >> 4 {
        4 => {
            let ihl = usize::from(rd8(b, 0)? & 0x0f) * 4;
            let len = usize::from(rd16(b, 2)?);
            if ihl < IPV4_HEADER_LEN || len < ihl {
                return Err(DropReason::Malformed);
            }
            if b.len() < len {
                return Err(DropReason::Truncated);
            }
            Ok(IpPacket { v6: false, len })
        }
        6 => {
            let len = IPV6_HEADER_LEN + usize::from(rd16(b, 4)?);
            if b.len() < len {
                return Err(DropReason::Truncated);
            }
            Ok(IpPacket { v6: true, len })
        }
        _ => Err(DropReason::Malformed),
    }
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
        let ihl = usize::from(rd8(b, 0)? & 0x0f) * 4;
        if rd16(b, 6)? & 0x3fff != 0 {
            return Err(DropReason::Fragment);
        }
        return Ok(Insertion {
            at: ihl,
            nh_pos: 9,
            nh: rd8(b, 9)?,
        });
    }
    let mut ins = Insertion {
        at: IPV6_HEADER_LEN,
        nh_pos: 6,
        nh: rd8(b, 6)?,
    };
    let (mut nh, mut at) = (ins.nh, IPV6_HEADER_LEN);
    // Bounded: every step advances `at` by at least 8 bytes within `b`.
    loop {
        let len = match nh {
            proto::HOPOPTS if at == IPV6_HEADER_LEN => ext_len(b, at)?,
            proto::ROUTING | proto::DSTOPTS => ext_len(b, at)?,
            proto::FRAGMENT => return Err(DropReason::Fragment),
            _ => break,
        };
        let end = at.checked_add(len).ok_or(DropReason::Malformed)?;
        if end > b.len() {
            return Err(DropReason::Truncated);
        }
        let next = rd8(b, at)?;
        if nh != proto::DSTOPTS {
            ins = Insertion {
                at: end,
                nh_pos: at,
                nh: next,
            };
        }
        nh = next;
        at = end;
    }
    Ok(ins)
}

/// Extract the selector of the IP packet `b` (already length-checked).
pub(crate) fn selector(b: &[u8], p: IpPacket) -> Result<Selector, DropReason> {
    let b = b.get(..p.len).ok_or(DropReason::Truncated)?;
    let (src, dst, mut nh, mut at, mut first_frag);
    if p.v6 {
        let mut s = [0u8; 16];
        let mut d = [0u8; 16];
        s.copy_from_slice(b.get(8..24).ok_or(DropReason::Truncated)?);
        d.copy_from_slice(b.get(24..40).ok_or(DropReason::Truncated)?);
        src = IpAddr::V6(Ipv6Addr::from(s));
        dst = IpAddr::V6(Ipv6Addr::from(d));
        nh = rd8(b, 6)?;
        at = IPV6_HEADER_LEN;
        first_frag = true;
        // Bounded: every step advances `at` by at least 8 bytes.
        while at < b.len() {
            let len = match nh {
                proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS => ext_len(b, at)?,
                proto::FRAGMENT => {
                    if rd16(b, at + 2)? & 0xfff8 != 0 {
                        first_frag = false;
                    }
                    8
                }
                _ => break,
            };
            nh = rd8(b, at)?;
            at = at.checked_add(len).ok_or(DropReason::Malformed)?;
        }
    } else {
        src = IpAddr::V4(Ipv4Addr::from(rd32(b, 12)?));
        dst = IpAddr::V4(Ipv4Addr::from(rd32(b, 16)?));
        nh = rd8(b, 9)?;
        at = usize::from(rd8(b, 0)? & 0x0f) * 4;
        first_frag = rd16(b, 6)? & 0x1fff == 0;
    }
    let (mut src_port, mut dst_port) = (0, 0);
    if first_frag {
        match nh {
            // TCP, UDP, DCCP, SCTP, UDP-Lite: ports first.
            6 | 17 | 33 | 132 | 136 => {
                if let (Ok(s), Ok(d)) = (rd16(b, at), rd16(b, at + 2)) {
                    (src_port, dst_port) = (s, d);
                }
            }
            // ICMP, ICMPv6: type and code.
            1 | 58 => {
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
