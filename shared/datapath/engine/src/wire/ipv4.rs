//! IPv4 headers (RFC 791).

use super::checksum;
use super::field::{self as f, Field};
use crate::error::PacketError;

/// Field ranges of the IPv4 header.
pub mod field {
    use super::Field;
    /// Version (high nibble) and IHL (low nibble, in 32-bit words).
    pub const VER_IHL: usize = 0;
    /// DSCP (high six bits) and ECN (low two bits).
    pub const DSCP_ECN: usize = 1;
    /// Total length of the datagram.
    pub const LENGTH: Field = 2..4;
    /// Identification.
    pub const IDENT: Field = 4..6;
    /// Flags (high three bits) and fragment offset (low 13 bits, in 8-byte units).
    pub const FLG_OFF: Field = 6..8;
    /// Time to live.
    pub const TTL: usize = 8;
    /// Protocol of the payload.
    pub const PROTOCOL: usize = 9;
    /// Header checksum.
    pub const CHECKSUM: Field = 10..12;
    /// Source address.
    pub const SRC_ADDR: Field = 12..16;
    /// Destination address.
    pub const DST_ADDR: Field = 16..20;
    /// First option byte (options run up to IHL × 4).
    pub const OPTIONS: usize = 20;
}

/// Length of the IPv4 header without options.
pub const HEADER_LEN: usize = field::OPTIONS;

/// "Don't fragment" flag in [`field::FLG_OFF`].
pub const FLAG_DF: u16 = 0x4000;
/// "More fragments" flag in [`field::FLG_OFF`].
pub const FLAG_MF: u16 = 0x2000;
/// Fragment offset bits of [`field::FLG_OFF`].
pub const FRAG_OFFSET_MASK: u16 = 0x1fff;

/// IPv4 header view.
#[derive(Debug, Clone)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps without checking; accessors of fields outside the buffer read zero.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps after checking version, IHL and total length against the buffer.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let p = Self::new_unchecked(buffer);
        p.check_header()?;
        let total = usize::from(p.total_len());
        if total < p.header_len() {
            return Err(PacketError::Malformed);
        }
        super::need(p.buffer.as_ref(), total)?;
        Ok(p)
    }

    /// Checks the version is 4 and the header (IHL ≥ 5, options included) fits in the buffer;
    /// the total length field is not looked at.
    pub fn check_header(&self) -> Result<(), PacketError> {
        let first = f::byte(self.buffer.as_ref(), field::VER_IHL).ok_or(PacketError::Truncated)?;
        if first >> 4 != 4 {
            return Err(PacketError::Malformed);
        }
        if self.header_len() < HEADER_LEN {
            return Err(PacketError::Malformed);
        }
        super::need(self.buffer.as_ref(), self.header_len())?;
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn byte(&self, at: usize) -> u8 {
        f::byte(self.buffer.as_ref(), at).unwrap_or(0)
    }

    /// Version nibble.
    pub fn version(&self) -> u8 {
        self.byte(field::VER_IHL) >> 4
    }
    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.byte(field::VER_IHL) & 0x0f) * 4
    }
    /// DSCP and ECN byte.
    pub fn dscp_ecn(&self) -> u8 {
        self.byte(field::DSCP_ECN)
    }
    /// Total length field.
    pub fn total_len(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::LENGTH).unwrap_or(0)
    }
    /// Identification.
    pub fn ident(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::IDENT).unwrap_or(0)
    }
    /// Flags and fragment offset field.
    pub fn flags_frag(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::FLG_OFF).unwrap_or(0)
    }
    /// Fragment offset in 8-byte units.
    pub fn frag_offset(&self) -> u16 {
        self.flags_frag() & FRAG_OFFSET_MASK
    }
    /// Whether this is a fragment (MF set or nonzero offset).
    pub fn is_fragment(&self) -> bool {
        self.flags_frag() & (FLAG_MF | FRAG_OFFSET_MASK) != 0
    }
    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.byte(field::TTL)
    }
    /// Protocol field.
    pub fn protocol(&self) -> u8 {
        self.byte(field::PROTOCOL)
    }
    /// Header checksum field.
    pub fn checksum(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::CHECKSUM).unwrap_or(0)
    }
    /// Whether the header checksum verifies.
    pub fn verify_checksum(&self) -> bool {
        let h = self.buffer.as_ref().get(..self.header_len()).unwrap_or(&[]);
        !h.is_empty() && checksum::fold(checksum::accumulate(h, 0)) == 0xffff
    }
    /// Source address.
    pub fn src_addr(&self) -> [u8; 4] {
        f::bytes(self.buffer.as_ref(), field::SRC_ADDR).unwrap_or_default()
    }
    /// Destination address.
    pub fn dst_addr(&self) -> [u8; 4] {
        f::bytes(self.buffer.as_ref(), field::DST_ADDR).unwrap_or_default()
    }
    /// Option bytes (between the fixed header and IHL).
    pub fn options(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::OPTIONS..self.header_len())
            .unwrap_or(&[])
    }
    /// Bytes after the header up to the total length.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        b.get(self.header_len()..usize::from(self.total_len()))
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Sets version 4 and the header length in bytes (a multiple of 4, 20..=60).
    pub fn set_header_len(&mut self, len: usize) {
        let ihl = u8::try_from(len / 4).unwrap_or(0) & 0x0f;
        f::set_byte(self.buffer.as_mut(), field::VER_IHL, 0x40 | ihl);
    }
    /// Sets the DSCP and ECN byte.
    pub fn set_dscp_ecn(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::DSCP_ECN, v);
    }
    /// Set total length.
    pub fn set_total_len(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::LENGTH, v);
    }
    /// Sets the identification.
    pub fn set_ident(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::IDENT, v);
    }
    /// Sets the flags and fragment offset field.
    pub fn set_flags_frag(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::FLG_OFF, v);
    }
    /// Sets the time to live.
    pub fn set_ttl(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::TTL, v);
    }
    /// Set protocol.
    pub fn set_protocol(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::PROTOCOL, v);
    }
    /// Sets the source address.
    pub fn set_src_addr(&mut self, v: [u8; 4]) {
        f::write(self.buffer.as_mut(), field::SRC_ADDR, &v);
    }
    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, v: [u8; 4]) {
        f::write(self.buffer.as_mut(), field::DST_ADDR, &v);
    }
    /// Sets the header checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::CHECKSUM, v);
    }
    /// Recompute the header checksum.
    pub fn fill_checksum(&mut self) {
        let hl = self.header_len();
        f::write16(self.buffer.as_mut(), field::CHECKSUM, 0);
        let sum = checksum::of(self.buffer.as_ref().get(..hl).unwrap_or(&[]));
        f::write16(self.buffer.as_mut(), field::CHECKSUM, sum);
    }
}

/// The fields of an IPv4 header without options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: [u8; 4],
    /// Destination address.
    pub dst: [u8; 4],
    /// Protocol of the payload.
    pub protocol: u8,
    /// Payload length (total length minus the header).
    pub payload_len: usize,
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub ident: u16,
    /// Flags and fragment offset.
    pub flags_frag: u16,
    /// DSCP and ECN.
    pub dscp_ecn: u8,
}

impl Ipv4Repr {
    /// Reads a checked header (options are skipped, not represented).
    pub fn parse<T: AsRef<[u8]>>(p: &Ipv4Packet<T>) -> Result<Self, PacketError> {
        p.check_header()?;
        let payload_len = usize::from(p.total_len())
            .checked_sub(p.header_len())
            .ok_or(PacketError::Malformed)?;
        Ok(Self {
            src: p.src_addr(),
            dst: p.dst_addr(),
            protocol: p.protocol(),
            payload_len,
            ttl: p.ttl(),
            ident: p.ident(),
            flags_frag: p.flags_frag(),
            dscp_ecn: p.dscp_ecn(),
        })
    }

    /// Writes a 20-byte header with its checksum; [`PacketError::BadLength`] if the total
    /// length does not fit in 16 bits, [`PacketError::Truncated`] if the buffer is shorter
    /// than the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut Ipv4Packet<T>,
    ) -> Result<(), PacketError> {
        let total =
            u16::try_from(HEADER_LEN + self.payload_len).map_err(|_| PacketError::BadLength)?;
        super::need(p.buffer.as_ref(), HEADER_LEN)?;
        p.set_header_len(HEADER_LEN);
        p.set_dscp_ecn(self.dscp_ecn);
        p.set_total_len(total);
        p.set_ident(self.ident);
        p.set_flags_frag(self.flags_frag);
        p.set_ttl(self.ttl);
        p.set_protocol(self.protocol);
        p.set_src_addr(self.src);
        p.set_dst_addr(self.dst);
        p.fill_checksum();
        Ok(())
    }
}
