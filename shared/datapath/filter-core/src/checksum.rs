//! TCP/IP's checksum requests on protected sends (`TcpIpChecksumNetBufferListInfo`).
//!
//! TCP/IP may leave checksums to the NIC on a packet it also leaves to IPsec offload: the IPv4
//! header checksum (`IpHeaderChecksum`), and the TCP or UDP checksum (`TcpChecksum` /
//! `UdpChecksum`) when the offload configuration says checksum offload coexists with IPsecOV2
//! (`IPSEC_OFFLOAD_V2_AND_TCP/UDP_CHECKSUM_COEXISTENCE`, which this filter reports because it does
//! what follows). The filter's copy goes down with no checksum request left (the bytes are final),
//! so the filter computes every requested checksum itself:
//!
//! * before sealing (`protect` calls the send path's `protect_frame` in between): the TCP or
//!   UDP checksum of the protected transport (the plaintext under ESP, or what follows AH), over
//!   the pseudo-header of the IP header in front of it — the outer one in transport mode, the
//!   inner one in tunnel mode — and, in tunnel mode, the inner IPv4 header checksum; transport
//!   over tunnel descends into the inner bundle the same way;
//! * after sealing: the outer IPv4 header checksum, and the UDP checksum of UDP-ESP when UDP
//!   checksum offload was requested (the engine writes 0 over IPv4 otherwise, as RFC 3948 allows;
//!   over IPv6 it always computes it).
//!
//! A request the filter cannot place (no TCP/UDP/IP header where the layout says) leaves those
//! bytes alone: TCP/IP asked for a checksum of a header that is not there. No allocation.

use ipsec_engine::wire::{checksum, ipv6ext, locate_ipsec, proto, IpsecKind, Ipv4Packet};
use ipsec_engine::wire::{ESP_HEADER_LEN, IPV6_HEADER_LEN};
use ipsec_engine::PacketError;
use ipsecov2_abi::{
    NDIS_ENCAPSULATION_IEEE_802_3, NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    NDIS_OFFLOAD_SUPPORTED, NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO,
    NDIS_TCP_IP_CHECKSUM_OFFLOAD,
};
use ipsecov2_offload_sa::OffloadSa;

use crate::error::SendDrop;
use crate::frame::{datagram_len, l2_len};

/// The transmit checksum work TCP/IP asked of the NIC for one NBL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChecksumRequest {
    /// IPv4 header checksum(s).
    pub ip: bool,
    /// TCP checksum of the protected transport.
    pub tcp: bool,
    /// UDP checksum of the protected transport, and of UDP-ESP's outer UDP header.
    pub udp: bool,
}

impl ChecksumRequest {
    /// Decodes the slot's `Transmit` bits; nothing when neither `IsIPv4` nor `IsIPv6` is set.
    #[must_use]
    pub fn from_slot(value: usize) -> Self {
        let c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO { Value: value };
        if !c.transmit_is_ipv4() && !c.transmit_is_ipv6() {
            return Self::default();
        }
        Self {
            ip: c.transmit_is_ipv4() && c.transmit_ip_header_checksum(),
            tcp: c.transmit_tcp_checksum(),
            udp: c.transmit_udp_checksum(),
        }
    }

    fn any(self) -> bool {
        self.ip || self.tcp || self.udp
    }

    fn wants(self, upper: u8) -> bool {
        (upper == proto::TCP && self.tcp) || (upper == proto::UDP && self.udp)
    }
}

/// The transmit checksum offload the miniport below offers in its current `NDIS_OFFLOAD`
/// (`Checksum.IPv4Transmit` / `IPv6Transmit`, Ethernet encapsulation): what the filter may leave
/// to it for the OUTER headers of a sealed packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MiniportChecksum {
    /// IPv4 header checksum (`IpChecksum`).
    pub v4_ip: bool,
    /// `IpOptionsSupported`: the IPv4 offloads also when the header has options.
    pub v4_ip_options: bool,
    /// UDP over IPv4 (`UdpChecksum`).
    pub v4_udp: bool,
    /// UDP over IPv6 (`UdpChecksum`).
    pub v6_udp: bool,
    /// `IpExtensionHeadersSupported`: the IPv6 offloads also behind extension headers.
    pub v6_ext_headers: bool,
}

impl MiniportChecksum {
    /// Decodes the transmit halves of the miniport's `NDIS_TCP_IP_CHECKSUM_OFFLOAD`; nothing for
    /// a direction whose `Encapsulation` lacks `NDIS_ENCAPSULATION_IEEE_802_3`.
    #[must_use]
    pub fn from_offload(c: &NDIS_TCP_IP_CHECKSUM_OFFLOAD) -> Self {
        let on = |v: u32| v == NDIS_OFFLOAD_SUPPORTED;
        let v4 = c.IPv4Transmit;
        let v6 = c.IPv6Transmit;
        let v4_eth = v4.Encapsulation & NDIS_ENCAPSULATION_IEEE_802_3 != 0;
        let v6_eth = v6.Encapsulation & NDIS_ENCAPSULATION_IEEE_802_3 != 0;
        Self {
            v4_ip: v4_eth && on(v4.ip_checksum()),
            v4_ip_options: v4_eth && on(v4.ip_options_supported()),
            v4_udp: v4_eth && on(v4.udp_checksum()),
            v6_udp: v6_eth && on(v6.udp_checksum()),
            v6_ext_headers: v6_eth && on(v6.ip_extension_headers_supported()),
        }
    }
}

/// Who does the outer checksums of one sealed frame: `filter` is what the filter computes,
/// `slot` the `TcpIpChecksumNetBufferListInfo` value the filter's copy carries down (0: none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OuterPlan {
    /// The outer checksums the filter computes itself.
    pub filter: ChecksumRequest,
    /// The request left to the miniport (header offsets of the OUTER headers, from the frame's
    /// start).
    pub slot: usize,
}

/// Splits TCP/IP's `request` for the outer headers of the sealed frame (`l2` bytes of MAC
/// header, then the datagram `ip`) between the miniport (what `offer` covers, with the IP
/// options / extension header conditions) and the filter (the rest). Only the outer IPv4 header
/// checksum and UDP-ESP's UDP checksum are outer checksums (ESP and AH carry none).
pub(crate) fn plan_outer(
    l2: usize,
    ip: &[u8],
    request: ChecksumRequest,
    offer: MiniportChecksum,
) -> OuterPlan {
    let mut plan = OuterPlan {
        filter: ChecksumRequest {
            ip: request.ip,
            tcp: false,
            udp: request.udp,
        },
        slot: 0,
    };
    let Ok((l4, _)) = upper_layer(ip) else {
        return plan;
    };
    let udp_esp = match locate_ipsec(ip) {
        Ok(loc) => match loc.kind {
            IpsecKind::UdpEsp { udp_offset } => Some(udp_offset),
            _ => None,
        },
        Err(_) => None,
    };
    let v4 = ip.first().is_some_and(|b| b >> 4 == 4);
    let plain_header = if v4 { l4 == 20 } else { l4 == IPV6_HEADER_LEN };
    let layout_ok = plain_header || (v4 && offer.v4_ip_options) || (!v4 && offer.v6_ext_headers);
    let mut slot = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
    let mut any = false;
    if v4 && request.ip && offer.v4_ip && layout_ok {
        plan.filter.ip = false;
        slot.set_transmit_ip_header_checksum(true);
        any = true;
    }
    let udp_offer = if v4 { offer.v4_udp } else { offer.v6_udp };
    let mut header_at = l4;
    if let Some(udp) = udp_esp {
        if request.udp && udp_offer && layout_ok {
            plan.filter.udp = false;
            slot.set_transmit_udp_checksum(true);
            header_at = udp;
            any = true;
        }
    }
    let offset = u32::try_from(l2 + header_at).unwrap_or(u32::MAX);
    if !any || offset >= 1 << 10 {
        // Nothing offered, or an offset the slot's 10 bits cannot hold: the filter does it all.
        plan.filter = ChecksumRequest {
            ip: request.ip,
            tcp: false,
            udp: request.udp,
        };
        return plan;
    }
    if v4 {
        slot.set_transmit_is_ipv4(true);
    } else {
        slot.set_transmit_is_ipv6(true);
    }
    slot.set_transmit_tcp_header_offset(offset);
    plan.slot = slot.Value;
    plan
}

/// What TCP/IP asked of the NIC's checksum offload for the NBL `nbl` (its
/// `TcpIpChecksumNetBufferListInfo` slot; nothing when the slot cannot be read).
pub(crate) fn requested(nbl: &ipsecov2_nbl::Nbl<'_>) -> ChecksumRequest {
    nbl.info(ipsecov2_abi::TcpIpChecksumNetBufferListInfo)
        .map_or(ChecksumRequest::default(), |p| {
            ChecksumRequest::from_slot(p as usize)
        })
}

/// The send path's protection of one frame with TCP/IP's checksum requests honoured around it:
/// [`before_seal`], `seal` (the send path's `protect_frame`), [`after_seal`]. Returns the
/// `TcpIpChecksumNetBufferListInfo` value for the filter's copy: the outer checksums left to the
/// miniport (`offer`), 0 when the filter computed everything.
pub(crate) fn protect(
    frame: &mut [u8],
    hdr: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    transport: Option<&OffloadSa>,
    tunnel: Option<&OffloadSa>,
    request: ChecksumRequest,
    offer: MiniportChecksum,
    seal: impl FnOnce(&mut [u8]) -> Result<(), SendDrop>,
) -> Result<usize, SendDrop> {
    if request.any() {
        before_seal(frame, hdr, transport, tunnel, request)?;
    }
    seal(frame)?;
    if request.any() {
        return after_seal(frame, request, offer);
    }
    Ok(0)
}

/// The IP datagram of an Ethernet frame (MAC header skipped, bounded by its IP length).
fn datagram(frame: &mut [u8]) -> Result<&mut [u8], SendDrop> {
    let l2 = l2_len(frame)?;
    let ip = frame.get_mut(l2..).ok_or(PacketError::Truncated)?;
    let end = datagram_len(ip)?;
    Ok(ip.get_mut(..end).ok_or(PacketError::Truncated)?)
}

/// The checksums of the protected payload, computed on the plaintext.
pub(crate) fn before_seal(
    frame: &mut [u8],
    hdr: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    transport: Option<&OffloadSa>,
    tunnel: Option<&OffloadSa>,
    request: ChecksumRequest,
) -> Result<(), SendDrop> {
    let ip = datagram(frame)?;
    let nonzero = |v: u8| (v != 0).then(|| usize::from(v) * 4);
    let (esp_off, ah_off) = (
        nonzero(hdr.transmit_esp_header_offset()),
        nonzero(hdr.transmit_ah_header_offset()),
    );
    let (outer, inner) = match (tunnel, transport) {
        (Some(t), inner) => (t, inner),
        (None, Some(p)) => (p, None),
        (None, None) => return Ok(()),
    };
    fill_bundle(ip, outer, esp_off, ah_off, inner, request)
}

/// The outer IPv4 header checksum and UDP-ESP's UDP checksum, on the sealed datagram: those the
/// miniport offers ([`plan_outer`]) are left to it (the returned slot value), the filter
/// computes the others.
pub(crate) fn after_seal(
    frame: &mut [u8],
    request: ChecksumRequest,
    offer: MiniportChecksum,
) -> Result<usize, SendDrop> {
    let l2 = l2_len(frame)?;
    let ip = datagram(frame)?;
    let plan = plan_outer(l2, ip, request, offer);
    if plan.filter.udp {
        if let Ok(loc) = locate_ipsec(ip) {
            if let IpsecKind::UdpEsp { udp_offset } = loc.kind {
                fill_upper(ip, udp_offset, proto::UDP)?;
            }
        }
    }
    if plan.filter.ip {
        fill_ipv4_header(ip);
    }
    Ok(plan.slot)
}

/// `(start, end, next header)` of the payload one SA bundle protects in `ip`: the ESP plaintext
/// (trailer excluded) or what follows AH.
fn payload(
    ip: &[u8],
    sa: &OffloadSa,
    esp_off: Option<usize>,
    ah_off: Option<usize>,
) -> Result<(usize, usize, u8), SendDrop> {
    if let Some(esp) = &sa.esp {
        let cfg = esp.sa.config();
        let start = esp_off
            .ok_or(SendDrop::BadHeaderOffset)?
            .checked_add(ESP_HEADER_LEN + cfg.encryption.iv_len())
            .ok_or(SendDrop::BadHeaderOffset)?;
        let nh_at = ip
            .len()
            .checked_sub(cfg.icv_len() + 1)
            .ok_or(PacketError::Truncated)?;
        let next = *ip.get(nh_at).ok_or(PacketError::Truncated)?;
        let pad_at = nh_at.checked_sub(1).ok_or(PacketError::Truncated)?;
        let pad = usize::from(*ip.get(pad_at).ok_or(PacketError::Truncated)?);
        let end = pad_at.checked_sub(pad).ok_or(PacketError::Truncated)?;
        if end < start {
            return Err(PacketError::Truncated.into());
        }
        return Ok((start, end, next));
    }
    let off = ah_off.ok_or(SendDrop::BadHeaderOffset)?;
    let next = *ip.get(off).ok_or(SendDrop::BadHeaderOffset)?;
    Ok((ah_end(ip, off)?, ip.len(), next))
}

/// The requested checksums under one SA bundle of `ip`, descending into a tunnelled packet
/// (and its own bundle `inner`, transport over tunnel).
fn fill_bundle(
    ip: &mut [u8],
    sa: &OffloadSa,
    esp_off: Option<usize>,
    ah_off: Option<usize>,
    inner: Option<&OffloadSa>,
    request: ChecksumRequest,
) -> Result<(), SendDrop> {
    let (start, end, next) = payload(ip, sa, esp_off, ah_off)?;
    match next {
        proto::IPV4 | proto::IPV6 => {
            let tunnelled = ip.get_mut(start..end).ok_or(PacketError::Truncated)?;
            let len = datagram_len(tunnelled)?;
            let inner_ip = tunnelled.get_mut(..len).ok_or(PacketError::Truncated)?;
            if request.ip {
                fill_ipv4_header(inner_ip);
            }
            match inner {
                Some(inner_sa) => {
                    let loc = locate_ipsec(inner_ip)?;
                    let (e, a) = match loc.kind {
                        IpsecKind::Ah if inner_sa.esp.is_some() => {
                            (Some(ah_end(inner_ip, loc.offset)?), Some(loc.offset))
                        }
                        IpsecKind::Ah => (None, Some(loc.offset)),
                        IpsecKind::Esp | IpsecKind::UdpEsp { .. } => (Some(loc.offset), None),
                    };
                    fill_bundle(inner_ip, inner_sa, e, a, None, request)
                }
                None => fill_plain(inner_ip, request),
            }
        }
        upper if request.wants(upper) => fill_segment(ip, start, end, upper),
        _ => Ok(()),
    }
}

/// Where the AH header at `ip[off]` ends.
fn ah_end(ip: &[u8], off: usize) -> Result<usize, SendDrop> {
    let len_byte = *ip.get(off + 1).ok_or(SendDrop::BadHeaderOffset)?;
    let len = ipv6ext::header_len(proto::AH, len_byte).ok_or(SendDrop::BadHeaderOffset)?;
    let end = off.checked_add(len).ok_or(SendDrop::BadHeaderOffset)?;
    if end > ip.len() {
        return Err(SendDrop::BadHeaderOffset);
    }
    Ok(end)
}

/// The requested TCP/UDP checksum of an unprotected (tunnelled) IP packet.
fn fill_plain(ip: &mut [u8], request: ChecksumRequest) -> Result<(), SendDrop> {
    let (off, upper) = upper_layer(ip)?;
    if request.wants(upper) {
        fill_upper(ip, off, upper)?;
    }
    Ok(())
}

/// Offset and protocol of the upper layer of the IP packet at `ip[0]` (after IPv4 options or
/// IPv6 Hop-by-Hop / Routing / Destination Options headers).
fn upper_layer(ip: &[u8]) -> Result<(usize, u8), SendDrop> {
    let first = *ip.first().ok_or(PacketError::Truncated)?;
    if first >> 4 == 4 {
        let p = Ipv4Packet::new_checked(ip)?;
        return Ok((p.header_len(), p.protocol()));
    }
    let mut next = *ip.get(6).ok_or(PacketError::Truncated)?;
    let mut off = IPV6_HEADER_LEN;
    while matches!(next, proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS) {
        let len_byte = *ip.get(off + 1).ok_or(PacketError::Truncated)?;
        let len = ipv6ext::header_len(next, len_byte).ok_or(PacketError::Malformed)?;
        next = *ip.get(off).ok_or(PacketError::Truncated)?;
        off += len;
    }
    Ok((off, next))
}

/// The TCP or UDP checksum of the segment `ip[start..end]` under the pseudo-header of the IP
/// header at `ip[0]`.
fn fill_segment(ip: &mut [u8], start: usize, end: usize, upper: u8) -> Result<(), SendDrop> {
    let len = end.checked_sub(start).ok_or(PacketError::Truncated)?;
    let pseudo = pseudo_sum(ip, upper, len)?;
    let seg = ip.get_mut(start..end).ok_or(PacketError::Truncated)?;
    let at = match upper {
        proto::TCP => 16,
        _ => 6,
    };
    let field = seg.get_mut(at..at + 2).ok_or(PacketError::Truncated)?;
    field.copy_from_slice(&[0, 0]);
    let mut sum = !checksum::fold(checksum::accumulate(seg, pseudo));
    if sum == 0 && upper == proto::UDP {
        sum = 0xffff;
    }
    if let Some(field) = seg.get_mut(at..at + 2) {
        field.copy_from_slice(&sum.to_be_bytes());
    }
    Ok(())
}

/// [`fill_segment`] from `off` to the end of the datagram.
fn fill_upper(ip: &mut [u8], off: usize, upper: u8) -> Result<(), SendDrop> {
    let end = ip.len();
    fill_segment(ip, off, end, upper)
}

/// The pseudo-header sum (RFC 793 / RFC 768 for IPv4, RFC 8200 §8.1 for IPv6) of the IP header
/// at `ip[0]` for an upper layer `upper` of `len` bytes.
fn pseudo_sum(ip: &[u8], upper: u8, len: usize) -> Result<u32, SendDrop> {
    let first = *ip.first().ok_or(PacketError::Truncated)?;
    let (addrs, len_bytes): (&[u8], [u8; 4]) = match first >> 4 {
        4 => (
            ip.get(12..20).ok_or(PacketError::Truncated)?,
            u32::from(u16::try_from(len).map_err(|_| PacketError::BadLength)?).to_be_bytes(),
        ),
        6 => (
            ip.get(8..40).ok_or(PacketError::Truncated)?,
            u32::try_from(len)
                .map_err(|_| PacketError::BadLength)?
                .to_be_bytes(),
        ),
        _ => return Err(PacketError::Malformed.into()),
    };
    let sum = checksum::accumulate(addrs, 0);
    let sum = checksum::accumulate(&len_bytes, sum);
    Ok(checksum::accumulate(&[0, upper], sum))
}

/// The IPv4 header checksum of the IPv4 header at `ip[0]` (nothing for IPv6).
fn fill_ipv4_header(ip: &mut [u8]) {
    if ip.first().is_some_and(|b| b >> 4 == 4) && Ipv4Packet::new_checked(&*ip).is_ok() {
        Ipv4Packet::new_unchecked(ip).fill_checksum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn v4_udp(payload: &[u8]) -> Vec<u8> {
        let total = 20 + 8 + payload.len();
        let mut p = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ];
        p.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 7]);
        p.extend_from_slice(&[0x12, 0x34, 0x00, 0x35, 0, (8 + payload.len()) as u8, 0, 0]);
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn slot_bits_decode() {
        let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
        assert_eq!(
            ChecksumRequest::from_slot(c.Value),
            ChecksumRequest::default()
        );
        c.set_transmit_ip_header_checksum(true);
        c.set_transmit_tcp_checksum(true);
        assert!(
            !ChecksumRequest::from_slot(c.Value).any(),
            "no IsIPv4/IsIPv6: nothing"
        );
        c.set_transmit_is_ipv4(true);
        let r = ChecksumRequest::from_slot(c.Value);
        assert!(r.ip && r.tcp && !r.udp);
        let mut c6 = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
        c6.set_transmit_is_ipv6(true);
        c6.set_transmit_ip_header_checksum(true);
        c6.set_transmit_udp_checksum(true);
        let r6 = ChecksumRequest::from_slot(c6.Value);
        assert!(!r6.ip && r6.udp, "no IPv4 header checksum over IPv6");
    }

    #[test]
    fn plain_udp_and_ipv4_header_checksums_verify() {
        let mut p = v4_udp(b"hello, checksum");
        fill_plain(
            &mut p,
            ChecksumRequest {
                ip: true,
                tcp: false,
                udp: true,
            },
        )
        .unwrap();
        fill_ipv4_header(&mut p);
        assert!(Ipv4Packet::new_checked(&p[..]).unwrap().verify_checksum());
        let seg_len = p.len() - 20;
        let pseudo = pseudo_sum(&p, proto::UDP, seg_len).unwrap();
        assert_eq!(
            checksum::fold(checksum::accumulate(&p[20..], pseudo)),
            0xffff
        );
        assert_ne!(&p[26..28], &[0, 0]);
    }

    #[test]
    fn tcp_is_left_alone_unless_requested() {
        let mut p = v4_udp(b"x");
        p[9] = proto::TCP;
        p.extend_from_slice(&[0; 20]);
        let before = p.clone();
        fill_plain(
            &mut p,
            ChecksumRequest {
                ip: false,
                tcp: false,
                udp: true,
            },
        )
        .unwrap();
        assert_eq!(p, before);
    }

    fn esp_v4(options: bool) -> Vec<u8> {
        let mut p = v4_udp(&[0, 0, 0x10, 0, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd]);
        p[9] = proto::ESP;
        // Drop the UDP header: ESP right behind the IPv4 header.
        p.drain(20..28);
        if options {
            p[0] = 0x46;
            p.splice(20..20, [1, 1, 1, 0]);
        }
        let total = p.len();
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p
    }

    fn udp_esp_v4() -> Vec<u8> {
        let mut p = v4_udp(&[0, 0, 0x10, 0, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd]);
        p[20..24].copy_from_slice(&[0x11, 0x94, 0x11, 0x94]);
        p
    }

    const ALL: ChecksumRequest = ChecksumRequest {
        ip: true,
        tcp: true,
        udp: true,
    };

    fn slot(v: usize) -> NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
        NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO { Value: v }
    }

    #[test]
    fn nothing_offered_the_filter_computes_everything() {
        let plan = plan_outer(14, &esp_v4(false), ALL, MiniportChecksum::default());
        assert_eq!(plan.slot, 0);
        assert!(plan.filter.ip && plan.filter.udp && !plan.filter.tcp);
    }

    #[test]
    fn ipv4_header_checksum_left_to_the_miniport() {
        let offer = MiniportChecksum {
            v4_ip: true,
            ..MiniportChecksum::default()
        };
        let plan = plan_outer(14, &esp_v4(false), ALL, offer);
        assert!(!plan.filter.ip);
        let s = slot(plan.slot);
        assert!(s.transmit_is_ipv4() && s.transmit_ip_header_checksum());
        assert!(!s.transmit_udp_checksum() && !s.transmit_tcp_checksum());
        assert_eq!(s.transmit_tcp_header_offset(), 14 + 20);
    }

    #[test]
    fn ip_options_need_ip_options_supported() {
        let offer = MiniportChecksum {
            v4_ip: true,
            ..MiniportChecksum::default()
        };
        let plan = plan_outer(14, &esp_v4(true), ALL, offer);
        assert_eq!(plan.slot, 0);
        assert!(plan.filter.ip);
        let with = MiniportChecksum {
            v4_ip_options: true,
            ..offer
        };
        let plan = plan_outer(14, &esp_v4(true), ALL, with);
        assert!(!plan.filter.ip);
        assert_eq!(slot(plan.slot).transmit_tcp_header_offset(), 14 + 24);
    }

    #[test]
    fn udp_esp_udp_checksum_left_to_the_miniport() {
        let offer = MiniportChecksum {
            v4_udp: true,
            ..MiniportChecksum::default()
        };
        let plan = plan_outer(14, &udp_esp_v4(), ALL, offer);
        assert!(plan.filter.ip && !plan.filter.udp);
        let s = slot(plan.slot);
        assert!(s.transmit_is_ipv4() && s.transmit_udp_checksum());
        assert!(!s.transmit_ip_header_checksum());
        assert_eq!(s.transmit_tcp_header_offset(), 14 + 20);
        // Plain ESP has no outer UDP: a UDP offer leaves nothing to the miniport.
        let plan = plan_outer(14, &esp_v4(false), ALL, offer);
        assert_eq!(plan.slot, 0);
    }

    #[test]
    fn offer_decodes_only_with_ethernet_encapsulation() {
        let mut c = NDIS_TCP_IP_CHECKSUM_OFFLOAD::default();
        c.IPv4Transmit.set_ip_checksum(NDIS_OFFLOAD_SUPPORTED);
        c.IPv4Transmit.set_udp_checksum(NDIS_OFFLOAD_SUPPORTED);
        c.IPv6Transmit.set_udp_checksum(NDIS_OFFLOAD_SUPPORTED);
        assert_eq!(
            MiniportChecksum::from_offload(&c),
            MiniportChecksum::default()
        );
        c.IPv4Transmit.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
        c.IPv6Transmit.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
        let o = MiniportChecksum::from_offload(&c);
        assert!(o.v4_ip && o.v4_udp && o.v6_udp && !o.v4_ip_options && !o.v6_ext_headers);
    }
}
