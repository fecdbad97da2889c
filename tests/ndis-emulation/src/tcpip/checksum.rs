//! Checksum offload requested on protected sends (TcpIpChecksumNetBufferListInfo): segments,
//! their checksums, and frames that leave them to the NIC.

use ipsec_engine::wire::{self, ipv4, proto, AhPacket};
use ipsecov2_abi::*;

use super::*;

/// The checksum offloads TCP/IP asks of the NIC for one protected send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChecksumOffload {
    /// IPv4 header checksums (`IpHeaderChecksum`; the outer and, in tunnel mode, the inner one).
    pub ip: bool,
    /// The protected TCP segment's checksum (`TcpChecksum`).
    pub tcp: bool,
    /// The protected UDP datagram's checksum, and UDP-ESP's outer one (`UdpChecksum`).
    pub udp: bool,
}

/// A protected frame whose checksums TCP/IP left to the NIC.
#[derive(Clone, Debug)]
pub struct ChecksumFramed {
    /// What TCP/IP hands the NIC: the offloaded checksum fields are zero. `written` also covers
    /// UDP-ESP's UDP checksum over IPv4 when UDP checksum offload is asked (it covers ciphertext).
    pub sent: Framed,
    /// The same frame as it must be once the checksums are done (before encryption): what a
    /// peer decrypts.
    pub expected: Vec<u8>,
    /// The `TcpIpChecksumNetBufferListInfo` value.
    pub slot: usize,
}

impl ChecksumFramed {
    /// `sent` with the expected bytes (for the comparisons of what the peer decrypts).
    pub fn expected_framed(&self) -> Framed {
        Framed {
            frame: self.expected.clone(),
            ..self.sent.clone()
        }
    }
}

/// A TCP segment: ports 49152 → 443, sequence 1, a 20-byte header (ACK|PSH, window 512),
/// `payload`, checksum 0.
pub fn tcp_segment(payload: &[u8]) -> Vec<u8> {
    let mut s = vec![
        0xc0, 0x00, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x02, 0x00,
    ];
    s.extend_from_slice(&[0, 0, 0, 0]);
    s.extend_from_slice(payload);
    s
}

/// A UDP datagram: ports 49152 → 53, length set, `payload`, checksum 0.
pub fn udp_datagram(payload: &[u8]) -> Vec<u8> {
    let len = (wire::UDP_HEADER_LEN + payload.len()) as u16;
    let mut s = vec![0xc0, 0x00, 0x00, 0x35];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(&[0, 0]);
    s.extend_from_slice(payload);
    s
}

/// The TCP (`upper` 6) or UDP (17) checksum of `seg` (checksum field zero) between the
/// framer's endpoints, IPv6 or IPv4 (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1).
pub fn upper_checksum(v6: bool, upper: u8, seg: &[u8]) -> u16 {
    let mut pseudo = Vec::new();
    if v6 {
        pseudo.extend_from_slice(&V6_SRC);
        pseudo.extend_from_slice(&V6_DST);
        pseudo.extend_from_slice(&(seg.len() as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, upper]);
    } else {
        pseudo.extend_from_slice(&V4_SRC);
        pseudo.extend_from_slice(&V4_DST);
        pseudo.extend_from_slice(&[0, upper]);
        pseudo.extend_from_slice(&(seg.len() as u16).to_be_bytes());
    }
    let sum = wire::checksum::accumulate(seg, wire::checksum::accumulate(&pseudo, 0));
    match !wire::checksum::fold(sum) {
        0 if upper == proto::UDP => 0xffff,
        c => c,
    }
}

/// What TCP/IP hands the NIC for a TCP (`upper` 6) or UDP (17) segment of `payload`, protected
/// by `layer` in transport mode or (`tunnel`) inside an inner IP packet of the same family,
/// with the checksum offloads `req` asked: those checksums are left zero in `sent`, the others
/// computed as TCP/IP computes them; `expected` has all of them. (IPv4 header checksum offload
/// does not exist over IPv6.)
pub fn frame_checksummed(
    outer: &Ip,
    layer: &Layer,
    tunnel: bool,
    seq: u32,
    upper: u8,
    payload: &[u8],
    req: ChecksumOffload,
) -> ChecksumFramed {
    let mut seg = if upper == proto::TCP {
        tcp_segment(payload)
    } else {
        udp_datagram(payload)
    };
    let at = if upper == proto::TCP { 16 } else { 6 };
    let sum = upper_checksum(outer.v6, upper, &seg);
    let offloaded_l4 = (upper == proto::TCP && req.tcp) || (upper == proto::UDP && req.udp);
    let offloaded_ip = req.ip && !outer.v6;
    let build = |seg: &[u8], zero_ip: bool| -> Framed {
        let mut f = if tunnel {
            let plain = Layer {
                esp: None,
                ah: None,
                udp: false,
            };
            let (mut inner, ..) = frame_ip(
                &Ip {
                    v6: outer.v6,
                    extras: false,
                },
                &plain,
                seq,
                seg,
                upper,
            );
            if zero_ip && !outer.v6 {
                inner[ipv4::field::CHECKSUM].fill(0);
            }
            let next = if outer.v6 { proto::IPV6 } else { proto::IPV4 };
            frame(outer, layer, seq, &inner, next)
        } else {
            frame(outer, layer, seq, seg, upper)
        };
        if zero_ip && !outer.v6 {
            f.frame[ETH..][ipv4::field::CHECKSUM].fill(0);
        }
        f
    };
    seg[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    let expected = build(&seg, false).frame;
    if offloaded_l4 {
        seg[at..at + 2].fill(0);
    }
    let mut sent = build(&seg, offloaded_ip);
    if layer.udp && req.udp && !outer.v6 {
        // The NIC computes UDP-ESP's checksum over the ciphertext: not known here.
        let u = ETH + udp_esp_offset(&sent.frame).unwrap_or(0);
        sent.written.push((u + 6, u + 8));
    }
    let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
    c.set_transmit_is_ipv4(!outer.v6);
    c.set_transmit_is_ipv6(outer.v6);
    c.set_transmit_ip_header_checksum(offloaded_ip);
    c.set_transmit_tcp_checksum(req.tcp);
    c.set_transmit_udp_checksum(req.udp);
    ChecksumFramed {
        sent,
        expected,
        slot: c.Value,
    }
}

/// [`frame_checksummed`] for transport mode over a tunnel ([`frame_tunnel`]): a TCP segment of
/// `payload` under `inner_layer` in an `inner` packet carried by the `outer_layer` tunnel. With
/// `req.ip` both IPv4 header checksums are left to the NIC, with `req.tcp` the segment's.
pub fn frame_tunnel_checksummed(
    outer: &Ip,
    outer_layer: &Layer,
    inner: &Ip,
    inner_layer: &Layer,
    seq: u32,
    payload: &[u8],
    req: ChecksumOffload,
) -> ChecksumFramed {
    let mut seg = tcp_segment(payload);
    let sum = upper_checksum(inner.v6, proto::TCP, &seg);
    seg[16..18].copy_from_slice(&sum.to_be_bytes());
    let expected = frame_tunnel(outer, outer_layer, inner, inner_layer, seq, &seg).frame;
    if req.tcp {
        seg[16..18].fill(0);
    }
    let mut sent = frame_tunnel(outer, outer_layer, inner, inner_layer, seq, &seg);
    if req.ip {
        let h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(sent.header_info);
        let inner_at = match outer_layer.esp {
            Some((s, _)) => {
                usize::from(h.transmit_esp_header_offset()) * 4 + wire::ESP_HEADER_LEN + s.iv
            }
            None => {
                let a = usize::from(h.transmit_ah_header_offset()) * 4;
                a + AhPacket::new_unchecked(&sent.frame[ETH + a..]).header_len()
            }
        };
        if !inner.v6 {
            sent.frame[ETH + inner_at..][ipv4::field::CHECKSUM].fill(0);
        }
        if !outer.v6 {
            sent.frame[ETH..][ipv4::field::CHECKSUM].fill(0);
        }
    }
    let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
    c.set_transmit_is_ipv4(!outer.v6);
    c.set_transmit_is_ipv6(outer.v6);
    c.set_transmit_ip_header_checksum(req.ip && (!outer.v6 || !inner.v6));
    c.set_transmit_tcp_checksum(req.tcp);
    ChecksumFramed {
        sent,
        expected,
        slot: c.Value,
    }
}

/// Offset of UDP-ESP's UDP header from the IP header of an Ethernet frame, and the datagram's
/// end (`None` when the frame is not UDP-ESP).
pub fn udp_esp_offset(frame: &[u8]) -> Option<usize> {
    wire::locate_ipsec(frame.get(ETH..)?)
        .ok()
        .and_then(|l| match l.kind {
            wire::IpsecKind::UdpEsp { udp_offset } => Some(udp_offset),
            _ => None,
        })
}

/// `frame` with the `written` ranges zeroed (for comparisons).
pub fn masked(frame: &[u8], written: &[(usize, usize)]) -> Vec<u8> {
    let mut f = frame.to_vec();
    for &(a, b) in written {
        for x in &mut f[a..b.min(frame.len())] {
            *x = 0;
        }
    }
    f
}
