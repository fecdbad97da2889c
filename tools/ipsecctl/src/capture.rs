//! A small, careful pcap/pcapng reader and pcap writer.
//!
//! Reading works on the whole file in memory and never trusts a length field:
//! every field is read through bounds-checked accessors, a length that points
//! past the end of the file is an error ([`CaptureError`]), nothing is
//! allocated from a claimed length before it is checked against the bytes
//! that exist. Supported:
//!
//! * pcap: both byte orders, microsecond (`a1b2c3d4`) and nanosecond
//!   (`a1b23c4d`) magic, version 2.x; captures with an FCS flag in the link
//!   type field are refused.
//! * pcapng: any number of sections (each with its own byte order), interface
//!   description blocks with `if_tsresol` and `if_tsoffset`, enhanced, simple
//!   and obsolete packet blocks; other blocks are skipped.
//!
//! Written: classic pcap, version 2.4. A pcap input keeps its byte order and
//! timestamp precision; a pcapng input becomes little-endian pcap with
//! microsecond timestamps when every interface uses a decimal resolution of
//! at most 10^-6 s, nanoseconds otherwise (finer resolutions are truncated to
//! nanoseconds). pcap holds one link type, so a pcapng file whose packets come
//! from interfaces of different link types is refused.

use std::fmt;
use std::io::{self, Write};

/// pcap magic, microsecond timestamps (as read in the file's own byte order).
pub const PCAP_MAGIC_US: u32 = 0xa1b2_c3d4;
/// pcap magic, nanosecond timestamps.
pub const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
/// pcapng Section Header Block type.
pub const PCAPNG_SHB: u32 = 0x0a0d_0d0a;
/// pcapng byte-order magic.
pub const PCAPNG_BOM: u32 = 0x1a2b_3c4d;
/// pcapng Interface Description Block.
pub const PCAPNG_IDB: u32 = 1;
/// pcapng obsolete Packet Block.
pub const PCAPNG_OPB: u32 = 2;
/// pcapng Simple Packet Block.
pub const PCAPNG_SPB: u32 = 3;
/// pcapng Enhanced Packet Block.
pub const PCAPNG_EPB: u32 = 6;

/// Why a capture file was refused. Offsets are byte offsets in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// The file is shorter than a header.
    TooShort,
    /// Neither pcap nor pcapng magic.
    UnknownMagic(u32),
    /// pcap major version other than 2.
    Version(u16, u16),
    /// The link-type field announces an FCS at the end of each frame.
    FcsPresent,
    /// A pcap record header is cut off.
    TruncatedRecordHeader {
        /// Record number (1-based).
        record: usize,
        /// Offset of the header.
        offset: usize,
    },
    /// A pcap record's data runs past the end of the file.
    TruncatedRecord {
        /// Record number (1-based).
        record: usize,
        /// Offset of the data.
        offset: usize,
        /// Bytes the header claims.
        claimed: u32,
        /// Bytes left in the file.
        available: usize,
    },
    /// The fractional part of a pcap timestamp is not below one second.
    BadTimestamp {
        /// Record number (1-based).
        record: usize,
    },
    /// A pcapng block header is cut off.
    TruncatedBlockHeader {
        /// Offset of the block.
        offset: usize,
    },
    /// A pcapng block length is below 12, not a multiple of 4, or past the end of the file.
    BadBlockLength {
        /// Offset of the block.
        offset: usize,
        /// The claimed total length.
        length: u32,
        /// Bytes left in the file from the block start.
        available: usize,
    },
    /// The trailing length of a pcapng block differs from the leading one.
    BlockLengthMismatch {
        /// Offset of the block.
        offset: usize,
    },
    /// The first pcapng block is not a Section Header Block.
    NoSectionHeader,
    /// A Section Header Block with an unknown byte-order magic or version.
    BadSectionHeader {
        /// Offset of the block.
        offset: usize,
    },
    /// A block's body is shorter than its fixed fields.
    BlockTooShort {
        /// Offset of the block.
        offset: usize,
        /// Block type.
        block_type: u32,
    },
    /// A packet's captured length does not fit in its block.
    PacketLength {
        /// Offset of the block.
        offset: usize,
    },
    /// A packet block names an interface that was not described in its section.
    UnknownInterface {
        /// Offset of the block.
        offset: usize,
        /// The interface id.
        interface: u32,
    },
    /// A malformed option list in an interface description.
    BadOption {
        /// Offset of the block.
        offset: usize,
    },
    /// An `if_tsresol` this reader cannot represent.
    BadResolution {
        /// Offset of the block.
        offset: usize,
        /// The option byte.
        value: u8,
    },
    /// A timestamp that does not fit (overflow after adding `if_tsoffset`).
    TimestampOverflow {
        /// Offset of the block.
        offset: usize,
    },
    /// Packets from interfaces of different link types (pcap holds one).
    MixedLinkTypes(u32, u32),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort => f.write_str("file too short for a pcap or pcapng header"),
            Self::UnknownMagic(m) => write!(f, "not a pcap or pcapng file (magic 0x{m:08x})"),
            Self::Version(a, b) => write!(f, "pcap version {a}.{b} is not supported (need 2.x)"),
            Self::FcsPresent => f.write_str("frames with a trailing FCS are not supported"),
            Self::TruncatedRecordHeader { record, offset } => {
                write!(f, "record {record} at offset {offset}: record header truncated")
            }
            Self::TruncatedRecord {
                record,
                offset,
                claimed,
                available,
            } => write!(
                f,
                "record {record} at offset {offset}: claims {claimed} bytes of data, only {available} remain"
            ),
            Self::BadTimestamp { record } => {
                write!(f, "record {record}: timestamp fraction is not below one second")
            }
            Self::TruncatedBlockHeader { offset } => {
                write!(f, "pcapng block at offset {offset}: block header truncated")
            }
            Self::BadBlockLength {
                offset,
                length,
                available,
            } => write!(
                f,
                "pcapng block at offset {offset}: total length {length} is invalid ({available} bytes remain; need >= 12 and a multiple of 4)"
            ),
            Self::BlockLengthMismatch { offset } => write!(
                f,
                "pcapng block at offset {offset}: trailing length differs from leading length"
            ),
            Self::NoSectionHeader => f.write_str("pcapng file does not start with a Section Header Block"),
            Self::BadSectionHeader { offset } => write!(
                f,
                "pcapng section header at offset {offset}: bad byte-order magic or major version"
            ),
            Self::BlockTooShort { offset, block_type } => write!(
                f,
                "pcapng block type {block_type} at offset {offset}: body shorter than its fixed fields"
            ),
            Self::PacketLength { offset } => write!(
                f,
                "pcapng packet block at offset {offset}: captured length exceeds the block"
            ),
            Self::UnknownInterface { offset, interface } => write!(
                f,
                "pcapng packet block at offset {offset}: interface {interface} is not described in this section"
            ),
            Self::BadOption { offset } => {
                write!(f, "pcapng interface block at offset {offset}: malformed option list")
            }
            Self::BadResolution { offset, value } => write!(
                f,
                "pcapng interface block at offset {offset}: if_tsresol 0x{value:02x} is not supported"
            ),
            Self::TimestampOverflow { offset } => {
                write!(f, "pcapng packet block at offset {offset}: timestamp out of range")
            }
            Self::MixedLinkTypes(a, b) => write!(
                f,
                "packets come from interfaces of link types {a} and {b}; the pcap output holds one link type"
            ),
        }
    }
}

impl std::error::Error for CaptureError {}

/// Input container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap.
    Pcap,
    /// pcapng.
    PcapNg,
}

/// One captured packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Seconds since the epoch (may be negative with a negative `if_tsoffset`).
    pub ts_sec: i64,
    /// Nanoseconds within the second.
    pub ts_nsec: u32,
    /// Original length on the wire (may exceed `data.len()` if the capture was cut).
    pub orig_len: u32,
    /// Link type of the interface it was captured on.
    pub link_type: u32,
    /// The captured bytes.
    pub data: Vec<u8>,
}

/// A whole capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// Input format.
    pub format: Format,
    /// Byte order of the input (pcap) or of its first section (pcapng).
    pub big_endian: bool,
    /// Whether timestamps need nanosecond precision on output.
    pub nanosecond: bool,
    /// Link type of every packet (the first interface's for a file without packets).
    pub link_type: u32,
    /// Snapshot length of the input (the largest interface snaplen for pcapng).
    pub snaplen: u32,
    /// The packets in file order.
    pub packets: Vec<Packet>,
}

/// Bounds-checked reads in a chosen byte order.
#[derive(Clone, Copy)]
struct Bytes<'a> {
    b: &'a [u8],
    be: bool,
}

impl<'a> Bytes<'a> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.be {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let s: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.be {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }
    fn u64(&self, at: usize) -> Option<u64> {
        let s: [u8; 8] = self.b.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if self.be {
            u64::from_be_bytes(s)
        } else {
            u64::from_le_bytes(s)
        })
    }
    fn slice(&self, at: usize, len: usize) -> Option<&'a [u8]> {
        self.b.get(at..at.checked_add(len)?)
    }
}

/// Parse a pcap or pcapng file.
pub fn parse(file: &[u8]) -> Result<Capture, CaptureError> {
    let first: [u8; 4] = file
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or(CaptureError::TooShort)?;
    let le = u32::from_le_bytes(first);
    let be = u32::from_be_bytes(first);
    if le == PCAPNG_SHB {
        return parse_pcapng(file);
    }
    for (magic, big) in [(le, false), (be, true)] {
        if magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS {
            return parse_pcap(file, big, magic == PCAP_MAGIC_NS);
        }
    }
    Err(CaptureError::UnknownMagic(be))
}

fn parse_pcap(file: &[u8], be: bool, nanosecond: bool) -> Result<Capture, CaptureError> {
    let r = Bytes { b: file, be };
    let (Some(major), Some(minor), Some(snaplen), Some(network)) =
        (r.u16(4), r.u16(6), r.u32(16), r.u32(20))
    else {
        return Err(CaptureError::TooShort);
    };
    if major != 2 {
        return Err(CaptureError::Version(major, minor));
    }
    if network & (1 << 26) != 0 {
        return Err(CaptureError::FcsPresent);
    }
    let link_type = network & 0xffff;
    let mut packets = Vec::new();
    let mut off = 24usize;
    let mut record = 0usize;
    while off < file.len() {
        record += 1;
        let (Some(sec), Some(frac), Some(incl), Some(orig)) =
            (r.u32(off), r.u32(off + 4), r.u32(off + 8), r.u32(off + 12))
        else {
            return Err(CaptureError::TruncatedRecordHeader {
                record,
                offset: off,
            });
        };
        let data_off = off + 16;
        let available = file.len() - data_off;
        let data = usize::try_from(incl)
            .ok()
            .and_then(|n| r.slice(data_off, n))
            .ok_or(CaptureError::TruncatedRecord {
                record,
                offset: data_off,
                claimed: incl,
                available,
            })?;
        let ts_nsec = if nanosecond {
            frac
        } else {
            frac.saturating_mul(1000)
        };
        if ts_nsec >= 1_000_000_000 {
            return Err(CaptureError::BadTimestamp { record });
        }
        packets.push(Packet {
            ts_sec: i64::from(sec),
            ts_nsec,
            orig_len: orig,
            link_type,
            data: data.to_vec(),
        });
        off = data_off + data.len();
    }
    Ok(Capture {
        format: Format::Pcap,
        big_endian: be,
        nanosecond,
        link_type,
        snaplen,
        packets,
    })
}

/// Timestamp resolution of a pcapng interface.
#[derive(Clone, Copy)]
struct Interface {
    link_type: u32,
    snaplen: u32,
    /// Units per second.
    units: u64,
    /// Whether `units` is 10^r with r <= 6.
    micro_ok: bool,
    /// `if_tsoffset` seconds.
    offset: i64,
}

fn parse_pcapng(file: &[u8]) -> Result<Capture, CaptureError> {
    let mut off = 0usize;
    let mut ifaces: Vec<Interface> = Vec::new();
    let mut all_micro = true;
    let mut first_be = None;
    let mut snaplen = 0u32;
    let mut packets = Vec::new();
    let mut first_link: Option<u32> = None;
    let mut be = false;
    while off < file.len() {
        let head = file
            .get(off..off + 8)
            .ok_or(CaptureError::TruncatedBlockHeader { offset: off })?;
        let raw_type = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        if raw_type == PCAPNG_SHB {
            let bom = file
                .get(off + 8..off + 12)
                .ok_or(CaptureError::TruncatedBlockHeader { offset: off })?;
            be = match u32::from_le_bytes([bom[0], bom[1], bom[2], bom[3]]) {
                PCAPNG_BOM => false,
                x if x.swap_bytes() == PCAPNG_BOM => true,
                _ => return Err(CaptureError::BadSectionHeader { offset: off }),
            };
            first_be.get_or_insert(be);
            ifaces.clear();
        } else if first_be.is_none() {
            return Err(CaptureError::NoSectionHeader);
        }
        let r = Bytes { b: file, be };
        let block_type = r
            .u32(off)
            .ok_or(CaptureError::TruncatedBlockHeader { offset: off })?;
        let length = r
            .u32(off + 4)
            .ok_or(CaptureError::TruncatedBlockHeader { offset: off })?;
        let available = file.len() - off;
        let len = usize::try_from(length).unwrap_or(usize::MAX);
        if len < 12 || len % 4 != 0 || len > available {
            return Err(CaptureError::BadBlockLength {
                offset: off,
                length,
                available,
            });
        }
        if r.u32(off + len - 4) != Some(length) {
            return Err(CaptureError::BlockLengthMismatch { offset: off });
        }
        // Body: between the 8-byte header and the 4-byte trailer.
        let body = Bytes {
            b: r.slice(off + 8, len - 12)
                .ok_or(CaptureError::BlockLengthMismatch { offset: off })?,
            be,
        };
        let short = CaptureError::BlockTooShort {
            offset: off,
            block_type,
        };
        match block_type {
            PCAPNG_SHB => {
                if body.u16(4) != Some(1) {
                    return Err(CaptureError::BadSectionHeader { offset: off });
                }
                if body.b.len() < 16 {
                    return Err(short);
                }
            }
            PCAPNG_IDB => {
                let (Some(lt), Some(sl)) = (body.u16(0), body.u32(4)) else {
                    return Err(short);
                };
                let iface = parse_idb_options(body, 8, off, u32::from(lt), sl)?;
                all_micro &= iface.micro_ok;
                snaplen = snaplen.max(sl);
                ifaces.push(iface);
            }
            PCAPNG_EPB | PCAPNG_OPB => {
                let (iface_id, ts_hi, ts_lo, cap, orig) = if block_type == PCAPNG_EPB {
                    let (Some(i), Some(h), Some(l), Some(c), Some(o)) = (
                        body.u32(0),
                        body.u32(4),
                        body.u32(8),
                        body.u32(12),
                        body.u32(16),
                    ) else {
                        return Err(short);
                    };
                    (i, h, l, c, o)
                } else {
                    let (Some(i), Some(h), Some(l), Some(c), Some(o)) = (
                        body.u16(0),
                        body.u32(4),
                        body.u32(8),
                        body.u32(12),
                        body.u32(16),
                    ) else {
                        return Err(short);
                    };
                    (u32::from(i), h, l, c, o)
                };
                let iface = usize::try_from(iface_id)
                    .ok()
                    .and_then(|i| ifaces.get(i))
                    .copied()
                    .ok_or(CaptureError::UnknownInterface {
                        offset: off,
                        interface: iface_id,
                    })?;
                let data = usize::try_from(cap)
                    .ok()
                    .and_then(|c| body.slice(20, c))
                    .ok_or(CaptureError::PacketLength { offset: off })?;
                let ts = (u64::from(ts_hi) << 32) | u64::from(ts_lo);
                let (ts_sec, ts_nsec) =
                    convert_ts(ts, iface).ok_or(CaptureError::TimestampOverflow { offset: off })?;
                note_link(&mut first_link, iface.link_type)?;
                packets.push(Packet {
                    ts_sec,
                    ts_nsec,
                    orig_len: orig,
                    link_type: iface.link_type,
                    data: data.to_vec(),
                });
            }
            PCAPNG_SPB => {
                let orig = body.u32(0).ok_or(short)?;
                let iface = *ifaces.first().ok_or(CaptureError::UnknownInterface {
                    offset: off,
                    interface: 0,
                })?;
                let room = body.b.len() - 4;
                let mut cap = usize::try_from(orig).unwrap_or(usize::MAX).min(room);
                if iface.snaplen != 0 {
                    cap = cap.min(usize::try_from(iface.snaplen).unwrap_or(usize::MAX));
                }
                let data = body
                    .slice(4, cap)
                    .ok_or(CaptureError::PacketLength { offset: off })?;
                note_link(&mut first_link, iface.link_type)?;
                packets.push(Packet {
                    ts_sec: 0,
                    ts_nsec: 0,
                    orig_len: orig,
                    link_type: iface.link_type,
                    data: data.to_vec(),
                });
            }
            _ => {}
        }
        off += len;
    }
    let link_type = first_link
        .or_else(|| ifaces.first().map(|i| i.link_type))
        .unwrap_or(101);
    Ok(Capture {
        format: Format::PcapNg,
        big_endian: false,
        nanosecond: !all_micro,
        link_type,
        snaplen: if snaplen == 0 { 262_144 } else { snaplen },
        packets,
    })
}

fn note_link(first: &mut Option<u32>, lt: u32) -> Result<(), CaptureError> {
    match *first {
        None => {
            *first = Some(lt);
            Ok(())
        }
        Some(f) if f == lt => Ok(()),
        Some(f) => Err(CaptureError::MixedLinkTypes(f, lt)),
    }
}

fn parse_idb_options(
    body: Bytes<'_>,
    mut at: usize,
    off: usize,
    link_type: u32,
    snaplen: u32,
) -> Result<Interface, CaptureError> {
    let mut iface = Interface {
        link_type,
        snaplen,
        units: 1_000_000,
        micro_ok: true,
        offset: 0,
    };
    while at < body.b.len() {
        let (Some(code), Some(olen)) = (body.u16(at), body.u16(at + 2)) else {
            return Err(CaptureError::BadOption { offset: off });
        };
        if code == 0 {
            break;
        }
        let olen = usize::from(olen);
        let value = body
            .slice(at + 4, olen)
            .ok_or(CaptureError::BadOption { offset: off })?;
        match code {
            9 => {
                let &[v] = value else {
                    return Err(CaptureError::BadOption { offset: off });
                };
                let exp = u32::from(v & 0x7f);
                let (units, micro_ok) = if v & 0x80 == 0 {
                    (10u64.checked_pow(exp), exp <= 6)
                } else {
                    (2u64.checked_pow(exp), false)
                };
                iface.units = units
                    .filter(|u| *u > 0)
                    .ok_or(CaptureError::BadResolution {
                        offset: off,
                        value: v,
                    })?;
                iface.micro_ok = micro_ok;
            }
            14 => {
                let v = Bytes {
                    b: value,
                    be: body.be,
                }
                .u64(0)
                .filter(|_| olen == 8)
                .ok_or(CaptureError::BadOption { offset: off })?;
                iface.offset = v as i64;
            }
            _ => {}
        }
        at += 4 + olen.div_ceil(4) * 4;
    }
    Ok(iface)
}

fn convert_ts(ts: u64, iface: Interface) -> Option<(i64, u32)> {
    let sec = i64::try_from(ts / iface.units)
        .ok()?
        .checked_add(iface.offset)?;
    let frac = u128::from(ts % iface.units) * 1_000_000_000 / u128::from(iface.units);
    Some((sec, u32::try_from(frac).ok()?))
}

/// How to write a pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcapWriter {
    /// Write big-endian.
    pub big_endian: bool,
    /// Nanosecond magic and fractions.
    pub nanosecond: bool,
    /// Link type for the header.
    pub link_type: u32,
    /// Snapshot length for the header.
    pub snaplen: u32,
}

/// Why a packet cannot be written as pcap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// The timestamp does not fit pcap's unsigned 32-bit seconds.
    Timestamp {
        /// Index of the packet (0-based).
        index: usize,
    },
    /// The packet is larger than 4 GiB.
    TooLarge {
        /// Index of the packet (0-based).
        index: usize,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timestamp { index } => write!(
                f,
                "packet {}: timestamp outside pcap's range (1970..2106)",
                index + 1
            ),
            Self::TooLarge { index } => write!(f, "packet {}: larger than 4 GiB", index + 1),
        }
    }
}

impl std::error::Error for WriteError {}

impl PcapWriter {
    /// The writer that keeps a capture's properties (see the module docs).
    pub fn for_capture(c: &Capture) -> Self {
        Self {
            big_endian: c.format == Format::Pcap && c.big_endian,
            nanosecond: c.nanosecond,
            link_type: c.link_type,
            snaplen: c.snaplen,
        }
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// Encode the whole file into memory (so nothing is written when a packet
    /// cannot be represented).
    /// The header's snapshot length is raised to the largest packet if one
    /// exceeds it (encryption makes packets longer).
    pub fn encode(&self, packets: &[Packet]) -> Result<Vec<u8>, WriteError> {
        let largest = packets.iter().map(|p| p.data.len()).max().unwrap_or(0);
        let snaplen = self.snaplen.max(u32::try_from(largest).unwrap_or(u32::MAX));
        let total: usize = packets.iter().map(|p| p.data.len() + 16).sum::<usize>() + 24;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&self.u32(if self.nanosecond {
            PCAP_MAGIC_NS
        } else {
            PCAP_MAGIC_US
        }));
        out.extend_from_slice(&self.u16(2));
        out.extend_from_slice(&self.u16(4));
        out.extend_from_slice(&self.u32(0)); // thiszone
        out.extend_from_slice(&self.u32(0)); // sigfigs
        out.extend_from_slice(&self.u32(snaplen));
        out.extend_from_slice(&self.u32(self.link_type));
        for (index, p) in packets.iter().enumerate() {
            let sec = u32::try_from(p.ts_sec).map_err(|_| WriteError::Timestamp { index })?;
            let frac = if self.nanosecond {
                p.ts_nsec
            } else {
                p.ts_nsec / 1000
            };
            let len = u32::try_from(p.data.len()).map_err(|_| WriteError::TooLarge { index })?;
            out.extend_from_slice(&self.u32(sec));
            out.extend_from_slice(&self.u32(frac));
            out.extend_from_slice(&self.u32(len));
            out.extend_from_slice(&self.u32(p.orig_len.max(len)));
            out.extend_from_slice(&p.data);
        }
        Ok(out)
    }

    /// Encode and write to `w`.
    pub fn write<W: Write>(&self, w: &mut W, packets: &[Packet]) -> io::Result<()> {
        let bytes = self.encode(packets).map_err(io::Error::other)?;
        w.write_all(&bytes)
    }
}

/// pcapng writing, for tests and fixtures: a section in the given byte order
/// with the given interfaces `(link_type, if_tsresol option byte)` and
/// enhanced packet blocks `(interface, timestamp units, data, orig_len)`.
pub fn encode_pcapng(
    big_endian: bool,
    interfaces: &[(u16, Option<u8>)],
    packets: &[(u32, u64, &[u8], u32)],
) -> Vec<u8> {
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut out = Vec::new();
    let block = |out: &mut Vec<u8>, t: u32, body: &[u8]| {
        let pad = (4 - body.len() % 4) % 4;
        let len = u32::try_from(12 + body.len() + pad).unwrap_or(u32::MAX);
        out.extend_from_slice(&u32b(t));
        out.extend_from_slice(&u32b(len));
        out.extend_from_slice(body);
        out.extend(std::iter::repeat_n(0u8, pad));
        out.extend_from_slice(&u32b(len));
    };
    let mut shb = Vec::new();
    shb.extend_from_slice(&u32b(PCAPNG_BOM));
    shb.extend_from_slice(&u16b(1));
    shb.extend_from_slice(&u16b(0));
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    block(&mut out, PCAPNG_SHB, &shb);
    for (lt, res) in interfaces {
        let mut idb = Vec::new();
        idb.extend_from_slice(&u16b(*lt));
        idb.extend_from_slice(&u16b(0));
        idb.extend_from_slice(&u32b(0));
        if let Some(r) = res {
            idb.extend_from_slice(&u16b(9));
            idb.extend_from_slice(&u16b(1));
            idb.extend_from_slice(&[*r, 0, 0, 0]);
            idb.extend_from_slice(&[0, 0, 0, 0]);
        }
        block(&mut out, PCAPNG_IDB, &idb);
    }
    for (iface, ts, data, orig) in packets {
        let mut epb = Vec::new();
        epb.extend_from_slice(&u32b(*iface));
        epb.extend_from_slice(&u32b((ts >> 32) as u32));
        epb.extend_from_slice(&u32b(*ts as u32));
        epb.extend_from_slice(&u32b(u32::try_from(data.len()).unwrap_or(u32::MAX)));
        epb.extend_from_slice(&u32b(*orig));
        epb.extend_from_slice(data);
        epb.extend(std::iter::repeat_n(0u8, (4 - data.len() % 4) % 4));
        block(&mut out, PCAPNG_EPB, &epb);
    }
    out
}
