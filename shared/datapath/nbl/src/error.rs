//! The typed errors of NBL/MDL walking.

use core::fmt;

use ipsecov2_abi::{
    NDIS_STATUS, NDIS_STATUS_INVALID_DATA, NDIS_STATUS_INVALID_LENGTH,
    NDIS_STATUS_INVALID_PARAMETER, NDIS_STATUS_RESOURCES,
};

/// Why a NET_BUFFER_LIST / NET_BUFFER / MDL operation was refused.
///
/// Every malformation of a chain that this crate checks (rather than assumes, see
/// [`NblChain::from_raw`](crate::NblChain::from_raw)) is reported as one of these, never as a
/// panic or an out-of-bounds access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NblError {
    /// `DataLength` is non-zero but `CurrentMdl` is NULL.
    NullCurrentMdl,
    /// `CurrentMdlOffset` is not below the `ByteCount` of `CurrentMdl` (while `DataLength` is
    /// non-zero).
    CurrentMdlOffsetOutOfRange {
        /// `NET_BUFFER.CurrentMdlOffset`.
        offset: u32,
        /// `CurrentMdl->ByteCount`.
        byte_count: u32,
    },
    /// The MDL chain ends (NULL `Next`) before `CurrentMdlOffset + DataLength` bytes.
    DataBeyondMdlChain {
        /// `NET_BUFFER.DataLength`.
        data_length: u32,
    },
    /// An MDL with `ByteCount` 0 lies inside the data of the NET_BUFFER.
    ZeroLengthMdl,
    /// The [`MdlMapper`](crate::MdlMapper) gave no system address for an MDL that holds data
    /// (not mapped and not from non-paged pool on the host; `MmGetSystemAddressForMdlSafe`
    /// failing under low resources in the kernel).
    MdlNotMapped,
    /// The system address of an MDL plus its `ByteCount` wraps around the address space.
    MdlAddressOverflow,
    /// The requested byte range is not inside the NET_BUFFER's data (`offset + len` beyond
    /// `DataLength`, or overflowing `usize`).
    RangeOutOfBounds {
        /// Requested offset from the start of the data.
        offset: usize,
        /// Requested length.
        len: usize,
        /// `DataLength` of the NET_BUFFER.
        data_length: usize,
    },
    /// [`Segments::finish`](crate::Segments::finish) / [`SegmentsMut::finish`](crate::SegmentsMut::finish)
    /// called before every byte of the range was yielded.
    SegmentsUnfinished {
        /// Bytes of the range not yet yielded.
        remaining: usize,
    },
    /// An `NDIS_NET_BUFFER_LIST_INFO` index that is negative or not below
    /// `MaxNetBufferListInfo`.
    InfoSlotOutOfRange(i32),
}

impl NblError {
    /// The `NDIS_STATUS` to complete an NBL with when this error stops its processing:
    /// `NDIS_STATUS_RESOURCES` for a failed mapping (transient), `NDIS_STATUS_INVALID_PARAMETER`
    /// for a bad slot index (a caller bug), `NDIS_STATUS_INVALID_LENGTH` for a range outside the
    /// data, `NDIS_STATUS_INVALID_DATA` for a malformed chain.
    #[must_use]
    pub const fn ndis_status(self) -> NDIS_STATUS {
        match self {
            Self::MdlNotMapped => NDIS_STATUS_RESOURCES,
            Self::InfoSlotOutOfRange(_) => NDIS_STATUS_INVALID_PARAMETER,
            Self::RangeOutOfBounds { .. } | Self::SegmentsUnfinished { .. } => {
                NDIS_STATUS_INVALID_LENGTH
            }
            Self::NullCurrentMdl
            | Self::CurrentMdlOffsetOutOfRange { .. }
            | Self::DataBeyondMdlChain { .. }
            | Self::ZeroLengthMdl
            | Self::MdlAddressOverflow => NDIS_STATUS_INVALID_DATA,
        }
    }
}

impl fmt::Display for NblError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NullCurrentMdl => f.write_str("NET_BUFFER has data but a NULL CurrentMdl"),
            Self::CurrentMdlOffsetOutOfRange { offset, byte_count } => write!(
                f,
                "CurrentMdlOffset {offset} is not below the current MDL's ByteCount {byte_count}"
            ),
            Self::DataBeyondMdlChain { data_length } => write!(
                f,
                "the MDL chain ends before the {data_length} bytes of NET_BUFFER data"
            ),
            Self::ZeroLengthMdl => f.write_str("zero-length MDL inside the NET_BUFFER data"),
            Self::MdlNotMapped => f.write_str("MDL has no system address mapping"),
            Self::MdlAddressOverflow => {
                f.write_str("MDL system address plus ByteCount overflows the address space")
            }
            Self::RangeOutOfBounds {
                offset,
                len,
                data_length,
            } => write!(
                f,
                "byte range {offset}+{len} is outside the {data_length} bytes of NET_BUFFER data"
            ),
            Self::SegmentsUnfinished { remaining } => {
                write!(
                    f,
                    "segment iteration finished with {remaining} bytes not yielded"
                )
            }
            Self::InfoSlotOutOfRange(id) => {
                write!(f, "NET_BUFFER_LIST info slot {id} is out of range")
            }
        }
    }
}
