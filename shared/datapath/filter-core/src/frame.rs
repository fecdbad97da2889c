//! What the send and receive paths accept as a frame: Ethernet II with at most one 802.1Q tag in
//! front of an IPv4 or IPv6 datagram whose version agrees with the EtherType. The parsing is the
//! engine's wire layer (`ipsec_engine::wire`); this file holds the filter's policy and errors.

use ipsec_engine::wire::{self, ethertype, EthernetFrame};
use ipsec_engine::PacketError;

/// Ethernet II header length.
pub const ETH_HEADER_LEN: usize = wire::ETHERNET_HEADER_LEN;
/// Length of an inline 802.1Q tag.
pub const VLAN_TAG_LEN: usize = wire::ethernet::VLAN_TAG_LEN;

/// Why a frame is not an IP packet this filter handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Shorter than the MAC header, or than the IP header its version implies.
    Truncated,
    /// The EtherType is neither IPv4 nor IPv6 (after at most one 802.1Q tag).
    NotIp,
    /// The IP version nibble disagrees with the EtherType, or the IP length fields are invalid.
    BadIpHeader,
}

impl From<PacketError> for FrameError {
    fn from(e: PacketError) -> Self {
        match e {
            PacketError::Truncated => Self::Truncated,
            _ => Self::BadIpHeader,
        }
    }
}

/// Length of the MAC header of an Ethernet II frame (with at most one inline 802.1Q tag): the
/// offset of the IP header.
pub fn l2_len(frame: &[u8]) -> Result<usize, FrameError> {
    let (len, ethertype) = EthernetFrame::new_unchecked(frame)
        .payload_type(1, |t| t == ethertype::VLAN)
        .map_err(|_| FrameError::Truncated)?;
    let version = wire::ip_version(frame.get(len..).unwrap_or(&[])).ok_or(FrameError::Truncated)?;
    match (ethertype, version) {
        (ethertype::IPV4, 4) | (ethertype::IPV6, 6) => Ok(len),
        (ethertype::IPV4 | ethertype::IPV6, _) => Err(FrameError::BadIpHeader),
        _ => Err(FrameError::NotIp),
    }
}

/// The length of the IP datagram starting at `ip[0]` from its own length fields (IPv4 total
/// length, IPv6 40 + payload length); bytes after it (Ethernet padding) are not part of it.
pub fn datagram_len(ip: &[u8]) -> Result<usize, FrameError> {
    Ok(wire::datagram_len(ip)?)
}

/// The destination address of the IP header at `ip[0]` (4 or 16 bytes).
pub fn destination(ip: &[u8]) -> Result<ipsecov2_satable::IpAddress, PacketError> {
    Ok(match wire::destination(ip)? {
        wire::IpAddrBytes::V4(a) => ipsecov2_satable::IpAddress::v4(a),
        wire::IpAddrBytes::V6(a) => ipsecov2_satable::IpAddress::v6(a),
    })
}
