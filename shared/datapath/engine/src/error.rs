//! Typed errors: one enum for SA setup, one for per-packet drop reasons.

use core::fmt;

/// Why an SA could not be prepared from its algorithms and key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupError {
    /// The encryption key has the wrong length (`expected` bytes, including any salt).
    EncryptionKeyLength {
        /// Required length in bytes.
        expected: usize,
        /// Length supplied.
        got: usize,
    },
    /// The integrity key has the wrong length.
    IntegrityKeyLength {
        /// Required length in bytes.
        expected: usize,
        /// Length supplied.
        got: usize,
    },
    /// The combination of algorithms is not allowed (for example AES-GCM
    /// together with a separate integrity algorithm, or NULL encryption
    /// without integrity).
    BadCombination,
    /// A DES key (or one third of a 3DES key) is a weak or semi-weak key, or
    /// the three 3DES keys are not distinct.
    WeakKey,
    /// The anti-replay window size is outside 32..=4096 bits.
    ReplayWindowSize,
    /// The allocator had no memory for the key schedule or window (never an abort: the
    /// driver reports it upward as a resource failure).
    NoMemory,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EncryptionKeyLength { expected, got } => {
                write!(f, "encryption key length {got}, expected {expected}")
            }
            Self::IntegrityKeyLength { expected, got } => {
                write!(f, "integrity key length {got}, expected {expected}")
            }
            Self::BadCombination => f.write_str("unsupported algorithm combination"),
            Self::WeakKey => f.write_str("weak DES/3DES key"),
            Self::ReplayWindowSize => f.write_str("replay window outside 32..=4096"),
            Self::NoMemory => f.write_str("no memory for the SA's state"),
        }
    }
}

/// Why a packet was dropped (or could not be sealed). Each variant is a
/// distinct drop reason that a caller can count separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketError {
    /// The buffer is shorter than the headers/offsets claim.
    Truncated,
    /// A length field or caller-supplied length is inconsistent.
    BadLength,
    /// The encrypted part is not a multiple of the cipher block size.
    NotBlockMultiple,
    /// The integrity check value did not verify.
    IcvMismatch,
    /// The self-describing padding bytes are not 1, 2, 3, ... (RFC 4303 §2.4).
    BadPadding,
    /// The pad length byte points before the start of the payload.
    PadLengthTooLarge,
    /// The per-SA IV counter is exhausted: the SA must be rekeyed.
    IvExhausted,
    /// The outbound sequence number space is exhausted: the SA must be rekeyed.
    SequenceExhausted,
    /// Sequence number zero, never valid on the wire (RFC 4303 §3.3.3).
    SequenceZero,
    /// Already received (duplicate within the replay window).
    Replayed,
    /// Older than the left edge of the replay window.
    TooOld,
    /// Not an IPv4/IPv6 packet, or a malformed IP/extension/UDP header.
    Malformed,
    /// The packet carries neither ESP nor AH (or is an IKE/keepalive packet on UDP 4500).
    NotIpsec,
    /// AH cannot be computed over an IP fragment.
    Fragment,
    /// The SA was prepared for the other direction: an AES-CBC key prepared for an inbound SA
    /// holds only the decryption schedule (it cannot seal), an outbound one only the
    /// encryption schedule (it cannot open).
    WrongDirection,
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Truncated => "truncated",
            Self::BadLength => "bad length",
            Self::NotBlockMultiple => "not a block multiple",
            Self::IcvMismatch => "ICV mismatch",
            Self::BadPadding => "bad padding",
            Self::PadLengthTooLarge => "pad length too large",
            Self::IvExhausted => "IV counter exhausted",
            Self::SequenceExhausted => "sequence number exhausted",
            Self::SequenceZero => "sequence number zero",
            Self::Replayed => "replayed",
            Self::TooOld => "outside replay window",
            Self::Malformed => "malformed header",
            Self::NotIpsec => "not ESP/AH",
            Self::Fragment => "IP fragment",
            Self::WrongDirection => "SA prepared for the other direction",
        };
        f.write_str(s)
    }
}
