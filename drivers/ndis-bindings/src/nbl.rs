//! The NBL/NB/MDL accessor macros of ndis.h and wdm.h as inline functions.
//!
//! NBLs and NBs are NDIS-owned memory reached through raw pointers, so every accessor is an
//! `unsafe fn` whose contract is "the pointer designates a live object of that type that the
//! caller currently owns (it was handed to the caller and not yet handed back)". Each reads or
//! writes exactly one field with one raw-pointer operation; nothing here can panic.

use core::mem::offset_of;

use ipsecov2_abi::{
    MaxNetBufferListInfo, MDL, MDL_MAPPED_TO_SYSTEM_VA, MDL_SOURCE_IS_NONPAGED_POOL,
    NDIS_NET_BUFFER_LIST_INFO, NDIS_STATUS, NET_BUFFER, NET_BUFFER_DATA, NET_BUFFER_LIST,
    NET_BUFFER_LIST_DATA, PVOID, ULONG,
};

pub use ipsecov2_abi::{
    NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL, NDIS_TEST_RECEIVE_CANNOT_PEND, NDIS_TEST_RECEIVE_CAN_PEND,
    NDIS_TEST_SEND_AT_DISPATCH_LEVEL,
};

use ipsecov2_abi::{NDIS_RETURN_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL};

/// `NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(flags)`.
#[inline]
#[must_use]
pub const fn NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(flags: ULONG) -> bool {
    flags & NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL == NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL
}

/// `NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(flags)`.
#[inline]
#[must_use]
pub const fn NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(flags: ULONG) -> bool {
    flags & NDIS_RETURN_FLAGS_DISPATCH_LEVEL == NDIS_RETURN_FLAGS_DISPATCH_LEVEL
}

/// Address of field `offset` of `base`, typed `T` (no memory access).
#[inline]
fn field<B, T>(base: *const B, offset: usize) -> *mut T {
    base.cast::<u8>()
        .cast_mut()
        .wrapping_add(offset)
        .cast::<T>()
}

/// `NET_BUFFER_LIST_NEXT_NBL(nbl)`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_LIST_NEXT_NBL(nbl: *const NET_BUFFER_LIST) -> *mut NET_BUFFER_LIST {
    let p = field::<_, *mut NET_BUFFER_LIST>(nbl, offset_of!(NET_BUFFER_LIST_DATA, Next));
    // SAFETY: `{Next, FirstNetBuffer}` is the layout at offset 0 of every NBL (union member of
    // `Anonymous1`), `p` is 8-aligned inside the caller-owned NBL.
    unsafe { p.read() }
}

/// `NET_BUFFER_LIST_NEXT_NBL(nbl) = next`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
pub unsafe fn NET_BUFFER_LIST_SET_NEXT_NBL(nbl: *mut NET_BUFFER_LIST, next: *mut NET_BUFFER_LIST) {
    let p = field::<_, *mut NET_BUFFER_LIST>(nbl, offset_of!(NET_BUFFER_LIST_DATA, Next));
    // SAFETY: as for `NET_BUFFER_LIST_NEXT_NBL`; the caller owns the NBL, so it may relink it.
    unsafe { p.write(next) }
}

/// `NET_BUFFER_LIST_FIRST_NB(nbl)`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_LIST_FIRST_NB(nbl: *const NET_BUFFER_LIST) -> *mut NET_BUFFER {
    let p = field::<_, *mut NET_BUFFER>(nbl, offset_of!(NET_BUFFER_LIST_DATA, FirstNetBuffer));
    // SAFETY: `FirstNetBuffer` is at +0x08 of every NBL; `p` is aligned and inside the NBL.
    unsafe { p.read() }
}

/// `NET_BUFFER_LIST_STATUS(nbl)`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_LIST_STATUS(nbl: *const NET_BUFFER_LIST) -> NDIS_STATUS {
    let p = field::<_, NDIS_STATUS>(nbl, offset_of!(NET_BUFFER_LIST, Anonymous2));
    // SAFETY: `Status` is the `NDIS_STATUS` view of the 4-byte union at +0x8C of the NBL.
    unsafe { p.read() }
}

/// `NET_BUFFER_LIST_STATUS(nbl) = status`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
pub unsafe fn NET_BUFFER_LIST_SET_STATUS(nbl: *mut NET_BUFFER_LIST, status: NDIS_STATUS) {
    let p = field::<_, NDIS_STATUS>(nbl, offset_of!(NET_BUFFER_LIST, Anonymous2));
    // SAFETY: as for `NET_BUFFER_LIST_STATUS`; the caller owns the NBL.
    unsafe { p.write(status) }
}

/// `NET_BUFFER_LIST_INFO(nbl, id)`; `None` when `id` is outside `0..MaxNetBufferListInfo`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_LIST_INFO(
    nbl: *const NET_BUFFER_LIST,
    id: NDIS_NET_BUFFER_LIST_INFO,
) -> Option<PVOID> {
    let index = usize::try_from(id)
        .ok()
        .filter(|&i| i < MaxNetBufferListInfo as usize)?;
    let p = field::<_, PVOID>(
        nbl,
        offset_of!(NET_BUFFER_LIST, NetBufferListInfo) + index * 8,
    );
    // SAFETY: `index` < MaxNetBufferListInfo, so `p` is slot `index` of `NetBufferListInfo`
    // inside the NBL (NDIS allocates every NBL with at least that many slots).
    Some(unsafe { p.read() })
}

/// `NET_BUFFER_LIST_INFO(nbl, id) = value`; returns `false` (and writes nothing) when `id` is
/// outside `0..MaxNetBufferListInfo`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
pub unsafe fn NET_BUFFER_LIST_SET_INFO(
    nbl: *mut NET_BUFFER_LIST,
    id: NDIS_NET_BUFFER_LIST_INFO,
    value: PVOID,
) -> bool {
    let Some(index) = usize::try_from(id)
        .ok()
        .filter(|&i| i < MaxNetBufferListInfo as usize)
    else {
        return false;
    };
    let p = field::<_, PVOID>(
        nbl,
        offset_of!(NET_BUFFER_LIST, NetBufferListInfo) + index * 8,
    );
    // SAFETY: as for `NET_BUFFER_LIST_INFO`; the caller owns the NBL.
    unsafe { p.write(value) };
    true
}

/// `NET_BUFFER_NEXT_NB(nb)`.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_NEXT_NB(nb: *const NET_BUFFER) -> *mut NET_BUFFER {
    let p = field::<_, *mut NET_BUFFER>(nb, offset_of!(NET_BUFFER_DATA, Next));
    // SAFETY: the `NET_BUFFER_DATA` layout is at offset 0 of every NB (union member).
    unsafe { p.read() }
}

/// `NET_BUFFER_FIRST_MDL(nb)`.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_FIRST_MDL(nb: *const NET_BUFFER) -> *mut MDL {
    let p = field::<_, *mut MDL>(nb, offset_of!(NET_BUFFER_DATA, MdlChain));
    // SAFETY: `MdlChain` is at +0x20 of every NB.
    unsafe { p.read() }
}

/// `NET_BUFFER_CURRENT_MDL(nb)`.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_CURRENT_MDL(nb: *const NET_BUFFER) -> *mut MDL {
    let p = field::<_, *mut MDL>(nb, offset_of!(NET_BUFFER_DATA, CurrentMdl));
    // SAFETY: `CurrentMdl` is at +0x08 of every NB.
    unsafe { p.read() }
}

/// `NET_BUFFER_CURRENT_MDL_OFFSET(nb)`.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_CURRENT_MDL_OFFSET(nb: *const NET_BUFFER) -> ULONG {
    let p = field::<_, ULONG>(nb, offset_of!(NET_BUFFER_DATA, CurrentMdlOffset));
    // SAFETY: `CurrentMdlOffset` is the ULONG at +0x10 of every NB.
    unsafe { p.read() }
}

/// `NET_BUFFER_DATA_LENGTH(nb)` (the `ULONG` view of the length union).
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_DATA_LENGTH(nb: *const NET_BUFFER) -> ULONG {
    let p = field::<_, ULONG>(nb, offset_of!(NET_BUFFER_DATA, Anonymous));
    // SAFETY: `DataLength` is the ULONG view (low half on x64) of the union at +0x18.
    unsafe { p.read() }
}

/// `NET_BUFFER_DATA_LENGTH(nb) = length` (the `ULONG` view, as the macro writes it).
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
pub unsafe fn NET_BUFFER_SET_DATA_LENGTH(nb: *mut NET_BUFFER, length: ULONG) {
    let p = field::<_, ULONG>(nb, offset_of!(NET_BUFFER_DATA, Anonymous));
    // SAFETY: as for `NET_BUFFER_DATA_LENGTH`; the caller owns the NB.
    unsafe { p.write(length) }
}

/// `NET_BUFFER_NEXT_NB(nb) = next`.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
pub unsafe fn NET_BUFFER_SET_NEXT_NB(nb: *mut NET_BUFFER, next: *mut NET_BUFFER) {
    let p = field::<_, *mut NET_BUFFER>(nb, offset_of!(NET_BUFFER_DATA, Next));
    // SAFETY: as for `NET_BUFFER_NEXT_NB`; the caller owns the NB, so it may relink it.
    unsafe { p.write(next) }
}

/// `NET_BUFFER_PROTOCOL_RESERVED(nb)[index]`: the originator's per-NB words (6 on x64). `None`
/// for an index out of range.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller allocated (its originator).
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_PROTOCOL_RESERVED(nb: *const NET_BUFFER, index: usize) -> Option<PVOID> {
    if index >= 6 {
        return None;
    }
    let p = field::<_, PVOID>(nb, offset_of!(NET_BUFFER, ProtocolReserved) + index * 8);
    // SAFETY: `index` < 6, so `p` is word `index` of `ProtocolReserved` inside the NB.
    Some(unsafe { p.read() })
}

/// `NET_BUFFER_PROTOCOL_RESERVED(nb)[index] = value`; `false` (nothing written) for an index out
/// of range.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller allocated (its originator) and owns.
#[inline]
pub unsafe fn NET_BUFFER_SET_PROTOCOL_RESERVED(
    nb: *mut NET_BUFFER,
    index: usize,
    value: PVOID,
) -> bool {
    if index >= 6 {
        return false;
    }
    let p = field::<_, PVOID>(nb, offset_of!(NET_BUFFER, ProtocolReserved) + index * 8);
    // SAFETY: as for `NET_BUFFER_PROTOCOL_RESERVED`; the caller owns the NB.
    unsafe { p.write(value) };
    true
}

/// `NET_BUFFER_LIST_PROTOCOL_RESERVED(nbl)[index]`: the originator's per-NBL words (4 on x64).
/// `None` for an index out of range.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller allocated (its originator).
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_LIST_PROTOCOL_RESERVED(
    nbl: *const NET_BUFFER_LIST,
    index: usize,
) -> Option<PVOID> {
    if index >= 4 {
        return None;
    }
    let p = field::<_, PVOID>(
        nbl,
        offset_of!(NET_BUFFER_LIST, ProtocolReserved) + index * 8,
    );
    // SAFETY: `index` < 4, so `p` is word `index` of `ProtocolReserved` inside the NBL.
    Some(unsafe { p.read() })
}

/// `NET_BUFFER_LIST_PROTOCOL_RESERVED(nbl)[index] = value`; `false` (nothing written) for an
/// index out of range.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller allocated (its originator) and owns.
#[inline]
pub unsafe fn NET_BUFFER_LIST_SET_PROTOCOL_RESERVED(
    nbl: *mut NET_BUFFER_LIST,
    index: usize,
    value: PVOID,
) -> bool {
    if index >= 4 {
        return false;
    }
    let p = field::<_, PVOID>(
        nbl,
        offset_of!(NET_BUFFER_LIST, ProtocolReserved) + index * 8,
    );
    // SAFETY: as for `NET_BUFFER_LIST_PROTOCOL_RESERVED`; the caller owns the NBL.
    unsafe { p.write(value) };
    true
}

/// `nbl->ParentNetBufferList`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_LIST_PARENT(nbl: *const NET_BUFFER_LIST) -> *mut NET_BUFFER_LIST {
    let p = field::<_, *mut NET_BUFFER_LIST>(nbl, offset_of!(NET_BUFFER_LIST, ParentNetBufferList));
    // SAFETY: `ParentNetBufferList` is an aligned pointer field of the NBL.
    unsafe { p.read() }
}

/// `nbl->ParentNetBufferList = parent`.
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller allocated and owns.
#[inline]
pub unsafe fn NET_BUFFER_LIST_SET_PARENT(nbl: *mut NET_BUFFER_LIST, parent: *mut NET_BUFFER_LIST) {
    let p = field::<_, *mut NET_BUFFER_LIST>(nbl, offset_of!(NET_BUFFER_LIST, ParentNetBufferList));
    // SAFETY: as for `NET_BUFFER_LIST_PARENT`; the caller owns the NBL.
    unsafe { p.write(parent) }
}

/// `nbl->SourceHandle = handle` (a filter sets its `NdisFilterHandle` on the NBLs it originates,
/// so that NDIS returns them to its `FilterSendNetBufferListsComplete`).
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller allocated and owns.
#[inline]
pub unsafe fn NET_BUFFER_LIST_SET_SOURCE_HANDLE(nbl: *mut NET_BUFFER_LIST, handle: PVOID) {
    let p = field::<_, PVOID>(nbl, offset_of!(NET_BUFFER_LIST, SourceHandle));
    // SAFETY: `SourceHandle` is an aligned pointer field of the caller-owned NBL.
    unsafe { p.write(handle) }
}

/// `nbl->NdisPoolHandle` (what `NdisGetPoolFromNetBufferList` returns).
///
/// # Safety
///
/// `nbl` must point to a live `NET_BUFFER_LIST` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_LIST_POOL_HANDLE(nbl: *const NET_BUFFER_LIST) -> PVOID {
    let p = field::<_, PVOID>(nbl, offset_of!(NET_BUFFER_LIST, NdisPoolHandle));
    // SAFETY: `NdisPoolHandle` is an aligned pointer field of the NBL.
    unsafe { p.read() }
}

/// `NET_BUFFER_DATA_OFFSET(nb)`.
///
/// # Safety
///
/// `nb` must point to a live `NET_BUFFER` the caller owns.
#[inline]
#[must_use]
pub unsafe fn NET_BUFFER_DATA_OFFSET(nb: *const NET_BUFFER) -> ULONG {
    let p = field::<_, ULONG>(nb, offset_of!(NET_BUFFER_DATA, DataOffset));
    // SAFETY: `DataOffset` is the ULONG at +0x28 of every NB.
    unsafe { p.read() }
}

/// Number of NBLs of the chain that starts at `nbl` (0 for null), following
/// `NET_BUFFER_LIST_NEXT_NBL`. Saturates at `u32::MAX`.
///
/// # Safety
///
/// Every NBL of the chain must be live and owned by the caller, and the chain must be
/// null-terminated.
#[must_use]
pub unsafe fn net_buffer_list_chain_len(mut nbl: *const NET_BUFFER_LIST) -> u32 {
    let mut count: u32 = 0;
    while !nbl.is_null() {
        count = count.saturating_add(1);
        // SAFETY: `nbl` is a non-null element of a caller-owned, null-terminated chain.
        nbl = unsafe { NET_BUFFER_LIST_NEXT_NBL(nbl) };
    }
    count
}

/// Sets `NET_BUFFER_LIST_STATUS` of every NBL of the chain (used to complete sends with an
/// error status).
///
/// # Safety
///
/// As for [`net_buffer_list_chain_len`].
pub unsafe fn net_buffer_list_chain_set_status(mut nbl: *mut NET_BUFFER_LIST, status: NDIS_STATUS) {
    while !nbl.is_null() {
        // SAFETY: `nbl` is a non-null element of a caller-owned chain.
        unsafe { NET_BUFFER_LIST_SET_STATUS(nbl, status) };
        // SAFETY: as above.
        nbl = unsafe { NET_BUFFER_LIST_NEXT_NBL(nbl) };
    }
}

/// `MmGetMdlByteCount(mdl)`.
///
/// # Safety
///
/// `mdl` must point to a live MDL.
#[inline]
#[must_use]
pub unsafe fn MmGetMdlByteCount(mdl: *const MDL) -> ULONG {
    // SAFETY: the caller guarantees `mdl` is a live MDL.
    unsafe { (*mdl).ByteCount }
}

/// `MmGetMdlByteOffset(mdl)`.
///
/// # Safety
///
/// `mdl` must point to a live MDL.
#[inline]
#[must_use]
pub unsafe fn MmGetMdlByteOffset(mdl: *const MDL) -> ULONG {
    // SAFETY: the caller guarantees `mdl` is a live MDL.
    unsafe { (*mdl).ByteOffset }
}

/// The system VA of an MDL that is already mapped (`MDL_MAPPED_TO_SYSTEM_VA` or
/// `MDL_SOURCE_IS_NONPAGED_POOL` set): the fast path of `MmGetSystemAddressForMdlSafe`.
/// `None` when the MDL needs mapping.
///
/// # Safety
///
/// `mdl` must point to a live MDL.
#[inline]
#[must_use]
pub unsafe fn mdl_mapped_system_va(mdl: *const MDL) -> Option<PVOID> {
    // SAFETY: the caller guarantees `mdl` is a live MDL.
    let flags = unsafe { (*mdl).MdlFlags } as u16;
    if flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL) != 0 {
        // SAFETY: as above.
        Some(unsafe { (*mdl).MappedSystemVa })
    } else {
        None
    }
}

/// `MmGetSystemAddressForMdlSafe(mdl, priority)` (a `FORCEINLINE` in wdm.h): the mapped VA when
/// the MDL is mapped or describes non-paged pool, otherwise
/// `MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, priority)`. Null on
/// failure. Pass `priority | MdlMappingNoExecute` as `NdisQueryMdl` does.
///
/// # Safety
///
/// `mdl` must point to a live MDL whose pages are locked; ≤ DISPATCH_LEVEL.
#[cfg(target_os = "windows")]
#[inline]
#[must_use]
pub unsafe fn MmGetSystemAddressForMdlSafe(
    mdl: *mut MDL,
    priority: crate::types::MM_PAGE_PRIORITY,
) -> PVOID {
    // SAFETY: forwarded contract.
    if let Some(va) = unsafe { mdl_mapped_system_va(mdl) } {
        return va;
    }
    // SAFETY: the caller guarantees a live, locked MDL at ≤ DISPATCH_LEVEL; KernelMode mapping
    // with BugCheckOnFailure = FALSE returns null on failure instead of bug-checking.
    unsafe {
        crate::ffi::MmMapLockedPagesSpecifyCache(
            mdl,
            crate::types::KernelMode,
            crate::types::MmCached,
            core::ptr::null_mut(),
            0,
            priority,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipsecov2_abi::{IPsecOffloadV2NetBufferListInfo, NDIS_STATUS_PAUSED};

    #[test]
    fn chain_walk_status_and_info() {
        let mut a = NET_BUFFER_LIST::zeroed();
        let mut b = NET_BUFFER_LIST::zeroed();
        let mut nb = NET_BUFFER::zeroed();
        let pb: *mut NET_BUFFER_LIST = &mut b;
        let pa: *mut NET_BUFFER_LIST = &mut a;
        let pnb: *mut NET_BUFFER = &mut nb;
        // SAFETY: all three objects are live locals owned by the test.
        unsafe {
            NET_BUFFER_LIST_SET_NEXT_NBL(pa, pb);
        }
        a.Anonymous1.Anonymous.FirstNetBuffer = pnb;
        // SAFETY: as above.
        assert_eq!(unsafe { net_buffer_list_chain_len(pa) }, 2);
        // SAFETY: as above.
        assert_eq!(unsafe { NET_BUFFER_LIST_FIRST_NB(pa) }, pnb);
        // SAFETY: as above.
        unsafe { net_buffer_list_chain_set_status(pa, NDIS_STATUS_PAUSED) };
        // SAFETY: reading the plain-data union written above.
        assert_eq!(unsafe { b.Anonymous2.Status }, NDIS_STATUS_PAUSED);
        let v = 0x1234usize as PVOID;
        // SAFETY: as above.
        assert!(unsafe { NET_BUFFER_LIST_SET_INFO(pa, IPsecOffloadV2NetBufferListInfo, v) });
        assert_eq!(a.info(IPsecOffloadV2NetBufferListInfo), v);
        // SAFETY: as above.
        let out_of_range = unsafe { NET_BUFFER_LIST_INFO(pa, MaxNetBufferListInfo) };
        assert_eq!(out_of_range, None);
        // SAFETY: as above.
        assert!(!unsafe { NET_BUFFER_LIST_SET_INFO(pa, -1, v) });
        // SAFETY: null is an empty chain.
        assert_eq!(unsafe { net_buffer_list_chain_len(core::ptr::null()) }, 0);
    }

    #[test]
    fn net_buffer_fields() {
        let mut nb = NET_BUFFER::zeroed();
        nb.Anonymous1.Anonymous = ipsecov2_abi::NET_BUFFER_DATA {
            Anonymous: ipsecov2_abi::NET_BUFFER_DATA_Anonymous { DataLength: 1500 },
            DataOffset: 14,
            CurrentMdlOffset: 6,
            ..ipsecov2_abi::NET_BUFFER_DATA::zeroed()
        };
        let p: *const NET_BUFFER = &nb;
        // SAFETY: `nb` is a live local.
        assert_eq!(unsafe { NET_BUFFER_DATA_LENGTH(p) }, 1500);
        // SAFETY: as above.
        assert_eq!(unsafe { NET_BUFFER_DATA_OFFSET(p) }, 14);
        // SAFETY: as above.
        assert_eq!(unsafe { NET_BUFFER_CURRENT_MDL_OFFSET(p) }, 6);
        // SAFETY: as above.
        assert!(unsafe { NET_BUFFER_NEXT_NB(p) }.is_null());
        // SAFETY: as above.
        assert!(unsafe { NET_BUFFER_CURRENT_MDL(p) }.is_null());
        // SAFETY: as above.
        assert!(unsafe { NET_BUFFER_FIRST_MDL(p) }.is_null());
    }

    #[test]
    fn mdl_fast_path() {
        let mut m = MDL::zeroed();
        m.MappedSystemVa = 0x1000usize as PVOID;
        m.ByteCount = 64;
        m.ByteOffset = 8;
        // SAFETY: `m` is a live local.
        assert_eq!(unsafe { mdl_mapped_system_va(&m) }, None);
        m.MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL as i16;
        // SAFETY: as above.
        let mapped = unsafe { mdl_mapped_system_va(&m) };
        assert_eq!(mapped, Some(0x1000usize as PVOID));
        // SAFETY: as above.
        assert_eq!(unsafe { MmGetMdlByteCount(&m) }, 64);
        // SAFETY: as above.
        assert_eq!(unsafe { MmGetMdlByteOffset(&m) }, 8);
    }

    #[test]
    fn dispatch_level_tests() {
        assert!(NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(1));
        assert!(!NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(2));
        assert!(NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(3));
        assert!(!NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(0));
        assert!(NDIS_TEST_SEND_AT_DISPATCH_LEVEL(1));
        assert!(NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(1));
        assert!(NDIS_TEST_RECEIVE_CAN_PEND(1));
        assert!(NDIS_TEST_RECEIVE_CANNOT_PEND(2));
    }
}
