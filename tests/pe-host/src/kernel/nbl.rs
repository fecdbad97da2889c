//! NET_BUFFER_LIST pools, NBLs allocated with their NET_BUFFER, and MDLs, in the WDK layouts:
//! every object is tracked by address, so that a free of something not live, a pool freed with
//! NBLs still out, and anything left at unload are violations. Freed NBLs and MDLs are poisoned
//! (0xDD) before their memory goes back, so a use after free reads garbage.

use core::ffi::c_void;
use std::alloc::Layout;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::irql::{at_most, DISPATCH_LEVEL};
use super::verifier::violation;
use crate::abi::structs::{MDL, NET_BUFFER, NET_BUFFER_LIST, NET_BUFFER_LIST_POOL_PARAMETERS};

/// `NDIS_OBJECT_TYPE_DEFAULT`.
pub const NDIS_OBJECT_TYPE_DEFAULT: u8 = 0x80;
/// `MDL_SOURCE_IS_NONPAGED_POOL`.
pub const MDL_SOURCE_IS_NONPAGED_POOL: i16 = 0x4;
/// `MDL_ALLOCATED_FIXED_SIZE`.
pub const MDL_ALLOCATED_FIXED_SIZE: i16 = 0x8;
const POISON: u8 = 0xDD;
const PAGE: usize = 0x1000;

/// An NBL and its first NET_BUFFER, allocated together as NDIS does.
#[repr(C)]
struct NblBlock {
    nbl: NET_BUFFER_LIST,
    nb: NET_BUFFER,
}

/// One NBL pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// The parameters the pool was allocated with.
    pub params: NET_BUFFER_LIST_POOL_PARAMETERS,
    /// The `NdisHandle` that allocated it.
    pub owner: usize,
    /// Addresses of its NBLs not yet freed.
    pub live: HashSet<usize>,
}

// SAFETY: plain data (addresses are only compared).
unsafe impl Send for Pool {}

#[derive(Default)]
struct State {
    pools: HashMap<usize, Pool>,
    /// NBL address → (pool, context block address or 0, context size)
    nbls: HashMap<usize, (usize, usize, usize)>,
    /// MDL address → allocation size
    mdls: HashMap<usize, usize>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut State) -> T) -> Option<T> {
    STATE
        .lock()
        .ok()
        .map(|mut s| f(s.get_or_insert_with(State::default)))
}

/// (pools, NBLs, MDLs) live now.
pub fn live_counts() -> (usize, usize, usize) {
    with(|s| (s.pools.len(), s.nbls.len(), s.mdls.len())).unwrap_or_default()
}

/// Whether `nbl` is an NBL allocated by the host and not freed.
pub fn is_live_nbl(nbl: usize) -> bool {
    with(|s| s.nbls.contains_key(&nbl)).unwrap_or(false)
}

fn alloc_zeroed(size: usize, align: usize) -> Option<(*mut u8, Layout)> {
    let l = Layout::from_size_align(size.max(1), align).ok()?;
    // SAFETY: `l` has a non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(l) };
    (!p.is_null()).then_some((p, l))
}

fn poison_free(p: *mut u8, l: Layout) {
    // SAFETY: `p` is a live block of `l.size()` bytes being freed by its only owner.
    unsafe { p.write_bytes(POISON, l.size()) };
    // SAFETY: `p` was allocated with `l` and is freed once.
    unsafe { std::alloc::dealloc(p, l) };
}

/// `NDIS_HANDLE NdisAllocateNetBufferListPool(NDIS_HANDLE NdisHandle,
/// PNET_BUFFER_LIST_POOL_PARAMETERS Parameters)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_allocate_net_buffer_list_pool(
    owner: usize,
    params: *const NET_BUFFER_LIST_POOL_PARAMETERS,
) -> usize {
    at_most("NdisAllocateNetBufferListPool", DISPATCH_LEVEL);
    // SAFETY: the driver's parameters or NULL.
    let Some(p) = (unsafe { params.as_ref() }) else {
        violation("NdisAllocateNetBufferListPool: NULL parameters".to_owned());
        return 0;
    };
    if p.Header.Type != NDIS_OBJECT_TYPE_DEFAULT || p.Header.Revision != 1 || p.Header.Size < 0x10 {
        violation(format!(
            "NdisAllocateNetBufferListPool: bad header {:?}",
            p.Header
        ));
        return 0;
    }
    if p.PoolTag == 0 {
        violation("NdisAllocateNetBufferListPool: tag 0".to_owned());
    }
    if super::lowres::fail("NdisAllocateNetBufferListPool") {
        return 0;
    }
    let Some((block, _)) = alloc_zeroed(16, 16) else {
        return 0;
    };
    let handle = block as usize;
    with(|s| {
        s.pools.insert(
            handle,
            Pool {
                params: *p,
                owner,
                live: HashSet::new(),
            },
        )
    });
    handle
}

/// `VOID NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle)` — ≤ DISPATCH_LEVEL; every NBL of the
/// pool must be freed first.
pub extern "win64" fn ndis_free_net_buffer_list_pool(pool: usize) {
    at_most("NdisFreeNetBufferListPool", DISPATCH_LEVEL);
    let removed = with(|s| s.pools.remove(&pool)).flatten();
    match removed {
        None => violation(format!(
            "NdisFreeNetBufferListPool: {pool:#x} is not a live NBL pool"
        )),
        Some(p) => {
            if !p.live.is_empty() {
                violation(format!(
                    "NdisFreeNetBufferListPool: {} NBL(s) of the pool still allocated",
                    p.live.len()
                ));
            }
            if let Ok(l) = Layout::from_size_align(16, 16) {
                poison_free(pool as *mut u8, l);
            }
        }
    }
}

/// `PNET_BUFFER_LIST NdisAllocateNetBufferAndNetBufferList(NDIS_HANDLE PoolHandle, USHORT
/// ContextSize, USHORT ContextBackFill, PMDL MdlChain, ULONG DataOffset, SIZE_T DataLength)` —
/// ≤ DISPATCH_LEVEL; the pool must have been created with `fAllocateNetBuffer`.
pub extern "win64" fn ndis_allocate_net_buffer_and_net_buffer_list(
    pool: usize,
    context_size: u16,
    context_backfill: u16,
    mdl_chain: *mut MDL,
    data_offset: u32,
    data_length: usize,
) -> *mut NET_BUFFER_LIST {
    at_most("NdisAllocateNetBufferAndNetBufferList", DISPATCH_LEVEL);
    let Some(Some(params)) = with(|s| s.pools.get(&pool).map(|p| p.params)) else {
        violation(format!(
            "NdisAllocateNetBufferAndNetBufferList: {pool:#x} is not a live NBL pool"
        ));
        return core::ptr::null_mut();
    };
    if params.fAllocateNetBuffer == 0 {
        violation(
            "NdisAllocateNetBufferAndNetBufferList: pool created without fAllocateNetBuffer"
                .to_owned(),
        );
        return core::ptr::null_mut();
    }
    if super::lowres::fail("NdisAllocateNetBufferAndNetBufferList") {
        return core::ptr::null_mut();
    }
    let Some((block, _)) = alloc_zeroed(core::mem::size_of::<NblBlock>(), 16) else {
        return core::ptr::null_mut();
    };
    let block = block.cast::<NblBlock>();
    let (mut context, mut context_len) = (0usize, 0usize);
    let total = usize::from(context_size) + usize::from(context_backfill);
    if total > 0 {
        context_len = 0x10 + total;
        let Some((c, _)) = alloc_zeroed(context_len, 16) else {
            if let Ok(l) = Layout::from_size_align(core::mem::size_of::<NblBlock>(), 16) {
                poison_free(block.cast(), l);
            }
            return core::ptr::null_mut();
        };
        // NET_BUFFER_LIST_CONTEXT: Next (0), Size (+8), Offset (+0xA), data at +0x10.
        // SAFETY: `c` is a fresh block of at least 0x10 bytes, 16-aligned.
        unsafe { c.wrapping_add(8).cast::<u16>().write(total as u16) };
        // SAFETY: as above.
        unsafe { c.wrapping_add(0xA).cast::<u16>().write(context_backfill) };
        context = c as usize;
    }
    // SAFETY: `block` is a fresh, zeroed, aligned NblBlock owned here.
    let b = unsafe { &mut *block };
    b.nb.CurrentMdl = mdl_chain;
    b.nb.MdlChain = mdl_chain;
    b.nb.CurrentMdlOffset = data_offset;
    b.nb.DataOffset = data_offset;
    b.nb.DataLength = data_length;
    b.nb.NdisPoolHandle = pool as *mut c_void;
    b.nbl.FirstNetBuffer = &mut b.nb;
    b.nbl.NdisPoolHandle = pool as *mut c_void;
    b.nbl.Context = context as *mut c_void;
    let nbl: *mut NET_BUFFER_LIST = &mut b.nbl;
    with(|s| {
        if let Some(p) = s.pools.get_mut(&pool) {
            p.live.insert(nbl as usize);
        }
        s.nbls.insert(nbl as usize, (pool, context, context_len));
    });
    nbl
}

/// `VOID NdisFreeNetBufferList(PNET_BUFFER_LIST NetBufferList)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_free_net_buffer_list(nbl: *mut NET_BUFFER_LIST) {
    at_most("NdisFreeNetBufferList", DISPATCH_LEVEL);
    let entry = with(|s| {
        let e = s.nbls.remove(&(nbl as usize))?;
        if let Some(p) = s.pools.get_mut(&e.0) {
            p.live.remove(&(nbl as usize));
        }
        Some(e)
    })
    .flatten();
    let Some((_, context, context_len)) = entry else {
        violation(format!(
            "NdisFreeNetBufferList: {nbl:p} is not a live NBL (double free or foreign NBL)"
        ));
        return;
    };
    if context != 0 {
        if let Ok(l) = Layout::from_size_align(context_len, 16) {
            poison_free(context as *mut u8, l);
        }
    }
    if let Ok(l) = Layout::from_size_align(core::mem::size_of::<NblBlock>(), 16) {
        poison_free(nbl.cast(), l);
    }
}

/// `PMDL NdisAllocateMdl(NDIS_HANDLE NdisHandle, PVOID VirtualAddress, UINT Length)` —
/// ≤ DISPATCH_LEVEL; an MDL describing non-paged memory (mapped: `MappedSystemVa` is the address).
pub extern "win64" fn ndis_allocate_mdl(_handle: usize, va: *mut c_void, length: u32) -> *mut MDL {
    at_most("NdisAllocateMdl", DISPATCH_LEVEL);
    if va.is_null() {
        violation("NdisAllocateMdl: NULL address".to_owned());
        return core::ptr::null_mut();
    }
    if super::lowres::fail("NdisAllocateMdl") {
        return core::ptr::null_mut();
    }
    let start = va as usize & !(PAGE - 1);
    let offset = va as usize - start;
    let pages = (offset + length as usize).div_ceil(PAGE).max(1);
    let size = core::mem::size_of::<MDL>() + 8 * pages;
    let Some((p, _)) = alloc_zeroed(size, 8) else {
        return core::ptr::null_mut();
    };
    let mdl = p.cast::<MDL>();
    // SAFETY: a fresh, zeroed block of `size` ≥ size_of::<MDL>() bytes, 8-aligned.
    let m = unsafe { &mut *mdl };
    m.Size = size as i16;
    m.MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL | MDL_ALLOCATED_FIXED_SIZE;
    m.MappedSystemVa = va;
    m.StartVa = start as *mut c_void;
    m.ByteOffset = offset as u32;
    m.ByteCount = length;
    for i in 0..pages {
        // SAFETY: the PFN array of `pages` entries follows the header inside the block.
        unsafe {
            p.wrapping_add(core::mem::size_of::<MDL>() + 8 * i)
                .cast::<u64>()
                .write((start / PAGE + i) as u64)
        };
    }
    with(|s| s.mdls.insert(mdl as usize, size));
    mdl
}

/// `VOID NdisFreeMdl(PMDL Mdl)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_free_mdl(mdl: *mut MDL) {
    at_most("NdisFreeMdl", DISPATCH_LEVEL);
    match with(|s| s.mdls.remove(&(mdl as usize))).flatten() {
        Some(size) => {
            if let Ok(l) = Layout::from_size_align(size, 8) {
                poison_free(mdl.cast(), l);
            }
        }
        None => violation(format!(
            "NdisFreeMdl: {mdl:p} is not a live MDL from NdisAllocateMdl"
        )),
    }
}

/// `PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
/// MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress, ULONG BugCheckOnFailure, ULONG
/// Priority)` — ≤ DISPATCH_LEVEL for KernelMode. Host memory is mapped already: the address the
/// MDL describes.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn mm_map_locked_pages_specify_cache(
    mdl: *mut MDL,
    access_mode: u8,
    _cache: i32,
    requested: *mut c_void,
    _bugcheck: u32,
    _priority: u32,
) -> *mut c_void {
    at_most("MmMapLockedPagesSpecifyCache", DISPATCH_LEVEL);
    if access_mode != 0 || !requested.is_null() {
        violation(
            "MmMapLockedPagesSpecifyCache: only KernelMode without a requested address is served"
                .to_owned(),
        );
        return core::ptr::null_mut();
    }
    // SAFETY: the driver's MDL or NULL.
    let Some(m) = (unsafe { mdl.as_ref() }) else {
        violation("MmMapLockedPagesSpecifyCache: NULL MDL".to_owned());
        return core::ptr::null_mut();
    };
    (m.StartVa as usize + m.ByteOffset as usize) as *mut c_void
}
