//! NET_BUFFER_LIST chains, NET_BUFFER_LISTs and NET_BUFFERs.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use ipsecov2_abi::{
    IPsecOffloadV2HeaderNetBufferListInfo, IPsecOffloadV2NetBufferListInfo,
    IPsecOffloadV2TunnelNetBufferListInfo, MaxNetBufferListInfo, MDL,
    NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO, NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO,
    NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO, NDIS_NET_BUFFER_LIST_INFO, NDIS_STATUS,
    NET_BUFFER, NET_BUFFER_DATA, NET_BUFFER_LIST, NET_BUFFER_LIST_DATA, PVOID,
};

use crate::data::NbData;
use crate::{MdlMapper, NblError};

/// A chain of NET_BUFFER_LISTs (linked by `NET_BUFFER_LIST_NEXT_NBL`) that the filter owns for
/// `'a`: what `FilterSendNetBufferLists` / `FilterReceiveNetBufferLists` hand over, until the
/// filter passes it on or completes/returns it ([`NblChain::into_raw`]).
///
/// The only way in from raw pointers is the unsafe [`NblChain::from_raw`]; everything reachable
/// from here is safe. NBLs are visited one at a time with [`NblChain::cursor`], which rules out
/// two live views of the same memory.
pub struct NblChain<'a> {
    head: Option<NonNull<NET_BUFFER_LIST>>,
    tail: Option<NonNull<NET_BUFFER_LIST>>,
    _owns: PhantomData<&'a mut NET_BUFFER_LIST>,
}

impl fmt::Debug for NblChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NblChain")
            .field("head", &self.as_raw())
            .finish_non_exhaustive()
    }
}

impl Default for NblChain<'_> {
    fn default() -> Self {
        Self::empty()
    }
}

/// `nbl->Next`.
///
/// # Safety
///
/// `nbl` points to a live NET_BUFFER_LIST the caller owns.
#[inline]
unsafe fn next_nbl(nbl: NonNull<NET_BUFFER_LIST>) -> Option<NonNull<NET_BUFFER_LIST>> {
    // SAFETY: `nbl` is live (caller contract); reading the union as a whole copies plain data.
    let link = unsafe { (*nbl.as_ptr()).Anonymous1 };
    // SAFETY: every view of the union is plain data (pointers / integers) of initialised bytes.
    let data: NET_BUFFER_LIST_DATA = unsafe { link.Anonymous };
    NonNull::new(data.Next)
}

/// `nbl->Next = next`.
///
/// # Safety
///
/// `nbl` points to a live NET_BUFFER_LIST the caller owns (exclusively).
#[inline]
unsafe fn set_next_nbl(nbl: NonNull<NET_BUFFER_LIST>, next: Option<NonNull<NET_BUFFER_LIST>>) {
    let next = next.map_or(core::ptr::null_mut(), NonNull::as_ptr);
    // SAFETY: `nbl` is live and exclusively owned (caller contract), so the reference is unique
    // for this function.
    let link = unsafe { &mut (*nbl.as_ptr()).Anonymous1 };
    link.Anonymous.Next = next;
}

impl<'a> NblChain<'a> {
    /// An empty chain (NULL head).
    #[must_use]
    pub const fn empty() -> Self {
        Self {
            head: None,
            tail: None,
            _owns: PhantomData,
        }
    }

    /// Takes ownership of the chain that starts at `head` (NULL: an empty chain) for `'a`.
    /// Walks the chain once to find its tail.
    ///
    /// # Safety
    ///
    /// For all of `'a` the caller guarantees:
    ///
    /// 1. **Ownership.** The filter owns the chain: NDIS handed it over (send or receive path)
    ///    or the filter allocated it, and it has not been completed, returned or passed on.
    ///    Nothing else (NDIS, the protocol, the miniport, another processor) reads or writes
    ///    the NBLs, their NET_BUFFERs, their MDL headers or the data memory while this value,
    ///    or anything borrowed from it, is alive.
    /// 2. **Structures.** Every NET_BUFFER_LIST reachable through `Next`, every NET_BUFFER
    ///    reachable through `FirstNetBuffer`/`Next` and every MDL reachable through
    ///    `CurrentMdl`/`Next` is a live, aligned, initialised structure with the layout of the
    ///    `ipsecov2-abi` mirror (NDIS 6.80, x64). The NBL, NET_BUFFER and MDL lists are
    ///    NULL-terminated and acyclic, and no structure appears twice in the chain.
    /// 3. **Memory.** Each MDL describes `ByteCount` bytes of resident memory (as NDIS
    ///    guarantees for NET_BUFFER data); when its `MdlFlags` have `MDL_MAPPED_TO_SYSTEM_VA` or
    ///    `MDL_SOURCE_IS_NONPAGED_POOL`, `MappedSystemVa` is the system address of those bytes,
    ///    valid for reads and writes. The MDLs of one NET_BUFFER describe non-overlapping
    ///    memory.
    ///
    /// Not assumed, but checked on every access (typed [`NblError`]): `DataLength` against the
    /// MDL byte counts, `CurrentMdlOffset` against the current MDL, a NULL `CurrentMdl` with
    /// data, zero-length MDLs inside the data, MDLs without a mapping, address overflow, info
    /// slot indices.
    #[must_use]
    pub unsafe fn from_raw(head: *mut NET_BUFFER_LIST) -> Self {
        let head = NonNull::new(head);
        let mut tail = head;
        while let Some(nbl) = tail {
            // SAFETY: `nbl` is `head` or was reached through `Next` from it; the caller
            // guarantees it is a live NBL of an owned, acyclic chain.
            match unsafe { next_nbl(nbl) } {
                Some(next) => tail = Some(next),
                None => break,
            }
        }
        Self {
            head,
            tail,
            _owns: PhantomData,
        }
    }

    /// The head pointer (NULL when empty), e.g. to look at it in a debugger; ownership stays
    /// here.
    #[must_use]
    pub fn as_raw(&self) -> *mut NET_BUFFER_LIST {
        self.head.map_or(core::ptr::null_mut(), NonNull::as_ptr)
    }

    /// Gives the chain back as a raw head pointer (NULL when empty), to pass it on
    /// (`NdisFSendNetBufferLists`, `NdisFIndicateReceiveNetBufferLists`) or complete/return it.
    #[must_use]
    pub fn into_raw(self) -> *mut NET_BUFFER_LIST {
        self.as_raw()
    }

    /// `true` when the chain has no NBL.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Number of NBLs (walks the chain).
    #[must_use]
    pub fn count(&self) -> usize {
        let mut n = 0;
        let mut cur = self.head;
        while let Some(nbl) = cur {
            n += 1;
            // SAFETY: `nbl` is an NBL of this owned chain (contract of `from_raw`).
            cur = unsafe { next_nbl(nbl) };
        }
        n
    }

    /// Visits the NBLs in order, one at a time.
    pub fn cursor(&mut self) -> NblCursor<'_> {
        NblCursor {
            next: self.head,
            _chain: PhantomData,
        }
    }

    /// Detaches the first NBL as a chain of its own (its `Next` set to NULL), e.g. to complete
    /// it with an error status while the rest goes on.
    pub fn pop_front(&mut self) -> Option<NblChain<'a>> {
        let first = self.head?;
        // SAFETY: `first` is an NBL of this owned chain (contract of `from_raw`).
        self.head = unsafe { next_nbl(first) };
        if self.head.is_none() {
            self.tail = None;
        }
        // SAFETY: as above; this chain owns `first` exclusively.
        unsafe { set_next_nbl(first, None) };
        Some(Self {
            head: Some(first),
            tail: Some(first),
            _owns: PhantomData,
        })
    }

    /// Appends `other` after the last NBL of this chain (O(1)); e.g. to collect the NBLs to
    /// pass on and those to complete into two chains.
    pub fn append(&mut self, other: NblChain<'a>) {
        let Some(other_head) = other.head else {
            return;
        };
        match self.tail {
            // SAFETY: `tail` is the last NBL of this owned chain (contract of `from_raw`).
            Some(tail) => unsafe { set_next_nbl(tail, Some(other_head)) },
            None => self.head = Some(other_head),
        }
        self.tail = other.tail;
    }
}

/// Visits the NBLs of a chain in order; each [`Nbl`] borrows the cursor, so one is alive at a
/// time.
pub struct NblCursor<'c> {
    next: Option<NonNull<NET_BUFFER_LIST>>,
    _chain: PhantomData<&'c mut NET_BUFFER_LIST>,
}

impl fmt::Debug for NblCursor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NblCursor")
            .field("next", &self.next)
            .finish()
    }
}

impl NblCursor<'_> {
    /// The next NBL, or `None` at the end of the chain.
    pub fn next_nbl(&mut self) -> Option<Nbl<'_>> {
        let cur = self.next?;
        // SAFETY: `cur` is an NBL of the chain this cursor borrows (contract of `from_raw`).
        self.next = unsafe { next_nbl(cur) };
        Some(Nbl {
            ptr: cur,
            _nbl: PhantomData,
        })
    }
}

/// One NET_BUFFER_LIST of an owned chain: its info slots, status, flags and NET_BUFFERs.
pub struct Nbl<'n> {
    ptr: NonNull<NET_BUFFER_LIST>,
    _nbl: PhantomData<&'n mut NET_BUFFER_LIST>,
}

impl fmt::Debug for Nbl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nbl").field("ptr", &self.ptr).finish()
    }
}

/// `id` as an index into `NetBufferListInfo`.
fn slot_index(id: NDIS_NET_BUFFER_LIST_INFO) -> Result<usize, NblError> {
    match usize::try_from(id) {
        Ok(i) if i < MaxNetBufferListInfo as usize => Ok(i),
        _ => Err(NblError::InfoSlotOutOfRange(id)),
    }
}

impl Nbl<'_> {
    /// The NBL's address.
    #[must_use]
    pub fn as_ptr(&self) -> *mut NET_BUFFER_LIST {
        self.ptr.as_ptr()
    }

    /// `&NetBufferListInfo`.
    fn slots(&self) -> &[PVOID; MaxNetBufferListInfo as usize] {
        // SAFETY: the NBL is live and owned for the borrow of `self` (contract of `from_raw`);
        // no `&mut` to it exists while `self` is borrowed shared.
        unsafe { &(*self.ptr.as_ptr()).NetBufferListInfo }
    }

    /// `&mut NetBufferListInfo`.
    fn slots_mut(&mut self) -> &mut [PVOID; MaxNetBufferListInfo as usize] {
        // SAFETY: the NBL is live and exclusively owned for the borrow of `self`.
        unsafe { &mut (*self.ptr.as_ptr()).NetBufferListInfo }
    }

    /// `NET_BUFFER_LIST_INFO(nbl, id)`: the pointer-sized value of info slot `id`.
    ///
    /// # Errors
    ///
    /// [`NblError::InfoSlotOutOfRange`] when `id` is negative or not below
    /// `MaxNetBufferListInfo`.
    pub fn info(&self, id: NDIS_NET_BUFFER_LIST_INFO) -> Result<PVOID, NblError> {
        let i = slot_index(id)?;
        self.slots()
            .get(i)
            .copied()
            .ok_or(NblError::InfoSlotOutOfRange(id))
    }

    /// `NET_BUFFER_LIST_INFO(nbl, id) = value`.
    ///
    /// # Errors
    ///
    /// [`NblError::InfoSlotOutOfRange`] when `id` is negative or not below
    /// `MaxNetBufferListInfo`.
    pub fn set_info(
        &mut self,
        id: NDIS_NET_BUFFER_LIST_INFO,
        value: PVOID,
    ) -> Result<(), NblError> {
        let i = slot_index(id)?;
        let slot = self
            .slots_mut()
            .get_mut(i)
            .ok_or(NblError::InfoSlotOutOfRange(id))?;
        *slot = value;
        Ok(())
    }

    /// Slot `IPsecOffloadV2NetBufferListInfo` (offload handle on send; crypto status on
    /// receive).
    #[must_use]
    pub fn ipsec_offload_v2(&self) -> NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO {
        let v = self
            .info(IPsecOffloadV2NetBufferListInfo)
            .unwrap_or_default();
        NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::from_nbl_info(v)
    }

    /// Writes slot `IPsecOffloadV2NetBufferListInfo`.
    pub fn set_ipsec_offload_v2(&mut self, v: NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO) {
        // The index is a constant below `MaxNetBufferListInfo`: this cannot fail.
        let _ = self.set_info(IPsecOffloadV2NetBufferListInfo, v.to_nbl_info());
    }

    /// Slot `IPsecOffloadV2TunnelNetBufferListInfo` (tunnel handle on send).
    #[must_use]
    pub fn ipsec_offload_v2_tunnel(&self) -> NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO {
        let v = self
            .info(IPsecOffloadV2TunnelNetBufferListInfo)
            .unwrap_or_default();
        NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO::from_nbl_info(v)
    }

    /// Writes slot `IPsecOffloadV2TunnelNetBufferListInfo`.
    pub fn set_ipsec_offload_v2_tunnel(
        &mut self,
        v: NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO,
    ) {
        // Constant index below `MaxNetBufferListInfo`: cannot fail.
        let _ = self.set_info(IPsecOffloadV2TunnelNetBufferListInfo, v.to_nbl_info());
    }

    /// Slot `IPsecOffloadV2HeaderNetBufferListInfo` (header offsets on send; next header / pad
    /// length on receive).
    #[must_use]
    pub fn ipsec_offload_v2_header(&self) -> NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO {
        let v = self
            .info(IPsecOffloadV2HeaderNetBufferListInfo)
            .unwrap_or_default();
        NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO::from_nbl_info(v)
    }

    /// Writes slot `IPsecOffloadV2HeaderNetBufferListInfo`.
    pub fn set_ipsec_offload_v2_header(
        &mut self,
        v: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    ) {
        // Constant index below `MaxNetBufferListInfo`: cannot fail.
        let _ = self.set_info(IPsecOffloadV2HeaderNetBufferListInfo, v.to_nbl_info());
    }

    /// `NET_BUFFER_LIST_STATUS(nbl)`.
    #[must_use]
    pub fn status(&self) -> NDIS_STATUS {
        // SAFETY: the NBL is live and owned (contract of `from_raw`); copies the union.
        let u = unsafe { (*self.ptr.as_ptr()).Anonymous2 };
        // SAFETY: both views of the union are 4-byte integers of initialised bytes.
        unsafe { u.Status }
    }

    /// `NET_BUFFER_LIST_STATUS(nbl) = status` (set before completing a send NBL).
    pub fn set_status(&mut self, status: NDIS_STATUS) {
        // SAFETY: the NBL is live and exclusively owned for the borrow of `self`, so the
        // reference is unique for this call.
        let u = unsafe { &mut (*self.ptr.as_ptr()).Anonymous2 };
        u.Status = status;
    }

    /// `NET_BUFFER_LIST_FLAGS(nbl)` (`NBL_FLAGS_*`).
    #[must_use]
    pub fn flags(&self) -> u32 {
        // SAFETY: the NBL is live and owned (contract of `from_raw`).
        unsafe { (*self.ptr.as_ptr()).Flags }
    }

    /// `NET_BUFFER_LIST_FLAGS(nbl) = flags`.
    pub fn set_flags(&mut self, flags: u32) {
        // SAFETY: the NBL is live and exclusively owned for the borrow of `self`.
        unsafe { (*self.ptr.as_ptr()).Flags = flags };
    }

    /// `NET_BUFFER_LIST_NBL_FLAGS(nbl)` (`NDIS_NBL_FLAGS_*`, e.g. `NDIS_NBL_FLAGS_SEND_READ_ONLY`,
    /// `NDIS_NBL_FLAGS_RECV_READ_ONLY`, `NDIS_NBL_FLAGS_IS_IPV4`).
    #[must_use]
    pub fn nbl_flags(&self) -> u32 {
        // SAFETY: the NBL is live and owned (contract of `from_raw`).
        unsafe { (*self.ptr.as_ptr()).NblFlags }
    }

    /// `NET_BUFFER_LIST_NBL_FLAGS(nbl) = flags`.
    pub fn set_nbl_flags(&mut self, flags: u32) {
        // SAFETY: the NBL is live and exclusively owned for the borrow of `self`.
        unsafe { (*self.ptr.as_ptr()).NblFlags = flags };
    }

    /// `NET_BUFFER_LIST_FIRST_NB(nbl)`.
    fn first_nb(&self) -> Option<NonNull<NET_BUFFER>> {
        // SAFETY: the NBL is live and owned (contract of `from_raw`); copies the union.
        let link = unsafe { (*self.ptr.as_ptr()).Anonymous1 };
        // SAFETY: every view of the union is plain data of initialised bytes.
        let data: NET_BUFFER_LIST_DATA = unsafe { link.Anonymous };
        NonNull::new(data.FirstNetBuffer)
    }

    /// Number of NET_BUFFERs (walks the list).
    #[must_use]
    pub fn net_buffer_count(&self) -> usize {
        let mut n = 0;
        let mut cur = self.first_nb();
        while let Some(nb) = cur {
            n += 1;
            // SAFETY: `nb` is a NET_BUFFER of this owned NBL (contract of `from_raw`).
            cur = NonNull::new(unsafe { nb_header(nb) }.Next);
        }
        n
    }

    /// Visits the NET_BUFFERs of this NBL in order, one at a time.
    pub fn net_buffers(&mut self) -> NbCursor<'_> {
        NbCursor {
            next: self.first_nb(),
            _nbl: PhantomData,
        }
    }
}

/// The `NET_BUFFER_DATA` part of a NET_BUFFER (copied out).
///
/// # Safety
///
/// `nb` points to a live NET_BUFFER of a chain the caller owns.
#[inline]
unsafe fn nb_header(nb: NonNull<NET_BUFFER>) -> NET_BUFFER_DATA {
    // SAFETY: `nb` is live (caller contract); copies the union.
    let u = unsafe { (*nb.as_ptr()).Anonymous1 };
    // SAFETY: every view of the union is plain data of initialised bytes.
    unsafe { u.Anonymous }
}

/// Visits the NET_BUFFERs of an NBL in order; each [`NetBuffer`] borrows the cursor.
pub struct NbCursor<'c> {
    next: Option<NonNull<NET_BUFFER>>,
    _nbl: PhantomData<&'c mut NET_BUFFER>,
}

impl fmt::Debug for NbCursor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NbCursor")
            .field("next", &self.next)
            .finish()
    }
}

impl NbCursor<'_> {
    /// The next NET_BUFFER, or `None` at the end of the list.
    pub fn next_nb(&mut self) -> Option<NetBuffer<'_>> {
        let cur = self.next?;
        // SAFETY: `cur` is a NET_BUFFER of the NBL this cursor borrows (contract of `from_raw`).
        self.next = NonNull::new(unsafe { nb_header(cur) }.Next);
        Some(NetBuffer {
            ptr: cur,
            _nb: PhantomData,
        })
    }
}

/// One NET_BUFFER of an owned chain: its data geometry and a byte view of its data.
pub struct NetBuffer<'b> {
    ptr: NonNull<NET_BUFFER>,
    _nb: PhantomData<&'b mut NET_BUFFER>,
}

impl fmt::Debug for NetBuffer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetBuffer")
            .field("ptr", &self.ptr)
            .field("data_length", &self.data_length())
            .field("data_offset", &self.data_offset())
            .field("current_mdl_offset", &self.current_mdl_offset())
            .finish()
    }
}

impl NetBuffer<'_> {
    fn header(&self) -> NET_BUFFER_DATA {
        // SAFETY: the NET_BUFFER is live and owned for the borrow of `self` (contract of
        // `NblChain::from_raw`).
        unsafe { nb_header(self.ptr) }
    }

    /// The NET_BUFFER's address.
    #[must_use]
    pub fn as_ptr(&self) -> *mut NET_BUFFER {
        self.ptr.as_ptr()
    }

    /// `NET_BUFFER_DATA_LENGTH(nb)`.
    #[must_use]
    pub fn data_length(&self) -> u32 {
        let h = self.header();
        // SAFETY: both views of the union are integers; `DataLength` is the low 32 bits that
        // NDIS reads (`NET_BUFFER_DATA_LENGTH`).
        unsafe { h.Anonymous.DataLength }
    }

    /// `NET_BUFFER_DATA_OFFSET(nb)`: bytes from the start of `MdlChain` to the data (the unused
    /// "backfill" space is this many bytes).
    #[must_use]
    pub fn data_offset(&self) -> u32 {
        self.header().DataOffset
    }

    /// `NET_BUFFER_CURRENT_MDL_OFFSET(nb)`.
    #[must_use]
    pub fn current_mdl_offset(&self) -> u32 {
        self.header().CurrentMdlOffset
    }

    /// `NET_BUFFER_CURRENT_MDL(nb)` (may be NULL).
    #[must_use]
    pub fn current_mdl(&self) -> *mut MDL {
        self.header().CurrentMdl
    }

    /// `NET_BUFFER_FIRST_MDL(nb)` (may be NULL).
    #[must_use]
    pub fn mdl_chain(&self) -> *mut MDL {
        self.header().MdlChain
    }

    /// A byte view of the NET_BUFFER's `DataLength` bytes of data, starting at `CurrentMdl` +
    /// `CurrentMdlOffset`, with MDLs mapped by `mapper`. The whole geometry is validated here
    /// (every MDL holding data is mapped once), so a malformed NET_BUFFER is refused before any
    /// byte is touched.
    ///
    /// # Errors
    ///
    /// When `DataLength` is non-zero: [`NblError::NullCurrentMdl`],
    /// [`NblError::CurrentMdlOffsetOutOfRange`], [`NblError::DataBeyondMdlChain`],
    /// [`NblError::ZeroLengthMdl`], [`NblError::MdlNotMapped`], [`NblError::MdlAddressOverflow`].
    pub fn data<'s, M: MdlMapper + ?Sized>(
        &'s mut self,
        mapper: &'s M,
    ) -> Result<NbData<'s, M>, NblError> {
        let h = self.header();
        // SAFETY: both views of the union are integers (see `data_length`).
        let len = unsafe { h.Anonymous.DataLength };
        // SAFETY: `CurrentMdl` starts this NET_BUFFER's MDL chain, owned exclusively for `'s`
        // with the guarantees of `NblChain::from_raw`.
        unsafe { NbData::new(NonNull::new(h.CurrentMdl), h.CurrentMdlOffset, len, mapper) }
    }
}
