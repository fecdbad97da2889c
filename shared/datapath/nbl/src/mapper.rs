//! Getting a system virtual address for an MDL's bytes.

use core::ptr::NonNull;

use ipsecov2_abi::{MDL, MDL_MAPPED_TO_SYSTEM_VA, MDL_SOURCE_IS_NONPAGED_POOL};

/// Maps an MDL's described bytes into system address space.
///
/// The kernel implementation (provided by the driver crate) is
/// `MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute)`: the MDL's
/// `MappedSystemVa` when `MdlFlags` has `MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL`,
/// else `MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, priority)` (which
/// may fail under low resources: return `None`). On the host, [`SystemVaMapper`] does the first
/// half only.
///
/// # Safety
///
/// Implementers guarantee that a `Some(va)` returned for an MDL is the system address of the
/// first byte the MDL describes (`MmGetMdlVirtualAddress`, i.e. `StartVa + ByteOffset`, as seen
/// from system space) and that `va` is valid for reads and writes of the MDL's `ByteCount` bytes
/// for as long as the caller owns the chain the MDL belongs to (until the chain is completed,
/// returned or passed on). The crate builds `&[u8]` / `&mut [u8]` slices from that promise.
pub unsafe trait MdlMapper {
    /// The system address of the first byte `mdl` describes, or `None` if it has none (or
    /// mapping failed).
    ///
    /// # Safety
    ///
    /// `mdl` points to a live MDL header of a chain the caller owns (the contract of
    /// [`NblChain::from_raw`](crate::NblChain::from_raw)); the implementation may read it and,
    /// like `MmMapLockedPagesSpecifyCache`, update its mapping fields.
    unsafe fn system_address(&self, mdl: NonNull<MDL>) -> Option<NonNull<u8>>;
}

/// The mapper for MDLs that are already mapped: `MappedSystemVa` when `MdlFlags` has
/// `MDL_MAPPED_TO_SYSTEM_VA` or `MDL_SOURCE_IS_NONPAGED_POOL` (and the address is not NULL),
/// otherwise `None`. This is the first half of `MmGetSystemAddressForMdlSafe`; it is the mapper of
/// the host emulation, and valid in the kernel for NET_BUFFERs whose MDLs are known to be mapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemVaMapper;

// SAFETY: the contract of `NblChain::from_raw` requires that an MDL whose flags say it is mapped
// (MDL_MAPPED_TO_SYSTEM_VA or MDL_SOURCE_IS_NONPAGED_POOL) has a `MappedSystemVa` that is the
// system address of its `ByteCount` bytes, valid for reads and writes while the chain is owned,
// which is exactly what the kernel guarantees for such MDLs and what this mapper returns.
unsafe impl MdlMapper for SystemVaMapper {
    unsafe fn system_address(&self, mdl: NonNull<MDL>) -> Option<NonNull<u8>> {
        // SAFETY: the caller guarantees `mdl` points to a live MDL header (trait contract).
        let flags = unsafe { (*mdl.as_ptr()).MdlFlags } as u16;
        if flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL) == 0 {
            return None;
        }
        // SAFETY: as above.
        let va = unsafe { (*mdl.as_ptr()).MappedSystemVa };
        NonNull::new(va.cast::<u8>())
    }
}
