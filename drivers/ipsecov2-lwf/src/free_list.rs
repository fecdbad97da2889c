//! A bounded LIFO free list whose storage is reserved once, at creation: `push` and `pop` never
//! allocate, so the kernel transmit pool and receive scratch pool can use it on the datapath
//! (under the module's spin lock). Portable and tested on the host.
#![forbid(unsafe_code)]

use alloc::vec::Vec;

/// A free list of up to `capacity` entries.
#[derive(Debug)]
pub struct FreeList<T> {
    items: Vec<T>,
    capacity: usize,
}

/// `push` on a full list (an entry returned twice, or one that never came from the pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl<T> FreeList<T> {
    /// An empty list with room for `capacity` entries; `None` if that memory cannot be
    /// allocated (never panics).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Option<Self> {
        let mut items = Vec::new();
        items.try_reserve_exact(capacity).ok()?;
        Some(Self { items, capacity })
    }

    /// Returns an entry to the list. Never allocates.
    ///
    /// # Errors
    ///
    /// [`Full`] when the list already holds `capacity` entries (the entry is handed back).
    pub fn push(&mut self, item: T) -> Result<(), (Full, T)> {
        if self.items.len() >= self.capacity {
            return Err((Full, item));
        }
        // Within the reserved capacity: no reallocation.
        self.items.push(item);
        Ok(())
    }

    /// Takes an entry; `None` when the list is empty. Never allocates.
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    /// Entries currently in the list.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The most entries the list holds.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Takes every entry out (e.g. to free them at detach).
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.items.drain(..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lifo_without_reallocation() {
        let mut f = FreeList::with_capacity(3).expect("memory");
        assert!(f.is_empty());
        let base = f.items.as_ptr();
        for i in 0..3 {
            assert!(f.push(i).is_ok());
        }
        assert_eq!(f.push(9), Err((Full, 9)));
        assert_eq!(f.len(), 3);
        assert_eq!(f.items.as_ptr(), base, "no reallocation");
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
