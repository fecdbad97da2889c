//! [`KernelPort`]: the kernel implementation of the filter core's [`NdisPort`], the narrow set
//! of `NdisF*` calls the module (`ipsecov2_filter_core::module::FilterModule`) makes. One port is
//! built on the stack for each NDIS callback, over the filter module context's
//! `NdisFilterHandle` and transmit pool, with the flags NDIS gave that callback (dispatch-level
//! bits, `PortNumber`, `SendFlags`, `ReturnFlags`) and, in `FilterStatus`, the indication from
//! below. What the module does to NDIS goes through it:
//!
//! | `NdisPort` | NDIS |
//! |---|---|
//! | `send_down`, `send_copy_down` | appended to one chain, `NdisFSendNetBufferLists` once when the port is flushed/dropped (end of `FilterSendNetBufferLists`) |
//! | `stage_copy`, `discard_staged` | `KernelTxPool` entries linked into one filter-owned NBL (NET_BUFFER chain), or put back |
//! | `reclaim_copy` | an NBL of the module's NBL pool: its entries back to the pool, the original kept in its pool entry returned |
//! | `complete_send_up` | `NdisFSendNetBufferListsComplete` |
//! | `indicate_receive_up` | `NdisFIndicateReceiveNetBufferLists` (same `PortNumber`, the miniport's `ReceiveFlags`) |
//! | `return_receive_down` | `NdisFReturnNetBufferLists` |
//! | `with_oid` | the `NDIS_OID_REQUEST`'s `DATA` view of its `RequestType` ↔ [`OidRequest`] |
//! | `pass_oid_down` | `NdisAllocateCloneOidRequest`, `NdisFOidRequest` / `NdisFDirectOidRequest`; unless pending, copy back and `NdisFreeCloneOidRequest` |
//! | `complete_oid_up` | `NdisFOidRequestComplete` / `NdisFDirectOidRequestComplete` |
//! | `indicate_status_up` | `NdisFIndicateStatus` (the indication from below with its buffer replaced, or a new one from this filter) |
//! | `pause_complete` | `NdisFPauseComplete` |
//!
//! Everything here runs at ≤ DISPATCH_LEVEL and never allocates (the clone of a passed-down
//! OID request is NDIS's allocation, as in every filter).
//!
//! A **diverted** port ([`KernelPort::diverted`], the control device's test family) runs the
//! same module code over NBLs the driver injected itself, and captures at the edge what would
//! leave the filter: what goes down stays in the port for [`KernelPort::take_down`] (no
//! `NdisFSendNetBufferLists`), what is completed or indicated up is kept for
//! [`KernelPort::take_up`], what is returned down for [`KernelPort::take_returned`]. Neither
//! the miniport nor TCP/IP sees an injected NBL.

use core::ptr::NonNull;

use ipsecov2_filter_core::module::{NdisPort, OidRequest, Reclaimed, StatusIndication};
use ipsecov2_filter_core::oid_clone;
use ipsecov2_nbl::NblChain;
use ndis_bindings::ffi::{
    NdisAllocateCloneOidRequest, NdisCopySendNetBufferListInfo, NdisFDirectOidRequest,
    NdisFDirectOidRequestComplete, NdisFIndicateReceiveNetBufferLists, NdisFIndicateStatus,
    NdisFOidRequest, NdisFOidRequestComplete, NdisFPauseComplete, NdisFReturnNetBufferLists,
    NdisFSendNetBufferLists, NdisFSendNetBufferListsComplete, NdisFreeCloneOidRequest,
};
use ndis_bindings::ipsecov2_abi::{
    IPsecOffloadV2HeaderNetBufferListInfo, IPsecOffloadV2NetBufferListInfo,
    IPsecOffloadV2TunnelNetBufferListInfo, NdisRequestMethod, NdisRequestQueryInformation,
    NdisRequestQueryStatistics, NdisRequestSetInformation, TcpIpChecksumNetBufferListInfo,
    TcpLargeSendNetBufferListInfo, NDIS_HANDLE, NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO, NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO,
    NDIS_OBJECT_HEADER, NDIS_OBJECT_TYPE_STATUS_INDICATION, NDIS_OFFLOAD, NDIS_OID_REQUEST,
    NDIS_PORT_NUMBER, NDIS_RETURN_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL,
    NDIS_STATUS, NDIS_STATUS_FAILURE, NDIS_STATUS_PENDING, NDIS_STATUS_RESOURCES,
    NDIS_STATUS_SUCCESS, NET_BUFFER, NET_BUFFER_LIST, PVOID, ULONG,
};
use ndis_bindings::{
    GUID, NDIS_SIZEOF_STATUS_INDICATION_REVISION_1, NDIS_STATUS_INDICATION,
    NDIS_STATUS_INDICATION_REVISION_1, NET_BUFFER_LIST_SET_INFO, NET_BUFFER_LIST_SET_NEXT_NBL,
    NET_BUFFER_LIST_SET_SOURCE_HANDLE, NET_BUFFER_LIST_SET_STATUS, NET_BUFFER_SET_NEXT_NB,
};

use super::datapath::{KernelTxBuffer, KernelTxPool, RawChain};
use crate::names::POOL_TAG;

/// Which OID path a request travels (`FilterOidRequest` or `FilterDirectOidRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OidPath {
    /// `NdisFOidRequest` / `NdisFOidRequestComplete`.
    Regular,
    /// `NdisFDirectOidRequest` / `NdisFDirectOidRequestComplete`.
    Direct,
}

/// The port's handle of an original OID request ([`NdisPort::Oid`]): the request NDIS gave the
/// filter (owned by the filter until it completes it) and its path.
#[derive(Debug, Clone, Copy)]
pub(super) struct KernelOid {
    request: NonNull<NDIS_OID_REQUEST>,
    path: OidPath,
}

impl KernelOid {
    /// The original request of a `FilterOidRequest` / `FilterDirectOidRequest`; `None` if NULL.
    pub(super) fn new(request: *mut NDIS_OID_REQUEST, path: OidPath) -> Option<Self> {
        NonNull::new(request).map(|request| Self { request, path })
    }
}

/// The results of an `NDIS_OID_REQUEST`'s `DATA` view: (OID, buffer, buffer length,
/// BytesWritten, BytesRead, BytesNeeded).
pub(super) type OidFields = (u32, *mut u8, usize, u32, u32, u32);

/// Reads the `DATA` view that matches `RequestType`; other request types have no buffer.
pub(super) fn read_view(req: &NDIS_OID_REQUEST) -> OidFields {
    let t = req.RequestType;
    if t == NdisRequestSetInformation {
        // SAFETY: `RequestType` is a set: SET_INFORMATION is the view NDIS initialised.
        let s = unsafe { req.DATA.SET_INFORMATION };
        let len = s.InformationBufferLength as usize;
        (
            s.Oid,
            s.InformationBuffer.cast(),
            len,
            0,
            s.BytesRead,
            s.BytesNeeded,
        )
    } else if t == NdisRequestMethod {
        // SAFETY: a method request: METHOD_INFORMATION is the view.
        let m = unsafe { req.DATA.METHOD_INFORMATION };
        let len = m.InputBufferLength.max(m.OutputBufferLength) as usize;
        let buffer = m.InformationBuffer.cast();
        (
            m.Oid,
            buffer,
            len,
            m.BytesWritten,
            m.BytesRead,
            m.BytesNeeded,
        )
    } else if t == NdisRequestQueryInformation || t == NdisRequestQueryStatistics {
        // SAFETY: a query: QUERY_INFORMATION is the view.
        let q = unsafe { req.DATA.QUERY_INFORMATION };
        let len = q.InformationBufferLength as usize;
        let buffer = q.InformationBuffer.cast();
        (q.Oid, buffer, len, q.BytesWritten, 0, q.BytesNeeded)
    } else {
        // SAFETY: every view of the DATA union starts with the OID.
        let oid = unsafe { req.DATA.Oid };
        (oid, core::ptr::null_mut(), 0, 0, 0, 0)
    }
}

/// Writes the result fields of `view` into the request's `DATA` view of its `RequestType`.
fn write_results(req: &mut NDIS_OID_REQUEST, view: &OidRequest<'_>) {
    let t = req.RequestType;
    if t == NdisRequestSetInformation {
        // SAFETY: as in `read_view`.
        let mut s = unsafe { req.DATA.SET_INFORMATION };
        s.BytesRead = view.bytes_read;
        s.BytesNeeded = view.bytes_needed;
        req.DATA.SET_INFORMATION = s;
    } else if t == NdisRequestMethod {
        // SAFETY: as in `read_view`.
        let mut m = unsafe { req.DATA.METHOD_INFORMATION };
        m.BytesWritten = view.bytes_written;
        m.BytesRead = view.bytes_read;
        m.BytesNeeded = view.bytes_needed;
        req.DATA.METHOD_INFORMATION = m;
    } else if t == NdisRequestQueryInformation || t == NdisRequestQueryStatistics {
        // SAFETY: as in `read_view`.
        let mut q = unsafe { req.DATA.QUERY_INFORMATION };
        q.BytesWritten = view.bytes_written;
        q.BytesNeeded = view.bytes_needed;
        req.DATA.QUERY_INFORMATION = q;
    }
}

/// Appends every NBL of `nbls` to `to` (a diverted port's capture).
fn capture(to: &mut RawChain, mut nbls: NblChain<'_>) {
    while let Some(one) = nbls.pop_front() {
        if let Some(nbl) = NonNull::new(one.into_raw()) {
            to.push(nbl);
        }
    }
}

/// The kernel [`NdisPort`] of one NDIS callback of one filter module.
pub(super) struct KernelPort<'m> {
    filter_handle: NDIS_HANDLE,
    pool: &'m KernelTxPool,
    port_number: NDIS_PORT_NUMBER,
    send_flags: ULONG,
    send_complete_flags: ULONG,
    return_flags: ULONG,
    /// The indication of `FilterStatus` (what a re-indication keeps of it).
    below: Option<NDIS_STATUS_INDICATION>,
    /// The filter-owned NBL being built (first staged entry) and its last NET_BUFFER.
    staged: Option<(NonNull<NET_BUFFER_LIST>, *mut NET_BUFFER)>,
    /// Sent down at [`KernelPort::flush`], in call order.
    down: RawChain,
    /// Captures instead of calling NDIS at the edge (test-family injections).
    diverted: bool,
    /// Diverted: completed or indicated up.
    up: RawChain,
    /// Diverted: returned down.
    returned: RawChain,
}

impl core::fmt::Debug for KernelPort<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KernelPort")
            .field("port_number", &self.port_number)
            .field("send_flags", &self.send_flags)
            .finish_non_exhaustive()
    }
}

impl<'m> KernelPort<'m> {
    /// A port of the filter module `filter_handle` whose copies come from `pool`; every flag
    /// clear (PASSIVE_LEVEL, `PortNumber` 0).
    pub(super) fn new(filter_handle: NDIS_HANDLE, pool: &'m KernelTxPool) -> Self {
        Self {
            filter_handle,
            pool,
            port_number: 0,
            send_flags: 0,
            send_complete_flags: 0,
            return_flags: 0,
            below: None,
            staged: None,
            down: RawChain::new(),
            diverted: false,
            up: RawChain::new(),
            returned: RawChain::new(),
        }
    }

    /// A port whose edge is captured instead of reaching NDIS (module doc).
    pub(super) fn diverted(mut self) -> Self {
        self.diverted = true;
        self
    }

    /// Diverted: what the module passed down, in order (it stays the caller's).
    pub(super) fn take_down(&mut self) -> RawChain {
        core::mem::replace(&mut self.down, RawChain::new())
    }

    /// Diverted: what the module completed or indicated up, in order.
    pub(super) fn take_up(&mut self) -> RawChain {
        core::mem::replace(&mut self.up, RawChain::new())
    }

    /// Diverted: what the module returned down, in order.
    pub(super) fn take_returned(&mut self) -> RawChain {
        core::mem::replace(&mut self.returned, RawChain::new())
    }

    /// The callback runs at DISPATCH_LEVEL (its flags said so): the sends completed and
    /// receives returned through this port say so too.
    pub(super) fn at_dispatch(mut self, at_dispatch: bool) -> Self {
        if at_dispatch {
            self.send_complete_flags |= NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL;
            self.return_flags |= NDIS_RETURN_FLAGS_DISPATCH_LEVEL;
        }
        self
    }

    /// `FilterSendNetBufferLists`: the NBLs go down on `port_number` with the protocol's
    /// `SendFlags`.
    pub(super) fn sending(mut self, port_number: NDIS_PORT_NUMBER, send_flags: ULONG) -> Self {
        self.port_number = port_number;
        self.send_flags = send_flags;
        self
    }

    /// `FilterSendNetBufferListsComplete`: the originals go up with the miniport's
    /// `SendCompleteFlags`.
    pub(super) fn completing(mut self, send_complete_flags: ULONG) -> Self {
        self.send_complete_flags = send_complete_flags;
        self
    }

    /// `FilterReceiveNetBufferLists`: indicated up on `port_number`.
    pub(super) fn receiving(mut self, port_number: NDIS_PORT_NUMBER) -> Self {
        self.port_number = port_number;
        self
    }

    /// `FilterReturnNetBufferLists`: returned down with the protocol's `ReturnFlags`.
    pub(super) fn returning(mut self, return_flags: ULONG) -> Self {
        self.return_flags = return_flags;
        self
    }

    /// `FilterStatus`: what is indicated up keeps the header, source, port, flags, request id,
    /// destination and GUID of `below`.
    pub(super) fn status_from_below(mut self, below: NDIS_STATUS_INDICATION) -> Self {
        self.below = Some(below);
        self
    }

    /// `NdisFSendNetBufferLists` of everything the module passed down (originals and
    /// filter-owned copies, in order), once; nothing when there is nothing.
    pub(super) fn flush(&mut self) {
        if self.diverted {
            return;
        }
        let down = core::mem::replace(&mut self.down, RawChain::new());
        if down.head().is_null() {
            return;
        }
        // SAFETY: ≤ DISPATCH_LEVEL (the send callback's, said by `send_flags`); the chain holds
        // originals the protocol gave this filter and filter-owned NBLs (SourceHandle = this
        // module), each owned here until NDIS completes it to FilterSendNetBufferListsComplete.
        unsafe {
            NdisFSendNetBufferLists(
                self.filter_handle,
                down.head(),
                self.port_number,
                self.send_flags,
            )
        };
    }

    /// `FilterOidRequestComplete` / `FilterDirectOidRequestComplete` of a clone this port's
    /// `pass_oid_down` sent down and that pended: the results copied back into the original, the
    /// clone freed; returns the original (`None` if the clone carries none).
    pub(super) fn clone_completed(
        &mut self,
        clone: *mut NDIS_OID_REQUEST,
        path: OidPath,
    ) -> Option<KernelOid> {
        let clone = NonNull::new(clone)?;
        // SAFETY: `clone` is a request this filter allocated with NdisAllocateCloneOidRequest
        // and sent down; NDIS hands it back once, on completion, and nothing else refers to it.
        let clone_ref = unsafe { &mut *clone.as_ptr() };
        let original = oid_clone::take_original(clone_ref) as *mut NDIS_OID_REQUEST;
        let original = KernelOid::new(original, path);
        if let Some(o) = original {
            // SAFETY: the stored address is the original request, which NDIS keeps alive and
            // the filter owns until it completes it (after this function).
            let original_ref = unsafe { &mut *o.request.as_ptr() };
            oid_clone::copy_back(original_ref, clone_ref);
        }
        // SAFETY: the clone came from NdisAllocateCloneOidRequest and is freed once, here.
        unsafe { NdisFreeCloneOidRequest(self.filter_handle, clone.as_ptr()) };
        original
    }
}

impl Drop for KernelPort<'_> {
    /// Staged copies nobody sent go back to the pool; whatever the module passed down goes down.
    fn drop(&mut self) {
        NdisPort::discard_staged(self);
        self.flush();
    }
}

impl<'a, 'm> NdisPort<'a> for KernelPort<'m> {
    type Buffer = KernelTxBuffer<'m>;
    type Oid = KernelOid;

    fn send_down(&mut self, nbl: NblChain<'a>) {
        if let Some(nbl) = NonNull::new(nbl.into_raw()) {
            self.down.push(nbl);
        }
    }

    fn stage_copy(&mut self, copy: KernelTxBuffer<'m>) {
        let (nbl, nb) = copy.into_staged();
        match self.staged {
            None => self.staged = Some((nbl, nb)),
            Some((head, tail_nb)) => {
                if !tail_nb.is_null() {
                    // SAFETY: `tail_nb` is the last NET_BUFFER of the filter-owned NBL being
                    // built; `nb` is a pool NET_BUFFER owned by this port (its home NBL stays
                    // idle until the send completes).
                    unsafe { NET_BUFFER_SET_NEXT_NB(tail_nb, nb) };
                }
                self.staged = Some((head, nb));
            }
        }
    }

    fn send_copy_down(&mut self, original: NblChain<'a>) {
        self.send_copy_down_with_checksum(original, 0);
    }

    // The copy carries the checksum requests the filter core leaves to the miniport (those the
    // miniport's current NDIS_OFFLOAD offers for the outer headers: `checksum::plan_outer`).
    const COPY_CARRIES_CHECKSUM_INFO: bool = true;

    fn send_copy_down_with_checksum(&mut self, mut original: NblChain<'a>, checksum_info: usize) {
        let Some((copy, _)) = self.staged.take() else {
            // An NBL without NET_BUFFERs: nothing was copied; it goes down as it is, without
            // IPsec information (its completion comes back as an original).
            if let Some(mut nbl) = original.cursor().next_nbl() {
                nbl.set_ipsec_offload_v2(NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(0));
                nbl.set_ipsec_offload_v2_tunnel(NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO(
                    0,
                ));
                nbl.set_ipsec_offload_v2_header(NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(
                    0,
                ));
            }
            self.send_down(original);
            return;
        };
        let Some(original) = NonNull::new(original.into_raw()) else {
            let _ = self.pool.release_sent(copy);
            return;
        };
        let c = copy.as_ptr();
        // SAFETY: the original is owned by the filter until it completes it; it stands alone.
        unsafe { NET_BUFFER_LIST_SET_NEXT_NBL(original.as_ptr(), core::ptr::null_mut()) };
        // SAFETY: `c` is a filter-owned NBL and `original` the NBL it replaces, both owned here:
        // the copy gets the original's send information (802.1Q, priority, cancel id, ...).
        unsafe { NdisCopySendNetBufferListInfo(c, original.as_ptr()) };
        // The bytes are final but for the outer checksums left to the miniport: no IPsec or LSO
        // work is left for the NIC, and TCP/IP's checksum request is replaced by what the filter
        // core did not compute itself (`checksum_info`, 0 when it computed everything).
        for slot in [
            IPsecOffloadV2NetBufferListInfo,
            IPsecOffloadV2TunnelNetBufferListInfo,
            IPsecOffloadV2HeaderNetBufferListInfo,
            TcpIpChecksumNetBufferListInfo,
            TcpLargeSendNetBufferListInfo,
        ] {
            // SAFETY: the copy is owned by this filter.
            let _ = unsafe { NET_BUFFER_LIST_SET_INFO(c, slot, core::ptr::null_mut()) };
        }
        if checksum_info != 0 {
            let value = core::ptr::without_provenance_mut(checksum_info);
            // SAFETY: the copy is owned by this filter; the slot holds an integer, as ndis.h's
            // NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO is stored in it.
            let _ = unsafe { NET_BUFFER_LIST_SET_INFO(c, TcpIpChecksumNetBufferListInfo, value) };
        }
        // `reclaim_copy` finds the original in the copy's own ProtocolReserved when the copy
        // completes (not in `ParentNetBufferList`, which marks clones: see
        // `KernelTxPool::remember_original`).
        KernelTxPool::remember_original(copy, original);
        // SAFETY: as above; NDIS routes the completion to this filter module.
        unsafe { NET_BUFFER_LIST_SET_SOURCE_HANDLE(c, self.filter_handle) };
        // SAFETY: as above.
        unsafe { NET_BUFFER_LIST_SET_STATUS(c, NDIS_STATUS_SUCCESS) };
        self.down.push(copy);
    }

    fn discard_staged(&mut self) {
        if let Some((head, _)) = self.staged.take() {
            let _ = self.pool.release_sent(head);
        }
    }

    fn reclaim_copy(&mut self, nbl: NblChain<'a>) -> Reclaimed<'a> {
        let Some(this) = NonNull::new(nbl.as_raw()) else {
            return Reclaimed::NotACopy(nbl);
        };
        if !self.pool.owns(this) {
            return Reclaimed::NotACopy(nbl);
        }
        let _ = nbl.into_raw();
        let original = self.pool.release_sent(this);
        // SAFETY: `original` is the NBL `send_copy_down` stored in the copy's pool entry: an NBL the
        // protocol gave this filter, alone (Next cleared), owned by the filter until it completes
        // it, and referred to by nothing else now that its copy is back in the pool (NULL gives
        // an empty chain).
        Reclaimed::Original(unsafe { NblChain::from_raw(original) })
    }

    fn complete_send_up(&mut self, nbls: NblChain<'a>) {
        if self.diverted {
            capture(&mut self.up, nbls);
            return;
        }
        let head = nbls.into_raw();
        if head.is_null() {
            return;
        }
        // SAFETY: ≤ DISPATCH_LEVEL (as `send_complete_flags` says); originals the protocol sent,
        // their Status set, each completed once.
        unsafe {
            NdisFSendNetBufferListsComplete(self.filter_handle, head, self.send_complete_flags)
        };
    }

    fn indicate_receive_up(&mut self, nbls: NblChain<'a>, flags: ULONG) {
        if self.diverted {
            capture(&mut self.up, nbls);
            return;
        }
        let count = ULONG::try_from(nbls.count()).unwrap_or(ULONG::MAX);
        let head = nbls.into_raw();
        if head.is_null() {
            return;
        }
        // SAFETY: ≤ DISPATCH_LEVEL (as the miniport's `flags` say); the chain the miniport
        // indicated, passed up whole with its count, port and flags.
        unsafe {
            NdisFIndicateReceiveNetBufferLists(
                self.filter_handle,
                head,
                self.port_number,
                count,
                flags,
            )
        };
    }

    fn return_receive_down(&mut self, nbls: NblChain<'a>) {
        if self.diverted {
            capture(&mut self.returned, nbls);
            return;
        }
        let head = nbls.into_raw();
        if head.is_null() {
            return;
        }
        // SAFETY: ≤ DISPATCH_LEVEL (as `return_flags` say); NBLs the miniport indicated to this
        // filter, returned once.
        unsafe { NdisFReturnNetBufferLists(self.filter_handle, head, self.return_flags) };
    }

    fn with_oid<R>(&mut self, request: KernelOid, f: impl FnOnce(&mut OidRequest<'_>) -> R) -> R {
        // SAFETY: NDIS gave the filter this request, which it owns until it completes it; no
        // other reference to it exists during this call.
        let req = unsafe { &mut *request.request.as_ptr() };
        let (oid, ptr, len, bytes_written, bytes_read, bytes_needed) = read_view(req);
        let mut empty: [u8; 0] = [];
        let buffer: &mut [u8] = match NonNull::new(ptr) {
            // SAFETY: NDIS guarantees the InformationBuffer of a request is valid for reads and
            // writes of its length (for a method, the larger of input and output), resident,
            // and used by nobody else until the request completes; the slice lives for this
            // call only.
            Some(p) if len > 0 => unsafe { core::slice::from_raw_parts_mut(p.as_ptr(), len) },
            _ => &mut empty,
        };
        let request_type = req.RequestType;
        let set = request_type == NdisRequestSetInformation;
        // An ADD_SA / DELETE_SA list with elements outside the InformationBuffer is seen by the
        // module as a filter-owned staging copy (`ipsecov2_oid::gather`), its handles written
        // back afterwards.
        let mut memory = super::oid_list::RequesterMemory;
        let (r, view) = ipsecov2_oid::with_list_view(
            oid,
            set,
            buffer,
            ptr as u64,
            &mut memory,
            |b, address| {
                let mut view = OidRequest {
                    request_type,
                    oid,
                    buffer: b,
                    buffer_address: address,
                    bytes_written,
                    bytes_read,
                    bytes_needed,
                };
                let r = f(&mut view);
                (r, (view.bytes_written, view.bytes_read, view.bytes_needed))
            },
        );
        let len_u32 = u32::try_from(len).unwrap_or(u32::MAX);
        let results = OidRequest {
            request_type,
            oid,
            buffer: &mut [],
            buffer_address: ptr as u64,
            bytes_written: view.0,
            // Never more than TCP/IP's own buffer, whatever the staging copy's length.
            bytes_read: view.1.min(len_u32),
            bytes_needed: view.2,
        };
        write_results(req, &results);
        r
    }

    fn pass_oid_down(&mut self, request: KernelOid) -> NDIS_STATUS {
        let original = request.request.as_ptr();
        let mut clone: *mut NDIS_OID_REQUEST = core::ptr::null_mut();
        // SAFETY: ≤ DISPATCH_LEVEL; NDIS allocates a copy of the original tagged POOL_TAG.
        let status = unsafe {
            NdisAllocateCloneOidRequest(self.filter_handle, original, POOL_TAG, &mut clone)
        };
        if status != NDIS_STATUS_SUCCESS {
            return NDIS_STATUS_RESOURCES;
        }
        let Some(clone) = NonNull::new(clone) else {
            return NDIS_STATUS_RESOURCES;
        };
        {
            // SAFETY: the original is owned by the filter (see `with_oid`); read only here.
            let original_ref = unsafe { &*original };
            // SAFETY: the clone was just allocated by NDIS for this filter and is not shared.
            let clone_ref = unsafe { &mut *clone.as_ptr() };
            oid_clone::prepare_clone(clone_ref, original_ref, original as usize);
        }
        let status = match request.path {
            // SAFETY: the clone belongs to this filter module; NDIS completes it through
            // FilterOidRequestComplete when the call pends.
            OidPath::Regular => unsafe { NdisFOidRequest(self.filter_handle, clone.as_ptr()) },
            // SAFETY: as above, through FilterDirectOidRequestComplete.
            OidPath::Direct => unsafe { NdisFDirectOidRequest(self.filter_handle, clone.as_ptr()) },
        };
        if status == NDIS_STATUS_PENDING {
            return status;
        }
        match self.clone_completed(clone.as_ptr(), request.path) {
            Some(_) => status,
            None => NDIS_STATUS_FAILURE,
        }
    }

    fn complete_oid_up(&mut self, request: KernelOid, status: NDIS_STATUS) {
        let original = request.request.as_ptr();
        if super::test_family::is_test_request(original) {
            // A test-family request whose clone pended: its IOCTL already answered; nobody
            // waits for it, so it is freed here.
            super::test_family::free_abandoned(original);
            return;
        }
        match request.path {
            // SAFETY: ≤ DISPATCH_LEVEL; completes the original request NDIS gave this filter,
            // whose clone pended, once.
            OidPath::Regular => unsafe {
                NdisFOidRequestComplete(self.filter_handle, original, status)
            },
            // SAFETY: as above on the direct path.
            OidPath::Direct => unsafe {
                NdisFDirectOidRequestComplete(self.filter_handle, original, status)
            },
        }
    }

    fn indicate_status_up(&mut self, indication: &StatusIndication<'_>) {
        let mut out = self.below.unwrap_or(NDIS_STATUS_INDICATION {
            Header: NDIS_OBJECT_HEADER::new(
                NDIS_OBJECT_TYPE_STATUS_INDICATION,
                NDIS_STATUS_INDICATION_REVISION_1,
                NDIS_SIZEOF_STATUS_INDICATION_REVISION_1,
            ),
            SourceHandle: self.filter_handle,
            PortNumber: 0,
            StatusCode: 0,
            Flags: 0,
            DestinationHandle: core::ptr::null_mut(),
            RequestId: core::ptr::null_mut(),
            StatusBuffer: core::ptr::null_mut(),
            StatusBufferSize: 0,
            Guid: GUID::default(),
            NdisReserved: [core::ptr::null_mut(); 4],
        });
        let mut offload: NDIS_OFFLOAD;
        match *indication {
            StatusIndication::Offload { status, offload: o } => {
                offload = *o;
                let size =
                    usize::from(offload.Header.Size).min(core::mem::size_of::<NDIS_OFFLOAD>());
                let p: *mut NDIS_OFFLOAD = &mut offload;
                out.StatusCode = status;
                out.StatusBuffer = p.cast();
                out.StatusBufferSize = ULONG::try_from(size).unwrap_or(0);
            }
            StatusIndication::Other { status, buffer } => {
                out.StatusCode = status;
                if !buffer.is_empty() {
                    let p: PVOID = buffer.as_ptr().cast_mut().cast();
                    out.StatusBuffer = p;
                }
                out.StatusBufferSize = ULONG::try_from(buffer.len()).unwrap_or(0);
            }
        }
        // SAFETY: ≤ DISPATCH_LEVEL; the indication and its buffer (a local copy, or the buffer of
        // the indication from below, valid for the duration of FilterStatus) outlive the call;
        // NDIS and the drivers above only read them.
        unsafe { NdisFIndicateStatus(self.filter_handle, &mut out) };
    }

    fn pause_complete(&mut self) {
        // SAFETY: ≤ DISPATCH_LEVEL; the module was pausing and its last outstanding NBL just came
        // back (the module calls this once per pause).
        unsafe { NdisFPauseComplete(self.filter_handle) };
    }
}
