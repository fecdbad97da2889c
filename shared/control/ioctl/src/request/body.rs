//! The reader of a request's body: its fixed part by words, its arrays as checked regions, and
//! the check that nothing trails them.

use crate::error::{Fault, Field};
use crate::wire::{disjoint, region, Reader, Region, REQUEST_HEADER_LEN, SELECTOR_LEN};

use super::fields::{Selectors, U32s};

pub(super) struct Body<'a> {
    pub(super) msg: &'a [u8],
    pub(super) r: Reader<'a>,
    pub(super) fixed_end: usize,
}

impl<'a> Body<'a> {
    /// The message with a fixed body of `n` bytes after the header.
    pub(super) fn new(msg: &'a [u8], n: usize) -> Result<Self, Fault> {
        let fixed_end = REQUEST_HEADER_LEN + n;
        if msg.len() < fixed_end {
            return Err(Fault::TooShort);
        }
        Ok(Self {
            msg,
            r: Reader::new(msg),
            fixed_end,
        })
    }

    /// Exactly `n` bytes of fixed body, nothing after it.
    pub(super) fn exact(msg: &'a [u8], n: usize) -> Result<Self, Fault> {
        let b = Self::new(msg, n)?;
        if msg.len() != b.fixed_end {
            return Err(Fault::LengthMismatch);
        }
        Ok(b)
    }

    /// The u32 at body offset `i` (0-based, in words).
    pub(super) fn w(&self, i: usize) -> Result<u32, Fault> {
        self.r.u32(REQUEST_HEADER_LEN + 4 * i)
    }

    pub(super) fn region(
        &self,
        count_word: usize,
        off_word: usize,
        stride: usize,
        max: u32,
        field: Field,
    ) -> Result<Region, Fault> {
        region(
            self.msg.len(),
            self.fixed_end,
            self.w(off_word)?,
            self.w(count_word)?,
            stride,
            max,
            field,
        )
    }

    pub(super) fn u32s(
        &self,
        count_word: usize,
        off_word: usize,
        field: Field,
    ) -> Result<(U32s<'a>, Region), Fault> {
        let r = self.region(count_word, off_word, 4, u32::MAX, field)?;
        Ok((U32s::new(self.msg, r), r))
    }

    pub(super) fn selectors(
        &self,
        count_word: usize,
        off_word: usize,
    ) -> Result<(Selectors<'a>, Region), Fault> {
        let r = self.region(
            count_word,
            off_word,
            SELECTOR_LEN,
            u32::MAX,
            Field::Selectors,
        )?;
        Ok((Selectors::checked(self.msg, r)?, r))
    }

    /// The arrays are disjoint and the message ends where the last of them (or the fixed part)
    /// ends: no trailing bytes.
    pub(super) fn done(&self, regions: &[Region]) -> Result<(), Fault> {
        disjoint(regions)?;
        self.ends_at(regions.iter().map(|r| r.offset + r.len()))
    }

    pub(super) fn ends_at(&self, ends: impl Iterator<Item = usize>) -> Result<(), Fault> {
        let end = ends.fold(self.fixed_end, usize::max);
        if end == self.msg.len() {
            Ok(())
        } else {
            Err(Fault::TrailingBytes)
        }
    }
}
