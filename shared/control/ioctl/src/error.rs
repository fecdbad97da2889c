//! Protocol errors: why a request was refused before it reached the control plane (the control
//! plane's own refusals travel in the response's NPF status instead). A refused request changed
//! nothing.

/// The field a fault is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The message header.
    Header,
    /// The fixed body of the request.
    Body,
    /// A direction.
    Direction,
    /// A policy action.
    Action,
    /// Interface handles.
    Interfaces,
    /// SPD handles.
    Spds,
    /// Policy handles.
    Policies,
    /// Priorities.
    Priorities,
    /// Selectors.
    Selectors,
    /// A selector's IP version.
    IpVersion,
    /// A selector address's type.
    AddrType,
    /// Policy records of a batch create.
    PolicyRecords,
    /// SA records.
    Sas,
    /// An authentication key.
    AuthKey,
    /// An encryption key.
    EncKey,
    /// IDs of a handle query.
    Ids,
    /// Event-limit records.
    EventLimits,
    /// An event-limit type.
    LimitType,
    /// A boolean.
    Boolean,
    /// The module name of a test request.
    ModuleName,
    /// The payload of a test request.
    Payload,
    /// The kind of a test request.
    TestKind,
    /// The NBL records of a test injection.
    InjectNbls,
    /// The NET_BUFFER records of an injected NBL.
    NetBuffers,
    /// The MDL layout of an injected NET_BUFFER.
    Mdls,
}

/// A validation rule a request broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The input is shorter than its header or fixed body.
    TooShort,
    /// The header's length is not the input's length.
    LengthMismatch,
    /// A protocol version this side does not speak.
    Version(u16),
    /// A reserved field is not zero.
    ReservedNotZero(Field),
    /// An array count is above the protocol's or the field's maximum.
    CountTooLarge(Field),
    /// An array lies outside the message (or before the end of the fixed part, or an empty array
    /// has a non-zero offset).
    OffsetOutOfBounds(Field),
    /// An array is not 4-byte aligned.
    Misaligned(Field),
    /// Two arrays of the message overlap.
    Overlap,
    /// Bytes after the fixed part and the last array.
    TrailingBytes,
    /// An enumerated field holds a value outside its enumeration.
    BadEnum(Field),
    /// Two arrays that must have the same count do not.
    CountMismatch(Field),
    /// A key's length in bits is not a whole number of bytes.
    KeyBits(Field),
    /// The handshake's version range does not include ours.
    NoCommonVersion,
}

/// Why a request did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DispatchError {
    /// Not an IOCTL of this device (STATUS_INVALID_DEVICE_REQUEST).
    UnknownIoctl(u32),
    /// The input broke a validation rule (STATUS_INVALID_PARAMETER).
    Malformed(Fault),
    /// The output buffer cannot hold the response; `needed` bytes would
    /// (STATUS_BUFFER_TOO_SMALL, with the size in `Information`).
    OutputTooSmall {
        /// Bytes the response needs.
        needed: usize,
    },
    /// A test-family request while the adapter's keyword leaves that family off
    /// (STATUS_ACCESS_DENIED).
    TestFamilyDisabled,
    /// The queue of pending event requests is full (STATUS_INSUFFICIENT_RESOURCES); counted.
    PendingQueueFull,
}

impl From<Fault> for DispatchError {
    fn from(f: Fault) -> Self {
        Self::Malformed(f)
    }
}

impl DispatchError {
    /// The NTSTATUS the driver completes the IRP with.
    #[must_use]
    pub const fn ntstatus(self) -> u32 {
        match self {
            // STATUS_INVALID_DEVICE_REQUEST
            Self::UnknownIoctl(_) => 0xC000_0010,
            // STATUS_REVISION_MISMATCH for the version, STATUS_INVALID_PARAMETER otherwise
            Self::Malformed(Fault::Version(_) | Fault::NoCommonVersion) => 0xC000_0059,
            Self::Malformed(_) => 0xC000_000D,
            // STATUS_BUFFER_TOO_SMALL
            Self::OutputTooSmall { .. } => 0xC000_0023,
            // STATUS_ACCESS_DENIED
            Self::TestFamilyDisabled => 0xC000_0022,
            // STATUS_INSUFFICIENT_RESOURCES
            Self::PendingQueueFull => 0xC000_009A,
        }
    }
}
