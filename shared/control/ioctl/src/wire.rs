//! Fixed-layout little-endian messages: the header, bounds-checked readers over the input, array
//! regions named by (offset, count) with their checks, and a bounded writer for responses.
//!
//! Every request is `RequestHeader` (8 bytes) then its fixed body, then the arrays its body points
//! at. Offsets are from the start of the message; an array must lie after the fixed part, inside
//! the message, 4-byte aligned, and must not overlap another array of the same message.

use crate::error::{Fault, Field};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u16 = 1;
/// The oldest version this crate accepts.
pub const MIN_PROTOCOL_VERSION: u16 = 1;
/// Bytes of [`RequestHeader`].
pub const REQUEST_HEADER_LEN: usize = 8;
/// Bytes of the response header: version, reserved, length, status, index.
pub const RESPONSE_HEADER_LEN: usize = 16;
/// Most elements any array of a request may have.
pub const MAX_ARRAY: u32 = 4096;
/// Bytes of one selector record.
pub const SELECTOR_LEN: usize = 84;
/// Bytes of one SA record.
pub const SA_LEN: usize = 84;
/// Bytes of one policy record of a batch create.
pub const POLICY_RECORD_LEN: usize = 16;
/// Bytes of one event-limit record.
pub const EVENT_LIMIT_LEN: usize = 12;
/// Bytes of one event record.
pub const EVENT_LEN: usize = 64;
/// Bytes of one packet 5-tuple record.
pub const PACKET_LEN: usize = 40;

/// A message's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHeader {
    /// Protocol version ([`PROTOCOL_VERSION`]).
    pub version: u16,
    /// Total length of the message, header included: must equal the input length.
    pub length: u32,
}

/// Little-endian reads at fixed positions of a byte slice, every one bounds-checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Over `bytes`.
    #[must_use]
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The bytes.
    #[must_use]
    pub const fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// `n` bytes at `at`.
    pub fn slice(&self, at: usize, n: usize) -> Result<&'a [u8], Fault> {
        let end = at.checked_add(n).ok_or(Fault::TooShort)?;
        self.bytes.get(at..end).ok_or(Fault::TooShort)
    }

    /// The byte at `at`.
    pub fn u8(&self, at: usize) -> Result<u8, Fault> {
        self.bytes.get(at).copied().ok_or(Fault::TooShort)
    }

    /// The little-endian u16 at `at`.
    pub fn u16(&self, at: usize) -> Result<u16, Fault> {
        let s = self.slice(at, 2)?;
        let mut b = [0u8; 2];
        b.copy_from_slice(s);
        Ok(u16::from_le_bytes(b))
    }

    /// The little-endian u32 at `at`.
    pub fn u32(&self, at: usize) -> Result<u32, Fault> {
        let s = self.slice(at, 4)?;
        let mut b = [0u8; 4];
        b.copy_from_slice(s);
        Ok(u32::from_le_bytes(b))
    }

    /// 16 bytes at `at`.
    pub fn bytes16(&self, at: usize) -> Result<[u8; 16], Fault> {
        let s = self.slice(at, 16)?;
        let mut b = [0u8; 16];
        b.copy_from_slice(s);
        Ok(b)
    }

    /// A reserved field that must be zero.
    pub fn reserved(&self, at: usize, n: usize, field: Field) -> Result<(), Fault> {
        if self.slice(at, n)?.iter().all(|&b| b == 0) {
            Ok(())
        } else {
            Err(Fault::ReservedNotZero(field))
        }
    }
}

/// Reads and checks the header: version, reserved bits, length equal to the input's.
pub fn read_header(input: &[u8]) -> Result<RequestHeader, Fault> {
    let r = Reader::new(input);
    if input.len() < REQUEST_HEADER_LEN {
        return Err(Fault::TooShort);
    }
    let version = r.u16(0)?;
    r.reserved(2, 2, Field::Header)?;
    let length = r.u32(4)?;
    if usize::try_from(length).ok() != Some(input.len()) {
        return Err(Fault::LengthMismatch);
    }
    if !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&version) {
        return Err(Fault::Version(version));
    }
    Ok(RequestHeader { version, length })
}

/// An array of fixed-size records at a checked place of the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Offset from the start of the message.
    pub offset: usize,
    /// Elements.
    pub count: usize,
    /// Bytes per element.
    pub stride: usize,
}

impl Region {
    /// The empty region.
    pub const EMPTY: Self = Self {
        offset: 0,
        count: 0,
        stride: 0,
    };

    /// Bytes covered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count.saturating_mul(self.stride)
    }

    /// True when it has no element.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn overlaps(&self, other: &Self) -> bool {
        !self.is_empty()
            && !other.is_empty()
            && self.offset < other.offset.saturating_add(other.len())
            && other.offset < self.offset.saturating_add(self.len())
    }
}

/// Checks one region: count within [`MAX_ARRAY`] (and `max`), an empty one must have offset 0,
/// else aligned, after the fixed part, inside the message.
pub fn region(
    msg_len: usize,
    fixed_end: usize,
    offset: u32,
    count: u32,
    stride: usize,
    max: u32,
    field: Field,
) -> Result<Region, Fault> {
    if count > MAX_ARRAY.min(max) {
        return Err(Fault::CountTooLarge(field));
    }
    let offset = usize::try_from(offset).map_err(|_| Fault::OffsetOutOfBounds(field))?;
    let count = usize::try_from(count).map_err(|_| Fault::CountTooLarge(field))?;
    if count == 0 {
        return if offset == 0 {
            Ok(Region::EMPTY)
        } else {
            Err(Fault::OffsetOutOfBounds(field))
        };
    }
    if !offset.is_multiple_of(4) {
        return Err(Fault::Misaligned(field));
    }
    let r = Region {
        offset,
        count,
        stride,
    };
    let end = offset
        .checked_add(r.len())
        .ok_or(Fault::OffsetOutOfBounds(field))?;
    if offset < fixed_end || end > msg_len {
        return Err(Fault::OffsetOutOfBounds(field));
    }
    Ok(r)
}

/// Checks that no two of `regions` overlap.
pub fn disjoint(regions: &[Region]) -> Result<(), Fault> {
    for (i, a) in regions.iter().enumerate() {
        if regions.iter().skip(i + 1).any(|b| a.overlaps(b)) {
            return Err(Fault::Overlap);
        }
    }
    Ok(())
}

/// A bounded little-endian writer over the caller's output buffer: it never writes past it.
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// Over `out`.
    pub fn new(out: &'a mut [u8]) -> Self {
        Self { out, pos: 0 }
    }

    /// Bytes written so far.
    #[must_use]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Writes bytes; `Err(needed)` when they do not fit (nothing written then).
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), usize> {
        let end = self.pos.saturating_add(bytes.len());
        match self.out.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
                Ok(())
            }
            None => Err(end),
        }
    }

    /// A byte.
    pub fn u8(&mut self, v: u8) -> Result<(), usize> {
        self.put(&[v])
    }

    /// A little-endian u16.
    pub fn u16(&mut self, v: u16) -> Result<(), usize> {
        self.put(&v.to_le_bytes())
    }

    /// A little-endian u32.
    pub fn u32(&mut self, v: u32) -> Result<(), usize> {
        self.put(&v.to_le_bytes())
    }

    /// A little-endian u64.
    pub fn u64(&mut self, v: u64) -> Result<(), usize> {
        self.put(&v.to_le_bytes())
    }

    /// `n` zero bytes.
    pub fn zeros(&mut self, n: usize) -> Result<(), usize> {
        for _ in 0..n {
            self.u8(0)?;
        }
        Ok(())
    }

    /// Overwrites a u32 already written at `at`.
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(dst) = self.out.get_mut(at..at.saturating_add(4)) {
            dst.copy_from_slice(&v.to_le_bytes());
        }
    }
}
