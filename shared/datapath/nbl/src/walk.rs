//! The MDL segment walker: the one place that follows `MDL::Next`, reads `ByteCount`, asks the
//! mapper for system addresses and computes data pointers.

use core::ptr::NonNull;

use ipsecov2_abi::MDL;

use crate::{MdlMapper, NblError};

/// `mdl->ByteCount`.
///
/// # Safety
///
/// `mdl` points to a live MDL header of a chain the caller owns.
#[inline]
unsafe fn byte_count(mdl: NonNull<MDL>) -> usize {
    // SAFETY: the caller guarantees `mdl` points to a live MDL header.
    let count = unsafe { (*mdl.as_ptr()).ByteCount };
    count as usize
}

/// `mdl->Next` (`NDIS_MDL_LINKAGE`).
///
/// # Safety
///
/// `mdl` points to a live MDL header of a chain the caller owns.
#[inline]
unsafe fn next_mdl(mdl: NonNull<MDL>) -> Option<NonNull<MDL>> {
    // SAFETY: the caller guarantees `mdl` points to a live MDL header.
    let next = unsafe { (*mdl.as_ptr()).Next };
    NonNull::new(next)
}

/// Walks the bytes `[offset, offset + len)` of a NET_BUFFER's data as a sequence of
/// `(pointer, length)` pieces, one per MDL touched, checking every length, offset and mapping on
/// the way. After an error the walker is exhausted.
pub(crate) struct RawSegments<'m, M: ?Sized> {
    /// The MDL holding the next byte to yield (`None`: the chain ended).
    mdl: Option<NonNull<MDL>>,
    /// Offset of the next byte inside `mdl`.
    start: usize,
    /// Bytes still to yield.
    remaining: usize,
    /// `DataLength` of the NET_BUFFER, for error reports.
    data_length: u32,
    mapper: &'m M,
}

impl<'m, M: MdlMapper + ?Sized> RawSegments<'m, M> {
    /// A walker over `[offset, offset + len)` of the data that starts at byte `first_offset` of
    /// `first` (`CurrentMdl`, `CurrentMdlOffset`) and is `data_length` bytes long. Moves to the
    /// MDL holding `offset`, checking the MDLs it passes.
    ///
    /// # Safety
    ///
    /// `first` is NULL or the first of a NULL-terminated chain of live MDL headers (linked by
    /// `Next`) that the caller owns, with the guarantees of [`crate::NblChain::from_raw`], for as
    /// long as the walker and every pointer it yields are used.
    pub(crate) unsafe fn new(
        first: Option<NonNull<MDL>>,
        first_offset: u32,
        data_length: u32,
        offset: usize,
        len: usize,
        mapper: &'m M,
    ) -> Result<Self, NblError> {
        let data_len = data_length as usize;
        match offset.checked_add(len) {
            Some(end) if end <= data_len => {}
            _ => {
                return Err(NblError::RangeOutOfBounds {
                    offset,
                    len,
                    data_length: data_len,
                })
            }
        }
        let mut walker = Self {
            mdl: first,
            start: first_offset as usize,
            remaining: 0,
            data_length,
            mapper,
        };
        if len == 0 {
            // Touches no byte: nothing to check, nothing to yield.
            return Ok(walker);
        }
        let Some(head) = first else {
            return Err(NblError::NullCurrentMdl);
        };
        // SAFETY: `head` is a live MDL of the owned chain (caller contract).
        let head_count = unsafe { byte_count(head) };
        if walker.start >= head_count {
            return Err(NblError::CurrentMdlOffsetOutOfRange {
                offset: first_offset,
                byte_count: head_count as u32,
            });
        }
        let mut skip = offset;
        loop {
            let Some(mdl) = walker.mdl else {
                return Err(NblError::DataBeyondMdlChain { data_length });
            };
            // SAFETY: `mdl` is `first` or was reached through `Next` from it: a live MDL of the
            // owned chain (caller contract).
            let count = unsafe { byte_count(mdl) };
            if count == 0 {
                return Err(NblError::ZeroLengthMdl);
            }
            // `start` is below `count`: checked above for the head, 0 afterwards.
            let avail = count.saturating_sub(walker.start);
            if skip < avail {
                walker.start += skip;
                break;
            }
            skip -= avail;
            walker.start = 0;
            // SAFETY: as above.
            walker.mdl = unsafe { next_mdl(mdl) };
        }
        walker.remaining = len;
        Ok(walker)
    }

    /// Bytes of the requested range not yet yielded (0 after an error).
    pub(crate) fn remaining(&self) -> usize {
        self.remaining
    }

    /// The next piece: a pointer valid for reads and writes of `len` bytes (the MDLs of one
    /// NET_BUFFER describe disjoint memory, so pieces never overlap), or the error that stops
    /// the walk.
    pub(crate) fn next_raw(&mut self) -> Option<Result<(NonNull<u8>, usize), NblError>> {
        if self.remaining == 0 {
            return None;
        }
        let piece = self.step();
        if piece.is_err() {
            self.remaining = 0;
        }
        Some(piece)
    }

    fn step(&mut self) -> Result<(NonNull<u8>, usize), NblError> {
        let Some(mdl) = self.mdl else {
            return Err(NblError::DataBeyondMdlChain {
                data_length: self.data_length,
            });
        };
        // SAFETY: `mdl` was reached from `first` through `Next`: a live MDL of the owned chain
        // (contract of `new`).
        let count = unsafe { byte_count(mdl) };
        if count == 0 {
            return Err(NblError::ZeroLengthMdl);
        }
        let avail = count.saturating_sub(self.start);
        if avail == 0 {
            return Err(NblError::CurrentMdlOffsetOutOfRange {
                offset: self.start as u32,
                byte_count: count as u32,
            });
        }
        // SAFETY: `mdl` is a live MDL of the owned chain (contract of `new`).
        let base = unsafe { self.mapper.system_address(mdl) }.ok_or(NblError::MdlNotMapped)?;
        if base.as_ptr().addr().checked_add(count).is_none() {
            return Err(NblError::MdlAddressOverflow);
        }
        let take = avail.min(self.remaining);
        // SAFETY: `start < count`, and the mapper guarantees `base` is valid for `count` bytes
        // (one allocation, not wrapping: checked above), so `base + start` stays inside it.
        let piece = unsafe { base.add(self.start) };
        self.remaining -= take;
        if self.remaining == 0 {
            self.start += take;
        } else {
            self.start = 0;
            // SAFETY: `mdl` is a live MDL of the owned chain (contract of `new`).
            self.mdl = unsafe { next_mdl(mdl) };
        }
        Ok((piece, take))
    }
}
