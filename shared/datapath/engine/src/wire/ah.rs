//! AH headers (RFC 4302 §2): next header, length in 32-bit words minus two, SPI, sequence
//! number, then the ICV field (with AES-GMAC, an 8-byte IV in front of the ICV).

use super::field::{self as f, Field};
use super::ipv6ext;
use super::proto;
use crate::error::PacketError;

/// Field ranges of the AH header.
pub mod field {
    use super::Field;
    /// Next header.
    pub const NXT_HDR: usize = 0;
    /// Payload length: the header length in 32-bit words, minus 2.
    pub const LENGTH: usize = 1;
    /// Reserved.
    pub const RESERVED: Field = 2..4;
    /// Security parameters index.
    pub const SPI: Field = 4..8;
    /// Low 32 bits of the sequence number.
    pub const SEQ: Field = 8..12;
    /// First byte of the ICV field.
    pub const ICV: usize = 12;
}

/// AH fixed header length (before the ICV field).
pub const FIXED_LEN: usize = field::ICV;

/// AH header view.
#[derive(Debug, Clone)]
pub struct AhPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> AhPacket<T> {
    /// Wraps without checking; accessors of fields outside the buffer read zero.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }
    /// Wrap after checking the header and its declared length fit.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let b = buffer.as_ref();
        super::need(b, FIXED_LEN)?;
        let p = Self { buffer };
        let len = p.header_len();
        if len < FIXED_LEN {
            return Err(PacketError::BadLength);
        }
        if len > p.buffer.as_ref().len() {
            return Err(PacketError::Truncated);
        }
        Ok(p)
    }
    /// Next header.
    pub fn next_header(&self) -> u8 {
        f::byte(self.buffer.as_ref(), field::NXT_HDR).unwrap_or(0)
    }
    /// Total AH length in bytes ((payload length + 2) × 4).
    pub fn header_len(&self) -> usize {
        let l = f::byte(self.buffer.as_ref(), field::LENGTH).unwrap_or(0);
        ipv6ext::header_len(proto::AH, l).unwrap_or(0)
    }
    /// SPI.
    pub fn spi(&self) -> u32 {
        f::read32(self.buffer.as_ref(), field::SPI).unwrap_or(0)
    }
    /// Low 32 bits of the sequence number.
    pub fn seq(&self) -> u32 {
        f::read32(self.buffer.as_ref(), field::SEQ).unwrap_or(0)
    }
    /// ICV field (including any GMAC IV and alignment padding).
    pub fn icv_field(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::ICV..self.header_len())
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> AhPacket<T> {
    /// Set next header.
    pub fn set_next_header(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::NXT_HDR, v);
    }
    /// Set the payload length field from a total AH length in bytes
    /// (must be a multiple of 4, at least 12).
    pub fn set_header_len(&mut self, total: usize) -> Result<(), PacketError> {
        if !total.is_multiple_of(4) || total < FIXED_LEN {
            return Err(PacketError::BadLength);
        }
        let v = u8::try_from(total / 4 - 2).map_err(|_| PacketError::BadLength)?;
        f::set_byte(self.buffer.as_mut(), field::LENGTH, v);
        Ok(())
    }
    /// Set the SPI.
    pub fn set_spi(&mut self, v: u32) {
        f::write32(self.buffer.as_mut(), field::SPI, v);
    }
    /// Set the sequence number.
    pub fn set_seq(&mut self, v: u32) {
        f::write32(self.buffer.as_mut(), field::SEQ, v);
    }
}

/// The fields of an AH header in front of its ICV field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AhRepr {
    /// Next header.
    pub next_header: u8,
    /// Total AH length in bytes, ICV field included (a multiple of 4, at least 12).
    pub header_len: usize,
    /// SPI.
    pub spi: u32,
    /// Low 32 bits of the sequence number.
    pub seq: u32,
}

impl AhRepr {
    /// Reads a header [`AhPacket::new_checked`] accepted.
    pub fn parse<T: AsRef<[u8]>>(p: &AhPacket<T>) -> Result<Self, PacketError> {
        super::need(p.buffer.as_ref(), FIXED_LEN)?;
        Ok(Self {
            next_header: p.next_header(),
            header_len: p.header_len(),
            spi: p.spi(),
            seq: p.seq(),
        })
    }
    /// Writes the fixed part (reserved bytes zero); the ICV field is left as it is.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut AhPacket<T>,
    ) -> Result<(), PacketError> {
        super::need(p.buffer.as_ref(), FIXED_LEN)?;
        p.set_next_header(self.next_header);
        p.set_header_len(self.header_len)?;
        f::write16(p.buffer.as_mut(), field::RESERVED, 0);
        p.set_spi(self.spi);
        p.set_seq(self.seq);
        Ok(())
    }
}
