//! Anti-replay (RFC 4303 §3.4.3, Appendix A) and outbound sequence numbers.
//!
//! The window is an RFC 6479-style ring of `u64` blocks allocated once at SA
//! setup; per packet nothing is allocated. Processing is two-phase like
//! Linux `xfrm_replay` / boringtun: [`ReplayWindow::check`] before the ICV
//! (cheap rejection, infers the ESN high half that the ICV needs), and
//! [`ReplayWindow::advance`] only after the ICV verified — a packet with a
//! bad ICV never moves the window.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::error::{PacketError, SetupError};

/// Smallest supported window (bits).
pub const MIN_WINDOW: u32 = 32;
/// Largest supported window (bits).
pub const MAX_WINDOW: u32 = 4096;

/// Receive-side anti-replay state for one inbound SA.
#[derive(Debug)]
pub struct ReplayWindow {
    /// Ring of bit blocks: bit `s % (64 * len)` stands for sequence number `s`.
    bitmap: Box<[u64]>,
    /// Window size W in bits.
    window: u32,
    /// Highest authenticated sequence number T (full 64 bits with ESN).
    top: u64,
    esn: bool,
}

impl ReplayWindow {
    /// Create a window of `window` bits (32..=4096). This is the only
    /// allocation (`ceil(W / 64) + 1` words).
    pub fn new(window: u32, esn: bool) -> Result<Self, SetupError> {
        if !(MIN_WINDOW..=MAX_WINDOW).contains(&window) {
            return Err(SetupError::ReplayWindowSize);
        }
        // One spare block so that sliding can clear whole blocks (RFC 6479).
        let blocks = window.div_ceil(64) as usize + 1;
        let mut bitmap = Vec::new();
        bitmap
            .try_reserve_exact(blocks)
            .map_err(|_| SetupError::NoMemory)?;
        bitmap.resize(blocks, 0u64);
        Ok(Self {
            bitmap: bitmap.into_boxed_slice(),
            window,
            top: 0,
            esn,
        })
    }

    /// Create a window whose highest received number is `last` (iproute2
    /// `replay-seq`/`replay-seq-hi`, e.g. after migrating an SA): `last` and
    /// every number inside the window below it count as received, so
    /// nothing that may already have been accepted can be replayed.
    /// `last == 0` is the same as [`ReplayWindow::new`].
    pub fn starting_at(window: u32, esn: bool, last: u64) -> Result<Self, SetupError> {
        let mut w = Self::new(window, esn)?;
        if last == 0 {
            return Ok(w);
        }
        w.top = if esn {
            last
        } else {
            last & u64::from(u32::MAX)
        };
        let low = w.top.saturating_sub(u64::from(window) - 1).max(1);
        for s in low..=w.top {
            let (blk, bit) = w.bit_pos(s);
            if let Some(b) = w.bitmap.get_mut(blk) {
                *b |= bit;
            }
        }
        Ok(w)
    }

    /// Window size W in bits.
    pub fn window(&self) -> u32 {
        self.window
    }

    /// Highest sequence number accepted so far (T).
    pub fn top(&self) -> u64 {
        self.top
    }

    /// Infer the high 32 bits of a received 32-bit sequence number (RFC 4303
    /// Appendix A2.2). Without ESN this is always 0. `None` when the
    /// inferred number would precede sequence number 0.
    pub fn infer_seq_hi(&self, seq_lo: u32) -> Option<u32> {
        if !self.esn {
            return Some(0);
        }
        let tl = self.top as u32;
        let th = (self.top >> 32) as u32;
        let w = self.window;
        let bottom = tl.wrapping_sub(w).wrapping_add(1);
        if tl >= w - 1 {
            // Case A: window within one sequence-number subspace.
            if seq_lo >= bottom {
                Some(th)
            } else {
                th.checked_add(1)
            }
        } else if seq_lo >= bottom {
            // Case B: window spans two subspaces; Seql in the upper part
            // belongs to the previous subspace.
            th.checked_sub(1)
        } else {
            Some(th)
        }
    }

    fn bit_pos(&self, seq: u64) -> (usize, u64) {
        let bits = (self.bitmap.len() as u64) * 64;
        let idx = seq % bits;
        ((idx / 64) as usize, 1u64 << (idx % 64))
    }

    /// Phase one, before the ICV: infer the full sequence number and reject
    /// zero, too-old and duplicate numbers. Returns the full 64-bit sequence
    /// number (its high half is what the ICV must cover with ESN).
    pub fn check(&self, seq_lo: u32) -> Result<u64, PacketError> {
        let hi = self.infer_seq_hi(seq_lo).ok_or(PacketError::TooOld)?;
        let seq = (u64::from(hi) << 32) | u64::from(seq_lo);
        self.check_full(seq)?;
        Ok(seq)
    }

    fn check_full(&self, seq: u64) -> Result<(), PacketError> {
        if seq == 0 {
            return Err(PacketError::SequenceZero);
        }
        if seq > self.top {
            return Ok(());
        }
        if self.top - seq >= u64::from(self.window) {
            return Err(PacketError::TooOld);
        }
        let (blk, bit) = self.bit_pos(seq);
        match self.bitmap.get(blk) {
            Some(w) if w & bit != 0 => Err(PacketError::Replayed),
            Some(_) => Ok(()),
            None => Err(PacketError::TooOld),
        }
    }

    /// Phase two, after the ICV verified: record `seq` (the value returned
    /// by [`check`](Self::check)) and slide the window if it is new. Checks
    /// again, so two packets racing between the phases cannot both pass.
    pub fn advance(&mut self, seq: u64) -> Result<(), PacketError> {
        self.check_full(seq)?;
        let len = self.bitmap.len() as u64;
        if seq > self.top {
            let old_blk = self.top / 64;
            let new_blk = seq / 64;
            // Clear the blocks the window slides into (at most all of them).
            let diff = (new_blk - old_blk).min(len);
            for i in 1..=diff {
                let b = ((old_blk + i) % len) as usize;
                if let Some(w) = self.bitmap.get_mut(b) {
                    *w = 0;
                }
            }
            self.top = seq;
        }
        let (blk, bit) = self.bit_pos(seq);
        if let Some(w) = self.bitmap.get_mut(blk) {
            *w |= bit;
        }
        Ok(())
    }
}

/// Outbound sequence numbers: start at 1, never wrap (2^32 − 1 is the last
/// without ESN, 2^64 − 1 with ESN); the SA must be rekeyed after that.
#[derive(Debug)]
pub struct OutboundSequence {
    next: AtomicU64,
    esn: bool,
}

impl OutboundSequence {
    /// New counter; the first number handed out is 1.
    pub fn new(esn: bool) -> Self {
        Self {
            next: AtomicU64::new(1),
            esn,
        }
    }

    /// Start at `next` (for tests and SA migration).
    pub fn starting_at(next: u64, esn: bool) -> Self {
        Self {
            next: AtomicU64::new(next),
            esn,
        }
    }

    fn limit(&self) -> u64 {
        if self.esn {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        }
    }

    /// Next sequence number (full 64 bits; the wire carries the low 32).
    pub fn next(&self) -> Result<u64, PacketError> {
        let limit = self.limit();
        // The counter holds the next value; `limit + 1` (or overflow) means exhausted.
        self.next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                if v == 0 || v > limit {
                    None
                } else {
                    // After u64::MAX (ESN) the counter wraps to 0, the "exhausted" marker;
                    // without ESN it reaches 2^32, above the limit.
                    Some(v.wrapping_add(1))
                }
            })
            .map_err(|_| PacketError::SequenceExhausted)
    }
}
