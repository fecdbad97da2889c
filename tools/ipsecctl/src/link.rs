//! Link-layer framing: where the IP datagram starts in a captured frame, and
//! how the frame is rebuilt around a new datagram.
//!
//! Supported link types (the LINKTYPE_ values of pcap/pcapng):
//!
//! | value | name | framing |
//! | --- | --- | --- |
//! | 0 | NULL (BSD loopback) | 4-byte address family in the capturing host's byte order |
//! | 1 | ETHERNET | 14-byte header, any number of 802.1Q / 802.1ad / 0x9100 tags |
//! | 12 | DLT_RAW as written by some systems | raw IPv4/IPv6 |
//! | 14 | DLT_RAW on OpenBSD | raw IPv4/IPv6 |
//! | 101 | RAW | raw IPv4/IPv6 (version nibble) |
//! | 108 | LOOP (OpenBSD loopback) | 4-byte address family, big-endian |
//! | 113 | LINUX_SLL | 16-byte cooked header, protocol at offset 14 |
//! | 228 | IPV4 | raw IPv4 only |
//! | 229 | IPV6 | raw IPv6 only |
//! | 276 | LINUX_SLL2 | 20-byte cooked header, protocol at offset 0 |
//!
//! Frames that do not carry IPv4/IPv6 (ARP, other EtherTypes) have no
//! datagram and pass unchanged. Bytes after the IP datagram (Ethernet
//! padding) are kept for untouched frames and dropped when the datagram is
//! replaced; the family indicator (EtherType, SLL protocol, loopback family)
//! is rewritten when the IP version changes.

use std::fmt;

use ipsec_engine::wire::field::{be16, be32, put16, read16};
use ipsec_engine::wire::{ethertype, ipv4, ipv6, EthernetFrame, Ipv4Packet, IPV6_HEADER_LEN};

/// IP version of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// Link types this tool understands.
pub const SUPPORTED_LINK_TYPES: &[u32] = &[0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

/// LINKTYPE_ names (tcpdump.org's list) of the supported link types and of common others, for
/// messages.
const LINK_TYPE_NAMES: &[(u32, &str)] = &[
    (0, "NULL"),
    (1, "ETHERNET"),
    (6, "IEEE802_5"),
    (8, "SLIP"),
    (9, "PPP"),
    (10, "FDDI"),
    (12, "RAW (DLT 12)"),
    (14, "RAW (OpenBSD DLT 14)"),
    (50, "PPP_HDLC"),
    (51, "PPP_ETHER"),
    (101, "RAW"),
    (104, "C_HDLC"),
    (105, "IEEE802_11"),
    (108, "LOOP"),
    (113, "LINUX_SLL"),
    (119, "PRISM_HEADER"),
    (127, "IEEE802_11_RADIOTAP"),
    (147, "USER0"),
    (187, "BLUETOOTH_HCI_H4"),
    (189, "USB_LINUX"),
    (192, "PPI"),
    (195, "IEEE802_15_4_WITHFCS"),
    (201, "BLUETOOTH_HCI_H4_WITH_PHDR"),
    (220, "USB_LINUX_MMAPPED"),
    (228, "IPV4"),
    (229, "IPV6"),
    (249, "NETLINK"),
    (276, "LINUX_SLL2"),
];

/// The LINKTYPE_ name of `link_type`, if it is one of the common ones.
pub fn link_type_name(link_type: u32) -> Option<&'static str> {
    LINK_TYPE_NAMES
        .iter()
        .find(|(v, _)| *v == link_type)
        .map(|(_, n)| *n)
}

/// `N (NAME)`, or `N` for a link type without a known name.
pub fn describe_link_type(link_type: u32) -> String {
    match link_type_name(link_type) {
        Some(n) => format!("{link_type} ({n})"),
        None => link_type.to_string(),
    }
}

/// Whether `link_type` is one the tool can process.
pub fn is_supported(link_type: u32) -> bool {
    SUPPORTED_LINK_TYPES.contains(&link_type)
}

/// How the family indicator of a frame is written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FamilyField {
    /// Raw IP: the version nibble says it all.
    None,
    /// Raw IP restricted to one family (228/229).
    Only(Family),
    /// A big-endian EtherType at this offset.
    EtherType(usize),
    /// BSD NULL: a 4-byte AF at offset 0 in this byte order.
    Af { big_endian: bool },
}

/// Where the datagram sits in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Offset of the IP header in the frame.
    pub offset: usize,
    /// Length of the IP datagram (from its own length field, bounded by the frame).
    pub len: usize,
    /// IP version.
    pub family: Family,
    field: FamilyField,
}

/// Why a new datagram cannot be put in the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramingError {
    /// The link type carries only the other IP version (228/229).
    WrongFamily,
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongFamily => f.write_str("link type cannot carry this IP version"),
        }
    }
}

impl std::error::Error for FramingError {}

fn ethertype_family(t: u16) -> Option<Family> {
    match t {
        ethertype::IPV4 => Some(Family::V4),
        ethertype::IPV6 => Some(Family::V6),
        _ => None,
    }
}

fn version_family(b: &[u8]) -> Option<Family> {
    match ipsec_engine::wire::ip_version(b)? {
        4 => Some(Family::V4),
        6 => Some(Family::V6),
        _ => None,
    }
}

/// Length of the IP datagram at the start of `ip`, from its length field,
/// limited to the bytes present. `None` if the header is not even complete.
pub fn datagram_len(ip: &[u8], family: Family) -> Option<usize> {
    match family {
        Family::V4 => {
            let ihl = Ipv4Packet::new_unchecked(ip).header_len();
            let total = usize::from(read16(ip, ipv4::field::LENGTH)?);
            if ihl < ipv4::HEADER_LEN || ip.len() < ihl {
                return None;
            }
            Some(total.clamp(ihl, ip.len()))
        }
        Family::V6 => {
            if ip.len() < IPV6_HEADER_LEN {
                return None;
            }
            let payload = usize::from(read16(ip, ipv6::field::LENGTH)?);
            // Payload length 0 (jumbogram or unknown): the whole rest.
            if payload == 0 {
                return Some(ip.len());
            }
            Some((IPV6_HEADER_LEN + payload).min(ip.len()))
        }
    }
}

/// Find the IP datagram in a frame of `link_type`. `None` when the frame
/// carries no (complete-header) IPv4/IPv6 datagram.
pub fn locate(link_type: u32, frame: &[u8]) -> Option<Located> {
    let (offset, family, field) = match link_type {
        12 | 14 | 101 => (0, version_family(frame)?, FamilyField::None),
        228 => (
            0,
            version_family(frame).filter(|f| *f == Family::V4)?,
            FamilyField::Only(Family::V4),
        ),
        229 => (
            0,
            version_family(frame).filter(|f| *f == Family::V6)?,
            FamilyField::Only(Family::V6),
        ),
        1 => {
            let (at, t) = EthernetFrame::new_unchecked(frame)
                .payload_type(usize::MAX, ethertype::is_vlan_tag)
                .ok()?;
            (at, ethertype_family(t)?, FamilyField::EtherType(at - 2))
        }
        113 => (
            16,
            ethertype_family(be16(frame, 14)?)?,
            FamilyField::EtherType(14),
        ),
        276 => (
            20,
            ethertype_family(be16(frame, 0)?)?,
            FamilyField::EtherType(0),
        ),
        0 | 108 => {
            let b: [u8; 4] = frame.get(..4)?.try_into().ok()?;
            let (v, big_endian) = if link_type == 108 {
                (be32(frame, 0)?, true)
            } else {
                let le = u32::from_le_bytes(b);
                if le <= 0xffff {
                    (le, false)
                } else {
                    (be32(frame, 0)?, true)
                }
            };
            let family = match v {
                2 => Family::V4,
                10 | 24 | 28 | 30 => Family::V6,
                _ => return None,
            };
            (4, family, FamilyField::Af { big_endian })
        }
        _ => return None,
    };
    let ip = frame.get(offset..)?;
    // The version nibble must agree with the link-layer indicator.
    if version_family(ip)? != family {
        return None;
    }
    let len = datagram_len(ip, family)?;
    Some(Located {
        offset,
        len,
        family,
        field,
    })
}

impl Located {
    /// The datagram bytes in `frame`.
    pub fn datagram<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        frame
            .get(self.offset..self.offset + self.len)
            .unwrap_or(&[])
    }

    /// Rebuild the frame: the original link header (with the family indicator
    /// fixed up) followed by `new_ip`; bytes after the old datagram are dropped.
    pub fn rebuild(&self, frame: &[u8], new_ip: &[u8]) -> Result<Vec<u8>, FramingError> {
        let family = version_family(new_ip).ok_or(FramingError::WrongFamily)?;
        let mut out = Vec::with_capacity(self.offset + new_ip.len());
        out.extend_from_slice(frame.get(..self.offset).unwrap_or(&[]));
        match self.field {
            FamilyField::None => {}
            FamilyField::Only(f) => {
                if f != family {
                    return Err(FramingError::WrongFamily);
                }
            }
            FamilyField::EtherType(at) => {
                let t = match family {
                    Family::V4 => ethertype::IPV4,
                    Family::V6 => ethertype::IPV6,
                };
                put16(&mut out, at, t);
            }
            FamilyField::Af { big_endian } => {
                if family != self.family {
                    // AF_INET 2; AF_INET6 24 (the BSD value every reader accepts).
                    let af: u32 = if family == Family::V4 { 2 } else { 24 };
                    let b = if big_endian {
                        af.to_be_bytes()
                    } else {
                        af.to_le_bytes()
                    };
                    if let Some(s) = out.get_mut(..4) {
                        s.copy_from_slice(&b);
                    }
                }
            }
        }
        out.extend_from_slice(new_ip);
        Ok(out)
    }
}
