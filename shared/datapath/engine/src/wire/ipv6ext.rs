//! IPv6 extension headers (RFC 8200 §4) and the walk along the header chain.
//!
//! Hop-by-Hop Options, Routing and Destination Options headers share one layout (next header,
//! length in 8-byte units not counting the first 8, data); the Fragment header is always 8 bytes.
//! AH sits in the chain like an extension header but counts its length in 4-byte units not
//! counting the first 8 (RFC 4302 §2.2); ESP ends the chain, since what follows it is encrypted.

use super::field::{self as f, Field};
use super::proto;
use crate::error::PacketError;

/// Field ranges of an extension header.
pub mod field {
    use super::Field;
    /// Next header.
    pub const NXT_HDR: usize = 0;
    /// Header extension length (unit depends on the header type, see [`super::header_len`]).
    pub const LENGTH: usize = 1;
    /// Routing header: routing type.
    pub const ROUTING_TYPE: usize = 2;
    /// Routing header: segments left.
    pub const SEGMENTS_LEFT: usize = 3;
    /// Fragment header: fragment offset (13 bits, 8-byte units), reserved bits and M flag.
    pub const FRAG_OFF_M: Field = 2..4;
    /// Fragment header: identification.
    pub const FRAG_IDENT: Field = 4..8;
    /// Options or routing data (everything after the first two bytes).
    pub const DATA: usize = 2;
}

/// Length of the Fragment header.
pub const FRAGMENT_LEN: usize = 8;

/// Whether `nh` is an IPv6 extension header [`HeaderChain::skip`] steps over: Hop-by-Hop,
/// Routing, Fragment or Destination Options, or AH.
#[must_use]
pub fn is_ext_header(nh: u8) -> bool {
    matches!(
        nh,
        proto::HOPOPTS | proto::ROUTING | proto::FRAGMENT | proto::DSTOPTS | proto::AH
    )
}

/// The total length in bytes of an extension header of type `nh` whose length byte is
/// `len_byte`; `None` if `nh` is not an extension header.
#[must_use]
pub fn header_len(nh: u8, len_byte: u8) -> Option<usize> {
    let l = usize::from(len_byte);
    match nh {
        proto::AH => Some((l + 2) * 4),
        proto::FRAGMENT => Some(FRAGMENT_LEN),
        proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS => Some((l + 1) * 8),
        _ => None,
    }
}

/// A view of one extension header of type `kind` (the next header value that named it).
#[derive(Debug, Clone)]
pub struct Ipv6ExtHeader<T: AsRef<[u8]>> {
    buffer: T,
    kind: u8,
}

impl<T: AsRef<[u8]>> Ipv6ExtHeader<T> {
    /// Wraps without checking; accessors of fields outside the buffer read zero.
    pub fn new_unchecked(buffer: T, kind: u8) -> Self {
        Self { buffer, kind }
    }

    /// Wraps after checking `kind` is an extension header and the whole header fits.
    pub fn new_checked(buffer: T, kind: u8) -> Result<Self, PacketError> {
        let b = buffer.as_ref();
        let len_byte = f::byte(b, field::LENGTH).ok_or(PacketError::Truncated)?;
        let len = header_len(kind, len_byte).ok_or(PacketError::Malformed)?;
        super::need(b, len)?;
        Ok(Self { buffer, kind })
    }

    /// The header type (the next header value that named it).
    pub fn kind(&self) -> u8 {
        self.kind
    }
    /// Next header.
    pub fn next_header(&self) -> u8 {
        f::byte(self.buffer.as_ref(), field::NXT_HDR).unwrap_or(0)
    }
    /// Total header length in bytes (0 if `kind` is not an extension header).
    pub fn header_len(&self) -> usize {
        let l = f::byte(self.buffer.as_ref(), field::LENGTH).unwrap_or(0);
        header_len(self.kind, l).unwrap_or(0)
    }
    /// The header bytes after the next header and length bytes.
    pub fn data(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::DATA..self.header_len())
            .unwrap_or(&[])
    }
    /// Routing header: routing type.
    pub fn routing_type(&self) -> u8 {
        f::byte(self.buffer.as_ref(), field::ROUTING_TYPE).unwrap_or(0)
    }
    /// Routing header: segments left.
    pub fn segments_left(&self) -> u8 {
        f::byte(self.buffer.as_ref(), field::SEGMENTS_LEFT).unwrap_or(0)
    }
    /// Fragment header: fragment offset in 8-byte units.
    pub fn frag_offset(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::FRAG_OFF_M).unwrap_or(0) >> 3
    }
    /// Fragment header: more fragments follow.
    pub fn more_frags(&self) -> bool {
        f::read16(self.buffer.as_ref(), field::FRAG_OFF_M).unwrap_or(0) & 1 != 0
    }
    /// Fragment header: identification.
    pub fn frag_ident(&self) -> u32 {
        f::read32(self.buffer.as_ref(), field::FRAG_IDENT).unwrap_or(0)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6ExtHeader<T> {
    /// Sets the next header.
    pub fn set_next_header(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::NXT_HDR, v);
    }
    /// Sets the length byte.
    pub fn set_len_byte(&mut self, v: u8) {
        f::set_byte(self.buffer.as_mut(), field::LENGTH, v);
    }
}

/// One extension header passed by [`HeaderChain::skip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeader {
    /// Its type (the next header value that named it).
    pub kind: u8,
    /// Offset of its first byte in the packet.
    pub offset: usize,
    /// Its length in bytes, from its length byte.
    pub len: usize,
    /// Its next header field.
    pub next_header: u8,
}

impl ExtHeader {
    /// Offset one past its last byte (saturating).
    pub fn end(&self) -> usize {
        self.offset.saturating_add(self.len)
    }
}

/// A position in a header chain: the next header value and the offset of the header it names.
///
/// The caller decides which headers to step over and what a cut-short or fragmented chain means:
///
/// ```
/// use ipsec_engine::wire::{ipv6ext::HeaderChain, proto};
///
/// // IPv6 with a Hop-by-Hop header (8 bytes) in front of ESP.
/// let mut p = [0u8; 56];
/// p[40] = proto::ESP;
/// let mut chain = HeaderChain::new(proto::HOPOPTS, 40);
/// while matches!(chain.next_header(), proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS) {
///     chain.skip(&p).unwrap();
/// }
/// assert_eq!((chain.next_header(), chain.offset()), (proto::ESP, 48));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderChain {
    next_header: u8,
    offset: usize,
}

impl HeaderChain {
    /// Starts at the header `next_header` names at `offset` (after the fixed IPv6 header:
    /// `Ipv6Packet::next_header()` and 40).
    pub fn new(next_header: u8, offset: usize) -> Self {
        Self {
            next_header,
            offset,
        }
    }
    /// The type of the header at [`Self::offset`].
    pub fn next_header(&self) -> u8 {
        self.next_header
    }
    /// Offset of the header [`Self::next_header`] names.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Steps over the extension header at the current position, reading only its next header
    /// and length bytes (the caller checks [`ExtHeader::end`] against the packet when the whole
    /// header must be present). [`PacketError::Truncated`] if those two bytes are missing,
    /// [`PacketError::Malformed`] if the current header is not an extension header (for example
    /// ESP or an upper-layer protocol). Every step advances by at least 8 bytes.
    pub fn skip(&mut self, packet: &[u8]) -> Result<ExtHeader, PacketError> {
        let next = f::byte(packet, self.offset).ok_or(PacketError::Truncated)?;
        let len_at = self.offset.checked_add(1).ok_or(PacketError::Truncated)?;
        let len_byte = f::byte(packet, len_at).ok_or(PacketError::Truncated)?;
        let len = header_len(self.next_header, len_byte).ok_or(PacketError::Malformed)?;
        let h = ExtHeader {
            kind: self.next_header,
            offset: self.offset,
            len,
            next_header: next,
        };
        self.next_header = next;
        self.offset = h.end();
        Ok(h)
    }

    /// [`Self::skip`], and [`PacketError::Truncated`] when the header runs past `packet` (the
    /// position is then past it too).
    pub fn skip_whole(&mut self, packet: &[u8]) -> Result<ExtHeader, PacketError> {
        let h = self.skip(packet)?;
        if h.end() > packet.len() {
            return Err(PacketError::Truncated);
        }
        Ok(h)
    }

    /// The fragment offset (8-byte units) of the Fragment header at the current position, read
    /// from its first four bytes; `None` if they are not in `packet`. Zero for the first
    /// fragment.
    pub fn frag_offset(&self, packet: &[u8]) -> Option<u16> {
        let rest = packet.get(self.offset..)?;
        f::read16(rest, field::FRAG_OFF_M).map(|v| v >> 3)
    }
}
