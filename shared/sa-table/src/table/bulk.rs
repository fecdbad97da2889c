//! Operations over many SAs at once: batched inbound lookups for a chain of received packets,
//! chunked walks, and draining the table in bounded lock holds.

use super::index::{hash_of, tag, EMPTY, TAG_MASK};
use super::state::TableState;
use super::SaTable;
use crate::handle::OffloadHandle;
use crate::hash::{MixKey, SipKey};
use crate::key::{InboundKey, SaEntry};
use crate::lock::SaLock;
use crate::sync::atomic::Ordering;
use crate::sync::Arc;

/// SAs taken out per exclusive-lock hold by [`SaTable::drain`].
pub(super) const DRAIN_BATCH: usize = 32;

/// Slots scanned per lock hold by [`SaTable::drain`] and [`SaTable::for_each_chunk`].
pub const SCAN_CHUNK: usize = 1024;

/// Keys resolved per lock hold by [`SaTable::get_inbound_many`].
pub const LOOKUP_BATCH: usize = 16;

impl<S: SaEntry> TableState<S> {
    /// The slots of up to [`LOOKUP_BATCH`] keys (with their hashes), in passes: every key's
    /// home index entry, then the slot of every home entry whose flags and fingerprint match,
    /// then the rest of the probes (rare at load ≤ 1/2).
    pub(super) fn resolve(
        &self,
        keys: &[InboundKey],
        hashes: &[u64; LOOKUP_BATCH],
    ) -> [Option<usize>; LOOKUP_BATCH] {
        let mut home = [EMPTY; LOOKUP_BATCH];
        for (e, h) in home.iter_mut().zip(hashes) {
            *e = self
                .index
                .get(*h as usize & self.mask)
                .copied()
                .unwrap_or(EMPTY);
        }
        let mut found = [None; LOOKUP_BATCH];
        for (((f, e), k), h) in found.iter_mut().zip(&home).zip(keys).zip(hashes) {
            if *e != EMPTY && *e & TAG_MASK == tag(k, *h) {
                *f = self.confirm(*e, k);
            }
        }
        for (((f, e), k), h) in found.iter_mut().zip(&home).zip(keys).zip(hashes) {
            if f.is_none() && *e != EMPTY {
                *f = self.find(k, *h);
            }
        }
        found
    }

    pub(super) fn take_batch(
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
}

impl<S, L> SaTable<S, L>
where
    S: SaEntry,
    L: SaLock<TableState<S>>,
{
    /// [`Self::get_inbound`] for many keys at once: `out[i]` receives the SA of `keys[i]` (for
    /// `i < min(keys.len(), out.len())`; the rest of `out` is left alone). Up to
    /// [`LOOKUP_BATCH`] keys per hold of the shared lock, resolved in passes — every key's home
    /// index entry, then every candidate's slot, then the rest of each probe, then every SA's
    /// reference count (plain loads), then the `Arc`s —
    /// so that the memory accesses of different keys overlap instead of running one dependent
    /// chain after the other (at 1M SAs each is a DRAM round trip). Meant for resolving the SAs
    /// of a whole chain of received NBLs at once. Same results as one `get_inbound` per key.
    pub fn get_inbound_many(
        &self,
        keys: &[InboundKey],
        out: &mut [Option<(OffloadHandle, Arc<S>)>],
    ) {
        for (keys, out) in keys.chunks(LOOKUP_BATCH).zip(out.chunks_mut(LOOKUP_BATCH)) {
            let mut hashes = [0u64; LOOKUP_BATCH];
            for (h, k) in hashes.iter_mut().zip(keys) {
                *h = hash_of(self.hash_key, k);
            }
            let state = self.lock.read();
            let found = state.resolve(keys, &hashes);
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

    /// Brings what the lookups of `keys` and the packets' processing after them will read into
    /// the cache, for many keys at once, without taking references: the keys' index entries,
    /// then their slots, then the payloads' first cache line (the reference count), then what
    /// [`SaEntry::touch`] reads. Each pass issues the loads of every key before any is needed,
    /// so the misses of different keys overlap (the technique of DPDK's `rte_hash` bulk
    /// lookup) where one lookup after the other pays each dependent miss in turn. Portable:
    /// plain loads, no prefetch instruction (`_mm_prefetch` takes a raw pointer and is
    /// `unsafe`; this crate has no `unsafe`). Up to [`LOOKUP_BATCH`] keys per hold of the shared
    /// lock; no allocation. Returns how many keys were found (the loads feed it, so none is
    /// optimised away). Meant for the receive path of a large table, ahead of a chain's
    /// packets, each then looked up with [`Self::get_inbound`] from the cache.
    pub fn warm_inbound(&self, keys: &[InboundKey]) -> usize {
        let mut total = 0usize;
        for keys in keys.chunks(LOOKUP_BATCH) {
            let mut hashes = [0u64; LOOKUP_BATCH];
            for (h, k) in hashes.iter_mut().zip(keys) {
                *h = hash_of(self.hash_key, k);
            }
            let state = self.lock.read();
            let found = state.resolve(keys, &hashes);
            // The payloads' first lines (reference count, then the SA's own fields).
            let mut live = 0usize;
            for f in found.iter().flatten() {
                if let Some(sa) = state.slots.get(*f).and_then(|s| s.sa.as_ref()) {
                    live += usize::from(Arc::strong_count(sa) > 0);
                }
            }
            // What the payloads point to.
            let mut touched = 0u32;
            for f in found.iter().flatten() {
                if let Some(sa) = state.slots.get(*f).and_then(|s| s.sa.as_ref()) {
                    touched = touched.wrapping_add(sa.touch());
                }
            }
            drop(state);
            core::hint::black_box(touched);
            total += live;
        }
        total
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
                self.live.store(state.len, Ordering::Relaxed);
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
}
