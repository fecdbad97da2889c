//! UDP headers (RFC 768) and the UDP encapsulation of ESP (RFC 3948).

use super::checksum;
use super::field::{self as f, Field};
use super::{ipv6, proto};
use crate::error::PacketError;

/// Field ranges of the UDP header.
pub mod field {
    use super::Field;
    /// Source port.
    pub const SRC_PORT: Field = 0..2;
    /// Destination port.
    pub const DST_PORT: Field = 2..4;
    /// Length of header and payload.
    pub const LENGTH: Field = 4..6;
    /// Checksum.
    pub const CHECKSUM: Field = 6..8;
}

/// UDP header length.
pub const HEADER_LEN: usize = field::CHECKSUM.end;

/// UDP port for NAT-traversal encapsulation (RFC 3948).
pub const NAT_T_PORT: u16 = 4500;

/// UDP header view.
#[derive(Debug, Clone)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps without checking; accessors of fields outside the buffer read zero.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wrap after checking the header fits and the length field is sane.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let b = buffer.as_ref();
        super::need(b, HEADER_LEN)?;
        let len = usize::from(f::read16(b, field::LENGTH).unwrap_or(0));
        if len < HEADER_LEN || len > b.len() {
            return Err(PacketError::BadLength);
        }
        Ok(Self { buffer })
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::SRC_PORT).unwrap_or(0)
    }
    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::DST_PORT).unwrap_or(0)
    }
    /// Length field.
    pub fn len(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::LENGTH).unwrap_or(0)
    }
    /// Whether the length field says the datagram is header-only.
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }
    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::CHECKSUM).unwrap_or(0)
    }
    /// Payload per the length field.
    pub fn payload(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(HEADER_LEN..usize::from(self.len()))
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::SRC_PORT, v);
    }
    /// Sets the destination port.
    pub fn set_dst_port(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::DST_PORT, v);
    }
    /// Set the length field.
    pub fn set_len(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::LENGTH, v);
    }
    /// Set the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::CHECKSUM, v);
    }
}

/// The fields of a UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload length (the length field minus the header).
    pub payload_len: usize,
    /// Checksum field.
    pub checksum: u16,
}

impl UdpRepr {
    /// Reads a header [`UdpPacket::new_checked`] accepted.
    pub fn parse<T: AsRef<[u8]>>(p: &UdpPacket<T>) -> Result<Self, PacketError> {
        let payload_len = usize::from(p.len())
            .checked_sub(HEADER_LEN)
            .ok_or(PacketError::BadLength)?;
        Ok(Self {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            payload_len,
            checksum: p.checksum(),
        })
    }

    /// Writes the 8-byte header; [`PacketError::BadLength`] if the length does not fit in 16
    /// bits, [`PacketError::Truncated`] if the buffer is shorter than the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut UdpPacket<T>,
    ) -> Result<(), PacketError> {
        let len =
            u16::try_from(HEADER_LEN + self.payload_len).map_err(|_| PacketError::BadLength)?;
        super::need(p.buffer.as_ref(), HEADER_LEN)?;
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_len(len);
        p.set_checksum(self.checksum);
        Ok(())
    }
}

/// The IPv6 pseudo-header sum (RFC 8200 §8.1) of the UDP segment of `seg_len` bytes in the
/// IPv6 packet `packet`.
fn v6_pseudo(packet: &[u8], seg_len: u32) -> Result<u32, PacketError> {
    let ip = ipv6::field::SRC_ADDR.start..ipv6::field::DST_ADDR.end;
    let addrs = packet.get(ip).ok_or(PacketError::Truncated)?;
    let mut s = checksum::accumulate(addrs, 0);
    s = checksum::accumulate(&seg_len.to_be_bytes(), s);
    Ok(checksum::accumulate(&[0, 0, 0, proto::UDP], s))
}

/// Fix the UDP header of a UDP-encapsulated ESP packet after sealing
/// (RFC 3948 §3.1): the length field is set from the datagram end, and the
/// checksum is set to zero for IPv4 (RFC 3948 §3.1.1: "SHOULD be zero")
/// or computed over the pseudo-header for IPv6, where a zero UDP checksum
/// is not allowed (RFC 8200 §8.1).
pub fn fix_udp_encap(packet: &mut [u8], udp_offset: usize, end: usize) -> Result<(), PacketError> {
    let first = *packet.first().ok_or(PacketError::Truncated)?;
    let udp_len = end.checked_sub(udp_offset).ok_or(PacketError::BadLength)?;
    let len16 = u16::try_from(udp_len).map_err(|_| PacketError::BadLength)?;
    if udp_len < HEADER_LEN || packet.len() < end {
        return Err(PacketError::Truncated);
    }
    let pseudo = match first >> 4 {
        4 => None,
        6 => Some(v6_pseudo(packet, u32::from(len16))?),
        _ => return Err(PacketError::Malformed),
    };
    let seg = packet
        .get_mut(udp_offset..end)
        .ok_or(PacketError::Truncated)?;
    let mut udp = UdpPacket::new_unchecked(&mut *seg);
    udp.set_len(len16);
    udp.set_checksum(0);
    if let Some(pseudo) = pseudo {
        let mut c = !checksum::fold(checksum::accumulate(seg, pseudo));
        if c == 0 {
            c = 0xffff;
        }
        UdpPacket::new_unchecked(seg).set_checksum(c);
    }
    Ok(())
}

/// Verify an IPv6 UDP checksum (helper for tests and the receive path).
pub fn udp6_checksum_ok(packet: &[u8], udp_offset: usize, end: usize) -> bool {
    let Some(seg) = packet.get(udp_offset..end) else {
        return false;
    };
    let Ok(pseudo) = v6_pseudo(packet, seg.len() as u32) else {
        return false;
    };
    checksum::fold(checksum::accumulate(seg, pseudo)) == 0xffff
}
