//! The emulated miniport: a NIC's usual offloads, the OIDs passed down answered at once or held,
//! the frames sent (the wire) completed at once or held.

use std::collections::HashMap;

use ipsecov2_abi::*;
use ipsecov2_nbl::{NblChain, SystemVaMapper};

use crate::OwnedNblChain;

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
pub(super) fn read_results(req: &NDIS_OID_REQUEST) -> (NDIS_OID, u32, u32, u32) {
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
pub(super) fn data(
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
    /// Hold send completions until [`Host::release_sends`](super::Host::release_sends).
    pub hold_sends: bool,
    /// Status every send completes with.
    pub send_status: NDIS_STATUS,
    /// Hold OID completions (return `NDIS_STATUS_PENDING`) until [`Host::release_oids`](super::Host::release_oids).
    pub hold_oids: bool,
    /// Indicate receives with `NDIS_RECEIVE_FLAGS_RESOURCES`.
    pub resources: bool,
    /// Every frame sent, in order (for captures).
    pub wire: Vec<Vec<u8>>,
    /// Frames sent and not yet delivered by [`Wire::pump`](super::Wire::pump).
    pub outbox: Vec<Vec<u8>>,
    /// OIDs passed down to it.
    pub oids: Vec<SeenOid>,
    /// Receive NBLs indicated and not yet returned.
    pub receives_outstanding: usize,
    /// Receive NBLs returned to it.
    pub receives_returned: usize,
    pub(super) held_sends: Vec<usize>,
    pub(super) completions: Vec<usize>,
    pub(super) held_oids: Vec<usize>,
    pub(super) rx: HashMap<usize, usize>,
    pub(super) rx_groups: HashMap<usize, (OwnedNblChain, usize)>,
    pub(super) next_group: usize,
}

impl Miniport {
    pub(super) fn new() -> Self {
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

    pub(super) fn transmit(&mut self, mut chain: NblChain<'static>) {
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
    pub(super) fn answer(
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
