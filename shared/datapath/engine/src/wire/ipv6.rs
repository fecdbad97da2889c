//! IPv6 fixed headers (RFC 8200 §3). Extension headers are in [`super::ipv6ext`].

use super::field::{self as f, Field};
use crate::error::PacketError;

/// Field ranges of the IPv6 fixed header.
pub mod field {
    use super::Field;
    /// Version (4 bits), traffic class (8 bits), flow label (20 bits).
    pub const VER_TC_FLOW: Field = 0..4;
    /// Payload length (everything after the fixed header).
    pub const LENGTH: Field = 4..6;
    /// Next header.
    pub const NXT_HDR: usize = 6;
    /// Hop limit.
    pub const HOP_LIMIT: usize = 7;
    /// Source address.
    pub const SRC_ADDR: Field = 8..24;
    /// Destination address.
    pub const DST_ADDR: Field = 24..40;
}

/// IPv6 fixed header length.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// IPv6 fixed header view.
#[derive(Debug, Clone)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps without checking; accessors of fields outside the buffer read zero.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps after checking version and payload length against the buffer.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let p = Self::new_unchecked(buffer);
        p.check_header()?;
        super::need(p.buffer.as_ref(), HEADER_LEN + usize::from(p.payload_len()))?;
        Ok(p)
    }

    /// Checks the version is 6 and the fixed header fits; the payload length is not looked at.
    pub fn check_header(&self) -> Result<(), PacketError> {
        let first = f::byte(self.buffer.as_ref(), 0).ok_or(PacketError::Truncated)?;
        if first >> 4 != 6 {
            return Err(PacketError::Malformed);
        }
        super::need(self.buffer.as_ref(), HEADER_LEN)?;
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn word0(&self) -> u32 {
        f::read32(self.buffer.as_ref(), field::VER_TC_FLOW).unwrap_or(0)
    }

    /// Version nibble.
    pub fn version(&self) -> u8 {
        (self.word0() >> 28) as u8
    }
    /// Traffic class (DSCP and ECN).
    pub fn traffic_class(&self) -> u8 {
        (self.word0() >> 20) as u8
    }
    /// Flow label.
    pub fn flow_label(&self) -> u32 {
        self.word0() & 0x000f_ffff
    }
    /// Payload length field.
    pub fn payload_len(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::LENGTH).unwrap_or(0)
    }
    /// Next header field.
    pub fn next_header(&self) -> u8 {
        f::byte(self.buffer.as_ref(), field::NXT_HDR).unwrap_or(0)
    }
    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        f::byte(self.buffer.as_ref(), field::HOP_LIMIT).unwrap_or(0)
    }
    /// Source address.
    pub fn src_addr(&self) -> [u8; 16] {
        f::bytes(self.buffer.as_ref(), field::SRC_ADDR).unwrap_or_default()
    }
    /// Destination address.
    pub fn dst_addr(&self) -> [u8; 16] {
        f::bytes(self.buffer.as_ref(), field::DST_ADDR).unwrap_or_default()
    }
    /// Bytes after the fixed header up to the payload length.
    pub fn payload(&self) -> &[u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        self.buffer.as_ref().get(HEADER_LEN..end).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Sets version 6, the traffic class and the flow label.
    pub fn set_ver_tc_flow(&mut self, traffic_class: u8, flow_label: u32) {
        let w = (6 << 28) | (u32::from(traffic_class) << 20) | (flow_label & 0x000f_ffff);
        f::write32(self.buffer.as_mut(), field::VER_TC_FLOW, w);
    }
    /// Set the payload length.
    pub fn set_payload_len(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::LENGTH, v);
    }
    /// Set next header.
    pub fn set_next_header(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::NXT_HDR, v);
    }
    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::HOP_LIMIT, v);
    }
    /// Sets the source address.
    pub fn set_src_addr(&mut self, v: [u8; 16]) {
        f::write(self.buffer.as_mut(), field::SRC_ADDR, &v);
    }
    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, v: [u8; 16]) {
        f::write(self.buffer.as_mut(), field::DST_ADDR, &v);
    }
}

/// The fields of an IPv6 fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Repr {
    /// Source address.
    pub src: [u8; 16],
    /// Destination address.
    pub dst: [u8; 16],
    /// Next header.
    pub next_header: u8,
    /// Payload length (everything after the fixed header).
    pub payload_len: usize,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
}

impl Ipv6Repr {
    /// Reads a fixed header whose version and length [`Ipv6Packet::check_header`] accepts.
    pub fn parse<T: AsRef<[u8]>>(p: &Ipv6Packet<T>) -> Result<Self, PacketError> {
        p.check_header()?;
        Ok(Self {
            src: p.src_addr(),
            dst: p.dst_addr(),
            next_header: p.next_header(),
            payload_len: usize::from(p.payload_len()),
            hop_limit: p.hop_limit(),
            traffic_class: p.traffic_class(),
            flow_label: p.flow_label(),
        })
    }

    /// Writes the 40-byte fixed header; [`PacketError::BadLength`] if the payload length does
    /// not fit in 16 bits, [`PacketError::Truncated`] if the buffer is shorter than the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut Ipv6Packet<T>,
    ) -> Result<(), PacketError> {
        let len = u16::try_from(self.payload_len).map_err(|_| PacketError::BadLength)?;
        super::need(p.buffer.as_ref(), HEADER_LEN)?;
        p.set_ver_tc_flow(self.traffic_class, self.flow_label);
        p.set_payload_len(len);
        p.set_next_header(self.next_header);
        p.set_hop_limit(self.hop_limit);
        p.set_src_addr(self.src);
        p.set_dst_addr(self.dst);
        Ok(())
    }
}
