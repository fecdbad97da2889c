//! The engine units of a run: one SA per `--sa`, or an ESP+AH bundle of two, grouped from
//! the specs in command-line order and prepared for the engine, with their report rows.

use std::net::IpAddr;

use ipsec_engine::full::{
    self, AhTransform, AntiReplay, EspTransform, InboundSa, Lifetimes, LimitKind, OutboundSa,
    Protocol, SaConfig, SaKeys, UdpEncap,
};
use ipsec_engine::wire::proto;
use ipsec_engine::SetupError;

use super::Operation;
use crate::capture::Packet;
use crate::error::CliError;
use crate::report::SaReport;
use crate::spec::{self, Direction, Mode, SaSpec, Transform, XfrmProto};

pub(super) enum Engine {
    Out(Box<OutboundSa>),
    In(Box<InboundSa>),
}

/// One engine SA: a single `--sa`, or an ESP+AH bundle of two.
pub(super) struct Unit {
    /// 0-based spec indices; the first is the ESP one (or the only one).
    pub(super) members: Vec<usize>,
    pub(super) engine: Engine,
    /// Inbound lookup: protocol on the wire (AH for a bundle), SPI, destination.
    pub(super) wire_proto: u8,
    pub(super) wire_spi: u32,
    pub(super) dst: IpAddr,
    pub(super) wildrecv: bool,
    /// Time limits (seconds) of the primary spec.
    pub(super) time: spec::Limits,
    pub(super) first_use_ns: Option<i128>,
    pub(super) time_hard_expired: bool,
    pub(super) soft_reported: bool,
    /// Soft and hard byte/packet limits (0: none).
    pub(super) lifetimes: Lifetimes,
    /// Bytes and packets counted so far (Linux's `curlft`).
    pub(super) used: full::Limits,
    /// A hard byte/packet limit was reached.
    pub(super) hard_expired: bool,
}

impl Unit {
    /// Linux's `xfrm_state_check_expire`, before a packet is processed: a hard limit already
    /// reached refuses it (and every later one); a soft limit already reached fires the soft
    /// event (once) on this packet, which still goes through.
    pub(super) fn check_expire(&mut self) -> Result<Option<LimitKind>, ()> {
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
    pub(super) fn count(&mut self, bytes: usize) {
        self.used.bytes = self.used.bytes.saturating_add(bytes as u64);
        self.used.packets = self.used.packets.saturating_add(1);
    }
}

pub(super) fn ns(p: &Packet) -> i128 {
    i128::from(p.ts_sec) * 1_000_000_000 + i128::from(p.ts_nsec)
}

pub(super) fn limit(v: Option<u64>) -> u64 {
    match v {
        Some(u64::MAX) | None => 0,
        Some(n) => n,
    }
}

/// Group the specs into engine units (pairing ESP+AH bundles) in order.
pub(super) fn group(op: Operation, specs: &[SaSpec]) -> Result<Vec<Vec<usize>>, CliError> {
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

pub(super) fn build_unit(
    op: Operation,
    specs: &[SaSpec],
    members: Vec<usize>,
) -> Result<Unit, CliError> {
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
pub(super) fn weak_key_reason(s: &SaSpec) -> String {
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

pub(super) fn sa_report(
    op: Operation,
    i: usize,
    s: &SaSpec,
    bundle_with: Option<usize>,
) -> SaReport {
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
