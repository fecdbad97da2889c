//! Why a specification was refused: the kind, and the token it names.

use std::fmt;

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
    /// An error about the whole specification (no token to name).
    pub(super) fn whole(kind: SpecErrorKind) -> Self {
        Self {
            position: None,
            token: None,
            kind,
        }
    }
}
