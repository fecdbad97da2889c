//! Typed errors of the crypto core.

/// A key could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// AES takes 16, 24 or 32 key bytes.
    AesKeyLength {
        /// Bytes given.
        got: usize,
    },
    /// The allocator had no memory for the key (an error, never an abort: the driver reports
    /// it upward).
    NoMemory,
}

/// A GCM / GMAC call was refused before any byte was touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcmError {
    /// The ICV (tag) must be 8, 12 or 16 bytes.
    TagLength {
        /// Bytes given.
        got: usize,
    },
    /// More than 2^32 - 2 blocks of data: the 32-bit counter would wrap.
    TooLong,
    /// Open only: the received ICV does not match (compared in constant time); the data is left
    /// as it was received.
    TagMismatch,
    /// Seal or open with a key made by `AesGcm::gmac_only`, which keeps no round keys for the
    /// data: refused before any byte is touched.
    GmacOnly,
}

/// A CBC call was refused before any byte was touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CbcError {
    /// CBC works on whole 16-byte blocks.
    NotBlockMultiple {
        /// Bytes given.
        len: usize,
    },
    /// The key was prepared for the other direction only.
    Direction,
}

/// The received ICV does not match (compared in constant time). GCM leaves the data as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagMismatch;

/// A stitched AES-CBC + HMAC-SHA-256 call ([`crate::cbc_hmac`]) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CbcHmacError {
    /// The CBC body is not whole 16-byte blocks.
    NotBlockMultiple {
        /// Bytes of the body.
        len: usize,
    },
    /// The body does not have its 16-byte IV in front of it (`body_at` below 16 or past the
    /// end of the message).
    NoIv,
    /// The key was prepared for the other direction only.
    Direction,
    /// Open only: the received ICV does not match (compared in constant time); the data is left
    /// as it was received.
    TagMismatch,
}
