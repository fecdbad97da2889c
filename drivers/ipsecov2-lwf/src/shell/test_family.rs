//! The control device's test family, carried out on a filter module (docs/control-plane.md):
//! what `ipsecov2-hlk --target device` drives. Reached only through `ioctl::device_control`,
//! which holds the control lock (so the module cannot detach meanwhile) and has checked that
//! the module's `ControlTestFamily` keyword is set.
//!
//! - [`oid`]: a raw OID request built in the driver's own pool memory (the request and a copy of
//!   the client's InformationBuffer, its list's `Next` links rebased onto the copy by
//!   `ipsecov2_oid::rebase`) and handed to the module through `filter::oid_request`, the entry
//!   NDIS calls for TCP/IP's requests. The answer carries the status, BytesRead/Written/Needed
//!   and the buffer as the module left it (links moved back). A request the module passed down
//!   and that pended is answered `NDIS_STATUS_PENDING` and freed when its clone completes
//!   ([`free_abandoned`], from the port's `complete_oid_up`).
//! - [`offload`]: the `NDIS_OFFLOAD` the module indicates up (current configuration or
//!   hardware capabilities, `FilterModule::current_offload` / `hardware_offload`).
//! - [`inject`]: an NBL chain built from the request (a per-request NBL pool; per NET_BUFFER a
//!   non-paged buffer, one MDL per requested `ByteCount`, the NBL information set) and run
//!   through the module's own send or receive path over a diverted port: nothing reaches the
//!   miniport or TCP/IP. A send's copies are completed back as the miniport would (success),
//!   a receive's indications are returned as TCP/IP would. Every allocation is fallible (no
//!   memory: `STATUS_INSUFFICIENT_RESOURCES` in the answer, everything freed); NBLs the module
//!   did not give back are left allocated rather than freed under it.

use core::mem::offset_of;
use core::ptr::NonNull;

use alloc::vec::Vec;

use ipsecov2_ioctl::dispatch::{InjectAnswer, NblOutcome, OidAnswer};
use ipsecov2_ioctl::request::{InjectNbls, InjectPath, OidKind, MAX_INJECT_NBLS};
use ipsecov2_ioctl::{DispatchError, Dispatcher};
use ipsecov2_nbl::NblChain;
use ndis_bindings::ffi::{
    ExAllocatePool2, ExFreePoolWithTag, NdisAllocateMdl, NdisAllocateNetBufferAndNetBufferList,
    NdisAllocateNetBufferListPool, NdisFreeMdl, NdisFreeNetBufferList, NdisFreeNetBufferListPool,
};
use ndis_bindings::ipsecov2_abi::{
    IPsecOffloadV2HeaderNetBufferListInfo, IPsecOffloadV2NetBufferListInfo,
    IPsecOffloadV2TunnelNetBufferListInfo, NdisRequestMethod, NdisRequestQueryInformation,
    NdisRequestSetInformation, TcpIpChecksumNetBufferListInfo, MDL, NDIS_HANDLE,
    NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_DEFAULT, NDIS_OBJECT_TYPE_OID_REQUEST, NDIS_OFFLOAD,
    NDIS_OID_REQUEST, NDIS_OID_REQUEST_DATA_METHOD_INFORMATION,
    NDIS_OID_REQUEST_DATA_QUERY_INFORMATION, NDIS_OID_REQUEST_DATA_SET_INFORMATION,
    NDIS_OID_REQUEST_REVISION_2, NDIS_PROTOCOL_ID_DEFAULT, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL,
    NDIS_RETURN_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL,
    NDIS_SEND_FLAGS_DISPATCH_LEVEL, NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
    NDIS_SIZEOF_OID_REQUEST_REVISION_2, NDIS_STATUS_PENDING, NDIS_STATUS_SUCCESS, NET_BUFFER,
    NET_BUFFER_DATA, NET_BUFFER_LIST, NET_BUFFER_LIST_POOL_PARAMETERS,
    NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1, PVOID,
};
use ndis_bindings::runtime::PoolBox;
use ndis_bindings::{
    NET_BUFFER_LIST_FIRST_NB, NET_BUFFER_LIST_NEXT_NBL, NET_BUFFER_LIST_SET_NEXT_NBL,
    NET_BUFFER_LIST_SET_STATUS, NET_BUFFER_SET_NEXT_NB, POOL_FLAG_NON_PAGED,
};

use super::datapath::{KernelMdlMapper, RawChain};
use super::filter::{module, oid_request, ModuleContext};
use super::port::{read_view, OidPath};
use super::xstate::KernelXstate;
use crate::names::POOL_TAG;

/// `STATUS_INSUFFICIENT_RESOURCES`: the driver could not allocate what the test needs.
pub(super) const STATUS_INSUFFICIENT_RESOURCES: u32 = 0xC000_009A;
/// `STATUS_INVALID_PARAMETER`: an OID list whose `Next` links leave the buffer (the driver
/// reads nothing outside what the client gave).
pub(super) const STATUS_INVALID_PARAMETER: u32 = 0xC000_000D;

/// What marks a test-family OID request (its `RequestHandle`): the address of this static.
static TEST_REQUEST_MARK: u8 = 0;

fn mark() -> NDIS_HANDLE {
    core::ptr::addr_of!(TEST_REQUEST_MARK).cast_mut().cast()
}

/// Whether `request` is a test-family request (built by [`oid`]).
pub(super) fn is_test_request(request: *const NDIS_OID_REQUEST) -> bool {
    // SAFETY: the port passes the original request it completes, live until completed.
    unsafe { request.as_ref() }.is_some_and(|r| r.RequestHandle == mark())
}

type RequestBox = PoolBox<NDIS_OID_REQUEST, POOL_TAG>;

/// Frees a test request and its InformationBuffer (built by [`oid`]).
fn free_request(request: NonNull<NDIS_OID_REQUEST>) {
    // SAFETY: the request is ours (built by `oid`) and nobody refers to it any more.
    let (_, buffer, ..) = read_view(unsafe { request.as_ref() });
    free_pool(buffer.cast());
    // SAFETY: `request` came from `RequestBox::into_raw` and is freed once, here.
    drop(unsafe { RequestBox::from_raw(request) });
}

/// A test request whose clone pended: freed when the clone completes.
pub(super) fn free_abandoned(request: *mut NDIS_OID_REQUEST) {
    if let Some(r) = NonNull::new(request) {
        free_request(r);
    }
}

fn free_pool(p: PVOID) {
    if !p.is_null() {
        // SAFETY: every pool block of this file came from ExAllocatePool2 with POOL_TAG and is
        // freed once, when nothing refers to it any more.
        unsafe { ExFreePoolWithTag(p, POOL_TAG) };
    }
}

/// `n` zeroed bytes of non-paged pool (ExAllocatePool2 zeroes); null for 0 or no memory.
fn alloc_pool(n: usize) -> PVOID {
    if n == 0 {
        return core::ptr::null_mut();
    }
    // SAFETY: ≤ DISPATCH_LEVEL; non-paged pool with the driver's tag.
    unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, n, POOL_TAG) }
}

/// The bytes at `p` (null: none).
fn bytes_mut<'a>(p: PVOID, n: usize) -> &'a mut [u8] {
    match NonNull::new(p.cast::<u8>()) {
        // SAFETY: `p` is a pool block of at least `n` bytes owned by the caller for `'a`.
        Some(p) if n > 0 => unsafe { core::slice::from_raw_parts_mut(p.as_ptr(), n) },
        _ => &mut [],
    }
}

/// The OID request's `DATA` view for `kind` over `buffer`.
fn request_for(oid: u32, kind: OidKind, buffer: PVOID, input: usize, len: u32) -> NDIS_OID_REQUEST {
    let mut r = NDIS_OID_REQUEST {
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_OID_REQUEST,
            NDIS_OID_REQUEST_REVISION_2,
            NDIS_SIZEOF_OID_REQUEST_REVISION_2,
        ),
        RequestHandle: mark(),
        RequestId: core::ptr::null_mut(),
        ..NDIS_OID_REQUEST::default()
    };
    match kind {
        OidKind::Set => {
            r.RequestType = NdisRequestSetInformation;
            r.DATA.SET_INFORMATION = NDIS_OID_REQUEST_DATA_SET_INFORMATION {
                Oid: oid,
                InformationBuffer: buffer,
                InformationBufferLength: len,
                BytesRead: 0,
                BytesNeeded: 0,
            };
        }
        OidKind::Query => {
            r.RequestType = NdisRequestQueryInformation;
            r.DATA.QUERY_INFORMATION = NDIS_OID_REQUEST_DATA_QUERY_INFORMATION {
                Oid: oid,
                InformationBuffer: buffer,
                InformationBufferLength: len,
                BytesWritten: 0,
                BytesNeeded: 0,
            };
        }
        OidKind::Method => {
            r.RequestType = NdisRequestMethod;
            r.DATA.METHOD_INFORMATION = NDIS_OID_REQUEST_DATA_METHOD_INFORMATION {
                Oid: oid,
                InformationBuffer: buffer,
                InputBufferLength: u32::try_from(input).unwrap_or(len),
                OutputBufferLength: len,
                MethodId: 0,
                BytesWritten: 0,
                BytesRead: 0,
                BytesNeeded: 0,
            };
        }
    }
    r
}

/// A `TestOid` request of the module `context`: the answer written into `out`.
#[allow(clippy::too_many_arguments)]
pub(super) fn oid(
    context: usize,
    oid: u32,
    kind: OidKind,
    info: &[u8],
    info_len: u32,
    base: u64,
    direct: bool,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    let len = usize::try_from(info_len).unwrap_or(usize::MAX);
    let buffer = alloc_pool(len);
    if len > 0 && buffer.is_null() {
        return Dispatcher::complete_test(out, STATUS_INSUFFICIENT_RESOURCES, &[]);
    }
    let copy = bytes_mut(buffer, len);
    if let Some(dst) = copy.get_mut(..info.len()) {
        dst.copy_from_slice(info);
    }
    let here = buffer as u64;
    if ipsecov2_oid::rebase::rebase(oid, copy, base, here).is_err() {
        free_pool(buffer);
        return Dispatcher::complete_test(out, STATUS_INVALID_PARAMETER, &[]);
    }
    let request = request_for(oid, kind, buffer, info.len(), info_len);
    let Some(boxed) = RequestBox::try_new(request) else {
        free_pool(buffer);
        return Dispatcher::complete_test(out, STATUS_INSUFFICIENT_RESOURCES, &[]);
    };
    let raw = boxed.into_raw();
    let path = if direct {
        OidPath::Direct
    } else {
        OidPath::Regular
    };
    let status = oid_request(context as NDIS_HANDLE, raw, path);
    let Some(raw) = NonNull::new(raw) else {
        return Dispatcher::complete_test(out, STATUS_INSUFFICIENT_RESOURCES, &[]);
    };
    if status == NDIS_STATUS_PENDING {
        // The clone is below; the port frees the request when it completes.
        let answer = OidAnswer {
            status: status as u32,
            ..OidAnswer::default()
        };
        return Dispatcher::complete_test_oid(out, &answer, &[]);
    }
    // SAFETY: the module completed the request synchronously; it is ours again.
    let (_, _, _, bytes_written, bytes_read, bytes_needed) = read_view(unsafe { raw.as_ref() });
    let answer = OidAnswer {
        status: status as u32,
        bytes_read,
        bytes_written,
        bytes_needed,
    };
    let copy = bytes_mut(buffer, len);
    let _ = ipsecov2_oid::rebase::rebase(oid, copy, here, base);
    let r = Dispatcher::complete_test_oid(out, &answer, copy);
    free_request(raw);
    r
}

/// A `TestOffload` request of the module `context`: the `NDIS_OFFLOAD` it indicates up.
pub(super) fn offload(
    context: usize,
    hardware: bool,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    let Some(m) = module(context as NDIS_HANDLE) else {
        return Dispatcher::complete_test(out, STATUS_INVALID_PARAMETER, &[]);
    };
    let offload = if hardware {
        m.module.hardware_offload()
    } else {
        m.module.current_offload()
    };
    let n = usize::from(offload.Header.Size).min(core::mem::size_of::<NDIS_OFFLOAD>());
    let p: *const NDIS_OFFLOAD = &offload;
    // SAFETY: `offload` is a local `repr(C)` NDIS_OFFLOAD of integer members laid out without
    // padding (every offset and the size asserted in ipsecov2-abi); its first `n` bytes are
    // read while it lives.
    let bytes = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), n) };
    Dispatcher::complete_test(out, 0, bytes)
}

/// One injected NET_BUFFER's resources.
#[derive(Clone, Copy)]
struct Part {
    /// The index of the injected NBL it belongs to.
    nbl: usize,
    /// The NBL NDIS allocated with it (the NBL itself for the first NET_BUFFER).
    carrier: *mut NET_BUFFER_LIST,
    /// Its MDL chain.
    mdls: *mut MDL,
    /// Its bytes.
    buffer: PVOID,
}

/// Everything an injection allocated.
struct Injected {
    pool: NDIS_HANDLE,
    parts: Vec<Part>,
    heads: Vec<*mut NET_BUFFER_LIST>,
}

impl Injected {
    /// Frees everything but the NBLs in `kept` (still the module's).
    fn free(self, kept: Kept) {
        let mut leak = false;
        for p in &self.parts {
            if kept.has(p.nbl) {
                // Still the module's: leaked rather than freed under it (and the pool with it).
                leak = true;
                continue;
            }
            if !p.carrier.is_null() {
                // SAFETY: the carrier is ours again (given back or never handed out).
                let nb = unsafe { NET_BUFFER_LIST_FIRST_NB(p.carrier) };
                if !nb.is_null() {
                    // SAFETY: its NET_BUFFER is ours; unlinked from the NBL it was chained to.
                    unsafe { NET_BUFFER_SET_NEXT_NB(nb, core::ptr::null_mut()) };
                }
                // SAFETY: allocated by NdisAllocateNetBufferAndNetBufferList, freed once.
                unsafe { NdisFreeNetBufferList(p.carrier) };
            }
            free_mdls(p.mdls);
            free_pool(p.buffer);
        }
        if !leak && !self.pool.is_null() {
            // SAFETY: every NBL of the pool was freed above.
            unsafe { NdisFreeNetBufferListPool(self.pool) };
        }
    }
}

fn free_mdls(mut mdl: *mut MDL) {
    while let Some(m) = NonNull::new(mdl) {
        // SAFETY: an MDL of this injection's chain, ours; read before it is freed.
        mdl = unsafe { (*m.as_ptr()).Next };
        // SAFETY: allocated by NdisAllocateMdl, freed once.
        unsafe { NdisFreeMdl(m.as_ptr()) };
    }
}

fn new_pool(filter_handle: NDIS_HANDLE) -> NDIS_HANDLE {
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
    // SAFETY: ≤ DISPATCH_LEVEL; a complete REVISION_1 structure NDIS reads during the call.
    unsafe { NdisAllocateNetBufferListPool(filter_handle, &params) }
}

/// Builds the NBLs of `nbls`; `None` when out of memory (everything allocated is freed).
fn build(filter_handle: NDIS_HANDLE, nbls: InjectNbls<'_>) -> Option<Injected> {
    let total_nbs = nbls.map(|n| n.nb_count()).sum::<usize>();
    let mut inj = Injected {
        pool: new_pool(filter_handle),
        parts: Vec::new(),
        heads: Vec::new(),
    };
    if inj.pool.is_null()
        || inj.parts.try_reserve_exact(total_nbs).is_err()
        || inj.heads.try_reserve_exact(nbls.len()).is_err()
    {
        inj.free(Kept::NONE);
        return None;
    }
    for nbl in nbls {
        let mut head: *mut NET_BUFFER_LIST = core::ptr::null_mut();
        let mut last_nb: *mut NET_BUFFER = core::ptr::null_mut();
        for nb in nbl.nbs() {
            let Some(mut part) = build_nb(filter_handle, inj.pool, &nb) else {
                inj.free(Kept::NONE);
                return None;
            };
            part.nbl = inj.heads.len();
            inj.parts.push(part);
            // SAFETY: the carrier was just allocated with one NET_BUFFER.
            let this_nb = unsafe { NET_BUFFER_LIST_FIRST_NB(part.carrier) };
            if head.is_null() {
                head = part.carrier;
            } else if !last_nb.is_null() {
                // SAFETY: both NET_BUFFERs are ours; the NBL's chain grows by one.
                unsafe { NET_BUFFER_SET_NEXT_NB(last_nb, this_nb) };
            }
            last_nb = this_nb;
        }
        // SAFETY: `head` is an NBL of ours, alone, not handed to anyone yet.
        let mut one = unsafe { NblChain::from_raw(head) };
        if let Some(mut n) = one.cursor().next_nbl() {
            let info = nbl.info;
            for (slot, value) in [
                (IPsecOffloadV2NetBufferListInfo, info.ipsec as usize),
                (IPsecOffloadV2TunnelNetBufferListInfo, info.tunnel as usize),
                (IPsecOffloadV2HeaderNetBufferListInfo, info.header as usize),
                (TcpIpChecksumNetBufferListInfo, info.checksum as usize),
            ] {
                let _ = n.set_info(slot, core::ptr::without_provenance_mut(value));
            }
            n.set_nbl_flags(info.nbl_flags);
        }
        let _ = one.into_raw();
        if let Some(&prev) = inj.heads.last() {
            // SAFETY: both NBLs are ours; the chain grows by one.
            unsafe { NET_BUFFER_LIST_SET_NEXT_NBL(prev, head) };
        }
        inj.heads.push(head);
    }
    Some(inj)
}

/// One NET_BUFFER: its bytes (the frame at `DataOffset`), its MDLs, and the NBL NDIS allocates
/// it with.
fn build_nb(
    filter_handle: NDIS_HANDLE,
    pool: NDIS_HANDLE,
    nb: &ipsecov2_ioctl::request::InjectNb<'_>,
) -> Option<Part> {
    let total = nb.total();
    let buffer = alloc_pool(total.max(1));
    if buffer.is_null() {
        return None;
    }
    let mut part = Part {
        nbl: 0,
        carrier: core::ptr::null_mut(),
        mdls: core::ptr::null_mut(),
        buffer,
    };
    let bytes = bytes_mut(buffer, total.max(1));
    let at = usize::try_from(nb.data_offset).unwrap_or(usize::MAX);
    if let Some(dst) = bytes.get_mut(at..at.saturating_add(nb.frame.len())) {
        dst.copy_from_slice(nb.frame);
    }
    let mut pos = 0usize;
    let mut last: *mut MDL = core::ptr::null_mut();
    for size in nb.mdl_sizes() {
        let va = bytes.as_mut_ptr().wrapping_add(pos).cast();
        // SAFETY: `va` .. `va + size` lies inside this part's buffer (the decoder checked that
        // the sizes add up to at most its length), non-paged and ours.
        let mdl = unsafe { NdisAllocateMdl(filter_handle, va, size) };
        if mdl.is_null() {
            free_mdls(part.mdls);
            free_pool(buffer);
            return None;
        }
        match NonNull::new(last) {
            // SAFETY: the previous MDL of this chain, ours.
            Some(prev) => unsafe { (*prev.as_ptr()).Next = mdl },
            None => part.mdls = mdl,
        }
        last = mdl;
        pos = pos.saturating_add(usize::try_from(size).unwrap_or(0));
    }
    let len = nb.frame.len();
    // SAFETY: the MDL chain describes `total` bytes of which `DataOffset + DataLength` are in
    // use; the pool was created with fAllocateNetBuffer.
    let nbl = unsafe {
        NdisAllocateNetBufferAndNetBufferList(pool, 0, 0, part.mdls, nb.data_offset, len)
    };
    if nbl.is_null() {
        free_mdls(part.mdls);
        free_pool(buffer);
        return None;
    }
    part.carrier = nbl;
    // SAFETY: the NBL was just allocated with one NET_BUFFER, ours.
    let this_nb = unsafe { NET_BUFFER_LIST_FIRST_NB(nbl) };
    set_current_mdl(this_nb, part.mdls, nb.data_offset);
    Some(part)
}

/// Points `CurrentMdl` / `CurrentMdlOffset` of `nb` at the MDL that holds its first data byte,
/// `data_offset` bytes into the chain `mdls` (the NET_BUFFER's documented invariant:
/// `CurrentMdlOffset` is within `CurrentMdl`; the allocation only knows the chain's start).
fn set_current_mdl(nb: *mut NET_BUFFER, mdls: *mut MDL, data_offset: u32) {
    if nb.is_null() {
        return;
    }
    let (mut mdl, mut offset) = (mdls, data_offset);
    while let Some(m) = NonNull::new(mdl) {
        // SAFETY: an MDL of this NET_BUFFER's chain, ours.
        let count = unsafe { (*m.as_ptr()).ByteCount };
        // SAFETY: as above.
        let next = unsafe { (*m.as_ptr()).Next };
        if offset < count || next.is_null() {
            break;
        }
        offset -= count;
        mdl = next;
    }
    let current = nb
        .cast::<u8>()
        .wrapping_add(offset_of!(NET_BUFFER_DATA, CurrentMdl))
        .cast::<*mut MDL>();
    // SAFETY: `CurrentMdl` of a NET_BUFFER this driver allocated and owns.
    unsafe { current.write(mdl) };
    let at = nb
        .cast::<u8>()
        .wrapping_add(offset_of!(NET_BUFFER_DATA, CurrentMdlOffset))
        .cast::<u32>();
    // SAFETY: `CurrentMdlOffset` of the same NET_BUFFER.
    unsafe { at.write(offset) };
}

/// Whether `nbl` is in the chain starting at `head`.
fn in_chain(head: *mut NET_BUFFER_LIST, nbl: *mut NET_BUFFER_LIST) -> bool {
    let mut p = head;
    while !p.is_null() {
        if p == nbl {
            return true;
        }
        // SAFETY: a chain of NBLs given back to the driver (ours).
        p = unsafe { NET_BUFFER_LIST_NEXT_NBL(p) };
    }
    false
}

/// Appends every NET_BUFFER of `nbl` (alone: its `Next` is not followed) to `answer`, each with
/// the NBL's `TcpIpChecksumNetBufferListInfo`; returns how many.
fn frames_of(answer: &mut InjectAnswer<'_>, nbl: *mut NET_BUFFER_LIST) -> u32 {
    let next = {
        // SAFETY: `nbl` is ours; its Next is restored below.
        let n = unsafe { NET_BUFFER_LIST_NEXT_NBL(nbl) };
        // SAFETY: as above: looked at alone.
        unsafe { NET_BUFFER_LIST_SET_NEXT_NBL(nbl, core::ptr::null_mut()) };
        n
    };
    // SAFETY: an NBL of ours (injected, or a filter copy given to this port), alone.
    let mut one = unsafe { NblChain::from_raw(nbl) };
    let mut count = 0u32;
    if let Some(mut n) = one.cursor().next_nbl() {
        // What the miniport reads of a frame sent down: the checksums left to it.
        let checksum = n.info(TcpIpChecksumNetBufferListInfo).unwrap_or_default() as usize as u32;
        let mut nbs = n.net_buffers();
        while let Some(mut nb) = nbs.next_nb() {
            let len = usize::try_from(nb.data_length()).unwrap_or(0);
            answer.frame(len, checksum, |dst| {
                nb.data(&KernelMdlMapper)
                    .is_ok_and(|d| d.copy_out(0, dst).is_ok())
            });
            count = count.saturating_add(1);
        }
    }
    let _ = one.into_raw();
    // SAFETY: as above.
    unsafe { NET_BUFFER_LIST_SET_NEXT_NBL(nbl, next) };
    count
}

fn info_of(nbl: *mut NET_BUFFER_LIST) -> (u64, u32, u32) {
    // SAFETY: an NBL of ours, looked at alone (its Next is not followed by `next_nbl`'s first
    // call).
    let mut one = unsafe { NblChain::from_raw(nbl) };
    let r = one.cursor().next_nbl().map_or((0, 0, 0), |n| {
        let v = n.info(IPsecOffloadV2NetBufferListInfo).unwrap_or_default() as usize as u64;
        let h = n
            .info(IPsecOffloadV2HeaderNetBufferListInfo)
            .unwrap_or_default() as usize as u32;
        (v, h, n.status() as u32)
    });
    let _ = one.into_raw();
    r
}

/// A `TestInject` request of the module `context`: the answer written into `out`.
pub(super) fn inject(
    context: usize,
    path: InjectPath,
    nbls: InjectNbls<'_>,
    out: &mut [u8],
) -> Result<usize, DispatchError> {
    let Some(m) = module(context as NDIS_HANDLE) else {
        return Dispatcher::complete_test(out, STATUS_INVALID_PARAMETER, &[]);
    };
    let Some(inj) = build(m.filter_handle, nbls) else {
        return Dispatcher::complete_test(out, STATUS_INSUFFICIENT_RESOURCES, &[]);
    };
    let first = inj.heads.first().copied().unwrap_or(core::ptr::null_mut());
    let mut answer = InjectAnswer::new(out, inj.heads.len());
    let kept = match path {
        InjectPath::Send => send(m, first, &inj.heads, &mut answer),
        InjectPath::Receive => receive(m, first, &inj.heads, &mut answer),
    };
    let r = answer.finish();
    inj.free(kept);
    r
}

/// The injected NBLs the module kept, by index (at most [`MAX_INJECT_NBLS`]: one bit each,
/// without allocating).
#[derive(Clone, Copy)]
struct Kept(u64);

const _: () = assert!(MAX_INJECT_NBLS <= u64::BITS);

impl Kept {
    const NONE: Self = Self(0);

    fn push(&mut self, i: usize) {
        if let Some(bit) = 1u64.checked_shl(u32::try_from(i).unwrap_or(u32::MAX)) {
            self.0 |= bit;
        }
    }

    fn has(self, i: usize) -> bool {
        1u64.checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
            .is_some_and(|bit| self.0 & bit != 0)
    }
}

/// TCP/IP's send of the chain at `first`: what goes down is captured (its frames in the
/// answer) and completed back with success, as the miniport would; each injected NBL's
/// completion status. Never inlined (nor is [`receive`]): each keeps its port and saver out of
/// [`inject`]'s frame.
#[inline(never)]
fn send(
    m: &ModuleContext,
    first: *mut NET_BUFFER_LIST,
    heads: &[*mut NET_BUFFER_LIST],
    answer: &mut InjectAnswer<'_>,
) -> Kept {
    let pool = &m.tx_pool;
    let mut port = m
        .port()
        .at_dispatch(true)
        .sending(0, NDIS_SEND_FLAGS_DISPATCH_LEVEL)
        .diverted();
    // SAFETY: the chain of NBLs this injection built, handed to the module as TCP/IP hands
    // its sends; the module gives each back through the diverted port.
    let chain = unsafe { NblChain::from_raw(first) };
    // The chain's extended-state section, as `filter_send_net_buffer_lists` opens it: the
    // injected chain takes the datapath's code, wide tier included.
    let xstate = KernelXstate::new();
    m.module
        .send_in(&mut port, chain, &KernelMdlMapper, &pool, &xstate);
    let down = port.take_down();
    let mut p = down.head();
    while !p.is_null() {
        frames_of(answer, p);
        // SAFETY: an NBL the module passed down, ours until completed back to it.
        unsafe { NET_BUFFER_LIST_SET_STATUS(p, NDIS_STATUS_SUCCESS) };
        // SAFETY: as above.
        p = unsafe { NET_BUFFER_LIST_NEXT_NBL(p) };
    }
    let mut up = port.take_up();
    drop(port);
    if !down.head().is_null() {
        let mut back = m
            .port()
            .at_dispatch(true)
            .completing(NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL)
            .diverted();
        // SAFETY: the NBLs the module passed down, completed back to it once, as the miniport
        // completes them.
        let chain = unsafe { NblChain::from_raw(down.head()) };
        m.module.send_complete(&mut back, chain);
        append(&mut up, back.take_up());
    }
    let mut kept = Kept::NONE;
    for (i, &h) in heads.iter().enumerate() {
        if in_chain(up.head(), h) {
            let (ipsec, header, status) = info_of(h);
            answer.record(
                i,
                &NblOutcome {
                    fate: NblOutcome::UP,
                    status,
                    ipsec,
                    header,
                    frames: 0,
                },
            );
        } else {
            kept.push(i);
        }
    }
    kept
}

/// Appends the chain `more` to `to`.
fn append(to: &mut RawChain, more: RawChain) {
    let mut p = more.head();
    while let Some(n) = NonNull::new(p) {
        // SAFETY: an NBL of the chain `more`, ours; read before `push` relinks it.
        p = unsafe { NET_BUFFER_LIST_NEXT_NBL(n.as_ptr()) };
        to.push(n);
    }
}

/// The miniport's indication of the chain at `first`: what goes up is captured (each NBL's
/// receive information and frames in the answer) and returned, as TCP/IP would.
#[inline(never)]
fn receive(
    m: &ModuleContext,
    first: *mut NET_BUFFER_LIST,
    heads: &[*mut NET_BUFFER_LIST],
    answer: &mut InjectAnswer<'_>,
) -> Kept {
    let mut port = m.port().at_dispatch(true).receiving(0).diverted();
    let mut scratch = m.scratch.take();
    // SAFETY: the chain of NBLs this injection built, lent to the module as a miniport lends
    // its indications; the module gives each back through the diverted port.
    let chain = unsafe { NblChain::from_raw(first) };
    // As `filter_receive_net_buffer_lists`: the chain's extended-state section.
    let xstate = KernelXstate::new();
    m.module.receive_in(
        &mut port,
        chain,
        NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL,
        &KernelMdlMapper,
        scratch.bytes_mut(),
        &xstate,
    );
    drop(scratch);
    let up = port.take_up();
    let mut returned = port.take_returned();
    drop(port);
    for (i, &h) in heads.iter().enumerate() {
        if in_chain(up.head(), h) {
            let (ipsec, header, status) = info_of(h);
            let frames = frames_of(answer, h);
            answer.record(
                i,
                &NblOutcome {
                    fate: NblOutcome::UP,
                    status,
                    ipsec,
                    header,
                    frames,
                },
            );
        } else if in_chain(returned.head(), h) {
            answer.record(
                i,
                &NblOutcome {
                    fate: NblOutcome::RETURNED,
                    ..NblOutcome::default()
                },
            );
        }
    }
    if !up.head().is_null() {
        let mut back = m
            .port()
            .returning(NDIS_RETURN_FLAGS_DISPATCH_LEVEL)
            .diverted();
        // SAFETY: the NBLs the module indicated up, returned to it once, as TCP/IP returns them.
        let chain = unsafe { NblChain::from_raw(up.head()) };
        m.module.return_receives(&mut back, chain);
        append(&mut returned, back.take_returned());
    }
    let mut kept = Kept::NONE;
    for (i, &h) in heads.iter().enumerate() {
        if !in_chain(returned.head(), h) {
            kept.push(i);
        }
    }
    kept
}
