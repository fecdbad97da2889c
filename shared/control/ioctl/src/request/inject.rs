//! The NBL records of a `TestInject` request: a chain of NBLs, each with the NBL information
//! the cases set and its NET_BUFFERs (MDL layout and frame bytes), checked whole by
//! [`InjectNbls::checked`] before it is handed out, so that iterating it cannot fail.
//!
//! Layout (little-endian, every record 4-byte aligned, back to back):
//!
//! | NBL record (32 bytes) | |
//! |---|---|
//! | u64 | `IPsecOffloadV2NetBufferListInfo` (the offload handle on a send) |
//! | u64 | `IPsecOffloadV2TunnelNetBufferListInfo` |
//! | u32 | `IPsecOffloadV2HeaderNetBufferListInfo` |
//! | u32 | `TcpIpChecksumNetBufferListInfo` |
//! | u32 | `NblFlags` (`NDIS_NBL_FLAGS_*`) |
//! | u32 | NET_BUFFERs that follow (1..=[`MAX_INJECT_NBS`]) |
//!
//! | NET_BUFFER record (16 bytes + MDL sizes + data) | |
//! |---|---|
//! | u32 | `DataLength` (the frame's bytes) |
//! | u32 | `DataOffset` (unused bytes before the frame in the first MDL) |
//! | u32 | MDLs (1..=[`MAX_INJECT_MDLS`]) |
//! | u32 | reserved, 0 |
//! | u32 × MDLs | each MDL's `ByteCount`; their sum is at least `DataOffset + DataLength` and at most [`MAX_INJECT_NB_BYTES`] |
//! | `DataLength` bytes | the frame, then zero padding to 4 bytes |

use crate::error::{Fault, Field};
use crate::wire::Reader;

/// Most NBLs of one injection.
pub const MAX_INJECT_NBLS: u32 = 64;
/// Most NET_BUFFERs of one injected NBL.
pub const MAX_INJECT_NBS: u32 = 64;
/// Most MDLs of one injected NET_BUFFER.
pub const MAX_INJECT_MDLS: u32 = 4096;
/// Most bytes one injected NET_BUFFER's MDLs describe.
pub const MAX_INJECT_NB_BYTES: u32 = 65_536;
/// Bytes of an NBL record.
pub const NBL_RECORD_LEN: usize = 32;
/// Bytes of a NET_BUFFER record's fixed part.
pub const NB_RECORD_LEN: usize = 16;

/// The NBL information an injected NBL carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InjectInfo {
    /// Slot 1, `IPsecOffloadV2NetBufferListInfo`.
    pub ipsec: u64,
    /// Slot 11, `IPsecOffloadV2TunnelNetBufferListInfo`.
    pub tunnel: u64,
    /// Slot 12, `IPsecOffloadV2HeaderNetBufferListInfo`.
    pub header: u32,
    /// Slot 0, `TcpIpChecksumNetBufferListInfo`.
    pub checksum: u32,
    /// `NblFlags`.
    pub nbl_flags: u32,
}

/// One injected NET_BUFFER.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InjectNb<'a> {
    /// `DataOffset`.
    pub data_offset: u32,
    /// Each MDL's `ByteCount` (little-endian u32s).
    mdls: &'a [u8],
    /// The frame (`DataLength` bytes).
    pub frame: &'a [u8],
}

impl<'a> InjectNb<'a> {
    /// Each MDL's `ByteCount`, in chain order.
    pub fn mdl_sizes(&self) -> impl Iterator<Item = u32> + 'a {
        self.mdls
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// Bytes all the MDLs describe.
    #[must_use]
    pub fn total(&self) -> usize {
        self.mdl_sizes()
            .map(|s| usize::try_from(s).unwrap_or(usize::MAX))
            .fold(0, usize::saturating_add)
    }
}

/// One injected NBL: its information and NET_BUFFERs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InjectNbl<'a> {
    /// The NBL information.
    pub info: InjectInfo,
    nb_count: u32,
    /// The NET_BUFFER records (checked).
    nbs: &'a [u8],
}

impl<'a> InjectNbl<'a> {
    /// How many NET_BUFFERs.
    #[must_use]
    pub fn nb_count(&self) -> usize {
        usize::try_from(self.nb_count).unwrap_or(0)
    }

    /// The NET_BUFFERs, in order.
    #[must_use]
    pub fn nbs(&self) -> Nbs<'a> {
        Nbs {
            bytes: self.nbs,
            left: self.nb_count,
        }
    }
}

/// The NET_BUFFERs of an injected NBL.
#[derive(Clone, Copy, Debug)]
pub struct Nbs<'a> {
    bytes: &'a [u8],
    left: u32,
}

impl<'a> Iterator for Nbs<'a> {
    type Item = InjectNb<'a>;
    fn next(&mut self) -> Option<InjectNb<'a>> {
        if self.left == 0 {
            return None;
        }
        let (nb, len) = nb_at(self.bytes).ok()?;
        self.bytes = self.bytes.get(len..)?;
        self.left -= 1;
        Some(nb)
    }
}

/// The checked NBL records of an injection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InjectNbls<'a> {
    bytes: &'a [u8],
    count: u32,
}

impl<'a> Iterator for InjectNbls<'a> {
    type Item = InjectNbl<'a>;
    fn next(&mut self) -> Option<InjectNbl<'a>> {
        if self.count == 0 {
            return None;
        }
        let (nbl, len) = nbl_at(self.bytes).ok()?;
        self.bytes = self.bytes.get(len..)?;
        self.count -= 1;
        Some(nbl)
    }
}

impl<'a> InjectNbls<'a> {
    /// Checks `count` NBL records filling `bytes` exactly.
    pub fn checked(bytes: &'a [u8], count: u32) -> Result<Self, Fault> {
        if count == 0 || count > MAX_INJECT_NBLS {
            return Err(Fault::CountTooLarge(Field::InjectNbls));
        }
        let mut rest = bytes;
        for _ in 0..count {
            let (_, len) = nbl_at(rest)?;
            rest = rest.get(len..).ok_or(Fault::TooShort)?;
        }
        if !rest.is_empty() {
            return Err(Fault::TrailingBytes);
        }
        Ok(Self { bytes, count })
    }

    /// How many NBLs.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::try_from(self.count).unwrap_or(0)
    }

    /// True when there is none (never, once checked).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The bytes of the records.
    #[must_use]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// The NET_BUFFER record at the start of `b` and its length, checked.
fn nb_at(b: &[u8]) -> Result<(InjectNb<'_>, usize), Fault> {
    let r = Reader::new(b);
    let data_len = r.u32(0)?;
    let data_offset = r.u32(4)?;
    let mdl_count = r.u32(8)?;
    r.reserved(12, 4, Field::NetBuffers)?;
    if mdl_count == 0 || mdl_count > MAX_INJECT_MDLS {
        return Err(Fault::CountTooLarge(Field::Mdls));
    }
    let mdls_len = usize::try_from(mdl_count).map_err(|_| Fault::TooShort)? * 4;
    let mdls = r.slice(NB_RECORD_LEN, mdls_len)?;
    let data_at = NB_RECORD_LEN + mdls_len;
    let n = usize::try_from(data_len).map_err(|_| Fault::TooShort)?;
    let frame = r.slice(data_at, n)?;
    let end = pad4(data_at + n);
    r.reserved(data_at + n, end - data_at - n, Field::Payload)?;
    let nb = InjectNb {
        data_offset,
        mdls,
        frame,
    };
    let need = u64::from(data_offset) + u64::from(data_len);
    let total = nb
        .mdl_sizes()
        .map(u64::from)
        .fold(0u64, u64::saturating_add);
    if total < need || total > u64::from(MAX_INJECT_NB_BYTES) {
        return Err(Fault::CountMismatch(Field::Mdls));
    }
    Ok((nb, end))
}

/// The NBL record (with its NET_BUFFERs) at the start of `b` and its length, checked.
fn nbl_at(b: &[u8]) -> Result<(InjectNbl<'_>, usize), Fault> {
    let r = Reader::new(b);
    let lo = |at| -> Result<u64, Fault> {
        Ok(u64::from(r.u32(at)?) | (u64::from(r.u32(at + 4)?) << 32))
    };
    let info = InjectInfo {
        ipsec: lo(0)?,
        tunnel: lo(8)?,
        header: r.u32(16)?,
        checksum: r.u32(20)?,
        nbl_flags: r.u32(24)?,
    };
    let nb_count = r.u32(28)?;
    if nb_count == 0 || nb_count > MAX_INJECT_NBS {
        return Err(Fault::CountTooLarge(Field::NetBuffers));
    }
    let mut at = NBL_RECORD_LEN;
    for _ in 0..nb_count {
        let (_, len) = nb_at(b.get(at..).ok_or(Fault::TooShort)?)?;
        at += len;
    }
    let nbs = b.get(NBL_RECORD_LEN..at).ok_or(Fault::TooShort)?;
    Ok((
        InjectNbl {
            info,
            nb_count,
            nbs,
        },
        at,
    ))
}
