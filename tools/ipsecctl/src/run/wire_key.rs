//! What an inbound packet is looked up by: ESP, AH or ESP in UDP, its SPI and destination.

use std::net::IpAddr;

use ipsec_engine::wire::field::read32;
use ipsec_engine::wire::{ah, esp, proto, NAT_T_PORT, UDP_HEADER_LEN};

use crate::select::PacketSummary;

/// Key an inbound packet is looked up by: protocol on the wire, SPI,
/// destination, and whether it came in UDP.
#[derive(Debug, Clone, Copy)]
pub(super) struct WireKey {
    pub(super) proto: u8,
    pub(super) spi: u32,
    pub(super) dst: IpAddr,
    pub(super) udp: bool,
}

/// What an inbound packet is for the SA lookup.
#[derive(Debug, Clone, Copy)]
pub(super) enum WireLookup {
    /// ESP, AH or ESP in UDP with its SPI.
    Key(WireKey),
    /// Not IPsec (or NAT keepalive / IKE on the NAT-T port).
    NotIpsec,
    /// ESP, AH or ESP in UDP too short to hold an SPI.
    Runt,
}

/// ESP/AH/ESP-in-UDP detection. `Err(())` for an IPsec fragment.
pub(super) fn wire_key(
    ip: &[u8],
    s: &PacketSummary,
    encap_ports: &[u16],
) -> Result<WireLookup, ()> {
    let l4 = s.l4_offset.and_then(|o| ip.get(o..));
    let key = |proto: u8, spi: Option<u32>, udp: bool| {
        spi.map_or(WireLookup::Runt, |spi| {
            WireLookup::Key(WireKey {
                proto,
                spi,
                dst: s.dst,
                udp,
            })
        })
    };
    match s.proto {
        Some(proto::ESP | proto::AH) if s.fragment => Err(()),
        Some(proto::ESP) => Ok(key(
            proto::ESP,
            l4.and_then(|l| read32(l, esp::field::SPI)),
            false,
        )),
        Some(proto::AH) => Ok(key(
            proto::AH,
            l4.and_then(|l| read32(l, ah::field::SPI)),
            false,
        )),
        Some(proto::UDP) => {
            let Some(l) = l4 else {
                return Ok(WireLookup::NotIpsec);
            };
            let Some((_, dport)) = s.ports else {
                return Ok(WireLookup::NotIpsec);
            };
            if dport != NAT_T_PORT && !encap_ports.contains(&dport) {
                return Ok(WireLookup::NotIpsec);
            }
            let payload = l.get(UDP_HEADER_LEN..).unwrap_or(&[]);
            // NAT keepalive (0xff) and IKE (non-ESP marker) are not ESP; neither is an
            // empty datagram.
            if payload.is_empty() || payload == [0xff] || payload.get(..4) == Some(&[0, 0, 0, 0]) {
                return Ok(WireLookup::NotIpsec);
            }
            if s.fragment {
                return Err(());
            }
            Ok(key(proto::ESP, read32(payload, esp::field::SPI), true))
        }
        _ => Ok(WireLookup::NotIpsec),
    }
}
