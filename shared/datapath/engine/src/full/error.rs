//! Drop reasons of the full face and SA configuration errors.

use core::fmt;

use crate::error::{PacketError, SetupError};

macro_rules! drop_reasons {
    ($( $(#[$doc:meta])* $v:ident => $name:literal, )*) => {
        /// Why the full face dropped (or refused to protect) a packet. Each
        /// variant is a distinct counter; [`DropReason::as_str`] is its
        /// stable name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum DropReason {
            $( $(#[$doc])* $v, )*
        }

        impl DropReason {
            /// Every drop reason, in declaration order (for per-reason counters).
            pub const ALL: &'static [DropReason] = &[ $( DropReason::$v, )* ];

            /// Stable snake_case name of the reason (printed by tools, used
            /// as a counter key; never changes once released).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( DropReason::$v => $name, )*
                }
            }
        }
    };
}

drop_reasons! {
    /// The buffer is shorter than the headers or length fields claim.
    Truncated => "truncated",
    /// A length field is inconsistent.
    BadLength => "bad_length",
    /// The ESP encrypted part is not a multiple of the cipher block size.
    NotBlockMultiple => "not_block_multiple",
    /// The ICV (ESP or AH) did not verify.
    IcvMismatch => "icv_mismatch",
    /// The ESP padding bytes are not 1, 2, 3, ... (RFC 4303 §2.4).
    BadPadding => "bad_padding",
    /// The ESP pad length is larger than the decrypted payload.
    PadLengthTooLarge => "pad_length_too_large",
    /// The per-SA IV counter is exhausted (rekey).
    IvExhausted => "iv_exhausted",
    /// The outbound sequence number space is exhausted (rekey).
    SequenceExhausted => "sequence_exhausted",
    /// Sequence number 0 received (never valid on the wire).
    SequenceZero => "sequence_zero",
    /// Duplicate inside the anti-replay window.
    Replayed => "replayed",
    /// Older than the left edge of the anti-replay window.
    TooOld => "too_old",
    /// Not an IPv4/IPv6 packet, or a malformed IP, extension or UDP header.
    Malformed => "malformed",
    /// Neither ESP nor AH: plain traffic, an IKE packet (non-ESP marker) or
    /// a NAT keepalive on the encapsulation port. Not an error: hand it on.
    NotIpsec => "not_ipsec",
    /// An IP fragment (reassemble first; transport mode never protects fragments).
    Fragment => "fragment",
    /// The SA was prepared for the other direction (never for the full face's SAs, each
    /// prepared for the direction it serves).
    WrongDirection => "wrong_direction",
    /// The SPI does not belong to this SA.
    SpiMismatch => "spi_mismatch",
    /// ESP where AH was expected (or the reverse), ESP+AH without ESP after
    /// AH, or UDP encapsulation present/absent against the configuration.
    ProtocolMismatch => "protocol_mismatch",
    /// UDP-encapsulated ESP on a destination port other than the configured one.
    UdpPortMismatch => "udp_port_mismatch",
    /// A valid dummy packet (next header 59, RFC 4303 §2.6): dropped
    /// silently; not an error.
    DummyPacket => "dummy_packet",
    /// Tunnel mode: the next header is not IPv4 (4) or IPv6 (41).
    BadNextHeader => "bad_next_header",
    /// Tunnel mode: the decrypted inner packet is not a valid IP packet of
    /// the announced version, or is longer than the payload.
    BadInnerPacket => "bad_inner_packet",
    /// Tunnel egress: outer ECN is CE but the inner packet is Not-ECT
    /// (RFC 6040 §4.2: drop).
    EcnCeOnNotEct => "ecn_ce_on_not_ect",
    /// The SA reached a hard lifetime limit (bytes or packets): rekey.
    HardLifetimeExpired => "hard_lifetime_expired",
    /// The output buffer is too small for the encapsulated packet.
    BufferTooSmall => "buffer_too_small",
    /// The encapsulated packet would exceed the 65535-byte IP length field.
    PacketTooBig => "packet_too_big",
}

impl DropReason {
    /// Whether the reason counts as an error. [`DropReason::DummyPacket`]
    /// (traffic-flow-confidentiality chaff) and [`DropReason::NotIpsec`]
    /// (IKE, keepalives: not for the engine) do not.
    pub const fn is_error(self) -> bool {
        !matches!(self, DropReason::DummyPacket | DropReason::NotIpsec)
    }
}

impl From<PacketError> for DropReason {
    fn from(e: PacketError) -> Self {
        match e {
            PacketError::Truncated => Self::Truncated,
            PacketError::BadLength => Self::BadLength,
            PacketError::NotBlockMultiple => Self::NotBlockMultiple,
            PacketError::IcvMismatch => Self::IcvMismatch,
            PacketError::BadPadding => Self::BadPadding,
            PacketError::PadLengthTooLarge => Self::PadLengthTooLarge,
            PacketError::IvExhausted => Self::IvExhausted,
            PacketError::SequenceExhausted => Self::SequenceExhausted,
            PacketError::SequenceZero => Self::SequenceZero,
            PacketError::Replayed => Self::Replayed,
            PacketError::TooOld => Self::TooOld,
            PacketError::Malformed => Self::Malformed,
            PacketError::NotIpsec => Self::NotIpsec,
            PacketError::Fragment => Self::Fragment,
            PacketError::WrongDirection => Self::WrongDirection,
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a full-face SA could not be built from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Algorithm/key problem reported by the ESP/AH SA setup (key length,
    /// combination, weak key, replay window size).
    Setup(SetupError),
    /// UDP encapsulation is configured for an SA that is not plain ESP.
    UdpEncapRequiresEsp,
    /// ESN with anti-replay disabled: the receiver could not infer the high
    /// 32 bits of the sequence number.
    EsnRequiresAntiReplay,
    /// An initial sequence number uses the high 32 bits without ESN.
    SequenceOutOfRange,
    /// Tunnel source and destination are of different address families.
    TunnelAddressFamilies,
    /// A soft lifetime limit is above the corresponding hard limit.
    SoftLimitAboveHard,
    /// An initial inbound sequence number with anti-replay disabled.
    InitialSequenceWithoutWindow,
}

impl From<SetupError> for ConfigError {
    fn from(e: SetupError) -> Self {
        Self::Setup(e)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Setup(e) => e.fmt(f),
            Self::UdpEncapRequiresEsp => f.write_str("UDP encapsulation requires plain ESP"),
            Self::EsnRequiresAntiReplay => f.write_str("ESN requires an anti-replay window"),
            Self::SequenceOutOfRange => f.write_str("sequence number above 2^32-1 without ESN"),
            Self::TunnelAddressFamilies => {
                f.write_str("tunnel source and destination differ in address family")
            }
            Self::SoftLimitAboveHard => f.write_str("soft lifetime limit above hard limit"),
            Self::InitialSequenceWithoutWindow => {
                f.write_str("initial inbound sequence with anti-replay disabled")
            }
        }
    }
}
