//! The agreement's values as owned Rust types: typed handles and IDs, directions, actions,
//! addresses, selectors, SA parameters, policies, statistics and events. They are what the Rust
//! API takes and returns and what a [`crate::Transport`] carries.

use crate::abi;

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The reserved invalid value (0).
            pub const INVALID: Self = Self(0);
        }
    };
}

handle!(
    /// An SPD handle, chosen by the implementation (`NPF_IPSecSPD_Handle_t`).
    SpdHandle
);
handle!(
    /// A policy handle, chosen by the implementation (`NPF_IPSecPolicy_Handle_t`).
    PolicyHandle
);
handle!(
    /// An SA (bundle) handle, chosen by the implementation (`NPF_IPSecSA_Handle_t`).
    SaHandle
);

/// An SPD ID, chosen by the caller (`NPF_IPSecSPD_ID_t`).
pub type SpdId = u32;
/// A policy ID, chosen by the caller (`NPF_IPSecPolicy_ID_t`).
pub type PolicyId = u32;
/// An SA ID, chosen by the caller (`NPF_IPSecSA_ID_t`).
pub type SaId = u32;
/// An interface handle (`NPF_IfHandle_t`): the host's interface index.
pub type IfHandle = u32;

/// `NPF_IPSecDirection_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `NPF_IPSEC_DIRECTION_INBOUND`.
    Inbound,
    /// `NPF_IPSEC_DIRECTION_OUTBOUND`.
    Outbound,
}

impl Direction {
    /// The C value.
    #[must_use]
    pub const fn to_c(self) -> u32 {
        match self {
            Self::Inbound => abi::NPF_IPSEC_DIRECTION_INBOUND,
            Self::Outbound => abi::NPF_IPSEC_DIRECTION_OUTBOUND,
        }
    }

    /// From the C value.
    #[must_use]
    pub const fn from_c(v: u32) -> Option<Self> {
        match v {
            abi::NPF_IPSEC_DIRECTION_INBOUND => Some(Self::Inbound),
            abi::NPF_IPSEC_DIRECTION_OUTBOUND => Some(Self::Outbound),
            _ => None,
        }
    }
}

/// `NPF_IPSecPolicy_Action_t`; unknown C values are kept so that the control plane can refuse
/// them with `NPF_IPSEC_E_INVALID_POLICY_ACTION`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `NPF_IPSEC_POLICY_ACTION_IPSEC`.
    Protect,
    /// `NPF_IPSEC_POLICY_ACTION_DISCARD`.
    Discard,
    /// `NPF_IPSEC_POLICY_ACTION_BYPASS`.
    Bypass,
    /// Any other value.
    Other(u32),
}

impl Action {
    /// The C value.
    #[must_use]
    pub const fn to_c(self) -> u32 {
        match self {
            Self::Protect => abi::NPF_IPSEC_POLICY_ACTION_IPSEC,
            Self::Discard => abi::NPF_IPSEC_POLICY_ACTION_DISCARD,
            Self::Bypass => abi::NPF_IPSEC_POLICY_ACTION_BYPASS,
            Self::Other(v) => v,
        }
    }

    /// From the C value.
    #[must_use]
    pub const fn from_c(v: u32) -> Self {
        match v {
            abi::NPF_IPSEC_POLICY_ACTION_IPSEC => Self::Protect,
            abi::NPF_IPSEC_POLICY_ACTION_DISCARD => Self::Discard,
            abi::NPF_IPSEC_POLICY_ACTION_BYPASS => Self::Bypass,
            other => Self::Other(other),
        }
    }
}

/// An IP address, octets in network order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpAddr {
    /// IPv4.
    V4([u8; 4]),
    /// IPv6.
    V6([u8; 16]),
}

impl IpAddr {
    /// The IP version.
    #[must_use]
    pub const fn version(&self) -> u8 {
        match self {
            Self::V4(_) => 4,
            Self::V6(_) => 6,
        }
    }
}

impl From<std::net::IpAddr> for IpAddr {
    fn from(a: std::net::IpAddr) -> Self {
        match a {
            std::net::IpAddr::V4(v) => Self::V4(v.octets()),
            std::net::IpAddr::V6(v) => Self::V6(v.octets()),
        }
    }
}

/// `NPF_IPSecSelectorAddr_t`: a prefix or an inclusive range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectorAddr {
    /// `NPF_IPSEC_ADDR_TYPE_SUBNET`.
    Prefix(IpAddr, u8),
    /// `NPF_IPSEC_ADDR_TYPE_RANGE`.
    Range(IpAddr, IpAddr),
}

/// `NPF_IPSecPortRange_t` (inclusive; 0..0 is any, as `IPSEC_OPAQUE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PortRange {
    /// First port.
    pub start: u16,
    /// Last port.
    pub end: u16,
}

impl PortRange {
    /// Any port.
    pub const ANY: Self = Self { start: 0, end: 0 };

    /// One port.
    #[must_use]
    pub const fn one(port: u16) -> Self {
        Self {
            start: port,
            end: port,
        }
    }
}

/// `NPF_IPSecSelector_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    /// `NPF_IPSEC_SELECTORRULEFLAG_*` bits.
    pub rule_flags: u8,
    /// 4 or 6.
    pub ip_version: u8,
    /// Transport protocol, 0 for any.
    pub protocol: u8,
    /// Source.
    pub src: SelectorAddr,
    /// Destination.
    pub dst: SelectorAddr,
    /// Source ports.
    pub src_port: PortRange,
    /// Destination ports.
    pub dst_port: PortRange,
}

impl Selector {
    /// A selector of everything between two prefixes, any protocol and port.
    #[must_use]
    pub fn between(src: SelectorAddr, dst: SelectorAddr) -> Self {
        let ip_version = match src {
            SelectorAddr::Prefix(a, _) | SelectorAddr::Range(a, _) => a.version(),
        };
        Self {
            rule_flags: 0,
            ip_version,
            protocol: 0,
            src,
            dst,
            src_port: PortRange::ANY,
            dst_port: PortRange::ANY,
        }
    }
}

/// `NPF_IPSecPacketFields_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketFields {
    /// Transport protocol.
    pub protocol: u8,
    /// Source.
    pub src: IpAddr,
    /// Destination.
    pub dst: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

/// `NPF_IPSecTunEndAddr_t` (`None` in transport mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TunnelEndpoints {
    /// Outer source.
    pub src: IpAddr,
    /// Outer destination.
    pub dst: IpAddr,
}

/// `NPF_IPSecUDP_Ports_t` (both 0: no UDP encapsulation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct UdpPorts {
    /// Source port.
    pub src: u16,
    /// Destination port.
    pub dst: u16,
}

/// The `flags` word of `NPF_IPSecSA_t` (erratum E-FLAGS: proto bits 0-3, df 4-5, qos 6-13,
/// transport mode bit 14, lifetime-seconds off bit 15, replay off bit 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SaFlags(pub u32);

impl SaFlags {
    /// Shift of the 2-bit `df` field.
    pub const DF_SHIFT: u32 = 4;
    /// Shift of the 8-bit `tos/dscp/flowlabel` field.
    pub const QOS_SHIFT: u32 = 6;
    /// The `m` bit (1: transport mode).
    pub const TRANSPORT: u32 = 1 << 14;
    /// The `s` bit (1: no lifetime monitoring in seconds).
    pub const LIFETIME_OFF: u32 = 1 << 15;
    /// The `r` bit (1: no anti-replay).
    pub const REPLAY_OFF: u32 = 1 << 16;

    /// Flags of an SA of protocol `proto` (`NPF_IPSEC_PROTOCOL_*`), tunnel mode, replay and
    /// lifetime monitoring on, DF and QoS copied.
    #[must_use]
    pub const fn new(proto: u32) -> Self {
        Self(proto & 0xF)
    }

    /// Transport mode.
    #[must_use]
    pub const fn transport(self) -> Self {
        Self(self.0 | Self::TRANSPORT)
    }

    /// Anti-replay off.
    #[must_use]
    pub const fn replay_off(self) -> Self {
        Self(self.0 | Self::REPLAY_OFF)
    }

    /// The protocol (`NPF_IPSEC_PROTOCOL_*`).
    #[must_use]
    pub const fn proto(self) -> u32 {
        self.0 & 0xF
    }
}

/// `NPF_IPSecSA_t` with owned keys.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SaParams {
    /// SPI (or CPI).
    pub spi: u32,
    /// Explicit flow label / TOS.
    pub flow_label: u32,
    /// Flags.
    pub flags: SaFlags,
    /// `NPF_IPSEC_AALG_*`.
    pub auth_algo: u8,
    /// `NPF_IPSEC_EALG_*`.
    pub enc_algo: u8,
    /// Soft KB limit (0: none).
    pub soft_kbytes: u32,
    /// Hard KB limit (0: none).
    pub hard_kbytes: u32,
    /// Soft seconds limit (0: none).
    pub soft_secs: u32,
    /// Hard seconds limit (0: none).
    pub hard_secs: u32,
    /// Tunnel endpoints (tunnel mode).
    pub tunnel: Option<TunnelEndpoints>,
    /// Authentication key.
    pub auth_key: Vec<u8>,
    /// Its length in bits.
    pub auth_key_bits: u16,
    /// Encryption key.
    pub enc_key: Vec<u8>,
    /// Its length in bits.
    pub enc_key_bits: u16,
    /// Replay window in bytes.
    pub replay_window: u8,
}

/// `NPF_IPSecPolicy_t`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Caller's ID.
    pub id: PolicyId,
    /// Action.
    pub action: Action,
    /// Selectors (OR of them, unless rule flags say AND/NOT).
    pub selectors: Vec<Selector>,
}

/// The arguments of `NPF_IPSecSA_Add`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaAdd {
    /// The policy the bundle belongs to.
    pub policy: PolicyHandle,
    /// Caller's ID.
    pub sa_id: SaId,
    /// The bundle (1 or more SAs, transport adjacency).
    pub sas: Vec<SaParams>,
    /// UDP encapsulation.
    pub udp: UdpPorts,
    /// Selectors of the innermost SA.
    pub selectors: Vec<Selector>,
    /// The SA this one replaces (rekey), or `SaHandle::INVALID`.
    pub previous: SaHandle,
    /// Direction.
    pub direction: Direction,
    /// From an acquire event, else 0.
    pub acquire_context: u32,
    /// Vendor hint.
    pub vendor_hint: u32,
}

/// `NPF_IPSecSPD_Identity_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpdIdentity {
    /// Caller's ID.
    pub id: SpdId,
    /// Handle (`INVALID` in a handle query: unknown ID).
    pub handle: SpdHandle,
    /// Direction (`None` for an unknown ID).
    pub direction: Option<Direction>,
}

/// `NPF_IPSecPolicy_Identity_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyIdentity {
    /// Caller's ID.
    pub id: PolicyId,
    /// Handle (`INVALID` in a handle query: unknown ID).
    pub handle: PolicyHandle,
}

/// `NPF_IPSecSA_Identity_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaIdentity {
    /// Caller's ID.
    pub id: SaId,
    /// Handle (`INVALID` in a handle query: unknown ID).
    pub handle: SaHandle,
}

/// What an SPD is bound to (`NPF_IPSecQuery_AllSPDBindings`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpdBindings {
    /// All interfaces (an empty array in C).
    All,
    /// These.
    Interfaces(Vec<IfHandle>),
}

/// `NPF_IPSecPolicy_Stats_t`.
pub type PolicyStats = abi::NPF_IPSecPolicy_Stats_t;
/// `NPF_IPSecSA_Stats_t`.
pub type SaStats = abi::NPF_IPSecSA_Stats_t;

/// `NPF_IPSecSA_BundleStats_t` with owned statistics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaBundleStats {
    /// Caller's SA ID.
    pub sa_id: SaId,
    /// One entry per SA of the bundle.
    pub stats: Vec<SaStats>,
}

/// `NPF_IPSecQuery_SAData`'s answer: the bundle's SAs (keys left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaData {
    /// Caller's SA ID.
    pub id: SaId,
    /// Its policy.
    pub policy: PolicyHandle,
    /// Direction.
    pub direction: Direction,
    /// The SAs (keys empty).
    pub sas: Vec<SaParams>,
}

/// `NPF_IPSecEventLimit_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventLimit {
    /// `NPF_IPSecEvent_t` (kept raw: an unknown one is `NPF_IPSEC_E_BAD_EVENTID`).
    pub event: u32,
    /// The limit.
    pub limit: RateLimit,
}

/// The limit of an [`EventLimit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateLimit {
    /// `NPF_IPSEC_EVENT_LIMIT_TIME`: at most this many per second.
    PerSecond(u32),
    /// `NPF_IPSEC_EVENT_LIMIT_COUNT`: one event every `n` occurrences.
    EveryN(u32),
    /// Any other `limitType` value (refused with `NPF_IPSEC_E_BAD_EVENTID`).
    Other(u32),
}

/// `NPF_IPSecCryptoDropped_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CryptoDropped {
    /// Source.
    pub src: IpAddr,
    /// Destination.
    pub dst: IpAddr,
    /// 50, 51 or 108.
    pub protocol: u8,
    /// SPI.
    pub spi: u32,
    /// Flow label.
    pub flow_label: u32,
    /// Sequence number (the C struct keeps its low 8 bits, erratum E-SEQNO).
    pub seq_no: u32,
    /// Repetitions folded into this event.
    pub count: u32,
}

/// `NPF_IPSecEventData_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// `NPF_IPSEC_SA_ACQUIRE`.
    Acquire {
        /// SPD ID.
        spd_id: SpdId,
        /// Policy ID.
        policy_id: PolicyId,
        /// The packet.
        packet: PacketFields,
        /// To give back in SA_Add.
        acquire_context: u32,
    },
    /// Expiry and purge events (`NPF_IPSecSA_ExpireInfo_t`); `event` is the `NPF_IPSecEvent_t`.
    Expire {
        /// The event number.
        event: u32,
        /// SA ID.
        sa_id: SaId,
    },
    /// Clear-packet and invalid-policy drops (`NPF_IPSecPacketDropped_t`).
    Packet {
        /// The event number.
        event: u32,
        /// SPD ID.
        spd_id: SpdId,
        /// Policy ID.
        policy_id: PolicyId,
        /// SA ID.
        sa_id: SaId,
        /// The packet.
        packet: PacketFields,
    },
    /// Crypto drops (`NPF_IPSecCryptoDropped_t`).
    Crypto {
        /// The event number.
        event: u32,
        /// The packet's data.
        info: CryptoDropped,
    },
}

impl Event {
    /// The `NPF_IPSecEvent_t` number.
    #[must_use]
    pub const fn number(&self) -> u32 {
        match self {
            Self::Acquire { .. } => abi::NPF_IPSEC_SA_ACQUIRE,
            Self::Expire { event, .. }
            | Self::Packet { event, .. }
            | Self::Crypto { event, .. } => *event,
        }
    }

    /// The bit of this event in an `NPF_IPSecEventMask_t`.
    #[must_use]
    pub const fn mask_bit(&self) -> u32 {
        match self.number() {
            n @ 1..=32 => 1 << (n - 1),
            _ => 0,
        }
    }
}
