//! The kernel implementations of the filter core's datapath abstractions:
//!
//! * [`KernelMdlMapper`]: `MmGetSystemAddressForMdlSafe(mdl, LowPagePriority |
//!   MdlMappingNoExecute)`; a failed mapping is `None`, which the core turns into a drop reason
//!   (send: the NBL is completed with the walker's status; receive: the packet goes up untouched).
//! * [`KernelTxPool`] / [`KernelTxBuffer`]: the filter-owned transmit buffers, allocated at attach
//!   — per entry a non-paged NX buffer (pool tag `IOv2`), an MDL over it (`NdisAllocateMdl`) and
//!   an NBL with one NET_BUFFER over that MDL (`NdisAllocateNetBufferAndNetBufferList` from the
//!   module's NBL pool) — on a spin-locked [`FreeList`] of NBL pointers; `acquire` only pops.
//!   Each NET_BUFFER's `ProtocolReserved[0]` names its home NBL, so that the NET_BUFFERs of a
//!   multi-NET_BUFFER send can be chained under one NBL and each returned home afterwards; a
//!   copy being sent keeps the original NBL it replaces in its own `ProtocolReserved[0]`
//!   ([`KernelTxPool::remember_original`]).
//! * [`RawChain`]: a chain under construction (what `KernelPort` passes down).
//! * [`ScratchPool`]: receive scratch buffers (the core copies a packet there to verify and
//!   decrypt it), allocated at attach, taken and returned around one receive indication.
//!
//! Everything here runs at ≤ DISPATCH_LEVEL and never allocates after attach.

use core::ptr::NonNull;

use ipsecov2_filter_core::{TxBuffer, TxPool};
use ipsecov2_nbl::MdlMapper;
use ndis_bindings::ffi::{
    ExAllocatePool2, ExFreePoolWithTag, NdisAllocateMdl, NdisAllocateNetBufferAndNetBufferList,
    NdisAllocateNetBufferListPool, NdisFreeMdl, NdisFreeNetBufferList, NdisFreeNetBufferListPool,
};
use ndis_bindings::ipsecov2_abi::{
    MDL, NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_DEFAULT, NDIS_PROTOCOL_ID_DEFAULT,
    NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1, NET_BUFFER, NET_BUFFER_LIST,
    NET_BUFFER_LIST_POOL_PARAMETERS, NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
};
use ndis_bindings::runtime::SpinLock;
use ndis_bindings::{
    mdl_mapped_system_va, LowPagePriority, MdlMappingNoExecute, MmGetSystemAddressForMdlSafe,
    NET_BUFFER_FIRST_MDL, NET_BUFFER_LIST_FIRST_NB, NET_BUFFER_LIST_POOL_HANDLE,
    NET_BUFFER_LIST_PROTOCOL_RESERVED, NET_BUFFER_LIST_SET_NEXT_NBL,
    NET_BUFFER_LIST_SET_PROTOCOL_RESERVED, NET_BUFFER_NEXT_NB, NET_BUFFER_PROTOCOL_RESERVED,
    NET_BUFFER_SET_DATA_LENGTH, NET_BUFFER_SET_NEXT_NB, NET_BUFFER_SET_PROTOCOL_RESERVED,
    POOL_FLAG_NON_PAGED,
};

use crate::free_list::FreeList;

/// `ProtocolReserved` word of a pool NET_BUFFER naming its home NBL.
const HOME_SLOT: usize = 0;
/// `ProtocolReserved` word of a pool NBL sent as a copy naming the original NBL it replaces.
const ORIGINAL_SLOT: usize = 0;
use crate::names::POOL_TAG;

/// The kernel [`MdlMapper`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct KernelMdlMapper;

// SAFETY: MmGetSystemAddressForMdlSafe returns the system address of the first byte the MDL
// describes (its MappedSystemVa, or a fresh mapping of its locked pages), valid for ByteCount
// bytes while the MDL's owner keeps it, which is the trait's contract; NULL becomes `None`.
unsafe impl MdlMapper for KernelMdlMapper {
    unsafe fn system_address(&self, mdl: NonNull<MDL>) -> Option<NonNull<u8>> {
        // SAFETY: the caller guarantees a live MDL of a chain it owns (NDIS locks the pages of
        // every NET_BUFFER it hands over); ≤ DISPATCH_LEVEL on every datapath callback.
        let va = unsafe {
            MmGetSystemAddressForMdlSafe(mdl.as_ptr(), LowPagePriority | MdlMappingNoExecute)
        };
        NonNull::new(va.cast::<u8>())
    }
}

/// An NBL pointer that may sit in a free list shared between processors.
#[derive(Clone, Copy, Debug)]
struct NblPtr(NonNull<NET_BUFFER_LIST>);

// SAFETY: an entry in the free list is owned by nobody but the list; whoever pops it owns it.
unsafe impl Send for NblPtr {}

/// The module's transmit buffers.
pub(super) struct KernelTxPool {
    nbl_pool: NDIS_HANDLE,
    buffer_size: usize,
    count: usize,
    free: SpinLock<FreeList<NblPtr>>,
}

impl core::fmt::Debug for KernelTxPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KernelTxPool")
            .field("buffer_size", &self.buffer_size)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// The buffer, MDL and NET_BUFFER of one entry.
fn entry_parts(nbl: NonNull<NET_BUFFER_LIST>) -> (*mut NET_BUFFER, *mut MDL, *mut u8) {
    // SAFETY: `nbl` is an entry of this pool (allocated with one NET_BUFFER), owned by the caller.
    let nb = unsafe { NET_BUFFER_LIST_FIRST_NB(nbl.as_ptr()) };
    if nb.is_null() {
        return (nb, core::ptr::null_mut(), core::ptr::null_mut());
    }
    // SAFETY: `nb` is the entry's NET_BUFFER.
    let mdl = unsafe { NET_BUFFER_FIRST_MDL(nb) };
    if mdl.is_null() {
        return (nb, mdl, core::ptr::null_mut());
    }
    // SAFETY: `mdl` is the entry's MDL, built by NdisAllocateMdl over non-paged pool (mapped).
    let va = unsafe { mdl_mapped_system_va(mdl) }.unwrap_or(core::ptr::null_mut());
    (nb, mdl, va.cast::<u8>())
}

impl KernelTxPool {
    /// Allocates `count` entries of `buffer_size` bytes for the filter module `filter_handle`.
    /// PASSIVE_LEVEL (FilterAttach). `None` when any allocation fails (everything allocated so
    /// far is freed).
    pub(super) fn new(
        filter_handle: NDIS_HANDLE,
        count: usize,
        buffer_size: usize,
    ) -> Option<Self> {
        let params = NET_BUFFER_LIST_POOL_PARAMETERS {
            Header: NDIS_OBJECT_HEADER::new(
                NDIS_OBJECT_TYPE_DEFAULT,
                NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
                NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
            ),
            ProtocolId: NDIS_PROTOCOL_ID_DEFAULT,
            fAllocateNetBuffer: 1,
            ContextSize: 0,
            PoolTag: POOL_TAG,
            DataSize: 0,
        };
        // SAFETY: PASSIVE_LEVEL; `params` is a complete REVISION_1 structure NDIS reads during
        // the call.
        let nbl_pool = unsafe { NdisAllocateNetBufferListPool(filter_handle, &params) };
        if nbl_pool.is_null() {
            return None;
        }
        let Some(free) = FreeList::with_capacity(count) else {
            // SAFETY: the pool was just allocated and holds no NBL.
            unsafe { NdisFreeNetBufferListPool(nbl_pool) };
            return None;
        };
        let pool = Self {
            nbl_pool,
            buffer_size,
            count,
            free: SpinLock::new(free),
        };
        let length = u32::try_from(buffer_size).ok()?;
        for _ in 0..count {
            let nbl = Self::new_entry(filter_handle, nbl_pool, length, buffer_size)?;
            if let Err((_, NblPtr(nbl))) = pool.free.lock().push(NblPtr(nbl)) {
                Self::free_entry(nbl);
                return None;
            }
        }
        Some(pool)
    }

    fn new_entry(
        filter_handle: NDIS_HANDLE,
        nbl_pool: NDIS_HANDLE,
        length: u32,
        buffer_size: usize,
    ) -> Option<NonNull<NET_BUFFER_LIST>> {
        // SAFETY: PASSIVE_LEVEL; non-paged no-execute pool with the driver's tag.
        let buffer = unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, buffer_size, POOL_TAG) };
        if buffer.is_null() {
            return None;
        }
        // SAFETY: `buffer` is `length` bytes of non-paged pool owned by this entry; NDIS builds
        // a non-paged MDL over it.
        let mdl = unsafe { NdisAllocateMdl(filter_handle, buffer, length) };
        if mdl.is_null() {
            // SAFETY: `buffer` came from ExAllocatePool2 with POOL_TAG and is unused.
            unsafe { ExFreePoolWithTag(buffer, POOL_TAG) };
            return None;
        }
        // SAFETY: `mdl` describes the whole buffer; the NBL pool was created with
        // fAllocateNetBuffer, so NDIS allocates the NBL with one NET_BUFFER over the MDL.
        let nbl =
            unsafe { NdisAllocateNetBufferAndNetBufferList(nbl_pool, 0, 0, mdl, 0, buffer_size) };
        let Some(nbl) = NonNull::new(nbl) else {
            // SAFETY: `mdl` came from NdisAllocateMdl and is unused.
            unsafe { NdisFreeMdl(mdl) };
            // SAFETY: as above for the buffer.
            unsafe { ExFreePoolWithTag(buffer, POOL_TAG) };
            return None;
        };
        // SAFETY: the NBL and its NET_BUFFER were just allocated for this filter.
        let nb = unsafe { NET_BUFFER_LIST_FIRST_NB(nbl.as_ptr()) };
        let homed = !nb.is_null()
            // SAFETY: this filter originates the NET_BUFFER; ProtocolReserved[0] is its home NBL.
            && unsafe { NET_BUFFER_SET_PROTOCOL_RESERVED(nb, HOME_SLOT, nbl.as_ptr().cast()) };
        if !homed {
            Self::free_entry(nbl);
            return None;
        }
        Some(nbl)
    }

    /// Frees one entry (NBL, MDL, buffer). PASSIVE_LEVEL or DISPATCH_LEVEL.
    fn free_entry(nbl: NonNull<NET_BUFFER_LIST>) {
        let (_, mdl, buffer) = entry_parts(nbl);
        // SAFETY: the NBL came from NdisAllocateNetBufferAndNetBufferList and is not in use.
        unsafe { NdisFreeNetBufferList(nbl.as_ptr()) };
        if !mdl.is_null() {
            // SAFETY: the MDL came from NdisAllocateMdl and its NBL is gone.
            unsafe { NdisFreeMdl(mdl) };
        }
        if !buffer.is_null() {
            // SAFETY: the buffer came from ExAllocatePool2 with POOL_TAG; nothing refers to it.
            unsafe { ExFreePoolWithTag(buffer.cast(), POOL_TAG) };
        }
    }

    /// Whether `nbl` is one of this pool's NBLs (its NBL pool handle).
    pub(super) fn owns(&self, nbl: NonNull<NET_BUFFER_LIST>) -> bool {
        // SAFETY: `nbl` is an NBL the caller owns (a send completion).
        let pool = unsafe { NET_BUFFER_LIST_POOL_HANDLE(nbl.as_ptr()) };
        pool == self.nbl_pool
    }

    /// Stores the original NBL that the filter-owned `copy` replaces, for
    /// [`KernelTxPool::release_sent`].
    ///
    /// The link lives in filter-owned memory — `ProtocolReserved[ORIGINAL_SLOT]` of the copy, a
    /// pool NBL this filter allocated and originates (the originator's words) — and not in the
    /// copy's `ParentNetBufferList`: that field tells NDIS and the drivers below that the NBL is
    /// a clone or fragment of its parent (the copy shares no memory with the original), and it
    /// belongs to whoever clones an NBL, not to a filter's own bookkeeping.
    pub(super) fn remember_original(
        copy: NonNull<NET_BUFFER_LIST>,
        original: NonNull<NET_BUFFER_LIST>,
    ) {
        // SAFETY: `copy` is a filter-owned NBL of this pool, owned by the caller; the index is
        // in range (so the write happens).
        let _ = unsafe {
            NET_BUFFER_LIST_SET_PROTOCOL_RESERVED(
                copy.as_ptr(),
                ORIGINAL_SLOT,
                original.as_ptr().cast(),
            )
        };
    }

    /// Puts an entry back: its NBL unlinked, its NET_BUFFER alone again.
    fn release(&self, nbl: NonNull<NET_BUFFER_LIST>) {
        let (nb, _, _) = entry_parts(nbl);
        // SAFETY: the entry is owned by the caller, who gives it back now.
        unsafe { NET_BUFFER_LIST_SET_NEXT_NBL(nbl.as_ptr(), core::ptr::null_mut()) };
        // SAFETY: as above; forgets the original of a previous send.
        let _ = unsafe {
            NET_BUFFER_LIST_SET_PROTOCOL_RESERVED(
                nbl.as_ptr(),
                ORIGINAL_SLOT,
                core::ptr::null_mut(),
            )
        };
        if !nb.is_null() {
            // SAFETY: the entry's own NET_BUFFER, owned with it.
            unsafe { NET_BUFFER_SET_NEXT_NB(nb, core::ptr::null_mut()) };
        }
        if let Err((_, NblPtr(lost))) = self.free.lock().push(NblPtr(nbl)) {
            // Only reachable if an entry were released twice; keep the list consistent.
            let _ = lost;
        }
    }

    /// Returns every entry of a filter-owned NBL (its NET_BUFFER chain) to the pool; returns the
    /// original NBL stored in it.
    pub(super) fn release_sent(&self, nbl: NonNull<NET_BUFFER_LIST>) -> *mut NET_BUFFER_LIST {
        // SAFETY: a filter-owned NBL just completed to this filter; `remember_original` wrote
        // this word (or `release` cleared it).
        let original = unsafe { NET_BUFFER_LIST_PROTOCOL_RESERVED(nbl.as_ptr(), ORIGINAL_SLOT) }
            .unwrap_or(core::ptr::null_mut())
            .cast::<NET_BUFFER_LIST>();
        // SAFETY: as above.
        let mut nb = unsafe { NET_BUFFER_LIST_FIRST_NB(nbl.as_ptr()) };
        while !nb.is_null() {
            // SAFETY: `nb` belongs to the completed NBL's chain, owned by this filter.
            let next = unsafe { NET_BUFFER_NEXT_NB(nb) };
            // SAFETY: this filter set ProtocolReserved[0] of every NET_BUFFER of the pool.
            let home = unsafe { NET_BUFFER_PROTOCOL_RESERVED(nb, HOME_SLOT) };
            if let Some(home) = home.and_then(|h| NonNull::new(h.cast::<NET_BUFFER_LIST>())) {
                self.release(home);
            }
            nb = next;
        }
        original
    }
}

impl Drop for KernelTxPool {
    /// FilterDetach (PASSIVE_LEVEL): every entry is back (the module is paused, every send
    /// completed).
    fn drop(&mut self) {
        let mut free = self.free.lock();
        let entries = free.drain();
        for NblPtr(nbl) in entries {
            Self::free_entry(nbl);
        }
        drop(free);
        // SAFETY: every NBL of the pool was freed above; the handle is freed once.
        unsafe { NdisFreeNetBufferListPool(self.nbl_pool) };
    }
}

/// A transmit buffer taken from a [`KernelTxPool`]; goes back when dropped unless it was staged.
pub(super) struct KernelTxBuffer<'p> {
    pool: &'p KernelTxPool,
    nbl: NonNull<NET_BUFFER_LIST>,
    data: NonNull<u8>,
    len: usize,
}

impl KernelTxBuffer<'_> {
    /// Gives up the entry (now part of a filter-owned NBL being sent); `DataLength` = length.
    pub(super) fn into_staged(self) -> (NonNull<NET_BUFFER_LIST>, *mut NET_BUFFER) {
        let this = core::mem::ManuallyDrop::new(self);
        let (nb, _, _) = entry_parts(this.nbl);
        if !nb.is_null() {
            let len = u32::try_from(this.len).unwrap_or(0);
            // SAFETY: the entry's NET_BUFFER, owned by the holder of the buffer.
            unsafe { NET_BUFFER_SET_DATA_LENGTH(nb, len) };
        }
        (this.nbl, nb)
    }
}

impl TxBuffer for KernelTxBuffer<'_> {
    fn bytes(&self) -> &[u8] {
        // SAFETY: `data` is the entry's non-paged buffer of `buffer_size` ≥ `len` bytes, owned
        // by this value until it is dropped or staged.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }
}

impl Drop for KernelTxBuffer<'_> {
    fn drop(&mut self) {
        self.pool.release(self.nbl);
    }
}

impl<'p> TxPool for &'p KernelTxPool {
    type Buffer = KernelTxBuffer<'p>;

    fn acquire(&self, len: usize) -> Option<KernelTxBuffer<'p>> {
        if len > self.buffer_size {
            return None;
        }
        let NblPtr(nbl) = self.free.lock().pop()?;
        let (_, _, data) = entry_parts(nbl);
        let Some(data) = NonNull::new(data) else {
            self.release(nbl);
            return None;
        };
        Some(KernelTxBuffer {
            pool: self,
            nbl,
            data,
            len,
        })
    }
}

/// A null-terminated NBL chain under construction (head, tail).
#[derive(Debug)]
pub(super) struct RawChain {
    head: *mut NET_BUFFER_LIST,
    tail: *mut NET_BUFFER_LIST,
}

impl RawChain {
    pub(super) const fn new() -> Self {
        Self {
            head: core::ptr::null_mut(),
            tail: core::ptr::null_mut(),
        }
    }

    /// Appends one NBL the caller owns (its `Next` is set to NULL).
    pub(super) fn push(&mut self, nbl: NonNull<NET_BUFFER_LIST>) {
        // SAFETY: the caller owns `nbl`.
        unsafe { NET_BUFFER_LIST_SET_NEXT_NBL(nbl.as_ptr(), core::ptr::null_mut()) };
        match NonNull::new(self.tail) {
            // SAFETY: `tail` is the last NBL of this owned chain.
            Some(tail) => unsafe { NET_BUFFER_LIST_SET_NEXT_NBL(tail.as_ptr(), nbl.as_ptr()) },
            None => self.head = nbl.as_ptr(),
        }
        self.tail = nbl.as_ptr();
    }

    pub(super) fn head(&self) -> *mut NET_BUFFER_LIST {
        self.head
    }
}

/// A pointer to one scratch buffer.
#[derive(Clone, Copy, Debug)]
struct ScratchPtr(NonNull<u8>);

// SAFETY: as for `NblPtr`: whoever pops the entry owns the buffer.
unsafe impl Send for ScratchPtr {}

/// The receive scratch buffers.
pub(super) struct ScratchPool {
    size: usize,
    free: SpinLock<FreeList<ScratchPtr>>,
}

impl core::fmt::Debug for ScratchPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ScratchPool")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// A scratch buffer taken from the pool; returned on drop.
pub(super) struct Scratch<'s> {
    pool: &'s ScratchPool,
    buffer: Option<ScratchPtr>,
}

impl Scratch<'_> {
    /// The bytes (empty when no buffer was free: the core then leaves packets unprocessed).
    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        match self.buffer {
            // SAFETY: the buffer is `size` bytes of non-paged pool owned by this value.
            Some(ScratchPtr(p)) => unsafe {
                core::slice::from_raw_parts_mut(p.as_ptr(), self.pool.size)
            },
            None => &mut [],
        }
    }
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.buffer.take() {
            let _ = self.pool.free.lock().push(b);
        }
    }
}

impl ScratchPool {
    /// `count` buffers of `size` bytes (PASSIVE_LEVEL); `None` when memory runs out.
    pub(super) fn new(count: usize, size: usize) -> Option<Self> {
        let pool = Self {
            size,
            free: SpinLock::new(FreeList::with_capacity(count)?),
        };
        for _ in 0..count {
            // SAFETY: non-paged no-execute pool with the driver's tag.
            let p = unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, size, POOL_TAG) };
            let p = NonNull::new(p.cast::<u8>())?;
            if let Err((_, ScratchPtr(p))) = pool.free.lock().push(ScratchPtr(p)) {
                // SAFETY: the block was just allocated with POOL_TAG and is unused.
                unsafe { ExFreePoolWithTag(p.as_ptr().cast(), POOL_TAG) };
            }
        }
        Some(pool)
    }

    /// A free buffer, or an empty one when all are in use. ≤ DISPATCH_LEVEL, no allocation.
    pub(super) fn take(&self) -> Scratch<'_> {
        Scratch {
            pool: self,
            buffer: self.free.lock().pop(),
        }
    }
}

impl Drop for ScratchPool {
    fn drop(&mut self) {
        let mut free = self.free.lock();
        for ScratchPtr(p) in free.drain() {
            // SAFETY: every buffer is back (no receive is in progress at detach) and came from
            // ExAllocatePool2 with POOL_TAG.
            unsafe { ExFreePoolWithTag(p.as_ptr().cast(), POOL_TAG) };
        }
    }
}
