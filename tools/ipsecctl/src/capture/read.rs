//! The streaming reader of pcap and pcapng: one record at a time from any [`Read`], in
//! memory bounded by the largest record ([`MAX_RECORD`] bytes of packet data, [`MAX_BLOCK`]
//! bytes of pcapng block), whatever the size of the file. Every length field is checked
//! before it is used; a record or block that claims more than the limit is skipped over
//! without being held (to tell a file cut short from one that is too large).

use std::io::{self, Read};

use super::{
    CaptureError, Format, Packet, PCAPNG_BOM, PCAPNG_EPB, PCAPNG_IDB, PCAPNG_OPB, PCAPNG_SHB,
    PCAPNG_SPB, PCAP_MAGIC_NS, PCAP_MAGIC_US,
};

/// The largest packet (captured bytes) the reader accepts: 1 MiB, four times libpcap's
/// largest snapshot length (262144).
pub const MAX_RECORD: usize = 1 << 20;
/// The largest pcapng block the reader accepts: a [`MAX_RECORD`] packet with room for options.
pub const MAX_BLOCK: usize = MAX_RECORD + (64 << 10);

/// What [`Reader::next_packet`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A packet (written into the caller's [`Packet`]).
    Packet,
    /// The end of the file, cleanly after the last record.
    End,
    /// The file ends inside a record or block (a capture cut short, by a killed tcpdump for
    /// example): the packets before it are good, this error says where the cut is.
    Truncated(CaptureError),
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

/// Reads up to `buf.len()` bytes; fewer only at the end of the input.
fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, CaptureError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(buf.get_mut(n..).unwrap_or(&mut [])) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CaptureError::Io(e.to_string())),
        }
    }
    Ok(n)
}

/// Reads exactly `len` bytes into `buf` (reused: no allocation once it has grown to the
/// largest record); returns how many bytes there were when the input ends first.
fn read_into<R: Read>(r: &mut R, buf: &mut Vec<u8>, len: usize) -> Result<usize, CaptureError> {
    buf.clear();
    buf.try_reserve(len)
        .map_err(|_| CaptureError::OutOfMemory { bytes: len })?;
    buf.resize(len, 0);
    let n = fill(r, buf)?;
    buf.truncate(n);
    Ok(n)
}

/// Skips `len` bytes without holding them; returns how many there were.
fn skip<R: Read>(r: &mut R, len: u64) -> Result<u64, CaptureError> {
    io::copy(&mut r.take(len), &mut io::sink()).map_err(|e| CaptureError::Io(e.to_string()))
}

enum Kind {
    Pcap {
        be: bool,
        nanosecond: bool,
        link_type: u32,
        snaplen: u32,
        record: usize,
    },
    PcapNg {
        be: bool,
        ifaces: Vec<Interface>,
        all_micro: bool,
        snaplen: u32,
        first_link: Option<u32>,
        first_iface_link: Option<u32>,
    },
}

/// The streaming reader (see the module documentation).
pub struct Reader<R: Read> {
    r: R,
    off: usize,
    kind: Kind,
    /// The first four bytes of a pcapng file, read to find the format.
    pending: Option<[u8; 4]>,
    block: Vec<u8>,
}

impl<R: Read> std::fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reader({:?} at offset {})", self.format(), self.off)
    }
}

impl<R: Read> Reader<R> {
    /// Reads the file header (pcap) or the magic (pcapng).
    pub fn new(mut r: R) -> Result<Self, CaptureError> {
        let mut first = [0u8; 4];
        if fill(&mut r, &mut first)? < 4 {
            return Err(CaptureError::TooShort);
        }
        let le = u32::from_le_bytes(first);
        let be = u32::from_be_bytes(first);
        if le == PCAPNG_SHB {
            return Ok(Self {
                r,
                off: 0,
                kind: Kind::PcapNg {
                    be: false,
                    ifaces: Vec::new(),
                    all_micro: true,
                    snaplen: 0,
                    first_link: None,
                    first_iface_link: None,
                },
                pending: Some(first),
                block: Vec::new(),
            });
        }
        for (magic, big) in [(le, false), (be, true)] {
            if magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS {
                let mut head = [0u8; 24];
                head[..4].copy_from_slice(&first);
                if fill(&mut r, &mut head[4..])? < 20 {
                    return Err(CaptureError::TooShort);
                }
                let b = Bytes { b: &head, be: big };
                let (Some(major), Some(minor), Some(snaplen), Some(network)) =
                    (b.u16(4), b.u16(6), b.u32(16), b.u32(20))
                else {
                    return Err(CaptureError::TooShort);
                };
                if major != 2 {
                    return Err(CaptureError::Version(major, minor));
                }
                if network & (1 << 26) != 0 {
                    return Err(CaptureError::FcsPresent);
                }
                return Ok(Self {
                    r,
                    off: 24,
                    kind: Kind::Pcap {
                        be: big,
                        nanosecond: magic == PCAP_MAGIC_NS,
                        link_type: network & 0xffff,
                        snaplen,
                        record: 0,
                    },
                    pending: None,
                    block: Vec::new(),
                });
            }
        }
        Err(CaptureError::UnknownMagic(be))
    }

    /// pcap or pcapng.
    pub fn format(&self) -> Format {
        match self.kind {
            Kind::Pcap { .. } => Format::Pcap,
            Kind::PcapNg { .. } => Format::PcapNg,
        }
    }

    /// Byte order of a pcap input (`false` for pcapng, which is written little-endian).
    pub fn big_endian(&self) -> bool {
        match self.kind {
            Kind::Pcap { be, .. } => be,
            Kind::PcapNg { .. } => false,
        }
    }

    /// Whether the timestamps need nanoseconds (pcapng: of the interfaces read so far).
    pub fn nanosecond(&self) -> bool {
        match &self.kind {
            Kind::Pcap { nanosecond, .. } => *nanosecond,
            Kind::PcapNg { all_micro, .. } => !*all_micro,
        }
    }

    /// The link type: pcap's header, or the first pcapng packet's interface (the first
    /// interface before any packet, 101 without one).
    pub fn link_type(&self) -> u32 {
        match &self.kind {
            Kind::Pcap { link_type, .. } => *link_type,
            Kind::PcapNg {
                first_link,
                first_iface_link,
                ..
            } => first_link.or(*first_iface_link).unwrap_or(101),
        }
    }

    /// The snapshot length: pcap's header, or the largest pcapng interface's so far (262144
    /// when none states one).
    pub fn snaplen(&self) -> u32 {
        match &self.kind {
            Kind::Pcap { snaplen, .. } => *snaplen,
            Kind::PcapNg { snaplen, .. } => {
                if *snaplen == 0 {
                    262_144
                } else {
                    *snaplen
                }
            }
        }
    }

    /// Byte offset of the next record in the file.
    pub fn offset(&self) -> usize {
        self.off
    }

    /// The next packet, into `pkt` (its buffer reused).
    pub fn next_packet(&mut self, pkt: &mut Packet) -> Result<Step, CaptureError> {
        match self.kind {
            Kind::Pcap { .. } => self.next_pcap(pkt),
            Kind::PcapNg { .. } => loop {
                match self.next_block(pkt)? {
                    Some(s) => return Ok(s),
                    None => continue,
                }
            },
        }
    }

    fn next_pcap(&mut self, pkt: &mut Packet) -> Result<Step, CaptureError> {
        let Kind::Pcap {
            be,
            nanosecond,
            link_type,
            ref mut record,
            ..
        } = self.kind
        else {
            return Ok(Step::End);
        };
        let off = self.off;
        let mut head = [0u8; 16];
        let n = fill(&mut self.r, &mut head)?;
        if n == 0 {
            return Ok(Step::End);
        }
        *record += 1;
        let record = *record;
        if n < 16 {
            self.off += n;
            return Ok(Step::Truncated(CaptureError::TruncatedRecordHeader {
                record,
                offset: off,
            }));
        }
        let b = Bytes { b: &head, be };
        let (Some(sec), Some(frac), Some(incl), Some(orig)) =
            (b.u32(0), b.u32(4), b.u32(8), b.u32(12))
        else {
            return Err(CaptureError::TruncatedRecordHeader {
                record,
                offset: off,
            });
        };
        let data_off = off + 16;
        let claimed = usize::try_from(incl).unwrap_or(usize::MAX);
        if claimed > MAX_RECORD {
            let there = skip(&mut self.r, u64::from(incl))?;
            if there < u64::from(incl) {
                return Ok(Step::Truncated(CaptureError::TruncatedRecord {
                    record,
                    offset: data_off,
                    claimed: incl,
                    available: usize::try_from(there).unwrap_or(usize::MAX),
                }));
            }
            return Err(CaptureError::RecordTooLarge {
                offset: off,
                length: incl,
            });
        }
        let got = read_into(&mut self.r, &mut pkt.data, claimed)?;
        self.off = data_off + got;
        if got < claimed {
            return Ok(Step::Truncated(CaptureError::TruncatedRecord {
                record,
                offset: data_off,
                claimed: incl,
                available: got,
            }));
        }
        let ts_nsec = if nanosecond {
            frac
        } else {
            frac.saturating_mul(1000)
        };
        if ts_nsec >= 1_000_000_000 {
            return Err(CaptureError::BadTimestamp { record });
        }
        pkt.ts_sec = i64::from(sec);
        pkt.ts_nsec = ts_nsec;
        pkt.orig_len = orig;
        pkt.link_type = link_type;
        Ok(Step::Packet)
    }

    /// One pcapng block: `Some` for a packet, the end or a cut, `None` for another block.
    fn next_block(&mut self, pkt: &mut Packet) -> Result<Option<Step>, CaptureError> {
        let off = self.off;
        let mut head = [0u8; 8];
        let n = match self.pending.take() {
            Some(first) => {
                head[..4].copy_from_slice(&first);
                4 + fill(&mut self.r, &mut head[4..])?
            }
            None => fill(&mut self.r, &mut head)?,
        };
        if n == 0 {
            return Ok(Some(Step::End));
        }
        if n < 8 {
            self.off += n;
            return Ok(Some(Step::Truncated(CaptureError::TruncatedBlockHeader {
                offset: off,
            })));
        }
        let Kind::PcapNg {
            ref mut be,
            ref mut ifaces,
            ref mut all_micro,
            ref mut snaplen,
            ref mut first_link,
            ref mut first_iface_link,
        } = self.kind
        else {
            return Ok(Some(Step::End));
        };
        let raw_type = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let mut bom = [0u8; 4];
        let mut have = 8usize;
        if raw_type == PCAPNG_SHB {
            let k = fill(&mut self.r, &mut bom)?;
            have += k;
            if k < 4 {
                self.off += have;
                return Ok(Some(Step::Truncated(CaptureError::TruncatedBlockHeader {
                    offset: off,
                })));
            }
            *be = match u32::from_le_bytes(bom) {
                PCAPNG_BOM => false,
                x if x.swap_bytes() == PCAPNG_BOM => true,
                _ => return Err(CaptureError::BadSectionHeader { offset: off }),
            };
            ifaces.clear();
        } else if off == 0 {
            return Err(CaptureError::NoSectionHeader);
        }
        let h = Bytes { b: &head, be: *be };
        let (Some(block_type), Some(length)) = (h.u32(0), h.u32(4)) else {
            return Err(CaptureError::TruncatedBlockHeader { offset: off });
        };
        let len = usize::try_from(length).unwrap_or(usize::MAX);
        if len < 12 || len % 4 != 0 {
            return Err(CaptureError::BadBlockLength {
                offset: off,
                length,
                available: have,
            });
        }
        if len > MAX_BLOCK {
            let want = u64::from(length) - have as u64;
            let there = skip(&mut self.r, want)?;
            if there < want {
                return Ok(Some(Step::Truncated(CaptureError::BadBlockLength {
                    offset: off,
                    length,
                    available: have + usize::try_from(there).unwrap_or(usize::MAX),
                })));
            }
            return Err(CaptureError::BlockTooLarge {
                offset: off,
                length,
            });
        }
        // The rest of the block (after the header, and the BOM of an SHB) in `self.block`.
        let got = read_into(&mut self.r, &mut self.block, len - have)?;
        if got < len - have {
            self.off += have + got;
            return Ok(Some(Step::Truncated(CaptureError::BadBlockLength {
                offset: off,
                length,
                available: have + got,
            })));
        }
        self.off = off + len;
        let tail = Bytes {
            b: &self.block,
            be: *be,
        };
        if tail.u32(self.block.len().saturating_sub(4)) != Some(length) {
            return Err(CaptureError::BlockLengthMismatch { offset: off });
        }
        // The body: between the 8-byte header and the 4-byte trailer.
        let body_bytes: &[u8] = self.block.get(..len - 12).unwrap_or(&[]);
        let short = CaptureError::BlockTooShort {
            offset: off,
            block_type,
        };
        if raw_type == PCAPNG_SHB {
            // SHB body: BOM (already checked), major, minor, section length, options.
            let b = Bytes {
                b: &self.block,
                be: *be,
            };
            if b.u16(0) != Some(1) {
                return Err(CaptureError::BadSectionHeader { offset: off });
            }
            if len - 12 < 16 {
                return Err(short);
            }
            return Ok(None);
        }
        let body = Bytes {
            b: body_bytes,
            be: *be,
        };
        match block_type {
            PCAPNG_IDB => {
                let (Some(lt), Some(sl)) = (body.u16(0), body.u32(4)) else {
                    return Err(short);
                };
                let iface = parse_idb_options(body, 8, off, u32::from(lt), sl)?;
                *all_micro &= iface.micro_ok;
                *snaplen = (*snaplen).max(sl);
                first_iface_link.get_or_insert(u32::from(lt));
                ifaces.push(iface);
                Ok(None)
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
                note_link(first_link, iface.link_type)?;
                set_packet(pkt, ts_sec, ts_nsec, orig, iface.link_type, data)?;
                Ok(Some(Step::Packet))
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
                note_link(first_link, iface.link_type)?;
                set_packet(pkt, 0, 0, orig, iface.link_type, data)?;
                Ok(Some(Step::Packet))
            }
            _ => Ok(None),
        }
    }
}

fn set_packet(
    pkt: &mut Packet,
    ts_sec: i64,
    ts_nsec: u32,
    orig_len: u32,
    link_type: u32,
    data: &[u8],
) -> Result<(), CaptureError> {
    pkt.data.clear();
    pkt.data
        .try_reserve(data.len())
        .map_err(|_| CaptureError::OutOfMemory { bytes: data.len() })?;
    pkt.data.extend_from_slice(data);
    pkt.ts_sec = ts_sec;
    pkt.ts_nsec = ts_nsec;
    pkt.orig_len = orig_len;
    pkt.link_type = link_type;
    Ok(())
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
