//! The receive path: verify and decrypt IPsec packets whose inbound SA is offloaded, and report
//! the results in the IPsecOV2 slots; every packet is indicated. What the path remembers between
//! packets is here too: [`DeleteRequests`] (exhausted outbound SAs awaiting `SaDeleteReq`) and
//! [`ModeCache`] (the learned mode of inbound SAs, for failure codes).

use core::sync::atomic::{AtomicU64, Ordering};

use ipsec_engine::wire::field::{be16, be32, byte};
use ipsec_engine::wire::{
    ah, ipv4, ipv6, locate_ipsec, proto, IpsecKind, IpsecLocation, NAT_T_PORT,
};
use ipsec_engine::{AhOpened, EspOpened, ExtendedStateSave, PacketError, Wide, XmmOnly};
use ipsecov2_abi::*;
use ipsecov2_nbl::{MdlMapper, NbData, NblChain};
use ipsecov2_offload_sa::{AhPart, EspPart, OffloadSa};
use ipsecov2_satable::{
    AddressFamily, Arc, InboundKey, IpAddress, IpsecProtocol, OffloadHandle, SaLock, TableState,
    LOOKUP_BATCH,
};

use crate::config::OffloadEnable;
use crate::error::{Layer, RecvFailure};
use crate::frame::{datagram_len, destination, l2_len};
use crate::wide::ChainSection;
use crate::FilterCore;

/// What the receive path did with one received NBL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvOutcome {
    /// Not an IPsec packet with an offloaded inbound SA (or not parsable, or more than one
    /// NET_BUFFER): indicated without IPsecOV2 information.
    Untouched,
    /// An IPsec packet of an offloaded SA left for TCP/IP to process in software: the NBL is
    /// read-only (`NDIS_NBL_FLAGS_RECV_READ_ONLY`) or larger than the scratch buffer.
    NotProcessed,
    /// Checked: `CryptoDone` set, and the rest of this report in the slots.
    Checked(RecvReport),
}

/// The IPsecOV2 results of one received packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvReport {
    /// `Ok` → `CRYPTO_SUCCESS`; otherwise the failure and its `CRYPTO_*` code.
    pub result: Result<(), RecvFailure>,
    /// Both the tunnel and the transport layer were checked (`NextCryptoDone`).
    pub next_crypto_done: bool,
    /// `(NextHeader, PadLength)` of the first ESP trailer decrypted (`HeaderInfoSet`).
    pub header: Option<(u8, u8)>,
    /// `SaDeleteReq`: the SA pair must be deleted (its outbound SA is exhausted).
    pub sa_delete_req: bool,
}

/// A verified layer: the decrypted ESP (offset, trailer) if any, and the next header after it.
struct Opened {
    esp: Option<(usize, EspOpened)>,
    next_header: u8,
    /// Where the protected payload starts and ends (inner packet for tunnel mode).
    payload: (usize, usize),
}

/// The ESN high-order bits to try after `high` failed for a packet whose low-order sequence
/// number is `low`: the epoch before (a packet sent before the boundary and received after the
/// receiver's UPDATE_SA) for a low number in the upper half, the epoch after (sent after the
/// sender's UPDATE_SA, received before the receiver's) otherwise. RFC 4303 Appendix A infers
/// the high bits from the window the same way; TCP/IP keeps the window, so the half decides
/// (docs/tcpip-reading.md, point 3).
fn esn_neighbour(high: u32, low: u32) -> u32 {
    if low >= 0x8000_0000 {
        high.wrapping_sub(1)
    } else {
        high.wrapping_add(1)
    }
}

/// Verifies and decrypts ESP at `off` with the SA's high bits, and for an ESN SA whose ICV
/// failed once more with the neighbouring epoch's (nothing is decrypted before an ICV verifies).
///
/// `wide`: the chain's extended-state section is open (AES-GCM on the wide tier).
fn open_esp(
    esp: &EspPart,
    ip: &mut [u8],
    off: usize,
    len: usize,
    wide: Option<Wide<'_>>,
) -> Result<EspOpened, PacketError> {
    let high = esp.seq_high();
    match esp.sa.open_at_in(wide, ip, off, len, high) {
        Err(PacketError::IcvMismatch) if esp.esn() => {
            let low = be32(ip, off + 4).ok_or(PacketError::Truncated)?;
            esp.sa
                .open_at_in(wide, ip, off, len, esn_neighbour(high, low))
        }
        r => r,
    }
}

/// Verifies AH at `off` like [`open_esp`] (AH is verified without modification).
fn open_ah(ah: &AhPart, ip: &[u8], off: usize) -> Result<AhOpened, PacketError> {
    let high = ah.seq_high();
    match ah.sa.open(ip, off, high) {
        Err(PacketError::IcvMismatch) if ah.esn() => {
            let low = be32(ip, off + ah::field::SEQ.start).ok_or(PacketError::Truncated)?;
            ah.sa.open(ip, off, esn_neighbour(high, low))
        }
        r => r,
    }
}

/// Whether ESP of an SA with UDP-ESP encapsulation type `ty` arrives inside UDP on this layer:
/// `inner` is the transport layer of transport over tunnel. The types say per layer which one
/// is encapsulated (udp-esp-encapsulation-types.md), so the decision is made from the type's
/// definition, whichever SA of the pair carries it (docs/tcpip-reading.md, point 5).
fn expects_udp(ty: u32, inner: bool) -> bool {
    let on_layer = if inner {
        IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
            | IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL
    } else {
        IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
            | IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL
            | IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL
    };
    ty & on_layer != 0
}

/// Verifies (and for ESP decrypts, in `ip`) one SA bundle whose first header `loc` found.
///
/// `inner`: the transport layer of transport over tunnel (for the UDP-ESP type).
fn open_layer(
    ip: &mut [u8],
    sa: &OffloadSa,
    loc: IpsecLocation,
    layer_hint: Option<Layer>,
    inner: bool,
    wide: Option<Wide<'_>>,
) -> Result<Opened, RecvFailure> {
    match loc.kind {
        IpsecKind::Ah => {
            let ah = sa.ah.as_ref().ok_or(RecvFailure::Protocol)?;
            let nh = byte(ip, loc.offset + ah::field::NXT_HDR).ok_or(RecvFailure::Protocol)?;
            let layer = layer_hint.unwrap_or(if nh == proto::IPV4 || nh == proto::IPV6 {
                Layer::Tunnel
            } else {
                Layer::Transport
            });
            let opened = open_ah(ah, ip, loc.offset)
                .map_err(|e| RecvFailure::from_engine(e, false, layer))?;
            let after = loc.offset + opened.ah_len;
            match &sa.esp {
                None => Ok(Opened {
                    esp: None,
                    next_header: opened.next_header,
                    payload: (after, loc.end),
                }),
                Some(esp) => {
                    if opened.next_header != proto::ESP || be32(ip, after) != Some(esp.spi) {
                        return Err(RecvFailure::Protocol);
                    }
                    let len = loc.end.checked_sub(after).ok_or(RecvFailure::Protocol)?;
                    let o = open_esp(esp, ip, after, len, wide)
                        .map_err(|e| RecvFailure::from_engine(e, true, layer))?;
                    Ok(Opened {
                        esp: Some((after, o)),
                        next_header: o.next_header,
                        payload: (
                            after + o.payload_offset,
                            after + o.payload_offset + o.payload_len,
                        ),
                    })
                }
            }
        }
        IpsecKind::Esp | IpsecKind::UdpEsp { .. } => {
            let udp = matches!(loc.kind, IpsecKind::UdpEsp { .. });
            let esp = sa.esp.as_ref().ok_or(RecvFailure::Protocol)?;
            // An ESP+AH bundle needs AH in front; UDP-ESP only on an SA that says so.
            if sa.ah.is_some() || udp != expects_udp(sa.udp_esp, inner) {
                return Err(RecvFailure::Protocol);
            }
            let len = loc
                .end
                .checked_sub(loc.offset)
                .ok_or(RecvFailure::Protocol)?;
            let layer = layer_hint.unwrap_or(Layer::Transport);
            let o = open_esp(esp, ip, loc.offset, len, wide)
                .map_err(|e| RecvFailure::from_engine(e, true, layer))?;
            Ok(Opened {
                esp: Some((loc.offset, o)),
                next_header: o.next_header,
                payload: (
                    loc.offset + o.payload_offset,
                    loc.offset + o.payload_offset + o.payload_len,
                ),
            })
        }
    }
}

/// Live SAs from which the receive path warms a chain's inbound SAs before processing it
/// (`FilterCore::warm_chain`): about where the SAs a chain may hit stop fitting in the caches
/// (2^16 SAs: 1 MiB of index, 2 MiB of slots, some 40 MiB of prepared SAs). Below it the
/// table is cache-resident and the extra pass would only cost (docs/perf/2026-12-08-sa-lookup-1m.md).
pub const CHAIN_WARM_MIN_SAS: usize = 1 << 16;

/// Bytes of a frame read to find its inbound key for warming.
const WARM_HEAD: usize = 96;

/// The inbound key of a received frame from its first bytes, for warming only: IPv4 (with or
/// without options) or IPv6 without extension headers, carrying ESP, AH or UDP-ESP (port
/// 4500). `None` for anything else, which is then looked up cold; a wrong key only warms
/// useless lines (the packet's own lookup is `FilterCore::inbound`'s).
fn warm_key(frame: &[u8]) -> Option<InboundKey> {
    let ip = frame.get(l2_len(frame).ok()?..)?;
    let (next, at, dst) = match byte(ip, 0)? >> 4 {
        4 => {
            let ihl = usize::from(byte(ip, 0)? & 0x0f) * 4;
            let d: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            (byte(ip, 9)?, ihl, IpAddress::v4(d))
        }
        6 => {
            let d: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            (byte(ip, 6)?, 40, IpAddress::v6(d))
        }
        _ => return None,
    };
    let (proto, spi_at) = match next {
        proto::ESP => (IpsecProtocol::Esp, at),
        proto::AH => (IpsecProtocol::Ah, at.checked_add(ah::field::SPI.start)?),
        proto::UDP if be16(ip, at.checked_add(2)?)? == NAT_T_PORT => {
            (IpsecProtocol::Esp, at.checked_add(8)?)
        }
        _ => return None,
    };
    Some(InboundKey::new(be32(ip, spi_at)?, dst, proto))
}

fn wildcard(dst: IpAddress) -> IpAddress {
    match dst.family() {
        AddressFamily::V4 => IpAddress::v4([0; 4]),
        AddressFamily::V6 => IpAddress::v6([0; 16]),
    }
}

impl<L: SaLock<TableState<OffloadSa>>> FilterCore<L> {
    /// The inbound SA for (SPI, destination, protocol), falling back to an SA offloaded with a
    /// wildcard (all-zero) destination.
    fn inbound(&self, ip: &[u8], loc: IpsecLocation) -> Option<(u64, Arc<OffloadSa>)> {
        // The SPI is the first word of ESP, the second of AH.
        let (proto, spi_at) = match loc.kind {
            IpsecKind::Ah => (
                IpsecProtocol::Ah,
                loc.offset.checked_add(ah::field::SPI.start)?,
            ),
            IpsecKind::Esp | IpsecKind::UdpEsp { .. } => (IpsecProtocol::Esp, loc.offset),
        };
        let spi = be32(ip, spi_at)?;
        let dst = destination(ip).ok()?;
        let table = self.sas.table();
        table
            .get_inbound(&InboundKey::new(spi, dst, proto))
            .or_else(|| table.get_inbound(&InboundKey::new(spi, wildcard(dst), proto)))
            .map(|(h, sa)| (u64::from(h), sa))
    }

    /// With a large table: reads the first bytes of every packet of `chain` and warms their
    /// inbound SAs, [`LOOKUP_BATCH`] at a time (`SaTable::warm_inbound`: index entries, slots,
    /// payloads in passes, the misses of different packets overlapped), so that each packet's
    /// own lookup then finds its SA in the cache. No allocation.
    fn warm_chain<M: MdlMapper + ?Sized>(&self, chain: &mut NblChain<'_>, mapper: &M) {
        let table = self.sas.table();
        let none = InboundKey::new(0, IpAddress::v4([0; 4]), IpsecProtocol::Esp);
        let mut keys = [none; LOOKUP_BATCH];
        let mut n = 0;
        let mut head = [0u8; WARM_HEAD];
        let mut cursor = chain.cursor();
        while let Some(mut nbl) = cursor.next_nbl() {
            let mut nbs = nbl.net_buffers();
            let Some(mut nb) = nbs.next_nb() else {
                continue;
            };
            let Ok(data) = nb.data(mapper) else {
                continue;
            };
            let Some(head) = head.get_mut(..data.len().min(WARM_HEAD)) else {
                continue;
            };
            if data.copy_out(0, head).is_err() {
                continue;
            }
            if let (Some(k), Some(slot)) = (warm_key(head), keys.get_mut(n)) {
                *slot = k;
                n += 1;
            }
            if n == LOOKUP_BATCH {
                table.warm_inbound(&keys);
                n = 0;
            }
        }
        if let Some(rest) = keys.get(..n) {
            table.warm_inbound(rest);
        }
    }

    /// `FilterReceiveNetBufferLists`: checks every NBL of `chain` in place and sets its IPsecOV2
    /// slots (1: CryptoDone, NextCryptoDone, CryptoStatus, SaDeleteReq; 12: NextHeader,
    /// PadLength, HeaderInfoSet), clearing them on NBLs it does not process. The chain is then
    /// indicated whole, failures included. `scratch` is a per-processor buffer at least as large
    /// as the largest frame to process (larger frames are left to TCP/IP). No heap allocation.
    pub fn receive<M: MdlMapper + ?Sized>(
        &self,
        chain: &mut NblChain<'_>,
        mapper: &M,
        scratch: &mut [u8],
    ) {
        self.receive_enabled(chain, mapper, scratch, &OffloadEnable::ALL);
    }

    /// [`FilterCore::receive`] with only what `enable` allows processed: a packet of an SA
    /// whose family or protocols `enable` does not allow (any more: `OID_TCP_OFFLOAD_PARAMETERS`
    /// disabled it after the SA was added) goes up without IPsec processing, as the receiving
    /// page says for a disabled offload (docs/tcpip-reading.md, point 8).
    pub fn receive_enabled<M: MdlMapper + ?Sized>(
        &self,
        chain: &mut NblChain<'_>,
        mapper: &M,
        scratch: &mut [u8],
        enable: &OffloadEnable,
    ) {
        self.receive_enabled_in(chain, mapper, scratch, enable, &XmmOnly);
    }

    /// [`FilterCore::receive_enabled`] with `xstate` saving the extended processor state: a
    /// chain of at least [`crate::WIDE_MIN_NBLS`] NBLs whose first ESP AES-GCM SA has the wide
    /// tier runs inside one section (`crate::wide`). No heap allocation.
    pub fn receive_enabled_in<M: MdlMapper + ?Sized, X: ExtendedStateSave>(
        &self,
        chain: &mut NblChain<'_>,
        mapper: &M,
        scratch: &mut [u8],
        enable: &OffloadEnable,
        xstate: &X,
    ) {
        if self.sas.table().len_hint() >= CHAIN_WARM_MIN_SAS {
            self.warm_chain(chain, mapper);
        }
        let mut section = ChainSection::new(xstate, chain.count());
        let mut cursor = chain.cursor();
        while let Some(mut nbl) = cursor.next_nbl() {
            let read_only = nbl.nbl_flags() & NDIS_NBL_FLAGS_RECV_READ_ONLY != 0;
            let outcome = if nbl.net_buffer_count() == 1 {
                let mut nbs = nbl.net_buffers();
                match nbs.next_nb() {
                    Some(mut nb) => match nb.data(mapper) {
                        Ok(mut data) => self.receive_packet_enabled(
                            &mut data,
                            read_only,
                            scratch,
                            enable,
                            &mut section,
                        ),
                        Err(_) => RecvOutcome::Untouched,
                    },
                    None => RecvOutcome::Untouched,
                }
            } else {
                RecvOutcome::Untouched
            };
            let mut info = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(0);
            let mut header = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(0);
            match outcome {
                RecvOutcome::Untouched => {
                    crate::DatapathCounters::inc(&self.counters.recv_untouched);
                }
                RecvOutcome::NotProcessed => {
                    crate::DatapathCounters::inc(&self.counters.recv_not_processed);
                }
                RecvOutcome::Checked(r) => {
                    info.set_receive_crypto_done(true);
                    info.set_receive_next_crypto_done(r.next_crypto_done);
                    info.set_receive_crypto_status(match r.result {
                        Ok(()) => CRYPTO_SUCCESS,
                        Err(f) => f.crypto_status(),
                    });
                    if r.sa_delete_req {
                        info.set_receive_sa_delete_req(true);
                        crate::DatapathCounters::inc(&self.counters.recv_delete_requests);
                    }
                    if let Some((nh, pad)) = r.header {
                        header.set_receive_next_header(nh);
                        header.set_receive_pad_length(pad);
                        header.set_receive_header_info_set(true);
                    }
                }
            }
            nbl.set_ipsec_offload_v2(info);
            nbl.set_ipsec_offload_v2_header(header);
        }
    }

    /// Checks one received frame; returns what to report. Decrypted ESP bytes are written back
    /// into the NET_BUFFER only after their ICV verified.
    pub fn receive_packet<M: MdlMapper + ?Sized>(
        &self,
        data: &mut NbData<'_, M>,
        read_only: bool,
        scratch: &mut [u8],
    ) -> RecvOutcome {
        let mut section = ChainSection::new(&XmmOnly, 1);
        self.receive_packet_enabled(data, read_only, scratch, &OffloadEnable::ALL, &mut section)
    }

    fn receive_packet_enabled<M: MdlMapper + ?Sized, X: ExtendedStateSave>(
        &self,
        data: &mut NbData<'_, M>,
        read_only: bool,
        scratch: &mut [u8],
        enable: &OffloadEnable,
        section: &mut ChainSection<'_, X>,
    ) -> RecvOutcome {
        let len = data.len();
        // Enough to parse the headers and find the SA before deciding to copy everything.
        let mut head = [0u8; 128];
        let head_len = len.min(head.len());
        let Some(head) = head.get_mut(..head_len) else {
            return RecvOutcome::Untouched;
        };
        if data.copy_out(0, head).is_err() {
            return RecvOutcome::Untouched;
        }
        let Ok(l2) = l2_len(head) else {
            return RecvOutcome::Untouched;
        };
        let Some(frame) = scratch.get_mut(..len) else {
            return self.too_large(head, l2);
        };
        if data.copy_out(0, frame).is_err() {
            return RecvOutcome::Untouched;
        }
        let Some(ip_all) = frame.get_mut(l2..) else {
            return RecvOutcome::Untouched;
        };
        let Ok(end) = datagram_len(ip_all) else {
            return RecvOutcome::Untouched;
        };
        let Some(ip) = ip_all.get_mut(..end) else {
            return RecvOutcome::Untouched;
        };
        let Ok(loc) = locate_ipsec(ip) else {
            return RecvOutcome::Untouched;
        };
        let Some((handle, sa)) = self.inbound(ip, loc) else {
            return RecvOutcome::Untouched;
        };
        if !enable.allows(loc.ip_version == 6, sa.ah.is_some(), sa.esp.is_some()) {
            return RecvOutcome::Untouched;
        }
        if read_only {
            return RecvOutcome::NotProcessed;
        }
        let sa_delete_req = self.delete_requests.requested_for(self, &sa);
        let mut report = RecvReport {
            result: Ok(()),
            next_crypto_done: false,
            header: None,
            sa_delete_req,
        };
        // ESP hides the mode; an SA seen carrying tunnel traffic reports tunnel failures.
        let hint = self.modes.tunnel(handle).then_some(Layer::Tunnel);
        section.consider(&sa);
        let wide = section.wide();
        let outer = match open_layer(ip, &sa, loc, hint, false, wide) {
            Ok(o) => {
                self.modes.learn(
                    handle,
                    o.next_header == proto::IPV4 || o.next_header == proto::IPV6,
                );
                o
            }
            Err(f) => {
                self.count_failure(&sa, f);
                self.counters.recv_failure(f);
                report.result = Err(f);
                return RecvOutcome::Checked(report);
            }
        };
        sa.counters.count_ok(len);
        if let Some((off, o)) = outer.esp {
            report.header = Some((o.next_header, o.pad_length));
            let range = ip.get(off..loc.end).unwrap_or(&[]);
            if data.copy_in(l2 + off, range).is_err() {
                let f = RecvFailure::Generic(ipsec_engine::PacketError::Truncated);
                self.counters.recv_failure(f);
                report.result = Err(f);
                return RecvOutcome::Checked(report);
            }
        }
        // Transport over tunnel: the inner packet may carry a transport-mode SA of its own.
        if outer.next_header == proto::IPV4 || outer.next_header == proto::IPV6 {
            self.inner_layer(ip, outer.payload, data, l2, &mut report, enable, wide);
        }
        match report.result {
            Ok(()) => self.counters.recv_ok(len),
            Err(f) => self.counters.recv_failure(f),
        }
        RecvOutcome::Checked(report)
    }

    /// Checks the transport layer inside a verified tunnel layer whose protected payload is
    /// `ip[start..stop]`; on success sets `NextCryptoDone` and writes the decrypted bytes back.
    #[allow(
        clippy::too_many_arguments,
        reason = "the outer layer's state handed down as it is"
    )]
    fn inner_layer<M: MdlMapper + ?Sized>(
        &self,
        ip: &mut [u8],
        (start, stop): (usize, usize),
        data: &mut NbData<'_, M>,
        l2: usize,
        report: &mut RecvReport,
        enable: &OffloadEnable,
        wide: Option<Wide<'_>>,
    ) {
        let Some(inner_all) = ip.get_mut(start..stop) else {
            return;
        };
        let Ok(inner_end) = datagram_len(inner_all) else {
            return;
        };
        let Some(inner) = inner_all.get_mut(..inner_end) else {
            return;
        };
        let Ok(iloc) = locate_ipsec(inner) else {
            return;
        };
        let Some((_, isa)) = self.inbound(inner, iloc) else {
            return;
        };
        if !enable.allows(iloc.ip_version == 6, isa.ah.is_some(), isa.esp.is_some()) {
            return;
        }
        // Checked from here on, whatever the outcome (`NextCryptoDone`, point 8).
        report.next_crypto_done = true;
        match open_layer(inner, &isa, iloc, Some(Layer::Transport), true, wide) {
            Ok(io) => {
                isa.counters.count_ok(inner_end);
                if let Some((ioff, iesp)) = io.esp {
                    if report.header.is_none() {
                        report.header = Some((iesp.next_header, iesp.pad_length));
                    }
                    let r = inner.get(ioff..iloc.end).unwrap_or(&[]);
                    if data.copy_in(l2 + start + ioff, r).is_err() {
                        report.result =
                            Err(RecvFailure::Generic(ipsec_engine::PacketError::Truncated));
                    }
                }
            }
            Err(f) => {
                self.count_failure(&isa, f);
                report.result = Err(f);
            }
        }
    }

    /// Per-SA failure counters (the module counters are updated once per packet).
    fn count_failure(&self, sa: &OffloadSa, f: RecvFailure) {
        let c = match f {
            RecvFailure::AhAuth(_) | RecvFailure::EspAuth(_) => &sa.counters.auth_failures,
            _ => &sa.counters.other_drops,
        };
        c.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    }

    /// A frame larger than the scratch buffer: `NotProcessed` when it belongs to an offloaded SA
    /// (TCP/IP does the work), `Untouched` otherwise. Only the first bytes are looked at.
    fn too_large(&self, head: &[u8], l2: usize) -> RecvOutcome {
        let Some(ip) = head.get(l2..) else {
            return RecvOutcome::Untouched;
        };
        // `locate_ipsec` wants the whole datagram; look for a plain ESP/AH header right after a
        // fixed-size IP header instead, which is enough to decide who processes the packet.
        let (next, off) = match ipsec_engine::wire::ip_version(ip) {
            Some(4) => (
                byte(ip, ipv4::field::PROTOCOL),
                ipv4::Ipv4Packet::new_unchecked(ip).header_len(),
            ),
            Some(6) => (byte(ip, ipv6::field::NXT_HDR), ipv6::HEADER_LEN),
            _ => (None, 0),
        };
        let kind = match next {
            Some(proto::ESP) => IpsecKind::Esp,
            Some(proto::AH) => IpsecKind::Ah,
            _ => return RecvOutcome::Untouched,
        };
        let loc = IpsecLocation {
            ip_version: 0,
            kind,
            offset: off,
            end: 0,
        };
        match self.inbound(ip, loc) {
            Some(_) => RecvOutcome::NotProcessed,
            None => RecvOutcome::Untouched,
        }
    }
}

/// Outbound SAs whose IV or sequence space ran out, remembered (bounded) until their pair is
/// deleted, so that the next packet received on the matching inbound SA carries `SaDeleteReq`
/// (the managing-SAs page: TCP/IP then deletes the inbound SA and the outbound SA).
#[derive(Debug, Default)]
pub struct DeleteRequests {
    handles: [AtomicU64; DeleteRequests::SLOTS],
}

impl DeleteRequests {
    /// How many exhausted outbound SAs can be pending at once (more are dropped: the next
    /// failing send records them again).
    pub const SLOTS: usize = 8;

    pub(crate) fn note_exhausted(&self, handle: u64) {
        if self
            .handles
            .iter()
            .any(|h| h.load(Ordering::Relaxed) == handle)
        {
            return;
        }
        for h in &self.handles {
            if h.compare_exchange(0, handle, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Whether a pending exhausted outbound SA pairs with the inbound SA `sa` (its source is
    /// `sa`'s destination and vice versa). Entries whose SA is gone are cleared.
    fn requested_for<L: SaLock<TableState<OffloadSa>>>(
        &self,
        core: &FilterCore<L>,
        sa: &OffloadSa,
    ) -> bool {
        let mut found = false;
        for h in &self.handles {
            let v = h.load(Ordering::Acquire);
            if v == 0 {
                continue;
            }
            match OffloadHandle::from_u64(v).and_then(|oh| core.sas.table().get(oh)) {
                None => {
                    let _ = h.compare_exchange(v, 0, Ordering::AcqRel, Ordering::Relaxed);
                }
                Some(out) => {
                    if out.destination == sa.source && out.source == sa.destination {
                        found = true;
                    }
                }
            }
        }
        found
    }

    /// Outbound handles currently pending deletion.
    pub fn pending(&self) -> impl Iterator<Item = u64> + '_ {
        self.handles
            .iter()
            .map(|h| h.load(Ordering::Relaxed))
            .filter(|&v| v != 0)
    }
}

/// What the receive path learned about the mode of inbound SAs: ESP hides whether a packet is
/// tunnel or transport mode until it is decrypted, so an ESP authentication failure can only be
/// reported as `CRYPTO_TUNNEL_ESP_AUTH_FAILED` for an SA already seen carrying tunnel traffic.
/// A small direct-mapped cache (no allocation, no lock); a miss or a torn entry reads as
/// "transport", which only affects the failure code reported.
#[derive(Debug)]
pub struct ModeCache {
    handles: [AtomicU64; ModeCache::SLOTS],
    tags: [AtomicU64; ModeCache::SLOTS],
}

impl Default for ModeCache {
    fn default() -> Self {
        Self {
            handles: core::array::from_fn(|_| AtomicU64::new(0)),
            tags: core::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl ModeCache {
    /// Number of entries.
    pub const SLOTS: usize = 64;

    fn slot(handle: u64) -> usize {
        // SLOTS is a power of two: the low bits of the handle spread well (the table's handles
        // are keyed and generation-tagged).
        usize::try_from(handle % Self::SLOTS as u64).unwrap_or(0)
    }

    fn tag(handle: u64, tunnel: bool) -> u64 {
        (handle << 1) | u64::from(tunnel)
    }

    /// Records the mode of inbound SA `handle`.
    pub fn learn(&self, handle: u64, tunnel: bool) {
        let i = Self::slot(handle);
        if let (Some(h), Some(t)) = (self.handles.get(i), self.tags.get(i)) {
            h.store(handle, Ordering::Relaxed);
            t.store(Self::tag(handle, tunnel), Ordering::Relaxed);
        }
    }

    /// Whether inbound SA `handle` was last seen carrying tunnel-mode traffic.
    #[must_use]
    pub fn tunnel(&self, handle: u64) -> bool {
        let i = Self::slot(handle);
        match (self.handles.get(i), self.tags.get(i)) {
            (Some(h), Some(t)) => {
                h.load(Ordering::Relaxed) == handle
                    && t.load(Ordering::Relaxed) == Self::tag(handle, true)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    /// Ethernet (IPv4 or IPv6 ethertype) + an IP header whose next header is `next`, then `rest`.
    fn frame(v6: bool, next: u8, rest: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(if v6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });
        if v6 {
            let mut ip = vec![0u8; 40];
            ip[0] = 0x60;
            ip[6] = next;
            ip[24..40].copy_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
            f.extend_from_slice(&ip);
        } else {
            let mut ip = vec![0u8; 24];
            ip[0] = 0x46; // IHL 6: one word of options
            ip[9] = next;
            ip[16..20].copy_from_slice(&[192, 0, 2, 2]);
            f.extend_from_slice(&ip);
        }
        f.extend_from_slice(rest);
        f
    }

    #[test]
    fn warm_key_reads_esp_ah_and_udp_esp() {
        let v4 = IpAddress::v4([192, 0, 2, 2]);
        let v6 = IpAddress::v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        let esp = [0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1];
        assert_eq!(
            warm_key(&frame(false, proto::ESP, &esp)),
            Some(InboundKey::new(0x1234_5678, v4, IpsecProtocol::Esp))
        );
        assert_eq!(
            warm_key(&frame(true, proto::ESP, &esp)),
            Some(InboundKey::new(0x1234_5678, v6, IpsecProtocol::Esp))
        );
        let ah = [proto::ESP, 4, 0, 0, 0xab, 0xcd, 0, 1, 0, 0, 0, 1];
        assert_eq!(
            warm_key(&frame(false, proto::AH, &ah)),
            Some(InboundKey::new(0xabcd_0001, v4, IpsecProtocol::Ah))
        );
        let udp = [
            0x11, 0x94, 0x11, 0x94, 0, 16, 0, 0, 0, 0, 0x42, 0x42, 0, 0, 0, 1,
        ];
        assert_eq!(
            warm_key(&frame(false, proto::UDP, &udp)),
            Some(InboundKey::new(0x4242, v4, IpsecProtocol::Esp))
        );
        // Not IPsec, another UDP port, truncated: no key (looked up cold, if at all).
        assert_eq!(warm_key(&frame(false, proto::TCP, &esp)), None);
        let other = [0x11, 0x94, 0x00, 0x35, 0, 16, 0, 0, 0, 0, 0x42, 0x42];
        assert_eq!(warm_key(&frame(false, proto::UDP, &other)), None);
        assert_eq!(warm_key(&frame(true, proto::ESP, &esp[..2])), None);
    }
}
