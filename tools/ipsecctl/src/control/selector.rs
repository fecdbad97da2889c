//! Policy selectors on the command line: `src PREFIX|LOW-HIGH|any dst … [proto P]
//! [sport N[-M]] [dport N[-M]] [rule or|and|not]`, one quoted string per `--sel`.

use std::net::IpAddr as StdIp;

use npf_ipsec_sapi::abi::{NPF_IPSEC_SELECTORRULEFLAG_AND_SET, NPF_IPSEC_SELECTORRULEFLAG_NOT_SET};
use npf_ipsec_sapi::model::{IpAddr, PortRange, Selector, SelectorAddr};

use super::error::ControlError;
use crate::spec::tokenize;

fn bad(what: impl Into<String>) -> ControlError {
    ControlError::Argument(what.into())
}

/// The address part: `any`, `ADDR[/LEN]` or `LOW-HIGH`; `None` for `any`.
fn address(s: &str) -> Result<Option<SelectorAddr>, ControlError> {
    if s == "any" {
        return Ok(None);
    }
    if let Some((lo, hi)) = s.split_once('-') {
        let lo: StdIp = lo.parse().map_err(|_| bad(format!("bad address {lo:?}")))?;
        let hi: StdIp = hi.parse().map_err(|_| bad(format!("bad address {hi:?}")))?;
        return Ok(Some(SelectorAddr::Range(lo.into(), hi.into())));
    }
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let a: StdIp = a.parse().map_err(|_| bad(format!("bad address {a:?}")))?;
    let max = if a.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l
            .parse::<u8>()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| bad(format!("bad prefix length {l:?} (0 to {max})")))?,
        None => max,
    };
    Ok(Some(SelectorAddr::Prefix(a.into(), len)))
}

fn ports(s: &str) -> Result<PortRange, ControlError> {
    let p = |v: &str| {
        v.parse::<u16>()
            .map_err(|_| bad(format!("bad port {v:?} (0 to 65535)")))
    };
    match s.split_once('-') {
        Some((a, b)) => Ok(PortRange {
            start: p(a)?,
            end: p(b)?,
        }),
        None => Ok(PortRange::one(p(s)?)),
    }
}

fn protocol(s: &str) -> Result<u8, ControlError> {
    match s {
        "any" => Ok(0),
        "icmp" => Ok(1),
        "tcp" => Ok(6),
        "udp" => Ok(17),
        "icmpv6" | "ipv6-icmp" => Ok(58),
        "sctp" => Ok(132),
        n => n
            .parse::<u8>()
            .map_err(|_| bad(format!("bad protocol {n:?} (a name or 0 to 255)"))),
    }
}

fn any_of(version: u8) -> SelectorAddr {
    if version == 6 {
        SelectorAddr::Prefix(IpAddr::V6([0; 16]), 0)
    } else {
        SelectorAddr::Prefix(IpAddr::V4([0; 4]), 0)
    }
}

fn version(a: &SelectorAddr) -> u8 {
    match a {
        SelectorAddr::Prefix(a, _) | SelectorAddr::Range(a, _) => a.version(),
    }
}

/// Parses one `--sel` string.
pub fn parse_selector(text: &str) -> Result<Selector, ControlError> {
    let tokens = tokenize(text).map_err(|e| bad(format!("selector {text:?}: {e}")))?;
    let (mut src, mut dst) = (None, None);
    let (mut proto, mut sport, mut dport, mut flags) = (0u8, PortRange::ANY, PortRange::ANY, 0u8);
    let mut it = tokens.iter();
    while let Some(key) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| bad(format!("selector {text:?}: `{key}` needs a value")))?;
        match key.as_str() {
            "src" => src = address(value)?,
            "dst" => dst = address(value)?,
            "proto" => proto = protocol(value)?,
            "sport" => sport = ports(value)?,
            "dport" => dport = ports(value)?,
            "rule" => {
                flags = match value.as_str() {
                    "or" => 0,
                    "and" => NPF_IPSEC_SELECTORRULEFLAG_AND_SET,
                    "not" => NPF_IPSEC_SELECTORRULEFLAG_NOT_SET,
                    v => return Err(bad(format!("bad rule {v:?} (or, and, not)"))),
                }
            }
            k => {
                return Err(bad(format!(
                    "selector {text:?}: unknown word {k:?} (src, dst, proto, sport, dport, rule)"
                )))
            }
        }
    }
    let v = src.as_ref().or(dst.as_ref()).map_or(4, version);
    if [src.as_ref(), dst.as_ref()]
        .into_iter()
        .flatten()
        .any(|a| version(a) != v)
    {
        return Err(bad(format!(
            "selector {text:?}: src and dst of different IP versions"
        )));
    }
    Ok(Selector {
        rule_flags: flags,
        ip_version: v,
        protocol: proto,
        src: src.unwrap_or_else(|| any_of(v)),
        dst: dst.unwrap_or_else(|| any_of(v)),
        src_port: sport,
        dst_port: dport,
    })
}

fn addr_text(a: &IpAddr) -> String {
    match a {
        IpAddr::V4(o) => StdIp::from(*o).to_string(),
        IpAddr::V6(o) => StdIp::from(*o).to_string(),
    }
}

fn selector_addr_text(a: &SelectorAddr) -> String {
    match a {
        SelectorAddr::Prefix(a, l) => format!("{}/{l}", addr_text(a)),
        SelectorAddr::Range(lo, hi) => format!("{}-{}", addr_text(lo), addr_text(hi)),
    }
}

fn ports_text(p: PortRange) -> String {
    if p.start == p.end {
        p.start.to_string()
    } else {
        format!("{}-{}", p.start, p.end)
    }
}

/// A selector written back in the syntax [`parse_selector`] reads.
pub fn selector_text(s: &Selector) -> String {
    let mut out = format!(
        "src {} dst {}",
        selector_addr_text(&s.src),
        selector_addr_text(&s.dst)
    );
    if s.protocol != 0 {
        out += &format!(" proto {}", s.protocol);
    }
    if s.src_port != PortRange::ANY {
        out += &format!(" sport {}", ports_text(s.src_port));
    }
    if s.dst_port != PortRange::ANY {
        out += &format!(" dport {}", ports_text(s.dst_port));
    }
    if s.rule_flags & NPF_IPSEC_SELECTORRULEFLAG_NOT_SET != 0 {
        out += " rule not";
    } else if s.rule_flags & NPF_IPSEC_SELECTORRULEFLAG_AND_SET != 0 {
        out += " rule and";
    }
    out
}

/// An IP address as text.
pub fn ip_text(a: &IpAddr) -> String {
    addr_text(a)
}
