//! A fixed-capacity table of records named by generation-tagged 32-bit handles: the low 16 bits
//! are the slot number plus one (so a handle is never 0, the agreement's invalid value), the high
//! 16 bits the slot's generation (a stale handle does not name the slot's next record).
//! Storage is reserved when the table is created; inserting never allocates.

use alloc::vec::Vec;

use crate::error::PlaneError;

#[derive(Debug)]
struct Slot<T> {
    generation: u16,
    item: Option<T>,
}

/// The table.
#[derive(Debug)]
pub struct Slab<T> {
    slots: Vec<Slot<T>>,
    capacity: usize,
    len: usize,
}

/// Slots a slab can name (16-bit slot numbers).
pub const MAX_SLOTS: usize = 0xFFFF;

impl<T> Slab<T> {
    /// A table of at most `capacity` records (clamped to [`MAX_SLOTS`]), storage reserved now.
    pub fn new(capacity: usize) -> Result<Self, PlaneError> {
        let capacity = capacity.min(MAX_SLOTS);
        let mut slots = Vec::new();
        slots.try_reserve_exact(capacity)?;
        Ok(Self {
            slots,
            capacity,
            len: 0,
        })
    }

    fn handle(index: usize, generation: u16) -> u32 {
        let slot = u32::try_from(index + 1).unwrap_or(0) & 0xFFFF;
        (u32::from(generation) << 16) | slot
    }

    fn index(handle: u32) -> Option<(usize, u16)> {
        let slot = usize::try_from(handle & 0xFFFF).ok()?.checked_sub(1)?;
        let generation = u16::try_from(handle >> 16).ok()?;
        Some((slot, generation))
    }

    /// Records held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when another record fits.
    #[must_use]
    pub fn has_room(&self, n: usize) -> bool {
        self.len.saturating_add(n) <= self.capacity
    }

    /// Stores a record; `NPF_IPSEC_E_NOMEMORY` at the maximum.
    pub fn insert(&mut self, item: T) -> Result<u32, PlaneError> {
        if let Some((i, slot)) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, s)| s.item.is_none())
        {
            slot.generation = slot.generation.wrapping_add(1);
            slot.item = Some(item);
            self.len += 1;
            return Ok(Self::handle(i, slot.generation));
        }
        if self.slots.len() >= self.capacity {
            return Err(PlaneError::NoMemory);
        }
        // Within the capacity reserved at creation: no reallocation.
        self.slots.try_reserve(1)?;
        let i = self.slots.len();
        self.slots.push(Slot {
            generation: 1,
            item: Some(item),
        });
        self.len += 1;
        Ok(Self::handle(i, 1))
    }

    /// The record of `handle`.
    #[must_use]
    pub fn get(&self, handle: u32) -> Option<&T> {
        let (i, g) = Self::index(handle)?;
        let slot = self.slots.get(i)?;
        if slot.generation == g {
            slot.item.as_ref()
        } else {
            None
        }
    }

    /// The record of `handle`, mutably.
    pub fn get_mut(&mut self, handle: u32) -> Option<&mut T> {
        let (i, g) = Self::index(handle)?;
        let slot = self.slots.get_mut(i)?;
        if slot.generation == g {
            slot.item.as_mut()
        } else {
            None
        }
    }

    /// Removes and returns the record of `handle`.
    pub fn remove(&mut self, handle: u32) -> Option<T> {
        let (i, g) = Self::index(handle)?;
        let slot = self.slots.get_mut(i)?;
        if slot.generation != g {
            return None;
        }
        let item = slot.item.take();
        if item.is_some() {
            self.len -= 1;
        }
        item
    }

    /// Every record with its handle, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.item.as_ref().map(|t| (Self::handle(i, s.generation), t)))
    }

    /// Every record with its handle, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> + '_ {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.item.as_mut().map(|t| (Self::handle(i, s.generation), t)))
    }
}
