//! Outbound processing: [`OutboundSa::encapsulate`].

use core::net::IpAddr;

use super::ip::{self, wr, wr16, wr8, IPV4_HEADER_LEN};
use super::{Accounting, ConfigError, DropReason, Encapsulated, Mode, SaConfig, SaKeys, Usage};
use crate::ah::AhSa;
use crate::alg::Direction;
use crate::esp::{EspConfig, EspSa, ESP_HEADER_LEN};
use crate::replay::OutboundSequence;
use crate::wire::{
    fix_udp_encap, ipv4, ipv6, proto, AhPacket, AhRepr, EspPacket, EspRepr, Ipv4Packet, Ipv4Repr,
    Ipv6Packet, Ipv6Repr, UdpPacket, IPV6_HEADER_LEN, UDP_HEADER_LEN,
};

/// Outer TTL / hop limit of tunnel mode.
pub(crate) const TUNNEL_TTL: u8 = 64;

#[derive(Debug)]
struct EspOut {
    sa: EspSa,
    spi: u32,
    seq: OutboundSequence,
}

#[derive(Debug)]
struct AhOut {
    sa: AhSa,
    spi: u32,
    seq: OutboundSequence,
}

/// An outbound full-face SA: protects plain IP packets.
///
/// Holds the prepared ESP and/or AH state, the sequence counters and the
/// lifetime counters. Not internally synchronised: `encapsulate` takes
/// `&mut self` (callers serialise per SA).
#[derive(Debug)]
pub struct OutboundSa {
    cfg: SaConfig,
    esp: Option<EspOut>,
    ah: Option<AhOut>,
    acct: Accounting,
}

/// AH length for `alg` aligned to 32 bits (IPv4) or 64 bits (IPv6)
/// (RFC 4302 §2.6, §3.3.3.2.1).
pub(crate) fn ah_len(sa: &AhSa, v6: bool) -> usize {
    let n = sa.min_ah_len();
    if v6 {
        n.next_multiple_of(8)
    } else {
        n.next_multiple_of(4)
    }
}

/// ESP pad length for a payload of `len` bytes: the encrypted part
/// (payload, padding, pad length, next header) is a multiple of the cipher
/// block size and of 4 bytes (RFC 4303 §2.4).
fn esp_pad(cfg: &EspConfig, len: usize) -> usize {
    let block = cfg.encryption.block_size().max(4);
    (block - (len + 2) % block) % block
}

impl OutboundSa {
    /// Prepare an outbound SA. The inbound-only fields (`anti_replay`,
    /// `initial_iseq`) are ignored.
    pub fn new(cfg: &SaConfig, keys: &SaKeys<'_>) -> Result<Self, ConfigError> {
        cfg.validate()?;
        if !cfg.esn && cfg.initial_oseq > u64::from(u32::MAX) {
            return Err(ConfigError::SequenceOutOfRange);
        }
        // The last number used is `initial_oseq`; `u64::MAX + 1` wraps to 0,
        // which `OutboundSequence` treats as exhausted.
        let next = cfg.initial_oseq.wrapping_add(1);
        let esp = match cfg.protocol.esp() {
            Some(t) => Some(EspOut {
                sa: EspSa::with_direction(
                    EspConfig {
                        encryption: t.encryption,
                        integrity: t.integrity,
                        esn: cfg.esn,
                    },
                    Direction::Outbound,
                    keys.esp_encryption,
                    keys.esp_integrity,
                )?,
                spi: t.spi,
                seq: OutboundSequence::starting_at(next, cfg.esn),
            }),
            None => None,
        };
        let ah = match cfg.protocol.ah() {
            Some(t) => Some(AhOut {
                sa: AhSa::new(t.integrity, cfg.esn, keys.ah)?,
                spi: t.spi,
                seq: OutboundSequence::starting_at(next, cfg.esn),
            }),
            None => None,
        };
        Ok(Self {
            cfg: *cfg,
            esp,
            ah,
            acct: Accounting::new(cfg.lifetimes),
        })
    }

    /// The configuration the SA was built from.
    pub fn config(&self) -> &SaConfig {
        &self.cfg
    }

    /// Bytes and packets protected so far.
    pub fn usage(&self) -> Usage {
        self.acct.usage
    }

    /// Whether a hard lifetime limit has been reached (every further packet
    /// is refused).
    pub fn is_hard_expired(&self) -> bool {
        self.acct.hard_expired
    }

    /// Upper bound of the bytes `encapsulate` adds to any packet:
    /// `out.len() >= inner.len() + max_overhead()` always suffices.
    pub fn max_overhead(&self) -> usize {
        let outer = match self.cfg.mode {
            Mode::Transport => 0,
            Mode::Tunnel {
                src: IpAddr::V4(_), ..
            } => IPV4_HEADER_LEN,
            Mode::Tunnel {
                src: IpAddr::V6(_), ..
            } => IPV6_HEADER_LEN,
        };
        let udp = if self.cfg.udp_encap.is_some() {
            UDP_HEADER_LEN
        } else {
            0
        };
        let ah = self.ah.as_ref().map_or(0, |a| ah_len(&a.sa, true));
        let esp = self.esp.as_ref().map_or(0, |e| {
            let c = e.sa.config();
            c.overhead() + c.encryption.block_size().max(4) - 1
        });
        outer + udp + ah + esp
    }

    /// Protect the IP packet at the start of `inner` (its length is taken
    /// from its IP header; trailing bytes are ignored) and write the result
    /// to the start of `out`.
    ///
    /// Transport mode inserts AH/UDP/ESP at the insertion point and fixes
    /// the IPv4 total length, protocol and checksum or the IPv6 payload
    /// length and next-header chain; fragments are refused. Tunnel mode
    /// prepends a new outer header (see the module docs). Sequence numbers
    /// start at `initial_oseq + 1` and stop at 2^32 − 1 (2^64 − 1 with ESN)
    /// with [`DropReason::SequenceExhausted`].
    pub fn encapsulate(
        &mut self,
        inner: &[u8],
        out: &mut [u8],
    ) -> Result<Encapsulated, DropReason> {
        let p = ip::ip_packet(inner)?;
        let pkt = inner.get(..p.len).ok_or(DropReason::Truncated)?;
        let (outer_v6, prefix_len, ins) = match self.cfg.mode {
            Mode::Transport => {
                let ins = ip::insertion_point(pkt, p)?;
                (p.v6, ins.at, Some(ins))
            }
            Mode::Tunnel { src, .. } => {
                let v6 = src.is_ipv6();
                (v6, if v6 { IPV6_HEADER_LEN } else { IPV4_HEADER_LEN }, None)
            }
        };
        let payload = pkt
            .get(ins.map_or(0, |i| i.at)..)
            .ok_or(DropReason::Truncated)?;
        let inner_nh = match ins {
            Some(i) => i.nh,
            None if p.v6 => proto::IPV6,
            None => proto::IPV4,
        };
        // Layout: prefix | AH | UDP | ESP header, IV, payload, pad, trailer, ICV.
        let ah_bytes = self.ah.as_ref().map_or(0, |a| ah_len(&a.sa, outer_v6));
        let udp_bytes = if self.cfg.udp_encap.is_some() {
            UDP_HEADER_LEN
        } else {
            0
        };
        let (esp_bytes, pad) = match &self.esp {
            Some(e) => {
                let c = e.sa.config();
                let pad = esp_pad(c, payload.len());
                (c.overhead() + payload.len() + pad, pad)
            }
            None => (payload.len(), 0),
        };
        let total = prefix_len + ah_bytes + udp_bytes + esp_bytes;
        let len_field = if outer_v6 {
            total - IPV6_HEADER_LEN
        } else {
            total
        };
        let len_field = u16::try_from(len_field).map_err(|_| DropReason::PacketTooBig)?;
        let out = out.get_mut(..total).ok_or(DropReason::BufferTooSmall)?;
        self.acct.admit(p.len)?;

        // Sequence numbers (never reused, even if sealing fails below).
        let esp_seq = match &self.esp {
            Some(e) => Some(e.seq.next()?),
            None => None,
        };
        let ah_seq = match &self.ah {
            Some(a) => Some(a.seq.next()?),
            None => None,
        };
        let seq = esp_seq.or(ah_seq).unwrap_or(0);

        let first_proto = if self.ah.is_some() {
            proto::AH
        } else if udp_bytes != 0 {
            proto::UDP
        } else {
            proto::ESP
        };

        // The IP header.
        match (self.cfg.mode, ins) {
            (Mode::Transport, Some(i)) => {
                let h = pkt.get(..i.at).ok_or(DropReason::Truncated)?;
                wr(out, 0, h)?;
                wr8(out, i.nh_pos, first_proto)?;
                if outer_v6 {
                    wr16(out, ipv6::field::LENGTH.start, len_field)?;
                } else {
                    wr16(out, ipv4::field::LENGTH.start, len_field)?;
                    ip::ipv4_fill_checksum(out)?;
                }
            }
            (Mode::Tunnel { src, dst }, _) => {
                write_outer(out, pkt, p.v6, src, dst, first_proto, len_field, seq)?;
            }
            (Mode::Transport, None) => return Err(DropReason::Malformed),
        }

        let mut at = prefix_len;
        let ah_off = at;
        if let Some(a) = &self.ah {
            let nh = if self.esp.is_some() {
                proto::ESP
            } else {
                inner_nh
            };
            let seg = out
                .get_mut(at..at + ah_bytes)
                .ok_or(DropReason::BufferTooSmall)?;
            seg.fill(0);
            AhRepr {
                next_header: nh,
                header_len: ah_bytes,
                spi: a.spi,
                seq: ah_seq.unwrap_or(0) as u32,
            }
            .emit(&mut AhPacket::new_unchecked(seg))?;
            at += ah_bytes;
        }
        let udp_off = at;
        if let Some(u) = self.cfg.udp_encap {
            let seg = out
                .get_mut(at..at + UDP_HEADER_LEN)
                .ok_or(DropReason::BufferTooSmall)?;
            let mut udp = UdpPacket::new_unchecked(seg);
            udp.set_src_port(u.src_port);
            udp.set_dst_port(u.dst_port);
            // Length and checksum: fix_udp_encap, once the ESP bytes are final.
            udp.set_len(0);
            udp.set_checksum(0);
            at += UDP_HEADER_LEN;
        }
        if let Some(e) = &self.esp {
            let c = *e.sa.config();
            let esp_off = at;
            let seg = out
                .get_mut(at..at + ESP_HEADER_LEN)
                .ok_or(DropReason::BufferTooSmall)?;
            EspRepr {
                spi: e.spi,
                seq: esp_seq.unwrap_or(0) as u32,
            }
            .emit(&mut EspPacket::new_unchecked(seg))?;
            at += ESP_HEADER_LEN;
            out.get_mut(at..at + c.iv_len())
                .ok_or(DropReason::BufferTooSmall)?
                .fill(0);
            at += c.iv_len();
            wr(out, at, payload)?;
            at += payload.len();
            for i in 1..=pad {
                // pad < 16, so i fits in u8.
                wr8(out, at, i as u8)?;
                at += 1;
            }
            wr8(out, at, pad as u8)?;
            wr8(out, at + 1, inner_nh)?;
            at += 2;
            out.get_mut(at..at + c.icv_len())
                .ok_or(DropReason::BufferTooSmall)?
                .fill(0);
            let hi = (esp_seq.unwrap_or(0) >> 32) as u32;
            let region = out.get_mut(esp_off..total).ok_or(DropReason::Truncated)?;
            e.sa.seal(region, hi)?;
        } else {
            wr(out, at, payload)?;
        }
        if udp_bytes != 0 {
            fix_udp_encap(out, udp_off, total)?;
        }
        if let Some(a) = &self.ah {
            a.sa.seal(out, ah_off, (ah_seq.unwrap_or(0) >> 32) as u32)?;
        }
        let soft_expired = self.acct.record(p.len);
        Ok(Encapsulated {
            len: total,
            seq,
            soft_expired,
        })
    }
}

/// Write the tunnel-mode outer header for the inner packet `inner`.
#[allow(clippy::too_many_arguments)]
fn write_outer(
    out: &mut [u8],
    inner: &[u8],
    inner_v6: bool,
    src: IpAddr,
    dst: IpAddr,
    first_proto: u8,
    len_field: u16,
    seq: u64,
) -> Result<(), DropReason> {
    // DSCP + ECN copied (RFC 6040 normal mode: ECN copied, CE included); the flow label
    // copied from an inner IPv6 packet; DF copied from an inner IPv4 packet, clear for IPv6.
    let (tos, flow_label, df) = if inner_v6 {
        let v6 = Ipv6Packet::new_unchecked(inner);
        v6.check_header()?;
        (v6.traffic_class(), v6.flow_label(), 0)
    } else {
        let v4 = Ipv4Packet::new_unchecked(inner);
        v4.check_header()?;
        (v4.dscp_ecn(), 0, v4.flags_frag() & ipv4::FLAG_DF)
    };
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let payload_len = usize::from(len_field)
                .checked_sub(IPV4_HEADER_LEN)
                .ok_or(DropReason::BadLength)?;
            let h = out
                .get_mut(..IPV4_HEADER_LEN)
                .ok_or(DropReason::BufferTooSmall)?;
            Ipv4Repr {
                src: s.octets(),
                dst: d.octets(),
                protocol: first_proto,
                payload_len,
                ttl: TUNNEL_TTL,
                ident: seq as u16,
                flags_frag: df,
                dscp_ecn: tos,
            }
            .emit(&mut Ipv4Packet::new_unchecked(h))?;
            Ok(())
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let h = out
                .get_mut(..IPV6_HEADER_LEN)
                .ok_or(DropReason::BufferTooSmall)?;
            Ipv6Repr {
                src: s.octets(),
                dst: d.octets(),
                next_header: first_proto,
                payload_len: usize::from(len_field),
                hop_limit: TUNNEL_TTL,
                traffic_class: tos,
                flow_label,
            }
            .emit(&mut Ipv6Packet::new_unchecked(h))?;
            Ok(())
        }
        _ => Err(DropReason::Malformed),
    }
}
