//! Model values as C values (for completions and events). Pointers in the results point into
//! buffers owned by the caller of these functions.

use crate::abi::{self, *};
use crate::model::{CryptoDropped, Event, IpAddr, PacketFields, SaParams, Selector, SelectorAddr};

fn v4(o: [u8; 4]) -> NPF_IPv4Address_t {
    u32::from_be_bytes(o)
}

/// An address as the C union.
#[must_use]
pub fn ip(a: IpAddr) -> NPF_IPSecIPAddress_t {
    match a {
        IpAddr::V4(o) => NPF_IPSecIPAddress_t { v4: v4(o) },
        IpAddr::V6(o) => NPF_IPSecIPAddress_t {
            v6: NPF_IPv6Address_t { octets: o },
        },
    }
}

fn selector_addr(a: SelectorAddr) -> NPF_IPSecSelectorAddr_t {
    match a {
        SelectorAddr::Prefix(IpAddr::V4(o), len) => NPF_IPSecSelectorAddr_t {
            addrType: abi::NPF_IPSEC_ADDR_TYPE_SUBNET,
            u: NPF_IPSecSelectorAddr_u {
                prefixAddr: NPF_IPSecPrefix_t {
                    v4: NPF_IPv4Prefix_t {
                        IPv4Addr: v4(o),
                        IPv4NetPlen: len,
                    },
                },
            },
        },
        SelectorAddr::Prefix(IpAddr::V6(o), len) => NPF_IPSecSelectorAddr_t {
            addrType: abi::NPF_IPSEC_ADDR_TYPE_SUBNET,
            u: NPF_IPSecSelectorAddr_u {
                prefixAddr: NPF_IPSecPrefix_t {
                    v6: NPF_IPv6Prefix_t {
                        IPv6Addr: NPF_IPv6Address_t { octets: o },
                        IPv6NetPlen: len,
                    },
                },
            },
        },
        SelectorAddr::Range(a, b) => {
            let range = match (a, b) {
                (IpAddr::V6(s), IpAddr::V6(e)) => NPF_IPSecRangeAddr_t {
                    v6: NPF_IPSecIPv6RangeAddr_t {
                        start: NPF_IPv6Address_t { octets: s },
                        end: NPF_IPv6Address_t { octets: e },
                    },
                },
                (IpAddr::V4(s), IpAddr::V4(e)) => NPF_IPSecRangeAddr_t {
                    v4: NPF_IPSecIPv4RangeAddr_t {
                        start: v4(s),
                        end: v4(e),
                    },
                },
                // Mixed versions never pass the control plane's validation; write the start
                // twice rather than fail.
                (IpAddr::V4(s), IpAddr::V6(_)) => NPF_IPSecRangeAddr_t {
                    v4: NPF_IPSecIPv4RangeAddr_t {
                        start: v4(s),
                        end: v4(s),
                    },
                },
                (IpAddr::V6(s), IpAddr::V4(_)) => NPF_IPSecRangeAddr_t {
                    v6: NPF_IPSecIPv6RangeAddr_t {
                        start: NPF_IPv6Address_t { octets: s },
                        end: NPF_IPv6Address_t { octets: s },
                    },
                },
            };
            NPF_IPSecSelectorAddr_t {
                addrType: abi::NPF_IPSEC_ADDR_TYPE_RANGE,
                u: NPF_IPSecSelectorAddr_u { rangeAddr: range },
            }
        }
    }
}

/// A selector.
#[must_use]
pub fn selector(s: &Selector) -> NPF_IPSecSelector_t {
    NPF_IPSecSelector_t {
        ruleFlags: s.rule_flags,
        IP_Version: s.ip_version,
        protocol: s.protocol,
        srcIP: selector_addr(s.src),
        dstIP: selector_addr(s.dst),
        srcPort: NPF_IPSecPortRange_t {
            start: s.src_port.start,
            end: s.src_port.end,
        },
        dstPort: NPF_IPSecPortRange_t {
            start: s.dst_port.start,
            end: s.dst_port.end,
        },
    }
}

/// An SA, without its keys (NULL pointers, lengths kept).
#[must_use]
pub fn sa(p: &SaParams) -> NPF_IPSecSA_t {
    let zero = NPF_IPSecIPAddress_t {
        v6: NPF_IPv6Address_t::default(),
    };
    let te = match p.tunnel {
        Some(t) => NPF_IPSecTunEndAddr_t {
            IP_Version: t.src.version(),
            srcIP: ip(t.src),
            dstIP: ip(t.dst),
        },
        None => NPF_IPSecTunEndAddr_t {
            IP_Version: 0,
            srcIP: zero,
            dstIP: zero,
        },
    };
    NPF_IPSecSA_t {
        spi: p.spi,
        flowLabel: p.flow_label,
        flags: p.flags.0,
        authAlgo: p.auth_algo,
        encAlgo: p.enc_algo,
        softKbyteLimit: p.soft_kbytes,
        hardKbyteLimit: p.hard_kbytes,
        softSecsLimit: p.soft_secs,
        hardSecsLimit: p.hard_secs,
        TE_Addr: te,
        authKey: core::ptr::null_mut(),
        authKeyLenBits: p.auth_key_bits,
        encDecKey: core::ptr::null_mut(),
        encDecKeyLenBits: p.enc_key_bits,
        replayWindowSize: p.replay_window,
    }
}

fn packet(p: &PacketFields) -> NPF_IPSecPacketFields_t {
    NPF_IPSecPacketFields_t {
        IP_Version: p.src.version(),
        protocol: p.protocol,
        srcIP: ip(p.src),
        dstIP: ip(p.dst),
        srcPort: p.src_port,
        dstPort: p.dst_port,
    }
}

fn crypto(c: &CryptoDropped) -> NPF_IPSecCryptoDropped_t {
    NPF_IPSecCryptoDropped_t {
        IP_Version: c.src.version(),
        srcIP: ip(c.src),
        dstIP: ip(c.dst),
        protocol: c.protocol,
        SPI: c.spi,
        flowLabel: c.flow_label,
        seqNo: c.seq_no.to_le_bytes()[0],
        count: u8::try_from(c.count).unwrap_or(u8::MAX),
    }
}

/// An event.
#[must_use]
pub fn event(e: &Event) -> NPF_IPSecEventData_t {
    let data = match e {
        Event::Acquire {
            spd_id,
            policy_id,
            packet: p,
            acquire_context,
        } => NPF_IPSecEventData_u {
            acquire: NPF_IPSecSA_AcquireInfo_t {
                spdID: *spd_id,
                policyID: *policy_id,
                packet5Tuple: packet(p),
                acquireContext: *acquire_context,
            },
        },
        Event::Expire { sa_id, .. } => NPF_IPSecEventData_u {
            expire: NPF_IPSecSA_ExpireInfo_t { saID: *sa_id },
        },
        Event::Packet {
            spd_id,
            policy_id,
            sa_id,
            packet: p,
            ..
        } => NPF_IPSecEventData_u {
            packet: NPF_IPSecPacketDropped_t {
                spdID: *spd_id,
                policyID: *policy_id,
                saID: *sa_id,
                packet5Tuple: packet(p),
            },
        },
        Event::Crypto { info, .. } => NPF_IPSecEventData_u {
            crypto: crypto(info),
        },
    };
    NPF_IPSecEventData_t {
        eventType: e.number(),
        event: data,
    }
}
