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

/// `o` with no transmit checksum offload (a NIC that computes no checksum on send).
#[must_use]
pub fn without_transmit_checksum(mut o: NDIS_OFFLOAD) -> NDIS_OFFLOAD {
    o.Checksum.IPv4Transmit = NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit::default();
    o.Checksum.IPv6Transmit = NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv6Transmit::default();
    o
}

/// What a NIC with the offload `o` does on transmit with the NBL's
/// `TcpIpChecksumNetBufferListInfo` value `info`: the requested checksums it offers
/// (`o.Checksum.IPv4Transmit` / `IPv6Transmit`, Ethernet encapsulation) are computed into
/// `frame` — the IPv4 header checksum of the IP header after the MAC header, the TCP or UDP
/// checksum of the segment at `TcpHeaderOffset` (from the frame's start) over the pseudo-header
/// of that IP header. A request it does not offer is left undone (as on real hardware). Returns
/// whether it computed anything.
pub fn transmit_checksum_offload(frame: &mut [u8], info: usize, o: &NDIS_OFFLOAD) -> bool {
    let c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO { Value: info };
    let l2 = match frame.get(12..14) {
        Some([0x81, 0x00]) => 18,
        Some(_) => 14,
        None => return false,
    };
    let on = |v: u32| v == 1;
    let mut done = false;
    let (tcp_ok, udp_ok) = if c.transmit_is_ipv4() {
        let t = o.Checksum.IPv4Transmit;
        if t.Encapsulation & NDIS_ENCAPSULATION_IEEE_802_3 == 0 {
            return false;
        }
        if c.transmit_ip_header_checksum() && on(t.ip_checksum()) {
            let ihl = usize::from(frame.get(l2).map_or(0, |b| b & 0x0f)) * 4;
            if ihl >= 20 && frame.len() >= l2 + ihl {
                frame[l2 + 10..l2 + 12].fill(0);
                let sum = !fold(sum_words(&frame[l2..l2 + ihl], 0));
                frame[l2 + 10..l2 + 12].copy_from_slice(&sum.to_be_bytes());
                done = true;
            }
        }
        (on(t.tcp_checksum()), on(t.udp_checksum()))
    } else if c.transmit_is_ipv6() {
        let t = o.Checksum.IPv6Transmit;
        if t.Encapsulation & NDIS_ENCAPSULATION_IEEE_802_3 == 0 {
            return false;
        }
        (on(t.tcp_checksum()), on(t.udp_checksum()))
    } else {
        return false;
    };
    let upper = if c.transmit_tcp_checksum() && tcp_ok {
        Some((6u8, 16usize))
    } else if c.transmit_udp_checksum() && udp_ok {
        Some((17u8, 6usize))
    } else {
        None
    };
    let Some((proto, at)) = upper else {
        return done;
    };
    let off = c.transmit_tcp_header_offset() as usize;
    let v4 = c.transmit_is_ipv4();
    let Some(end) = datagram_end(frame, l2, v4) else {
        return done;
    };
    if off < l2 || off + at + 2 > end {
        return done;
    }
    let len = end - off;
    let addrs = if v4 {
        l2 + 12..l2 + 20
    } else {
        l2 + 8..l2 + 40
    };
    let mut sum = sum_words(&frame[addrs], 0);
    sum = sum_words(&(len as u32).to_be_bytes(), sum);
    sum = sum_words(&[0, proto], sum);
    frame[off + at..off + at + 2].fill(0);
    let mut ck = !fold(sum_words(&frame[off..end], sum));
    if ck == 0 && proto == 17 {
        ck = 0xffff;
    }
    frame[off + at..off + at + 2].copy_from_slice(&ck.to_be_bytes());
    true
}

/// Where the IP datagram at `frame[l2]` ends (its total / payload length).
fn datagram_end(frame: &[u8], l2: usize, v4: bool) -> Option<usize> {
    let (at, extra) = if v4 { (l2 + 2, 0) } else { (l2 + 4, 40) };
    let b = frame.get(at..at + 2)?;
    let end = l2 + usize::from(u16::from_be_bytes([b[0], b[1]])) + extra;
    (end <= frame.len()).then_some(end)
}

/// The one's-complement sum of big-endian 16-bit words (odd tail padded with 0), added to `sum`.
fn sum_words(data: &[u8], mut sum: u32) -> u32 {
    for c in data.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum
}

/// `sum` folded to 16 bits.
fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
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
                let checksum_info = nbl
                    .info(TcpIpChecksumNetBufferListInfo)
                    .map_or(0, |p| p as usize);
                let mut nbs = nbl.net_buffers();
                while let Some(mut nb) = nbs.next_nb() {
                    if let Ok(d) = nb.data(&SystemVaMapper) {
                        let mut f = vec![0u8; d.len()];
                        if d.copy_out(0, &mut f).is_ok() {
                            transmit_checksum_offload(&mut f, checksum_info, &self.offload);
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

    /// Answers an OID passed down ([`answer_oid`] with its offloads).
    pub(super) fn answer(
        &self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buf: &mut [u8],
    ) -> (NDIS_STATUS, (u32, u32, u32)) {
        answer_oid(&self.offload, &self.hardware, request_type, oid, buf)
    }
}

/// How the emulated miniport (current offload `offload`, hardware capabilities `hardware`)
/// answers an OID passed down: the offload queries, `OID_TCP_OFFLOAD_PARAMETERS`,
/// `OID_GEN_MAXIMUM_FRAME_SIZE`; anything else `NDIS_STATUS_NOT_SUPPORTED`. Returns the
/// status and (BytesWritten, BytesRead, BytesNeeded).
pub fn answer_oid(
    offload: &NDIS_OFFLOAD,
    hardware: &NDIS_OFFLOAD,
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
            let mut b = offload_bytes(offload);
            b.truncate(usize::from(offload.Header.Size));
            reply(buf, &b)
        }
        OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES if query => {
            let mut b = offload_bytes(hardware);
            b.truncate(usize::from(hardware.Header.Size));
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

/// `OID_GEN_MAXIMUM_FRAME_SIZE`.
pub const OID_GEN_MAXIMUM_FRAME_SIZE: NDIS_OID = 0x0001_0106;

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet + IPv4 (checksum 0) + UDP (checksum 0) + 5 bytes, and the slot asking for both.
    fn frame() -> (Vec<u8>, usize) {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&[0x45, 0, 0, 33, 0, 1, 0x40, 0, 64, 17, 0, 0]);
        f.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 7]);
        f.extend_from_slice(&[0x12, 0x34, 0x11, 0x94, 0, 13, 0, 0, 1, 2, 3, 4, 5]);
        let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
        c.set_transmit_is_ipv4(true);
        c.set_transmit_ip_header_checksum(true);
        c.set_transmit_udp_checksum(true);
        c.set_transmit_tcp_header_offset(14 + 20);
        (f, c.Value)
    }

    #[test]
    fn offered_checksums_are_computed() {
        let (mut f, info) = frame();
        assert!(transmit_checksum_offload(&mut f, info, &nic_offload()));
        assert_eq!(fold(sum_words(&f[14..34], 0)), 0xffff, "IPv4 header");
        let mut pseudo = sum_words(&f[26..34], 0);
        pseudo = sum_words(&[0, 0, 0, 13, 0, 17], pseudo);
        assert_eq!(fold(sum_words(&f[34..], pseudo)), 0xffff, "UDP");
        assert_ne!(&f[40..42], &[0, 0]);
    }

    #[test]
    fn a_nic_without_transmit_checksum_computes_nothing() {
        let (mut f, info) = frame();
        let before = f.clone();
        let nic = without_transmit_checksum(nic_offload());
        assert!(!transmit_checksum_offload(&mut f, info, &nic));
        assert_eq!(f, before);
        let (mut g, _) = frame();
        assert!(!transmit_checksum_offload(&mut g, 0, &nic_offload()));
        assert_eq!(g, before, "no request, nothing done");
    }
}
