//! Typed errors of the decoder and their NDIS_STATUS mapping (done only at this edge).

use ipsecov2_abi::{
    NDIS_STATUS, NDIS_STATUS_FAILURE, NDIS_STATUS_INVALID_DATA, NDIS_STATUS_INVALID_LENGTH,
    NDIS_STATUS_INVALID_PARAMETER, NDIS_STATUS_RESOURCES,
};

/// What is wrong with an NDIS_OBJECT_HEADER.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderFault {
    /// `Type` is not NDIS_OBJECT_TYPE_DEFAULT.
    Type(u8),
    /// `Revision` is 0.
    Revision(u8),
    /// `Size` is below the revision-1 size.
    Size(u16),
}

/// Why a whole request is refused. Nothing is installed, deleted or updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// The buffer is too short; `needed` bytes would be required.
    BufferTooShort {
        /// Bytes needed (reported as BytesNeeded).
        needed: usize,
    },
    /// An element's header is malformed.
    BadHeader {
        /// Position of the element in the list (0 = first).
        element: usize,
        /// What is wrong.
        fault: HeaderFault,
    },
    /// A `Next` pointer does not point into the buffer.
    NextOutOfBuffer {
        /// Position of the element holding the pointer.
        element: usize,
    },
    /// An element is not 8-byte aligned.
    Misaligned {
        /// Position of the misaligned element.
        element: usize,
    },
    /// The list visits an element twice (a cycle).
    Cycle,
    /// Two elements of the list overlap.
    Overlap,
    /// The list is longer than [`crate::MAX_LIST_ELEMENTS`].
    ListTooLong,
    /// A field that must hold one of a few values holds another (UPDATE_SA Operation).
    BadField,
    /// An element outside the buffer could not be read at the address its predecessor's
    /// `Next` holds (the driver shell's gathering, [`crate::gather()`]).
    ElementUnreadable {
        /// Position of the element.
        element: usize,
    },
    /// An element outside the buffer claims more bytes (header size or key data) than
    /// [`crate::gather::MAX_ELEMENT_BYTES`], or the gathered list more than
    /// [`crate::gather::MAX_STAGED_BYTES`].
    ElementTooLarge {
        /// Position of the element.
        element: usize,
    },
    /// No memory for decoding the request or for its report (the list of elements, the handles
    /// to delete), or for [`crate::gather()`]'s copy: nothing is installed, deleted or updated;
    /// NDIS_STATUS_RESOURCES.
    NoMemory,
}

impl RequestError {
    /// The NDIS_STATUS the request completes with.
    pub fn ndis_status(&self) -> NDIS_STATUS {
        match self {
            Self::BufferTooShort { .. } => NDIS_STATUS_INVALID_LENGTH,
            Self::NoMemory => NDIS_STATUS_RESOURCES,
            _ => NDIS_STATUS_INVALID_DATA,
        }
    }
}

/// Why the table or the crypto layer could not take a well-formed SA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendError {
    /// SaOffloadCapacity reached.
    Full,
    /// Out of memory while preparing the SA.
    NoMemory,
    /// An inbound SA with the same (SPI, destination, protocol) is already offloaded.
    DuplicateInbound,
    /// The SA is well formed but uses something this filter does not offer (disabled by
    /// configuration, for example).
    Unsupported,
    /// The key was refused by the cipher (e.g. a DES weak key).
    BadKey,
}

/// Why one ADD_SA element is not offloaded: it gets a NULL OffloadHandle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaReject {
    /// `NumExtHdrs` is not 1 or 2.
    NumExtHdrs(u32),
    /// `Flags` has bits other than INBOUND and IPv6.
    UnknownFlags(u32),
    /// A SecAssoc's `Flags` has bits other than ESN_SA.
    UnknownSaFlags(u32),
    /// A SecAssoc's `Operation` is not AH or ESP.
    Operation(i32),
    /// The SecAssoc order is not ESP, AH, or ESP followed by AH.
    Combination,
    /// `UdpEspEncapsulation` has unknown bits, or asks for UDP encapsulation of AH.
    UdpEsp(u32),
    /// The encryption identifier is not a single known bit, or not allowed here.
    EncryptionAlgorithm(u32),
    /// The authentication identifier is not a single known bit, or not allowed here.
    AuthenticationAlgorithm(u32),
    /// The two algorithms cannot go together (GCM with HMAC, ESP with neither, AH with a cipher).
    AlgorithmCombination,
    /// A key length does not match its algorithm.
    KeyLength {
        /// Bytes the algorithm needs.
        expected: usize,
        /// Bytes given.
        actual: u32,
    },
    /// `KeyOffsetBytes + KeyLength` does not lie inside the key data.
    KeyOutOfRange,
    /// The AES-GCM/GMAC ICV length (`AdditionalInfo`) is not allowed.
    IcvLength(u32),
    /// The SPI is 0 (reserved, RFC 4303 §2.1) or 1-255 (reserved by IANA).
    ReservedSpi(u32),
    /// Well formed, but refused by the table or the crypto layer.
    Backend(BackendError),
}

/// Why an UPDATE_SA is refused (NDIS_STATUS_INVALID_PARAMETER per the OID's page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateError {
    /// No SA has this offload handle.
    UnknownHandle,
    /// The bundle has no SA with this operation and SPI.
    NoSuchSa,
    /// The SA does not use extended sequence numbers.
    NotEsn,
}

impl UpdateError {
    /// The NDIS_STATUS the request completes with.
    pub fn ndis_status(&self) -> NDIS_STATUS {
        NDIS_STATUS_INVALID_PARAMETER
    }
}

/// Status of an ADD_SA request none of whose SAs were offloaded.
pub(crate) fn all_rejected_status<'a>(rejects: impl Iterator<Item = &'a SaReject>) -> NDIS_STATUS {
    let mut status = NDIS_STATUS_FAILURE;
    for r in rejects {
        match r {
            SaReject::Backend(BackendError::Full | BackendError::NoMemory) => {
                return NDIS_STATUS_RESOURCES
            }
            _ => status = NDIS_STATUS_INVALID_DATA,
        }
    }
    status
}
