//! ESP headers (RFC 4303 §2): SPI and sequence number in the clear; IV, payload, padding and
//! the trailer are the engine's business ([`crate::esp`]).

use super::field::{self as f, Field};
use crate::error::PacketError;

/// Field ranges of the ESP header.
pub mod field {
    use super::Field;
    /// Security parameters index.
    pub const SPI: Field = 0..4;
    /// Low 32 bits of the sequence number.
    pub const SEQ: Field = 4..8;
    /// First byte of the IV (or of the payload without IV).
    pub const PAYLOAD: usize = 8;
}

/// ESP header length (SPI and sequence number).
pub const HEADER_LEN: usize = field::PAYLOAD;

/// ESP header view (SPI and sequence number).
#[derive(Debug, Clone)]
pub struct EspPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EspPacket<T> {
    /// Wraps without checking; accessors of fields outside the buffer read zero.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }
    /// Wrap after checking the 8-byte header fits.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        super::need(buffer.as_ref(), HEADER_LEN)?;
        Ok(Self { buffer })
    }
    /// SPI.
    pub fn spi(&self) -> u32 {
        f::read32(self.buffer.as_ref(), field::SPI).unwrap_or(0)
    }
    /// Low 32 bits of the sequence number.
    pub fn seq(&self) -> u32 {
        f::read32(self.buffer.as_ref(), field::SEQ).unwrap_or(0)
    }
    /// Everything after the header (IV, payload, trailer, ICV).
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(field::PAYLOAD..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EspPacket<T> {
    /// Set the SPI.
    pub fn set_spi(&mut self, v: u32) {
        f::write32(self.buffer.as_mut(), field::SPI, v);
    }
    /// Set the sequence number.
    pub fn set_seq(&mut self, v: u32) {
        f::write32(self.buffer.as_mut(), field::SEQ, v);
    }
}

/// The clear fields of an ESP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspRepr {
    /// SPI.
    pub spi: u32,
    /// Low 32 bits of the sequence number.
    pub seq: u32,
}

impl EspRepr {
    /// Reads the header.
    pub fn parse<T: AsRef<[u8]>>(p: &EspPacket<T>) -> Result<Self, PacketError> {
        super::need(p.buffer.as_ref(), HEADER_LEN)?;
        Ok(Self {
            spi: p.spi(),
            seq: p.seq(),
        })
    }
    /// Writes the header; [`PacketError::Truncated`] if the buffer is shorter.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut EspPacket<T>,
    ) -> Result<(), PacketError> {
        super::need(p.buffer.as_ref(), HEADER_LEN)?;
        p.set_spi(self.spi);
        p.set_seq(self.seq);
        Ok(())
    }
    /// The header as bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        let mut p = EspPacket::new_unchecked(&mut b[..]);
        p.set_spi(self.spi);
        p.set_seq(self.seq);
        b
    }
}
