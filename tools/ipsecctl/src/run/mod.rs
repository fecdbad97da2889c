//! `ipsecctl pcap encrypt|decrypt`: SAs from `--sa` specifications, the
//! engine's full face over every packet of a capture, streamed.
//!
//! Order of work: every `--sa` is parsed and every SA prepared, the input's
//! header and first record are read, OUT is opened ([`crate::output`]), then
//! records are read, processed and written one at a time: memory does not
//! grow with the capture (a few buffers of at most one record each, see
//! [`crate::capture::MAX_RECORD`], and the list of dropped frames, at most
//! [`MAX_DROPPED_ENTRIES`] entries). For a regular-file OUT the report is
//! written before the file is put in place, so any error (also on standard
//! output) leaves no OUT behind (and an existing OUT untouched).

use std::path::PathBuf;

use crate::error::CliError;
use crate::spec::{self, SaSpec};

/// Which way the packets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Protect plain packets with outbound SAs.
    Encrypt,
    /// Verify and decapsulate ESP/AH packets with inbound SAs.
    Decrypt,
}

impl Operation {
    /// `encrypt` or `decrypt`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Encrypt => "encrypt",
            Self::Decrypt => "decrypt",
        }
    }
}

/// Arguments of `ipsecctl pcap encrypt|decrypt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapJob {
    /// Encrypt or decrypt.
    pub op: Operation,
    /// The `--sa` specifications, in order.
    pub sas: Vec<String>,
    /// Input capture.
    pub input: PathBuf,
    /// Output capture (`-`: standard output).
    pub output: PathBuf,
    /// Write dropped frames unchanged, so that output frame numbers are input frame numbers.
    pub keep_dropped: bool,
}

/// Parse every `--sa`; the first bad one is reported with its 1-based number.
pub fn parse_specs(specs: &[String]) -> Result<Vec<SaSpec>, CliError> {
    specs
        .iter()
        .enumerate()
        .map(|(i, s)| spec::parse(s).map_err(|error| CliError::Spec { sa: i + 1, error }))
        .collect()
}

mod decrypt;
mod dropped;
mod encrypt;
mod lifetime;
mod pcap;
mod processor;
mod sink;
mod unit;
mod wire_key;

pub use dropped::{DroppedFrames, MAX_DROPPED_ENTRIES};
pub use pcap::run_pcap;
pub use processor::{process, Outcome, Processor};
pub use sink::STREAM_SNAPLEN;
