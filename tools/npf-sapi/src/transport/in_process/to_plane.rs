//! Model to control plane: the request's values as the control plane's types.

use ipsecov2_control_plane as cp;

use crate::error::NpfError;
use crate::model::{
    Action, Direction, EventLimit, IpAddr, PortRange, RateLimit, SaParams, Selector, SelectorAddr,
};
use crate::request::Failure;

pub(crate) fn dir(d: Direction) -> cp::Direction {
    match d {
        Direction::Inbound => cp::Direction::Inbound,
        Direction::Outbound => cp::Direction::Outbound,
    }
}

pub(crate) fn ip(a: IpAddr) -> cp::IpAddr {
    match a {
        IpAddr::V4(o) => cp::IpAddr::V4(o),
        IpAddr::V6(o) => cp::IpAddr::V6(o),
    }
}

pub(crate) fn sel_addr(a: SelectorAddr) -> cp::SelectorAddr {
    match a {
        SelectorAddr::Prefix(addr, len) => cp::SelectorAddr::Prefix {
            addr: ip(addr),
            len,
        },
        SelectorAddr::Range(start, end) => cp::SelectorAddr::Range {
            start: ip(start),
            end: ip(end),
        },
    }
}

pub(crate) fn ports(p: PortRange) -> cp::PortRange {
    cp::PortRange {
        start: p.start,
        end: p.end,
    }
}

pub(crate) fn selector(s: &Selector) -> cp::Selector {
    cp::Selector {
        rule_flags: s.rule_flags,
        ip_version: s.ip_version,
        protocol: s.protocol,
        src: sel_addr(s.src),
        dst: sel_addr(s.dst),
        src_port: ports(s.src_port),
        dst_port: ports(s.dst_port),
    }
}

pub(crate) fn selectors(s: &[Selector]) -> Vec<cp::Selector> {
    s.iter().map(selector).collect()
}

/// The control plane's action, or the agreement's error for an unknown value.
pub(crate) fn action(a: Action) -> Result<cp::Action, Failure> {
    match a {
        Action::Protect => Ok(cp::Action::Protect),
        Action::Discard => Ok(cp::Action::Discard),
        Action::Bypass => Ok(cp::Action::Bypass),
        Action::Other(_) => Err(Failure::of(NpfError::InvalidPolicyAction)),
    }
}

pub(crate) fn unspecified(version: u8) -> cp::IpAddr {
    if version == 6 {
        cp::IpAddr::V6([0; 16])
    } else {
        cp::IpAddr::V4([0; 4])
    }
}

pub(crate) fn sa_params<'a>(p: &'a SaParams, version: u8) -> cp::SaParams<'a> {
    let tunnel = match p.tunnel {
        Some(t) => cp::TunnelEndpoints {
            src: ip(t.src),
            dst: ip(t.dst),
        },
        None => cp::TunnelEndpoints {
            src: unspecified(version),
            dst: unspecified(version),
        },
    };
    cp::SaParams {
        spi: p.spi,
        flow_label: p.flow_label,
        flags: p.flags.0,
        auth_algo: p.auth_algo,
        enc_algo: p.enc_algo,
        soft_kbytes: p.soft_kbytes,
        hard_kbytes: p.hard_kbytes,
        soft_secs: p.soft_secs,
        hard_secs: p.hard_secs,
        tunnel,
        auth_key: &p.auth_key,
        auth_key_bits: p.auth_key_bits,
        enc_key: &p.enc_key,
        enc_key_bits: p.enc_key_bits,
        replay_window: p.replay_window,
    }
}

pub(crate) fn event_limit(l: &EventLimit) -> Result<cp::EventLimit, Failure> {
    let limit = match l.limit {
        RateLimit::PerSecond(n) => cp::RateLimit::PerSecond(n),
        RateLimit::EveryN(n) => cp::RateLimit::EveryN(n),
        RateLimit::Other(_) => return Err(Failure::of(NpfError::BadEventId)),
    };
    Ok(cp::EventLimit {
        event: l.event,
        limit,
    })
}
