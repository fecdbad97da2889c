//! The wire layer: zero-copy checked views of the headers the project parses and builds, in the
//! style of smoltcp's `wire` module. One file per protocol; each names its fields as byte ranges
//! (`mod field`), wraps a buffer in a `Packet<T: AsRef<[u8]>>` view with `new_checked` (and
//! `new_unchecked`), getters, setters for `T: AsMut<[u8]>`, and where a header is built whole a
//! `Repr` with `parse` and `emit`. Big-endian access is in [`field`] and nowhere else.
//!
//! | file | what |
//! |---|---|
//! | [`ethernet`] | Ethernet II header, VLAN tags, EtherTypes |
//! | [`ipv4`] | IPv4 header and options |
//! | [`ipv6`] | IPv6 fixed header |
//! | [`ipv6ext`] | IPv6 extension headers and the header chain walk (where AH and ESP sit) |
//! | [`udp`] | UDP header, UDP-encapsulated ESP (RFC 3948) |
//! | [`esp`] | ESP header (SPI, sequence number) |
//! | [`ah`] | AH header |
//! | [`locate`] | where the ESP/AH header of an IP packet is ([`locate_ipsec`]) |
//! | [`checksum`] | the Internet checksum |
//! | [`field`] | big-endian field reads and writes |
//!
//! No view allocates or panics on any input: a getter of a field outside the buffer reads 0.

use crate::error::PacketError;

pub mod ah;
pub mod checksum;
pub mod esp;
pub mod ethernet;
pub mod field;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6ext;
pub mod locate;
pub mod udp;

pub use ah::{AhPacket, AhRepr, FIXED_LEN as AH_FIXED_LEN};
pub use esp::{EspPacket, EspRepr, HEADER_LEN as ESP_HEADER_LEN};
pub use ethernet::{ethertype, EthernetFrame, EthernetRepr, HEADER_LEN as ETHERNET_HEADER_LEN};
pub use ipv4::{Ipv4Packet, Ipv4Repr, HEADER_LEN as IPV4_HEADER_LEN};
pub use ipv6::{Ipv6Packet, Ipv6Repr, HEADER_LEN as IPV6_HEADER_LEN};
pub use ipv6ext::{ExtHeader, HeaderChain, Ipv6ExtHeader};
pub use locate::{locate_ipsec, IpsecKind, IpsecLocation};
pub use udp::{
    fix_udp_encap, udp6_checksum_ok, UdpPacket, UdpRepr, HEADER_LEN as UDP_HEADER_LEN, NAT_T_PORT,
};

/// IP protocol numbers used here (the IPv4 protocol and IPv6 next header values).
pub mod proto {
    /// IPv6 Hop-by-Hop Options.
    pub const HOPOPTS: u8 = 0;
    /// ICMP.
    pub const ICMP: u8 = 1;
    /// IPv4 (in IP).
    pub const IPV4: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// DCCP.
    pub const DCCP: u8 = 33;
    /// IPv6 (in IP).
    pub const IPV6: u8 = 41;
    /// IPv6 Routing header.
    pub const ROUTING: u8 = 43;
    /// IPv6 Fragment header.
    pub const FRAGMENT: u8 = 44;
    /// GRE.
    pub const GRE: u8 = 47;
    /// ESP.
    pub const ESP: u8 = 50;
    /// AH.
    pub const AH: u8 = 51;
    /// ICMPv6.
    pub const ICMPV6: u8 = 58;
    /// No next header.
    pub const NONE: u8 = 59;
    /// IPv6 Destination Options.
    pub const DSTOPTS: u8 = 60;
    /// SCTP.
    pub const SCTP: u8 = 132;
    /// Mobility Header.
    pub const MOBILITY: u8 = 135;
    /// UDP-Lite.
    pub const UDPLITE: u8 = 136;
}

/// The IP version nibble of the packet at `packet[0]` (`None` for an empty buffer).
#[must_use]
pub fn ip_version(packet: &[u8]) -> Option<u8> {
    packet.first().map(|b| b >> 4)
}

/// The length of the IP datagram at `packet[0]` from its own length fields (IPv4 total length,
/// IPv6 40 + payload length); bytes after it (link-layer padding) are not part of it.
/// [`PacketError::Malformed`] for another version, an IHL below 5 or a total length shorter
/// than the header; [`PacketError::Truncated`] when the datagram is longer than `packet`.
pub fn datagram_len(packet: &[u8]) -> Result<usize, PacketError> {
    let len = match ip_version(packet).ok_or(PacketError::Truncated)? {
        4 => {
            let ihl = Ipv4Packet::new_unchecked(packet).header_len();
            let total = field::read16(packet, ipv4::field::LENGTH).ok_or(PacketError::Truncated)?;
            let total = usize::from(total);
            if ihl < IPV4_HEADER_LEN || total < ihl {
                return Err(PacketError::Malformed);
            }
            total
        }
        6 => {
            let payload =
                field::read16(packet, ipv6::field::LENGTH).ok_or(PacketError::Truncated)?;
            IPV6_HEADER_LEN + usize::from(payload)
        }
        _ => return Err(PacketError::Malformed),
    };
    if len > packet.len() {
        return Err(PacketError::Truncated);
    }
    Ok(len)
}

/// The destination address of the IP header at `packet[0]`: 4 or 16 bytes.
pub fn destination(packet: &[u8]) -> Result<IpAddrBytes, PacketError> {
    match ip_version(packet) {
        Some(4) => f_bytes(packet, ipv4::field::DST_ADDR).map(IpAddrBytes::V4),
        Some(6) => f_bytes(packet, ipv6::field::DST_ADDR).map(IpAddrBytes::V6),
        _ => Err(PacketError::Malformed),
    }
}

fn f_bytes<const N: usize>(b: &[u8], r: field::Field) -> Result<[u8; N], PacketError> {
    field::bytes(b, r).ok_or(PacketError::Truncated)
}

/// [`PacketError::Truncated`] unless `buffer` holds at least `len` bytes.
pub(crate) fn need(buffer: &[u8], len: usize) -> Result<(), PacketError> {
    if buffer.len() < len {
        return Err(PacketError::Truncated);
    }
    Ok(())
}

/// An IPv4 or IPv6 address as wire bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpAddrBytes {
    /// IPv4.
    V4([u8; 4]),
    /// IPv6.
    V6([u8; 16]),
}
