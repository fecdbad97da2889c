//! A bounded LIFO free list whose storage is reserved once, at creation: `push` and `pop` never
//! allocate, so the kernel transmit pool and receive scratch pool can use it on the datapath
//! (under the module's spin lock). Portable and tested on the host.
//!
//! The entries live in a fixed slice of slots sized at creation, indexed by `len`: `push` writes
//! a slot, it never calls `Vec::push`, whose growth path (`RawVec::grow_one`, then the
//! allocation-failure bug check) would otherwise be linked into every caller, send completion
//! and receive return included, even though the reserved capacity means it is never taken.
#![forbid(unsafe_code)]

use alloc::boxed::Box;
use alloc::vec::Vec;

/// A free list of up to `capacity` entries.
#[derive(Debug)]
pub struct FreeList<T> {
    slots: Box<[Option<T>]>,
    len: usize,
}

/// `push` on a full list (an entry returned twice, or one that never came from the pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl<T> FreeList<T> {
    /// An empty list with room for `capacity` entries; `None` if that memory cannot be
    /// allocated (never panics). Called at attach and at driver load, never per packet.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Option<Self> {
        let mut slots = Vec::new();
        slots.try_reserve_exact(capacity).ok()?;
        // Within the capacity just reserved: fills the slots without reallocating.
        slots.resize_with(capacity, || None);
        Some(Self {
            slots: slots.into_boxed_slice(),
            len: 0,
        })
    }

    /// Returns an entry to the list. Never allocates.
    ///
    /// # Errors
    ///
    /// [`Full`] when the list already holds `capacity` entries (the entry is handed back).
    pub fn push(&mut self, item: T) -> Result<(), (Full, T)> {
        match self.slots.get_mut(self.len) {
            Some(slot) => {
                *slot = Some(item);
                self.len += 1;
                Ok(())
            }
            None => Err((Full, item)),
        }
    }

    /// Takes an entry; `None` when the list is empty. Never allocates.
    pub fn pop(&mut self) -> Option<T> {
        let last = self.len.checked_sub(1)?;
        let item = self.slots.get_mut(last)?.take();
        self.len = last;
        item
    }

    /// Entries currently in the list.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most entries the list holds.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Takes every entry out (e.g. to free them at detach), oldest first.
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        let len = core::mem::take(&mut self.len);
        self.slots.iter_mut().take(len).filter_map(Option::take)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lifo_without_reallocation() {
        let mut f = FreeList::with_capacity(3).expect("memory");
        assert!(f.is_empty());
        let base = f.slots.as_ptr();
        for i in 0..3 {
            assert!(f.push(i).is_ok());
        }
        assert_eq!(f.push(9), Err((Full, 9)));
        assert_eq!(f.len(), 3);
        assert_eq!(f.slots.as_ptr(), base, "no reallocation");
        assert_eq!(f.pop(), Some(2));
        assert_eq!(f.pop(), Some(1));
        assert!(f.push(7).is_ok());
        assert_eq!(f.drain().collect::<Vec<_>>(), [0, 7]);
        assert_eq!(f.pop(), None);
        assert_eq!(f.capacity(), 3);
    }

    #[test]
    fn zero_capacity_and_huge_capacity() {
        let mut f = FreeList::<u8>::with_capacity(0).expect("empty");
        assert_eq!(f.push(1), Err((Full, 1)));
        assert!(FreeList::<u64>::with_capacity(usize::MAX).is_none());
    }
}
