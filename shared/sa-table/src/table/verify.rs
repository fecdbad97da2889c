//! The table's invariants, checked in full (for tests and debugging).

use super::error::InvariantViolation;
use super::free_list::NIL;
use super::index::{entry_slot, hash_of, make_entry, EMPTY, MAX_DISPLACEMENT, SECOND_BIT};
use super::state::TableState;
use super::SaTable;
use crate::hash::MixKey;
use crate::key::SaEntry;
use crate::lock::SaLock;

impl<S: SaEntry> TableState<S> {
    pub(super) fn verify(&self, hash_key: MixKey) -> Result<(), InvariantViolation> {
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
            cur = slot.link;
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
            let rank = usize::from(e & SECOND_BIT != 0);
            let Some(key) = self.entry_key(e, hash_key) else {
                return fail("index entry's key cannot be rebuilt");
            };
            if !sa.inbound_keys().contains(&key) {
                return fail("index entry matches none of its SA's keys");
            }
            let hash = hash_of(hash_key, &key);
            let slot_idx = entry_slot(e).unwrap_or(usize::MAX);
            if make_entry(&key, hash, slot_idx, rank == 1) != Some(e) {
                return fail("index entry's flags or fingerprint differ from its key's");
            }
            let home = hash as usize & self.mask;
            if pos.wrapping_sub(home) & self.mask > MAX_DISPLACEMENT {
                return fail("index entry further from its home than an insertion may put it");
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

impl<S, L> SaTable<S, L>
where
    S: SaEntry,
    L: SaLock<TableState<S>>,
{
    /// Checks every internal invariant (free list, index consistency and reachability, counts).
    /// O(capacity) under the shared lock; for tests and debugging.
    ///
    /// # Errors
    /// The first violated invariant.
    pub fn verify_invariants(&self) -> Result<(), InvariantViolation> {
        self.lock.read().verify(self.hash_key)
    }
}
