//! Inbound processing: [`InboundSa::decapsulate`].

use super::ip::{self, rd8, wr16, wr8, IpPacket};
use super::outbound::ah_len;
use super::{
    Accounting, AntiReplay, ConfigError, Decapsulated, DropReason, Mode, SaConfig, SaKeys, Usage,
};
use crate::ah::AhSa;
use crate::alg::Direction;
use crate::esp::{esp_header, EspConfig, EspSa};
use crate::replay::ReplayWindow;
use crate::wire::ipv6ext::HeaderChain;
use crate::wire::{
    ipv4, ipv6, proto, AhPacket, Ipv4Packet, Ipv6Packet, UdpPacket, IPV6_HEADER_LEN, UDP_HEADER_LEN,
};

#[derive(Debug)]
struct EspIn {
    sa: EspSa,
    spi: u32,
    window: Option<ReplayWindow>,
}

#[derive(Debug)]
struct AhIn {
    sa: AhSa,
    spi: u32,
    window: Option<ReplayWindow>,
}

/// An inbound full-face SA: verifies and decapsulates received packets.
///
/// Holds the prepared ESP and/or AH state, one anti-replay window per
/// protocol and the lifetime counters. `decapsulate` takes `&mut self`
/// (callers serialise per SA).
#[derive(Debug)]
pub struct InboundSa {
    cfg: SaConfig,
    esp: Option<EspIn>,
    ah: Option<AhIn>,
    acct: Accounting,
}

/// Where the IPsec header of a received packet is.
#[derive(Debug, Clone, Copy)]
struct Located {
    v6: bool,
    /// End of the IP datagram (from its length field).
    ip_end: usize,
    /// Offset of the next-header/protocol byte naming the UDP/AH/ESP header.
    nh_pos: usize,
    /// Offset of the UDP, AH or ESP header.
    at: usize,
    /// Its protocol number.
    proto: u8,
}

/// Find the first UDP, AH or ESP header after the IPv4 header or the IPv6
/// Hop-by-Hop / Routing / Destination Options headers.
fn locate(b: &[u8]) -> Result<Located, DropReason> {
    let p = ip::ip_packet(b)?;
    let b = b.get(..p.len).ok_or(DropReason::Truncated)?;
    let (nh, nh_pos, at);
    if p.v6 {
        let mut chain = HeaderChain::new(rd8(b, ipv6::field::NXT_HDR)?, IPV6_HEADER_LEN);
        let mut pos = ipv6::field::NXT_HDR;
        // Bounded: each step advances by at least 8 bytes within `b`.
        while matches!(
            chain.next_header(),
            proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS
        ) {
            pos = chain.skip_whole(b)?.offset;
        }
        if chain.next_header() == proto::FRAGMENT {
            return Err(DropReason::Fragment);
        }
        (nh, nh_pos, at) = (chain.next_header(), pos, chain.offset());
    } else {
        let v4 = Ipv4Packet::new_unchecked(b);
        if v4.is_fragment() {
            return Err(DropReason::Fragment);
        }
        (nh, nh_pos, at) = (v4.protocol(), ipv4::field::PROTOCOL, v4.header_len());
    }
    match nh {
        proto::ESP | proto::AH | proto::UDP => Ok(Located {
            v6: p.v6,
            ip_end: p.len,
            nh_pos,
            at,
            proto: nh,
        }),
        _ => Err(DropReason::NotIpsec),
    }
}

fn replay_check(w: &Option<ReplayWindow>, seq_lo: u32) -> Result<u64, DropReason> {
    match w {
        Some(w) => Ok(w.check(seq_lo)?),
        None => Ok(u64::from(seq_lo)),
    }
}

fn replay_advance(w: &mut Option<ReplayWindow>, seq: Option<u64>) -> Result<(), DropReason> {
    match (w, seq) {
        (Some(w), Some(s)) => Ok(w.advance(s)?),
        _ => Ok(()),
    }
}

/// The ECN bits of the IPv4 TOS byte or the IPv6 traffic class.
const ECN_MASK: u8 = 0x03;

/// ECN field of the IP header at `b[0]`.
fn ecn(b: &[u8], v6: bool) -> Result<u8, DropReason> {
    let tos = if v6 {
        let p = Ipv6Packet::new_unchecked(b);
        p.check_header()?;
        p.traffic_class()
    } else {
        let p = Ipv4Packet::new_unchecked(b);
        p.check_header()?;
        p.dscp_ecn()
    };
    Ok(tos & ECN_MASK)
}

/// RFC 6040 §4.2 egress: the inner ECN after decapsulation, or a drop.
fn ecn_egress(inner: u8, outer: u8) -> Result<u8, DropReason> {
    const NOT_ECT: u8 = 0;
    const ECT1: u8 = 1;
    const ECT0: u8 = 2;
    const CE: u8 = 3;
    match (inner, outer) {
        (NOT_ECT, CE) => Err(DropReason::EcnCeOnNotEct),
        (_, CE) => Ok(CE),
        (ECT0, ECT1) => Ok(ECT1),
        (i, _) => Ok(i),
    }
}

/// The replay window of one protocol part, per the configuration.
fn make_window(cfg: &SaConfig) -> Result<Option<ReplayWindow>, ConfigError> {
    match cfg.anti_replay {
        AntiReplay::Window(w) => Ok(Some(match cfg.initial_iseq {
            Some(s) => ReplayWindow::starting_at(w, cfg.esn, s)?,
            None => ReplayWindow::new(w, cfg.esn)?,
        })),
        AntiReplay::Disabled if cfg.esn => Err(ConfigError::EsnRequiresAntiReplay),
        AntiReplay::Disabled if cfg.initial_iseq.is_some() => {
            Err(ConfigError::InitialSequenceWithoutWindow)
        }
        AntiReplay::Disabled => Ok(None),
    }
}

impl InboundSa {
    /// Prepare an inbound SA. The outbound-only field `initial_oseq` is
    /// ignored.
    pub fn new(cfg: &SaConfig, keys: &SaKeys<'_>) -> Result<Self, ConfigError> {
        cfg.validate()?;
        if let Some(s) = cfg.initial_iseq {
            if !cfg.esn && s > u64::from(u32::MAX) {
                return Err(ConfigError::SequenceOutOfRange);
            }
        }
        let esp = match cfg.protocol.esp() {
            Some(t) => Some(EspIn {
                sa: EspSa::with_direction(
                    EspConfig {
                        encryption: t.encryption,
                        integrity: t.integrity,
                        esn: cfg.esn,
                    },
                    Direction::Inbound,
                    keys.esp_encryption,
                    keys.esp_integrity,
                )?,
                spi: t.spi,
                window: make_window(cfg)?,
            }),
            None => None,
        };
        let ah = match cfg.protocol.ah() {
            Some(t) => Some(AhIn {
                sa: AhSa::new(t.integrity, cfg.esn, keys.ah)?,
                spi: t.spi,
                window: make_window(cfg)?,
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

    /// Bytes and packets accepted so far.
    pub fn usage(&self) -> Usage {
        self.acct.usage
    }

    /// Whether a hard lifetime limit has been reached.
    pub fn is_hard_expired(&self) -> bool {
        self.acct.hard_expired
    }

    /// Highest authenticated sequence number (T) of the window (the ESP
    /// window for ESP+AH); `None` with anti-replay disabled.
    pub fn replay_top(&self) -> Option<u64> {
        match (&self.esp, &self.ah) {
            (Some(e), _) => e.window.as_ref().map(ReplayWindow::top),
            (None, Some(a)) => a.window.as_ref().map(ReplayWindow::top),
            (None, None) => None,
        }
    }

    /// Verify and decapsulate the IP packet at the start of `packet` in
    /// place.
    ///
    /// Order: locate ESP/AH (UDP encapsulation: non-ESP marker and NAT
    /// keepalive are [`DropReason::NotIpsec`]), SPI, replay *check* (which
    /// infers the ESN high half), ICV (AH first for ESP+AH), decryption and
    /// padding check, then the replay window *advances* — a packet that
    /// fails anywhere before never moves it. Next header 59 is dropped as
    /// [`DropReason::DummyPacket`] (after the window advanced). Tunnel mode
    /// returns the inner packet's range (its IP length; TFC padding after it
    /// is ignored) after applying RFC 6040 ECN egress rules; transport mode
    /// removes the IPsec headers and trailer, restores the protocol /
    /// next-header byte, lengths and IPv4 checksum, and returns `0..len`.
    pub fn decapsulate(&mut self, packet: &mut [u8]) -> Result<Decapsulated, DropReason> {
        self.acct.admit(0)?;
        let loc = locate(packet)?;
        let mut esp_off = loc.at;
        let mut esp_end = loc.ip_end;
        match loc.proto {
            proto::UDP => {
                let Some(u) = self.cfg.udp_encap else {
                    return Err(DropReason::NotIpsec);
                };
                let seg = packet
                    .get(loc.at..loc.ip_end)
                    .ok_or(DropReason::Truncated)?;
                let udp = UdpPacket::new_checked(seg)?;
                let pl = udp.payload();
                if pl == [0xff] || pl.get(..4) == Some(&[0, 0, 0, 0]) {
                    return Err(DropReason::NotIpsec);
                }
                if udp.dst_port() != u.dst_port {
                    return Err(DropReason::UdpPortMismatch);
                }
                esp_off = loc.at + UDP_HEADER_LEN;
                esp_end = loc.at + usize::from(udp.len());
            }
            proto::ESP if self.cfg.udp_encap.is_some() || self.ah.is_some() => {
                return Err(DropReason::ProtocolMismatch)
            }
            proto::AH if self.ah.is_none() => return Err(DropReason::ProtocolMismatch),
            _ => {}
        }

        // Phase one: headers, SPIs, replay checks.
        let mut ah_hdr = None;
        if let Some(a) = &self.ah {
            let seg = packet
                .get(loc.at..loc.ip_end)
                .ok_or(DropReason::Truncated)?;
            let v = AhPacket::new_checked(seg)?;
            if v.spi() != a.spi {
                return Err(DropReason::SpiMismatch);
            }
            let len = v.header_len();
            if len < ah_len(&a.sa, loc.v6) {
                return Err(DropReason::BadLength);
            }
            let seq = replay_check(&a.window, v.seq())?;
            if self.esp.is_some() {
                if v.next_header() != proto::ESP {
                    return Err(DropReason::ProtocolMismatch);
                }
                esp_off = loc.at + len;
            }
            ah_hdr = Some((seq, len, v.next_header()));
        }
        let mut esp_seq = None;
        if let Some(e) = &self.esp {
            let seg = packet.get(esp_off..esp_end).ok_or(DropReason::Truncated)?;
            let (spi, lo) = esp_header(seg)?;
            if spi != e.spi {
                return Err(DropReason::SpiMismatch);
            }
            esp_seq = Some(replay_check(&e.window, lo)?);
        }

        // ICVs and decryption.
        if let (Some(a), Some((seq, _, _))) = (&self.ah, ah_hdr) {
            let dg = packet.get(..loc.ip_end).ok_or(DropReason::Truncated)?;
            a.sa.open(dg, loc.at, (seq >> 32) as u32)?;
        }
        let (pl_off, pl_len, nh) = match (&self.esp, ah_hdr) {
            (Some(e), _) => {
                let hi = (esp_seq.unwrap_or(0) >> 32) as u32;
                let seg = packet
                    .get_mut(esp_off..esp_end)
                    .ok_or(DropReason::Truncated)?;
                let o = e.sa.open(seg, hi)?;
                (esp_off + o.payload_offset, o.payload_len, o.next_header)
            }
            (None, Some((_, len, nh))) => {
                let off = loc.at + len;
                let n = loc.ip_end.checked_sub(off).ok_or(DropReason::Truncated)?;
                (off, n, nh)
            }
            (None, None) => return Err(DropReason::ProtocolMismatch),
        };
        let ah_seq = ah_hdr.map(|h| h.0);
        let seq = esp_seq.or(ah_seq).unwrap_or(0);
        let pl_end = pl_off.checked_add(pl_len).ok_or(DropReason::BadLength)?;
        if pl_end > packet.len() {
            return Err(DropReason::Truncated);
        }

        if self.esp.is_some() && nh == proto::NONE {
            self.advance(esp_seq, ah_seq)?;
            return Err(DropReason::DummyPacket);
        }

        match self.cfg.mode {
            Mode::Tunnel { .. } => {
                let want_v6 = match nh {
                    proto::IPV4 => false,
                    proto::IPV6 => true,
                    _ => return Err(DropReason::BadNextHeader),
                };
                let body = packet.get(pl_off..pl_end).ok_or(DropReason::Truncated)?;
                let inner = ip::ip_packet(body).map_err(|_| DropReason::BadInnerPacket)?;
                if inner.v6 != want_v6 {
                    return Err(DropReason::BadInnerPacket);
                }
                let outer_ecn = ecn(packet, loc.v6)?;
                let inner_ecn = ecn(body, inner.v6)?;
                let new_ecn = ecn_egress(inner_ecn, outer_ecn)?;
                self.acct.admit(inner.len)?;
                self.advance(esp_seq, ah_seq)?;
                if new_ecn != inner_ecn {
                    let body = packet
                        .get_mut(pl_off..pl_end)
                        .ok_or(DropReason::Truncated)?;
                    if inner.v6 {
                        let mut v6 = Ipv6Packet::new_unchecked(body);
                        let tc = (v6.traffic_class() & !ECN_MASK) | new_ecn;
                        let flow = v6.flow_label();
                        v6.set_ver_tc_flow(tc, flow);
                    } else {
                        let mut v4 = Ipv4Packet::new_unchecked(body);
                        v4.set_dscp_ecn((v4.dscp_ecn() & !ECN_MASK) | new_ecn);
                        v4.fill_checksum();
                    }
                }
                self.finish(packet, pl_off, inner, seq)
            }
            Mode::Transport => {
                let len = loc.at + pl_len;
                self.acct.admit(len)?;
                self.advance(esp_seq, ah_seq)?;
                // Move the payload down over the IPsec headers; both ranges
                // were bounds-checked above (loc.at < pl_off, pl_end <= len).
                if loc.at > pl_off {
                    return Err(DropReason::Malformed);
                }
                packet.copy_within(pl_off..pl_end, loc.at);
                wr8(packet, loc.nh_pos, nh)?;
                let field = if loc.v6 { len - IPV6_HEADER_LEN } else { len };
                let field = u16::try_from(field).map_err(|_| DropReason::BadLength)?;
                if loc.v6 {
                    wr16(packet, ipv6::field::LENGTH.start, field)?;
                } else {
                    wr16(packet, ipv4::field::LENGTH.start, field)?;
                    ip::ipv4_fill_checksum(packet)?;
                }
                self.finish(packet, 0, IpPacket { v6: loc.v6, len }, seq)
            }
        }
    }

    fn advance(&mut self, esp_seq: Option<u64>, ah_seq: Option<u64>) -> Result<(), DropReason> {
        if let Some(e) = &mut self.esp {
            replay_advance(&mut e.window, esp_seq)?;
        }
        if let Some(a) = &mut self.ah {
            replay_advance(&mut a.window, ah_seq)?;
        }
        Ok(())
    }

    fn finish(
        &mut self,
        packet: &[u8],
        start: usize,
        inner: IpPacket,
        seq: u64,
    ) -> Result<Decapsulated, DropReason> {
        let b = packet.get(start..).ok_or(DropReason::Truncated)?;
        let selector = ip::selector(b, inner)?;
        let soft_expired = self.acct.record(inner.len);
        Ok(Decapsulated {
            start,
            len: inner.len,
            seq,
            selector,
            soft_expired,
        })
    }
}
