//! `ipsecctl pcap encrypt|decrypt`: SAs from `--sa` specifications, the
//! engine's full face over every packet of a capture, atomic output.
//!
//! Order of work: every `--sa` is parsed and every SA prepared, the whole
//! input is read and checked, every packet is processed in memory, the
//! output is encoded, written to a temporary file in the output's directory
//! and renamed over OUT. Any error before the rename leaves no OUT behind
//! (and an existing OUT untouched).

use std::fs;
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipsec_engine::full::{
    self, AhTransform, AntiReplay, DropReason, EspTransform, InboundSa, Lifetimes, LimitKind,
    OutboundSa, Protocol, SaConfig, SaKeys, UdpEncap,
};
use ipsec_engine::wire::field::read32;
use ipsec_engine::wire::{ah, esp, proto, NAT_T_PORT, UDP_HEADER_LEN};

use crate::capture::{self, Capture, Packet, PcapWriter};
use crate::error::CliError;
use crate::link;
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
    /// Output capture.
    pub output: PathBuf,
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
    cfg.lifetimes = Lifetimes {
        soft: full::Limits {
            bytes: limit(p.limits.byte_soft),
            packets: limit(p.limits.packet_soft),
        },
        hard: full::Limits {
            bytes: limit(p.limits.byte_hard),
            packets: limit(p.limits.packet_hard),
        },
    };
    let setup = |e: full::ConfigError| CliError::Setup {
        sa: sa_no,
        reason: e.to_string(),
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
    })
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

/// ESP/AH/ESP-in-UDP detection. `Err(())` for an IPsec fragment.
fn wire_key(ip: &[u8], s: &PacketSummary, encap_ports: &[u16]) -> Result<Option<WireKey>, ()> {
    let l4 = s.l4_offset.and_then(|o| ip.get(o..));
    match s.proto {
        Some(proto::ESP | proto::AH) if s.fragment => Err(()),
        Some(proto::ESP) => Ok(l4
            .and_then(|l| read32(l, esp::field::SPI))
            .map(|spi| WireKey {
                proto: proto::ESP,
                spi,
                dst: s.dst,
                udp: false,
            })),
        Some(proto::AH) => Ok(l4
            .and_then(|l| read32(l, ah::field::SPI))
            .map(|spi| WireKey {
                proto: proto::AH,
                spi,
                dst: s.dst,
                udp: false,
            })),
        Some(proto::UDP) => {
            let Some(l) = l4 else { return Ok(None) };
            let Some((_, dport)) = s.ports else {
                return Ok(None);
            };
            if dport != NAT_T_PORT && !encap_ports.contains(&dport) {
                return Ok(None);
            }
            let payload = l.get(UDP_HEADER_LEN..).unwrap_or(&[]);
            // NAT keepalive (0xff) and IKE (non-ESP marker) are not ESP.
            if payload == [0xff] || payload.get(..4) == Some(&[0, 0, 0, 0]) {
                return Ok(None);
            }
            if s.fragment {
                return Err(());
            }
            Ok(read32(payload, esp::field::SPI).map(|spi| WireKey {
                proto: proto::ESP,
                spi,
                dst: s.dst,
                udp: true,
            }))
        }
        _ => Ok(None),
    }
}

/// Process a whole capture in memory: the output packets and the report.
pub fn process(
    op: Operation,
    specs: &[SaSpec],
    cap: &Capture,
) -> Result<(Vec<Packet>, Report), CliError> {
    if !link::is_supported(cap.link_type) {
        return Err(CliError::UnsupportedLinkType(cap.link_type));
    }
    let groups = group(op, specs)?;
    let mut units = Vec::with_capacity(groups.len());
    let mut report = Report::new(op.name(), cap.link_type);
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
    let encap_ports: Vec<u16> = specs
        .iter()
        .filter_map(|s| s.encap.map(|e| e.dport))
        .collect();
    let start = cap.packets.iter().map(ns).min().unwrap_or(0);
    let mut out = Vec::with_capacity(cap.packets.len());
    for (k, pkt) in cap.packets.iter().enumerate() {
        report.packets.read += 1;
        let frame_no = k as u64 + 1;
        let result = match op {
            Operation::Encrypt => encrypt_one(&mut units, specs, pkt, frame_no, start, &mut report),
            Operation::Decrypt => decrypt_one(
                &mut units,
                specs,
                pkt,
                frame_no,
                start,
                &encap_ports,
                &mut report,
            ),
        };
        match result {
            Outcome::Pass => {
                report.packets.passed += 1;
                out.push(pkt.clone());
            }
            Outcome::Replace(data) => {
                report.packets.transformed += 1;
                let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
                out.push(Packet {
                    ts_sec: pkt.ts_sec,
                    ts_nsec: pkt.ts_nsec,
                    orig_len: len,
                    link_type: pkt.link_type,
                    data,
                });
            }
            Outcome::Dropped => {}
        }
    }
    for u in &units {
        let hard = match &u.engine {
            Engine::Out(e) => e.is_hard_expired(),
            Engine::In(e) => e.is_hard_expired(),
        };
        for m in &u.members {
            if let Some(r) = report.sas.get_mut(*m) {
                r.hard_expired = hard || u.time_hard_expired;
            }
        }
    }
    Ok((out, report))
}

enum Outcome {
    Pass,
    Replace(Vec<u8>),
    Dropped,
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

fn count_success(u: &Unit, report: &mut Report, plain: usize, wire: usize, seq: u64) {
    for m in &u.members {
        if let Some(r) = report.sas.get_mut(*m) {
            r.packets += 1;
            r.bytes += plain as u64;
            r.wire_bytes += wire as u64;
            r.last_seq = Some(r.last_seq.map_or(seq, |s| s.max(seq)));
        }
    }
}

fn encrypt_one(
    units: &mut [Unit],
    specs: &[SaSpec],
    pkt: &Packet,
    frame_no: u64,
    start: i128,
    report: &mut Report,
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
        report.drop_packet("capture_truncated", &members);
        return Outcome::Dropped;
    }
    let (hard, soft) = time_check(u, ns(pkt), start);
    if hard {
        report.drop_packet(DropReason::HardLifetimeExpired.as_str(), &members);
        return Outcome::Dropped;
    }
    let Engine::Out(sa) = &mut u.engine else {
        return Outcome::Pass;
    };
    let mut buf = vec![0u8; ip.len() + sa.max_overhead()];
    match sa.encapsulate(ip, &mut buf) {
        Ok(e) => {
            buf.truncate(e.len);
            match loc.rebuild(&pkt.data, &buf) {
                Ok(frame) => {
                    count_success(u, report, ip.len(), e.len, e.seq);
                    if let Some(k) = e.soft_expired {
                        soft_event(u, report, frame_no, limit_name(k));
                    }
                    if soft {
                        soft_event(u, report, frame_no, "time");
                    }
                    Outcome::Replace(frame)
                }
                Err(_) => {
                    report.drop_packet("link_type_family", &members);
                    Outcome::Dropped
                }
            }
        }
        Err(r) => {
            report.drop_packet(r.as_str(), &members);
            Outcome::Dropped
        }
    }
}

fn decrypt_one(
    units: &mut [Unit],
    specs: &[SaSpec],
    pkt: &Packet,
    frame_no: u64,
    start: i128,
    encap_ports: &[u16],
    report: &mut Report,
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
            Ok(Some(k)) => k,
            Ok(None) => break,
            Err(()) => {
                report.drop_packet(DropReason::Fragment.as_str(), &[]);
                return Outcome::Dropped;
            }
        };
        let Some(u) = units.iter_mut().find(|u| {
            u.wire_proto == key.proto && u.wire_spi == key.spi && (u.wildrecv || u.dst == key.dst)
        }) else {
            if depth == 0 {
                report.drop_packet("no_sa", &[]);
                return Outcome::Dropped;
            }
            break;
        };
        let members = u.members.clone();
        if depth == 0 && usize::try_from(pkt.orig_len).is_ok_and(|o| o > pkt.data.len()) {
            report.drop_packet("capture_truncated", &members);
            return Outcome::Dropped;
        }
        let (hard, soft) = time_check(u, ns(pkt), start);
        if hard {
            report.drop_packet(DropReason::HardLifetimeExpired.as_str(), &members);
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
                    report.drop_packet("selector_mismatch", &members);
                    return Outcome::Dropped;
                }
                count_success(u, report, inner.len(), wire_len, d.seq);
                if let Some(k) = d.soft_expired {
                    soft_event(u, report, frame_no, limit_name(k));
                }
                if soft {
                    soft_event(u, report, frame_no, "time");
                }
                cur = inner;
                changed = true;
            }
            // ESP in UDP for an SA without encap: the engine calls it not IPsec;
            // here it is ESP for a known SPI, so it is a protocol mismatch.
            Err(DropReason::NotIpsec) if key.udp => {
                report.drop_packet(DropReason::ProtocolMismatch.as_str(), &members);
                return Outcome::Dropped;
            }
            Err(DropReason::NotIpsec) => break,
            Err(r) => {
                report.drop_packet(r.as_str(), &members);
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
            report.drop_packet("link_type_family", &[]);
            Outcome::Dropped
        }
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed and synced, then renamed over `path`. On any error the
/// temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the output path has no file name",
        )
    })?;
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(
            ".{}.{}-{attempt}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp, path)
        });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Run `ipsecctl pcap encrypt|decrypt`: parse, read, process, write.
pub fn run_pcap(job: &PcapJob) -> Result<Report, CliError> {
    let specs = parse_specs(&job.sas)?;
    let bytes = fs::read(&job.input).map_err(|error| CliError::InputIo {
        path: job.input.clone(),
        error,
    })?;
    let cap = capture::parse(&bytes).map_err(|error| CliError::Input {
        path: job.input.clone(),
        error,
    })?;
    let (packets, report) = process(job.op, &specs, &cap)?;
    let encoded = PcapWriter::for_capture(&cap)
        .encode(&packets)
        .map_err(|e| CliError::Unwritable(e.to_string()))?;
    write_atomic(&job.output, &encoded).map_err(|error| CliError::Output {
        path: job.output.clone(),
        error,
    })?;
    Ok(report)
}
