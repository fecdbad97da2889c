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

mod read;

use std::fmt;
use std::io::{self, Write};

pub use read::{Reader, Step, MAX_BLOCK, MAX_RECORD};

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
    /// The input cannot be read (an I/O error other than its end).
    Io(String),
    /// Memory for a record cannot be had.
    OutOfMemory {
        /// The bytes asked for.
        bytes: usize,
    },
    /// A pcap record larger than [`MAX_RECORD`] (the file goes on after it).
    RecordTooLarge {
        /// Offset of the record header.
        offset: usize,
        /// Bytes it claims.
        length: u32,
    },
    /// A pcapng block larger than [`MAX_BLOCK`] (the file goes on after it).
    BlockTooLarge {
        /// Offset of the block.
        offset: usize,
        /// Its total length.
        length: u32,
    },
    /// A pcapng interface described after the first packet needs finer timestamps than the
    /// output's header (already written) holds.
    LateResolution {
        /// Offset of the packet block.
        offset: usize,
    },
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
            } => {
                if *length >= 12 && length % 4 == 0 {
                    write!(
                        f,
                        "pcapng block at offset {offset}: total length {length} runs past the end of the file ({available} bytes remain)"
                    )
                } else {
                    write!(
                        f,
                        "pcapng block at offset {offset}: total length {length} is invalid (need >= 12 and a multiple of 4)"
                    )
                }
            }
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
            Self::Io(e) => write!(f, "read error: {e}"),
            Self::OutOfMemory { bytes } => {
                write!(f, "out of memory: {bytes} bytes for one record cannot be allocated")
            }
            Self::RecordTooLarge { offset, length } => write!(
                f,
                "record at offset {offset}: {length} bytes of packet data, more than the {MAX_RECORD} this tool reads"
            ),
            Self::BlockTooLarge { offset, length } => write!(
                f,
                "pcapng block at offset {offset}: {length} bytes, more than the {MAX_BLOCK} this tool reads"
            ),
            Self::LateResolution { offset } => write!(
                f,
                "pcapng packet block at offset {offset}: its interface, described after the first packet, has finer timestamps than microseconds, but the output header was written with microseconds"
            ),
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

/// Parse a whole pcap or pcapng file held in memory (the streaming [`Reader`] over a slice).
/// A capture cut short is an error here; [`Reader`] reports it as [`Step::Truncated`] so that
/// the tool can process the packets before the cut.
pub fn parse(file: &[u8]) -> Result<Capture, CaptureError> {
    let mut r = Reader::new(file)?;
    let mut packets = Vec::new();
    loop {
        let mut p = Packet {
            ts_sec: 0,
            ts_nsec: 0,
            orig_len: 0,
            link_type: 0,
            data: Vec::new(),
        };
        match r.next_packet(&mut p)? {
            Step::Packet => packets.push(p),
            Step::End => break,
            Step::Truncated(e) => return Err(e),
        }
    }
    Ok(Capture {
        format: r.format(),
        big_endian: r.big_endian(),
        nanosecond: r.nanosecond(),
        link_type: r.link_type(),
        snaplen: r.snaplen(),
        packets,
    })
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

    /// The 24-byte file header with this snapshot length.
    pub fn header(&self, snaplen: u32) -> [u8; 24] {
        let mut h = [0u8; 24];
        let magic = if self.nanosecond {
            PCAP_MAGIC_NS
        } else {
            PCAP_MAGIC_US
        };
        h[0..4].copy_from_slice(&self.u32(magic));
        h[4..6].copy_from_slice(&self.u16(2));
        h[6..8].copy_from_slice(&self.u16(4));
        // thiszone and sigfigs stay 0.
        h[16..20].copy_from_slice(&self.u32(snaplen));
        h[20..24].copy_from_slice(&self.u32(self.link_type));
        h
    }

    /// The snapshot length field in bytes, for a header written before the packets were
    /// known (offset 16 of the file).
    pub fn snaplen_field(&self, snaplen: u32) -> [u8; 4] {
        self.u32(snaplen)
    }

    /// The 16-byte record header of packet `index` (0-based, for messages).
    pub fn record_header(&self, index: usize, p: &Packet) -> Result<[u8; 16], WriteError> {
        let sec = u32::try_from(p.ts_sec).map_err(|_| WriteError::Timestamp { index })?;
        let frac = if self.nanosecond {
            p.ts_nsec
        } else {
            p.ts_nsec / 1000
        };
        let len = u32::try_from(p.data.len()).map_err(|_| WriteError::TooLarge { index })?;
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&self.u32(sec));
        h[4..8].copy_from_slice(&self.u32(frac));
        h[8..12].copy_from_slice(&self.u32(len));
        h[12..16].copy_from_slice(&self.u32(p.orig_len.max(len)));
        Ok(h)
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
        out.extend_from_slice(&self.header(snaplen));
        for (index, p) in packets.iter().enumerate() {
            out.extend_from_slice(&self.record_header(index, p)?);
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
