//! The send path: protect every NET_BUFFER of an NBL that carries IPsecOV2 information into a
//! filter-owned buffer; pass the others down; keep the chain's order.

use ipsec_engine::wire::field::{be32, byte};
use ipsec_engine::wire::{
    ah, fix_udp_encap, ipv6ext, locate_ipsec, proto, IpsecKind, IpsecLocation, ESP_HEADER_LEN,
};
use ipsec_engine::PacketError;
use ipsecov2_abi::*;
use ipsecov2_nbl::{MdlMapper, NblChain};
use ipsecov2_offload_sa::OffloadSa;
use ipsecov2_satable::{Arc, OffloadHandle, SaLock, TableState};

use crate::checksum::{self, MiniportChecksum};
use crate::error::SendDrop;
use crate::frame::{datagram_len, l2_len};
use crate::pool::{TxBuffer, TxPool};
use crate::send_batch::{Batch, Deferred, PacketSas, Verdict};
use crate::wide::ChainSection;
use crate::FilterCore;
use ipsec_engine::{ExtendedStateSave, Wide, XmmOnly};

/// Where the send path puts each NBL, in the order of the chain it was given. The driver builds
/// the chain it sends down from [`SendSink::pass_down`] and [`SendSink::protected`] calls, in
/// call order, and completes the [`SendSink::complete`] ones at once.
pub trait SendSink<'a, B> {
    /// An NBL without IPsec offload information (its IPsecOV2 slots cleared): send it down.
    fn pass_down(&mut self, nbl: NblChain<'a>);
    /// The protected copy of the next NET_BUFFER of the NBL being processed. The driver links it
    /// into the filter-owned NBL that will replace the original.
    fn stage(&mut self, packet: B);
    /// Every NET_BUFFER of `original` has been staged: send the staged copies down (one
    /// filter-owned NBL, at this position of the chain) and keep `original`; complete it with the
    /// copy's completion status when the copy's send completes, then release the buffers.
    fn protected(&mut self, original: NblChain<'a>);
    /// As [`SendSink::protected`], the copy carrying `checksum_info` in its
    /// `TcpIpChecksumNetBufferListInfo` slot: the outer checksums left to the miniport. Only
    /// called by [`FilterCore::send_offloading`] with an offer, which a sink that cannot carry
    /// the slot never gets (the default keeps the slot empty and must not be reached then).
    fn protected_with_checksum(&mut self, original: NblChain<'a>, checksum_info: usize) {
        let _ = checksum_info;
        self.protected(original);
    }
    /// Complete `original` now with `status` (already stored in its `Status` field; it was not
    /// sent); release anything staged for it.
    fn complete(&mut self, original: NblChain<'a>, status: NDIS_STATUS, reason: SendDrop);
}

fn handle_of(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn ah_len(ip: &[u8], off: usize) -> Result<usize, SendDrop> {
    let at = off
        .checked_add(ah::field::LENGTH)
        .ok_or(SendDrop::BadHeaderOffset)?;
    let l = byte(ip, at).ok_or(SendDrop::BadHeaderOffset)?;
    ipv6ext::header_len(proto::AH, l).ok_or(SendDrop::BadHeaderOffset)
}

/// Compares the framed ESP trailer of `ip` with slot 12's NextHeader and PadLength.
fn check_trailer(
    ip: &[u8],
    esp: &ipsecov2_offload_sa::EspPart,
    h: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
) -> Result<(), SendDrop> {
    let icv = esp.sa.config().icv_len();
    let nh_at = ip
        .len()
        .checked_sub(icv + 1)
        .ok_or(PacketError::Truncated)?;
    let trailer = ip
        .get(nh_at.checked_sub(1).ok_or(PacketError::Truncated)?..=nh_at)
        .ok_or(PacketError::Truncated)?;
    if trailer != [h.transmit_pad_length(), h.transmit_next_header()] {
        return Err(SendDrop::HeaderInfoMismatch);
    }
    Ok(())
}

/// Which of a packet's SAs (0 transport, 1 tunnel) seals it when its only crypto is one ESP
/// seal the engine batches (AES-CBC with integrity; no AH, no transport over tunnel): such a
/// packet's seal can wait for the batch.
fn batch_outer(transport: Option<&OffloadSa>, tunnel: Option<&OffloadSa>) -> Option<u8> {
    let (outer, at) = match (transport, tunnel) {
        (None, Some(t)) => (t, 1),
        (Some(p), None) => (p, 0),
        _ => return None,
    };
    let esp = outer.esp.as_ref()?;
    (outer.ah.is_none() && esp.sa.seals_in_lanes()).then_some(at)
}

/// Everything [`protect_frame`] does before the ESP seal of a batched packet (headers located
/// and checked, trailer compared with slot 12): the ESP part's offset in the frame and length.
fn locate_batched(
    frame: &[u8],
    hdr: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    outer: &OffloadSa,
) -> Result<(usize, usize), SendDrop> {
    let l2 = l2_len(frame)?;
    let ip_all = frame.get(l2..).ok_or(PacketError::Truncated)?;
    let end = datagram_len(ip_all)?;
    let ip = ip_all.get(..end).ok_or(PacketError::Truncated)?;
    let nonzero = |v: u8| (v != 0).then(|| usize::from(v) * 4);
    let slot = (
        nonzero(hdr.transmit_esp_header_offset()),
        nonzero(hdr.transmit_ah_header_offset()),
    );
    let (esp_off, _) = locate_layer(ip, outer, slot)?;
    let off = esp_off.ok_or(SendDrop::BadHeaderOffset)?;
    let esp = outer.esp.as_ref().ok_or(SendDrop::BadHeaderOffset)?;
    check_trailer(ip, esp, hdr)?;
    let len = ip.len().checked_sub(off).ok_or(SendDrop::BadHeaderOffset)?;
    Ok((l2 + off, len))
}

/// Seals one SA bundle over `ip` (an IP datagram, offset 0 = IP header): ESP first, then AH over
/// the result. `check` compares the framed ESP trailer with slot 12's NextHeader and PadLength.
fn seal_bundle(
    ip: &mut [u8],
    sa: &OffloadSa,
    esp_off: Option<usize>,
    ah_off: Option<usize>,
    check: Option<NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO>,
    wide: Option<Wide<'_>>,
) -> Result<(), SendDrop> {
    if let Some(esp) = &sa.esp {
        let off = esp_off.ok_or(SendDrop::BadHeaderOffset)?;
        let len = ip.len().checked_sub(off).ok_or(SendDrop::BadHeaderOffset)?;
        if let Some(h) = check {
            check_trailer(ip, esp, h)?;
        }
        esp.sa.seal_at_in(wide, ip, off, len, esp.seq_high())?;
        // UDP-ESP (RFC 3948): the UDP header right in front of this ESP header gets its length
        // and checksum (0 over IPv4, computed over IPv6) now that the ESP bytes are final.
        if let Ok(loc) = locate_ipsec(ip) {
            if let IpsecKind::UdpEsp { udp_offset } = loc.kind {
                if loc.offset == off {
                    fix_udp_encap(ip, udp_offset, ip.len())?;
                }
            }
        }
    }
    if let Some(ah) = &sa.ah {
        let off = ah_off.ok_or(SendDrop::BadHeaderOffset)?;
        ah.sa.seal(ip, off, ah.seq_high())?;
    }
    Ok(())
}

/// The ESP and AH offsets of `sa`'s layer whose first IPsec header `loc` found: AH first when
/// the SA has AH, its ESP right behind it.
fn parsed_offsets(
    ip: &[u8],
    sa: &OffloadSa,
    loc: IpsecLocation,
) -> Result<(Option<usize>, Option<usize>), SendDrop> {
    match loc.kind {
        IpsecKind::Ah if sa.esp.is_some() => {
            Ok((Some(loc.offset + ah_len(ip, loc.offset)?), Some(loc.offset)))
        }
        IpsecKind::Ah => Ok((None, Some(loc.offset))),
        IpsecKind::Esp | IpsecKind::UdpEsp { .. } => Ok((Some(loc.offset), None)),
    }
}

/// Whether the headers at `esp_off` / `ah_off` are `sa`'s: present where the SA has that part
/// and carrying its SPI (the first word of ESP, the second of AH).
fn headers_are_sas(
    ip: &[u8],
    sa: &OffloadSa,
    (esp_off, ah_off): (Option<usize>, Option<usize>),
) -> Result<(), SendDrop> {
    if let Some(esp) = &sa.esp {
        let off = esp_off.ok_or(SendDrop::BadHeaderOffset)?;
        if be32(ip, off).ok_or(SendDrop::BadHeaderOffset)? != esp.spi {
            return Err(SendDrop::SpiMismatch);
        }
    }
    if let Some(ah) = &sa.ah {
        let off = ah_off.ok_or(SendDrop::BadHeaderOffset)?;
        let at = off
            .checked_add(ah::field::SPI.start)
            .ok_or(SendDrop::BadHeaderOffset)?;
        if be32(ip, at).ok_or(SendDrop::BadHeaderOffset)? != ah.spi {
            return Err(SendDrop::SpiMismatch);
        }
    }
    Ok(())
}

/// Where `sa`'s headers are in `ip` (offset 0 = IP header): found by parsing
/// (`locate_ipsec`); slot 12's offsets (`slot`) are used only when the datagram does not parse
/// (an extension header the parser does not know), and either way the headers must carry the
/// SA's SPIs. Slot 12 offsets that are zero or disagree with the parsed headers are not an
/// error (docs/tcpip-reading.md, point 4).
fn locate_layer(
    ip: &[u8],
    sa: &OffloadSa,
    slot: (Option<usize>, Option<usize>),
) -> Result<(Option<usize>, Option<usize>), SendDrop> {
    let offsets = match locate_ipsec(ip) {
        Ok(loc) => parsed_offsets(ip, sa, loc)?,
        Err(_) => slot,
    };
    headers_are_sas(ip, sa, offsets)?;
    Ok(offsets)
}

/// Protects one frame (MAC header + IP datagram, as TCP/IP framed it) in place in a
/// filter-owned buffer.
///
/// `wide`: the chain's extended-state section is open (AES-GCM on the wide tier).
pub(crate) fn protect_frame(
    frame: &mut [u8],
    hdr: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    transport: Option<&OffloadSa>,
    tunnel: Option<&OffloadSa>,
    wide: Option<Wide<'_>>,
) -> Result<(), SendDrop> {
    let l2 = l2_len(frame)?;
    let ip_all = frame.get_mut(l2..).ok_or(PacketError::Truncated)?;
    let end = datagram_len(ip_all)?;
    let ip = ip_all.get_mut(..end).ok_or(PacketError::Truncated)?;
    let nonzero = |v: u8| (v != 0).then(|| usize::from(v) * 4);
    let slot = (
        nonzero(hdr.transmit_esp_header_offset()),
        nonzero(hdr.transmit_ah_header_offset()),
    );
    let (outer, inner) = match (tunnel, transport) {
        (Some(t), inner) => (t, inner),
        (None, Some(p)) => (p, None),
        (None, None) => return Ok(()),
    };
    let (esp_off, ah_off) = locate_layer(ip, outer, slot)?;
    if let Some(inner_sa) = inner {
        // Transport over tunnel: the transport headers are found by parsing the inner packet,
        // which starts after the outer ESP header and IV (or after the outer AH header).
        let start = match (&outer.esp, &outer.ah) {
            (Some(esp), _) => esp_off
                .ok_or(SendDrop::BadHeaderOffset)?
                .checked_add(ESP_HEADER_LEN + esp.sa.config().encryption.iv_len())
                .ok_or(SendDrop::BadHeaderOffset)?,
            (None, Some(_)) => {
                let off = ah_off.ok_or(SendDrop::BadHeaderOffset)?;
                off + ah_len(ip, off)?
            }
            (None, None) => return Err(SendDrop::BadHeaderOffset),
        };
        let inner_all = ip.get_mut(start..).ok_or(SendDrop::BadHeaderOffset)?;
        let inner_end = datagram_len(inner_all)?;
        let inner_ip = inner_all
            .get_mut(..inner_end)
            .ok_or(PacketError::Truncated)?;
        let (e, a) = locate_layer(inner_ip, inner_sa, (None, None))?;
        seal_bundle(inner_ip, inner_sa, e, a, None, wide)?;
        seal_bundle(ip, outer, esp_off, ah_off, None, wide)
    } else {
        seal_bundle(ip, outer, esp_off, ah_off, Some(hdr), wide)
    }
}

/// A copy whose ESP seal waits for the batch: its plaintext checksums now, then where its ESP
/// part is ([`locate_batched`]). Never inlined: the checksum and header work keeps its locals
/// out of the send path's frames that stay on the stack while the batch is sealed.
#[inline(never)]
fn prepare_deferred(
    frame: &mut [u8],
    hdr: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    (transport, tunnel): (Option<&OffloadSa>, Option<&OffloadSa>),
    outer: &OffloadSa,
    checksums: checksum::ChecksumRequest,
) -> Result<(usize, usize), SendDrop> {
    if checksums != checksum::ChecksumRequest::default() {
        checksum::before_seal(frame, hdr, transport, tunnel, checksums)?;
    }
    locate_batched(frame, hdr, outer)
}

/// A copy protected at once (not batched): checksums and [`protect_frame`]; the copy's checksum
/// slot value. Never inlined, as [`prepare_deferred`].
#[inline(never)]
fn protect_now(
    frame: &mut [u8],
    hdr: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    (transport, tunnel): (Option<&OffloadSa>, Option<&OffloadSa>),
    checksums: checksum::ChecksumRequest,
    offer: MiniportChecksum,
    wide: Option<Wide<'_>>,
) -> Result<usize, SendDrop> {
    checksum::protect(frame, hdr, transport, tunnel, checksums, offer, |f| {
        protect_frame(f, hdr, transport, tunnel, wide)
    })
}

/// Where [`FilterCore::send_one`] takes an NBL up again after the chain loop flushed the batch.
#[derive(Clone, Copy, Default)]
struct Resume {
    /// Its first NET_BUFFERs already protected (their copies batched or staged).
    done: usize,
    /// The slot value of its last copy so far.
    info: usize,
}

/// What [`FilterCore::send_one`] did with an NBL.
enum Step {
    /// It is done, with this verdict.
    Done(Verdict),
    /// The batch must be flushed first (full, or holding the transmit buffers the NBL needs);
    /// then the NBL goes on from here.
    Flush(Resume),
}

/// The outbound SAs of the previous NBL of the chain being sent: TCP/IP sends runs of NBLs on
/// one SA, and those reuse the looked-up `Arc` instead of taking the table lock and touching the
/// SA's reference count again per NBL. Valid for one `send` call only (a delete during the call
/// behaves as if it came after it: the NBLs already in flight keep the SA alive anyway).
#[derive(Default)]
struct SaCache {
    last: [Option<(u64, Arc<OffloadSa>)>; 2],
}

impl<L: SaLock<TableState<OffloadSa>>> FilterCore<L> {
    fn outbound(&self, handle: u64) -> Result<(u64, Arc<OffloadSa>), SendDrop> {
        let h = OffloadHandle::from_u64(handle).ok_or(SendDrop::UnknownHandle)?;
        let sa = self.sas.table().get(h).ok_or(SendDrop::UnknownHandle)?;
        if sa.inbound {
            return Err(SendDrop::InboundSa);
        }
        Ok((handle, sa))
    }

    /// The outbound SA `handle` names (`None` for 0), looked up only when it differs from the
    /// one `slot` holds from the previous NBL.
    fn cached<'c>(
        &self,
        slot: &'c mut Option<(u64, Arc<OffloadSa>)>,
        handle: u64,
    ) -> Result<Option<&'c (u64, Arc<OffloadSa>)>, SendDrop> {
        if handle == 0 {
            return Ok(None);
        }
        if !matches!(slot, Some((h, _)) if *h == handle) {
            *slot = Some(self.outbound(handle)?);
        }
        Ok(slot.as_ref())
    }

    /// Counts one packet's outcome in the counters of the SA `handle` names (and notes an SA
    /// whose IV or sequence numbers ran out for deletion).
    pub(crate) fn count_on_sa(
        &self,
        handle: u64,
        sa: &OffloadSa,
        len: usize,
        result: Result<usize, SendDrop>,
    ) {
        match result {
            Ok(_) => sa.counters.count_ok(len),
            Err(SendDrop::Crypto(e)) => {
                count_sa_drop(sa);
                if matches!(e, PacketError::IvExhausted | PacketError::SequenceExhausted) {
                    self.delete_requests.note_exhausted(handle);
                }
            }
            Err(_) => count_sa_drop(sa),
        }
    }

    /// [`Self::count_on_sa`] for each of a batched packet's SAs.
    pub(crate) fn count_packet(
        &self,
        sas: &PacketSas,
        len: usize,
        result: Result<usize, SendDrop>,
    ) {
        for (h, sa) in sas.iter().flatten() {
            self.count_on_sa(*h, sa, len, result);
        }
    }

    /// `FilterSendNetBufferLists`: every NBL of `chain` goes to `sink` exactly once, in order —
    /// passed down untouched (no IPsec information), protected (a filter-owned copy of each
    /// NET_BUFFER, see [`SendSink`]), or completed with the status of its [`SendDrop`] (set in
    /// the NBL's `Status`).
    /// TCP/IP's data is never written. No heap allocation.
    pub fn send<'a, M, P, S>(&self, chain: NblChain<'a>, mapper: &M, pool: &P, sink: &mut S)
    where
        M: MdlMapper + ?Sized,
        P: TxPool,
        S: SendSink<'a, P::Buffer>,
    {
        self.send_offloading(chain, mapper, pool, sink, MiniportChecksum::default());
    }

    /// [`FilterCore::send`] above a miniport offering the transmit checksum offload `offer`:
    /// the outer checksums it covers are left to it (the copy goes down through
    /// [`SendSink::protected_with_checksum`] with the request for them), the filter computes the
    /// others (docs/filter-core.md, checksums). No heap allocation.
    pub fn send_offloading<'a, M, P, S>(
        &self,
        chain: NblChain<'a>,
        mapper: &M,
        pool: &P,
        sink: &mut S,
        offer: MiniportChecksum,
    ) where
        M: MdlMapper + ?Sized,
        P: TxPool,
        S: SendSink<'a, P::Buffer>,
    {
        self.send_offloading_in(chain, mapper, pool, sink, offer, &XmmOnly);
    }

    /// [`FilterCore::send_offloading`] with `xstate` saving the extended processor state: a
    /// chain of at least [`crate::WIDE_MIN_NBLS`] NBLs on an SA whose AES-GCM has the wide tier
    /// runs inside one section (`crate::wide`). No heap allocation.
    pub fn send_offloading_in<'a, M, P, S, X>(
        &self,
        mut chain: NblChain<'a>,
        mapper: &M,
        pool: &P,
        sink: &mut S,
        offer: MiniportChecksum,
        xstate: &X,
    ) where
        M: MdlMapper + ?Sized,
        P: TxPool,
        S: SendSink<'a, P::Buffer>,
        X: ExtendedStateSave,
    {
        let mut cache = SaCache::default();
        let mut section = ChainSection::new(xstate, chain.count());
        let mut batch = Batch::new();
        while let Some(mut one) = chain.pop_front() {
            let mut at = Resume::default();
            let verdict = loop {
                let step = self.send_one(
                    &mut one,
                    mapper,
                    pool,
                    sink,
                    &mut cache,
                    offer,
                    &mut section,
                    &mut batch,
                    at,
                );
                match step {
                    Ok(Step::Done(v)) => break v,
                    Err(d) => break Verdict::Dropped(d),
                    // The batch must be flushed before the NBL goes on: here, so that the
                    // flush's frame (and the crypto core's under it) is not on top of
                    // `send_one`'s.
                    Ok(Step::Flush(next)) => match batch.flush(self, sink) {
                        Ok(i) => {
                            at = Resume {
                                info: i.unwrap_or(next.info),
                                ..next
                            }
                        }
                        Err(d) => break Verdict::Dropped(d),
                    },
                }
            };
            batch.close(self, sink, one, verdict);
        }
        let _ = batch.flush(self, sink);
    }

    /// One NBL of the chain. Never inlined: its locals stay out of the frame of
    /// [`FilterCore::send_offloading_in`], which holds the chain's batch for the whole chain.
    #[allow(
        clippy::too_many_arguments,
        reason = "the send call's parts and the chain's state (SA cache, section, batch), passed down once per NBL"
    )]
    #[inline(never)]
    fn send_one<'a, M, P, S, X>(
        &self,
        one: &mut NblChain<'a>,
        mapper: &M,
        pool: &P,
        sink: &mut S,
        cache: &mut SaCache,
        offer: MiniportChecksum,
        section: &mut ChainSection<'_, X>,
        batch: &mut Batch<'a, P::Buffer>,
        at: Resume,
    ) -> Result<Step, SendDrop>
    where
        M: MdlMapper + ?Sized,
        P: TxPool,
        S: SendSink<'a, P::Buffer>,
        X: ExtendedStateSave,
    {
        let mut cursor = one.cursor();
        let Some(mut nbl) = cursor.next_nbl() else {
            return Ok(Step::Done(Verdict::Passed));
        };
        let handle = handle_of(nbl.ipsec_offload_v2().0);
        let tunnel_handle = handle_of(nbl.ipsec_offload_v2_tunnel().0);
        if handle == 0 && tunnel_handle == 0 {
            // Nothing for us; make sure no stale IPsecOV2 information reaches the NIC.
            nbl.set_ipsec_offload_v2(NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(0));
            nbl.set_ipsec_offload_v2_tunnel(NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO(0));
            nbl.set_ipsec_offload_v2_header(NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(0));
            return Ok(Step::Done(Verdict::Passed));
        }
        let hdr = nbl.ipsec_offload_v2_header();
        if nbl
            .info(TcpLargeSendNetBufferListInfo)
            .is_ok_and(|p| !p.is_null())
        {
            return Err(SendDrop::LsoNotSupported);
        }
        let checksums = checksum::requested(&nbl);
        let [transport_slot, tunnel_slot] = &mut cache.last;
        let transport = self.cached(transport_slot, handle)?;
        let tunnel = self.cached(tunnel_slot, tunnel_handle)?;
        for (_, sa) in transport.iter().chain(tunnel.iter()) {
            section.consider(sa);
        }
        let wide = section.wide();
        // The copy is one NBL with one checksum slot for all its NET_BUFFERs: the miniport gets
        // a share of the work only for a single NET_BUFFER (whose outer layout the slot states).
        let offer = {
            let mut nbs = nbl.net_buffers();
            let single = nbs.next_nb().is_some() && nbs.next_nb().is_none();
            if single {
                offer
            } else {
                MiniportChecksum::default()
            }
        };
        let sas: PacketSas = [transport.cloned(), tunnel.cloned()];
        let transport = transport.map(|(h, sa)| (*h, &**sa));
        let tunnel = tunnel.map(|(h, sa)| (*h, &**sa));
        let (transport_sa, tunnel_sa) = (transport.map(|(_, sa)| sa), tunnel.map(|(_, sa)| sa));
        let outer = batch_outer(transport_sa, tunnel_sa);
        let mut info = at.info;
        let mut nbs = nbl.net_buffers();
        let mut index = 0;
        while let Some(mut nb) = nbs.next_nb() {
            index += 1;
            if index <= at.done {
                // Protected before the flush this call resumes after.
                continue;
            }
            let data = nb.data(mapper)?;
            let len = data.len();
            let Some(mut buf) = pool.acquire(len) else {
                if batch.idle() {
                    return Err(SendDrop::PoolExhausted);
                }
                // The batch holds buffers: hand them on, then try this NET_BUFFER again.
                return Ok(Step::Flush(Resume {
                    done: index - 1,
                    info,
                }));
            };
            data.copy_out(0, buf.bytes_mut())?;
            if let Some((outer, outer_sa)) = outer.zip(tunnel_sa.or(transport_sa)) {
                // Its ESP seal waits for the batch: the plaintext checksums now, the rest there.
                let prepared = prepare_deferred(
                    buf.bytes_mut(),
                    hdr,
                    (transport_sa, tunnel_sa),
                    outer_sa,
                    checksums,
                );
                let (esp_at, esp_len) = match prepared {
                    Ok(p) => p,
                    Err(e) => {
                        for (h, sa) in transport.iter().chain(tunnel.iter()) {
                            self.count_on_sa(*h, sa, len, Err(e));
                        }
                        return Err(e);
                    }
                };
                let deferred = Deferred {
                    esp_at,
                    esp_len,
                    seq_hi: outer_sa.esp.as_ref().map_or(0, |e| e.seq_high()),
                    outer,
                    checksums,
                    offer,
                };
                let copy = (buf, sas.clone());
                if batch.push(copy, Some(deferred), 0)? {
                    return Ok(Step::Flush(Resume { done: index, info }));
                }
                continue;
            }
            let result = protect_now(
                buf.bytes_mut(),
                hdr,
                (transport_sa, tunnel_sa),
                checksums,
                offer,
                wide,
            );
            for (h, sa) in transport.iter().chain(tunnel.iter()) {
                self.count_on_sa(*h, sa, len, result);
            }
            info = result?;
            self.counters.send_ok(len);
            if batch.idle() {
                sink.stage(buf);
            } else if batch.push((buf, [None, None]), None, info)? {
                return Ok(Step::Flush(Resume { done: index, info }));
            }
        }
        Ok(Step::Done(Verdict::Protected(info)))
    }
}

/// Counts a send dropped by `sa` in the SA's own counters.
fn count_sa_drop(sa: &OffloadSa) {
    sa.counters
        .other_drops
        .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}
