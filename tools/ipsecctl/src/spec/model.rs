//! What a parsed specification is: the SA ([`SaSpec`]) and its parts.

use std::fmt;
use std::net::IpAddr;

use ipsec_engine::alg::{AhIntegrity, EspEncryption, EspIntegrity};

/// `proto` of the SA (iproute2 XFRM-PROTO); `comp`, `route2` and `hao` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XfrmProto {
    /// ESP (IP protocol 50).
    Esp,
    /// AH (IP protocol 51).
    Ah,
}

impl XfrmProto {
    /// The IP protocol number.
    pub const fn number(self) -> u8 {
        match self {
            Self::Esp => 50,
            Self::Ah => 51,
        }
    }

    /// `esp` or `ah`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Esp => "esp",
            Self::Ah => "ah",
        }
    }
}

/// `mode` of the SA; `beet`, `ro` and `in_trigger` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Transport mode (the iproute2 default).
    Transport,
    /// Tunnel mode.
    Tunnel,
}

impl Mode {
    /// `transport` or `tunnel`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Transport => "transport",
            Self::Tunnel => "tunnel",
        }
    }
}

/// Direction given with `dir in|out` (newer iproute2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Inbound SA (used by `decrypt`).
    In,
    /// Outbound SA (used by `encrypt`).
    Out,
}

/// An address prefix `ADDR[/PLEN]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix {
    /// The address (host bits may be set; they are ignored when matching).
    pub addr: IpAddr,
    /// The prefix length in bits (0..=32 or 0..=128).
    pub len: u8,
}

impl Prefix {
    /// Whether `a` lies inside the prefix (false for the other address family).
    pub fn contains(&self, a: IpAddr) -> bool {
        match (self.addr, a) {
            (IpAddr::V4(p), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                (u32::from(p) & mask) == (u32::from(a) & mask)
            }
            (IpAddr::V6(p), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                (u128::from(p) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// The upper-layer part of a selector (iproute2 UPSPEC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UpperSpec {
    /// IP protocol number (`proto`); `None` = any.
    pub proto: Option<u8>,
    /// Source port (TCP/UDP/SCTP/DCCP), or ICMP/ICMPv6/MH `type`; `None` = any.
    pub sport: Option<u16>,
    /// Destination port, or ICMP/ICMPv6 `code`; `None` = any.
    pub dport: Option<u16>,
    /// GRE `key`; `None` = any.
    pub gre_key: Option<u32>,
}

/// A traffic selector (`sel …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Selector {
    /// Source prefix; `None` = any (`sel` without `src`, or `src any|default|all`).
    pub src: Option<Prefix>,
    /// Destination prefix; `None` = any.
    pub dst: Option<Prefix>,
    /// Upper-layer protocol and ports.
    pub upper: UpperSpec,
}

/// `encap espinudp SPORT DPORT OADDR` (RFC 3948 UDP encapsulation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encap {
    /// UDP source port of the ESP-in-UDP packets this SA sends.
    pub sport: u16,
    /// UDP destination port.
    pub dport: u16,
    /// Original address (NAT-OA); kept for the report, not used.
    pub oaddr: IpAddr,
}

/// Lifetime limits (`limit byte-soft N …`); `None` = unlimited (iproute2's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Limits {
    /// `byte-soft`.
    pub byte_soft: Option<u64>,
    /// `byte-hard`.
    pub byte_hard: Option<u64>,
    /// `packet-soft`.
    pub packet_soft: Option<u64>,
    /// `packet-hard`.
    pub packet_hard: Option<u64>,
    /// `time-soft` seconds since the SA was added (the first packet of the capture).
    pub time_soft: Option<u64>,
    /// `time-hard`.
    pub time_hard: Option<u64>,
    /// `time-use-soft` seconds since the SA was first used.
    pub time_use_soft: Option<u64>,
    /// `time-use-hard`.
    pub time_use_hard: Option<u64>,
}

/// The cryptographic transform of an SA, as engine types plus key material.
#[derive(Clone, PartialEq, Eq)]
pub enum Transform {
    /// ESP: encryption (or combined mode) plus separate integrity.
    Esp {
        /// Encryption / combined-mode algorithm.
        enc: EspEncryption,
        /// Separate integrity algorithm (`None` with combined modes).
        integ: EspIntegrity,
        /// Encryption key material (GCM/GMAC: AES key || 4-byte salt).
        enc_key: Vec<u8>,
        /// Integrity key.
        integ_key: Vec<u8>,
        /// Algorithm names as given, for the report (`cbc(aes)+hmac(sha256)`).
        names: String,
    },
    /// AH.
    Ah {
        /// Integrity algorithm.
        alg: AhIntegrity,
        /// Key.
        key: Vec<u8>,
        /// Algorithm name as given.
        names: String,
    },
}

impl Transform {
    /// The algorithm names for the report.
    pub fn names(&self) -> &str {
        match self {
            Self::Esp { names, .. } | Self::Ah { names, .. } => names,
        }
    }
}

impl fmt::Debug for Transform {
    // Keys are not printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Esp {
                enc,
                integ,
                enc_key,
                integ_key,
                names,
            } => f
                .debug_struct("Esp")
                .field("enc", enc)
                .field("integ", integ)
                .field("enc_key_len", &enc_key.len())
                .field("integ_key_len", &integ_key.len())
                .field("names", names)
                .finish(),
            Self::Ah { alg, key, names } => f
                .debug_struct("Ah")
                .field("alg", alg)
                .field("key_len", &key.len())
                .field("names", names)
                .finish(),
        }
    }
}

/// Flags given with `flag …` that change what the tool does. Flags that are
/// accepted but have no effect here are listed in `ignored_flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags {
    /// `esn`: 64-bit extended sequence numbers.
    pub esn: bool,
    /// `wildrecv`: inbound lookup ignores the destination address.
    pub wildrecv: bool,
}

/// One parsed `--sa` specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaSpec {
    /// `src`.
    pub src: IpAddr,
    /// `dst`.
    pub dst: IpAddr,
    /// `proto`.
    pub proto: XfrmProto,
    /// `spi`.
    pub spi: u32,
    /// `mode` (default transport).
    pub mode: Mode,
    /// The algorithms and keys.
    pub transform: Transform,
    /// `reqid` (default 0; reported only).
    pub reqid: u32,
    /// `replay-window` in packets (default 0 = no anti-replay check, as Linux).
    pub replay_window: u32,
    /// `replay-seq`: highest sequence number already received (low 32 bits).
    pub replay_seq: u32,
    /// `replay-seq-hi`: its high 32 bits (ESN).
    pub replay_seq_hi: u32,
    /// `replay-oseq`: last sequence number sent (low 32 bits); the next packet gets one more.
    pub replay_oseq: u32,
    /// `replay-oseq-hi`: its high 32 bits (ESN).
    pub replay_oseq_hi: u32,
    /// Flags that matter.
    pub flags: Flags,
    /// Flags (and other options) accepted without effect, by name, for the report.
    pub ignored: Vec<String>,
    /// `sel …`.
    pub sel: Option<Selector>,
    /// `limit …`.
    pub limits: Limits,
    /// `encap espinudp …`.
    pub encap: Option<Encap>,
    /// `dir in|out`.
    pub dir: Option<Direction>,
}
