//! Selector validation and matching (5.1.23): address prefixes and ranges, port ranges,
//! protocol, and the rule flags: OR between selectors by default (mandatory), AND with the next
//! selector and NOT (supported).

use crate::error::PlaneError;
use crate::types::{
    IpAddr, PacketFields, PortRange, Selector, SelectorAddr, IPSEC_OPAQUE, RULE_FLAG_AND,
    RULE_FLAG_NOT,
};

fn addr_valid(a: &SelectorAddr, version: u8) -> bool {
    match a {
        SelectorAddr::Prefix { addr, len } => {
            addr.version() == version && usize::from(*len) <= addr.octets().len() * 8
        }
        SelectorAddr::Range { start, end } => {
            start.version() == version && end.version() == version && start <= end
        }
    }
}

fn ports_valid(p: &PortRange) -> bool {
    p.start <= p.end
}

/// Checks one selector: `NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED` for unknown rule-flag bits,
/// `NPF_IPSEC_E_INVALID_SELECTOR` for a bad version, address or port range.
pub fn validate(s: &Selector) -> Result<(), PlaneError> {
    if s.rule_flags & !(RULE_FLAG_AND | RULE_FLAG_NOT) != 0 {
        return Err(PlaneError::RuleFlagUnsupported);
    }
    let ok = matches!(s.ip_version, 4 | 6)
        && addr_valid(&s.src, s.ip_version)
        && addr_valid(&s.dst, s.ip_version)
        && ports_valid(&s.src_port)
        && ports_valid(&s.dst_port);
    if ok {
        Ok(())
    } else {
        Err(PlaneError::InvalidSelector)
    }
}

/// Checks an array: each selector, then no duplicates (`NPF_IPSEC_E_DUPLICATE_SELECTOR`).
/// An empty array is refused as invalid (a policy or SA needs at least one selector).
pub fn validate_all(selectors: &[Selector]) -> Result<(), PlaneError> {
    if selectors.is_empty() {
        return Err(PlaneError::InvalidSelector);
    }
    for s in selectors {
        validate(s)?;
    }
    for (i, s) in selectors.iter().enumerate() {
        if selectors.iter().skip(i + 1).any(|t| t == s) {
            return Err(PlaneError::DuplicateSelector);
        }
    }
    Ok(())
}

fn prefix_contains(net: &[u8], len: u8, a: &[u8]) -> bool {
    let mut bits = usize::from(len);
    for (n, x) in net.iter().zip(a) {
        if bits == 0 {
            return true;
        }
        let take = bits.min(8);
        let mask = 0xFFu8 << (8 - take);
        if (n ^ x) & mask != 0 {
            return false;
        }
        bits -= take;
    }
    true
}

/// True when `a` lies in the selector address.
#[must_use]
pub fn addr_matches(sel: &SelectorAddr, a: &IpAddr) -> bool {
    match sel {
        SelectorAddr::Prefix { addr, len } => {
            addr.version() == a.version() && prefix_contains(addr.octets(), *len, a.octets())
        }
        SelectorAddr::Range { start, end } => {
            start.version() == a.version() && start <= a && a <= end
        }
    }
}

fn port_matches(r: &PortRange, p: u16) -> bool {
    r.is_any() || (r.start <= p && p <= r.end)
}

/// True when the packet matches this one selector (rule flags not applied).
#[must_use]
pub fn matches_one(s: &Selector, p: &PacketFields) -> bool {
    p.src.version() == s.ip_version
        && (s.protocol == IPSEC_OPAQUE || s.protocol == p.protocol)
        && addr_matches(&s.src, &p.src)
        && addr_matches(&s.dst, &p.dst)
        && port_matches(&s.src_port, p.src_port)
        && port_matches(&s.dst_port, p.dst_port)
}

/// Evaluates a selector array with its rule flags: selectors joined by AND form a group, groups
/// are ORed; a NOT selector holds when the packet does not match it. The last selector's AND flag
/// is ignored.
#[must_use]
pub fn matches_all(selectors: &[Selector], p: &PacketFields) -> bool {
    let mut group = true;
    let last = selectors.len().saturating_sub(1);
    for (i, s) in selectors.iter().enumerate() {
        let hit = matches_one(s, p) != (s.rule_flags & RULE_FLAG_NOT != 0);
        group &= hit;
        let and_next = i < last && s.rule_flags & RULE_FLAG_AND != 0;
        if !and_next {
            if group {
                return true;
            }
            group = true;
        }
    }
    false
}
