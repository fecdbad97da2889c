//! Where the outermost ESP or AH header of an IP packet is: IPv4 options skipped via IHL, IPv6
//! Hop-by-Hop, Routing and Destination Options headers walked, and UDP-encapsulated ESP on port
//! 4500 with the non-ESP marker told apart (RFC 3948).

use super::ipv6ext::HeaderChain;
use super::{ipv6, proto, AhPacket, EspPacket, Ipv4Packet, Ipv6Packet, UdpPacket};
use super::{NAT_T_PORT, UDP_HEADER_LEN};
use crate::error::PacketError;

/// Which IPsec header was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpsecKind {
    /// ESP directly in IP.
    Esp,
    /// ESP in UDP (RFC 3948); `udp_offset` locates the UDP header.
    UdpEsp {
        /// Offset of the UDP header.
        udp_offset: usize,
    },
    /// AH.
    Ah,
}

/// Location of the outermost ESP/AH header in an IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpsecLocation {
    /// IP version (4 or 6).
    pub ip_version: u8,
    /// Kind of header.
    pub kind: IpsecKind,
    /// Offset of the ESP or AH header from the start of the IP header.
    pub offset: usize,
    /// Offset one past the end of the IP datagram (from the length fields).
    pub end: usize,
}

/// The version, first next header, its offset and the datagram end of the IP packet at
/// `packet[0]` (IPv4 fragments are [`PacketError::Fragment`]).
fn ip_start(packet: &[u8]) -> Result<(u8, u8, usize, usize), PacketError> {
    let first = *packet.first().ok_or(PacketError::Truncated)?;
    match first >> 4 {
        4 => {
            let p = Ipv4Packet::new_checked(packet)?;
            if p.is_fragment() {
                return Err(PacketError::Fragment);
            }
            Ok((4, p.protocol(), p.header_len(), usize::from(p.total_len())))
        }
        6 => {
            let p = Ipv6Packet::new_checked(packet)?;
            let end = ipv6::HEADER_LEN + usize::from(p.payload_len());
            Ok((6, p.next_header(), ipv6::HEADER_LEN, end))
        }
        _ => Err(PacketError::Malformed),
    }
}

/// Find the first ESP or AH header (or UDP-encapsulated ESP on port 4500) in
/// an IPv4 or IPv6 packet starting at `packet[0]`. IPv4 options are skipped
/// via IHL; IPv6 Hop-by-Hop, Routing and Destination options headers are
/// walked. UDP 4500 payloads starting with the four-byte non-ESP marker
/// (IKE) or the one-byte NAT keepalive are [`PacketError::NotIpsec`].
pub fn locate_ipsec(packet: &[u8]) -> Result<IpsecLocation, PacketError> {
    let (ver, nh, at, end) = ip_start(packet)?;
    let b = packet.get(..end).ok_or(PacketError::Truncated)?;
    let found = |kind, offset| IpsecLocation {
        ip_version: ver,
        kind,
        offset,
        end,
    };
    let mut chain = HeaderChain::new(nh, at);
    // Bounded: each step advances by at least 8 bytes.
    loop {
        let at = chain.offset();
        let rest = b.get(at..).unwrap_or(&[]);
        match chain.next_header() {
            proto::ESP => {
                EspPacket::new_checked(rest)?;
                return Ok(found(IpsecKind::Esp, at));
            }
            proto::AH => {
                AhPacket::new_checked(rest)?;
                return Ok(found(IpsecKind::Ah, at));
            }
            proto::UDP => {
                let udp = UdpPacket::new_checked(rest)?;
                if udp.dst_port() != NAT_T_PORT && udp.src_port() != NAT_T_PORT {
                    return Err(PacketError::NotIpsec);
                }
                let pl = udp.payload();
                // NAT keepalive: a single 0xFF byte.
                if pl.len() < 8 {
                    return Err(PacketError::NotIpsec);
                }
                // Non-ESP marker: four zero bytes where the SPI would be (IKE).
                if pl.get(..4) == Some(&[0, 0, 0, 0]) {
                    return Err(PacketError::NotIpsec);
                }
                return Ok(IpsecLocation {
                    ip_version: ver,
                    kind: IpsecKind::UdpEsp { udp_offset: at },
                    offset: at + UDP_HEADER_LEN,
                    end: at + usize::from(udp.len()),
                });
            }
            proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS if ver == 6 => {
                chain.skip_whole(b)?;
            }
            proto::FRAGMENT if ver == 6 => return Err(PacketError::Fragment),
            _ => return Err(PacketError::NotIpsec),
        }
    }
}
