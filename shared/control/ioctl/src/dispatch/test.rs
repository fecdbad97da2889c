//! The test family: the response to a test request the driver carried out.
//!
//! Every test response body starts with the NTSTATUS of the test operation itself
//! (`STATUS_SUCCESS`, or why the driver could not carry it out: no such module, no memory, a
//! list the driver cannot rebase).
//!
//! - [`Dispatcher::complete_test`]: that status and opaque bytes (a refusal carries none).
//! - [`Dispatcher::complete_test_oid`]: `TestOid`'s answer: NTSTATUS, NDIS_STATUS, BytesRead,
//!   BytesWritten, BytesNeeded, the InformationBuffer's length, then the InformationBuffer as
//!   the module left it.
//! - [`InjectAnswer`]: `TestInject`'s answer: NTSTATUS, NBL count, frame count, 0; one
//!   [`INJECT_RECORD_LEN`]-byte record per injected NBL ([`NblOutcome`]); then the frames, each
//!   a u32 length, the u32 `TcpIpChecksumNetBufferListInfo` of the NBL it belongs to (what the
//!   miniport reads of a frame sent down: the checksums left to it) and its bytes padded to 4.
//!   A send lists the frames the filter sent down, in order; a receive lists, NBL by NBL, the
//!   frames of each NBL it indicated up.

use ipsecov2_control_plane::NPF_NO_ERROR;

use crate::error::DispatchError;
use crate::response::{begin, finish, with_header};
use crate::wire::{Writer, RESPONSE_HEADER_LEN};

use super::respond::too_small;
use super::Dispatcher;

/// Bytes of one NBL record of an injection's answer.
pub const INJECT_RECORD_LEN: usize = 24;
/// Bytes of an injection answer's body before its records.
pub const INJECT_PREFIX_LEN: usize = 16;
/// Bytes before each frame's bytes in an injection's answer: its length and its NBL's checksum
/// slot.
pub const FRAME_PREFIX_LEN: usize = 8;
/// Bytes of an OID answer's body before the InformationBuffer.
pub const OID_PREFIX_LEN: usize = 24;

/// What the module did with an OID request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OidAnswer {
    /// The NDIS_STATUS it returned (or completed with).
    pub status: u32,
    /// BytesRead.
    pub bytes_read: u32,
    /// BytesWritten.
    pub bytes_written: u32,
    /// BytesNeeded.
    pub bytes_needed: u32,
}

/// What became of one injected NBL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NblOutcome {
    /// 0: the filter kept it; 1: completed up (send) or indicated up (receive); 2: returned to
    /// the miniport without being indicated (receive while paused).
    pub fate: u32,
    /// Its `Status` (a send's completion status).
    pub status: u32,
    /// Its `IPsecOffloadV2NetBufferListInfo` afterwards (a receive's CryptoDone, status...).
    pub ipsec: u64,
    /// Its `IPsecOffloadV2HeaderNetBufferListInfo` afterwards.
    pub header: u32,
    /// Frames of it in the frame list (a receive's indicated NET_BUFFERs).
    pub frames: u32,
}

impl NblOutcome {
    /// Not given back.
    pub const KEPT: u32 = 0;
    /// Completed or indicated up.
    pub const UP: u32 = 1;
    /// Returned to the miniport without an indication.
    pub const RETURNED: u32 = 2;
}

impl Dispatcher {
    /// Encodes the result of a test request the driver carried out: its NTSTATUS, then the
    /// bytes it produced (nothing for a refusal).
    pub fn complete_test(
        out: &mut [u8],
        ntstatus: u32,
        data: &[u8],
    ) -> Result<usize, DispatchError> {
        let needed = with_header(8 + data.len());
        if out.len() < needed {
            return Err(too_small(needed));
        }
        let mut w = Writer::new(out);
        begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
        w.u32(ntstatus).map_err(too_small)?;
        w.u32(u32::try_from(data.len()).unwrap_or(u32::MAX))
            .map_err(too_small)?;
        w.put(data).map_err(too_small)?;
        Ok(finish(&mut w))
    }

    /// Encodes a `TestOid` answer: `STATUS_SUCCESS`, the module's results and its
    /// InformationBuffer `info`.
    pub fn complete_test_oid(
        out: &mut [u8],
        answer: &OidAnswer,
        info: &[u8],
    ) -> Result<usize, DispatchError> {
        let needed = with_header(OID_PREFIX_LEN + info.len());
        if out.len() < needed {
            return Err(too_small(needed));
        }
        let mut w = Writer::new(out);
        begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
        for v in [
            0,
            answer.status,
            answer.bytes_read,
            answer.bytes_written,
            answer.bytes_needed,
            u32::try_from(info.len()).unwrap_or(u32::MAX),
        ] {
            w.u32(v).map_err(too_small)?;
        }
        w.put(info).map_err(too_small)?;
        Ok(finish(&mut w))
    }
}

/// A `TestInject` answer being written into the caller's output buffer, without allocating:
/// the records have fixed places; frames are appended after them. When the output is too small
/// the writing goes on counting, and [`InjectAnswer::finish`] reports the size needed.
#[derive(Debug)]
pub struct InjectAnswer<'a> {
    out: &'a mut [u8],
    nbls: usize,
    frames: u32,
    /// End of what has been (or would have been) written.
    end: usize,
}

impl<'a> InjectAnswer<'a> {
    /// An answer with `nbls` records (all [`NblOutcome::KEPT`] until set).
    pub fn new(out: &'a mut [u8], nbls: usize) -> Self {
        let end = RESPONSE_HEADER_LEN + INJECT_PREFIX_LEN + nbls.saturating_mul(INJECT_RECORD_LEN);
        if let Some(area) = out.get_mut(..end) {
            area.fill(0);
        }
        Self {
            out,
            nbls,
            frames: 0,
            end,
        }
    }

    /// Sets record `i`.
    pub fn record(&mut self, i: usize, o: &NblOutcome) {
        if i >= self.nbls {
            return;
        }
        let at = RESPONSE_HEADER_LEN + INJECT_PREFIX_LEN + i * INJECT_RECORD_LEN;
        let Some(dst) = self.out.get_mut(at..at + INJECT_RECORD_LEN) else {
            return;
        };
        let mut w = Writer::new(dst);
        let _ = w.u32(o.fate);
        let _ = w.u32(o.status);
        let _ = w.u64(o.ipsec);
        let _ = w.u32(o.header);
        let _ = w.u32(o.frames);
    }

    /// Appends a frame of `len` bytes whose NBL's `TcpIpChecksumNetBufferListInfo` is
    /// `checksum`, filled by `fill` (which gets the destination; false: the bytes could not be
    /// read, and the frame is written as zeros).
    pub fn frame(&mut self, len: usize, checksum: u32, fill: impl FnOnce(&mut [u8]) -> bool) {
        self.frames = self.frames.saturating_add(1);
        let start = self.end;
        let data = start.saturating_add(FRAME_PREFIX_LEN);
        let end = data.saturating_add(len).saturating_add(3) & !3;
        self.end = end;
        let Some(dst) = self.out.get_mut(start..end) else {
            return;
        };
        dst.fill(0);
        let (head, rest) = dst.split_at_mut(FRAME_PREFIX_LEN);
        head[..4].copy_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
        head[4..].copy_from_slice(&checksum.to_le_bytes());
        if let Some(bytes) = rest.get_mut(..len) {
            if !fill(bytes) {
                bytes.fill(0);
            }
        }
    }

    /// Writes the header and the body's prefix; the response's length, or how many bytes it
    /// needs.
    pub fn finish(self) -> Result<usize, DispatchError> {
        if self.end > self.out.len() {
            return Err(too_small(self.end));
        }
        let mut w = Writer::new(self.out);
        begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
        w.u32(0).map_err(too_small)?;
        w.u32(u32::try_from(self.nbls).unwrap_or(u32::MAX))
            .map_err(too_small)?;
        w.u32(self.frames).map_err(too_small)?;
        w.u32(0).map_err(too_small)?;
        let n = self.end;
        w.patch_u32(4, u32::try_from(n).unwrap_or(u32::MAX));
        Ok(n)
    }
}
