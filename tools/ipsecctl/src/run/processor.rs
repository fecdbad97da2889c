//! The per-frame work: a frame's outcome, the processor that holds the SAs and the report,
//! and the in-memory run over a whole capture.

use super::decrypt::decrypt_one;
use super::dropped::Ctx;
use super::encrypt::encrypt_one;
use super::unit::{build_unit, group, ns, sa_report, Unit};
use super::Operation;
use crate::capture::{Capture, Packet};
use crate::error::CliError;
use crate::link;
use crate::report::Report;
use crate::spec::SaSpec;

/// What happens to one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written unchanged.
    Pass,
    /// Written with this frame instead.
    Replace(Vec<u8>),
    /// Not written (or written unchanged with `--keep-dropped`).
    Dropped,
}

/// The per-packet work of `pcap encrypt|decrypt`: the SAs, their state and the report, one
/// frame at a time in input order.
pub struct Processor {
    op: Operation,
    specs: Vec<SaSpec>,
    units: Vec<Unit>,
    pub(super) report: Report,
    encap_ports: Vec<u16>,
    /// Timestamp of the first frame ("added" of the `time-*` limits).
    start: Option<i128>,
    frame: u64,
}

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Processor({} frame {})", self.op.name(), self.frame)
    }
}

impl Processor {
    /// Groups and prepares the SAs for a capture of `link_type`.
    pub fn new(op: Operation, specs: &[SaSpec], link_type: u32) -> Result<Self, CliError> {
        if !link::is_supported(link_type) {
            return Err(CliError::UnsupportedLinkType(link_type));
        }
        let groups = group(op, specs)?;
        let mut units = Vec::with_capacity(groups.len());
        let mut report = Report::new(op.name(), link_type);
        for (i, s) in specs.iter().enumerate() {
            let partner = groups
                .iter()
                .find(|g| g.contains(&i) && g.len() > 1)
                .and_then(|g| g.iter().copied().find(|m| *m != i));
            report.sas.push(sa_report(op, i, s, partner));
        }
        for g in groups {
            units.push(build_unit(op, specs, g)?);
        }
        if op == Operation::Decrypt {
            for (a, ua) in units.iter().enumerate() {
                for ub in units.iter().skip(a + 1) {
                    if ua.wire_proto == ub.wire_proto
                        && ua.wire_spi == ub.wire_spi
                        && (ua.dst == ub.dst || ua.wildrecv || ub.wildrecv)
                    {
                        return Err(CliError::SaSet(format!(
                            "SA #{} and SA #{} have the same SPI 0x{:08x}, destination and protocol: inbound lookup would be ambiguous",
                            ua.members.first().map_or(0, |m| m + 1),
                            ub.members.first().map_or(0, |m| m + 1),
                            ua.wire_spi
                        )));
                    }
                }
            }
        }
        let encap_ports = specs
            .iter()
            .filter_map(|s| s.encap.map(|e| e.dport))
            .collect();
        Ok(Self {
            op,
            specs: specs.to_vec(),
            units,
            report,
            encap_ports,
            start: None,
            frame: 0,
        })
    }

    /// Processes the next frame of the input.
    pub fn packet(&mut self, pkt: &Packet) -> Outcome {
        self.frame += 1;
        let frame_no = self.frame;
        self.report.packets.read += 1;
        let start = *self.start.get_or_insert(ns(pkt));
        let mut ctx = Ctx {
            report: &mut self.report,
            frame: frame_no,
        };
        let result = match self.op {
            Operation::Encrypt => encrypt_one(&mut self.units, &self.specs, pkt, start, &mut ctx),
            Operation::Decrypt => decrypt_one(
                &mut self.units,
                &self.specs,
                pkt,
                start,
                &self.encap_ports,
                &mut ctx,
            ),
        };
        match &result {
            Outcome::Pass => self.report.packets.passed += 1,
            Outcome::Replace(_) => self.report.packets.transformed += 1,
            Outcome::Dropped => {}
        }
        result
    }

    /// The report so far (complete once every frame went through [`Processor::packet`]).
    pub fn finish(mut self) -> Report {
        for u in &self.units {
            for m in &u.members {
                if let Some(r) = self.report.sas.get_mut(*m) {
                    r.hard_expired = u.hard_expired || u.time_hard_expired;
                }
            }
        }
        self.report
    }

    /// The report, for a look while frames are still coming.
    pub fn report(&self) -> &Report {
        &self.report
    }
}

/// Process a whole capture in memory: the output packets and the report (the frames
/// through a [`Processor`]; dropped frames are not in the output).
pub fn process(
    op: Operation,
    specs: &[SaSpec],
    cap: &Capture,
) -> Result<(Vec<Packet>, Report), CliError> {
    let mut p = Processor::new(op, specs, cap.link_type)?;
    let mut out = Vec::with_capacity(cap.packets.len());
    for pkt in &cap.packets {
        match p.packet(pkt) {
            Outcome::Pass => out.push(pkt.clone()),
            Outcome::Replace(data) => out.push(replaced(pkt, data)),
            Outcome::Dropped => {}
        }
    }
    Ok((out, p.finish()))
}

/// `pkt` with its bytes replaced by `data` (timestamps kept).
pub(super) fn replaced(pkt: &Packet, data: Vec<u8>) -> Packet {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    Packet {
        ts_sec: pkt.ts_sec,
        ts_nsec: pkt.ts_nsec,
        orig_len: len,
        link_type: pkt.link_type,
        data,
    }
}
