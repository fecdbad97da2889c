//! The agreement's value types (section 5.1), as typed Rust values: identifiers chosen by the
//! caller, handles chosen by the implementation, directions, actions, addresses, selectors, the
//! packet 5-tuple and the SA parameters.

/// Caller-chosen SPD identity (`NPF_IPSecSPD_ID_t`, 5.1.3).
pub type SpdId = u32;
/// Caller-chosen policy identity (`NPF_IPSecPolicy_ID_t`, 5.1.8).
pub type PolicyId = u32;
/// Caller-chosen SA identity (`NPF_IPSecSA_ID_t`, 5.1.13).
pub type SaId = u32;
/// Interface handle (`NPF_IfHandle_t`): the interface index of an adapter the filter is attached
/// to (see [`crate::Interface`]).
pub type IfHandle = u32;
/// Policy priority (5.1.30, 6.6.7): lower values are consulted first; equal priorities keep their
/// order of insertion.
pub type Priority = u32;

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The reserved invalid value (`*_HANDLE_INVALID`, 0).
            pub const INVALID: Self = Self(0);

            /// True for the reserved invalid value.
            #[must_use]
            pub const fn is_invalid(self) -> bool {
                self.0 == 0
            }
        }
    };
}

handle!(
    /// Implementation-chosen SPD handle (`NPF_IPSecSPD_Handle_t`, 5.1.4); 0 is invalid.
    SpdHandle
);
handle!(
    /// Implementation-chosen policy handle (`NPF_IPSecPolicy_Handle_t`, 5.1.9), globally unique;
    /// 0 is invalid.
    PolicyHandle
);
handle!(
    /// Implementation-chosen SA (bundle) handle (`NPF_IPSecSA_Handle_t`, 5.1.14). Ours are unique
    /// across all policies (6.6.16 asks only for uniqueness within the policy; 6.6.29 names an SA
    /// by its handle alone). 0 is invalid.
    SaHandle
);

/// Traffic direction of an SPD, a policy or an SA (`NPF_IPSecDirection_t`, 5.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `NPF_IPSEC_DIRECTION_INBOUND` (1).
    Inbound,
    /// `NPF_IPSEC_DIRECTION_OUTBOUND` (2).
    Outbound,
}

impl Direction {
    /// The agreement's value.
    #[must_use]
    pub const fn to_u32(self) -> u32 {
        match self {
            Self::Inbound => 1,
            Self::Outbound => 2,
        }
    }

    /// From the agreement's value.
    #[must_use]
    pub const fn from_u32(v: u32) -> Option<Self> {
        match v {
            1 => Some(Self::Inbound),
            2 => Some(Self::Outbound),
            _ => None,
        }
    }
}

/// What a matching policy does with a packet (`NPF_IPSecPolicy_Action_t`, 5.1.17).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `NPF_IPSEC_POLICY_ACTION_IPSEC` (1): protect with the policy's SA.
    Protect,
    /// `NPF_IPSEC_POLICY_ACTION_DISCARD` (2).
    Discard,
    /// `NPF_IPSEC_POLICY_ACTION_BYPASS` (3).
    Bypass,
}

impl Action {
    /// The agreement's value.
    #[must_use]
    pub const fn to_u32(self) -> u32 {
        match self {
            Self::Protect => 1,
            Self::Discard => 2,
            Self::Bypass => 3,
        }
    }

    /// From the agreement's value.
    #[must_use]
    pub const fn from_u32(v: u32) -> Option<Self> {
        match v {
            1 => Some(Self::Protect),
            2 => Some(Self::Discard),
            3 => Some(Self::Bypass),
            _ => None,
        }
    }
}

/// An IP address (`NPF_IPSecIPAddress_t`, 5.1.24), bytes in network order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpAddr {
    /// IPv4.
    V4([u8; 4]),
    /// IPv6.
    V6([u8; 16]),
}

impl IpAddr {
    /// The IP version (4 or 6).
    #[must_use]
    pub const fn version(&self) -> u8 {
        match self {
            Self::V4(_) => 4,
            Self::V6(_) => 6,
        }
    }

    /// The address bytes (4 or 16).
    #[must_use]
    pub fn octets(&self) -> &[u8] {
        match self {
            Self::V4(b) => b,
            Self::V6(b) => b,
        }
    }

    /// True for the all-zero address.
    #[must_use]
    pub fn is_unspecified(&self) -> bool {
        self.octets().iter().all(|&b| b == 0)
    }
}

/// A selector address (`NPF_IPSecSelectorAddr_t`, 5.1.18-5.1.21): a prefix or an inclusive range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectorAddr {
    /// `NPF_IPSEC_ADDR_TYPE_SUBNET`: network address and prefix length (0 = any).
    Prefix {
        /// The network address.
        addr: IpAddr,
        /// Prefix length in bits (0..=32 for IPv4, 0..=128 for IPv6).
        len: u8,
    },
    /// `NPF_IPSEC_ADDR_TYPE_RANGE`: first and last address, inclusive.
    Range {
        /// First address.
        start: IpAddr,
        /// Last address (same version, not below `start`).
        end: IpAddr,
    },
}

/// An inclusive port range (`NPF_IPSecPortRange_t`, 5.1.22); `start == end` is one port and
/// `0..=0` (`IPSEC_OPAQUE`) or `0..=65535` is any port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortRange {
    /// First port.
    pub start: u16,
    /// Last port.
    pub end: u16,
}

impl PortRange {
    /// Any port.
    pub const ANY: Self = Self {
        start: 0,
        end: u16::MAX,
    };

    /// One port.
    #[must_use]
    pub const fn one(port: u16) -> Self {
        Self {
            start: port,
            end: port,
        }
    }

    /// True for the opaque value (0..=0) and for the full range.
    #[must_use]
    pub const fn is_any(&self) -> bool {
        self.start == 0 && (self.end == 0 || self.end == u16::MAX)
    }
}

/// `NPF_IPSEC_SELECTORRULEFLAG_NOT_SET` (5.1.23): the selector is negated.
pub const RULE_FLAG_NOT: u8 = 1 << 0;
/// `NPF_IPSEC_SELECTORRULEFLAG_AND_SET` (5.1.23): AND with the next selector (else OR).
pub const RULE_FLAG_AND: u8 = 1 << 1;
/// `IPSEC_OPAQUE` (A.1): protocol or port left undefined (any).
pub const IPSEC_OPAQUE: u8 = 0;

/// One selector (`NPF_IPSecSelector_t`, 5.1.23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    /// Rule flags: [`RULE_FLAG_NOT`], [`RULE_FLAG_AND`].
    pub rule_flags: u8,
    /// IP version, 4 or 6; both addresses must be of it.
    pub ip_version: u8,
    /// IP protocol, or [`IPSEC_OPAQUE`] for any.
    pub protocol: u8,
    /// Source address.
    pub src: SelectorAddr,
    /// Destination address.
    pub dst: SelectorAddr,
    /// Source ports.
    pub src_port: PortRange,
    /// Destination ports.
    pub dst_port: PortRange,
}

/// A packet's 5-tuple (`NPF_IPSecPacketFields_t`, 5.1.25).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketFields {
    /// IP protocol.
    pub protocol: u8,
    /// Source address (its version is the packet's).
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port (0 when the protocol has none).
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

/// Tunnel endpoints (`NPF_IPSecTunEndAddr_t`, 5.1.26).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TunnelEndpoints {
    /// Outer source.
    pub src: IpAddr,
    /// Outer destination.
    pub dst: IpAddr,
}

/// UDP encapsulation ports (`NPF_IPSecUDP_Ports_t`, 5.1.28); both 0 = no UDP encapsulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct UdpPorts {
    /// UDP source port.
    pub src: u16,
    /// UDP destination port.
    pub dst: u16,
}

impl UdpPorts {
    /// True when UDP encapsulation is used.
    #[must_use]
    pub const fn is_used(&self) -> bool {
        self.src != 0 || self.dst != 0
    }
}

/// One SA of a bundle (`NPF_IPSecSA_t`, 5.1.29), keys borrowed from the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaParams<'a> {
    /// SPI (or CPI in the low 16 bits).
    pub spi: u32,
    /// `flowLabel` (header) / `qos` (text): explicit DSCP/TOS (low 8 bits) and flow label.
    pub flow_label: u32,
    /// Flags, laid out as in [`crate::sa_flags`].
    pub flags: u32,
    /// `NPF_IPSEC_AALG_*`.
    pub auth_algo: u8,
    /// `NPF_IPSEC_EALG_*`.
    pub enc_algo: u8,
    /// Soft lifetime in kilobytes (0 = none).
    pub soft_kbytes: u32,
    /// Hard lifetime in kilobytes (0 = none).
    pub hard_kbytes: u32,
    /// Soft lifetime in seconds (0 = none).
    pub soft_secs: u32,
    /// Hard lifetime in seconds (0 = none).
    pub hard_secs: u32,
    /// Tunnel endpoints (tunnel mode; unspecified addresses in transport mode).
    pub tunnel: TunnelEndpoints,
    /// Authentication key.
    pub auth_key: &'a [u8],
    /// Authentication key length in bits.
    pub auth_key_bits: u16,
    /// Encryption key.
    pub enc_key: &'a [u8],
    /// Encryption key length in bits.
    pub enc_key_bits: u16,
    /// Replay window size in bytes (0..=64: `MAX_SIZE_REPLAY_WINDOW` 32-bit words).
    pub replay_window: u8,
}

/// The layout of `NPF_IPSecSA_t.flags` (5.1.29). The agreement gives the sub-fields' widths and
/// numbers the bits 31..0 but its figure with their positions is missing; we lay them out from the
/// least significant bit in the order the text lists them (docs/control-plane.md, "SA flags").
pub mod sa_flags {
    /// `proto`, 4 bits: `NPF_IPSEC_PROTOCOL_*` (one value per SA).
    pub const PROTO_SHIFT: u32 = 0;
    /// Mask of `proto`.
    pub const PROTO_MASK: u32 = 0xF;
    /// `df`, 2 bits: `NPF_IPSEC_DF_*`.
    pub const DF_SHIFT: u32 = 4;
    /// Mask of `df`.
    pub const DF_MASK: u32 = 0x3 << DF_SHIFT;
    /// `tos/dscp/flowlabel`, 8 bits: `NPF_IPSEC_QOS_*`.
    pub const QOS_SHIFT: u32 = 6;
    /// Mask of `qos`.
    pub const QOS_MASK: u32 = 0xFF << QOS_SHIFT;
    /// `m`, 1 bit: 1 = transport mode (`NPF_IPSEC_SA_SAFLAGS_TRANSPORTMODE`), 0 = tunnel.
    pub const MODE_TRANSPORT: u32 = 1 << 14;
    /// `s`, 1 bit: 1 = no lifetime-in-seconds monitoring (`..._LIFETIME_OFF`).
    pub const LIFETIME_SECS_OFF: u32 = 1 << 15;
    /// `r`, 1 bit: 1 = anti-replay off (`NPF_IPSEC_SA_SAFLAGS_REPLAY_OFF`).
    pub const REPLAY_OFF: u32 = 1 << 16;
    /// Every defined bit.
    pub const KNOWN: u32 =
        PROTO_MASK | DF_MASK | QOS_MASK | MODE_TRANSPORT | LIFETIME_SECS_OFF | REPLAY_OFF;

    /// `NPF_IPSEC_PROTOCOL_ESP`.
    pub const PROTOCOL_ESP: u32 = 0x01;
    /// `NPF_IPSEC_PROTOCOL_AH`.
    pub const PROTOCOL_AH: u32 = 0x02;
    /// `NPF_IPSEC_PROTOCOL_IPCOMP`.
    pub const PROTOCOL_IPCOMP: u32 = 0x04;
    /// `NPF_IPSEC_PROTOCOL_V2_BIS`.
    pub const PROTOCOL_V2_BIS: u32 = 0x08;
}

/// Algorithm numbers and key lengths (5.5).
pub mod algo {
    /// `NPF_IPSEC_AALG_NONE`.
    pub const AALG_NONE: u8 = 0;
    /// `NPF_IPSEC_AALG_MD5HMAC` (128-bit key).
    pub const AALG_MD5HMAC: u8 = 2;
    /// `NPF_IPSEC_AALG_SHA1HMAC` (160-bit key).
    pub const AALG_SHA1HMAC: u8 = 3;
    /// `NPF_IPSEC_AALG_AESXCBC` (128-bit key).
    pub const AALG_AESXCBC: u8 = 4;
    /// `NPF_IPSEC_EALG_NONE`.
    pub const EALG_NONE: u8 = 0;
    /// `NPF_IPSEC_EALG_DESCBC` (64-bit key).
    pub const EALG_DESCBC: u8 = 2;
    /// `NPF_IPSEC_EALG_3DESCBC` (192-bit key).
    pub const EALG_3DESCBC: u8 = 3;
    /// `NPF_IPSEC_EALG_NULL`.
    pub const EALG_NULL: u8 = 11;
    /// `NPF_IPSEC_EALG_AES` (AES-CBC; 128, 192 or 256-bit key).
    pub const EALG_AES: u8 = 12;
}

/// An adapter the filter is attached to: the interfaces SPDs bind to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interface {
    /// Its `NET_LUID` value.
    pub luid: u64,
    /// Its interface index: the `NPF_IfHandle_t` clients use.
    pub index: IfHandle,
}
