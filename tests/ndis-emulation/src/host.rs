//! Emulated hosts: a TCP/IP-like protocol above, the filter module
//! (`ipsecov2_filter_core::module`) in the middle and a miniport below, all in-process, joined by
//! [`Port`], this emulation's implementation of [`NdisPort`]; and a [`Wire`] between two hosts.
//!
//! * The **miniport** records every frame sent (the wire), completes sends at once or holds them
//!   ([`Miniport::hold_sends`]) so that a pause must wait; it indicates received frames as real
//!   NBL chains with random MDL segmentation, with or without `NDIS_RECEIVE_FLAGS_RESOURCES`;
//!   reports a NIC's usual offloads (checksum, LSOv2, no IPsec) in its `NDIS_OFFLOAD`; answers the
//!   OIDs passed down (offload queries, `OID_TCP_OFFLOAD_PARAMETERS`, a few general ones), at
//!   once or pending ([`Miniport::hold_oids`]).
//! * The **protocol** issues OIDs (ADD_SA etc. built with [`crate::oid_buffers`]), sends NBLs
//!   framed by [`crate::tcpip`], records send completions (each exactly once), received packets
//!   with their IPsecOV2 receive information, status indications and pause completions, and
//!   returns receive NBLs (at once or held: [`Protocol::hold_receives`]).
//! * **Filter-owned copies**: the port turns the filter's staged [`HostTxBuffer`]s into NBLs of
//!   its own and reclaims them on completion.
//!
//! Nothing calls back into the module from inside a port call: completions and returns are
//! queued and delivered by [`Host::run`], as NDIS would deliver them later.
//!
//! ```
//! use ipsecov2_ndis_emu::host::{Host, HostConfig, Wire};
//! use ipsecov2_ndis_emu::tcpip::{bundle, BundleSpec, esp_algs, frame, send_nbl, Ip, Layer};
//!
//! let mut a = Host::new(HostConfig::default());
//! let mut b = Host::new(HostConfig { seed: 2, ..HostConfig::default() });
//! for h in [&mut a, &mut b] {
//!     h.attach().unwrap();
//!     h.restart().unwrap();
//! }
//! let gcm = &esp_algs()[2];
//! let out = a.add_sa(&bundle(BundleSpec::esp(gcm, 0x100))).unwrap();
//! b.add_sa(&bundle(BundleSpec::esp(gcm, 0x100).inbound())).unwrap();
//! let layer = Layer { esp: Some((gcm.shape, 0x100)), ah: None, udp: false };
//! let f = frame(&Ip { v6: false, extras: false }, &layer, 1, b"hello", 17);
//! let spec = send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info);
//! let id = a.send(vec![spec]).unwrap()[0];
//! Wire::pump(&mut a, &mut b).unwrap();
//! assert_eq!(a.protocol().send_status(id), Some(0));
//! let got = &b.protocol().received[0];
//! assert!(got.view.crypto_done && got.view.status == 0);
//! ```

use std::collections::HashMap;
use std::fmt;

use ipsecov2_abi::*;
use ipsecov2_filter_core::module::{
    HostModule, ModuleConfig, NdisPort, OidRequest, Reclaimed, StatusIndication,
};
use ipsecov2_filter_core::oid_clone;
use ipsecov2_filter_core::state::{FilterState, PauseStart};
use ipsecov2_filter_core::{
    CapabilityConfig, FilterCore, HostTxBuffer, HostTxPool, ModuleStats, OffloadEnable, TxBuffer,
};
use ipsecov2_nbl::{NblChain, SystemVaMapper};
use ipsecov2_offload_sa::OffloadSas;
use ipsecov2_satable::{HostSaTable, TableSeed};

use crate::oid_buffers::{self as build, AddSa, BASE};
use crate::tcpip::{recv_nbl, shell_list_view, ElementMemory, LinkedList, RecvView};
use crate::{MdlLayout, NbSpec, NblSpec, OwnedNblChain, SplitMix64};
use ipsecov2_oid::layout::{add_sa, delete_sa};

/// Why a host operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError(pub String);

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

fn err<T>(msg: impl Into<String>) -> Result<T, HostError> {
    Err(HostError(msg.into()))
}

/// How a host is built.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Seed of the host's random segmentation.
    pub seed: u64,
    /// `SaOffloadCapacity` (the SA table's capacity).
    pub sa_capacity: u32,
    /// `*IPsecOffloadV2` as read from the registry (`None`: absent).
    pub ipsec_offload_v2: Option<u32>,
    /// `*IPsecOffloadV2IPv4` as read from the registry (`None`: absent).
    pub ipsec_offload_v2_ipv4: Option<u32>,
    /// Filter-owned transmit buffers.
    pub pool_buffers: usize,
    /// Their size.
    pub pool_buffer_size: usize,
    /// The receive scratch buffer's size.
    pub scratch_size: usize,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            sa_capacity: 64,
            ipsec_offload_v2: None,
            ipsec_offload_v2_ipv4: None,
            pool_buffers: 64,
            pool_buffer_size: 9216,
            scratch_size: 9216,
        }
    }
}

/// The `NDIS_OFFLOAD` of an ordinary Ethernet NIC: IPv4/IPv6 TCP/UDP checksum (and IPv4 header
/// checksum) both ways, LSOv2 for IPv4 and IPv6, no IPsec (revision 5).
#[must_use]
pub fn nic_offload() -> NDIS_OFFLOAD {
    let mut o = NDIS_OFFLOAD {
        Header: NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_OFFLOAD,
            Revision: NDIS_OFFLOAD_REVISION_5,
            Size: NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5,
        },
        ..NDIS_OFFLOAD::default()
    };
    let supported = 1; // NDIS_OFFLOAD_SUPPORTED
    let c = &mut o.Checksum;
    for v4 in [&mut c.IPv4Transmit, &mut c.IPv4Receive] {
        v4.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
        v4.set_ip_options_supported(supported);
        v4.set_tcp_options_supported(supported);
        v4.set_tcp_checksum(supported);
        v4.set_udp_checksum(supported);
        v4.set_ip_checksum(supported);
    }
    for v6 in [&mut c.IPv6Transmit, &mut c.IPv6Receive] {
        v6.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
        v6.set_ip_extension_headers_supported(supported);
        v6.set_tcp_options_supported(supported);
        v6.set_tcp_checksum(supported);
        v6.set_udp_checksum(supported);
    }
    o.LsoV2.IPv4.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
    o.LsoV2.IPv4.MaxOffLoadSize = 65_536;
    o.LsoV2.IPv4.MinSegmentCount = 2;
    o.LsoV2.IPv6.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
    o.LsoV2.IPv6.MaxOffLoadSize = 65_536;
    o.LsoV2.IPv6.MinSegmentCount = 2;
    o
}

/// The bytes of an `NDIS_OFFLOAD` (as a miniport writes it into an `InformationBuffer`).
#[must_use]
pub fn offload_bytes(o: &NDIS_OFFLOAD) -> Vec<u8> {
    let mut v = vec![0u8; size_of::<NDIS_OFFLOAD>()];
    // SAFETY: `o` is a live, initialised `NDIS_OFFLOAD` (plain data; padding bytes are copied
    // as whatever they hold, which readers ignore) and `v` has room for exactly its size; the
    // two do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(std::ptr::from_ref(o).cast::<u8>(), v.as_mut_ptr(), v.len());
    }
    v
}

/// An `NDIS_OFFLOAD` read back from bytes (`None` if too short).
#[must_use]
pub fn offload_from_bytes(b: &[u8]) -> Option<NDIS_OFFLOAD> {
    if b.len() < size_of::<NDIS_OFFLOAD>() {
        return None;
    }
    // SAFETY: `b` holds at least `size_of::<NDIS_OFFLOAD>()` readable bytes; every bit pattern
    // is a valid `NDIS_OFFLOAD` (integers and plain-data unions only); the read is unaligned.
    Some(unsafe { std::ptr::read_unaligned(b.as_ptr().cast::<NDIS_OFFLOAD>()) })
}

/// The result fields of `req`'s `DATA` view for its `RequestType`: (OID, BytesWritten,
/// BytesRead, BytesNeeded).
fn read_results(req: &NDIS_OID_REQUEST) -> (NDIS_OID, u32, u32, u32) {
    match req.RequestType {
        t if t == NdisRequestSetInformation => {
            // SAFETY: the request is a set (built by `Port::new_oid`), so SET_INFORMATION is the
            // initialised view; it is plain data.
            let s = unsafe { req.DATA.SET_INFORMATION };
            (s.Oid, 0, s.BytesRead, s.BytesNeeded)
        }
        t if t == NdisRequestMethod => {
            // SAFETY: a method request: METHOD_INFORMATION is the initialised view.
            let m = unsafe { req.DATA.METHOD_INFORMATION };
            (m.Oid, m.BytesWritten, m.BytesRead, m.BytesNeeded)
        }
        _ => {
            // SAFETY: queries (and anything else this emulation builds) use the
            // QUERY_INFORMATION view, initialised by `Port::new_oid`.
            let q = unsafe { req.DATA.QUERY_INFORMATION };
            (q.Oid, q.BytesWritten, 0, q.BytesNeeded)
        }
    }
}

/// Builds the `DATA` view of a request of `request_type` with these values.
fn data(
    request_type: NDIS_REQUEST_TYPE,
    oid: NDIS_OID,
    buffer: PVOID,
    len: u32,
    (written, read, needed): (u32, u32, u32),
) -> NDIS_OID_REQUEST_DATA {
    if request_type == NdisRequestSetInformation {
        NDIS_OID_REQUEST_DATA {
            SET_INFORMATION: NDIS_OID_REQUEST_DATA_SET_INFORMATION {
                Oid: oid,
                InformationBuffer: buffer,
                InformationBufferLength: len,
                BytesRead: read,
                BytesNeeded: needed,
            },
        }
    } else if request_type == NdisRequestMethod {
        NDIS_OID_REQUEST_DATA {
            METHOD_INFORMATION: NDIS_OID_REQUEST_DATA_METHOD_INFORMATION {
                Oid: oid,
                InformationBuffer: buffer,
                InputBufferLength: len,
                OutputBufferLength: len,
                MethodId: 0,
                BytesWritten: written,
                BytesRead: read,
                BytesNeeded: needed,
            },
        }
    } else {
        NDIS_OID_REQUEST_DATA {
            QUERY_INFORMATION: NDIS_OID_REQUEST_DATA_QUERY_INFORMATION {
                Oid: oid,
                InformationBuffer: buffer,
                InformationBufferLength: len,
                BytesWritten: written,
                BytesNeeded: needed,
            },
        }
    }
}

/// One OID request issued by the protocol: the real `NDIS_OID_REQUEST` (original), its buffer,
/// the clone below while it is there.
#[derive(Debug)]
struct EmuOid {
    request: Box<NDIS_OID_REQUEST>,
    buffer: Vec<u8>,
    base: u64,
    /// List elements TCP/IP allocated outside the InformationBuffer.
    memory: ElementMemory,
    clone: Option<Box<NDIS_OID_REQUEST>>,
    outcome: Option<NDIS_STATUS>,
}

/// How an OID request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidOutcome {
    /// Completion status.
    pub status: NDIS_STATUS,
    /// The information buffer after completion.
    pub buffer: Vec<u8>,
    /// `BytesWritten`.
    pub bytes_written: u32,
    /// `BytesRead`.
    pub bytes_read: u32,
    /// `BytesNeeded`.
    pub bytes_needed: u32,
}

/// An OID request the miniport saw (a clone passed down by the filter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenOid {
    /// `RequestType`.
    pub request_type: NDIS_REQUEST_TYPE,
    /// The OID.
    pub oid: NDIS_OID,
    /// The buffer as it arrived.
    pub buffer: Vec<u8>,
    /// The clone's `RequestId` (the original's).
    pub request_id: usize,
    /// The clone's `SourceReserved` held the original's handle.
    pub original: usize,
}

/// The emulated miniport below the filter.
#[derive(Debug)]
pub struct Miniport {
    /// Current offload configuration (`DefaultOffloadConfiguration`, `OID_TCP_OFFLOAD_CURRENT_CONFIG`).
    pub offload: NDIS_OFFLOAD,
    /// Hardware capabilities (`OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES`).
    pub hardware: NDIS_OFFLOAD,
    /// Hold send completions until [`Host::release_sends`].
    pub hold_sends: bool,
    /// Status every send completes with.
    pub send_status: NDIS_STATUS,
    /// Hold OID completions (return `NDIS_STATUS_PENDING`) until [`Host::release_oids`].
    pub hold_oids: bool,
    /// Indicate receives with `NDIS_RECEIVE_FLAGS_RESOURCES`.
    pub resources: bool,
    /// Every frame sent, in order (for captures).
    pub wire: Vec<Vec<u8>>,
    /// Frames sent and not yet delivered by [`Wire::pump`].
    pub outbox: Vec<Vec<u8>>,
    /// OIDs passed down to it.
    pub oids: Vec<SeenOid>,
    /// Receive NBLs indicated and not yet returned.
    pub receives_outstanding: usize,
    /// Receive NBLs returned to it.
    pub receives_returned: usize,
    held_sends: Vec<usize>,
    completions: Vec<usize>,
    held_oids: Vec<usize>,
    rx: HashMap<usize, usize>,
    rx_groups: HashMap<usize, (OwnedNblChain, usize)>,
    next_group: usize,
}

impl Miniport {
    fn new() -> Self {
        Self {
            offload: nic_offload(),
            hardware: nic_offload(),
            hold_sends: false,
            send_status: NDIS_STATUS_SUCCESS,
            hold_oids: false,
            resources: false,
            wire: Vec::new(),
            outbox: Vec::new(),
            oids: Vec::new(),
            receives_outstanding: 0,
            receives_returned: 0,
            held_sends: Vec::new(),
            completions: Vec::new(),
            held_oids: Vec::new(),
            rx: HashMap::new(),
            rx_groups: HashMap::new(),
            next_group: 0,
        }
    }

    /// Sends held (not completed) right now.
    #[must_use]
    pub fn sends_held(&self) -> usize {
        self.held_sends.len()
    }

    fn transmit(&mut self, mut chain: NblChain<'static>) {
        while let Some(mut one) = chain.pop_front() {
            if let Some(mut nbl) = one.cursor().next_nbl() {
                let mut nbs = nbl.net_buffers();
                while let Some(mut nb) = nbs.next_nb() {
                    if let Ok(d) = nb.data(&SystemVaMapper) {
                        let mut f = vec![0u8; d.len()];
                        if d.copy_out(0, &mut f).is_ok() {
                            self.wire.push(f.clone());
                            self.outbox.push(f);
                        }
                    }
                }
                nbl.set_status(self.send_status);
            }
            let p = one.into_raw() as usize;
            if self.hold_sends {
                self.held_sends.push(p);
            } else {
                self.completions.push(p);
            }
        }
    }

    /// Answers an OID passed down: the offload queries, `OID_TCP_OFFLOAD_PARAMETERS`,
    /// `OID_GEN_MAXIMUM_FRAME_SIZE`; anything else `NDIS_STATUS_NOT_SUPPORTED`. Returns the
    /// status and (BytesWritten, BytesRead, BytesNeeded).
    fn answer(
        &self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buf: &mut [u8],
    ) -> (NDIS_STATUS, (u32, u32, u32)) {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        let query = request_type == NdisRequestQueryInformation;
        let reply = |buf: &mut [u8], bytes: &[u8]| {
            let need = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
            match buf.get_mut(..bytes.len()) {
                Some(dst) => {
                    dst.copy_from_slice(bytes);
                    (NDIS_STATUS_SUCCESS, (need, 0, 0))
                }
                None => (NDIS_STATUS_BUFFER_TOO_SHORT, (0, 0, need)),
            }
        };
        match oid {
            OID_TCP_OFFLOAD_CURRENT_CONFIG if query => {
                let mut b = offload_bytes(&self.offload);
                b.truncate(usize::from(self.offload.Header.Size));
                reply(buf, &b)
            }
            OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES if query => {
                let mut b = offload_bytes(&self.hardware);
                b.truncate(usize::from(self.hardware.Header.Size));
                reply(buf, &b)
            }
            OID_GEN_MAXIMUM_FRAME_SIZE if query => reply(buf, &1500u32.to_le_bytes()),
            OID_TCP_OFFLOAD_PARAMETERS if request_type == NdisRequestSetInformation => {
                let need = u32::from(NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_1);
                if len < need {
                    (NDIS_STATUS_INVALID_LENGTH, (0, 0, need))
                } else {
                    (NDIS_STATUS_SUCCESS, (0, len, 0))
                }
            }
            _ => (NDIS_STATUS_NOT_SUPPORTED, (0, 0, 0)),
        }
    }
}

/// `OID_GEN_MAXIMUM_FRAME_SIZE`.
pub const OID_GEN_MAXIMUM_FRAME_SIZE: NDIS_OID = 0x0001_0106;

/// A receive indication as the protocol saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The frame bytes (decrypted in place when the filter processed it).
    pub frame: Vec<u8>,
    /// The IPsecOV2 receive information.
    pub view: RecvView,
    /// `ReceiveFlags` of the indication.
    pub flags: ULONG,
}

/// A status indication as the protocol saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenStatus {
    /// `StatusCode`.
    pub status: NDIS_STATUS,
    /// The `NDIS_OFFLOAD`, for offload indications.
    pub offload: Option<NDIS_OFFLOAD>,
    /// The buffer of other indications.
    pub buffer: Vec<u8>,
}

/// Identifies one NBL the protocol sent.
pub type SendId = usize;

/// The emulated TCP/IP-like protocol above the filter.
#[derive(Debug, Default)]
pub struct Protocol {
    /// Hold receive NBLs (do not return them) until [`Host::release_receives`].
    pub hold_receives: bool,
    /// Every received packet, in order.
    pub received: Vec<Received>,
    /// Every status indication, in order.
    pub statuses: Vec<SeenStatus>,
    /// Send completions, in order: (id, status).
    pub completions: Vec<(SendId, NDIS_STATUS)>,
    /// Completions of NBLs it did not send or had already seen complete (must stay 0).
    pub bad_completions: usize,
    /// `NdisFPauseComplete` calls seen.
    pub pause_completes: usize,
    /// `NdisFOidRequestComplete` calls seen: (handle, status).
    pub oid_completions: Vec<(usize, NDIS_STATUS)>,
    sends: HashMap<usize, (SendId, usize)>,
    groups: HashMap<usize, (OwnedNblChain, usize)>,
    next_id: SendId,
    held_rx: Vec<usize>,
    to_return: Vec<usize>,
}

impl Protocol {
    /// The completion status of send `id`, once completed.
    #[must_use]
    pub fn send_status(&self, id: SendId) -> Option<NDIS_STATUS> {
        self.completions
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| *s)
    }

    /// Sends not yet completed.
    #[must_use]
    pub fn sends_outstanding(&self) -> usize {
        self.sends.len()
    }

    /// Receive NBL chains held.
    #[must_use]
    pub fn receives_held(&self) -> usize {
        self.held_rx.len()
    }
}

/// A filter-owned copy below.
#[derive(Debug)]
struct CopyRecord {
    _chain: OwnedNblChain,
    _buffers: Vec<HostTxBuffer>,
    original: usize,
}

/// This emulation's [`NdisPort`]: the miniport, the protocol, the filter-owned copies and the
/// OID requests.
#[derive(Debug)]
pub struct Port {
    /// The miniport below.
    pub miniport: Miniport,
    /// The protocol above.
    pub protocol: Protocol,
    staged: Vec<HostTxBuffer>,
    copies: HashMap<usize, CopyRecord>,
    oids: Vec<EmuOid>,
    /// Filter-owned copies currently below.
    pub copies_outstanding: usize,
}

fn chain_of(p: usize) -> NblChain<'static> {
    // SAFETY: `p` is the head of an NBL chain this emulation built (an `OwnedNblChain` kept in
    // the protocol's, the miniport's or the port's records until every NBL of it is completed or
    // returned) and handed back here by the side that held it, which gave up its own
    // `NblChain` (`into_raw`) first: nothing else accesses the chain while this one lives (1);
    // the structures are the emulation's own well-formed mirrors (2) over its own buffers (3).
    unsafe { NblChain::from_raw(p as *mut NET_BUFFER_LIST) }
}

impl Port {
    fn new() -> Self {
        Self {
            miniport: Miniport::new(),
            protocol: Protocol::default(),
            staged: Vec::new(),
            copies: HashMap::new(),
            oids: Vec::new(),
            copies_outstanding: 0,
        }
    }

    fn oid_mut(&mut self, h: usize) -> Option<&mut EmuOid> {
        self.oids.get_mut(h)
    }

    fn new_oid(
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
    fn finish_clone(&mut self, h: usize) -> Option<NDIS_STATUS> {
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
        let buffers = std::mem::take(&mut self.staged);
        let spec = NblSpec::new(
            buffers
                .iter()
                .map(|b| {
                    let d = b.bytes().to_vec();
                    let l = MdlLayout::single(u32::try_from(d.len()).unwrap_or(0));
                    NbSpec::new(d, l)
                })
                .collect(),
        );
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

/// One emulated host: protocol + filter module + miniport.
#[derive(Debug)]
pub struct Host {
    config: HostConfig,
    module: Option<HostModule>,
    port: Port,
    pool: HostTxPool,
    scratch: Vec<u8>,
    rng: SplitMix64,
}

impl Host {
    /// A host whose filter is not attached yet.
    #[must_use]
    pub fn new(config: HostConfig) -> Self {
        Self {
            pool: HostTxPool::new(config.pool_buffers, config.pool_buffer_size),
            scratch: vec![0u8; config.scratch_size],
            rng: SplitMix64::new(config.seed),
            port: Port::new(),
            module: None,
            config,
        }
    }

    /// The host's random source (segmentation of the NBLs it builds).
    pub fn rng(&mut self) -> &mut SplitMix64 {
        &mut self.rng
    }

    /// The filter module.
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn module(&self) -> Result<&HostModule, HostError> {
        match &self.module {
            Some(m) => Ok(m),
            None => err("filter not attached"),
        }
    }

    /// The miniport.
    #[must_use]
    pub fn miniport(&self) -> &Miniport {
        &self.port.miniport
    }

    /// The miniport, to configure it.
    pub fn miniport_mut(&mut self) -> &mut Miniport {
        &mut self.port.miniport
    }

    /// The protocol.
    #[must_use]
    pub fn protocol(&self) -> &Protocol {
        &self.port.protocol
    }

    /// The protocol, to configure it.
    pub fn protocol_mut(&mut self) -> &mut Protocol {
        &mut self.port.protocol
    }

    /// The port (miniport, protocol, copies).
    #[must_use]
    pub fn port(&self) -> &Port {
        &self.port
    }

    /// The transmit pool.
    #[must_use]
    pub fn pool(&self) -> &HostTxPool {
        &self.pool
    }

    /// `FilterAttach`: the SA table, the filter core and the module, configured from the
    /// keywords of [`HostConfig`] and the miniport's offloads.
    ///
    /// # Errors
    ///
    /// Already attached, or the SA table cannot be created.
    pub fn attach(&mut self) -> Result<(), HostError> {
        if self.module.is_some() {
            return err("already attached");
        }
        let cap = usize::try_from(self.config.sa_capacity).unwrap_or(0);
        let table =
            HostSaTable::with_capacity(cap, TableSeed::from_words([1, 2, 3, self.config.seed]))
                .map_err(|e| HostError(format!("SA table: {e:?}")))?;
        let config = ModuleConfig {
            caps: CapabilityConfig {
                sa_offload_capacity: self.config.sa_capacity,
            },
            enable: OffloadEnable::from_keywords(
                self.config.ipsec_offload_v2,
                self.config.ipsec_offload_v2_ipv4,
            ),
        };
        let m = &self.port.miniport;
        self.module = Some(HostModule::attach(
            FilterCore::new(OffloadSas::new(table)),
            &config,
            &m.offload,
            &m.hardware,
        ));
        Ok(())
    }

    /// `FilterRestart`.
    ///
    /// # Errors
    ///
    /// Not attached, or the module refuses the transition.
    pub fn restart(&mut self) -> Result<(), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        m.restart(&mut self.port)
            .map_err(|e| HostError(format!("restart: {e}")))
    }

    /// `FilterPause` (then [`Host::run`]); `Pending` until every outstanding NBL is back.
    ///
    /// # Errors
    ///
    /// Not attached, or the module refuses the transition.
    pub fn pause(&mut self) -> Result<PauseStart, HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let r = m.pause().map_err(|e| HostError(format!("pause: {e}")))?;
        self.run()?;
        Ok(r)
    }

    /// `FilterDetach`: the module detaches (its SAs are removed) and is dropped. Returns how
    /// many SAs were removed.
    ///
    /// # Errors
    ///
    /// Not attached, or not paused.
    pub fn detach(&mut self) -> Result<usize, HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let n = m.detach().map_err(|e| HostError(format!("detach: {e}")))?;
        self.module = None;
        Ok(n)
    }

    /// The module's state (`Detached` when not attached).
    #[must_use]
    pub fn state(&self) -> FilterState {
        self.module
            .as_ref()
            .map_or(FilterState::Detached, HostModule::state)
    }

    /// The module's counters.
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn snapshot(&self) -> Result<ModuleStats, HostError> {
        Ok(self.module()?.snapshot())
    }

    /// Delivers what NDIS would deliver later: send completions the miniport does not hold
    /// and receive NBLs the protocol returns, until nothing is left.
    ///
    /// # Errors
    ///
    /// Not attached while something is pending.
    pub fn run(&mut self) -> Result<(), HostError> {
        loop {
            let completions = std::mem::take(&mut self.port.miniport.completions);
            let returns = std::mem::take(&mut self.port.protocol.to_return);
            if completions.is_empty() && returns.is_empty() {
                return Ok(());
            }
            let m = self
                .module
                .as_ref()
                .ok_or_else(|| HostError("not attached".into()))?;
            for p in completions {
                m.send_complete(&mut self.port, chain_of(p));
            }
            for p in returns {
                m.return_receives(&mut self.port, chain_of(p));
            }
        }
    }

    /// Completes every held send, then [`Host::run`].
    ///
    /// # Errors
    ///
    /// See [`Host::run`].
    pub fn release_sends(&mut self) -> Result<(), HostError> {
        let held = std::mem::take(&mut self.port.miniport.held_sends);
        self.port.miniport.completions.extend(held);
        self.run()
    }

    /// Returns every held receive, then [`Host::run`].
    ///
    /// # Errors
    ///
    /// See [`Host::run`].
    pub fn release_receives(&mut self) -> Result<(), HostError> {
        let held = std::mem::take(&mut self.port.protocol.held_rx);
        self.port.protocol.to_return.extend(held);
        self.run()
    }

    /// Completes every held OID (`FilterOidRequestComplete`).
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn release_oids(&mut self) -> Result<(), HostError> {
        let held = std::mem::take(&mut self.port.miniport.held_oids);
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        for h in held {
            let status = self
                .port
                .oids
                .get(h)
                .and_then(|e| e.outcome)
                .unwrap_or(NDIS_STATUS_FAILURE);
            let status = match self.port.finish_clone(h) {
                Some(_) => status,
                None => NDIS_STATUS_FAILURE,
            };
            m.oid_request_complete(&mut self.port, h, status);
        }
        Ok(())
    }

    /// The protocol sends one chain of NBLs (`FilterSendNetBufferLists`), then [`Host::run`].
    /// Returns the id of each NBL.
    ///
    /// # Errors
    ///
    /// Not attached, or a spec cannot be built.
    pub fn send(&mut self, specs: Vec<NblSpec>) -> Result<Vec<SendId>, HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let mut owned =
            OwnedNblChain::build(&specs).map_err(|e| HostError(format!("send chain: {e}")))?;
        let proto = &mut self.port.protocol;
        let group = proto.next_id;
        let mut ids = Vec::new();
        for i in 0..owned.nbl_count() {
            let p = owned.nbl_ptr(i).ok_or_else(|| HostError("nbl".into()))? as usize;
            let id = proto.next_id;
            proto.next_id += 1;
            proto.sends.insert(p, (id, group));
            ids.push(id);
        }
        let head = owned.chain().into_raw() as usize;
        proto.groups.insert(group, (owned, ids.len()));
        m.send(&mut self.port, chain_of(head), &SystemVaMapper, &self.pool);
        self.run()?;
        Ok(ids)
    }

    /// The miniport indicates `frames` as one chain of NBLs (one NET_BUFFER each, random MDL
    /// segmentation), with `NDIS_RECEIVE_FLAGS_RESOURCES` when [`Miniport::resources`] is set;
    /// then [`Host::run`].
    ///
    /// # Errors
    ///
    /// Not attached, or a frame cannot be built.
    pub fn receive(&mut self, frames: &[Vec<u8>]) -> Result<(), HostError> {
        if frames.is_empty() {
            return Ok(());
        }
        let specs: Vec<NblSpec> = frames
            .iter()
            .map(|f| recv_nbl(&mut self.rng, f, 0))
            .collect();
        let resources = self.port.miniport.resources;
        self.receive_specs(
            specs,
            if resources {
                NDIS_RECEIVE_FLAGS_RESOURCES
            } else {
                0
            },
        )
    }

    /// The miniport indicates these NBLs with `flags`; then [`Host::run`].
    ///
    /// # Errors
    ///
    /// Not attached, or a spec cannot be built.
    pub fn receive_specs(&mut self, specs: Vec<NblSpec>, flags: ULONG) -> Result<(), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let mut owned =
            OwnedNblChain::build(&specs).map_err(|e| HostError(format!("receive chain: {e}")))?;
        let mp = &mut self.port.miniport;
        let group = mp.next_group;
        mp.next_group += 1;
        for i in 0..owned.nbl_count() {
            if let Some(p) = owned.nbl_ptr(i) {
                mp.rx.insert(p as usize, group);
            }
        }
        let n = owned.nbl_count();
        mp.receives_outstanding += n;
        let head = owned.chain().into_raw() as usize;
        mp.rx_groups.insert(group, (owned, n));
        m.receive(
            &mut self.port,
            chain_of(head),
            flags,
            &SystemVaMapper,
            &mut self.scratch,
        );
        if !NDIS_TEST_RECEIVE_CAN_PEND(flags) {
            // The indication cannot pend: the NBLs are the miniport's again.
            let mp = &mut self.port.miniport;
            if let Some((owned, _)) = mp.rx_groups.remove(&group) {
                for i in 0..owned.nbl_count() {
                    if let Some(p) = owned.nbl_ptr(i) {
                        if mp.rx.remove(&(p as usize)).is_some() {
                            mp.receives_outstanding = mp.receives_outstanding.saturating_sub(1);
                        }
                    }
                }
            }
        }
        self.run()
    }

    /// The miniport indicates a status (`FilterStatus`).
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn miniport_status(&mut self, indication: &StatusIndication<'_>) -> Result<(), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        m.status(&mut self.port, indication);
        Ok(())
    }

    /// The protocol issues an OID request (`FilterOidRequest`) with `buffer` at address `base`
    /// (the IPsecOV2 structures link by address: use [`BASE`] for [`crate::oid_buffers`]
    /// buffers). Returns its handle and the status `FilterOidRequest` returned
    /// (`NDIS_STATUS_PENDING` when it pends below).
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn oid(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
        base: u64,
    ) -> Result<(usize, NDIS_STATUS), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let h = self.port.new_oid(request_type, oid, buffer, base);
        let status = m.oid_request(&mut self.port, h);
        if status != NDIS_STATUS_PENDING {
            if let Some(e) = self.port.oid_mut(h) {
                e.outcome = Some(status);
            }
        }
        Ok((h, status))
    }

    /// The outcome of OID request `h` once complete (`None` while pending).
    #[must_use]
    pub fn oid_outcome(&self, h: usize) -> Option<OidOutcome> {
        let e = self.port.oids.get(h)?;
        if e.clone.is_some() {
            return None;
        }
        let (_, w, r, n) = read_results(&e.request);
        Some(OidOutcome {
            status: e.outcome?,
            buffer: e.buffer.clone(),
            bytes_written: w,
            bytes_read: r,
            bytes_needed: n,
        })
    }

    /// An OID request that completes at once: its outcome.
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn oid_now(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
        base: u64,
    ) -> Result<OidOutcome, HostError> {
        let (h, _) = self.oid(request_type, oid, buffer, base)?;
        self.oid_outcome(h)
            .ok_or_else(|| HostError(format!("OID {oid:#x} pending")))
    }

    /// ADD_SA of a list; returns the completion status and every handle (0 for refused ones).
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn add_sa_list(&mut self, sas: &[AddSa]) -> Result<(NDIS_STATUS, Vec<u64>), HostError> {
        let (bytes, offsets) = build::add_sa_list(sas);
        let list = LinkedList::new(bytes, &offsets, add_sa::NEXT);
        let (status, mut list) = self.list_oid(OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, list)?;
        Ok((
            status,
            (0..offsets.len())
                .map(|i| list.u64_of(i, add_sa::OFFLOAD_HANDLE))
                .collect(),
        ))
    }

    /// A set request of an ADD_SA or DELETE_SA list laid out as the thread's
    /// [`crate::tcpip::TcpipBehaviour`] says; its status and the list as the filter left it.
    fn list_oid(
        &mut self,
        oid: NDIS_OID,
        mut list: LinkedList,
    ) -> Result<(NDIS_STATUS, LinkedList), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let h = self.port.new_oid(
            NdisRequestSetInformation,
            oid,
            std::mem::take(&mut list.first),
            BASE,
        );
        if let Some(e) = self.port.oid_mut(h) {
            e.memory = std::mem::take(&mut list.memory);
        }
        let status = m.oid_request(&mut self.port, h);
        if status == NDIS_STATUS_PENDING {
            return err(format!("OID {oid:#x} pending"));
        }
        if let Some(e) = self.port.oid_mut(h) {
            e.outcome = Some(status);
            list.first.clone_from(&e.buffer);
            list.memory = e.memory.clone();
        }
        Ok((status, list))
    }

    /// ADD_SA of one bundle; its handle.
    ///
    /// # Errors
    ///
    /// Refused (the status is in the message), or see [`Host::add_sa_list`].
    pub fn add_sa(&mut self, sa: &AddSa) -> Result<u64, HostError> {
        let (status, handles) = self.add_sa_list(std::slice::from_ref(sa))?;
        match handles.first() {
            Some(&h) if h != 0 && status == NDIS_STATUS_SUCCESS => Ok(h),
            _ => err(format!("ADD_SA refused: status {status:#x}")),
        }
    }

    /// DELETE_SA of `handles`; the status.
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn delete_sa(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, HostError> {
        let b = build::delete_sa_list(handles);
        let offsets: Vec<usize> = (0..handles.len())
            .map(|i| i * delete_sa::SIZE_REVISION_1)
            .collect();
        let list = LinkedList::new(b, &offsets, delete_sa::NEXT);
        Ok(self
            .list_oid(OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, list)?
            .0)
    }

    /// `OID_TCP_OFFLOAD_PARAMETERS` (revision 2) setting only `IPsecV2` / `IPsecV2IPv4`
    /// (`NDIS_OFFLOAD_PARAMETERS_*` values; 0 = no change); the status.
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn set_offload_parameters(
        &mut self,
        ipsec_v2: u8,
        ipsec_v2_ipv4: u8,
    ) -> Result<NDIS_STATUS, HostError> {
        Ok(self
            .oid_now(
                NdisRequestSetInformation,
                OID_TCP_OFFLOAD_PARAMETERS,
                offload_parameters(ipsec_v2, ipsec_v2_ipv4),
                BASE,
            )?
            .status)
    }

    /// The `NDIS_OFFLOAD` TCP/IP reads with `OID_TCP_OFFLOAD_CURRENT_CONFIG` (or `_HARDWARE_CAPABILITIES`).
    ///
    /// # Errors
    ///
    /// Not attached, the query failed or pended.
    pub fn query_offload(&mut self, oid: NDIS_OID) -> Result<NDIS_OFFLOAD, HostError> {
        let out = self.oid_now(
            NdisRequestQueryInformation,
            oid,
            vec![0u8; size_of::<NDIS_OFFLOAD>()],
            BASE,
        )?;
        if out.status != NDIS_STATUS_SUCCESS {
            return err(format!("query {oid:#x}: {:#x}", out.status));
        }
        offload_from_bytes(&out.buffer).ok_or_else(|| HostError("short NDIS_OFFLOAD".into()))
    }
}

/// The bytes of an `NDIS_OFFLOAD_PARAMETERS` (revision 2) changing only the IPsecOV2 members.
#[must_use]
pub fn offload_parameters(ipsec_v2: u8, ipsec_v2_ipv4: u8) -> Vec<u8> {
    let mut b = vec![0u8; usize::from(NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2)];
    b[0] = NDIS_OBJECT_TYPE_DEFAULT;
    b[1] = NDIS_OFFLOAD_PARAMETERS_REVISION_2;
    b[2..4].copy_from_slice(&NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2.to_le_bytes());
    b[std::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2)] = ipsec_v2;
    b[std::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2IPv4)] = ipsec_v2_ipv4;
    b
}

/// Two hosts back to back: what one miniport sends the other receives.
#[derive(Debug)]
pub struct Wire;

impl Wire {
    /// Delivers every frame waiting in either miniport's outbox to the other host (repeatedly,
    /// until both are empty). Returns how many frames were delivered.
    ///
    /// # Errors
    ///
    /// A host is not attached.
    pub fn pump(a: &mut Host, b: &mut Host) -> Result<usize, HostError> {
        let mut n = 0;
        loop {
            let ab = std::mem::take(&mut a.port.miniport.outbox);
            let ba = std::mem::take(&mut b.port.miniport.outbox);
            if ab.is_empty() && ba.is_empty() {
                return Ok(n);
            }
            n += ab.len() + ba.len();
            b.receive(&ab)?;
            a.receive(&ba)?;
        }
    }
}
