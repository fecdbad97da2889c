//! The byte view of a NET_BUFFER's data across its MDL chain.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use ipsecov2_abi::MDL;

use crate::walk::RawSegments;
use crate::{MdlMapper, NblError};

/// The `DataLength` bytes of one NET_BUFFER, starting at `CurrentMdl` + `CurrentMdlOffset`, as
/// one logical byte string over possibly many MDLs (header/data split, 1-byte MDLs, ...).
///
/// Obtained from [`NetBuffer::data`](crate::NetBuffer::data), which validated the geometry.
/// Offsets are relative to the start of the data (`NdisGetDataBuffer` semantics). Every offset
/// and length is checked; nothing here panics or allocates.
///
/// Typical header handling: [`NbData::get_data_buffer`] (or [`NbData::read_array`]) into a stack
/// buffer, parse, then [`NbData::copy_in`] the modified bytes back. Bulk in-place crypto:
/// [`NbData::segments_mut`].
pub struct NbData<'d, M: ?Sized> {
    first: Option<NonNull<MDL>>,
    first_offset: u32,
    data_length: u32,
    mapper: &'d M,
    _data: PhantomData<&'d mut [u8]>,
}

impl<M: ?Sized> fmt::Debug for NbData<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NbData")
            .field("first_mdl", &self.first)
            .field("first_offset", &self.first_offset)
            .field("data_length", &self.data_length)
            .finish_non_exhaustive()
    }
}

impl<'d, M: MdlMapper + ?Sized> NbData<'d, M> {
    /// Validates and wraps the data of a NET_BUFFER.
    ///
    /// # Safety
    ///
    /// `first` (`CurrentMdl`) is NULL or starts a chain of MDLs owned exclusively for `'d`
    /// with the guarantees of [`NblChain::from_raw`](crate::NblChain::from_raw).
    pub(crate) unsafe fn new(
        first: Option<NonNull<MDL>>,
        first_offset: u32,
        data_length: u32,
        mapper: &'d M,
    ) -> Result<Self, NblError> {
        let view = Self {
            first,
            first_offset,
            data_length,
            mapper,
            _data: PhantomData,
        };
        let mut walk = view.walker(0, view.len())?;
        while let Some(piece) = walk.next_raw() {
            piece?;
        }
        Ok(view)
    }

    fn walker(&self, offset: usize, len: usize) -> Result<RawSegments<'d, M>, NblError> {
        // SAFETY: `first` starts an MDL chain owned for `'d` (contract of `new`).
        unsafe {
            RawSegments::new(
                self.first,
                self.first_offset,
                self.data_length,
                offset,
                len,
                self.mapper,
            )
        }
    }

    /// `DataLength`.
    #[must_use]
    pub fn len(&self) -> usize {
        self.data_length as usize
    }

    /// `true` when `DataLength` is 0.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data_length == 0
    }

    /// Copies `dst.len()` bytes starting at `offset` into `dst`.
    ///
    /// # Errors
    ///
    /// [`NblError::RangeOutOfBounds`] when the range is not inside the data; the chain errors of
    /// [`NetBuffer::data`](crate::NetBuffer::data) if the MDLs changed since (`dst` is then
    /// partly written).
    pub fn copy_out(&self, offset: usize, dst: &mut [u8]) -> Result<(), NblError> {
        let range_err = self.range_error(offset, dst.len());
        let mut walk = self.walker(offset, dst.len())?;
        let mut rest = dst;
        while let Some(piece) = walk.next_raw() {
            let (ptr, n) = piece?;
            // SAFETY: the walker yields pointers valid for `n` bytes of one MDL of this
            // NET_BUFFER, owned for `'d`; `&self` excludes writers through this view.
            let src = unsafe { core::slice::from_raw_parts(ptr.as_ptr(), n) };
            let (head, tail) = rest.split_at_mut_checked(n).ok_or(range_err)?;
            head.copy_from_slice(src);
            rest = tail;
        }
        Ok(())
    }

    /// Copies `src` into the data starting at `offset`.
    ///
    /// # Errors
    ///
    /// As [`NbData::copy_out`].
    pub fn copy_in(&mut self, offset: usize, src: &[u8]) -> Result<(), NblError> {
        let range_err = self.range_error(offset, src.len());
        let mut walk = self.walker(offset, src.len())?;
        let mut rest = src;
        while let Some(piece) = walk.next_raw() {
            let (ptr, n) = piece?;
            // SAFETY: the walker yields pointers valid for reads and writes of `n` bytes of one
            // MDL of this NET_BUFFER, owned exclusively for `'d` and borrowed `&mut` here.
            let dst = unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), n) };
            let (head, tail) = rest.split_at_checked(n).ok_or(range_err)?;
            dst.copy_from_slice(head);
            rest = tail;
        }
        Ok(())
    }

    /// Reads `N` bytes at `offset` into an array (a header into a stack buffer).
    ///
    /// # Errors
    ///
    /// As [`NbData::copy_out`].
    pub fn read_array<const N: usize>(&self, offset: usize) -> Result<[u8; N], NblError> {
        let mut out = [0u8; N];
        self.copy_out(offset, &mut out)?;
        Ok(out)
    }

    /// `NdisGetDataBuffer` semantics: the `storage.len()` bytes at `offset` — borrowed in place
    /// when they lie in one MDL, otherwise copied into `storage`, which is then returned.
    ///
    /// # Errors
    ///
    /// As [`NbData::copy_out`].
    pub fn get_data_buffer<'s>(
        &'s self,
        offset: usize,
        storage: &'s mut [u8],
    ) -> Result<&'s [u8], NblError> {
        if let Some(bytes) = self.contiguous(offset, storage.len()) {
            return Ok(bytes);
        }
        self.copy_out(offset, storage)?;
        Ok(storage)
    }

    /// The `len` bytes at `offset` as one slice, when they lie within a single MDL; `None` when
    /// they span MDLs or the range is not inside the data. `len` 0 gives an empty slice for any
    /// `offset <= len()`.
    #[must_use]
    pub fn contiguous(&self, offset: usize, len: usize) -> Option<&[u8]> {
        let (ptr, n) = self.single_piece(offset, len)?;
        // SAFETY: the walker yields pointers valid for `n` bytes of one MDL of this NET_BUFFER,
        // owned for `'d`; the slice borrows `self` shared, which excludes writers.
        Some(unsafe { core::slice::from_raw_parts(ptr.as_ptr(), n) })
    }

    /// Mutable form of [`NbData::contiguous`].
    #[must_use]
    pub fn contiguous_mut(&mut self, offset: usize, len: usize) -> Option<&mut [u8]> {
        let (ptr, n) = self.single_piece(offset, len)?;
        // SAFETY: as in `contiguous`; the slice borrows `self` mutably, so it is the only view.
        Some(unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), n) })
    }

    /// `(pointer, len)` of `[offset, offset + len)` when it lies in one MDL.
    fn single_piece(&self, offset: usize, len: usize) -> Option<(NonNull<u8>, usize)> {
        if len == 0 {
            return (offset <= self.len()).then_some((NonNull::dangling(), 0));
        }
        let mut walk = self.walker(offset, len).ok()?;
        let (ptr, n) = walk.next_raw()?.ok()?;
        (n == len).then_some((ptr, n))
    }

    /// The bytes `[offset, offset + len)` as one shared slice per MDL touched, in order.
    ///
    /// # Errors
    ///
    /// [`NblError::RangeOutOfBounds`] (or a chain error while moving to `offset`).
    pub fn segments(&self, offset: usize, len: usize) -> Result<Segments<'_, M>, NblError> {
        Ok(Segments {
            walk: self.walker(offset, len)?,
            error: None,
            _data: PhantomData,
        })
    }

    /// The bytes `[offset, offset + len)` as one mutable slice per MDL touched, in order, for
    /// in-place transforms across MDL boundaries. The slices do not overlap and may all be
    /// alive at once.
    ///
    /// # Errors
    ///
    /// [`NblError::RangeOutOfBounds`] (or a chain error while moving to `offset`).
    pub fn segments_mut(
        &mut self,
        offset: usize,
        len: usize,
    ) -> Result<SegmentsMut<'_, M>, NblError> {
        Ok(SegmentsMut {
            walk: self.walker(offset, len)?,
            error: None,
            _data: PhantomData,
        })
    }

    fn range_error(&self, offset: usize, len: usize) -> NblError {
        NblError::RangeOutOfBounds {
            offset,
            len,
            data_length: self.len(),
        }
    }
}

/// Shared slices over a byte range, one per MDL ([`NbData::segments`]).
///
/// The geometry was validated when the [`NbData`] was made, so the iteration yields the whole
/// range; should the chain have changed underneath, it stops early and [`Segments::finish`]
/// reports why.
pub struct Segments<'v, M: ?Sized> {
    walk: RawSegments<'v, M>,
    error: Option<NblError>,
    _data: PhantomData<&'v [u8]>,
}

impl<M: ?Sized> fmt::Debug for Segments<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segments")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<'v, M: MdlMapper + ?Sized> Iterator for Segments<'v, M> {
    type Item = &'v [u8];

    fn next(&mut self) -> Option<&'v [u8]> {
        match self.walk.next_raw()? {
            // SAFETY: the walker yields pointers valid for `n` bytes of one MDL of the
            // NET_BUFFER, owned for `'v` and borrowed shared by this iterator.
            Ok((ptr, n)) => Some(unsafe { core::slice::from_raw_parts(ptr.as_ptr(), n) }),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}

impl<M: MdlMapper + ?Sized> Segments<'_, M> {
    /// `Ok` when every byte of the range was yielded.
    ///
    /// # Errors
    ///
    /// The chain error that stopped the iteration, or [`NblError::SegmentsUnfinished`] when
    /// called before the iteration ended.
    pub fn finish(self) -> Result<(), NblError> {
        finish(self.error, self.walk.remaining())
    }
}

/// Mutable slices over a byte range, one per MDL ([`NbData::segments_mut`]). See [`Segments`]
/// for early stops.
pub struct SegmentsMut<'v, M: ?Sized> {
    walk: RawSegments<'v, M>,
    error: Option<NblError>,
    _data: PhantomData<&'v mut [u8]>,
}

impl<M: ?Sized> fmt::Debug for SegmentsMut<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentsMut")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<'v, M: MdlMapper + ?Sized> Iterator for SegmentsMut<'v, M> {
    type Item = &'v mut [u8];

    fn next(&mut self) -> Option<&'v mut [u8]> {
        match self.walk.next_raw()? {
            // SAFETY: the walker yields pointers valid for reads and writes of `n` bytes of one
            // MDL of the NET_BUFFER, owned exclusively for `'v` (the iterator borrows the view
            // mutably); successive pieces come from different MDLs, whose memory does not
            // overlap (contract of `NblChain::from_raw`), so the slices are disjoint.
            Ok((ptr, n)) => Some(unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), n) }),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}

impl<M: MdlMapper + ?Sized> SegmentsMut<'_, M> {
    /// `Ok` when every byte of the range was yielded.
    ///
    /// # Errors
    ///
    /// As [`Segments::finish`].
    pub fn finish(self) -> Result<(), NblError> {
        finish(self.error, self.walk.remaining())
    }
}

fn finish(error: Option<NblError>, remaining: usize) -> Result<(), NblError> {
    match error {
        Some(e) => Err(e),
        None if remaining == 0 => Ok(()),
        None => Err(NblError::SegmentsUnfinished { remaining }),
    }
}
