//! Big-endian (network byte order) field access: the one place in the tree that turns wire bytes
//! into integers and back. Every function is bounds-checked and returns `None` (reads) or
//! `false` (writes) when the field is not inside the buffer; none panics or allocates.
//!
//! Each protocol file names its fields as byte ranges (`mod field { pub const LENGTH: Field =
//! 2..4; … }`, as smoltcp's `wire` does); [`read16`] and friends take such a range, [`be16`] and
//! friends an offset for callers that compute positions at run time.

use core::ops::Range;

/// A field: the byte range it occupies, relative to the start of its header.
pub type Field = Range<usize>;

fn array<const N: usize>(b: &[u8], f: Field) -> Option<[u8; N]> {
    b.get(f)?.try_into().ok()
}

/// The two-byte big-endian field `f` of `b` (`None` if `f` is not two bytes inside `b`).
pub fn read16(b: &[u8], f: Field) -> Option<u16> {
    array(b, f).map(u16::from_be_bytes)
}

/// The four-byte big-endian field `f` of `b` (`None` if `f` is not four bytes inside `b`).
pub fn read32(b: &[u8], f: Field) -> Option<u32> {
    array(b, f).map(u32::from_be_bytes)
}

/// The address field `f` of `b` as bytes (`None` if `f` is not `N` bytes inside `b`).
pub fn bytes<const N: usize>(b: &[u8], f: Field) -> Option<[u8; N]> {
    array(b, f)
}

/// The byte at `at`.
pub fn byte(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

/// A big-endian `u16` at offset `at`.
pub fn be16(b: &[u8], at: usize) -> Option<u16> {
    read16(b, at..at.checked_add(2)?)
}

/// A big-endian `u32` at offset `at`.
pub fn be32(b: &[u8], at: usize) -> Option<u32> {
    read32(b, at..at.checked_add(4)?)
}

/// Writes `v` over the field `f` of `b`; `false` (nothing written) if `f` is not `v.len()`
/// bytes inside `b`.
pub fn write(b: &mut [u8], f: Field, v: &[u8]) -> bool {
    match b.get_mut(f) {
        Some(d) if d.len() == v.len() => {
            d.copy_from_slice(v);
            true
        }
        _ => false,
    }
}

/// Writes `v` big-endian over the two-byte field `f`.
pub fn write16(b: &mut [u8], f: Field, v: u16) -> bool {
    write(b, f, &v.to_be_bytes())
}

/// Writes `v` big-endian over the four-byte field `f`.
pub fn write32(b: &mut [u8], f: Field, v: u32) -> bool {
    write(b, f, &v.to_be_bytes())
}

/// Writes the byte `v` at `at`.
pub fn set_byte(b: &mut [u8], at: usize, v: u8) -> bool {
    match b.get_mut(at) {
        Some(d) => {
            *d = v;
            true
        }
        None => false,
    }
}

/// Writes `v` big-endian at offset `at`.
pub fn put16(b: &mut [u8], at: usize, v: u16) -> bool {
    at.checked_add(2).is_some_and(|end| write16(b, at..end, v))
}

/// Writes `v` big-endian at offset `at`.
pub fn put32(b: &mut [u8], at: usize, v: u32) -> bool {
    at.checked_add(4).is_some_and(|end| write32(b, at..end, v))
}
