//! Frame parsing shared by the send and receive paths: the MAC header in front of the IP packet
//! and the IP datagram's extent.

use ipsec_engine::PacketError;

/// Ethernet II header length.
pub const ETH_HEADER_LEN: usize = 14;
/// Length of an inline 802.1Q tag.
pub const VLAN_TAG_LEN: usize = 4;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
const ETHERTYPE_VLAN: u16 = 0x8100;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let hi = *b.get(at)?;
    let lo = *b.get(at.checked_add(1)?)?;
    Some(u16::from_be_bytes([hi, lo]))
}

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

/// Length of the MAC header of an Ethernet II frame (with at most one inline 802.1Q tag): the
/// offset of the IP header.
pub fn l2_len(frame: &[u8]) -> Result<usize, FrameError> {
    let mut ethertype = be16(frame, 12).ok_or(FrameError::Truncated)?;
    let mut len = ETH_HEADER_LEN;
    if ethertype == ETHERTYPE_VLAN {
        ethertype = be16(frame, 16).ok_or(FrameError::Truncated)?;
        len += VLAN_TAG_LEN;
    }
    let version = frame.get(len).ok_or(FrameError::Truncated)? >> 4;
    match (ethertype, version) {
        (ETHERTYPE_IPV4, 4) | (ETHERTYPE_IPV6, 6) => Ok(len),
        (ETHERTYPE_IPV4 | ETHERTYPE_IPV6, _) => Err(FrameError::BadIpHeader),
        _ => Err(FrameError::NotIp),
    }
}

/// The length of the IP datagram starting at `ip[0]` from its own length fields (IPv4 total
/// length, IPv6 40 + payload length); bytes after it (Ethernet padding) are not part of it.
pub fn datagram_len(ip: &[u8]) -> Result<usize, FrameError> {
    let first = *ip.first().ok_or(FrameError::Truncated)?;
    let len = match first >> 4 {
        4 => {
            let ihl = usize::from(first & 0x0f) * 4;
            let total = usize::from(be16(ip, 2).ok_or(FrameError::Truncated)?);
            if ihl < 20 || total < ihl {
                return Err(FrameError::BadIpHeader);
            }
            total
        }
        6 => 40 + usize::from(be16(ip, 4).ok_or(FrameError::Truncated)?),
        _ => return Err(FrameError::BadIpHeader),
    };
    if len > ip.len() {
        return Err(FrameError::Truncated);
    }
    Ok(len)
}

/// The destination address of the IP header at `ip[0]` (4 or 16 bytes).
pub fn destination(ip: &[u8]) -> Result<ipsecov2_satable::IpAddress, PacketError> {
    match ip.first().map(|b| b >> 4) {
        Some(4) => {
            let a: [u8; 4] = ip
                .get(16..20)
                .and_then(|s| s.try_into().ok())
                .ok_or(PacketError::Truncated)?;
            Ok(ipsecov2_satable::IpAddress::v4(a))
        }
        Some(6) => {
            let a: [u8; 16] = ip
                .get(24..40)
                .and_then(|s| s.try_into().ok())
                .ok_or(PacketError::Truncated)?;
            Ok(ipsecov2_satable::IpAddress::v6(a))
        }
        _ => Err(PacketError::Malformed),
    }
}

/// A big-endian `u32` at `at`.
pub fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}
