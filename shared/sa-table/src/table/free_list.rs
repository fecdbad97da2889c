//! The intrusive FIFO free list threaded through the slot array (`Slot::link`).

use super::state::TableState;

/// End of the free list.
pub(super) const NIL: u32 = u32::MAX;

impl<S> TableState<S> {
    /// The oldest free slot, the one the next add takes; `None` if every slot is live or
    /// retired.
    pub(super) fn first_free(&self) -> Option<usize> {
        (self.free_head != NIL).then_some(self.free_head as usize)
    }

    /// Takes the oldest free slot (see [`first_free`](Self::first_free)) off the list.
    pub(super) fn unlink_first_free(&mut self) {
        let Some(slot) = self.slots.get_mut(self.free_head as usize) else {
            return;
        };
        self.free_head = slot.link;
        if self.free_head == NIL {
            self.free_tail = NIL;
        }
        slot.link = NIL;
    }

    /// Appends slot `idx` to the tail of the FIFO free list (FIFO spreads reuse over all slots,
    /// so a slot's generation advances as slowly as possible).
    pub(super) fn push_free(&mut self, idx: usize) {
        let Ok(idx32) = u32::try_from(idx) else {
            return;
        };
        if let Some(slot) = self.slots.get_mut(idx) {
            slot.link = NIL;
        }
        match self.slots.get_mut(self.free_tail as usize) {
            Some(tail) if self.free_tail != NIL => tail.link = idx32,
            _ => self.free_head = idx32,
        }
        self.free_tail = idx32;
    }
}
