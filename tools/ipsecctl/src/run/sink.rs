//! The output plumbing: the pcap header and records written to OUT, the snapshot length
//! raised at the end for a regular file.

use std::io;

use crate::capture::{Format, Packet, PcapWriter, Reader};
use crate::error::CliError;
use crate::output::Output;

/// The snapshot length written for an output that is not a regular file (its header cannot be
/// patched at the end): the reader's largest record plus room for any ESP/AH overhead.
pub const STREAM_SNAPLEN: u32 = (crate::capture::MAX_RECORD as u32) + 4096;

/// Writes the processed frames to OUT as pcap.
pub(super) struct Sink {
    pub(super) out: Output,
    pub(super) writer: Option<PcapWriter>,
    pub(super) header_snaplen: u32,
    pub(super) largest: usize,
    pub(super) written: usize,
}

impl Sink {
    pub(super) fn io(&self, error: io::Error) -> CliError {
        CliError::Output {
            path: self.out.path().to_path_buf(),
            error,
        }
    }

    /// Writes the header (once), from what the reader knows by now.
    pub(super) fn start<R: io::Read>(&mut self, r: &Reader<R>) -> Result<PcapWriter, CliError> {
        if let Some(w) = self.writer {
            return Ok(w);
        }
        let w = PcapWriter {
            big_endian: r.format() == Format::Pcap && r.big_endian(),
            nanosecond: r.nanosecond(),
            link_type: r.link_type(),
            snaplen: r.snaplen(),
        };
        self.header_snaplen = if self.out.is_file() {
            w.snaplen
        } else {
            w.snaplen.max(STREAM_SNAPLEN)
        };
        let h = w.header(self.header_snaplen);
        self.out.writer().write_all(&h).map_err(|e| self.io(e))?;
        self.writer = Some(w);
        Ok(w)
    }

    pub(super) fn frame(&mut self, w: &PcapWriter, p: &Packet) -> Result<(), CliError> {
        let h = w
            .record_header(self.written, p)
            .map_err(|e| CliError::Unwritable(e.to_string()))?;
        let out = self.out.writer();
        out.write_all(&h)
            .and_then(|()| out.write_all(&p.data))
            .map_err(|e| self.io(e))?;
        self.written += 1;
        self.largest = self.largest.max(p.data.len());
        Ok(())
    }

    /// Raises the header's snapshot length to the largest packet written (regular files).
    pub(super) fn finish(&mut self) -> Result<(), CliError> {
        let Some(w) = self.writer else {
            return Ok(());
        };
        let largest = u32::try_from(self.largest).unwrap_or(u32::MAX);
        if largest > self.header_snaplen && self.out.is_file() {
            self.out
                .patch(16, &w.snaplen_field(largest))
                .map_err(|e| self.io(e))?;
        }
        Ok(())
    }
}
