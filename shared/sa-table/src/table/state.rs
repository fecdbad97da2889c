//! What the table's lock protects: the slot array, the inbound index and the counts; slot
//! allocation (add) and release (delete) under the exclusive side.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::mem;

use super::error::{AddError, TableError};
use super::free_list::NIL;
use super::index::{hash_of, index_len, Hashed, EMPTY};
use super::MAX_CAPACITY;
use crate::handle::OffloadHandle;
use crate::hash::{sip13, MixKey, SipKey};
use crate::key::{SaEntry, MAX_KEYS_PER_SA};
use crate::sync::Arc;

/// Domain separation for the per-slot initial generations.
const GENERATION_DOMAIN: u64 = 0x6f66_666c_6f61_6467; // "offloadg"

/// One slot of the slot array: 32 bytes, aligned so that a slot never straddles a cache line.
#[repr(C, align(32))]
pub(super) struct Slot<S> {
    /// The SA, `None` when the slot is free or retired.
    pub(super) sa: Option<Arc<S>>,
    /// Generation of the current (or next) SA in this slot; bumped on every delete.
    pub(super) generation: u32,
    /// While the slot is free: the next free slot (intrusive FIFO free list), [`NIL`] at the
    /// tail. While it is live: the SPI of the SA's first inbound key (0 if it has none), which
    /// an inbound lookup confirms here.
    pub(super) link: u32,
    /// Destination address (raw 16 bytes, IPv4 zero-padded) shared by the SA's inbound keys;
    /// the index entries carry the protocol and family flags.
    pub(super) dst: [u8; 16],
}

/// The state protected by the table's lock. Opaque: it is public only because the lock type
/// parameter names it (`L: SaLock<TableState<S>>`).
pub struct TableState<S> {
    /// Slot array, indexed by `handle.index()`.
    pub(super) slots: Box<[Slot<S>]>,
    /// Inbound index: open addressing, linear probing, backward-shift deletion. An entry holds
    /// the slot index + 1, the family and protocol flags, the key's rank in its SA and a
    /// fingerprint of its hash; its home position is `hash(key) & mask` (see `index.rs`).
    pub(super) index: Box<[u32]>,
    /// `index.len() - 1` (the length is a power of two).
    pub(super) mask: usize,
    /// Head (oldest) of the free list, [`NIL`] if empty.
    pub(super) free_head: u32,
    /// Tail (newest) of the free list, [`NIL`] if empty.
    pub(super) free_tail: u32,
    /// Live SAs.
    pub(super) len: usize,
    /// Occupied index entries.
    pub(super) index_used: usize,
    /// Slots taken out of service because their generation would have wrapped.
    pub(super) retired: usize,
}

impl<S> fmt::Debug for TableState<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableState")
            .field("capacity", &self.slots.len())
            .field("len", &self.len)
            .field("index_slots", &self.index.len())
            .field("index_used", &self.index_used)
            .field("retired", &self.retired)
            .finish_non_exhaustive()
    }
}

/// The generation a slot starts with (and that it must never return to).
pub(super) fn initial_generation(handle_key: SipKey, slot: usize) -> u32 {
    sip13(handle_key, &[slot as u64, GENERATION_DOMAIN]) as u32
}

pub(super) fn check_capacity(capacity: usize) -> Result<(), TableError> {
    if capacity == 0 {
        Err(TableError::ZeroCapacity)
    } else if capacity > MAX_CAPACITY {
        Err(TableError::CapacityTooLarge {
            requested: capacity,
            max: MAX_CAPACITY,
        })
    } else {
        Ok(())
    }
}

/// Bytes the table itself allocates for `capacity` SAs: slot array (with the intrusive free
/// list), inbound index, and the fixed state. SA payloads (allocated by the caller) are not
/// included.
///
/// # Errors
/// [`TableError::ZeroCapacity`] or [`TableError::CapacityTooLarge`] for an unsupported capacity.
pub fn table_bytes(capacity: usize) -> Result<usize, TableError> {
    check_capacity(capacity)?;
    let index = index_len(capacity).ok_or(TableError::OutOfMemory)?;
    Ok(capacity * mem::size_of::<Slot<()>>()
        + index * mem::size_of::<u32>()
        + mem::size_of::<TableState<()>>())
}

/// Bytes per SA slot the table allocates at `capacity` (see [`table_bytes`]).
///
/// # Errors
/// As [`table_bytes`].
pub fn table_bytes_per_sa(capacity: usize) -> Result<f64, TableError> {
    Ok(table_bytes(capacity)? as f64 / capacity as f64)
}

impl<S: SaEntry> TableState<S> {
    pub(super) fn new(capacity: usize, handle_key: SipKey) -> Result<Self, TableError> {
        check_capacity(capacity)?;
        let index_len = index_len(capacity).ok_or(TableError::OutOfMemory)?;
        let mut slots = Vec::new();
        slots
            .try_reserve_exact(capacity)
            .map_err(|_| TableError::OutOfMemory)?;
        for i in 0..capacity {
            let next = if i + 1 < capacity {
                u32::try_from(i + 1).map_err(|_| TableError::OutOfMemory)?
            } else {
                NIL
            };
            slots.push(Slot {
                sa: None,
                generation: initial_generation(handle_key, i),
                link: next,
                dst: [0; 16],
            });
        }
        let mut index = Vec::new();
        index
            .try_reserve_exact(index_len)
            .map_err(|_| TableError::OutOfMemory)?;
        index.resize(index_len, EMPTY);
        Ok(Self {
            slots: slots.into_boxed_slice(),
            index: index.into_boxed_slice(),
            mask: index_len - 1,
            free_head: 0,
            free_tail: u32::try_from(capacity - 1).map_err(|_| TableError::OutOfMemory)?,
            len: 0,
            index_used: 0,
            retired: 0,
        })
    }

    /// The live SA `handle` names, after validating index range, generation and liveness.
    #[inline]
    pub(super) fn live(&self, handle: OffloadHandle) -> Option<&Arc<S>> {
        let slot = self.slots.get(handle.index()?)?;
        if slot.generation != handle.generation() {
            return None;
        }
        slot.sa.as_ref()
    }

    /// The current handle of the live SA in slot `idx`.
    #[inline]
    pub(super) fn handle_of(&self, idx: usize) -> Option<OffloadHandle> {
        OffloadHandle::encode(idx, self.slots.get(idx)?.generation)
    }

    pub(super) fn insert(
        &mut self,
        sa: Arc<S>,
        keys: &[Option<Hashed>; MAX_KEYS_PER_SA],
        max_index_entries: usize,
        hash_key: MixKey,
    ) -> Result<OffloadHandle, (AddError, Arc<S>)> {
        let Some(idx) = self.first_free() else {
            return Err((AddError::Full, sa));
        };
        let Some(generation) = self.slots.get(idx).map(|s| s.generation) else {
            return Err((AddError::Full, sa));
        };
        let Some(handle) = OffloadHandle::encode(idx, generation) else {
            return Err((AddError::Full, sa));
        };
        let new_entries = keys.iter().flatten().count();
        if self.index_used + new_entries > max_index_entries {
            return Err((AddError::Full, sa));
        }
        // `SaTable::add` checked that every key has this destination.
        let dst = keys.iter().flatten().next().map(|k| k.key.dst);
        for k in keys.iter().flatten() {
            if self.find(&k.key, k.hash).is_some() {
                return Err((AddError::DuplicateInboundKey(k.key), sa));
            }
        }
        // Commit. The index entries go in first; a failure (impossible while the load bound
        // above holds) is rolled back so that a refused add leaves no trace.
        for (n, k) in keys.iter().enumerate() {
            let Some(k) = k else { continue };
            if !self.insert_entry(k, idx, n == 1) {
                for (m, done) in keys.iter().enumerate().take(n) {
                    if let Some(done) = done {
                        self.remove_entry(done, idx, m == 1, hash_key);
                    }
                }
                return Err((AddError::Full, sa));
            }
        }
        self.unlink_first_free();
        let Some(slot) = self.slots.get_mut(idx) else {
            return Err((AddError::Full, sa));
        };
        slot.dst = dst.map_or([0; 16], |d| *d.raw_bytes());
        slot.link = keys.first().copied().flatten().map_or(0, |k| k.key.spi);
        slot.sa = Some(sa);
        self.len += 1;
        Ok(handle)
    }

    pub(super) fn remove(
        &mut self,
        handle: OffloadHandle,
        hash_key: MixKey,
        handle_key: SipKey,
    ) -> Option<Arc<S>> {
        let idx = handle.index()?;
        let slot = self.slots.get_mut(idx)?;
        if slot.generation != handle.generation() {
            return None;
        }
        let keys = slot.sa.as_ref()?.inbound_keys();
        // The entries go first, while the slot still names the SA: moving the entries that
        // follow a removed one rebuilds their keys from their slots (and a bundle's second
        // key from its payload).
        // (A key's rank is the one it had when the SA was added; `replace` may hand in the same
        // keys in another order, so both are tried.)
        for key in keys.iter() {
            let hashed = Hashed {
                key: *key,
                hash: hash_of(hash_key, key),
            };
            if !self.remove_entry(&hashed, idx, false, hash_key) {
                self.remove_entry(&hashed, idx, true, hash_key);
            }
        }
        let slot = self.slots.get_mut(idx)?;
        let sa = slot.sa.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        let retire = slot.generation == initial_generation(handle_key, idx);
        self.len = self.len.saturating_sub(1);
        if retire {
            self.retired += 1;
        } else {
            self.push_free(idx);
        }
        Some(sa)
    }
}
