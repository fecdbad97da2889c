//! The full face: complete IPsec processing of whole IP packets, as an
//! IPsec gateway or host stack does it (the offload face only does the
//! crypto of packets TCP/IP already framed).
//!
//! * [`OutboundSa::encapsulate`] takes a plain IPv4/IPv6 packet and writes
//!   the protected packet (transport or tunnel mode, ESP, AH or ESP+AH,
//!   optional UDP encapsulation) into a caller-owned buffer.
//! * [`InboundSa::decapsulate`] verifies, replay-checks and decrypts a
//!   received packet in place and returns the range of the plain packet and
//!   the inner selector for the policy check.
//!
//! No packet path allocates or panics. Decisions (documented in
//! `docs/engine.md`, "Full face"):
//!
//! * Tunnel mode outer IPv4: TTL 64, DSCP copied, ECN copied (RFC 6040
//!   normal mode), DF copied from an inner IPv4 packet and cleared for an
//!   inner IPv6 packet, identification = low 16 bits of the sequence number,
//!   no options. Outer IPv6: hop limit 64, traffic class copied, flow label
//!   copied from an inner IPv6 packet (0 for IPv4), no extension headers.
//! * Tunnel egress applies the RFC 6040 §4.2 ECN table to the inner header.
//! * Anti-replay: inbound SAs use a window of 64 by default; disabling it
//!   needs an explicit [`AntiReplay::Disabled`] and is refused with ESN.
//! * Lifetimes count the bytes of the plain IP packet (the input of
//!   `encapsulate`, the output of `decapsulate`) and packets; see
//!   [`Lifetimes`].

mod error;
mod inbound;
mod ip;
mod outbound;

use core::net::IpAddr;

pub use error::{ConfigError, DropReason};
pub use inbound::InboundSa;
pub use outbound::OutboundSa;

use crate::alg::{AhIntegrity, EspEncryption, EspIntegrity};

/// Algorithms and SPI of the ESP part of an SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspTransform {
    /// Security parameter index.
    pub spi: u32,
    /// Encryption (or combined-mode) transform.
    pub encryption: EspEncryption,
    /// Separate integrity transform ([`EspIntegrity::None`] for combined modes).
    pub integrity: EspIntegrity,
}

/// Algorithm and SPI of the AH part of an SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AhTransform {
    /// Security parameter index.
    pub spi: u32,
    /// Integrity transform.
    pub integrity: AhIntegrity,
}

/// Which IPsec protocols the SA applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// ESP only.
    Esp(EspTransform),
    /// AH only.
    Ah(AhTransform),
    /// ESP, then AH around it (on the wire: IP | AH | ESP | ...). Each part
    /// has its own SPI, sequence counter and replay window, all initialised
    /// from the same configuration.
    EspAh {
        /// The ESP part (inner).
        esp: EspTransform,
        /// The AH part (outer).
        ah: AhTransform,
    },
}

impl Protocol {
    /// The ESP part, if any.
    pub const fn esp(&self) -> Option<EspTransform> {
        match self {
            Self::Esp(e) | Self::EspAh { esp: e, .. } => Some(*e),
            Self::Ah(_) => None,
        }
    }

    /// The AH part, if any.
    pub const fn ah(&self) -> Option<AhTransform> {
        match self {
            Self::Ah(a) | Self::EspAh { ah: a, .. } => Some(*a),
            Self::Esp(_) => None,
        }
    }
}

/// Transport or tunnel mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Transport mode: the IPsec header goes after the packet's own IP header
    /// (after IPv4 options, after the IPv6 unfragmentable extension headers).
    Transport,
    /// Tunnel mode: the whole packet is carried inside a new outer header.
    /// Both addresses must be of the same family; the inner packet may be of
    /// either family.
    Tunnel {
        /// Outer source address.
        src: IpAddr,
        /// Outer destination address.
        dst: IpAddr,
    },
}

/// UDP encapsulation of ESP (RFC 3948). Ports are those carried by the
/// packets of this SA: an inbound SA checks the destination port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpEncap {
    /// UDP source port.
    pub src_port: u16,
    /// UDP destination port.
    pub dst_port: u16,
}

/// Anti-replay configuration of an inbound SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AntiReplay {
    /// RFC 6479 window of this many bits (32..=4096).
    Window(u32),
    /// No replay protection (RFC 4303 §3.4.3: no sequence number checks at
    /// all). Must be chosen explicitly; refused together with ESN.
    Disabled,
}

/// One set of lifetime limits; 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Bytes of plain IP packets.
    pub bytes: u64,
    /// Packets.
    pub packets: u64,
}

/// Soft and hard lifetime limits.
///
/// * Soft: the first packet after which a counter has reached its soft
///   limit reports the event (once per SA, whichever limit comes first).
/// * Hard: a packet that would make the packet count exceed `packets` or
///   the byte count exceed `bytes` is refused with
///   [`DropReason::HardLifetimeExpired`], and so is every later packet
///   (the SA is expired and must be replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lifetimes {
    /// Soft limits.
    pub soft: Limits,
    /// Hard limits.
    pub hard: Limits,
}

/// Which lifetime limit was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitKind {
    /// Byte limit.
    Bytes,
    /// Packet limit.
    Packets,
}

/// Configuration of one full-face SA (one direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaConfig {
    /// ESP, AH or ESP+AH with algorithms and SPIs.
    pub protocol: Protocol,
    /// Transport or tunnel.
    pub mode: Mode,
    /// UDP encapsulation (plain ESP only).
    pub udp_encap: Option<UdpEncap>,
    /// Extended (64-bit) sequence numbers.
    pub esn: bool,
    /// Inbound only: anti-replay window.
    pub anti_replay: AntiReplay,
    /// Outbound only: the last sequence number used (iproute2
    /// `replay-oseq-hi << 32 | replay-oseq`); the next packet carries this
    /// plus one. Default 0, so the first packet carries 1. Above 2^32 − 1
    /// only with ESN.
    pub initial_oseq: u64,
    /// Inbound only: the highest sequence number already received (iproute2
    /// `replay-seq-hi << 32 | replay-seq`). That number and every number
    /// inside the window below it count as received. `None`: nothing
    /// received yet.
    pub initial_iseq: Option<u64>,
    /// Lifetime limits.
    pub lifetimes: Lifetimes,
}

impl SaConfig {
    /// A configuration with defaults: no UDP encapsulation, no ESN, a
    /// 64-bit anti-replay window, sequence numbers from 1, no lifetimes.
    pub const fn new(protocol: Protocol, mode: Mode) -> Self {
        Self {
            protocol,
            mode,
            udp_encap: None,
            esn: false,
            anti_replay: AntiReplay::Window(64),
            initial_oseq: 0,
            initial_iseq: None,
            lifetimes: Lifetimes {
                soft: Limits {
                    bytes: 0,
                    packets: 0,
                },
                hard: Limits {
                    bytes: 0,
                    packets: 0,
                },
            },
        }
    }

    /// Checks shared by both directions.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.udp_encap.is_some() && !matches!(self.protocol, Protocol::Esp(_)) {
            return Err(ConfigError::UdpEncapRequiresEsp);
        }
        if let Mode::Tunnel { src, dst } = self.mode {
            if src.is_ipv4() != dst.is_ipv4() {
                return Err(ConfigError::TunnelAddressFamilies);
            }
        }
        let (s, h) = (self.lifetimes.soft, self.lifetimes.hard);
        if (h.bytes != 0 && s.bytes > h.bytes) || (h.packets != 0 && s.packets > h.packets) {
            return Err(ConfigError::SoftLimitAboveHard);
        }
        Ok(())
    }
}

/// Key material of an SA. GCM/GMAC keys include the 4-byte salt
/// (`AES key || salt`); unused fields stay empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaKeys<'a> {
    /// ESP encryption key (empty for NULL).
    pub esp_encryption: &'a [u8],
    /// ESP integrity key (empty for combined modes).
    pub esp_integrity: &'a [u8],
    /// AH key.
    pub ah: &'a [u8],
}

/// Lifetime counters of an SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Bytes of plain IP packets processed.
    pub bytes: u64,
    /// Packets processed.
    pub packets: u64,
}

/// Result of a successful [`OutboundSa::encapsulate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encapsulated {
    /// Length of the protected packet written at the start of `out`.
    pub len: usize,
    /// Full (64-bit) sequence number used (the ESP one for ESP+AH; both
    /// parts use the same number while their counters are in step).
    pub seq: u64,
    /// Set on the packet that reached a soft lifetime limit (once per SA).
    pub soft_expired: Option<LimitKind>,
}

/// The inner traffic selector of a decapsulated packet, for the policy
/// check. For TCP, UDP, UDP-Lite, SCTP and DCCP the ports are the
/// transport ports; for ICMP and ICMPv6 `src_port` holds the type and
/// `dst_port` the code (as Linux xfrm selectors do); otherwise, and for
/// non-first fragments, both are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Selector {
    /// Inner source address.
    pub src: IpAddr,
    /// Inner destination address.
    pub dst: IpAddr,
    /// Upper-layer protocol (after IPv6 extension headers).
    pub protocol: u8,
    /// Source port (or ICMP type).
    pub src_port: u16,
    /// Destination port (or ICMP code).
    pub dst_port: u16,
}

/// Result of a successful [`InboundSa::decapsulate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decapsulated {
    /// Offset of the plain IP packet in the buffer (0 in transport mode).
    pub start: usize,
    /// Length of the plain IP packet.
    pub len: usize,
    /// Full (64-bit) sequence number (the ESP one for ESP+AH; with
    /// anti-replay disabled, the 32-bit wire value).
    pub seq: u64,
    /// Inner selector for the policy check.
    pub selector: Selector,
    /// Set on the packet that reached a soft lifetime limit (once per SA).
    pub soft_expired: Option<LimitKind>,
}

impl Decapsulated {
    /// The plain packet's byte range in the buffer.
    pub const fn range(&self) -> core::ops::Range<usize> {
        self.start..self.start.saturating_add(self.len)
    }
}

/// Lifetime accounting shared by both directions.
#[derive(Debug, Clone)]
struct Accounting {
    limits: Lifetimes,
    usage: Usage,
    soft_fired: bool,
    hard_expired: bool,
}

impl Accounting {
    fn new(limits: Lifetimes) -> Self {
        Self {
            limits,
            usage: Usage::default(),
            soft_fired: false,
            hard_expired: false,
        }
    }

    /// Refuse a packet of `len` bytes that would pass a hard limit; the
    /// refusal is sticky.
    fn admit(&mut self, len: usize) -> Result<(), DropReason> {
        let h = self.limits.hard;
        let len = len as u64;
        if self.hard_expired
            || (h.packets != 0 && self.usage.packets >= h.packets)
            || (h.bytes != 0 && self.usage.bytes.saturating_add(len) > h.bytes)
        {
            self.hard_expired = true;
            return Err(DropReason::HardLifetimeExpired);
        }
        Ok(())
    }

    /// Count a processed packet; report the soft event once.
    fn record(&mut self, len: usize) -> Option<LimitKind> {
        self.usage.packets = self.usage.packets.saturating_add(1);
        self.usage.bytes = self.usage.bytes.saturating_add(len as u64);
        if self.soft_fired {
            return None;
        }
        let s = self.limits.soft;
        let kind = if s.packets != 0 && self.usage.packets >= s.packets {
            Some(LimitKind::Packets)
        } else if s.bytes != 0 && self.usage.bytes >= s.bytes {
            Some(LimitKind::Bytes)
        } else {
            None
        };
        self.soft_fired = kind.is_some();
        kind
    }
}
