//! Reading the caller's C arguments into owned model values. Every pointer comes from the C
//! caller, who by the agreement passes arrays valid for the count it gives, for the duration of
//! the call; everything is copied before the function returns.

use crate::abi::{self, *};
use crate::error::SyncError;
use crate::model::{
    Action, EventLimit, IpAddr, Policy, PortRange, RateLimit, SaFlags, SaParams, Selector,
    SelectorAddr, TunnelEndpoints,
};

/// The `n` elements at `ptr` (none for `n` 0, whatever `ptr` is); `NPF_E_UNKNOWN` for a NULL
/// pointer with a non-zero count.
///
/// # Safety
/// `ptr` must point to `n` valid, initialised `T` that stay valid and unmodified for `'a`.
pub unsafe fn slice<'a, T>(ptr: *const T, n: u32) -> Result<&'a [T], SyncError> {
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(SyncError::Unknown);
    }
    let len = usize::try_from(n).map_err(|_| SyncError::Unknown)?;
    // SAFETY: non-null, and the caller guarantees `n` valid elements for `'a`.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// An IPv4 address value (host order) as octets.
#[must_use]
pub const fn v4(a: NPF_IPv4Address_t) -> IpAddr {
    IpAddr::V4(a.to_be_bytes())
}

fn ip(version: u8, a: &NPF_IPSecIPAddress_t) -> IpAddr {
    if version == abi::NPF_IPVERSION6 {
        // SAFETY: both members are plain integers/octets; any bit pattern is a valid value.
        IpAddr::V6(unsafe { a.v6 }.octets)
    } else {
        // SAFETY: as above.
        v4(unsafe { a.v4 })
    }
}

fn selector_addr(version: u8, a: &NPF_IPSecSelectorAddr_t) -> SelectorAddr {
    let six = version == abi::NPF_IPVERSION6;
    if a.addrType == abi::NPF_IPSEC_ADDR_TYPE_RANGE {
        // SAFETY: plain-data union members; any bit pattern is valid.
        let r = unsafe { a.u.rangeAddr };
        if six {
            // SAFETY: as above.
            let r6 = unsafe { r.v6 };
            SelectorAddr::Range(IpAddr::V6(r6.start.octets), IpAddr::V6(r6.end.octets))
        } else {
            // SAFETY: as above.
            let r4 = unsafe { r.v4 };
            SelectorAddr::Range(v4(r4.start), v4(r4.end))
        }
    } else {
        // SAFETY: plain-data union members; any bit pattern is valid.
        let p = unsafe { a.u.prefixAddr };
        if six {
            // SAFETY: as above.
            let p6 = unsafe { p.v6 };
            SelectorAddr::Prefix(IpAddr::V6(p6.IPv6Addr.octets), p6.IPv6NetPlen)
        } else {
            // SAFETY: as above.
            let p4 = unsafe { p.v4 };
            SelectorAddr::Prefix(v4(p4.IPv4Addr), p4.IPv4NetPlen)
        }
    }
}

/// A selector. An address type other than subnet and range reads as a subnet; the control
/// plane validates the rest (`NPF_IPSEC_E_INVALID_SELECTOR`).
#[must_use]
pub fn selector(s: &NPF_IPSecSelector_t) -> Selector {
    Selector {
        rule_flags: s.ruleFlags,
        ip_version: s.IP_Version,
        protocol: s.protocol,
        src: selector_addr(s.IP_Version, &s.srcIP),
        dst: selector_addr(s.IP_Version, &s.dstIP),
        src_port: PortRange {
            start: s.srcPort.start,
            end: s.srcPort.end,
        },
        dst_port: PortRange {
            start: s.dstPort.start,
            end: s.dstPort.end,
        },
    }
}

/// `count` selectors at `ptr`.
///
/// # Safety
/// As [`slice()`].
pub unsafe fn selectors(
    ptr: *const NPF_IPSecSelector_t,
    count: u32,
) -> Result<Vec<Selector>, SyncError> {
    // SAFETY: forwarded from the caller.
    let s = unsafe { slice(ptr, count) }?;
    Ok(s.iter().map(selector).collect())
}

/// A policy, its selector array copied.
///
/// # Safety
/// `p.selectorArray` must hold `p.selectorCount` selectors.
pub unsafe fn policy(p: &NPF_IPSecPolicy_t) -> Result<Policy, SyncError> {
    Ok(Policy {
        id: p.policyID,
        action: Action::from_c(p.policyAction),
        // SAFETY: forwarded from the caller.
        selectors: unsafe { selectors(p.selectorArray, p.selectorCount) }?,
    })
}

/// Bytes holding `bits` bits of key.
const fn key_bytes(bits: u16) -> u32 {
    (bits as u32).div_ceil(8)
}

/// One SA, its keys copied (`KeyLenBits` rounded up to whole bytes).
///
/// # Safety
/// `authKey` and `encDecKey` must hold their key lengths' bytes (or be NULL with length 0).
pub unsafe fn sa(s: &NPF_IPSecSA_t) -> Result<SaParams, SyncError> {
    let flags = SaFlags(s.flags);
    let tunnel = (flags.0 & SaFlags::TRANSPORT == 0).then(|| TunnelEndpoints {
        src: ip(s.TE_Addr.IP_Version, &s.TE_Addr.srcIP),
        dst: ip(s.TE_Addr.IP_Version, &s.TE_Addr.dstIP),
    });
    // SAFETY: forwarded from the caller.
    let auth = unsafe { slice(s.authKey.cast_const(), key_bytes(s.authKeyLenBits)) }?;
    // SAFETY: forwarded from the caller.
    let enc = unsafe { slice(s.encDecKey.cast_const(), key_bytes(s.encDecKeyLenBits)) }?;
    Ok(SaParams {
        spi: s.spi,
        flow_label: s.flowLabel,
        flags,
        auth_algo: s.authAlgo,
        enc_algo: s.encAlgo,
        soft_kbytes: s.softKbyteLimit,
        hard_kbytes: s.hardKbyteLimit,
        soft_secs: s.softSecsLimit,
        hard_secs: s.hardSecsLimit,
        tunnel,
        auth_key: auth.to_vec(),
        auth_key_bits: s.authKeyLenBits,
        enc_key: enc.to_vec(),
        enc_key_bits: s.encDecKeyLenBits,
        replay_window: s.replayWindowSize,
    })
}

/// One rate limit.
#[must_use]
pub fn event_limit(l: &NPF_IPSecEventLimit_t) -> EventLimit {
    // SAFETY: both members are `NPF_uint32_t`; any bit pattern is valid.
    let n = unsafe { l.u.nCount };
    let limit = match l.limitType {
        abi::NPF_IPSEC_EVENT_LIMIT_TIME => RateLimit::PerSecond(n),
        abi::NPF_IPSEC_EVENT_LIMIT_COUNT => RateLimit::EveryN(n),
        other => RateLimit::Other(other),
    };
    EventLimit {
        event: l.eventId,
        limit,
    }
}
