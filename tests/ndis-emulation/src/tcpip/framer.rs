//! The framer: what TCP/IP hands the NIC under IPsecOV2 (headers, IV and ICV room, padding,
//! trailer, slot 12 offsets), transport, tunnel and transport over tunnel.

use ipsec_engine::wire::{
    self, ipv4, proto, AhPacket, AhRepr, EspRepr, EthernetRepr, Ipv4Packet, Ipv4Repr, Ipv6Packet,
    Ipv6Repr, UdpPacket, UdpRepr, NAT_T_PORT,
};
use ipsecov2_abi::*;

use super::*;

/// One layer of IPsec framing.
#[derive(Clone, Copy, Debug)]
pub struct Layer {
    /// ESP shape and SPI, if the layer has ESP.
    pub esp: Option<(EspShape, u32)>,
    /// AH shape and SPI, if the layer has AH.
    pub ah: Option<(AhShape, u32)>,
    /// ESP inside UDP 4500 (UDP-ESP).
    pub udp: bool,
}

/// An IP packet description.
#[derive(Clone, Debug)]
pub struct Ip {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// IPv4 options (Router Alert + NOPs) or IPv6 Hop-by-Hop + Destination options.
    pub extras: bool,
}

/// A framed frame and where its fields are, for checks.
#[derive(Clone, Debug)]
pub struct Framed {
    /// The Ethernet frame.
    pub frame: Vec<u8>,
    /// Slot 12 transmit value.
    pub header_info: u32,
    /// Byte ranges the engine writes on send (IVs, ICVs, AH GMAC IV / ICV field) — everything
    /// else must survive send + receive unchanged.
    pub written: Vec<(usize, usize)>,
    /// Byte ranges that are encrypted on the wire.
    pub encrypted: Vec<(usize, usize)>,
    /// (NextHeader, PadLength) of the outer ESP trailer.
    pub trailer: Option<(u8, u8)>,
}

/// Builds `ip header [ext] [AH] [UDP] [ESP hdr IV] inner [pad padlen nh ICV]` where `inner` is
/// the upper-layer payload with protocol `inner_proto`. Offsets are relative to the IP header.
/// Returns the IP packet bytes, the ESP and AH offsets, the written/encrypted ranges and trailer.
#[allow(clippy::type_complexity)]
pub fn frame_ip(
    ip: &Ip,
    layer: &Layer,
    seq: u32,
    inner: &[u8],
    inner_proto: u8,
) -> (
    Vec<u8>,
    Option<usize>,
    Option<usize>,
    Vec<(usize, usize)>,
    Vec<(usize, usize)>,
    Option<(u8, u8)>,
) {
    let mut p = Vec::new();
    let mut written = Vec::new();
    let mut encrypted = Vec::new();
    // Header placeholders; lengths fixed at the end.
    let mut nh_at;
    if ip.v6 {
        let mut h = [0u8; wire::IPV6_HEADER_LEN];
        let v6 = Ipv6Repr {
            src: V6_SRC,
            dst: V6_DST,
            next_header: 0,
            payload_len: 0,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        };
        v6.emit(&mut Ipv6Packet::new_unchecked(&mut h[..]))
            .expect("a 40-byte buffer holds the IPv6 header");
        p.extend_from_slice(&h);
        nh_at = wire::ipv6::field::NXT_HDR;
        if ip.extras {
            // Hop-by-Hop with a PadN option, then Destination Options (before AH/ESP).
            p[nh_at] = 0;
            nh_at = p.len();
            p.extend_from_slice(&[0, 0, 1, 4, 0, 0, 0, 0]);
            p[nh_at] = 60;
            nh_at = p.len();
            p.extend_from_slice(&[0, 0, 1, 4, 0, 0, 0, 0]);
        }
    } else {
        let mut h = [0u8; ipv4::HEADER_LEN];
        let v4 = Ipv4Repr {
            src: V4_SRC,
            dst: V4_DST,
            protocol: 0,
            payload_len: 0,
            ttl: 64,
            ident: 0x1234,
            flags_frag: ipv4::FLAG_DF,
            dscp_ecn: 0,
        };
        v4.emit(&mut Ipv4Packet::new_unchecked(&mut h[..]))
            .expect("a 20-byte buffer holds the IPv4 header");
        p.extend_from_slice(&h);
        if ip.extras {
            // Router Alert (immutable for AH): one 4-byte option.
            p.extend_from_slice(&[148, 4, 0, 0]);
            Ipv4Packet::new_unchecked(&mut p[..]).set_header_len(ipv4::HEADER_LEN + 4);
        }
        nh_at = ipv4::field::PROTOCOL;
    }
    let mut ah_off = None;
    let set_nh = |p: &mut Vec<u8>, at: usize, v: u8| p[at] = v;
    if let Some((ah, spi)) = layer.ah {
        set_nh(&mut p, nh_at, proto::AH);
        let off = p.len();
        ah_off = Some(off);
        let body = wire::AH_FIXED_LEN + if ah.gmac { 8 } else { 0 } + ah.icv;
        let align = if ip.v6 { 8 } else { 4 };
        let len = body.div_ceil(align) * align;
        p.resize(off + len, 0);
        let ah_hdr = AhRepr {
            next_header: 0,
            header_len: len,
            spi,
            seq,
        };
        ah_hdr
            .emit(&mut AhPacket::new_unchecked(&mut p[off..]))
            .expect("AH length is a multiple of 4, at least 12");
        written.push((off + wire::AH_FIXED_LEN, off + len));
        nh_at = off;
    }
    let mut esp_off = None;
    let mut trailer = None;
    if let Some((esp, spi)) = layer.esp {
        if layer.udp {
            set_nh(&mut p, nh_at, proto::UDP);
            let u = p.len();
            p.resize(u + wire::UDP_HEADER_LEN, 0);
            let udp = UdpRepr {
                src_port: NAT_T_PORT,
                dst_port: NAT_T_PORT,
                payload_len: 0,
                checksum: 0,
            };
            udp.emit(&mut UdpPacket::new_unchecked(&mut p[u..]))
                .expect("an 8-byte buffer holds the UDP header");
        } else {
            set_nh(&mut p, nh_at, proto::ESP);
        }
        let off = p.len();
        esp_off = Some(off);
        p.extend_from_slice(&EspRepr { spi, seq }.to_bytes());
        written.push((p.len(), p.len() + esp.iv));
        p.resize(p.len() + esp.iv, 0);
        let body_start = p.len();
        p.extend_from_slice(inner);
        let align = esp.block.max(4);
        let mut pad = 0usize;
        while !(inner.len() + pad + 2).is_multiple_of(align) {
            pad += 1;
        }
        for i in 1..=pad {
            p.push(i as u8);
        }
        p.push(pad as u8);
        p.push(inner_proto);
        if esp.encrypts {
            encrypted.push((body_start, p.len()));
        }
        written.push((p.len(), p.len() + esp.icv));
        p.resize(p.len() + esp.icv, 0);
        trailer = Some((inner_proto, pad as u8));
    } else {
        set_nh(&mut p, nh_at, inner_proto);
        p.extend_from_slice(inner);
    }
    if let Some(off) = ah_off {
        let nh = if esp_off.is_some() {
            if layer.udp {
                proto::UDP
            } else {
                proto::ESP
            }
        } else {
            inner_proto
        };
        AhPacket::new_unchecked(&mut p[off..]).set_next_header(nh);
    }
    // Lengths and checksums.
    if ip.v6 {
        let pl = (p.len() - wire::IPV6_HEADER_LEN) as u16;
        Ipv6Packet::new_unchecked(&mut p[..]).set_payload_len(pl);
    } else {
        let tl = p.len() as u16;
        let mut v4 = Ipv4Packet::new_unchecked(&mut p[..]);
        v4.set_total_len(tl);
        v4.fill_checksum();
    }
    if layer.udp {
        let u = esp_off.unwrap_or(wire::UDP_HEADER_LEN) - wire::UDP_HEADER_LEN;
        let ul = (p.len() - u) as u16;
        UdpPacket::new_unchecked(&mut p[u..]).set_len(ul);
        if ip.v6 {
            // The filter computes the IPv6 UDP checksum; it is an engine-written field.
            written.push((u + 6, u + 8));
        }
    }
    (p, esp_off, ah_off, written, encrypted, trailer)
}

/// Length of the Ethernet II header the framer writes.
pub const ETH: usize = wire::ETHERNET_HEADER_LEN;

pub(super) fn eth(v6: bool) -> Vec<u8> {
    let e = EthernetRepr {
        dst: [0x02, 0, 0, 0, 0, 2],
        src: [0x02, 0, 0, 0, 0, 1],
        ethertype: if v6 {
            wire::ethertype::IPV6
        } else {
            wire::ethertype::IPV4
        },
    };
    e.to_bytes().to_vec()
}

pub(super) fn shift(r: &[(usize, usize)], by: usize) -> Vec<(usize, usize)> {
    r.iter().map(|&(a, b)| (a + by, b + by)).collect()
}

/// The slot 12 transmit value TCP/IP sets: the ESP trailer's NextHeader and PadLength and the
/// ESP and AH header offsets (in 4-byte units, from the IP header).
pub(super) fn slot12(trailer: Option<(u8, u8)>, esp: Option<usize>, ah: Option<usize>) -> u32 {
    let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(0);
    if let Some((nh, pad)) = trailer {
        h.set_transmit_next_header(nh);
        h.set_transmit_pad_length(pad);
    }
    if let Some(o) = slot12_offset(esp) {
        h.set_transmit_esp_header_offset((o / 4) as u8);
    }
    if let Some(o) = slot12_offset(ah) {
        h.set_transmit_ah_header_offset((o / 4) as u8);
    }
    h.0
}

/// A single-layer frame: Ethernet + IP + layer + payload.
pub fn frame(ip: &Ip, layer: &Layer, seq: u32, payload: &[u8], proto: u8) -> Framed {
    let (p, esp, ah, written, encrypted, trailer) = frame_ip(ip, layer, seq, payload, proto);
    let mut f = eth(ip.v6);
    f.extend_from_slice(&p);
    Framed {
        frame: f,
        header_info: slot12(trailer, esp, ah),
        written: shift(&written, ETH),
        encrypted: shift(&encrypted, ETH),
        trailer,
    }
}

/// Transport over tunnel: an inner IP packet protected by `inner_layer` carried in the outer
/// packet's `outer_layer` (tunnel) ESP/AH. Slot 12 describes the outer headers.
pub fn frame_tunnel(
    outer: &Ip,
    outer_layer: &Layer,
    inner: &Ip,
    inner_layer: &Layer,
    seq: u32,
    payload: &[u8],
) -> Framed {
    let (ip_in, _, _, w_in, e_in, _) = frame_ip(inner, inner_layer, seq, payload, proto::TCP);
    let next = if inner.v6 { proto::IPV6 } else { proto::IPV4 };
    let (p, esp, ah, w_out, e_out, trailer) = frame_ip(outer, outer_layer, seq, &ip_in, next);
    // Where the inner packet starts inside the outer one.
    let inner_at = match (esp, outer_layer.esp) {
        (Some(o), Some((s, _))) => o + wire::ESP_HEADER_LEN + s.iv,
        _ => {
            let a = ah.unwrap_or(0);
            a + AhPacket::new_unchecked(&p[a..]).header_len()
        }
    };
    let mut f = eth(outer.v6);
    f.extend_from_slice(&p);
    let mut written = shift(&w_out, ETH);
    written.extend(shift(&w_in, ETH + inner_at));
    let mut encrypted = shift(&e_out, ETH);
    encrypted.extend(shift(&e_in, ETH + inner_at));
    Framed {
        frame: f,
        header_info: slot12(trailer, esp, ah),
        written,
        encrypted,
        trailer,
    }
}
