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

use std::fs::File;
use std::io::{self, BufReader};
use std::net::IpAddr;
use std::path::PathBuf;

use ipsec_engine::full::{
    self, AhTransform, AntiReplay, DropReason, EspTransform, InboundSa, Lifetimes, LimitKind,
    OutboundSa, Protocol, SaConfig, SaKeys, UdpEncap,
};
use ipsec_engine::wire::field::read32;
use ipsec_engine::wire::{ah, esp, proto, NAT_T_PORT, UDP_HEADER_LEN};
use ipsec_engine::SetupError;

use crate::capture::{Capture, CaptureError, Format, Packet, PcapWriter, Reader, Step};
use crate::error::CliError;
use crate::link;
use crate::output::{Output, Watcher};
use crate::report::{Report, SaReport, SoftExpiry};
use crate::select::{self, PacketSummary};
use crate::spec::{self, Direction, Mode, SaSpec, Transform, XfrmProto};

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

enum Engine {
    Out(Box<OutboundSa>),
    In(Box<InboundSa>),
}

/// One engine SA: a single `--sa`, or an ESP+AH bundle of two.
struct Unit {
    /// 0-based spec indices; the first is the ESP one (or the only one).
    members: Vec<usize>,
    engine: Engine,
    /// Inbound lookup: protocol on the wire (AH for a bundle), SPI, destination.
    wire_proto: u8,
    wire_spi: u32,
    dst: IpAddr,
    wildrecv: bool,
    /// Time limits (seconds) of the primary spec.
    time: spec::Limits,
    first_use_ns: Option<i128>,
    time_hard_expired: bool,
    soft_reported: bool,
    /// Soft and hard byte/packet limits (0: none).
    lifetimes: Lifetimes,
    /// Bytes and packets counted so far (Linux's `curlft`).
    used: full::Limits,
    /// A hard byte/packet limit was reached.
    hard_expired: bool,
}

impl Unit {
    /// Linux's `xfrm_state_check_expire`, before a packet is processed: a hard limit already
    /// reached refuses it (and every later one); a soft limit already reached fires the soft
    /// event (once) on this packet, which still goes through.
    fn check_expire(&mut self) -> Result<Option<LimitKind>, ()> {
        let reached = |l: full::Limits, u: full::Limits| {
            if l.bytes != 0 && u.bytes >= l.bytes {
                Some(LimitKind::Bytes)
            } else if l.packets != 0 && u.packets >= l.packets {
                Some(LimitKind::Packets)
            } else {
                None
            }
        };
        if self.hard_expired || reached(self.lifetimes.hard, self.used).is_some() {
            self.hard_expired = true;
            return Err(());
        }
        Ok(reached(self.lifetimes.soft, self.used))
    }

    /// Counts a packet processed (after the transform, as Linux does).
    fn count(&mut self, bytes: usize) {
        self.used.bytes = self.used.bytes.saturating_add(bytes as u64);
        self.used.packets = self.used.packets.saturating_add(1);
    }
}

fn ns(p: &Packet) -> i128 {
    i128::from(p.ts_sec) * 1_000_000_000 + i128::from(p.ts_nsec)
}

fn limit(v: Option<u64>) -> u64 {
    match v {
        Some(u64::MAX) | None => 0,
        Some(n) => n,
    }
}

/// Group the specs into engine units (pairing ESP+AH bundles) in order.
fn group(op: Operation, specs: &[SaSpec]) -> Result<Vec<Vec<usize>>, CliError> {
    for (i, s) in specs.iter().enumerate() {
        let want = match op {
            Operation::Encrypt => Direction::Out,
            Operation::Decrypt => Direction::In,
        };
        if let Some(d) = s.dir {
            if d != want {
                return Err(CliError::SaSet(format!(
                    "SA #{} is marked dir {}, but {} uses {} SAs",
                    i + 1,
                    if d == Direction::In { "in" } else { "out" },
                    op.name(),
                    if want == Direction::In {
                        "inbound (dir in)"
                    } else {
                        "outbound (dir out)"
                    }
                )));
            }
        }
    }
    let mut paired: Vec<Option<usize>> = vec![None; specs.len()];
    for (a, ah) in specs.iter().enumerate() {
        if ah.proto != XfrmProto::Ah {
            continue;
        }
        let partner = specs.iter().enumerate().find(|(e, esp)| {
            esp.proto == XfrmProto::Esp
                && paired[*e].is_none()
                && esp.src == ah.src
                && esp.dst == ah.dst
                && esp.mode == ah.mode
                && esp.sel == ah.sel
        });
        if let Some((e, esp)) = partner {
            let mismatch = if esp.flags.esn != ah.flags.esn {
                Some("flag esn")
            } else if esp.replay_window != ah.replay_window {
                Some("replay-window")
            } else if (esp.replay_seq, esp.replay_seq_hi) != (ah.replay_seq, ah.replay_seq_hi) {
                Some("replay-seq/replay-seq-hi")
            } else if (esp.replay_oseq, esp.replay_oseq_hi) != (ah.replay_oseq, ah.replay_oseq_hi) {
                Some("replay-oseq/replay-oseq-hi")
            } else if esp.limits != ah.limits {
                Some("limit")
            } else if esp.flags.wildrecv != ah.flags.wildrecv {
                Some("flag wildrecv")
            } else if esp.encap.is_some() {
                Some("encap (an ESP+AH bundle cannot be UDP-encapsulated)")
            } else {
                None
            };
            if let Some(what) = mismatch {
                return Err(CliError::SaSet(format!(
                    "SA #{} (esp) and SA #{} (ah) have the same src, dst, mode and sel and so form an \
                     ESP+AH bundle, but they differ in {what}",
                    e + 1,
                    a + 1
                )));
            }
            paired[e] = Some(a);
            paired[a] = Some(e);
        }
    }
    let mut units = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        match paired[i] {
            Some(a) if s.proto == XfrmProto::Esp => units.push(vec![i, a]),
            Some(_) => {
                // The AH half: its unit starts at the ESP spec. Keep command-line
                // order by the earlier of the two.
            }
            None => units.push(vec![i]),
        }
    }
    // Order units by their earliest member (first match wins in --sa order).
    units.sort_by_key(|m| m.iter().copied().min().unwrap_or(usize::MAX));
    Ok(units)
}

fn build_unit(op: Operation, specs: &[SaSpec], members: Vec<usize>) -> Result<Unit, CliError> {
    let primary = members.first().copied().unwrap_or(0);
    let Some(p) = specs.get(primary) else {
        return Err(CliError::SaSet("internal: empty SA group".into()));
    };
    let ah_spec = members.get(1).and_then(|i| specs.get(*i));
    let mut keys = SaKeys::default();
    let esp_t = |s: &SaSpec| -> Option<EspTransform> {
        match &s.transform {
            Transform::Esp { enc, integ, .. } => Some(EspTransform {
                spi: s.spi,
                encryption: *enc,
                integrity: *integ,
            }),
            Transform::Ah { .. } => None,
        }
    };
    let ah_t = |s: &SaSpec| -> Option<AhTransform> {
        match &s.transform {
            Transform::Ah { alg, .. } => Some(AhTransform {
                spi: s.spi,
                integrity: *alg,
            }),
            Transform::Esp { .. } => None,
        }
    };
    for s in std::iter::once(p).chain(ah_spec) {
        match &s.transform {
            Transform::Esp {
                enc_key, integ_key, ..
            } => {
                keys.esp_encryption = enc_key;
                keys.esp_integrity = integ_key;
            }
            Transform::Ah { key, .. } => keys.ah = key,
        }
    }
    let protocol = match (esp_t(p), ah_spec.and_then(ah_t), ah_t(p)) {
        (Some(esp), Some(ah), _) => Protocol::EspAh { esp, ah },
        (Some(esp), None, _) => Protocol::Esp(esp),
        (None, _, Some(ah)) => Protocol::Ah(ah),
        (None, _, None) => return Err(CliError::SaSet("internal: SA without transform".into())),
    };
    let mode = match p.mode {
        Mode::Transport => full::Mode::Transport,
        Mode::Tunnel => full::Mode::Tunnel {
            src: p.src,
            dst: p.dst,
        },
    };
    let sa_no = primary + 1;
    let anti_replay = match (op, p.replay_window) {
        (Operation::Encrypt, _) | (Operation::Decrypt, 0) => AntiReplay::Disabled,
        (Operation::Decrypt, w @ 32..=4096) => AntiReplay::Window(w),
        (Operation::Decrypt, w) => {
            return Err(CliError::Setup {
                sa: sa_no,
                reason: format!(
                    "replay-window {w}: the engine's anti-replay window is 32..=4096 packets (0 disables it)"
                ),
            })
        }
    };
    if op == Operation::Decrypt && p.flags.esn && p.replay_window == 0 {
        return Err(CliError::Setup {
            sa: sa_no,
            reason:
                "flag esn needs a replay-window (32..=4096) on an inbound SA: the high 32 bits of \
                     the sequence number are inferred from the window (Linux refuses it too)"
                    .into(),
        });
    }
    let initial_iseq = (p.replay_seq != 0 || p.replay_seq_hi != 0)
        .then_some((u64::from(p.replay_seq_hi) << 32) | u64::from(p.replay_seq));
    let mut cfg = SaConfig::new(protocol, mode);
    cfg.udp_encap = p.encap.map(|e| UdpEncap {
        src_port: e.sport,
        dst_port: e.dport,
    });
    cfg.esn = p.flags.esn;
    cfg.anti_replay = anti_replay;
    cfg.initial_oseq = (u64::from(p.replay_oseq_hi) << 32) | u64::from(p.replay_oseq);
    cfg.initial_iseq = if op == Operation::Decrypt {
        initial_iseq
    } else {
        None
    };
    let soft_above = |soft: Option<u64>, hard: Option<u64>| matches!((limit(soft), limit(hard)), (s, h) if s != 0 && h != 0 && s > h);
    if soft_above(p.limits.byte_soft, p.limits.byte_hard)
        || soft_above(p.limits.packet_soft, p.limits.packet_hard)
    {
        return Err(CliError::Setup {
            sa: sa_no,
            reason: full::ConfigError::SoftLimitAboveHard.to_string(),
        });
    }
    // Byte and packet lifetimes are counted here, in the order of Linux's
    // xfrm_state_check_expire (check before counting: see `Unit::check_expire`), not by the
    // engine.
    cfg.lifetimes = Lifetimes::default();
    let setup = |e: full::ConfigError| CliError::Setup {
        sa: sa_no,
        reason: match e {
            full::ConfigError::Setup(SetupError::WeakKey) => weak_key_reason(p),
            e => e.to_string(),
        },
    };
    let engine = match op {
        Operation::Encrypt => Engine::Out(Box::new(OutboundSa::new(&cfg, &keys).map_err(setup)?)),
        Operation::Decrypt => Engine::In(Box::new(InboundSa::new(&cfg, &keys).map_err(setup)?)),
    };
    let (wire_proto, wire_spi) = match protocol {
        Protocol::Esp(e) => (proto::ESP, e.spi),
        Protocol::Ah(a) | Protocol::EspAh { ah: a, .. } => (proto::AH, a.spi),
    };
    Ok(Unit {
        members,
        engine,
        wire_proto,
        wire_spi,
        dst: p.dst,
        wildrecv: p.flags.wildrecv,
        time: p.limits,
        first_use_ns: None,
        time_hard_expired: false,
        soft_reported: false,
        lifetimes: Lifetimes {
            soft: full::Limits {
                bytes: limit(p.limits.byte_soft),
                packets: limit(p.limits.packet_soft),
            },
            hard: full::Limits {
                bytes: limit(p.limits.byte_hard),
                packets: limit(p.limits.packet_hard),
            },
        },
        used: full::Limits::default(),
        hard_expired: false,
    })
}

/// Why the engine calls the key of `s` weak, naming the key and the rule (FIPS 74 weak and
/// semi-weak DES keys; NIST SP 800-67: the three keys of 3DES must be distinct, else it
/// degenerates to single DES). Parity bits (the low bit of each byte) are ignored.
fn weak_key_reason(s: &SaSpec) -> String {
    let Transform::Esp { enc_key, .. } = &s.transform else {
        return "weak key".into();
    };
    // The key itself is not printed (keys never are); the token is named by its algorithm.
    let head = format!("the enc key of `{}`", s.transform.names());
    let third = |i: usize| -> Vec<u8> {
        enc_key
            .get(i * 8..i * 8 + 8)
            .unwrap_or(&[])
            .iter()
            .map(|b| b & 0xfe)
            .collect()
    };
    if enc_key.len() == 24 {
        let (k1, k2, k3) = (third(0), third(1), third(2));
        let mut same = Vec::new();
        if k1 == k2 {
            same.push("K1 = K2");
        }
        if k2 == k3 {
            same.push("K2 = K3");
        }
        if k1 == k3 {
            same.push("K1 = K3");
        }
        if !same.is_empty() {
            return format!(
                "{head}: its 8-byte thirds are not distinct ({}, parity bits ignored), so 3DES \
                 would degenerate to single DES (NIST SP 800-67); use three independent keys",
                same.join(", ")
            );
        }
        return format!(
            "{head}: one of its 8-byte thirds is a DES weak or semi-weak key (FIPS 74); use \
             another key"
        );
    }
    format!("{head}: a DES weak or semi-weak key (FIPS 74); use another key")
}

fn sa_report(op: Operation, i: usize, s: &SaSpec, bundle_with: Option<usize>) -> SaReport {
    SaReport {
        sa: i + 1,
        dir: match op {
            Operation::Encrypt => "out",
            Operation::Decrypt => "in",
        },
        proto: s.proto.name(),
        spi: format!("0x{:08x}", s.spi),
        src: s.src.to_string(),
        dst: s.dst.to_string(),
        mode: s.mode.name(),
        algorithms: s.transform.names().to_string(),
        bundle_with: bundle_with.map(|b| b + 1),
        encap: s.encap.map(|e| format!("espinudp {} {}", e.sport, e.dport)),
        esn: s.flags.esn,
        packets: 0,
        bytes: 0,
        wire_bytes: 0,
        dropped: 0,
        drops: Default::default(),
        last_seq: None,
        soft_expired: None,
        hard_expired: false,
        ignored: s.ignored.clone(),
    }
}

/// Time-limit check before a packet is given to a unit (Linux `time-*`
/// limits, measured on capture timestamps: "added" is the first packet of the
/// capture, "used" the first packet this SA processed). Returns whether the
/// packet must be dropped as `hard_lifetime_expired`, and a soft event.
fn time_check(u: &mut Unit, now: i128, start: i128) -> (bool, bool) {
    let t = u.time;
    let first_use = *u.first_use_ns.get_or_insert(now);
    let since_add = now.saturating_sub(start);
    let since_use = now.saturating_sub(first_use);
    let past = |limit: Option<u64>, elapsed: i128| match limit {
        Some(0) | None => false,
        Some(l) => elapsed >= i128::from(l) * 1_000_000_000,
    };
    if u.time_hard_expired || past(t.time_hard, since_add) || past(t.time_use_hard, since_use) {
        u.time_hard_expired = true;
        return (true, false);
    }
    let soft = past(t.time_soft, since_add) || past(t.time_use_soft, since_use);
    (false, soft)
}

/// Key an inbound packet is looked up by: protocol on the wire, SPI,
/// destination, and whether it came in UDP.
#[derive(Debug, Clone, Copy)]
struct WireKey {
    proto: u8,
    spi: u32,
    dst: IpAddr,
    udp: bool,
}

/// What an inbound packet is for the SA lookup.
#[derive(Debug, Clone, Copy)]
enum WireLookup {
    /// ESP, AH or ESP in UDP with its SPI.
    Key(WireKey),
    /// Not IPsec (or NAT keepalive / IKE on the NAT-T port).
    NotIpsec,
    /// ESP, AH or ESP in UDP too short to hold an SPI.
    Runt,
}

/// ESP/AH/ESP-in-UDP detection. `Err(())` for an IPsec fragment.
fn wire_key(ip: &[u8], s: &PacketSummary, encap_ports: &[u16]) -> Result<WireLookup, ()> {
    let l4 = s.l4_offset.and_then(|o| ip.get(o..));
    let key = |proto: u8, spi: Option<u32>, udp: bool| {
        spi.map_or(WireLookup::Runt, |spi| {
            WireLookup::Key(WireKey {
                proto,
                spi,
                dst: s.dst,
                udp,
            })
        })
    };
    match s.proto {
        Some(proto::ESP | proto::AH) if s.fragment => Err(()),
        Some(proto::ESP) => Ok(key(
            proto::ESP,
            l4.and_then(|l| read32(l, esp::field::SPI)),
            false,
        )),
        Some(proto::AH) => Ok(key(
            proto::AH,
            l4.and_then(|l| read32(l, ah::field::SPI)),
            false,
        )),
        Some(proto::UDP) => {
            let Some(l) = l4 else {
                return Ok(WireLookup::NotIpsec);
            };
            let Some((_, dport)) = s.ports else {
                return Ok(WireLookup::NotIpsec);
            };
            if dport != NAT_T_PORT && !encap_ports.contains(&dport) {
                return Ok(WireLookup::NotIpsec);
            }
            let payload = l.get(UDP_HEADER_LEN..).unwrap_or(&[]);
            // NAT keepalive (0xff) and IKE (non-ESP marker) are not ESP; neither is an
            // empty datagram.
            if payload.is_empty() || payload == [0xff] || payload.get(..4) == Some(&[0, 0, 0, 0]) {
                return Ok(WireLookup::NotIpsec);
            }
            if s.fragment {
                return Err(());
            }
            Ok(key(proto::ESP, read32(payload, esp::field::SPI), true))
        }
        _ => Ok(WireLookup::NotIpsec),
    }
}

/// A frame the tool did not pass on transformed or unchanged: its number in the input
/// (1-based), why, and the `--sa` it was dropped against (1-based; none when no SA was found).
/// Consecutive frames with the same reason and SA are one entry (`first..=last`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DroppedFrames {
    /// First input frame number.
    pub first: u64,
    /// Last input frame number (equal to `first` for a single frame).
    pub last: u64,
    /// The drop reason (the names of [`Report::drops`]).
    pub reason: String,
    /// The `--sa` (1-based), if one was chosen.
    pub sa: Option<usize>,
}

/// At most this many [`DroppedFrames`] entries are kept (a few MB); drops beyond are counted
/// in [`Report::dropped_frames_omitted`] (they are still in the per-reason counts).
pub const MAX_DROPPED_ENTRIES: usize = 100_000;

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
    report: Report,
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

/// The report and the frame being processed: drops are counted and listed with its number.
struct Ctx<'r> {
    report: &'r mut Report,
    frame: u64,
}

impl Ctx<'_> {
    fn drop(&mut self, reason: &str, sas: &[usize]) {
        self.report.drop_packet(reason, sas);
        self.report
            .note_dropped_frame(self.frame, reason, sas.first().map(|i| i + 1));
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
fn replaced(pkt: &Packet, data: Vec<u8>) -> Packet {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    Packet {
        ts_sec: pkt.ts_sec,
        ts_nsec: pkt.ts_nsec,
        orig_len: len,
        link_type: pkt.link_type,
        data,
    }
}

fn soft_event(u: &mut Unit, report: &mut Report, frame_no: u64, kind: &'static str) {
    if u.soft_reported {
        return;
    }
    u.soft_reported = true;
    for m in &u.members {
        if let Some(r) = report.sas.get_mut(*m) {
            r.soft_expired = Some(SoftExpiry {
                packet: frame_no,
                limit: kind,
            });
        }
    }
}

fn limit_name(k: LimitKind) -> &'static str {
    match k {
        LimitKind::Bytes => "bytes",
        LimitKind::Packets => "packets",
    }
}

fn count_success(u: &mut Unit, report: &mut Report, plain: usize, wire: usize, seq: u64) {
    u.count(plain);
    for m in &u.members {
        if let Some(r) = report.sas.get_mut(*m) {
            r.packets += 1;
            r.bytes += plain as u64;
            r.wire_bytes += wire as u64;
            r.last_seq = Some(r.last_seq.map_or(seq, |s| s.max(seq)));
        }
    }
}

/// The lifetime checks before a packet goes to a unit (time limits, then Linux's
/// `xfrm_state_check_expire` order for bytes and packets): `false` when it is dropped.
fn admit(u: &mut Unit, pkt: &Packet, start: i128, ctx: &mut Ctx<'_>) -> bool {
    let members = u.members.clone();
    let (hard, soft) = time_check(u, ns(pkt), start);
    if hard {
        ctx.drop(DropReason::HardLifetimeExpired.as_str(), &members);
        return false;
    }
    match u.check_expire() {
        Err(()) => {
            ctx.drop(DropReason::HardLifetimeExpired.as_str(), &members);
            false
        }
        Ok(k) => {
            if let Some(k) = k {
                soft_event(u, ctx.report, ctx.frame, limit_name(k));
            }
            if soft {
                soft_event(u, ctx.report, ctx.frame, "time");
            }
            true
        }
    }
}

fn encrypt_one(
    units: &mut [Unit],
    specs: &[SaSpec],
    pkt: &Packet,
    start: i128,
    ctx: &mut Ctx<'_>,
) -> Outcome {
    let Some(loc) = link::locate(pkt.link_type, &pkt.data) else {
        return Outcome::Pass;
    };
    let ip = loc.datagram(&pkt.data);
    let Some(summary) = select::summarize(ip) else {
        return Outcome::Pass;
    };
    let Some(u) = units.iter_mut().find(|u| {
        u.members
            .first()
            .and_then(|m| specs.get(*m))
            .is_some_and(|s| select::sa_matches(s, &summary))
    }) else {
        return Outcome::Pass;
    };
    let members = u.members.clone();
    if usize::try_from(pkt.orig_len).is_ok_and(|o| o > pkt.data.len()) {
        ctx.drop("capture_truncated", &members);
        return Outcome::Dropped;
    }
    if !admit(u, pkt, start, ctx) {
        return Outcome::Dropped;
    }
    let Engine::Out(sa) = &mut u.engine else {
        return Outcome::Pass;
    };
    let mut buf = Vec::new();
    if buf.try_reserve(ip.len() + sa.max_overhead()).is_err() {
        ctx.drop("out_of_memory", &members);
        return Outcome::Dropped;
    }
    buf.resize(ip.len() + sa.max_overhead(), 0);
    match sa.encapsulate(ip, &mut buf) {
        Ok(e) => {
            buf.truncate(e.len);
            match loc.rebuild(&pkt.data, &buf) {
                Ok(frame) => {
                    count_success(u, ctx.report, ip.len(), e.len, e.seq);
                    Outcome::Replace(frame)
                }
                Err(_) => {
                    ctx.drop("link_type_family", &members);
                    Outcome::Dropped
                }
            }
        }
        Err(r) => {
            ctx.drop(r.as_str(), &members);
            Outcome::Dropped
        }
    }
}

fn decrypt_one(
    units: &mut [Unit],
    specs: &[SaSpec],
    pkt: &Packet,
    start: i128,
    encap_ports: &[u16],
    ctx: &mut Ctx<'_>,
) -> Outcome {
    let Some(loc) = link::locate(pkt.link_type, &pkt.data) else {
        return Outcome::Pass;
    };
    let mut cur = loc.datagram(&pkt.data).to_vec();
    let mut changed = false;
    // Nested SAs (an inner packet that is again ESP/AH for another SA) are
    // processed up to 4 levels deep.
    for depth in 0..4 {
        let Some(summary) = select::summarize(&cur) else {
            break;
        };
        let key = match wire_key(&cur, &summary, encap_ports) {
            Ok(WireLookup::Key(k)) => k,
            Ok(WireLookup::NotIpsec) => break,
            Ok(WireLookup::Runt) => {
                ctx.drop("runt", &[]);
                return Outcome::Dropped;
            }
            Err(()) => {
                ctx.drop(DropReason::Fragment.as_str(), &[]);
                return Outcome::Dropped;
            }
        };
        let Some(u) = units.iter_mut().find(|u| {
            u.wire_proto == key.proto && u.wire_spi == key.spi && (u.wildrecv || u.dst == key.dst)
        }) else {
            if depth == 0 {
                ctx.drop("no_sa", &[]);
                return Outcome::Dropped;
            }
            break;
        };
        let members = u.members.clone();
        if depth == 0 && usize::try_from(pkt.orig_len).is_ok_and(|o| o > pkt.data.len()) {
            ctx.drop("capture_truncated", &members);
            return Outcome::Dropped;
        }
        if !admit(u, pkt, start, ctx) {
            return Outcome::Dropped;
        }
        let Engine::In(sa) = &mut u.engine else {
            return Outcome::Pass;
        };
        let wire_len = cur.len();
        match sa.decapsulate(&mut cur) {
            Ok(d) => {
                let inner = cur.get(d.range()).unwrap_or(&[]).to_vec();
                let sel_ok = members
                    .first()
                    .and_then(|m| specs.get(*m))
                    .and_then(|s| s.sel.as_ref())
                    .is_none_or(|sel| {
                        select::summarize(&inner).is_some_and(|p| select::selector_matches(sel, &p))
                    });
                if !sel_ok {
                    ctx.drop("selector_mismatch", &members);
                    return Outcome::Dropped;
                }
                count_success(u, ctx.report, inner.len(), wire_len, d.seq);
                cur = inner;
                changed = true;
            }
            // ESP in UDP for an SA without encap: the engine calls it not IPsec;
            // here it is ESP for a known SPI, so it is a protocol mismatch.
            Err(DropReason::NotIpsec) if key.udp => {
                ctx.drop(DropReason::ProtocolMismatch.as_str(), &members);
                return Outcome::Dropped;
            }
            Err(DropReason::NotIpsec) => break,
            Err(r) => {
                ctx.drop(r.as_str(), &members);
                return Outcome::Dropped;
            }
        }
    }
    if !changed {
        return Outcome::Pass;
    }
    match loc.rebuild(&pkt.data, &cur) {
        Ok(frame) => Outcome::Replace(frame),
        Err(_) => {
            ctx.drop("link_type_family", &[]);
            Outcome::Dropped
        }
    }
}

/// The snapshot length written for an output that is not a regular file (its header cannot be
/// patched at the end): the reader's largest record plus room for any ESP/AH overhead.
pub const STREAM_SNAPLEN: u32 = (crate::capture::MAX_RECORD as u32) + 4096;

/// Writes the processed frames to OUT as pcap.
struct Sink {
    out: Output,
    writer: Option<PcapWriter>,
    header_snaplen: u32,
    largest: usize,
    written: usize,
}

impl Sink {
    fn io(&self, error: io::Error) -> CliError {
        CliError::Output {
            path: self.out.path().to_path_buf(),
            error,
        }
    }

    /// Writes the header (once), from what the reader knows by now.
    fn start<R: io::Read>(&mut self, r: &Reader<R>) -> Result<PcapWriter, CliError> {
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

    fn frame(&mut self, w: &PcapWriter, p: &Packet) -> Result<(), CliError> {
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
    fn finish(&mut self) -> Result<(), CliError> {
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

/// Run `ipsecctl pcap encrypt|decrypt`: parse, then read, process and write one record at a
/// time. `watch` guards OUT's temporary file against interruption; `show` writes the report
/// (to standard output): for a regular-file OUT before the file is put in place, so that a
/// failure there leaves no OUT.
pub fn run_pcap(
    job: &PcapJob,
    watch: Option<Watcher<'_>>,
    show: &mut dyn FnMut(&Report) -> Result<(), CliError>,
) -> Result<Report, CliError> {
    let specs = parse_specs(&job.sas)?;
    let input_io = |error| CliError::InputIo {
        path: job.input.clone(),
        error,
    };
    let input_err = |error| CliError::Input {
        path: job.input.clone(),
        error,
    };
    let file = File::open(&job.input).map_err(input_io)?;
    if file.metadata().map_err(input_io)?.is_dir() {
        return Err(input_io(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    let mut reader = Reader::new(BufReader::with_capacity(1 << 16, file)).map_err(input_err)?;
    let mut pkt = Packet {
        ts_sec: 0,
        ts_nsec: 0,
        orig_len: 0,
        link_type: 0,
        data: Vec::new(),
    };
    // The first record decides a pcapng file's link type.
    let mut step = reader.next_packet(&mut pkt).map_err(input_err)?;
    let mut proc = Processor::new(job.op, &specs, reader.link_type())?;
    proc.report.kept_dropped = job.keep_dropped;
    let out = Output::open(&job.output, watch).map_err(|error| CliError::Output {
        path: job.output.clone(),
        error,
    })?;
    let mut sink = Sink {
        out,
        writer: None,
        header_snaplen: 0,
        largest: 0,
        written: 0,
    };
    loop {
        match step {
            Step::Packet => {
                let w = sink.start(&reader)?;
                if reader.format() == Format::PcapNg && reader.nanosecond() && !w.nanosecond {
                    return Err(input_err(CaptureError::LateResolution {
                        offset: reader.offset(),
                    }));
                }
                match proc.packet(&pkt) {
                    Outcome::Pass => sink.frame(&w, &pkt)?,
                    Outcome::Replace(data) => sink.frame(&w, &replaced(&pkt, data))?,
                    Outcome::Dropped if job.keep_dropped => sink.frame(&w, &pkt)?,
                    Outcome::Dropped => {}
                }
            }
            Step::End => break,
            Step::Truncated(e) => {
                proc.report.input_truncated = Some(e.to_string());
                break;
            }
        }
        step = reader.next_packet(&mut pkt).map_err(input_err)?;
    }
    sink.start(&reader)?;
    sink.finish()?;
    let report = proc.finish();
    let out = sink.out;
    let path = out.path().to_path_buf();
    let committed = |r: io::Result<()>| r.map_err(|error| CliError::Output { path, error });
    if out.is_file() {
        show(&report)?;
        committed(out.commit())?;
    } else {
        committed(out.commit())?;
        show(&report)?;
    }
    Ok(report)
}
