//! SA specifications in the syntax of iproute2's `ip xfrm state add`.
//!
//! One `--sa` argument is one string; [`tokenize`] splits it like a POSIX
//! shell (single quotes, double quotes with backslash escapes, backslash
//! outside quotes) so `aead 'rfc4106(gcm(aes))' 0x… 128` can be pasted as it
//! is typed after `ip xfrm state add`. [`parse`] turns it into an [`SaSpec`]
//! with typed engine algorithms, or a [`SpecError`] naming the token and the
//! reason. The accepted grammar is documented in `docs/ipsecctl.md`.

use std::fmt;
use std::net::IpAddr;

use ipsec_engine::alg::{AesKeySize, AhIntegrity, EspEncryption, EspIntegrity, GcmIcvLen};

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

/// Why a specification was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecErrorKind {
    /// The string has an opening quote without its closing quote.
    UnterminatedQuote(char),
    /// A backslash ends the string.
    TrailingBackslash,
    /// The specification is empty.
    Empty,
    /// A keyword this tool (and iproute2) does not know.
    UnknownKeyword,
    /// A keyword is the last token but needs a value (`what` names it).
    MissingValue(&'static str),
    /// Not a number (decimal, `0x` hex or `0` octal as iproute2's strtoul base 0).
    BadNumber(&'static str),
    /// A number out of range for its field.
    OutOfRange {
        /// The field.
        what: &'static str,
        /// The largest allowed value.
        max: u64,
    },
    /// Not an IPv4 or IPv6 address.
    BadAddress(&'static str),
    /// A prefix length that is not a number or is too long for the family.
    BadPrefixLength,
    /// `src` and `dst` (of the SA, or of the selector) are of different families.
    FamilyMismatch(&'static str),
    /// A field given twice.
    Duplicate(&'static str),
    /// A required field is missing.
    Missing(&'static str),
    /// The key is neither `0x` hex nor a string, or its hex is invalid.
    BadKey(String),
    /// The algorithm name is unknown.
    UnknownAlgorithm(&'static str),
    /// Known to Linux but not implemented here (the message says what to use).
    Unsupported(String),
    /// Key length does not fit the algorithm.
    KeyLength {
        /// Algorithm name.
        alg: String,
        /// Bytes supplied.
        got: usize,
        /// Allowed lengths.
        expected: &'static str,
    },
    /// ICV / truncation length the engine does not implement for this algorithm.
    IcvLength {
        /// Algorithm name.
        alg: String,
        /// Bits supplied.
        bits: u32,
        /// Allowed values.
        allowed: &'static str,
    },
    /// An algorithm that does not belong with the others or with the protocol.
    Combination(String),
    /// A flag name that iproute2 does not know.
    UnknownFlag,
    /// Any other semantic problem.
    Invalid(String),
}

impl fmt::Display for SpecErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnterminatedQuote(q) => write!(f, "unterminated {q} quote"),
            Self::TrailingBackslash => f.write_str("backslash at the end of the specification"),
            Self::Empty => f.write_str("empty SA specification"),
            Self::UnknownKeyword => f.write_str("unknown keyword"),
            Self::MissingValue(what) => write!(f, "missing {what} after it"),
            Self::BadNumber(what) => write!(
                f,
                "{what} is not a number (decimal, 0x hexadecimal or 0-prefixed octal)"
            ),
            Self::OutOfRange { what, max } => write!(f, "{what} is larger than {max}"),
            Self::BadAddress(what) => write!(f, "{what} is not an IPv4 or IPv6 address"),
            Self::BadPrefixLength => f.write_str("bad prefix length"),
            Self::FamilyMismatch(what) => {
                write!(f, "{what}: src and dst must be of the same address family")
            }
            Self::Duplicate(what) => write!(f, "{what} given twice"),
            Self::Missing(what) => write!(f, "missing {what}"),
            Self::BadKey(why) => write!(f, "bad key: {why}"),
            Self::UnknownAlgorithm(kind) => write!(f, "unknown {kind} algorithm"),
            Self::Unsupported(why) => write!(f, "not supported: {why}"),
            Self::KeyLength { alg, got, expected } => {
                write!(f, "key for {alg} is {got} bytes, expected {expected}")
            }
            Self::IcvLength { alg, bits, allowed } => {
                write!(
                    f,
                    "{alg} with {bits}-bit ICV is not implemented (allowed: {allowed})"
                )
            }
            Self::Combination(why) => write!(f, "{why}"),
            Self::UnknownFlag => f.write_str("unknown flag"),
            Self::Invalid(why) => f.write_str(why),
        }
    }
}

/// A refused specification: the reason and, where one is to blame, the token
/// (1-based position in the tokenized specification, and its text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// 1-based position of the offending token, if one is to blame.
    pub position: Option<usize>,
    /// The offending token's text.
    pub token: Option<String>,
    /// The reason.
    pub kind: SpecErrorKind,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.position, &self.token) {
            (Some(p), Some(t)) => write!(f, "token {p} {t:?}: {}", self.kind),
            _ => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for SpecError {}

impl SpecError {
    fn whole(kind: SpecErrorKind) -> Self {
        Self {
            position: None,
            token: None,
            kind,
        }
    }
}

/// Split a specification into tokens like a POSIX shell: whitespace separates,
/// `'…'` is literal, `"…"` allows `\"`, `\\`, `\$` and `` \` `` escapes, a
/// backslash outside quotes escapes the next character, `''` is an empty token.
pub fn tokenize(s: &str) -> Result<Vec<String>, SpecError> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_token {
                    tokens.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            '\'' => {
                in_token = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => {
                            return Err(SpecError::whole(SpecErrorKind::UnterminatedQuote('\'')))
                        }
                    }
                }
            }
            '"' => {
                in_token = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some('\n') => {}
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => {
                                return Err(SpecError::whole(SpecErrorKind::UnterminatedQuote('"')))
                            }
                        },
                        Some(c) => cur.push(c),
                        None => {
                            return Err(SpecError::whole(SpecErrorKind::UnterminatedQuote('"')))
                        }
                    }
                }
            }
            '\\' => {
                in_token = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(e) => cur.push(e),
                    None => return Err(SpecError::whole(SpecErrorKind::TrailingBackslash)),
                }
            }
            c => {
                in_token = true;
                cur.push(c);
            }
        }
    }
    if in_token {
        tokens.push(cur);
    }
    Ok(tokens)
}

/// Parse an unsigned number as C `strtoull(s, NULL, 0)` does for iproute2's
/// `get_u32`/`get_u64`: `0x` hex, leading `0` octal, else decimal; no sign,
/// no spaces, nothing after the digits.
pub fn parse_number(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Decode key material as iproute2 does: `0x` followed by hex digits (an odd
/// count gets a leading zero), anything else is the bytes of the string itself
/// (so `''` is an empty key). `0x` alone is refused (iproute2 would take the
/// two characters as the key, which is never what was meant).
pub fn parse_key(s: &str) -> Result<Vec<u8>, String> {
    let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) else {
        return Ok(s.as_bytes().to_vec());
    };
    if hex.is_empty() {
        return Err("\"0x\" without hex digits".to_string());
    }
    let digits: Vec<u8> = hex.bytes().collect();
    let mut nibbles = Vec::with_capacity(digits.len() + 1);
    if digits.len() % 2 == 1 {
        nibbles.push(0u8);
    }
    for (i, d) in digits.iter().enumerate() {
        let v = (*d as char)
            .to_digit(16)
            .ok_or_else(|| format!("{:?} at hex digit {} is not hexadecimal", *d as char, i + 1))?;
        nibbles.push(v as u8);
    }
    Ok(nibbles
        .chunks(2)
        .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0))
        .collect())
}

fn parse_addr(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok()
}

/// Protocol names accepted after `sel … proto` (plus any number 0..=255).
const PROTO_NAMES: &[(&str, u8)] = &[
    ("any", 0),
    ("ip", 0),
    ("icmp", 1),
    ("igmp", 2),
    ("ipencap", 4),
    ("ipip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6", 41),
    ("ipv6-route", 43),
    ("ipv6-frag", 44),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("ipv6-nonxt", 59),
    ("ipv6-opts", 60),
    ("ospf", 89),
    ("pim", 103),
    ("l2tp", 115),
    ("sctp", 132),
    ("dccp", 33),
    ("mobility-header", 135),
    ("udplite", 136),
];

/// Protocols whose selectors take `sport`/`dport`.
const PORT_PROTOS: &[u8] = &[6, 17, 33, 132, 136];
/// Protocols whose selectors take `type`/`code` (ICMP, ICMPv6, Mobility Header).
const TYPE_PROTOS: &[u8] = &[1, 58, 135];
/// GRE.
const GRE: u8 = 47;

struct Cursor<'a> {
    tokens: &'a [String],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn next(&mut self) -> Option<&'a str> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Error at the token just consumed.
    fn err_prev(&self, kind: SpecErrorKind) -> SpecError {
        let i = self.pos.saturating_sub(1);
        SpecError {
            position: Some(i + 1),
            token: self.tokens.get(i).cloned(),
            kind,
        }
    }

    /// The value after the keyword just consumed.
    fn value(&mut self, what: &'static str) -> Result<&'a str, SpecError> {
        match self.next() {
            Some(v) => Ok(v),
            None => Err(self.err_prev(SpecErrorKind::MissingValue(what))),
        }
    }

    fn number(&mut self, what: &'static str, max: u64) -> Result<u64, SpecError> {
        let v = self.value(what)?;
        let n = parse_number(v).ok_or_else(|| self.err_prev(SpecErrorKind::BadNumber(what)))?;
        if n > max {
            return Err(self.err_prev(SpecErrorKind::OutOfRange { what, max }));
        }
        Ok(n)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, SpecError> {
        let n = self.number(what, u64::from(u32::MAX))?;
        u32::try_from(n).map_err(|_| {
            self.err_prev(SpecErrorKind::OutOfRange {
                what,
                max: u64::from(u32::MAX),
            })
        })
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, SpecError> {
        let n = self.number(what, u64::from(u16::MAX))?;
        u16::try_from(n).map_err(|_| {
            self.err_prev(SpecErrorKind::OutOfRange {
                what,
                max: u64::from(u16::MAX),
            })
        })
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, SpecError> {
        let n = self.number(what, u64::from(u8::MAX))?;
        u8::try_from(n).map_err(|_| {
            self.err_prev(SpecErrorKind::OutOfRange {
                what,
                max: u64::from(u8::MAX),
            })
        })
    }

    fn addr(&mut self, what: &'static str) -> Result<IpAddr, SpecError> {
        let v = self.value(what)?;
        parse_addr(v).ok_or_else(|| self.err_prev(SpecErrorKind::BadAddress(what)))
    }

    /// `ADDR[/PLEN]`, or `any`/`default`/`all` (no constraint).
    fn prefix(&mut self, what: &'static str) -> Result<Option<Prefix>, SpecError> {
        let v = self.value(what)?;
        if matches!(v, "any" | "default" | "all") {
            return Ok(None);
        }
        let (a, l) = match v.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (v, None),
        };
        let addr = parse_addr(a).ok_or_else(|| self.err_prev(SpecErrorKind::BadAddress(what)))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            None => max,
            Some(l) => match l.parse::<u8>() {
                Ok(n) if n <= max && l.chars().all(|c| c.is_ascii_digit()) => n,
                _ => return Err(self.err_prev(SpecErrorKind::BadPrefixLength)),
            },
        };
        Ok(Some(Prefix { addr, len }))
    }
}

/// One `enc|auth|auth-trunc|aead|comp` item as written.
struct AlgoItem {
    kind: &'static str,
    name: String,
    name_pos: usize,
    key: Vec<u8>,
    key_pos: usize,
    bits: Option<(u32, usize)>,
}

fn set_once<T>(
    slot: &mut Option<T>,
    v: T,
    cur: &Cursor<'_>,
    what: &'static str,
) -> Result<(), SpecError> {
    if slot.is_some() {
        return Err(cur.err_prev(SpecErrorKind::Duplicate(what)));
    }
    *slot = Some(v);
    Ok(())
}

/// Parse one SA specification (the arguments of `ip xfrm state add`; a leading
/// `ip xfrm state add` or `update` is skipped so whole command lines can be pasted).
pub fn parse(spec: &str) -> Result<SaSpec, SpecError> {
    let tokens = tokenize(spec)?;
    parse_tokens(&tokens)
}

/// Parse an already tokenized specification.
pub fn parse_tokens(tokens: &[String]) -> Result<SaSpec, SpecError> {
    let mut skip = 0;
    for (i, word) in ["ip", "xfrm", "state"].iter().enumerate() {
        if tokens.get(i).map(String::as_str) == Some(*word) && skip == i {
            skip = i + 1;
        }
    }
    if skip == 3 && matches!(tokens.get(3).map(String::as_str), Some("add" | "update")) {
        skip = 4;
    } else if skip != 0 {
        skip = 0; // not the full prefix: let the parser name the first token.
    }
    let mut cur = Cursor { tokens, pos: skip };
    if cur.peek().is_none() {
        return Err(SpecError::whole(SpecErrorKind::Empty));
    }

    let mut src = None;
    let mut dst = None;
    let mut proto = None;
    let mut spi = None;
    let mut mode = None;
    let mut reqid = None;
    let mut replay_window = None;
    let mut replay_seq = None;
    let mut replay_seq_hi = None;
    let mut replay_oseq = None;
    let mut replay_oseq_hi = None;
    let mut flags = Flags::default();
    let mut ignored: Vec<String> = Vec::new();
    let mut sel: Option<Selector> = None;
    let mut limits = Limits::default();
    let mut encap = None;
    let mut dir = None;
    let mut algos: Vec<AlgoItem> = Vec::new();
    // Positions of the SA's src/dst tokens, for family errors.
    let mut dst_pos = 0;

    while let Some(tok) = cur.next() {
        match tok {
            "src" => {
                let a = cur.addr("address")?;
                set_once(&mut src, a, &cur, "src")?;
            }
            "dst" => {
                let a = cur.addr("address")?;
                dst_pos = cur.pos;
                set_once(&mut dst, a, &cur, "dst")?;
            }
            "proto" => {
                let p = match cur.value("XFRM-PROTO (esp or ah)")? {
                    "esp" | "50" => XfrmProto::Esp,
                    "ah" | "51" => XfrmProto::Ah,
                    "comp" | "route2" | "hao" | "108" | "43" | "60" => {
                        return Err(cur.err_prev(SpecErrorKind::Unsupported(
                            "only proto esp and proto ah are implemented".into(),
                        )))
                    }
                    _ => {
                        return Err(cur.err_prev(SpecErrorKind::Invalid(
                            "XFRM-PROTO must be esp or ah".into(),
                        )))
                    }
                };
                set_once(&mut proto, p, &cur, "proto")?;
            }
            "spi" => {
                let v = cur.u32("SPI")?;
                if v == 0 {
                    return Err(cur.err_prev(SpecErrorKind::Invalid(
                        "SPI 0 is reserved and never sent on the wire (RFC 4303 §2.1)".into(),
                    )));
                }
                set_once(&mut spi, v, &cur, "spi")?;
            }
            "mode" => {
                let m = match cur.value("MODE")? {
                    "transport" => Mode::Transport,
                    "tunnel" => Mode::Tunnel,
                    "beet" | "ro" | "in_trigger" => {
                        return Err(cur.err_prev(SpecErrorKind::Unsupported(
                            "only mode transport and mode tunnel are implemented".into(),
                        )))
                    }
                    _ => {
                        return Err(cur.err_prev(SpecErrorKind::Invalid(
                            "MODE must be transport or tunnel".into(),
                        )))
                    }
                };
                set_once(&mut mode, m, &cur, "mode")?;
            }
            "enc" | "auth" | "auth-trunc" | "aead" | "comp" => {
                let kind: &'static str = match tok {
                    "enc" => "enc",
                    "auth" => "auth",
                    "auth-trunc" => "auth-trunc",
                    "aead" => "aead",
                    _ => "comp",
                };
                if kind == "comp" {
                    return Err(cur.err_prev(SpecErrorKind::Unsupported(
                        "IPComp (comp) is not implemented".into(),
                    )));
                }
                let name = cur.value("ALGO-NAME")?.to_string();
                let name_pos = cur.pos;
                let key_text = cur.value("ALGO-KEYMAT")?;
                let key_pos = cur.pos;
                let key =
                    parse_key(key_text).map_err(|why| cur.err_prev(SpecErrorKind::BadKey(why)))?;
                let bits = match kind {
                    "auth-trunc" => Some((cur.u32("ALGO-TRUNC-LEN (bits)")?, cur.pos)),
                    "aead" => Some((cur.u32("ALGO-ICV-LEN (bits)")?, cur.pos)),
                    _ => None,
                };
                algos.push(AlgoItem {
                    kind,
                    name,
                    name_pos,
                    key,
                    key_pos,
                    bits,
                });
            }
            "reqid" => {
                let v = cur.u32("REQID")?;
                set_once(&mut reqid, v, &cur, "reqid")?;
            }
            "seq" => {
                // The netlink/acquire sequence number: no effect on packets.
                cur.u32("SEQ")?;
                ignored.push("seq".into());
            }
            "replay-window" => {
                let v = cur.u32("SIZE")?;
                set_once(&mut replay_window, v, &cur, "replay-window")?;
            }
            "replay-seq" => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay_seq, v, &cur, "replay-seq")?;
            }
            "replay-seq-hi" => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay_seq_hi, v, &cur, "replay-seq-hi")?;
            }
            "replay-oseq" => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay_oseq, v, &cur, "replay-oseq")?;
            }
            "replay-oseq-hi" => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay_oseq_hi, v, &cur, "replay-oseq-hi")?;
            }
            "flag" => parse_flags(&mut cur, &mut flags, &mut ignored)?,
            "extra-flag" => parse_extra_flags(&mut cur)?,
            "sel" => {
                if sel.is_some() {
                    return Err(cur.err_prev(SpecErrorKind::Duplicate("sel")));
                }
                sel = Some(parse_selector(&mut cur)?);
            }
            "limit" => parse_limits(&mut cur, &mut limits)?,
            "encap" => {
                match cur.value("ENCAP-TYPE")? {
                    "espinudp" => {}
                    "espinudp-nonike" | "espintcp" => {
                        return Err(cur.err_prev(SpecErrorKind::Unsupported(
                            "only encap espinudp (RFC 3948) is implemented".into(),
                        )))
                    }
                    _ => {
                        return Err(cur.err_prev(SpecErrorKind::Invalid(
                            "ENCAP-TYPE must be espinudp, espinudp-nonike or espintcp".into(),
                        )))
                    }
                }
                let sport = cur.u16("SPORT")?;
                let dport = cur.u16("DPORT")?;
                let oaddr = cur.addr("OADDR")?;
                set_once(
                    &mut encap,
                    Encap {
                        sport,
                        dport,
                        oaddr,
                    },
                    &cur,
                    "encap",
                )?;
            }
            "mark" | "output-mark" => {
                let what = if tok == "mark" { "mark" } else { "output-mark" };
                cur.u32("MARK")?;
                if cur.peek() == Some("mask") {
                    cur.next();
                    cur.u32("MASK")?;
                }
                ignored.push(what.into());
            }
            "if_id" => {
                cur.u32("IF_ID")?;
                ignored.push("if_id".into());
            }
            "ctx" => {
                cur.value("CTX")?;
                ignored.push("ctx".into());
            }
            "offload" => {
                // offload [crypto|packet] dev DEV dir in|out: this tool is the offload.
                if matches!(cur.peek(), Some("crypto" | "packet")) {
                    cur.next();
                }
                while let Some(t) = cur.peek() {
                    match t {
                        "dev" => {
                            cur.next();
                            cur.value("DEV")?;
                        }
                        "dir" => {
                            cur.next();
                            let d = parse_dir(&mut cur)?;
                            set_once(&mut dir, d, &cur, "dir")?;
                        }
                        _ => break,
                    }
                }
                ignored.push("offload".into());
            }
            "dir" => {
                let d = parse_dir(&mut cur)?;
                set_once(&mut dir, d, &cur, "dir")?;
            }
            "coa" => {
                return Err(cur.err_prev(SpecErrorKind::Unsupported(
                    "coa (care-of address, Mobile IPv6 route optimisation) is not implemented"
                        .into(),
                )))
            }
            "tfcpad" => {
                let v = cur.u32("LENGTH")?;
                if v != 0 {
                    return Err(cur.err_prev(SpecErrorKind::Unsupported(
                        "TFC padding (tfcpad) is not implemented".into(),
                    )));
                }
            }
            _ => return Err(cur.err_prev(SpecErrorKind::UnknownKeyword)),
        }
    }

    let src = src.ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("src ADDR")))?;
    let dst = dst.ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("dst ADDR")))?;
    if src.is_ipv4() != dst.is_ipv4() {
        return Err(SpecError {
            position: Some(dst_pos),
            token: tokens.get(dst_pos.saturating_sub(1)).cloned(),
            kind: SpecErrorKind::FamilyMismatch("SA"),
        });
    }
    let proto = proto.ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("proto esp|ah")))?;
    let spi = spi.ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("spi SPI")))?;
    let mode = mode.unwrap_or(Mode::Transport);
    let transform = resolve_transform(proto, &algos, tokens)?;

    if let Some(e) = &encap {
        if proto != XfrmProto::Esp {
            return Err(SpecError::whole(SpecErrorKind::Combination(
                "encap espinudp is only for proto esp".into(),
            )));
        }
        if e.sport == 0 || e.dport == 0 {
            return Err(SpecError::whole(SpecErrorKind::Invalid(
                "encap espinudp ports must not be 0".into(),
            )));
        }
    }
    if mode == Mode::Transport {
        if let Some(s) = &sel {
            let fam_ok = |p: &Option<Prefix>| p.is_none_or(|p| p.addr.is_ipv4() == src.is_ipv4());
            if !fam_ok(&s.src) || !fam_ok(&s.dst) {
                return Err(SpecError::whole(SpecErrorKind::Invalid(
                    "in transport mode the selector must be of the SA's address family".into(),
                )));
            }
        }
    }
    let replay_seq_hi = replay_seq_hi.unwrap_or(0);
    let replay_oseq_hi = replay_oseq_hi.unwrap_or(0);
    if !flags.esn && (replay_seq_hi != 0 || replay_oseq_hi != 0) {
        return Err(SpecError::whole(SpecErrorKind::Combination(
            "replay-seq-hi / replay-oseq-hi need flag esn".into(),
        )));
    }
    Ok(SaSpec {
        src,
        dst,
        proto,
        spi,
        mode,
        transform,
        reqid: reqid.unwrap_or(0),
        replay_window: replay_window.unwrap_or(0),
        replay_seq: replay_seq.unwrap_or(0),
        replay_seq_hi,
        replay_oseq: replay_oseq.unwrap_or(0),
        replay_oseq_hi,
        flags,
        ignored,
        sel,
        limits,
        encap,
        dir,
    })
}

fn parse_dir(cur: &mut Cursor<'_>) -> Result<Direction, SpecError> {
    match cur.value("DIR (in or out)")? {
        "in" => Ok(Direction::In),
        "out" => Ok(Direction::Out),
        _ => Err(cur.err_prev(SpecErrorKind::Invalid("DIR must be in or out".into()))),
    }
}

/// Flag names in iproute2's order; the index is the bit in the hex form.
const FLAG_NAMES: [&str; 8] = [
    "noecn",
    "decap-dscp",
    "nopmtudisc",
    "wildrecv",
    "icmp",
    "af-unspec",
    "align4",
    "esn",
];

/// Why a flag is refused: the engine's fixed behaviour differs from what it asks for.
fn refused_flag(name: &str) -> Option<&'static str> {
    match name {
        "noecn" => Some("the engine always applies RFC 6040 ECN handling in tunnel mode"),
        "decap-dscp" => Some("the engine keeps the inner DSCP on tunnel decapsulation"),
        "nopmtudisc" => {
            Some("the engine copies DF from an inner IPv4 header into the outer header")
        }
        "dont-encap-dscp" => Some("the engine copies the inner DSCP into the outer header"),
        _ => None,
    }
}

/// Record a flag: `esn` and `wildrecv` take effect; `align4` (the engine
/// always aligns ESP to 4 bytes), `icmp` and `af-unspec` (no policy here) are
/// accepted without effect; the rest is refused.
fn apply_flag(
    name: &str,
    flags: &mut Flags,
    ignored: &mut Vec<String>,
) -> Result<(), SpecErrorKind> {
    if let Some(why) = refused_flag(name) {
        return Err(SpecErrorKind::Unsupported(format!("flag {name}: {why}")));
    }
    match name {
        "esn" => flags.esn = true,
        "wildrecv" => flags.wildrecv = true,
        other => {
            if !ignored.iter().any(|i| i == other) {
                ignored.push(other.to_string());
            }
        }
    }
    Ok(())
}

/// `flag FLAG-LIST`: names, or one hex number as iproute2 allows.
fn parse_flags(
    cur: &mut Cursor<'_>,
    flags: &mut Flags,
    ignored: &mut Vec<String>,
) -> Result<(), SpecError> {
    let first = cur.value("FLAG")?;
    if FLAG_NAMES.contains(&first) {
        apply_flag(first, flags, ignored).map_err(|k| cur.err_prev(k))?;
        while let Some(t) = cur.peek() {
            if !FLAG_NAMES.contains(&t) {
                break;
            }
            cur.next();
            apply_flag(t, flags, ignored).map_err(|k| cur.err_prev(k))?;
        }
        return Ok(());
    }
    // iproute2: a flag value in hexadecimal (get_u8 base 16).
    let hex = first
        .strip_prefix("0x")
        .or_else(|| first.strip_prefix("0X"))
        .unwrap_or(first);
    match u8::from_str_radix(hex, 16) {
        Ok(bits) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            for (i, name) in FLAG_NAMES.iter().enumerate() {
                if bits & (1 << i) != 0 {
                    apply_flag(name, flags, ignored).map_err(|k| cur.err_prev(k))?;
                }
            }
            Ok(())
        }
        _ => Err(cur.err_prev(SpecErrorKind::UnknownFlag)),
    }
}

/// `extra-flag EXTRA-FLAG-LIST`: both Linux extra flags (`dont-encap-dscp`,
/// `oseq-may-wrap`) ask for behaviour the engine does not have and are refused.
fn parse_extra_flags(cur: &mut Cursor<'_>) -> Result<(), SpecError> {
    let t = cur.value("EXTRA-FLAG")?;
    let why = match t {
        "dont-encap-dscp" => refused_flag(t).unwrap_or_default().to_string(),
        "oseq-may-wrap" => {
            "the engine never lets the sequence number wrap (RFC 4303 §3.3.3)".to_string()
        }
        _ => return Err(cur.err_prev(SpecErrorKind::UnknownFlag)),
    };
    Err(cur.err_prev(SpecErrorKind::Unsupported(format!("extra-flag {t}: {why}"))))
}

/// `limit LIMIT` (iproute2 takes one LIMIT per `limit`; further LIMIT items
/// directly after it are accepted too).
fn parse_limits(cur: &mut Cursor<'_>, limits: &mut Limits) -> Result<(), SpecError> {
    let mut first = true;
    loop {
        let name = if first {
            first = false;
            cur.value("LIMIT")?
        } else {
            match cur.peek() {
                Some(
                    t @ ("time-soft" | "time-hard" | "time-use-soft" | "time-use-hard"
                    | "byte-soft" | "byte-hard" | "packet-soft" | "packet-hard"),
                ) => {
                    cur.next();
                    t
                }
                _ => return Ok(()),
            }
        };
        let (slot, what): (&mut Option<u64>, &'static str) = match name {
            "time-soft" => (&mut limits.time_soft, "time-soft"),
            "time-hard" => (&mut limits.time_hard, "time-hard"),
            "time-use-soft" => (&mut limits.time_use_soft, "time-use-soft"),
            "time-use-hard" => (&mut limits.time_use_hard, "time-use-hard"),
            "byte-soft" => (&mut limits.byte_soft, "byte-soft"),
            "byte-hard" => (&mut limits.byte_hard, "byte-hard"),
            "packet-soft" => (&mut limits.packet_soft, "packet-soft"),
            "packet-hard" => (&mut limits.packet_hard, "packet-hard"),
            _ => {
                return Err(cur.err_prev(SpecErrorKind::Invalid(
                    "LIMIT must be time-soft, time-hard, time-use-soft, time-use-hard, byte-soft, byte-hard, packet-soft or packet-hard".into(),
                )))
            }
        };
        let v = match cur.value(what)? {
            // Linux prints XFRM_INF as "(INF)"; accept "inf" for no limit.
            "inf" | "INF" | "(INF)" => None,
            _ => {
                cur.pos -= 1;
                let n = cur.number(what, u64::MAX)?;
                if n == 0 && (what.starts_with("byte") || what.starts_with("packet")) {
                    return Err(cur.err_prev(SpecErrorKind::Invalid(format!(
                        "{what} 0 would expire the SA before its first packet (as in Linux); omit the limit for none"
                    ))));
                }
                // Time limits of 0 mean "none" in Linux.
                (n != 0).then_some(n)
            }
        };
        if slot.is_some() {
            return Err(cur.err_prev(SpecErrorKind::Duplicate(what)));
        }
        *slot = v;
    }
}

fn parse_selector(cur: &mut Cursor<'_>) -> Result<Selector, SpecError> {
    let mut s = Selector::default();
    let (mut have_src, mut have_dst, mut have_proto) = (false, false, false);
    let (mut sport_pos, mut type_pos, mut key_pos) = (None, None, None);
    loop {
        match cur.peek() {
            Some("src") => {
                cur.next();
                if have_src {
                    return Err(cur.err_prev(SpecErrorKind::Duplicate("sel src")));
                }
                have_src = true;
                s.src = cur.prefix("selector address")?;
            }
            Some("dst") => {
                cur.next();
                if have_dst {
                    return Err(cur.err_prev(SpecErrorKind::Duplicate("sel dst")));
                }
                have_dst = true;
                s.dst = cur.prefix("selector address")?;
                if let (Some(a), Some(b)) = (s.src, s.dst) {
                    if a.addr.is_ipv4() != b.addr.is_ipv4() {
                        return Err(cur.err_prev(SpecErrorKind::FamilyMismatch("sel")));
                    }
                }
            }
            Some("dev") => {
                cur.next();
                cur.value("DEV")?;
            }
            Some("proto") => {
                cur.next();
                if have_proto {
                    return Err(cur.err_prev(SpecErrorKind::Duplicate("sel proto")));
                }
                have_proto = true;
                let v = cur.value("PROTO")?;
                let p = PROTO_NAMES
                    .iter()
                    .find(|(n, _)| *n == v)
                    .map(|(_, p)| *p)
                    .or_else(|| parse_number(v).and_then(|n| u8::try_from(n).ok()))
                    .ok_or_else(|| {
                        cur.err_prev(SpecErrorKind::Invalid(
                            "PROTO is not a protocol name or number 0..=255".into(),
                        ))
                    })?;
                s.upper.proto = (p != 0).then_some(p);
            }
            Some("sport") => {
                cur.next();
                set_once(&mut s.upper.sport, cur.u16("PORT")?, cur, "sel sport")?;
                sport_pos.get_or_insert(cur.pos);
            }
            Some("dport") => {
                cur.next();
                set_once(&mut s.upper.dport, cur.u16("PORT")?, cur, "sel dport")?;
                sport_pos.get_or_insert(cur.pos);
            }
            Some("type") => {
                cur.next();
                set_once(
                    &mut s.upper.sport,
                    u16::from(cur.u8("TYPE")?),
                    cur,
                    "sel type",
                )?;
                type_pos.get_or_insert(cur.pos);
            }
            Some("code") => {
                cur.next();
                set_once(
                    &mut s.upper.dport,
                    u16::from(cur.u8("CODE")?),
                    cur,
                    "sel code",
                )?;
                type_pos.get_or_insert(cur.pos);
            }
            Some("key") => {
                cur.next();
                let v = cur.value("KEY")?;
                let k = match v.parse::<std::net::Ipv4Addr>() {
                    Ok(a) => u32::from(a),
                    Err(_) => parse_number(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| cur.err_prev(SpecErrorKind::BadNumber("GRE key")))?,
                };
                set_once(&mut s.upper.gre_key, k, cur, "sel key")?;
                key_pos.get_or_insert(cur.pos);
            }
            _ => break,
        }
    }
    let proto = s.upper.proto.unwrap_or(0);
    let at = |pos: usize, kind| SpecError {
        position: Some(pos),
        token: cur.tokens.get(pos.saturating_sub(1)).cloned(),
        kind,
    };
    if let Some(p) = sport_pos {
        if !PORT_PROTOS.contains(&proto) {
            return Err(at(
                p,
                SpecErrorKind::Invalid(
                    "sport/dport need sel proto tcp, udp, sctp, dccp or udplite".into(),
                ),
            ));
        }
    }
    if let Some(p) = type_pos {
        if !TYPE_PROTOS.contains(&proto) {
            return Err(at(
                p,
                SpecErrorKind::Invalid(
                    "type/code need sel proto icmp, ipv6-icmp or mobility-header".into(),
                ),
            ));
        }
    }
    if let Some(p) = key_pos {
        if proto != GRE {
            return Err(at(
                p,
                SpecErrorKind::Invalid("key needs sel proto gre".into()),
            ));
        }
    }
    Ok(s)
}

fn item_err(tokens: &[String], pos: usize, kind: SpecErrorKind) -> SpecError {
    SpecError {
        position: Some(pos),
        token: tokens.get(pos.saturating_sub(1)).cloned(),
        kind,
    }
}

fn aes_size(len: usize) -> Option<AesKeySize> {
    match len {
        16 => Some(AesKeySize::Aes128),
        24 => Some(AesKeySize::Aes192),
        32 => Some(AesKeySize::Aes256),
        _ => None,
    }
}

/// Linux algorithm names (and their compatibility aliases) that the engine
/// does not implement.
const KNOWN_UNIMPLEMENTED: &[&str] = &[
    "cbc(cast5)",
    "cast5",
    "cbc(blowfish)",
    "blowfish",
    "cbc(serpent)",
    "serpent",
    "cbc(camellia)",
    "camellia",
    "cbc(twofish)",
    "twofish",
    "rfc3686(ctr(aes))",
    "cbc(sm4)",
    "sm4",
    "hmac(sha384)",
    "sha384",
    "hmac(sha512)",
    "sha512",
    "hmac(rmd160)",
    "rmd160",
    "xcbc(aes)",
    "cmac(aes)",
    "hmac(sm3)",
    "sm3",
    "rfc4309(ccm(aes))",
    "rfc7539esp(chacha20,poly1305)",
];

fn resolve_integ(item: &AlgoItem, tokens: &[String]) -> Result<(EspIntegrity, usize), SpecError> {
    // Linux's default truncation for `auth` (xfrm_algo.c icv_truncbits):
    // md5 96, sha1 96, sha256 96 (kept for compatibility with old kernels).
    let (integ, default_bits, allowed_bits, allowed) = match item.name.as_str() {
        "hmac(md5)" | "md5" => (EspIntegrity::HmacMd5_96, 96, 96, "96"),
        "hmac(sha1)" | "sha1" => (EspIntegrity::HmacSha1_96, 96, 96, "96"),
        "hmac(sha256)" | "sha256" => (EspIntegrity::HmacSha256_128, 96, 128, "128"),
        "digest_null" => (EspIntegrity::None, 0, 0, "0"),
        n if KNOWN_UNIMPLEMENTED.contains(&n) => {
            return Err(item_err(
                tokens,
                item.name_pos,
                SpecErrorKind::Unsupported(format!("{n} is not implemented by the engine")),
            ))
        }
        _ => {
            return Err(item_err(
                tokens,
                item.name_pos,
                SpecErrorKind::UnknownAlgorithm("authentication"),
            ))
        }
    };
    let bits = match item.bits {
        Some((b, pos)) => {
            if b != allowed_bits {
                return Err(item_err(
                    tokens,
                    pos,
                    SpecErrorKind::IcvLength {
                        alg: item.name.clone(),
                        bits: b,
                        allowed,
                    },
                ));
            }
            b
        }
        None => default_bits,
    };
    if bits != allowed_bits {
        // `auth hmac(sha256)`: Linux truncates to 96 bits (pre-RFC 4868 draft).
        return Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::Unsupported(format!(
                "auth {} means {}-bit truncation in Linux, which the engine does not implement; \
                 use auth-trunc '{}' KEY {} (RFC 4868)",
                item.name, default_bits, item.name, allowed_bits
            )),
        ));
    }
    if item.key.len() != integ.key_len() {
        return Err(item_err(
            tokens,
            item.key_pos,
            SpecErrorKind::KeyLength {
                alg: item.name.clone(),
                got: item.key.len(),
                expected: match integ {
                    EspIntegrity::None => "0 (digest_null takes '')",
                    EspIntegrity::HmacMd5_96 => "16",
                    EspIntegrity::HmacSha1_96 => "20",
                    EspIntegrity::HmacSha256_128 => "32",
                },
            },
        ));
    }
    Ok((integ, item.key.len()))
}

fn resolve_enc(item: &AlgoItem, tokens: &[String]) -> Result<EspEncryption, SpecError> {
    let len = item.key.len();
    let key_err = |expected| {
        item_err(
            tokens,
            item.key_pos,
            SpecErrorKind::KeyLength {
                alg: item.name.clone(),
                got: len,
                expected,
            },
        )
    };
    match item.name.as_str() {
        "cbc(aes)" | "aes" => aes_size(len)
            .map(EspEncryption::AesCbc)
            .ok_or_else(|| key_err("16, 24 or 32")),
        "cbc(des3_ede)" | "des3_ede" => {
            if len == 24 {
                Ok(EspEncryption::TripleDesCbc)
            } else {
                Err(key_err("24"))
            }
        }
        "cbc(des)" | "des" => {
            if len == 8 {
                Ok(EspEncryption::DesCbc)
            } else {
                Err(key_err("8"))
            }
        }
        "ecb(cipher_null)" | "cipher_null" => {
            if len == 0 {
                Ok(EspEncryption::Null)
            } else {
                Err(key_err("0 (give '')"))
            }
        }
        n if KNOWN_UNIMPLEMENTED.contains(&n) => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::Unsupported(format!("{n} is not implemented by the engine")),
        )),
        _ => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::UnknownAlgorithm("encryption"),
        )),
    }
}

fn resolve_aead(item: &AlgoItem, tokens: &[String]) -> Result<EspEncryption, SpecError> {
    let len = item.key.len();
    let size = || {
        len.checked_sub(4).and_then(aes_size).ok_or_else(|| {
            item_err(
                tokens,
                item.key_pos,
                SpecErrorKind::KeyLength {
                    alg: item.name.clone(),
                    got: len,
                    expected: "20, 28 or 36 (AES key || 4-byte salt)",
                },
            )
        })
    };
    let (bits, bits_pos) = item.bits.unwrap_or((0, item.key_pos));
    match item.name.as_str() {
        "rfc4106(gcm(aes))" => {
            let icv = match bits {
                64 => GcmIcvLen::Icv8,
                96 => GcmIcvLen::Icv12,
                128 => GcmIcvLen::Icv16,
                _ => {
                    return Err(item_err(
                        tokens,
                        bits_pos,
                        SpecErrorKind::IcvLength {
                            alg: item.name.clone(),
                            bits,
                            allowed: "64, 96 or 128",
                        },
                    ))
                }
            };
            Ok(EspEncryption::AesGcm(size()?, icv))
        }
        "rfc4543(gcm(aes))" => {
            if bits != 128 {
                return Err(item_err(
                    tokens,
                    bits_pos,
                    SpecErrorKind::IcvLength {
                        alg: item.name.clone(),
                        bits,
                        allowed: "128",
                    },
                ));
            }
            Ok(EspEncryption::AesGmac(size()?))
        }
        n if KNOWN_UNIMPLEMENTED.contains(&n) => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::Unsupported(format!("{n} is not implemented by the engine")),
        )),
        _ => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::UnknownAlgorithm("AEAD"),
        )),
    }
}

fn resolve_transform(
    proto: XfrmProto,
    algos: &[AlgoItem],
    tokens: &[String],
) -> Result<Transform, SpecError> {
    let mut enc: Option<&AlgoItem> = None;
    let mut auth: Option<&AlgoItem> = None;
    let mut aead: Option<&AlgoItem> = None;
    for a in algos {
        let slot = match a.kind {
            "enc" => &mut enc,
            "aead" => &mut aead,
            _ => &mut auth,
        };
        if slot.is_some() {
            let what = match a.kind {
                "enc" => "enc",
                "aead" => "aead",
                _ => "auth/auth-trunc",
            };
            return Err(item_err(
                tokens,
                a.name_pos - 1,
                SpecErrorKind::Duplicate(what),
            ));
        }
        *slot = Some(a);
    }
    match proto {
        XfrmProto::Ah => {
            if let Some(a) = enc.or(aead) {
                return Err(item_err(
                    tokens,
                    a.name_pos - 1,
                    SpecErrorKind::Combination(format!("{} is not allowed with proto ah", a.kind)),
                ));
            }
            let a = auth.ok_or_else(|| {
                SpecError::whole(SpecErrorKind::Missing("auth or auth-trunc for proto ah"))
            })?;
            let (integ, _) = resolve_integ(a, tokens)?;
            let alg = match integ {
                EspIntegrity::HmacMd5_96 => AhIntegrity::HmacMd5_96,
                EspIntegrity::HmacSha1_96 => AhIntegrity::HmacSha1_96,
                EspIntegrity::HmacSha256_128 => AhIntegrity::HmacSha256_128,
                EspIntegrity::None => {
                    return Err(item_err(
                        tokens,
                        a.name_pos,
                        SpecErrorKind::Combination(
                            "AH needs a real integrity algorithm, not digest_null".into(),
                        ),
                    ))
                }
            };
            Ok(Transform::Ah {
                alg,
                key: a.key.clone(),
                names: a.name.clone(),
            })
        }
        XfrmProto::Esp => {
            if let Some(a) = aead {
                if let Some(other) = enc.or(auth) {
                    return Err(item_err(
                        tokens,
                        other.name_pos - 1,
                        SpecErrorKind::Combination(format!(
                            "{} is not allowed together with aead",
                            other.kind
                        )),
                    ));
                }
                let e = resolve_aead(a, tokens)?;
                return Ok(Transform::Esp {
                    enc: e,
                    integ: EspIntegrity::None,
                    enc_key: a.key.clone(),
                    integ_key: Vec::new(),
                    names: a.name.clone(),
                });
            }
            let e = enc.ok_or_else(|| {
                SpecError::whole(SpecErrorKind::Missing("enc or aead for proto esp"))
            })?;
            let enc_alg = resolve_enc(e, tokens)?;
            let (integ, integ_key, names) = match auth {
                Some(a) => {
                    let (i, _) = resolve_integ(a, tokens)?;
                    (i, a.key.clone(), format!("{}+{}", e.name, a.name))
                }
                None => (EspIntegrity::None, Vec::new(), e.name.clone()),
            };
            if integ == EspIntegrity::None && enc_alg != EspEncryption::Null {
                return Err(SpecError::whole(SpecErrorKind::Combination(format!(
                    "ESP with {} needs an auth or auth-trunc algorithm: the engine refuses \
                     confidentiality-only ESP (without an ICV the padding check is an oracle)",
                    e.name
                ))));
            }
            if integ == EspIntegrity::None && enc_alg == EspEncryption::Null {
                return Err(SpecError::whole(SpecErrorKind::Combination(
                    "ESP with NULL encryption needs an auth or auth-trunc algorithm".into(),
                )));
            }
            Ok(Transform::Esp {
                enc: enc_alg,
                integ,
                enc_key: e.key.clone(),
                integ_key,
                names,
            })
        }
    }
}
