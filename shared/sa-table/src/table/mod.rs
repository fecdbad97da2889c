//! The SA table proper: the public [`SaTable`] and its single-SA operations. The parts live
//! beside it: `error` (why something was refused), `state` (what the lock protects, slot
//! allocation), `index` (the inbound index and its entry packing), `free_list`, `bulk` (batched
//! lookups, walks, drain) and `verify` (the invariants).

use core::fmt;
use core::marker::PhantomData;
use core::mem;

use crate::handle::OffloadHandle;
use crate::hash::{MixKey, SipKey};
use crate::key::{InboundKey, SaEntry, MAX_KEYS_PER_SA};
use crate::lock::SaLock;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::Arc;

mod bulk;
mod error;
mod free_list;
mod index;
mod state;
mod verify;

pub use bulk::{LOOKUP_BATCH, SCAN_CHUNK};
pub use error::{
    AddError, AddRejected, InvariantViolation, ReplaceError, ReplaceRejected, TableError,
};
use index::{hash_of, Hashed};
pub use state::{table_bytes, table_bytes_per_sa, TableState};

/// Capacity used when the configuration does not set one (advertised as `SaOffloadCapacity`).
pub const DEFAULT_CAPACITY: usize = 4096;

/// Largest supported capacity (2^20 SAs).
pub const MAX_CAPACITY: usize = 1 << 20;

/// The per-table secret given at construction: the key of the inbound-index hash and of the
/// initial slot generations. Must come from a good random source (the driver uses
/// `BCryptGenRandom` at attach); tests may use fixed values.
#[derive(Clone, Copy)]
pub struct TableSeed {
    hash_key: SipKey,
    handle_key: SipKey,
}

impl TableSeed {
    /// A seed from 32 random bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        let [a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7, c0, c1, c2, c3, c4, c5, c6, c7, d0, d1, d2, d3, d4, d5, d6, d7] =
            bytes;
        Self::from_words([
            u64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
            u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]),
            u64::from_le_bytes([c0, c1, c2, c3, c4, c5, c6, c7]),
            u64::from_le_bytes([d0, d1, d2, d3, d4, d5, d6, d7]),
        ])
    }

    /// A seed from four random 64-bit words.
    #[must_use]
    pub const fn from_words(words: [u64; 4]) -> Self {
        let [a, b, c, d] = words;
        Self {
            hash_key: SipKey { k0: a, k1: b },
            handle_key: SipKey { k0: c, k1: d },
        }
    }
}

impl fmt::Debug for TableSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TableSeed { <secret> }")
    }
}

/// The offloaded-SA table: O(1) add, delete and lookup by [`OffloadHandle`], O(1) average
/// lookup by [`InboundKey`], all table memory allocated at construction.
///
/// `S` is the SA payload (shared as [`Arc<S>`](crate::Arc)); `L` is the lock (see [`SaLock`]
/// for the kernel contract; [`HostSaTable`](crate::HostSaTable) uses `std`'s `RwLock`).
///
/// Lookups take the shared side of the lock and return a clone of the SA's `Arc` (an atomic
/// increment) or run a closure on `&S`; add, delete and replace take the exclusive side for
/// O(1) work. No method allocates after construction, and no SA is dropped while the lock is
/// held: removed and refused SAs are handed back to the caller after the lock is released.
pub struct SaTable<S, L> {
    lock: L,
    /// The live SA count, copied here (relaxed) under the exclusive lock after every change:
    /// [`Self::len_hint`] reads it without the lock.
    live: AtomicUsize,
    capacity: usize,
    max_index_entries: usize,
    hash_key: MixKey,
    handle_key: SipKey,
    _payload: PhantomData<fn() -> S>,
}

impl<S, L> fmt::Debug for SaTable<S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaTable")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<S, L> SaTable<S, L>
where
    S: SaEntry,
    L: SaLock<TableState<S>>,
{
    /// A table for [`DEFAULT_CAPACITY`] SAs.
    ///
    /// # Errors
    /// [`TableError::OutOfMemory`] if the table's memory cannot be allocated.
    pub fn new(seed: TableSeed) -> Result<Self, TableError> {
        Self::with_capacity(DEFAULT_CAPACITY, seed)
    }

    /// A table for `capacity` SAs (1 ..= [`MAX_CAPACITY`]), keyed with `seed`. Allocates all of
    /// the table's memory: slot array, free list and inbound index. Call at PASSIVE_LEVEL.
    ///
    /// # Errors
    /// [`TableError::ZeroCapacity`], [`TableError::CapacityTooLarge`], or
    /// [`TableError::OutOfMemory`] if an allocation fails (reported, never aborting).
    pub fn with_capacity(capacity: usize, seed: TableSeed) -> Result<Self, TableError> {
        let state = TableState::new(capacity, seed.handle_key)?;
        Ok(Self {
            lock: L::new(state),
            live: AtomicUsize::new(0),
            capacity,
            max_index_entries: capacity * MAX_KEYS_PER_SA,
            hash_key: MixKey::derive(seed.hash_key),
            handle_key: seed.handle_key,
            _payload: PhantomData,
        })
    }

    /// The fixed capacity (`SaOffloadCapacity`).
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of live SAs as of the last change, without taking the lock (a relaxed load): for
    /// a decision that may be a little out of date, such as the receive path's choice to warm
    /// a chain's SAs.
    #[must_use]
    pub fn len_hint(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// Number of live SAs (takes the shared lock).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock.read().len
    }

    /// True if no SA is live (takes the shared lock).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of slots retired because their generation would have wrapped after 2^32 - 1
    /// reuses. Each retired slot lowers the usable capacity by one; with the FIFO free list a
    /// slot is reused only after every other free slot, so this stays 0 in practice.
    #[must_use]
    pub fn retired_slots(&self) -> usize {
        self.lock.read().retired
    }

    /// Bytes the table allocated (see [`table_bytes`]).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        table_bytes(self.capacity).unwrap_or(0)
    }

    /// Adds an SA and returns its new offload handle.
    ///
    /// The SA must be fully built (and allocated) by the caller; the table only stores the
    /// `Arc`. Its inbound keys are read and hashed before the lock is taken; under the
    /// exclusive lock the work is O(1) (average, for the duplicate check and index insertion).
    ///
    /// # Errors
    /// [`AddError::Full`] if no slot is free, [`AddError::DuplicateInboundKey`] if one of its
    /// inbound keys is already registered or the SA lists the same key twice,
    /// [`AddError::MixedDestinations`] if its two keys name different destinations. A refused add
    /// leaves the table unchanged and hands the SA back in [`AddRejected`].
    pub fn add(&self, sa: Arc<S>) -> Result<OffloadHandle, AddRejected<S>> {
        let keys = sa.inbound_keys();
        if let Some(key) = keys.repeated() {
            return Err(AddRejected {
                error: AddError::DuplicateInboundKey(key),
                sa,
            });
        }
        if let [Some(a), Some(b)] = keys.keys() {
            if a.dst != b.dst {
                return Err(AddRejected {
                    error: AddError::MixedDestinations,
                    sa,
                });
            }
        }
        let mut hashed: [Option<Hashed>; MAX_KEYS_PER_SA] = [None; MAX_KEYS_PER_SA];
        for (place, key) in hashed.iter_mut().zip(keys.iter()) {
            *place = Some(Hashed {
                key: *key,
                hash: hash_of(self.hash_key, key),
            });
        }
        let result = {
            let mut state = self.lock.write();
            let r = state.insert(sa, &hashed, self.max_index_entries, self.hash_key);
            self.live.store(state.len, Ordering::Relaxed);
            r
        };
        // The lock is released; a refused SA is handed back, never dropped under the lock.
        result.map_err(|(error, sa)| AddRejected { error, sa })
    }

    /// Deletes the SA `handle` names and returns it; `None` if the handle is stale, forged or
    /// already deleted (exactly one of several concurrent deletes of a handle succeeds).
    ///
    /// The slot's generation is bumped, so `handle` never matches again. The SA's memory is
    /// released when the last `Arc` goes: at the latest when the caller drops the returned
    /// value, later if a packet still holds a lookup result. Never under the table lock.
    pub fn delete(&self, handle: OffloadHandle) -> Option<Arc<S>> {
        let removed = {
            let mut state = self.lock.write();
            let r = state.remove(handle, self.hash_key, self.handle_key);
            self.live.store(state.len, Ordering::Relaxed);
            r
        };
        removed
    }

    /// Swaps the payload of a live SA for `sa`, keeping its handle, and returns the old
    /// payload. The new payload must have the same inbound keys (in any order).
    ///
    /// # Errors
    /// [`ReplaceError::NotFound`] for a handle that names no live SA,
    /// [`ReplaceError::InboundKeysChanged`] if the keys differ; the table is unchanged and the
    /// new payload is handed back.
    pub fn replace(&self, handle: OffloadHandle, sa: Arc<S>) -> Result<Arc<S>, ReplaceRejected<S>> {
        let new_keys = sa.inbound_keys();
        let result = {
            let mut state = self.lock.write();
            match handle.index().and_then(|i| state.slots.get_mut(i)) {
                Some(slot) if slot.generation == handle.generation() => match &mut slot.sa {
                    Some(current) if current.inbound_keys().same_set(&new_keys) => {
                        Ok(mem::replace(current, sa))
                    }
                    Some(_) => Err((ReplaceError::InboundKeysChanged, sa)),
                    None => Err((ReplaceError::NotFound, sa)),
                },
                _ => Err((ReplaceError::NotFound, sa)),
            }
        };
        result.map_err(|(error, sa)| ReplaceRejected { error, sa })
    }

    /// The SA `handle` names, as a new reference (one atomic increment, no allocation).
    /// `None` for a zero-index, out-of-range, stale (generation mismatch) or free-slot handle.
    #[inline]
    pub fn get(&self, handle: OffloadHandle) -> Option<Arc<S>> {
        let state = self.lock.read();
        let found = state.live(handle).cloned();
        drop(state);
        found
    }

    /// True if `handle` names a live SA.
    #[must_use]
    pub fn contains(&self, handle: OffloadHandle) -> bool {
        self.lock.read().live(handle).is_some()
    }

    /// Runs `f` on the SA `handle` names, under the shared lock (at DISPATCH_LEVEL in the
    /// kernel): no reference-count traffic. `f` must be short and must not call into this
    /// table.
    #[inline]
    pub fn with_sa<R>(&self, handle: OffloadHandle, f: impl FnOnce(&S) -> R) -> Option<R> {
        let state = self.lock.read();
        state.live(handle).map(|sa| f(sa))
    }

    /// The live SA registered under the inbound `key`, with its handle.
    #[inline]
    pub fn get_inbound(&self, key: &InboundKey) -> Option<(OffloadHandle, Arc<S>)> {
        let hash = hash_of(self.hash_key, key);
        let state = self.lock.read();
        let found = state.find(key, hash).and_then(|idx| {
            let handle = state.handle_of(idx)?;
            let sa = state.slots.get(idx)?.sa.clone()?;
            Some((handle, sa))
        });
        drop(state);
        found
    }

    /// Runs `f` on the SA registered under the inbound `key` (and its handle) under the shared
    /// lock. `f` must be short and must not call into this table.
    #[inline]
    pub fn with_inbound<R>(
        &self,
        key: &InboundKey,
        f: impl FnOnce(OffloadHandle, &S) -> R,
    ) -> Option<R> {
        let hash = hash_of(self.hash_key, key);
        let state = self.lock.read();
        let idx = state.find(key, hash)?;
        let handle = state.handle_of(idx)?;
        let sa = state.slots.get(idx)?.sa.as_ref()?;
        Some(f(handle, sa))
    }
}

#[cfg(all(test, feature = "std", not(loom)))]
mod tests {
    use super::state::{initial_generation, Slot};
    use super::*;
    use crate::key::{InboundKeys, IpAddress, IpsecProtocol};
    use crate::lock::StdRwLock;
    use alloc::vec::Vec;

    struct Sa(InboundKeys);
    impl SaEntry for Sa {
        fn inbound_keys(&self) -> InboundKeys {
            self.0
        }
    }
    type Table = SaTable<Sa, StdRwLock<TableState<Sa>>>;

    fn key(spi: u32) -> InboundKey {
        InboundKey::new(spi, IpAddress::v4([10, 0, 0, 1]), IpsecProtocol::Esp)
    }

    #[test]
    fn slot_is_32_bytes_and_aligned() {
        assert_eq!(mem::size_of::<Slot<Sa>>(), 32);
        assert_eq!(mem::size_of::<Slot<[u8; 700]>>(), 32);
        assert_eq!(mem::align_of::<Slot<Sa>>(), 32);
    }

    #[test]
    fn slot_retires_before_generation_wraps() {
        let seed = TableSeed::from_words([1, 2, 3, 4]);
        let t = Table::with_capacity(2, seed).unwrap();
        let first = initial_generation(seed.handle_key, 0);
        // Pretend slot 0 has been through 2^32 - 1 generations already.
        t.lock.write().slots[0].generation = first.wrapping_sub(1);
        let h = t.add(Arc::new(Sa(InboundKeys::one(key(1))))).unwrap();
        assert_eq!(h.index(), Some(0));
        assert_eq!(h.generation(), first.wrapping_sub(1));
        assert!(t.delete(h).is_some());
        assert_eq!(t.retired_slots(), 1);
        t.verify_invariants().unwrap();
        // Only slot 1 is left; slot 0's first handle value can never be issued again.
        let h1 = t.add(Arc::new(Sa(InboundKeys::NONE))).unwrap();
        assert_eq!(h1.index(), Some(1));
        assert_eq!(
            t.add(Arc::new(Sa(InboundKeys::NONE))).unwrap_err().error,
            AddError::Full
        );
        assert_eq!(t.clear(), 1);
        t.verify_invariants().unwrap();
    }

    #[test]
    fn backward_shift_keeps_colliding_chain_reachable() {
        // Many keys in a small index force long probe chains that wrap around.
        let t = Table::with_capacity(16, TableSeed::from_words([9, 9, 9, 9])).unwrap();
        let mut handles = Vec::new();
        for i in 0..16 {
            let sa = Sa(InboundKeys::two(
                key(i),
                InboundKey::new(i, IpAddress::v4([10, 0, 0, 1]), IpsecProtocol::Ah),
            ));
            handles.push(t.add(Arc::new(sa)).unwrap());
        }
        t.verify_invariants().unwrap();
        for (n, h) in handles.iter().enumerate().filter(|(n, _)| n % 3 != 1) {
            assert!(t.delete(*h).is_some(), "{n}");
            t.verify_invariants().unwrap();
        }
        for i in 0..16u32 {
            assert_eq!(t.get_inbound(&key(i)).is_some(), i % 3 == 1);
        }
    }
}
