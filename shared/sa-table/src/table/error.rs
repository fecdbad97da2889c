//! Why the table refused something: construction, add and replace errors (the refused SA is
//! handed back), and the invariant violations [`SaTable::verify_invariants`] reports.

use core::fmt;

#[cfg(doc)]
use super::{SaTable, MAX_CAPACITY};
use crate::key::InboundKey;
#[cfg(doc)]
use crate::key::SaEntry;
use crate::sync::Arc;

/// Why a table could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// Capacity 0 was requested.
    ZeroCapacity,
    /// The requested capacity is above [`MAX_CAPACITY`].
    CapacityTooLarge {
        /// What was asked for.
        requested: usize,
        /// The largest supported capacity.
        max: usize,
    },
    /// The table's memory could not be allocated.
    OutOfMemory,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroCapacity => f.write_str("SA table capacity must be at least 1"),
            Self::CapacityTooLarge { requested, max } => {
                write!(f, "SA table capacity {requested} exceeds the maximum {max}")
            }
            Self::OutOfMemory => f.write_str("out of memory allocating the SA table"),
        }
    }
}

/// Why [`SaTable::add`] refused an SA. A refused add changes nothing in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// Every slot is in use (or retired), or the inbound index has no room left.
    Full,
    /// This inbound key is already registered by a live SA (or appears twice in the new SA).
    DuplicateInboundKey(InboundKey),
    /// The SA's inbound keys name different destination addresses (the keys of one SA bundle
    /// share its destination; the table stores it once per slot).
    MixedDestinations,
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("SA table is full"),
            Self::DuplicateInboundKey(key) => write!(f, "inbound key {key:?} is already in use"),
            Self::MixedDestinations => {
                f.write_str("the SA's inbound keys name different destination addresses")
            }
        }
    }
}

/// A refused add: the reason and the SA, handed back so that the caller drops it (outside the
/// table lock) or retries.
pub struct AddRejected<S> {
    /// Why the SA was refused.
    pub error: AddError,
    /// The SA that was not added.
    pub sa: Arc<S>,
}

impl<S> fmt::Debug for AddRejected<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddRejected")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// Why [`SaTable::replace`] refused a new payload. A refused replace changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaceError {
    /// The handle does not name a live SA.
    NotFound,
    /// The new payload's inbound keys differ from the current one's (keys are immutable; a
    /// rekey is a delete plus an add).
    InboundKeysChanged,
}

impl fmt::Display for ReplaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("no live SA for this offload handle"),
            Self::InboundKeysChanged => f.write_str("replacement SA has different inbound keys"),
        }
    }
}

/// A refused replace: the reason and the payload that was not installed.
pub struct ReplaceRejected<S> {
    /// Why the payload was refused.
    pub error: ReplaceError,
    /// The payload that was not installed.
    pub sa: Arc<S>,
}

impl<S> fmt::Debug for ReplaceRejected<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplaceRejected")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// An internal inconsistency found by [`SaTable::verify_invariants`] (a bug in this crate or a
/// payload breaking the [`SaEntry`] contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvariantViolation(pub &'static str);

impl fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SA table invariant violated: {}", self.0)
    }
}
