//! Real NET_BUFFER_LIST / NET_BUFFER / MDL chains, heap-allocated and linked with real pointers,
//! owned by an [`OwnedNblChain`] that frees every structure and buffer on drop.
//!
//! Each MDL gets its own heap buffer of exactly `ByteCount` bytes (so that AddressSanitizer
//! catches an access one byte beyond an MDL), `MappedSystemVa` pointing at it, `StartVa` /
//! `ByteOffset` split at the 4 KiB page boundary as `MmInitializeMdl` does, `Size` as
//! `MmSizeOfMdl`, and the flags of [`MdlMapping`]. NET_BUFFERs get `MdlChain`, `DataOffset`,
//! `CurrentMdl`, `CurrentMdlOffset` and `DataLength` consistent with their [`MdlLayout`];
//! backfill bytes are filled with [`BACKFILL_BYTE`], slack with [`SLACK_BYTE`].

use core::fmt;
use core::mem::size_of;
use core::ptr::{self, NonNull};

use ipsecov2_abi::{
    MaxNetBufferListInfo, MDL, MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED,
    MDL_SOURCE_IS_NONPAGED_POOL, NDIS_NET_BUFFER_LIST_INFO, NDIS_STATUS, NET_BUFFER,
    NET_BUFFER_DATA, NET_BUFFER_LIST, PVOID,
};
use ipsecov2_nbl::NblChain;

use crate::layout::{MdlLayout, MdlMapping};
use crate::rng::SplitMix64;
use crate::Segmentation;

/// Fill byte of the backfill space in front of the data.
pub const BACKFILL_BYTE: u8 = 0xBF;
/// Fill byte of the trailing slack after the data.
pub const SLACK_BYTE: u8 = 0x5A;

const PAGE_SIZE: usize = 0x1000;

/// One NET_BUFFER to build: its data bytes and how they are cut into MDLs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NbSpec {
    /// The `DataLength` bytes.
    pub data: Vec<u8>,
    /// MDL sizes and backfill.
    pub layout: MdlLayout,
}

impl NbSpec {
    /// A NET_BUFFER of `data` laid out as `layout`.
    #[must_use]
    pub fn new(data: Vec<u8>, layout: MdlLayout) -> Self {
        Self { data, layout }
    }
}

/// One NET_BUFFER_LIST to build: its NET_BUFFERs and header fields.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NblSpec {
    /// The NET_BUFFERs, in order.
    pub nbs: Vec<NbSpec>,
    /// `NetBufferListInfo` values to preset: `(slot, value)`.
    pub info: Vec<(NDIS_NET_BUFFER_LIST_INFO, usize)>,
    /// `Status`.
    pub status: NDIS_STATUS,
    /// `Flags` (`NBL_FLAGS_*`).
    pub flags: u32,
    /// `NblFlags` (`NDIS_NBL_FLAGS_*`).
    pub nbl_flags: u32,
}

impl NblSpec {
    /// An NBL with these NET_BUFFERs and zeroed header fields.
    #[must_use]
    pub fn new(nbs: Vec<NbSpec>) -> Self {
        Self {
            nbs,
            ..Self::default()
        }
    }

    /// `nbl_count` NBLs of 1..=`max_nbs` NET_BUFFERs each, packets of 0..=`max_len` random
    /// bytes, random layouts within `seg`: all drawn from `rng`.
    #[must_use]
    pub fn random_chain(
        rng: &mut SplitMix64,
        nbl_count: usize,
        max_nbs: usize,
        max_len: u32,
        seg: &Segmentation,
    ) -> Vec<Self> {
        (0..nbl_count)
            .map(|_| {
                let nbs = 1 + rng.up_to(max_nbs.saturating_sub(1) as u64) as usize;
                Self::new(
                    (0..nbs)
                        .map(|_| {
                            let len = rng.up_to(u64::from(max_len)) as u32;
                            let data = rng.bytes(len as usize);
                            NbSpec::new(data, MdlLayout::random(rng, len, seg))
                        })
                        .collect(),
                )
            })
            .collect()
    }
}

/// Why the emulation refused a spec, a lookup or a read-back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EmuError {
    /// The MDL sizes do not hold `data_offset + data.len()` bytes.
    LayoutTooSmall {
        /// Bytes needed (`data_offset + data.len()`).
        needed: u64,
        /// Sum of the MDL sizes.
        available: u64,
    },
    /// The data is longer than `u32::MAX` bytes.
    DataTooLong,
    /// No NBL / NET_BUFFER / MDL with this index.
    NoSuchIndex,
    /// A byte count larger than the MDL's buffer was requested.
    ByteCountBeyondBuffer,
    /// Read-back: `DataLength` is non-zero but `CurrentMdl` is NULL.
    NullCurrentMdl,
    /// Read-back: an MDL of the NET_BUFFER is not one this emulation built for it.
    UnknownMdl,
    /// Read-back: the MDL has no mapping (flags or `MappedSystemVa`).
    NotMapped,
    /// Read-back: `CurrentMdlOffset` (or a zero `ByteCount`) leaves no byte in an MDL.
    EmptyMdlStep,
    /// Read-back: the MDL chain ends before `DataLength` bytes.
    ChainTooShort,
}

impl fmt::Display for EmuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for EmuError {}

struct MdlRecord {
    mdl: NonNull<MDL>,
    /// From `Box<[u8]>::into_raw`; exactly the MDL's original `ByteCount` bytes.
    buf: NonNull<[u8]>,
}

struct NbRecord {
    nb: NonNull<NET_BUFFER>,
    mdls: Vec<MdlRecord>,
    data_offset: usize,
    data_len: usize,
}

struct NblRecord {
    nbl: NonNull<NET_BUFFER_LIST>,
    nbs: Vec<NbRecord>,
}

/// A chain of emulated NBLs that owns every NET_BUFFER_LIST, NET_BUFFER, MDL and data buffer it
/// built, and frees them all on drop, whatever was relinked or corrupted in between.
///
/// The structures are only reachable through raw pointers (never through a `Box` or a
/// reference held here), so handing the chain to [`OwnedNblChain::chain`] and writing through
/// it is sound. The mutators for malformed-chain tests only make changes that
/// [`NblChain::from_raw`] checks rather than assumes.
pub struct OwnedNblChain {
    nbls: Vec<NblRecord>,
}

impl fmt::Debug for OwnedNblChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNblChain")
            .field("nbls", &self.nbls.len())
            .finish_non_exhaustive()
    }
}

impl Drop for OwnedNblChain {
    fn drop(&mut self) {
        for nbl in self.nbls.drain(..) {
            for nb in nbl.nbs {
                for m in nb.mdls {
                    // SAFETY: `m.mdl` came from `Box::into_raw` in `build_nb` and is freed once,
                    // here; no reference to it outlives `self`.
                    drop(unsafe { Box::from_raw(m.mdl.as_ptr()) });
                    // SAFETY: as above for the buffer (`Box<[u8]>::into_raw`).
                    drop(unsafe { Box::from_raw(m.buf.as_ptr()) });
                }
                // SAFETY: as above (`build_nb`).
                drop(unsafe { Box::from_raw(nb.nb.as_ptr()) });
            }
            // SAFETY: as above (`build`).
            drop(unsafe { Box::from_raw(nbl.nbl.as_ptr()) });
        }
    }
}

/// A heap allocation handed over as a raw pointer (freed in `Drop for OwnedNblChain`).
fn leak<T>(value: T) -> NonNull<T> {
    NonNull::from(Box::leak(Box::new(value)))
}

impl OwnedNblChain {
    /// Builds the NBLs of `specs`, linked in order (`Next`), each with its NET_BUFFERs (`Next`)
    /// and their MDL chains.
    ///
    /// # Errors
    ///
    /// [`EmuError::LayoutTooSmall`] / [`EmuError::DataTooLong`] for an impossible spec (what
    /// was built so far is freed).
    pub fn build(specs: &[NblSpec]) -> Result<Self, EmuError> {
        let mut owned = Self { nbls: Vec::new() };
        for spec in specs {
            let mut nbl = NET_BUFFER_LIST::zeroed();
            nbl.Anonymous2.Status = spec.status;
            nbl.Flags = spec.flags;
            nbl.NblFlags = spec.nbl_flags;
            for &(id, value) in &spec.info {
                if let Some(slot) = usize::try_from(id)
                    .ok()
                    .and_then(|i| nbl.NetBufferListInfo.get_mut(i))
                {
                    *slot = ptr::without_provenance_mut(value);
                }
            }
            owned.nbls.push(NblRecord {
                nbl: leak(nbl),
                nbs: Vec::new(),
            });
            let Some(rec) = owned.nbls.last_mut() else {
                continue;
            };
            for nb_spec in &spec.nbs {
                let nb = build_nb(nb_spec)?;
                rec.nbs.push(nb);
            }
        }
        owned.relink();
        Ok(owned)
    }

    /// `count` random NBLs (see [`NblSpec::random_chain`]) from `seed`.
    ///
    /// # Errors
    ///
    /// None in practice (random layouts always fit); the `Result` of [`OwnedNblChain::build`].
    pub fn random(
        seed: u64,
        count: usize,
        max_nbs: usize,
        max_len: u32,
        seg: &Segmentation,
    ) -> Result<(Self, Vec<NblSpec>), EmuError> {
        let mut rng = SplitMix64::new(seed);
        let specs = NblSpec::random_chain(&mut rng, count, max_nbs, max_len, seg);
        Ok((Self::build(&specs)?, specs))
    }

    /// Restores the links as built: NBL `i` → NBL `i + 1`, NET_BUFFER `j` → `j + 1`, `FirstNetBuffer`.
    /// (An [`NblChain`] may relink NBLs with `pop_front` / `append`.)
    pub fn relink(&mut self) {
        let heads: Vec<NonNull<NET_BUFFER_LIST>> = self.nbls.iter().map(|r| r.nbl).collect();
        for (i, rec) in self.nbls.iter().enumerate() {
            let next = heads.get(i + 1).map_or(ptr::null_mut(), |p| p.as_ptr());
            let first_nb = rec.nbs.first().map_or(ptr::null_mut(), |n| n.nb.as_ptr());
            // SAFETY: `rec.nbl` is a live NBL owned by `self`, which is borrowed mutably, so the
            // reference is unique.
            let link = unsafe { &mut (*rec.nbl.as_ptr()).Anonymous1 };
            link.Anonymous.Next = next;
            link.Anonymous.FirstNetBuffer = first_nb;
            let nbs: Vec<NonNull<NET_BUFFER>> = rec.nbs.iter().map(|n| n.nb).collect();
            for (j, nb) in rec.nbs.iter().enumerate() {
                let next = nbs.get(j + 1).map_or(ptr::null_mut(), |p| p.as_ptr());
                // SAFETY: `nb.nb` is a live NET_BUFFER owned by `self` (borrowed mutably), so
                // the reference is unique.
                let u = unsafe { &mut (*nb.nb.as_ptr()).Anonymous1 };
                u.Anonymous.Next = next;
            }
        }
    }

    /// The chain as the filter sees it, starting at the first NBL as built.
    pub fn chain(&mut self) -> NblChain<'_> {
        let head = self
            .nbls
            .first()
            .map_or(ptr::null_mut(), |r| r.nbl.as_ptr());
        // SAFETY: `self` owns every structure reachable from `head` and is borrowed mutably for
        // the chain's lifetime, so nothing else accesses them (1). They are live, aligned,
        // initialised mirrors, linked NULL-terminated and acyclic with each structure once
        // (built and relinked in order; `NblChain` only splits and appends) (2). Every MDL
        // describes its own heap buffer of at least `ByteCount` bytes (the mutators only
        // shrink it), and a mapped MDL's `MappedSystemVa` is that buffer; buffers never
        // overlap (3).
        unsafe { NblChain::from_raw(head) }
    }

    /// Number of NBLs built.
    #[must_use]
    pub fn nbl_count(&self) -> usize {
        self.nbls.len()
    }

    /// Number of NET_BUFFERs of NBL `nbl`.
    #[must_use]
    pub fn nb_count(&self, nbl: usize) -> Option<usize> {
        self.nbls.get(nbl).map(|r| r.nbs.len())
    }

    /// Number of MDLs of NET_BUFFER `nb` of NBL `nbl`.
    #[must_use]
    pub fn mdl_count(&self, nbl: usize, nb: usize) -> Option<usize> {
        self.nb_rec(nbl, nb).ok().map(|r| r.mdls.len())
    }

    fn nb_rec(&self, nbl: usize, nb: usize) -> Result<&NbRecord, EmuError> {
        self.nbls
            .get(nbl)
            .and_then(|r| r.nbs.get(nb))
            .ok_or(EmuError::NoSuchIndex)
    }

    fn mdl_rec(&self, nbl: usize, nb: usize, mdl: usize) -> Result<&MdlRecord, EmuError> {
        self.nb_rec(nbl, nb)?
            .mdls
            .get(mdl)
            .ok_or(EmuError::NoSuchIndex)
    }

    /// Address of NBL `nbl`.
    #[must_use]
    pub fn nbl_ptr(&self, nbl: usize) -> Option<*mut NET_BUFFER_LIST> {
        self.nbls.get(nbl).map(|r| r.nbl.as_ptr())
    }

    /// Address of NET_BUFFER `nb` of NBL `nbl`.
    #[must_use]
    pub fn nb_ptr(&self, nbl: usize, nb: usize) -> Option<*mut NET_BUFFER> {
        self.nb_rec(nbl, nb).ok().map(|r| r.nb.as_ptr())
    }

    /// Address of MDL `mdl` (chain order) of NET_BUFFER `nb` of NBL `nbl`.
    #[must_use]
    pub fn mdl_ptr(&self, nbl: usize, nb: usize, mdl: usize) -> Option<*mut MDL> {
        self.mdl_rec(nbl, nb, mdl).ok().map(|r| r.mdl.as_ptr())
    }

    /// NBL `nbl`, to inspect.
    #[must_use]
    pub fn nbl(&self, nbl: usize) -> Option<&NET_BUFFER_LIST> {
        let rec = self.nbls.get(nbl)?;
        // SAFETY: live NBL owned by `self`; `&self` excludes writers for the borrow.
        Some(unsafe { rec.nbl.as_ref() })
    }

    /// NET_BUFFER `nb` of NBL `nbl`, to inspect (its `NET_BUFFER_DATA` part).
    #[must_use]
    pub fn nb_data(&self, nbl: usize, nb: usize) -> Option<NET_BUFFER_DATA> {
        let rec = self.nb_rec(nbl, nb).ok()?;
        // SAFETY: live NET_BUFFER owned by `self`; copies the union.
        let u = unsafe { (*rec.nb.as_ptr()).Anonymous1 };
        // SAFETY: every view of the union is plain initialised data.
        Some(unsafe { u.Anonymous })
    }

    /// MDL `mdl` of NET_BUFFER `nb` of NBL `nbl`, to inspect.
    #[must_use]
    pub fn mdl(&self, nbl: usize, nb: usize, mdl: usize) -> Option<&MDL> {
        let rec = self.mdl_rec(nbl, nb, mdl).ok()?;
        // SAFETY: live MDL owned by `self`; `&self` excludes writers for the borrow.
        Some(unsafe { rec.mdl.as_ref() })
    }

    /// The `DataLength` bytes of NET_BUFFER `nb` of NBL `nbl`, read back by following its
    /// `CurrentMdl` / `CurrentMdlOffset` / `Next` / `ByteCount` fields — an implementation
    /// independent of `ipsecov2-nbl`, bounded by the buffers this emulation allocated.
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`] and the read-back errors for a malformed NET_BUFFER.
    pub fn read_nb(&self, nbl: usize, nb: usize) -> Result<Vec<u8>, EmuError> {
        let rec = self.nb_rec(nbl, nb)?;
        let h = self.nb_data(nbl, nb).ok_or(EmuError::NoSuchIndex)?;
        // SAFETY: both views of the union are integers.
        let len = unsafe { h.Anonymous.DataLength } as usize;
        let mut out = Vec::with_capacity(len);
        if len == 0 {
            return Ok(out);
        }
        let mut cur = NonNull::new(h.CurrentMdl).ok_or(EmuError::NullCurrentMdl)?;
        let mut offset = h.CurrentMdlOffset as usize;
        loop {
            let m = rec
                .mdls
                .iter()
                .find(|m| m.mdl == cur)
                .ok_or(EmuError::UnknownMdl)?;
            // SAFETY: live MDL owned by `self` (found among the records); copies the header.
            let hdr: MDL = unsafe { ptr::read(m.mdl.as_ptr()) };
            // SAFETY: live buffer owned by `self`; `&self` excludes writers for the borrow.
            let buf: &[u8] = unsafe { m.buf.as_ref() };
            let count = hdr.ByteCount as usize;
            let flags = hdr.MdlFlags as u16;
            if flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL) == 0
                || hdr.MappedSystemVa.is_null()
            {
                return Err(EmuError::NotMapped);
            }
            let bytes = buf.get(..count).ok_or(EmuError::ByteCountBeyondBuffer)?;
            let avail = bytes.get(offset..).filter(|b| !b.is_empty());
            let avail = avail.ok_or(EmuError::EmptyMdlStep)?;
            let take = avail.len().min(len - out.len());
            out.extend_from_slice(avail.get(..take).unwrap_or_default());
            if out.len() == len {
                return Ok(out);
            }
            offset = 0;
            cur = NonNull::new(hdr.Next).ok_or(EmuError::ChainTooShort)?;
        }
    }

    /// All bytes of the MDL buffers of NET_BUFFER `nb` of NBL `nbl`, concatenated in chain
    /// order as built (backfill, data, slack).
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`].
    pub fn raw_bytes(&self, nbl: usize, nb: usize) -> Result<Vec<u8>, EmuError> {
        let rec = self.nb_rec(nbl, nb)?;
        let mut out = Vec::new();
        for m in &rec.mdls {
            // SAFETY: live buffer owned by `self`; `&self` excludes writers for the borrow.
            out.extend_from_slice(unsafe { m.buf.as_ref() });
        }
        Ok(out)
    }

    /// `true` when the backfill still holds [`BACKFILL_BYTE`] and the slack [`SLACK_BYTE`]:
    /// nothing wrote outside the data of NET_BUFFER `nb` of NBL `nbl`.
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`].
    pub fn outside_data_intact(&self, nbl: usize, nb: usize) -> Result<bool, EmuError> {
        let rec = self.nb_rec(nbl, nb)?;
        let raw = self.raw_bytes(nbl, nb)?;
        let end = rec.data_offset + rec.data_len;
        let backfill = raw.get(..rec.data_offset).unwrap_or_default();
        let slack = raw.get(end..).unwrap_or_default();
        Ok(backfill.iter().all(|&b| b == BACKFILL_BYTE) && slack.iter().all(|&b| b == SLACK_BYTE))
    }

    fn with_nb(
        &mut self,
        nbl: usize,
        nb: usize,
        f: impl FnOnce(&mut NET_BUFFER_DATA),
    ) -> Result<(), EmuError> {
        let rec = self.nb_rec(nbl, nb)?;
        let mut data = self.nb_data(nbl, nb).ok_or(EmuError::NoSuchIndex)?;
        f(&mut data);
        // SAFETY: live NET_BUFFER owned by `self`, borrowed mutably: the reference is unique
        // for the call.
        let u = unsafe { &mut (*rec.nb.as_ptr()).Anonymous1 };
        u.Anonymous = data;
        Ok(())
    }

    fn with_mdl(
        &mut self,
        nbl: usize,
        nb: usize,
        mdl: usize,
        f: impl FnOnce(&mut MDL, usize),
    ) -> Result<(), EmuError> {
        let rec = self.mdl_rec(nbl, nb, mdl)?;
        let cap = rec.buf.len();
        // SAFETY: live MDL owned by `self`, borrowed mutably: the reference is unique for the
        // call.
        let m = unsafe { &mut *rec.mdl.as_ptr() };
        f(m, cap);
        Ok(())
    }

    /// Malformation: sets `DataLength` (e.g. beyond the MDLs).
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`].
    pub fn set_data_length(&mut self, nbl: usize, nb: usize, len: u32) -> Result<(), EmuError> {
        self.with_nb(nbl, nb, |d| d.Anonymous.DataLength = len)
    }

    /// Malformation: sets `CurrentMdlOffset` (e.g. to the current MDL's `ByteCount`).
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`].
    pub fn set_current_mdl_offset(
        &mut self,
        nbl: usize,
        nb: usize,
        offset: u32,
    ) -> Result<(), EmuError> {
        self.with_nb(nbl, nb, |d| d.CurrentMdlOffset = offset)
    }

    /// Malformation: sets `CurrentMdl` to NULL.
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`].
    pub fn clear_current_mdl(&mut self, nbl: usize, nb: usize) -> Result<(), EmuError> {
        self.with_nb(nbl, nb, |d| d.CurrentMdl = ptr::null_mut())
    }

    /// Malformation: sets an MDL's `ByteCount` to `count`, at most its buffer's size (0: a
    /// zero-length MDL).
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`], [`EmuError::ByteCountBeyondBuffer`].
    pub fn set_mdl_byte_count(
        &mut self,
        nbl: usize,
        nb: usize,
        mdl: usize,
        count: u32,
    ) -> Result<(), EmuError> {
        let mut result = Ok(());
        self.with_mdl(nbl, nb, mdl, |m, cap| {
            if count as usize <= cap {
                m.ByteCount = count;
            } else {
                result = Err(EmuError::ByteCountBeyondBuffer);
            }
        })?;
        result
    }

    /// Malformation: clears an MDL's mapping (`MdlFlags` without `MDL_MAPPED_TO_SYSTEM_VA` /
    /// `MDL_SOURCE_IS_NONPAGED_POOL`, `MappedSystemVa` NULL), as for an unmapped user buffer.
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`].
    pub fn unmap_mdl(&mut self, nbl: usize, nb: usize, mdl: usize) -> Result<(), EmuError> {
        self.with_mdl(nbl, nb, mdl, |m, _| {
            let keep = !(MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL);
            m.MdlFlags = ((m.MdlFlags as u16) & keep) as i16;
            m.MappedSystemVa = ptr::null_mut();
        })
    }

    /// Malformation: ends the MDL chain after MDL `mdl` (`Next` = NULL).
    ///
    /// # Errors
    ///
    /// [`EmuError::NoSuchIndex`].
    pub fn truncate_mdl_chain(
        &mut self,
        nbl: usize,
        nb: usize,
        mdl: usize,
    ) -> Result<(), EmuError> {
        self.with_mdl(nbl, nb, mdl, |m, _| m.Next = ptr::null_mut())
    }

    /// Reads info slot `id` of NBL `nbl` (as an integer).
    #[must_use]
    pub fn info(&self, nbl: usize, id: NDIS_NET_BUFFER_LIST_INFO) -> Option<usize> {
        let i = usize::try_from(id).ok()?;
        let slots = &self.nbl(nbl)?.NetBufferListInfo;
        slots.get(i).map(|p: &PVOID| p.addr())
    }

    /// Number of info slots (`MaxNetBufferListInfo`).
    pub const INFO_SLOTS: usize = MaxNetBufferListInfo as usize;
}

/// Builds one NET_BUFFER and its MDLs. Fails only before allocating anything; the returned
/// record's allocations are freed by `OwnedNblChain::drop`.
fn build_nb(spec: &NbSpec) -> Result<NbRecord, EmuError> {
    let len = u32::try_from(spec.data.len()).map_err(|_| EmuError::DataTooLong)?;
    let layout = &spec.layout;
    let needed = u64::from(layout.data_offset) + u64::from(len);
    let available = layout.total();
    if available < needed {
        return Err(EmuError::LayoutTooSmall { needed, available });
    }
    let flags = match layout.mapping {
        MdlMapping::NonPagedPool => MDL_SOURCE_IS_NONPAGED_POOL,
        MdlMapping::MappedToSystemVa => MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED,
    };
    let data_start = layout.data_offset as usize;
    let data_end = data_start + spec.data.len();
    let mut rec = NbRecord {
        nb: leak(NET_BUFFER::zeroed()),
        mdls: Vec::with_capacity(layout.mdl_sizes.len()),
        data_offset: data_start,
        data_len: spec.data.len(),
    };
    let mut pos = 0usize; // position of this MDL's first byte in the concatenation
    for &size in &layout.mdl_sizes {
        let size = size as usize;
        let bytes: Box<[u8]> = (pos..pos + size)
            .map(|i| {
                if i < data_start {
                    BACKFILL_BYTE
                } else if i < data_end {
                    spec.data.get(i - data_start).copied().unwrap_or(SLACK_BYTE)
                } else {
                    SLACK_BYTE
                }
            })
            .collect();
        pos += size;
        let buf = NonNull::from(Box::leak(bytes));
        let va = buf.cast::<u8>().as_ptr();
        let byte_offset = va.addr() % PAGE_SIZE;
        let pages = (byte_offset + size).div_ceil(PAGE_SIZE);
        let mut mdl = MDL::zeroed();
        mdl.Size = i16::try_from(size_of::<MDL>() + pages * size_of::<usize>()).unwrap_or(i16::MAX);
        mdl.MdlFlags = flags as i16;
        mdl.MappedSystemVa = va.cast();
        mdl.StartVa = va.wrapping_sub(byte_offset).cast();
        mdl.ByteCount = size as u32;
        mdl.ByteOffset = byte_offset as u32;
        rec.mdls.push(MdlRecord {
            mdl: leak(mdl),
            buf,
        });
    }
    // Link the MDLs.
    for pair in rec.mdls.windows(2) {
        if let [a, b] = pair {
            // SAFETY: `a.mdl` is a live MDL just allocated here; no other access exists.
            unsafe { (*a.mdl.as_ptr()).Next = b.mdl.as_ptr() };
        }
    }
    let (current, current_offset) = match layout.current_mdl() {
        Some((i, off)) => (
            rec.mdls.get(i).map_or(ptr::null_mut(), |m| m.mdl.as_ptr()),
            off,
        ),
        None => (ptr::null_mut(), 0),
    };
    let first = rec.mdls.first().map_or(ptr::null_mut(), |m| m.mdl.as_ptr());
    let mut d = NET_BUFFER_DATA::zeroed();
    d.MdlChain = first;
    d.DataOffset = layout.data_offset;
    d.CurrentMdl = current;
    d.CurrentMdlOffset = current_offset;
    d.Anonymous.stDataLength = spec.data.len();
    // SAFETY: `rec.nb` is a live NET_BUFFER just allocated here; no other access exists.
    let u = unsafe { &mut (*rec.nb.as_ptr()).Anonymous1 };
    u.Anonymous = d;
    Ok(rec)
}
