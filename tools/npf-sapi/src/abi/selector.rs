//! Selectors: prefixes, ranges, ports, packet 5-tuples, tunnel endpoints.

use super::base::{NPF_IPv4Address_t, NPF_IPv4Prefix_t, NPF_IPv6Address_t, NPF_IPv6Prefix_t};
use super::union_debug;

/// `NPF_IPSecPrefix_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NPF_IPSecPrefix_t {
    /// IPv4 prefix.
    pub v4: NPF_IPv4Prefix_t,
    /// IPv6 prefix.
    pub v6: NPF_IPv6Prefix_t,
}

/// `NPF_IPSecIPv4RangeAddr_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecIPv4RangeAddr_t {
    /// First address.
    pub start: NPF_IPv4Address_t,
    /// Last address.
    pub end: NPF_IPv4Address_t,
}

/// `NPF_IPSecIPv6RangeAddr_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecIPv6RangeAddr_t {
    /// First address.
    pub start: NPF_IPv6Address_t,
    /// Last address.
    pub end: NPF_IPv6Address_t,
}

/// `NPF_IPSecRangeAddr_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NPF_IPSecRangeAddr_t {
    /// IPv4 range.
    pub v4: NPF_IPSecIPv4RangeAddr_t,
    /// IPv6 range.
    pub v6: NPF_IPSecIPv6RangeAddr_t,
}

/// `NPF_IPSecSelectorAddrType` (the header's name, without `_t`).
pub type NPF_IPSecSelectorAddrType = u32;
/// `NPF_IPSEC_ADDR_TYPE_SUBNET`.
pub const NPF_IPSEC_ADDR_TYPE_SUBNET: NPF_IPSecSelectorAddrType = 0;
/// `NPF_IPSEC_ADDR_TYPE_RANGE`.
pub const NPF_IPSEC_ADDR_TYPE_RANGE: NPF_IPSecSelectorAddrType = 1;

/// The anonymous union `u` of `NPF_IPSecSelectorAddr_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NPF_IPSecSelectorAddr_u {
    /// Subnet.
    pub prefixAddr: NPF_IPSecPrefix_t,
    /// Range.
    pub rangeAddr: NPF_IPSecRangeAddr_t,
}

/// `NPF_IPSecSelectorAddr_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSelectorAddr_t {
    /// Subnet or range.
    pub addrType: NPF_IPSecSelectorAddrType,
    /// The address.
    pub u: NPF_IPSecSelectorAddr_u,
}

/// `NPF_IPSecPortRange_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecPortRange_t {
    /// First port.
    pub start: u16,
    /// Last port.
    pub end: u16,
}

/// `NPF_IPSEC_SELECTORRULEFLAG_CLEAR`.
pub const NPF_IPSEC_SELECTORRULEFLAG_CLEAR: u8 = 0;
/// `NPF_IPSEC_SELECTORRULEFLAG_NOT_SET`.
pub const NPF_IPSEC_SELECTORRULEFLAG_NOT_SET: u8 = 1 << 0;
/// `NPF_IPSEC_SELECTORRULEFLAG_AND_SET`.
pub const NPF_IPSEC_SELECTORRULEFLAG_AND_SET: u8 = 1 << 1;

/// `NPF_IPSecSelector_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSelector_t {
    /// `NPF_IPSEC_SELECTORRULEFLAG_*`.
    pub ruleFlags: u8,
    /// 4 or 6.
    pub IP_Version: u8,
    /// Transport protocol or `IPSEC_OPAQUE`.
    pub protocol: u8,
    /// Source address.
    pub srcIP: NPF_IPSecSelectorAddr_t,
    /// Destination address.
    pub dstIP: NPF_IPSecSelectorAddr_t,
    /// Source ports.
    pub srcPort: NPF_IPSecPortRange_t,
    /// Destination ports.
    pub dstPort: NPF_IPSecPortRange_t,
}

/// `NPF_IPSecIPAddress_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NPF_IPSecIPAddress_t {
    /// IPv4 address.
    pub v4: NPF_IPv4Address_t,
    /// IPv6 address.
    pub v6: NPF_IPv6Address_t,
}

/// `NPF_IPSecPacketFields_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecPacketFields_t {
    /// 4 or 6.
    pub IP_Version: u8,
    /// Transport protocol.
    pub protocol: u8,
    /// Source address.
    pub srcIP: NPF_IPSecIPAddress_t,
    /// Destination address.
    pub dstIP: NPF_IPSecIPAddress_t,
    /// Source port.
    pub srcPort: u16,
    /// Destination port.
    pub dstPort: u16,
}

/// `NPF_IPSecTunEndAddr_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecTunEndAddr_t {
    /// 4 or 6.
    pub IP_Version: u8,
    /// Tunnel source.
    pub srcIP: NPF_IPSecIPAddress_t,
    /// Tunnel destination.
    pub dstIP: NPF_IPSecIPAddress_t,
}

union_debug!(
    NPF_IPSecPrefix_t,
    NPF_IPSecRangeAddr_t,
    NPF_IPSecSelectorAddr_u,
    NPF_IPSecIPAddress_t
);
