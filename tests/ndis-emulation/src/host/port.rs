//! [`Port`], this emulation's [`NdisPort`]: the OID requests issued by the protocol and their
//! clones below, the filter-owned copies, completions and returns queued for [`Host::run`].

use std::collections::HashMap;

use ipsecov2_abi::*;
use ipsecov2_filter_core::module::{NdisPort, OidRequest, Reclaimed, StatusIndication};
use ipsecov2_filter_core::oid_clone;
use ipsecov2_filter_core::{HostTxBuffer, TxBuffer};
use ipsecov2_nbl::{NblChain, SystemVaMapper};

use crate::tcpip::{shell_list_view, ElementMemory, RecvView};
use crate::{MdlLayout, NbSpec, NblSpec, OwnedNblChain};

use super::*;

/// One OID request issued by the protocol: the real `NDIS_OID_REQUEST` (original), its buffer,
/// the clone below while it is there.
#[derive(Debug)]
pub(super) struct EmuOid {
    pub(super) request: Box<NDIS_OID_REQUEST>,
    pub(super) buffer: Vec<u8>,
    pub(super) base: u64,
    /// List elements TCP/IP allocated outside the InformationBuffer.
    pub(super) memory: ElementMemory,
    pub(super) clone: Option<Box<NDIS_OID_REQUEST>>,
    pub(super) outcome: Option<NDIS_STATUS>,
}

/// A filter-owned copy below.
#[derive(Debug)]
pub(super) struct CopyRecord {
    pub(super) _chain: OwnedNblChain,
    pub(super) _buffers: Vec<HostTxBuffer>,
    pub(super) original: usize,
}

/// This emulation's [`NdisPort`]: the miniport, the protocol, the filter-owned copies and the
/// OID requests.
#[derive(Debug)]
pub struct Port {
    /// The miniport below.
    pub miniport: Miniport,
    /// The protocol above.
    pub protocol: Protocol,
    pub(super) staged: Vec<HostTxBuffer>,
    pub(super) copies: HashMap<usize, CopyRecord>,
    pub(super) oids: Vec<EmuOid>,
    /// Filter-owned copies currently below.
    pub copies_outstanding: usize,
}

pub(super) fn chain_of(p: usize) -> NblChain<'static> {
    // SAFETY: `p` is the head of an NBL chain this emulation built (an `OwnedNblChain` kept in
    // the protocol's, the miniport's or the port's records until every NBL of it is completed or
    // returned) and handed back here by the side that held it, which gave up its own
    // `NblChain` (`into_raw`) first: nothing else accesses the chain while this one lives (1);
    // the structures are the emulation's own well-formed mirrors (2) over its own buffers (3).
    unsafe { NblChain::from_raw(p as *mut NET_BUFFER_LIST) }
}

impl Port {
    pub(super) fn new() -> Self {
        Self {
            miniport: Miniport::new(),
            protocol: Protocol::default(),
            staged: Vec::new(),
            copies: HashMap::new(),
            oids: Vec::new(),
            copies_outstanding: 0,
        }
    }

    pub(super) fn oid_mut(&mut self, h: usize) -> Option<&mut EmuOid> {
        self.oids.get_mut(h)
    }

    pub(super) fn new_oid(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
        base: u64,
    ) -> usize {
        let h = self.oids.len();
        let mut req = Box::new(NDIS_OID_REQUEST::zeroed());
        req.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_OID_REQUEST,
            Revision: NDIS_OID_REQUEST_REVISION_2,
            Size: NDIS_SIZEOF_OID_REQUEST_REVISION_2,
        };
        req.RequestType = request_type;
        req.RequestId = std::ptr::without_provenance_mut(0x1000 + h);
        let mut e = EmuOid {
            request: req,
            buffer,
            base,
            memory: ElementMemory::default(),
            clone: None,
            outcome: None,
        };
        let len = u32::try_from(e.buffer.len()).unwrap_or(u32::MAX);
        e.request.DATA = data(
            request_type,
            oid,
            e.buffer.as_mut_ptr().cast(),
            len,
            (0, 0, 0),
        );
        self.oids.push(e);
        h
    }

    /// Completes the held clone of `h` into its original (copy back, take the original).
    pub(super) fn finish_clone(&mut self, h: usize) -> Option<NDIS_STATUS> {
        let e = self.oid_mut(h)?;
        let mut clone = e.clone.take()?;
        oid_clone::copy_back(&mut e.request, &clone);
        if oid_clone::take_original(&mut clone) != h + 1 {
            return None;
        }
        Some(NDIS_STATUS_SUCCESS)
    }
}

impl NdisPort<'static> for Port {
    type Buffer = HostTxBuffer;
    type Oid = usize;

    fn send_down(&mut self, nbl: NblChain<'static>) {
        self.miniport.transmit(nbl);
    }

    fn stage_copy(&mut self, copy: HostTxBuffer) {
        self.staged.push(copy);
    }

    fn send_copy_down(&mut self, original: NblChain<'static>) {
        self.send_copy_down_with_checksum(original, 0);
    }

    // The copy carries the checksum requests the filter leaves to the miniport (the emulated
    // miniport computes the ones its offload offers before the frame reaches the wire).
    const COPY_CARRIES_CHECKSUM_INFO: bool = true;

    fn send_copy_down_with_checksum(&mut self, original: NblChain<'static>, checksum_info: usize) {
        let buffers = std::mem::take(&mut self.staged);
        let mut spec = NblSpec::new(
            buffers
                .iter()
                .map(|b| {
                    let d = b.bytes().to_vec();
                    let l = MdlLayout::single(u32::try_from(d.len()).unwrap_or(0));
                    NbSpec::new(d, l)
                })
                .collect(),
        );
        if checksum_info != 0 {
            spec.info
                .push((TcpIpChecksumNetBufferListInfo, checksum_info));
        }
        let Ok(mut owned) = OwnedNblChain::build(&[spec]) else {
            return;
        };
        let Some(head) = owned.nbl_ptr(0) else {
            return;
        };
        let _ = owned.chain().into_raw();
        self.copies.insert(
            head as usize,
            CopyRecord {
                _chain: owned,
                _buffers: buffers,
                original: original.into_raw() as usize,
            },
        );
        self.copies_outstanding += 1;
        self.miniport.transmit(chain_of(head as usize));
    }

    fn discard_staged(&mut self) {
        self.staged.clear();
    }

    fn reclaim_copy(&mut self, nbl: NblChain<'static>) -> Reclaimed<'static> {
        let p = nbl.as_raw() as usize;
        match self.copies.remove(&p) {
            Some(rec) => {
                let _ = nbl.into_raw();
                self.copies_outstanding -= 1;
                let original = rec.original;
                drop(rec);
                Reclaimed::Original(chain_of(original))
            }
            None => Reclaimed::NotACopy(nbl),
        }
    }

    fn complete_send_up(&mut self, mut nbls: NblChain<'static>) {
        while let Some(mut one) = nbls.pop_front() {
            let status = one.cursor().next_nbl().map_or(0, |n| n.status());
            let p = one.into_raw() as usize;
            let proto = &mut self.protocol;
            match proto.sends.remove(&p) {
                Some((id, group)) => {
                    proto.completions.push((id, status));
                    if let Some(g) = proto.groups.get_mut(&group) {
                        g.1 -= 1;
                        if g.1 == 0 {
                            proto.groups.remove(&group);
                        }
                    }
                }
                None => proto.bad_completions += 1,
            }
        }
    }

    fn indicate_receive_up(&mut self, mut nbls: NblChain<'static>, flags: ULONG) {
        {
            let mut cursor = nbls.cursor();
            while let Some(mut nbl) = cursor.next_nbl() {
                let v = nbl.ipsec_offload_v2();
                let h = nbl.ipsec_offload_v2_header();
                let view = RecvView::from_slots(v, h);
                let mut frame = Vec::new();
                let mut nbs = nbl.net_buffers();
                if let Some(mut nb) = nbs.next_nb() {
                    if let Ok(d) = nb.data(&SystemVaMapper) {
                        frame = vec![0u8; d.len()];
                        let _ = d.copy_out(0, &mut frame);
                    }
                }
                self.protocol.received.push(Received { frame, view, flags });
            }
        }
        let p = nbls.into_raw() as usize;
        if NDIS_TEST_RECEIVE_CAN_PEND(flags) {
            if self.protocol.hold_receives {
                self.protocol.held_rx.push(p);
            } else {
                self.protocol.to_return.push(p);
            }
        }
    }

    fn return_receive_down(&mut self, mut nbls: NblChain<'static>) {
        let m = &mut self.miniport;
        while let Some(one) = nbls.pop_front() {
            let p = one.into_raw() as usize;
            m.receives_returned += 1;
            m.receives_outstanding = m.receives_outstanding.saturating_sub(1);
            if let Some(group) = m.rx.remove(&p) {
                if let Some(g) = m.rx_groups.get_mut(&group) {
                    g.1 -= 1;
                    if g.1 == 0 {
                        m.rx_groups.remove(&group);
                    }
                }
            }
        }
    }

    fn with_oid<R>(&mut self, request: usize, f: impl FnOnce(&mut OidRequest<'_>) -> R) -> R {
        let mut empty = [0u8; 0];
        let Some(e) = self.oids.get_mut(request) else {
            let mut view = OidRequest {
                request_type: 0,
                oid: 0,
                buffer: &mut empty,
                buffer_address: 0,
                bytes_written: 0,
                bytes_read: 0,
                bytes_needed: 0,
            };
            return f(&mut view);
        };
        let (oid, written, read, needed) = read_results(&e.request);
        let request_type = e.request.RequestType;
        let len = u32::try_from(e.buffer.len()).unwrap_or(u32::MAX);
        let ptr: PVOID = e.buffer.as_mut_ptr().cast();
        // The shell's view of the InformationBuffer (a list gathered from separate allocations
        // into a staging copy, see `tcpip::shell_list_view`).
        let set = request_type == NdisRequestSetInformation;
        let (r, results) =
            shell_list_view(oid, set, &mut e.buffer, e.base, &mut e.memory, |b, a| {
                let mut view = OidRequest {
                    request_type,
                    oid,
                    buffer: b,
                    buffer_address: a,
                    bytes_written: written,
                    bytes_read: read,
                    bytes_needed: needed,
                };
                let r = f(&mut view);
                (
                    r,
                    (
                        view.bytes_written,
                        view.bytes_read.min(len),
                        view.bytes_needed,
                    ),
                )
            });
        e.request.DATA = data(request_type, oid, ptr, len, results);
        r
    }

    fn pass_oid_down(&mut self, request: usize) -> NDIS_STATUS {
        let Some(e) = self.oids.get_mut(request) else {
            return NDIS_STATUS_FAILURE;
        };
        // NdisAllocateCloneOidRequest: a copy sharing the buffer.
        let mut clone = Box::new(*e.request);
        oid_clone::prepare_clone(&mut clone, &e.request, request + 1);
        let (oid, _, _, _) = read_results(&clone);
        let request_type = clone.RequestType;
        self.miniport.oids.push(SeenOid {
            request_type,
            oid,
            buffer: e.buffer.clone(),
            request_id: clone.RequestId as usize,
            original: {
                let mut c = *clone;
                oid_clone::take_original(&mut c)
            },
        });
        let (status, results) = self.miniport.answer(request_type, oid, &mut e.buffer);
        let len = u32::try_from(e.buffer.len()).unwrap_or(u32::MAX);
        clone.DATA = data(
            request_type,
            oid,
            e.buffer.as_mut_ptr().cast(),
            len,
            results,
        );
        e.clone = Some(clone);
        e.outcome = Some(status);
        if self.miniport.hold_oids {
            self.miniport.held_oids.push(request);
            return NDIS_STATUS_PENDING;
        }
        match self.finish_clone(request) {
            Some(_) => status,
            None => NDIS_STATUS_FAILURE,
        }
    }

    fn complete_oid_up(&mut self, request: usize, status: NDIS_STATUS) {
        if let Some(e) = self.oid_mut(request) {
            e.outcome = Some(status);
        }
        self.protocol.oid_completions.push((request, status));
    }

    fn indicate_status_up(&mut self, indication: &StatusIndication<'_>) {
        self.protocol.statuses.push(match *indication {
            StatusIndication::Offload { status, offload } => SeenStatus {
                status,
                offload: Some(*offload),
                buffer: Vec::new(),
            },
            StatusIndication::Other { status, buffer } => SeenStatus {
                status,
                offload: None,
                buffer: buffer.to_vec(),
            },
        });
    }

    fn pause_complete(&mut self) {
        self.protocol.pause_completes += 1;
    }
}
