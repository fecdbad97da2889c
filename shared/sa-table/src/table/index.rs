//! The inbound index: open addressing with linear probing and backward-shift deletion over
//! `u64` entries that pack the SPI, the family and protocol flags, the slot and the entry's
//! displacement from its home position.

use super::state::TableState;
use super::MAX_CAPACITY;
use crate::hash::MixKey;
use crate::key::{AddressFamily, InboundKey, IpsecProtocol, SaEntry, MAX_KEYS_PER_SA};

/// The inbound index has at least this many slots per key it can hold (load factor ≤ 1/2).
pub(super) const INDEX_SLOTS_PER_KEY: usize = 2;

/// An empty index slot. Occupied entries have a non-zero slot field (slot index + 1).
pub(super) const EMPTY: u64 = 0;

/// Index entry layout (`u64`): the SPI in the high half, and in the low half the slot index + 1
/// (bits 0..=20), the address family (bit 21: IPv6), the protocol (bit 22: AH) and the entry's
/// displacement from its home position (bits 23..=31). The SPI and the two flags are compared in
/// the entry itself; the destination address, the rest of the key, sits in the slot the entry
/// names. A hit therefore costs two memory accesses (entry, slot) and never touches the payload.
pub(super) const SLOT_BITS: u32 = 21;
pub(super) const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
pub(super) const V6_BIT: u64 = 1 << SLOT_BITS;
pub(super) const AH_BIT: u64 = 1 << (SLOT_BITS + 1);
pub(super) const DISP_SHIFT: u32 = SLOT_BITS + 2;
/// Largest displacement an entry can record; an insertion that would need more fails (the
/// index is at most half full and keyed, so probe runs of that length do not occur).
pub(super) const MAX_DISPLACEMENT: usize = (1 << (32 - DISP_SHIFT)) - 1;
/// Everything but the displacement: what identifies an entry.
pub(super) const IDENTITY_MASK: u64 = !(((1u64 << (32 - DISP_SHIFT)) - 1) << DISP_SHIFT);

const _: () = assert!(MAX_CAPACITY < (1 << SLOT_BITS));

/// An inbound key with its keyed hash (which picks the home position), computed before the
/// lock is taken.
#[derive(Clone, Copy)]
pub(super) struct Hashed {
    pub(super) key: InboundKey,
    pub(super) hash: u32,
}

#[inline]
pub(super) fn entry_slot(entry: u64) -> Option<usize> {
    usize::try_from((entry & SLOT_MASK).checked_sub(1)?).ok()
}

#[inline]
pub(super) fn entry_displacement(entry: u64) -> usize {
    ((entry as u32) >> DISP_SHIFT) as usize
}

/// The entry of `key` in slot `idx` with displacement 0 (`None` if `idx` does not fit).
#[inline]
pub(super) fn make_entry(key: &InboundKey, slot: usize) -> Option<u64> {
    let low = u64::try_from(slot.checked_add(1)?).ok()?;
    if low > SLOT_MASK {
        return None;
    }
    Some(identity(key) | low)
}

/// The SPI, family and protocol bits of `key`'s entries.
#[inline]
pub(super) fn identity(key: &InboundKey) -> u64 {
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
pub(super) fn with_displacement(entry: u64, disp: usize) -> Option<u64> {
    if disp > MAX_DISPLACEMENT {
        return None;
    }
    Some((entry & IDENTITY_MASK) | ((disp as u64) << DISP_SHIFT))
}

#[inline]
pub(super) fn hash_of(hash_key: MixKey, key: &InboundKey) -> u32 {
    hash_key.hash(key.words()) as u32
}

/// Number of inbound index slots for `capacity` SAs.
pub(super) fn index_len(capacity: usize) -> Option<usize> {
    capacity
        .checked_mul(MAX_KEYS_PER_SA)?
        .checked_mul(INDEX_SLOTS_PER_KEY)?
        .checked_next_power_of_two()
}

impl<S: SaEntry> TableState<S> {
    /// Slot index of the live SA registered under `key` (whose hash is `hash`): the SPI,
    /// family and protocol are compared in the index entry, the destination in the slot; the
    /// payload is not touched.
    #[inline]
    pub(super) fn find(&self, key: &InboundKey, hash: u32) -> Option<usize> {
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
    pub(super) fn insert_entry(&mut self, key: &InboundKey, hash: u32, idx: usize) -> bool {
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
    pub(super) fn remove_entry(&mut self, key: &InboundKey, hash: u32, idx: usize) -> bool {
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
}
