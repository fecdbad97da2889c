//! The SA table proper.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;
use core::mem;

use crate::handle::OffloadHandle;
use crate::hash::{sip13, MixKey, SipKey};
use crate::key::{AddressFamily, InboundKey, IpsecProtocol, SaEntry, MAX_KEYS_PER_SA};
use crate::lock::SaLock;
use crate::sync::Arc;

/// Capacity used when the configuration does not set one (advertised as `SaOffloadCapacity`).
pub const DEFAULT_CAPACITY: usize = 4096;

/// Largest supported capacity (2^20 SAs).
pub const MAX_CAPACITY: usize = 1 << 20;

/// The inbound index has at least this many slots per key it can hold (load factor ≤ 1/2).
const INDEX_SLOTS_PER_KEY: usize = 2;

/// End of the free list.
const NIL: u32 = u32::MAX;

/// An empty index slot. Occupied entries have a non-zero slot field (slot index + 1).
const EMPTY: u64 = 0;

/// Index entry layout (`u64`): the SPI in the high half, and in the low half the slot index + 1
/// (bits 0..=20), the address family (bit 21: IPv6), the protocol (bit 22: AH) and the entry's
/// displacement from its home position (bits 23..=31). The SPI and the two flags are compared in
/// the entry itself; the destination address, the rest of the key, sits in the slot the entry
/// names. A hit therefore costs two memory accesses (entry, slot) and never touches the payload.
const SLOT_BITS: u32 = 21;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const V6_BIT: u64 = 1 << SLOT_BITS;
const AH_BIT: u64 = 1 << (SLOT_BITS + 1);
const DISP_SHIFT: u32 = SLOT_BITS + 2;
/// Largest displacement an entry can record; an insertion that would need more fails (the
/// index is at most half full and keyed, so probe runs of that length do not occur).
const MAX_DISPLACEMENT: usize = (1 << (32 - DISP_SHIFT)) - 1;
/// Everything but the displacement: what identifies an entry.
const IDENTITY_MASK: u64 = !(((1u64 << (32 - DISP_SHIFT)) - 1) << DISP_SHIFT);

const _: () = assert!(MAX_CAPACITY < (1 << SLOT_BITS));

/// SAs taken out per exclusive-lock hold by [`SaTable::drain`].
const DRAIN_BATCH: usize = 32;

/// Slots scanned per lock hold by [`SaTable::drain`] and [`SaTable::for_each_chunk`].
pub const SCAN_CHUNK: usize = 1024;

/// Keys resolved per lock hold by [`SaTable::get_inbound_many`].
pub const LOOKUP_BATCH: usize = 16;

/// Domain separation for the per-slot initial generations.
const GENERATION_DOMAIN: u64 = 0x6f66_666c_6f61_6467; // "offloadg"

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

/// One slot of the slot array: 32 bytes, aligned so that a slot never straddles a cache line.
#[repr(C, align(32))]
struct Slot<S> {
    /// The SA, `None` when the slot is free or retired.
    sa: Option<Arc<S>>,
    /// Generation of the current (or next) SA in this slot; bumped on every delete.
    generation: u32,
    /// Next free slot (intrusive FIFO free list), [`NIL`] at the tail and for used slots.
    next_free: u32,
    /// Destination address (raw 16 bytes, IPv4 zero-padded) shared by the SA's inbound keys;
    /// the index entries carry the SPI, protocol and family.
    dst: [u8; 16],
}

/// An inbound key with its keyed hash (which picks the home position), computed before the
/// lock is taken.
#[derive(Clone, Copy)]
struct Hashed {
    key: InboundKey,
    hash: u32,
}

/// The state protected by the table's lock. Opaque: it is public only because the lock type
/// parameter names it (`L: SaLock<TableState<S>>`).
pub struct TableState<S> {
    /// Slot array, indexed by `handle.index()`.
    slots: Box<[Slot<S>]>,
    /// Inbound index: open addressing, linear probing, backward-shift deletion. An entry holds
    /// the SPI, family, protocol, slot index + 1 and its displacement from its home position
    /// `hash(key) & mask` (see [`SLOT_BITS`]).
    index: Box<[u64]>,
    /// `index.len() - 1` (the length is a power of two).
    mask: usize,
    /// Head (oldest) of the free list, [`NIL`] if empty.
    free_head: u32,
    /// Tail (newest) of the free list, [`NIL`] if empty.
    free_tail: u32,
    /// Live SAs.
    len: usize,
    /// Occupied index entries.
    index_used: usize,
    /// Slots taken out of service because their generation would have wrapped.
    retired: usize,
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

#[inline]
fn entry_slot(entry: u64) -> Option<usize> {
    usize::try_from((entry & SLOT_MASK).checked_sub(1)?).ok()
}

#[inline]
fn entry_displacement(entry: u64) -> usize {
    ((entry as u32) >> DISP_SHIFT) as usize
}

/// The entry of `key` in slot `idx` with displacement 0 (`None` if `idx` does not fit).
#[inline]
fn make_entry(key: &InboundKey, slot: usize) -> Option<u64> {
    let low = u64::try_from(slot.checked_add(1)?).ok()?;
    if low > SLOT_MASK {
        return None;
    }
    Some(identity(key) | low)
}

/// The SPI, family and protocol bits of `key`'s entries.
#[inline]
fn identity(key: &InboundKey) -> u64 {
    let mut e = u64::from(key.spi) << 32;
    if key.dst.family() == AddressFamily::V6 {
        e |= V6_BIT;
    }
    if key.proto == IpsecProtocol::Ah {
        e |= AH_BIT;
    }
    e
}

#[inline]
fn with_displacement(entry: u64, disp: usize) -> Option<u64> {
    if disp > MAX_DISPLACEMENT {
        return None;
    }
    Some((entry & IDENTITY_MASK) | ((disp as u64) << DISP_SHIFT))
}

#[inline]
fn hash_of(hash_key: MixKey, key: &InboundKey) -> u32 {
    hash_key.hash(key.words()) as u32
}

/// The generation a slot starts with (and that it must never return to).
fn initial_generation(handle_key: SipKey, slot: usize) -> u32 {
    sip13(handle_key, &[slot as u64, GENERATION_DOMAIN]) as u32
}

/// Number of inbound index slots for `capacity` SAs.
fn index_len(capacity: usize) -> Option<usize> {
    capacity
        .checked_mul(MAX_KEYS_PER_SA)?
        .checked_mul(INDEX_SLOTS_PER_KEY)?
        .checked_next_power_of_two()
}

fn check_capacity(capacity: usize) -> Result<(), TableError> {
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
        + index * mem::size_of::<u64>()
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
    fn new(capacity: usize, handle_key: SipKey) -> Result<Self, TableError> {
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
                next_free: next,
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
    fn live(&self, handle: OffloadHandle) -> Option<&Arc<S>> {
        let slot = self.slots.get(handle.index()?)?;
        if slot.generation != handle.generation() {
            return None;
        }
        slot.sa.as_ref()
    }

    /// The current handle of the live SA in slot `idx`.
    #[inline]
    fn handle_of(&self, idx: usize) -> Option<OffloadHandle> {
        OffloadHandle::encode(idx, self.slots.get(idx)?.generation)
    }

    /// Slot index of the live SA registered under `key` (whose hash is `hash`): the SPI,
    /// family and protocol are compared in the index entry, the destination in the slot; the
    /// payload is not touched.
    #[inline]
    fn find(&self, key: &InboundKey, hash: u32) -> Option<usize> {
        let want = identity(key);
        let mut pos = hash as usize & self.mask;
        for _ in 0..=MAX_DISPLACEMENT {
            let entry = *self.index.get(pos)?;
            if entry == EMPTY {
                return None;
            }
            if entry & IDENTITY_MASK & !SLOT_MASK == want {
                if let Some(idx) = entry_slot(entry) {
                    let hit = self
                        .slots
                        .get(idx)
                        .is_some_and(|slot| slot.sa.is_some() && slot.dst == *key.dst.raw_bytes());
                    if hit {
                        return Some(idx);
                    }
                }
            }
            pos = (pos + 1) & self.mask;
        }
        None
    }

    /// Puts the entry of `key` → `idx` in the first empty position from its home. False if
    /// there is none within [`MAX_DISPLACEMENT`].
    fn insert_entry(&mut self, key: &InboundKey, hash: u32, idx: usize) -> bool {
        let Some(entry) = make_entry(key, idx) else {
            return false;
        };
        let mut pos = hash as usize & self.mask;
        for disp in 0..=MAX_DISPLACEMENT.min(self.mask) {
            match self.index.get_mut(pos) {
                Some(e) if *e == EMPTY => {
                    let Some(placed) = with_displacement(entry, disp) else {
                        return false;
                    };
                    *e = placed;
                    self.index_used += 1;
                    return true;
                }
                Some(_) => pos = (pos + 1) & self.mask,
                None => return false,
            }
        }
        false
    }

    /// Removes the entry of `key` → `idx` and closes the gap by backward shifting, so that no
    /// tombstones exist. False if the entry is not present.
    fn remove_entry(&mut self, key: &InboundKey, hash: u32, idx: usize) -> bool {
        let Some(entry) = make_entry(key, idx) else {
            return false;
        };
        let mask = self.mask;
        let mut pos = hash as usize & mask;
        let mut found = None;
        for _ in 0..=MAX_DISPLACEMENT.min(mask) {
            match self.index.get(pos) {
                Some(&EMPTY) | None => return false,
                Some(&e) if e & IDENTITY_MASK == entry => {
                    found = Some(pos);
                    break;
                }
                Some(_) => pos = (pos + 1) & mask,
            }
        }
        let Some(mut hole) = found else {
            return false;
        };
        let mut j = (hole + 1) & mask;
        for _ in 0..self.index.len() {
            let e = match self.index.get(j) {
                Some(&e) if e != EMPTY => e,
                _ => break,
            };
            let home = j.wrapping_sub(entry_displacement(e)) & mask;
            // Move `e` into the hole unless its home lies cyclically in (hole, j]; its new
            // displacement is the distance from its home to the hole.
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                let moved = with_displacement(e, hole.wrapping_sub(home) & mask).unwrap_or(e);
                if let Some(h) = self.index.get_mut(hole) {
                    *h = moved;
                }
                hole = j;
            }
            j = (j + 1) & mask;
        }
        if let Some(h) = self.index.get_mut(hole) {
            *h = EMPTY;
        }
        self.index_used = self.index_used.saturating_sub(1);
        true
    }

    fn insert(
        &mut self,
        sa: Arc<S>,
        keys: &[Option<Hashed>; MAX_KEYS_PER_SA],
        max_index_entries: usize,
    ) -> Result<OffloadHandle, (AddError, Arc<S>)> {
        if self.free_head == NIL {
            return Err((AddError::Full, sa));
        }
        let idx = self.free_head as usize;
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
        for (n, k) in keys.iter().flatten().enumerate() {
            if !self.insert_entry(&k.key, k.hash, idx) {
                for done in keys.iter().flatten().take(n) {
                    self.remove_entry(&done.key, done.hash, idx);
                }
                return Err((AddError::Full, sa));
            }
        }
        let Some(slot) = self.slots.get_mut(idx) else {
            return Err((AddError::Full, sa));
        };
        self.free_head = slot.next_free;
        if self.free_head == NIL {
            self.free_tail = NIL;
        }
        slot.next_free = NIL;
        slot.dst = dst.map_or([0; 16], |d| *d.raw_bytes());
        slot.sa = Some(sa);
        self.len += 1;
        Ok(handle)
    }

    fn remove(
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
        let sa = slot.sa.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        let retire = slot.generation == initial_generation(handle_key, idx);
        for key in sa.inbound_keys().iter() {
            self.remove_entry(key, hash_of(hash_key, key), idx);
        }
        self.len = self.len.saturating_sub(1);
        if retire {
            self.retired += 1;
        } else {
            self.push_free(idx);
        }
        Some(sa)
    }

    /// Appends slot `idx` to the tail of the FIFO free list (FIFO spreads reuse over all slots,
    /// so a slot's generation advances as slowly as possible).
    fn push_free(&mut self, idx: usize) {
        let Ok(idx32) = u32::try_from(idx) else {
            return;
        };
        if let Some(slot) = self.slots.get_mut(idx) {
            slot.next_free = NIL;
        }
        match self.slots.get_mut(self.free_tail as usize) {
            Some(tail) if self.free_tail != NIL => tail.next_free = idx32,
            _ => self.free_head = idx32,
        }
        self.free_tail = idx32;
    }

    fn take_batch(
        &mut self,
        cursor: usize,
        out: &mut [Option<(OffloadHandle, Arc<S>)>; DRAIN_BATCH],
        hash_key: MixKey,
        handle_key: SipKey,
    ) -> usize {
        let end = cursor.saturating_add(SCAN_CHUNK).min(self.slots.len());
        let mut taken = 0;
        let mut i = cursor;
        while i < end && taken < DRAIN_BATCH {
            let live = self.slots.get(i).is_some_and(|s| s.sa.is_some());
            if live {
                if let Some(handle) = self.handle_of(i) {
                    if let Some(sa) = self.remove(handle, hash_key, handle_key) {
                        if let Some(place) = out.get_mut(taken) {
                            *place = Some((handle, sa));
                            taken += 1;
                        }
                    }
                }
            }
            i += 1;
        }
        i
    }

    fn verify(&self, hash_key: MixKey) -> Result<(), InvariantViolation> {
        let fail = |what| Err(InvariantViolation(what));
        let live = self.slots.iter().filter(|s| s.sa.is_some()).count();
        if live != self.len {
            return fail("len does not match the live slots");
        }
        // Free list: acyclic, only free slots, and free + live + retired = capacity.
        let mut free = 0usize;
        let mut cur = self.free_head;
        let mut last = NIL;
        while cur != NIL {
            let Some(slot) = self.slots.get(cur as usize) else {
                return fail("free list points outside the slot array");
            };
            if slot.sa.is_some() {
                return fail("free list contains a live slot");
            }
            free += 1;
            if free > self.slots.len() {
                return fail("free list has a cycle");
            }
            last = cur;
            cur = slot.next_free;
        }
        if last != self.free_tail {
            return fail("free list tail is wrong");
        }
        if free + self.len + self.retired != self.slots.len() {
            return fail("free + live + retired != capacity");
        }
        // Index: every entry names a live SA that has a key with that tag, and is reachable
        // from its home without crossing an empty position.
        let mut used = 0usize;
        for (pos, &e) in self.index.iter().enumerate() {
            if e == EMPTY {
                continue;
            }
            used += 1;
            let Some(sa) = entry_slot(e)
                .and_then(|i| self.slots.get(i))
                .and_then(|s| s.sa.as_ref())
            else {
                return fail("index entry names a free slot");
            };
            let Some(key) = sa
                .inbound_keys()
                .iter()
                .find(|k| entry_slot(e).and_then(|i| make_entry(k, i)) == Some(e & IDENTITY_MASK))
                .copied()
            else {
                return fail("index entry matches none of its SA's keys");
            };
            let home = hash_of(hash_key, &key) as usize & self.mask;
            if pos.wrapping_sub(home) & self.mask != entry_displacement(e) {
                return fail("index entry's displacement does not lead to its home");
            }
            if entry_slot(e)
                .and_then(|i| self.slots.get(i))
                .is_none_or(|s| s.dst != *key.dst.raw_bytes())
            {
                return fail("slot destination differs from its key's");
            }
            let mut p = home;
            while p != pos {
                if self.index.get(p) == Some(&EMPTY) {
                    return fail("index entry unreachable from its home");
                }
                p = (p + 1) & self.mask;
            }
        }
        if used != self.index_used {
            return fail("index_used does not match the index");
        }
        // Every key of every live SA is found, at its own slot.
        let mut keys = 0usize;
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(sa) = &slot.sa {
                for k in sa.inbound_keys().iter() {
                    keys += 1;
                    if self.find(k, hash_of(hash_key, k)) != Some(i) {
                        return fail("a live SA's inbound key is not found at its slot");
                    }
                }
            }
        }
        if keys != used {
            return fail("index entries do not match the live SAs' keys");
        }
        Ok(())
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
            state.insert(sa, &hashed, self.max_index_entries)
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
            state.remove(handle, self.hash_key, self.handle_key)
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

    /// [`Self::get_inbound`] for many keys at once: `out[i]` receives the SA of `keys[i]` (for
    /// `i < min(keys.len(), out.len())`; the rest of `out` is left alone). Up to
    /// [`LOOKUP_BATCH`] keys per hold of the shared lock, resolved in passes — every key's home
    /// index entry, then every candidate's slot, then the rest of each probe, then every SA's
    /// reference count (plain loads), then the `Arc`s —
    /// so that the memory accesses of different keys overlap instead of running one dependent
    /// chain after the other (at 1M SAs each is a DRAM round trip). Meant for resolving the SAs
    /// of a whole chain of received NBLs at once (the filter core's receive path still looks up
    /// one packet at a time; see docs/sa-table.md). Same results as one `get_inbound` per key.
    pub fn get_inbound_many(
        &self,
        keys: &[InboundKey],
        out: &mut [Option<(OffloadHandle, Arc<S>)>],
    ) {
        for (keys, out) in keys.chunks(LOOKUP_BATCH).zip(out.chunks_mut(LOOKUP_BATCH)) {
            let mut hashes = [0u32; LOOKUP_BATCH];
            for (h, k) in hashes.iter_mut().zip(keys) {
                *h = hash_of(self.hash_key, k);
            }
            let state = self.lock.read();
            // Pass 1: the home entry of every key.
            let mut home = [EMPTY; LOOKUP_BATCH];
            for (e, h) in home.iter_mut().zip(&hashes) {
                *e = state
                    .index
                    .get(*h as usize & state.mask)
                    .copied()
                    .unwrap_or(EMPTY);
            }
            // Pass 2: the slot of every home entry whose SPI, protocol and family match.
            let mut found = [None; LOOKUP_BATCH];
            for ((f, e), k) in found.iter_mut().zip(&home).zip(keys) {
                if *e != EMPTY && *e & IDENTITY_MASK & !SLOT_MASK == identity(k) {
                    *f = entry_slot(*e).filter(|&idx| {
                        state
                            .slots
                            .get(idx)
                            .is_some_and(|s| s.sa.is_some() && s.dst == *k.dst.raw_bytes())
                    });
                }
            }
            // Pass 3: keys not at their home position (probe further; rare at load ≤ 1/2).
            for (((f, e), k), h) in found.iter_mut().zip(&home).zip(keys).zip(&hashes) {
                if f.is_none() && *e != EMPTY {
                    *f = state.find(k, *h);
                }
            }
            // Pass 4: read every found SA's reference count with plain loads, so that the
            // payloads' cache lines arrive together; the increments of pass 5 are locked
            // read-modify-writes, which the processor does not overlap with other misses.
            let mut counted = [false; LOOKUP_BATCH];
            for (c, f) in counted.iter_mut().zip(&found) {
                *c = f
                    .and_then(|idx| state.slots.get(idx)?.sa.as_ref())
                    .is_some_and(|sa| Arc::strong_count(sa) > 0);
            }
            // Pass 5: handles and references.
            for ((o, f), c) in out.iter_mut().zip(&found).zip(&counted) {
                *o = f.filter(|_| *c).and_then(|idx| {
                    let handle = state.handle_of(idx)?;
                    let sa = state.slots.get(idx)?.sa.clone()?;
                    Some((handle, sa))
                });
            }
            drop(state);
        }
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

    /// Calls `f` for every live SA, in slot order (for the control plane, e.g. statistics
    /// queries). Works in chunks of [`SCAN_CHUNK`] slots, each under its own acquisition of the
    /// shared lock, so that a large table never holds writers (and, behind a waiting writer, the
    /// datapath) off for long. Each SA is visited at most once and was live when visited; SAs
    /// added or deleted during the walk may or may not be visited. `f` runs under the shared
    /// lock: it must be short and must not call into this table.
    pub fn for_each(&self, mut f: impl FnMut(OffloadHandle, &S)) {
        let mut cursor = Some(0);
        while let Some(start) = cursor {
            cursor = self.for_each_chunk(start, &mut f);
        }
    }

    /// Visits the live SAs in slots `start .. start + SCAN_CHUNK` under one acquisition of the
    /// shared lock and returns where the next chunk starts, or `None` after the last slot.
    /// Lets a caller spread a walk over several calls (e.g. one per work item).
    pub fn for_each_chunk(
        &self,
        start: usize,
        mut f: impl FnMut(OffloadHandle, &S),
    ) -> Option<usize> {
        let end = start.saturating_add(SCAN_CHUNK).min(self.capacity);
        let state = self.lock.read();
        for (idx, slot) in state.slots.iter().enumerate().take(end).skip(start) {
            if let (Some(sa), Some(handle)) =
                (&slot.sa, OffloadHandle::encode(idx, slot.generation))
            {
                f(handle, sa);
            }
        }
        (end < self.capacity).then_some(end)
    }

    /// Deletes every SA, handing each (with its old handle) to `f` after the lock is released,
    /// and returns how many were deleted. Works in batches (at most 32 SAs and 1024 scanned
    /// slots per exclusive hold), so the lock is never held for long. Meant for detach; SAs
    /// added concurrently into already-scanned slots are not removed.
    pub fn drain(&self, mut f: impl FnMut(OffloadHandle, Arc<S>)) -> usize {
        let mut cursor = 0;
        let mut total = 0;
        while cursor < self.capacity {
            let mut batch: [Option<(OffloadHandle, Arc<S>)>; DRAIN_BATCH] =
                [const { None }; DRAIN_BATCH];
            {
                let mut state = self.lock.write();
                cursor = state.take_batch(cursor, &mut batch, self.hash_key, self.handle_key);
            }
            for (handle, sa) in batch.iter_mut().filter_map(Option::take) {
                total += 1;
                f(handle, sa);
            }
        }
        total
    }

    /// Deletes every SA (see [`drain`](Self::drain)), dropping them outside the lock, and
    /// returns how many were deleted.
    pub fn clear(&self) -> usize {
        self.drain(|_, sa| drop(sa))
    }

    /// Checks every internal invariant (free list, index consistency and reachability, counts).
    /// O(capacity) under the shared lock; for tests and debugging.
    ///
    /// # Errors
    /// The first violated invariant.
    pub fn verify_invariants(&self) -> Result<(), InvariantViolation> {
        self.lock.read().verify(self.hash_key)
    }
}

#[cfg(all(test, feature = "std", not(loom)))]
mod tests {
    use super::*;
    use crate::key::{InboundKeys, IpAddress, IpsecProtocol};
    use crate::lock::StdRwLock;

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

    /// Memory-latency breakdown at 1M SAs behind the benchmark analysis in docs/sa-table.md:
    /// dependent random reads (each address depends on the previous read) of the index, the
    /// slot array, and slot then payload. Run with
    /// `cargo test -p ipsecov2-satable --release --lib latency_breakdown -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn latency_breakdown() {
        let n = MAX_CAPACITY;
        let seed = TableSeed::from_words([5, 6, 7, 8]);
        let t = Table::with_capacity(n, seed).unwrap();
        for i in 0..n as u32 {
            t.add(Arc::new(Sa(InboundKeys::one(key(i))))).unwrap();
        }
        let state = t.lock.read();
        let rounds = 4 * n;
        let scatter = |x: usize, mask: usize| (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 7) & mask;
        let ns = |start: std::time::Instant| start.elapsed().as_nanos() as f64 / rounds as f64;

        let mask = state.index.len() - 1;
        let (mut acc, start) = (0u64, std::time::Instant::now());
        for i in 0..rounds {
            acc = acc.wrapping_add(state.index[scatter(i ^ (acc as usize & 1), mask)]);
        }
        std::println!("dependent random index read: {:.1} ns", ns(start));

        let (mut acc, start) = (acc, std::time::Instant::now());
        for i in 0..rounds {
            let slot = &state.slots[scatter(i ^ (acc as usize & 1), n - 1)];
            acc = acc.wrapping_add(u64::from(slot.generation));
        }
        std::println!("dependent random slot read: {:.1} ns", ns(start));

        let (mut acc, start) = (acc, std::time::Instant::now());
        for i in 0..rounds {
            let slot = &state.slots[scatter(i ^ (acc as usize & 1), n - 1)];
            acc = acc.wrapping_add(slot.sa.as_ref().map_or(0, |sa| sa.0.len() as u64));
        }
        std::println!(
            "dependent random slot + payload read: {:.1} ns ({acc})",
            ns(start)
        );
    }
}
