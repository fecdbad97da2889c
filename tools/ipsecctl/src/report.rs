//! The report of a `pcap encrypt|decrypt` run: totals, per-SA counters and
//! per-drop-reason counters, as text or as a JSON document.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ipsec_engine::full::DropReason;
use serde::Serialize;

/// Drop reasons the tool itself adds to the engine's (`DropReason::as_str` names).
pub const TOOL_DROP_REASONS: &[&str] = &[
    // decrypt: ESP/AH packet whose SPI + destination + protocol match no SA.
    "no_sa",
    // decrypt: the inner packet does not match the SA's `sel`.
    "selector_mismatch",
    // a packet to process whose capture was cut short (caplen < wire length).
    "capture_truncated",
    // the output link type (228 IPv4 / 229 IPv6) cannot carry the new IP version.
    "link_type_family",
    // decrypt: ESP, AH or ESP in UDP too short to hold its SPI.
    "runt",
    // memory for the transformed packet could not be had.
    "out_of_memory",
];

/// Packet totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Frames read from the input.
    pub read: u64,
    /// Frames whose IP packet was encrypted or decrypted (written transformed).
    pub transformed: u64,
    /// Frames written unchanged (no SA applied, not IPsec, not IP).
    pub passed: u64,
    /// Frames dropped (not written).
    pub dropped: u64,
}

/// A soft lifetime event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SoftExpiry {
    /// 1-based frame number in the input on which the limit was reached.
    pub packet: u64,
    /// `bytes`, `packets` or `time`.
    pub limit: &'static str,
}

/// Counters of one `--sa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaReport {
    /// 1-based position of the `--sa` on the command line.
    pub sa: usize,
    /// `out` for encrypt, `in` for decrypt.
    pub dir: &'static str,
    /// `esp` or `ah`.
    pub proto: &'static str,
    /// SPI as `0x%08x`.
    pub spi: String,
    /// `src` address.
    pub src: String,
    /// `dst` address.
    pub dst: String,
    /// `transport` or `tunnel`.
    pub mode: &'static str,
    /// Algorithm names as given.
    pub algorithms: String,
    /// The other `--sa` of an ESP+AH bundle.
    pub bundle_with: Option<usize>,
    /// `espinudp SPORT DPORT` when UDP-encapsulated.
    pub encap: Option<String>,
    /// Extended sequence numbers.
    pub esn: bool,
    /// Packets protected (encrypt) or accepted (decrypt).
    pub packets: u64,
    /// Bytes of the plain IP packets (what Linux counts in the SA lifetime).
    pub bytes: u64,
    /// Bytes of the ESP/AH IP packets.
    pub wire_bytes: u64,
    /// Packets dropped after this SA was chosen.
    pub dropped: u64,
    /// Drops by reason.
    pub drops: BTreeMap<String, u64>,
    /// Last sequence number sent (encrypt) or highest accepted (decrypt), if any.
    pub last_seq: Option<u64>,
    /// The soft lifetime event, if reached.
    pub soft_expired: Option<SoftExpiry>,
    /// Whether a hard lifetime limit was reached.
    pub hard_expired: bool,
    /// Options accepted without effect (flags etc.).
    pub ignored: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// `encrypt` or `decrypt`.
    pub command: &'static str,
    /// Link type of the capture.
    pub link_type: u32,
    /// Totals.
    pub packets: Totals,
    /// One entry per `--sa`, in command-line order.
    pub sas: Vec<SaReport>,
    /// Every drop reason (engine and tool) with its count, zeros included.
    pub drops: BTreeMap<String, u64>,
    /// Every dropped frame by its input frame number, reason and SA, in input order
    /// (consecutive frames with the same reason and SA as one entry).
    pub dropped_frames: Vec<crate::run::DroppedFrames>,
    /// Dropped frames beyond the first [`crate::run::MAX_DROPPED_ENTRIES`] entries, not listed.
    pub dropped_frames_omitted: u64,
    /// Whether dropped frames were written unchanged (`--keep-dropped`), so that output frame
    /// numbers are input frame numbers.
    pub kept_dropped: bool,
    /// Where the input was cut short (a capture of a killed tcpdump): the frames before it
    /// were processed.
    pub input_truncated: Option<String>,
}

impl Report {
    /// An empty report with every drop reason at zero.
    pub fn new(command: &'static str, link_type: u32) -> Self {
        let mut drops = BTreeMap::new();
        for r in DropReason::ALL {
            drops.insert(r.as_str().to_string(), 0);
        }
        for r in TOOL_DROP_REASONS {
            drops.insert((*r).to_string(), 0);
        }
        Self {
            command,
            link_type,
            packets: Totals::default(),
            sas: Vec::new(),
            drops,
            dropped_frames: Vec::new(),
            dropped_frames_omitted: 0,
            kept_dropped: false,
            input_truncated: None,
        }
    }

    /// Lists input frame `frame` as dropped for `reason` against `sa` (1-based).
    pub fn note_dropped_frame(&mut self, frame: u64, reason: &str, sa: Option<usize>) {
        if let Some(last) = self.dropped_frames.last_mut() {
            if last.last + 1 == frame && last.reason == reason && last.sa == sa {
                last.last = frame;
                return;
            }
        }
        if self.dropped_frames.len() >= crate::run::MAX_DROPPED_ENTRIES {
            self.dropped_frames_omitted += 1;
            return;
        }
        self.dropped_frames.push(crate::run::DroppedFrames {
            first: frame,
            last: frame,
            reason: reason.to_string(),
            sa,
        });
    }

    /// Count a dropped frame (and against the SAs in `sas`, 0-based indices).
    pub fn drop_packet(&mut self, reason: &str, sas: &[usize]) {
        self.packets.dropped += 1;
        *self.drops.entry(reason.to_string()).or_insert(0) += 1;
        for &i in sas {
            if let Some(s) = self.sas.get_mut(i) {
                s.dropped += 1;
                *s.drops.entry(reason.to_string()).or_insert(0) += 1;
            }
        }
    }

    /// The JSON document.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The text report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let t = &self.packets;
        let _ = writeln!(
            s,
            "ipsecctl pcap {}: {} packets read, {} transformed, {} passed unchanged, {} dropped",
            self.command, t.read, t.transformed, t.passed, t.dropped
        );
        for sa in &self.sas {
            let _ = write!(
                s,
                "SA #{} {} {} spi {} {} -> {} {} {}",
                sa.sa, sa.dir, sa.proto, sa.spi, sa.src, sa.dst, sa.mode, sa.algorithms
            );
            if let Some(b) = sa.bundle_with {
                let _ = write!(s, " (bundle with SA #{b})");
            }
            if let Some(e) = &sa.encap {
                let _ = write!(s, " encap {e}");
            }
            if sa.esn {
                s.push_str(" esn");
            }
            let _ = writeln!(
                s,
                ": {} packets, {} bytes ({} bytes ESP/AH), {} dropped",
                sa.packets, sa.bytes, sa.wire_bytes, sa.dropped
            );
            for (reason, n) in &sa.drops {
                let _ = writeln!(s, "  drop {reason}: {n}");
            }
            if let Some(seq) = sa.last_seq {
                let _ = writeln!(s, "  last sequence number: {seq}");
            }
            if let Some(e) = &sa.soft_expired {
                let _ = writeln!(
                    s,
                    "  soft lifetime ({}) reached at packet {}",
                    e.limit, e.packet
                );
            }
            if sa.hard_expired {
                s.push_str("  hard lifetime reached\n");
            }
            if !sa.ignored.is_empty() {
                let _ = writeln!(s, "  accepted without effect: {}", sa.ignored.join(", "));
            }
        }
        if let Some(cut) = &self.input_truncated {
            let _ = writeln!(s, "input cut short, read up to the cut: {cut}");
        }
        let nonzero: Vec<_> = self.drops.iter().filter(|(_, n)| **n > 0).collect();
        if nonzero.is_empty() {
            s.push_str("drops: none\n");
        } else {
            s.push_str("drops:\n");
            for (reason, n) in nonzero {
                let _ = writeln!(s, "  {reason}: {n}");
            }
        }
        if !self.dropped_frames.is_empty() {
            let _ = writeln!(
                s,
                "dropped frames (input frame numbers){}:",
                if self.kept_dropped {
                    ", written unchanged"
                } else {
                    ""
                }
            );
            for d in &self.dropped_frames {
                let frames = if d.first == d.last {
                    format!("frame {}", d.first)
                } else {
                    format!("frames {}-{}", d.first, d.last)
                };
                let sa = d.sa.map(|n| format!(" (SA #{n})")).unwrap_or_default();
                let _ = writeln!(s, "  {frames}: {}{sa}", d.reason);
            }
            if self.dropped_frames_omitted > 0 {
                let _ = writeln!(
                    s,
                    "  ... and {} more not listed",
                    self.dropped_frames_omitted
                );
            }
        }
        s
    }
}
