//! The inbound index: open addressing with linear probing and backward-shift deletion over
//! compact `u32` entries — the slot, the key's family and protocol flags, which of its SA's keys
//! it is, and an 8-bit fingerprint of the key's hash — so that at the largest capacity the
//! whole index (16 MiB at 2^20 SAs, 4 bytes × 4 positions per SA) is a fraction of the
//! last-level cache where the 8-byte entries of the previous design took 32 MiB.
//!
//! A lookup compares the flags and the fingerprint in the entry (a wrong key passes with
//! probability 1/256 per occupied position it probes) and then confirms the key in the slot
//! the entry names: the destination and, for the SA's first key, the SPI are kept in the slot;
//! the second key of an ESP+AH bundle is confirmed against the payload (which that packet's
//! AH verification reads anyway).

use super::state::TableState;
use super::MAX_CAPACITY;
use crate::hash::MixKey;
use crate::key::{AddressFamily, InboundKey, IpAddress, IpsecProtocol, SaEntry, MAX_KEYS_PER_SA};

/// The inbound index has at least this many positions per key it can hold (load factor ≤ 1/2).
pub(super) const INDEX_SLOTS_PER_KEY: usize = 2;

/// An empty index position. Occupied entries have a non-zero slot field (slot index + 1).
pub(super) const EMPTY: u32 = 0;

/// Index entry layout (`u32`): the slot index + 1 (bits 0..=20), the address family (bit 21:
/// IPv6), the protocol (bit 22: AH), the key's rank in its SA (bit 23: the SA's second key) and
/// the fingerprint, the top 8 bits of the key's 64-bit hash (bits 24..=31; the home position
/// comes from the low bits).
pub(super) const SLOT_BITS: u32 = 21;
pub(super) const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
pub(super) const V6_BIT: u32 = 1 << SLOT_BITS;
pub(super) const AH_BIT: u32 = 1 << (SLOT_BITS + 1);
pub(super) const SECOND_BIT: u32 = 1 << (SLOT_BITS + 2);
pub(super) const FP_SHIFT: u32 = SLOT_BITS + 3;
/// What a lookup compares in the entry: flags and fingerprint.
pub(super) const TAG_MASK: u32 = V6_BIT | AH_BIT | (0xff << FP_SHIFT);
/// Longest probe an insertion may take; backward-shift deletion only shortens displacements,
/// so no entry is ever further from its home and a lookup stops there (the index is at most
/// half full and keyed, so probe runs of that length do not occur).
pub(super) const MAX_DISPLACEMENT: usize = 511;

const _: () = assert!(MAX_CAPACITY < (1 << SLOT_BITS));

/// An inbound key with its keyed hash (the low bits pick the home position, the top 8 bits are
/// the fingerprint), computed before the lock is taken.
#[derive(Clone, Copy)]
pub(super) struct Hashed {
    pub(super) key: InboundKey,
    pub(super) hash: u64,
}

#[inline]
pub(super) fn entry_slot(entry: u32) -> Option<usize> {
    usize::try_from((entry & SLOT_MASK).checked_sub(1)?).ok()
}

/// The flags and fingerprint of `key` whose hash is `hash`.
#[inline]
pub(super) fn tag(key: &InboundKey, hash: u64) -> u32 {
    let mut e = ((hash >> 56) as u32) << FP_SHIFT;
    if key.dst.family() == AddressFamily::V6 {
        e |= V6_BIT;
    }
    if key.proto == IpsecProtocol::Ah {
        e |= AH_BIT;
    }
    e
}

/// The entry of `key` (rank `second` in its SA) in slot `slot` (`None` if `slot` does not fit).
#[inline]
pub(super) fn make_entry(key: &InboundKey, hash: u64, slot: usize, second: bool) -> Option<u32> {
    let low = u32::try_from(slot.checked_add(1)?).ok()?;
    if low > SLOT_MASK {
        return None;
    }
    Some(tag(key, hash) | low | if second { SECOND_BIT } else { 0 })
}

#[inline]
pub(super) fn hash_of(hash_key: MixKey, key: &InboundKey) -> u64 {
    hash_key.hash(key.words())
}

/// Number of inbound index positions for `capacity` SAs.
pub(super) fn index_len(capacity: usize) -> Option<usize> {
    capacity
        .checked_mul(MAX_KEYS_PER_SA)?
        .checked_mul(INDEX_SLOTS_PER_KEY)?
        .checked_next_power_of_two()
}

impl<S: SaEntry> TableState<S> {
    /// Whether the entry `e` (whose flags and fingerprint match) is `key`'s: the destination
    /// in the slot, the SPI in the slot for a first key, in the payload for a second one.
    #[inline]
    pub(super) fn confirm(&self, e: u32, key: &InboundKey) -> Option<usize> {
        let idx = entry_slot(e)?;
        let slot = self.slots.get(idx)?;
        let sa = slot.sa.as_ref()?;
        if slot.dst != *key.dst.raw_bytes() {
            return None;
        }
        let hit = if e & SECOND_BIT == 0 {
            slot.link == key.spi
        } else {
            sa.inbound_keys().contains(key)
        };
        hit.then_some(idx)
    }

    /// Slot index of the live SA registered under `key` (whose hash is `hash`).
    #[inline]
    pub(super) fn find(&self, key: &InboundKey, hash: u64) -> Option<usize> {
        let want = tag(key, hash);
        let mut pos = hash as usize & self.mask;
        for _ in 0..=MAX_DISPLACEMENT {
            let entry = *self.index.get(pos)?;
            if entry == EMPTY {
                return None;
            }
            if entry & TAG_MASK == want {
                if let Some(idx) = self.confirm(entry, key) {
                    return Some(idx);
                }
            }
            pos = (pos + 1) & self.mask;
        }
        None
    }

    /// The key the live entry `e` stands for, rebuilt from its slot (first key) or found in its
    /// payload (second key: the key whose entry is `e`; of two such keys, the one whose SPI is
    /// not the first key's): deletion needs it to find where a following entry's home is.
    pub(super) fn entry_key(&self, e: u32, hash_key: MixKey) -> Option<InboundKey> {
        let idx = entry_slot(e)?;
        let slot = self.slots.get(idx)?;
        if e & SECOND_BIT != 0 {
            let keys = slot.sa.as_ref()?.inbound_keys();
            let mut matching = keys
                .iter()
                .filter(|k| make_entry(k, hash_of(hash_key, k), idx, true) == Some(e));
            let first = matching.next().copied();
            return match matching.next() {
                Some(other) if first.is_some_and(|f| f.spi == slot.link) => Some(*other),
                _ => first,
            };
        }
        let dst = if e & V6_BIT != 0 {
            IpAddress::v6(slot.dst)
        } else {
            let [a, b, c, d, ..] = slot.dst;
            IpAddress::v4([a, b, c, d])
        };
        let proto = if e & AH_BIT != 0 {
            IpsecProtocol::Ah
        } else {
            IpsecProtocol::Esp
        };
        Some(InboundKey::new(slot.link, dst, proto))
    }

    /// Puts the entry of `key` → `idx` in the first empty position from its home. False if
    /// there is none within [`MAX_DISPLACEMENT`].
    pub(super) fn insert_entry(&mut self, k: &Hashed, idx: usize, second: bool) -> bool {
        let Some(entry) = make_entry(&k.key, k.hash, idx, second) else {
            return false;
        };
        let mut pos = k.hash as usize & self.mask;
        for _ in 0..=MAX_DISPLACEMENT.min(self.mask) {
            match self.index.get_mut(pos) {
                Some(e) if *e == EMPTY => {
                    *e = entry;
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
    /// tombstones exist. Every entry it moves must belong to a live SA (their homes are found
    /// by rehashing their keys). False if the entry is not present.
    pub(super) fn remove_entry(
        &mut self,
        k: &Hashed,
        idx: usize,
        second: bool,
        hash_key: MixKey,
    ) -> bool {
        let Some(entry) = make_entry(&k.key, k.hash, idx, second) else {
            return false;
        };
        let mask = self.mask;
        let mut pos = k.hash as usize & mask;
        let mut found = None;
        for _ in 0..=MAX_DISPLACEMENT.min(mask) {
            match self.index.get(pos) {
                Some(&EMPTY) | None => return false,
                Some(&e) if e == entry => {
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
            // An entry whose key cannot be rebuilt (impossible while the invariants hold) is
            // treated as being at its home: it stays where it is.
            let home = self
                .entry_key(e, hash_key)
                .map_or(j, |key| hash_of(hash_key, &key) as usize & mask);
            // Move `e` into the hole unless its home lies cyclically in (hole, j].
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                if let Some(h) = self.index.get_mut(hole) {
                    *h = e;
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
