//! Field readers shared by the families: enumerations, addresses, selectors, u32 arrays.

use ipsecov2_control_plane::{Direction, IpAddr, PortRange, Selector, SelectorAddr};

use crate::error::{Fault, Field};
use crate::wire::{Reader, Region, SELECTOR_LEN};

/// A checked array of little-endian u32 values (handles, IDs, priorities, interfaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U32s<'a> {
    bytes: &'a [u8],
}

impl<'a> U32s<'a> {
    pub(super) fn new(msg: &'a [u8], r: Region) -> Self {
        Self {
            bytes: msg.get(r.offset..r.offset + r.len()).unwrap_or(&[]),
        }
    }

    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len() / 4
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The values.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.bytes.chunks_exact(4).map(|c| {
            let mut b = [0u8; 4];
            b.copy_from_slice(c);
            u32::from_le_bytes(b)
        })
    }
}

pub(super) fn direction(v: u32) -> Result<Direction, Fault> {
    Direction::from_u32(v).ok_or(Fault::BadEnum(Field::Direction))
}

pub(super) fn boolean(v: u32) -> Result<bool, Fault> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Fault::BadEnum(Field::Boolean)),
    }
}

pub(super) fn ip(bytes: [u8; 16], version: u8) -> Result<IpAddr, Fault> {
    match version {
        4 => {
            if bytes.iter().skip(4).any(|&b| b != 0) {
                return Err(Fault::ReservedNotZero(Field::Selectors));
            }
            let [a, b, c, d, ..] = bytes;
            Ok(IpAddr::V4([a, b, c, d]))
        }
        6 => Ok(IpAddr::V6(bytes)),
        _ => Err(Fault::BadEnum(Field::IpVersion)),
    }
}

fn selector_addr(r: &Reader<'_>, at: usize, version: u8) -> Result<SelectorAddr, Fault> {
    let kind = r.u8(at)?;
    let len = r.u8(at + 1)?;
    r.reserved(at + 2, 2, Field::Selectors)?;
    let a = ip(r.bytes16(at + 4)?, version)?;
    let b = r.bytes16(at + 20)?;
    match kind {
        0 => {
            if b.iter().any(|&x| x != 0) {
                return Err(Fault::ReservedNotZero(Field::Selectors));
            }
            Ok(SelectorAddr::Prefix { addr: a, len })
        }
        1 => {
            if len != 0 {
                return Err(Fault::ReservedNotZero(Field::Selectors));
            }
            Ok(SelectorAddr::Range {
                start: a,
                end: ip(b, version)?,
            })
        }
        _ => Err(Fault::BadEnum(Field::AddrType)),
    }
}

/// Decodes one selector record (see docs/control-plane.md for the layout).
pub fn selector_at(msg: &[u8], at: usize) -> Result<Selector, Fault> {
    let r = Reader::new(msg);
    let rule_flags = r.u8(at)?;
    let ip_version = r.u8(at + 1)?;
    let protocol = r.u8(at + 2)?;
    r.reserved(at + 3, 1, Field::Selectors)?;
    if !matches!(ip_version, 4 | 6) {
        return Err(Fault::BadEnum(Field::IpVersion));
    }
    Ok(Selector {
        rule_flags,
        ip_version,
        protocol,
        src: selector_addr(&r, at + 4, ip_version)?,
        dst: selector_addr(&r, at + 40, ip_version)?,
        src_port: PortRange {
            start: r.u16(at + 76)?,
            end: r.u16(at + 78)?,
        },
        dst_port: PortRange {
            start: r.u16(at + 80)?,
            end: r.u16(at + 82)?,
        },
    })
}

/// A checked array of selector records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selectors<'a> {
    msg: &'a [u8],
    region: Region,
}

impl<'a> Selectors<'a> {
    pub(super) fn checked(msg: &'a [u8], region: Region) -> Result<Self, Fault> {
        for i in 0..region.count {
            selector_at(msg, region.offset + i * SELECTOR_LEN)?;
        }
        Ok(Self { msg, region })
    }

    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.region.count
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.count == 0
    }

    /// The selectors (all checked by the decoder).
    pub fn iter(&self) -> impl Iterator<Item = Selector> + 'a {
        let (msg, r) = (self.msg, self.region);
        (0..r.count).filter_map(move |i| selector_at(msg, r.offset + i * SELECTOR_LEN).ok())
    }
}
