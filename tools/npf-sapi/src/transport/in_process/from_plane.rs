//! Control plane to model: the control plane's answers and events as the model's types.

use ipsecov2_control_plane as cp;

use crate::model::{
    Action, CryptoDropped, Direction, Event, IpAddr, PacketFields, PortRange, SaFlags, SaParams,
    Selector, SelectorAddr, SpdHandle, SpdIdentity, TunnelEndpoints,
};

pub(crate) fn dir_back(d: cp::Direction) -> Direction {
    match d {
        cp::Direction::Inbound => Direction::Inbound,
        cp::Direction::Outbound => Direction::Outbound,
    }
}

pub(crate) fn ip_back(a: cp::IpAddr) -> IpAddr {
    match a {
        cp::IpAddr::V4(o) => IpAddr::V4(o),
        cp::IpAddr::V6(o) => IpAddr::V6(o),
    }
}

pub(crate) fn selector_back(s: &cp::Selector) -> Selector {
    let addr = |a: cp::SelectorAddr| match a {
        cp::SelectorAddr::Prefix { addr, len } => SelectorAddr::Prefix(ip_back(addr), len),
        cp::SelectorAddr::Range { start, end } => SelectorAddr::Range(ip_back(start), ip_back(end)),
    };
    Selector {
        rule_flags: s.rule_flags,
        ip_version: s.ip_version,
        protocol: s.protocol,
        src: addr(s.src),
        dst: addr(s.dst),
        src_port: PortRange {
            start: s.src_port.start,
            end: s.src_port.end,
        },
        dst_port: PortRange {
            start: s.dst_port.start,
            end: s.dst_port.end,
        },
    }
}

pub(crate) fn action_back(a: cp::Action) -> Action {
    match a {
        cp::Action::Protect => Action::Protect,
        cp::Action::Discard => Action::Discard,
        cp::Action::Bypass => Action::Bypass,
    }
}

pub(crate) fn spd_identity(s: cp::SpdIdentity) -> SpdIdentity {
    SpdIdentity {
        id: s.id,
        handle: SpdHandle(s.handle.0),
        direction: Some(dir_back(s.direction)),
    }
}

pub(crate) fn packet_back(p: &cp::PacketFields) -> PacketFields {
    PacketFields {
        protocol: p.protocol,
        src: ip_back(p.src),
        dst: ip_back(p.dst),
        src_port: p.src_port,
        dst_port: p.dst_port,
    }
}

pub(crate) fn sa_params_back(p: &cp::SaParams<'_>) -> SaParams {
    let unspecified = |a: cp::IpAddr| match a {
        cp::IpAddr::V4(o) => o == [0; 4],
        cp::IpAddr::V6(o) => o == [0; 16],
    };
    let tunnel =
        (!(unspecified(p.tunnel.src) && unspecified(p.tunnel.dst))).then(|| TunnelEndpoints {
            src: ip_back(p.tunnel.src),
            dst: ip_back(p.tunnel.dst),
        });
    SaParams {
        spi: p.spi,
        flow_label: p.flow_label,
        flags: SaFlags(p.flags),
        auth_algo: p.auth_algo,
        enc_algo: p.enc_algo,
        soft_kbytes: p.soft_kbytes,
        hard_kbytes: p.hard_kbytes,
        soft_secs: p.soft_secs,
        hard_secs: p.hard_secs,
        tunnel,
        auth_key: Vec::new(),
        auth_key_bits: p.auth_key_bits,
        enc_key: Vec::new(),
        enc_key_bits: p.enc_key_bits,
        replay_window: p.replay_window,
    }
}

pub(crate) fn sa_stats_back(s: &cp::SaStats) -> crate::model::SaStats {
    crate::model::SaStats {
        HMAC_Errors: s.hmac_errors,
        decryptErrors: s.decrypt_errors,
        replayErrors: s.replay_errors,
        selectorErrors: s.selector_errors,
        packetCount: s.packet_count,
        bytesUsed: s.bytes_used,
        bytesRemaining: s.bytes_remaining,
        secsUsed: s.secs_used,
        secsRemaining: s.secs_remaining,
        sequenceNo: s.sequence_no,
        exceptions: s.exceptions,
        replayBitmap: s.replay_bitmap,
    }
}

/// A control-plane event as the model's.
#[must_use]
pub fn event_back(e: &cp::Event) -> Event {
    match e {
        cp::Event::Acquire {
            spd_id,
            policy_id,
            packet,
            acquire_context,
        } => Event::Acquire {
            spd_id: *spd_id,
            policy_id: *policy_id,
            packet: packet_back(packet),
            acquire_context: *acquire_context,
        },
        cp::Event::Expire { kind, sa_id } => Event::Expire {
            event: kind.to_u32(),
            sa_id: *sa_id,
        },
        cp::Event::Packet {
            kind,
            spd_id,
            policy_id,
            sa_id,
            packet,
        } => Event::Packet {
            event: kind.to_u32(),
            spd_id: *spd_id,
            policy_id: *policy_id,
            sa_id: *sa_id,
            packet: packet_back(packet),
        },
        cp::Event::Crypto { kind, info } => Event::Crypto {
            event: kind.to_u32(),
            info: CryptoDropped {
                src: ip_back(info.src),
                dst: ip_back(info.dst),
                protocol: info.protocol,
                spi: info.spi,
                flow_label: info.flow_label,
                seq_no: info.seq_no,
                count: info.count,
            },
        },
    }
}
