//! Offload handles: non-zero, generation-tagged slot references.

use core::fmt;
use core::num::NonZeroU64;

/// The handle under which an offloaded SA is known to the TCP/IP stack (the NDIS
/// `OffloadHandle` field).
///
/// Encoding: the low 32 bits are the slot index + 1 (so a handle is never zero), the high
/// 32 bits are the slot's generation when the SA was added. Each slot's first generation is
/// derived from the table's secret seed, and the generation is bumped on every delete, so a
/// handle is not guessable from its slot index, and a stale handle (its SA deleted, the slot
/// possibly reused) never matches the slot's current generation. A slot is retired before its
/// generation would wrap back to its first value, so no handle value is ever issued twice by one
/// table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct OffloadHandle(NonZeroU64);

impl OffloadHandle {
    /// A handle from its raw value; `None` for zero. Any other value is accepted here and
    /// validated by the table on use.
    #[must_use]
    pub const fn from_u64(raw: u64) -> Option<Self> {
        match NonZeroU64::new(raw) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The raw value (never zero).
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// The handle as a pointer-sized value for the NDIS `HANDLE` field; `None` only on targets
    /// whose `usize` is narrower than 64 bits and a value that does not fit.
    #[must_use]
    pub fn to_usize(self) -> Option<usize> {
        usize::try_from(self.get()).ok()
    }

    /// A handle from the pointer-sized NDIS `HANDLE` field; `None` for a null handle.
    #[must_use]
    pub fn from_usize(raw: usize) -> Option<Self> {
        u64::try_from(raw).ok().and_then(Self::from_u64)
    }

    /// Builds the handle of slot `index` at `generation`; `None` if `index + 1` does not fit
    /// in 32 bits (never for a valid table index).
    pub(crate) fn encode(index: usize, generation: u32) -> Option<Self> {
        let low = u32::try_from(index.checked_add(1)?).ok()?;
        Self::from_u64((u64::from(generation) << 32) | u64::from(low))
    }

    /// The slot index this handle claims (unvalidated); `None` if the low half is zero.
    pub(crate) fn index(self) -> Option<usize> {
        let low = (self.get() & 0xffff_ffff) as u32;
        usize::try_from(low.checked_sub(1)?).ok()
    }

    /// The generation this handle claims (unvalidated).
    pub(crate) fn generation(self) -> u32 {
        (self.get() >> 32) as u32
    }
}

impl fmt::Debug for OffloadHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OffloadHandle({:#018x})", self.get())
    }
}

impl From<OffloadHandle> for u64 {
    fn from(value: OffloadHandle) -> Self {
        value.get()
    }
}

impl From<OffloadHandle> for NonZeroU64 {
    fn from(value: OffloadHandle) -> Self {
        value.0
    }
}

impl From<NonZeroU64> for OffloadHandle {
    fn from(value: NonZeroU64) -> Self {
        Self(value)
    }
}

/// Error converting zero to an [`OffloadHandle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroHandle;

impl fmt::Display for ZeroHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("offload handle is zero")
    }
}

impl TryFrom<u64> for OffloadHandle {
    type Error = ZeroHandle;

    fn try_from(value: u64) -> Result<Self, Self::Error> {
        Self::from_u64(value).ok_or(ZeroHandle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode() {
        let h = OffloadHandle::encode(0, 0).unwrap();
        assert_eq!(h.get(), 1);
        assert_eq!(h.index(), Some(0));
        let h = OffloadHandle::encode(1_048_575, 0xdead_beef).unwrap();
        assert_eq!(h.index(), Some(1_048_575));
        assert_eq!(h.generation(), 0xdead_beef);
        assert_eq!(OffloadHandle::from_usize(h.to_usize().unwrap()), Some(h));
        assert_eq!(OffloadHandle::try_from(h.get()), Ok(h));
    }

    #[test]
    fn zero_is_not_a_handle() {
        assert_eq!(OffloadHandle::from_u64(0), None);
        assert_eq!(OffloadHandle::from_usize(0), None);
        assert_eq!(OffloadHandle::try_from(0u64), Err(ZeroHandle));
        // High half set, low half zero: a handle value, but it names no slot.
        assert_eq!(OffloadHandle::from_u64(1 << 32).unwrap().index(), None);
    }

    #[test]
    fn index_overflow_is_refused() {
        assert_eq!(OffloadHandle::encode(u32::MAX as usize, 1), None);
    }
}
