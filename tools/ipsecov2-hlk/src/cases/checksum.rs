//! Cases `send/checksum/...`: TCP/IP asks for IPv4 header, TCP and UDP checksum offload on
//! protected packets (`TcpIpChecksumNetBufferListInfo`), over IPv4 and IPv6, in transport mode,
//! tunnel mode, UDP-ESP and transport over tunnel; the filter must send every checksum right. Checked on the wire (the
//! outer IPv4 header, UDP-ESP's UDP checksum) and on what the peer decrypts (byte for byte the
//! frame with every checksum done). With `--pcap` the captures record that frame as TCP/IP's,
//! and the interop tests verify every checksum of them with tshark.

use super::scenario::*;
use super::{ensure, module_case};
use crate::target::{DatapathPair, PairAdapter};
use crate::tcpip::*;
use crate::{capture, Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::host::{nic_offload, without_transmit_checksum};
use ipsecov2_ndis_emu::SplitMix64;

/// IP protocol numbers.
mod proto {
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
}

/// The ESP transform (AES-GCM-128, 16-byte ICV) and the AH transform (HMAC-SHA-256) used.
const ESP_GCM128: usize = 2;
const AH_SHA256: usize = 2;

pub fn checksum_cases(v: &mut Vec<Case>) {
    const G: &str = "send";
    let mut seed = 7000;
    for (alg, esp, ah) in [
        ("esp-gcm128-16", Some(ESP_GCM128), None),
        ("ah-sha256", None, Some(AH_SHA256)),
    ] {
        for mode in ["transport", "tunnel", "udp-esp"] {
            if mode == "udp-esp" && esp.is_none() {
                continue;
            }
            for v6 in [false, true] {
                for upper in [proto::TCP, proto::UDP] {
                    seed += 1;
                    let mut s = Scn::new(esp, ah, v6, mode == "tunnel");
                    s.udp = mode == "udp-esp";
                    let req = ChecksumOffload {
                        ip: true,
                        tcp: upper == proto::TCP,
                        udp: upper == proto::UDP || s.udp,
                    };
                    let l4 = if upper == proto::TCP { "tcp" } else { "udp" };
                    let fam = if v6 { "ipv6" } else { "ipv4" };
                    v.push(module_case(
                        G,
                        format!("checksum/{alg}/{mode}/{fam}/{l4}"),
                        "TCP/IP leaves the IPv4 header and TCP/UDP checksums to the NIC: every \
                         checksum right on the wire and in what the peer decrypts",
                        move || on_pair!(checksum_roundtrip(s, upper, req, seed)),
                    ));
                }
            }
        }
    }
    for offloads in [true, false] {
        let who = if offloads {
            "miniport-offloads"
        } else {
            "miniport-without-offload"
        };
        for (alg, esp, ah) in [
            ("esp-gcm128-16", Some(ESP_GCM128), None),
            ("ah-sha256", None, Some(AH_SHA256)),
        ] {
            for mode in ["transport", "tunnel", "udp-esp"] {
                if mode == "udp-esp" && esp.is_none() {
                    continue;
                }
                for v6 in [false, true] {
                    seed += 1;
                    let mut s = Scn::new(esp, ah, v6, mode == "tunnel");
                    s.udp = mode == "udp-esp";
                    let req = ChecksumOffload {
                        ip: true,
                        tcp: true,
                        udp: s.udp,
                    };
                    let fam = if v6 { "ipv6" } else { "ipv4" };
                    v.push(module_case(
                        G,
                        format!("checksum/{who}/{alg}/{mode}/{fam}/tcp"),
                        if offloads {
                            "the miniport offers transmit checksum offload: the outer IPv4 header \
                             and UDP-ESP checksums are left to it (the request on the copy), the \
                             inner ones computed by the filter; every checksum right on the wire"
                        } else {
                            "the miniport offers no transmit checksum offload: the filter \
                             computes every checksum (no request on the copy); every checksum \
                             right on the wire"
                        },
                        move || on_pair!(checksum_by_miniport(s, req, offloads, seed)),
                    ));
                }
            }
        }
    }
    for v6 in [false, true] {
        seed += 1;
        v.push(module_case(
            G,
            format!(
                "checksum/esp-aes256-sha256-over-gcm128-16/transport-over-tunnel/{}/tcp",
                if v6 { "ipv6" } else { "ipv4" }
            ),
            "transport over tunnel: TCP/IP leaves both IPv4 header checksums and the TCP checksum \
             to the NIC; every checksum right on the wire and in what the peer decrypts",
            move || on_pair!(checksum_transport_over_tunnel(v6, seed)),
        ));
    }
}

/// Transport mode (ESP AES-256-CBC + HMAC-SHA-256) over an ESP AES-GCM-128 tunnel, TCP.
fn checksum_transport_over_tunnel<P: DatapathPair>(v6: bool, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let esps = esp_algs();
    let te = esps.get(ESP_GCM128).ok_or("alg")?;
    let pe = esps
        .iter()
        .find(|a| a.name == "aes256+sha256")
        .ok_or("alg")?;
    let mut p = P::open(&PairAdapter::default())?;
    let (t_spi, p_spi) = (0x7800 + seed as u32, 0x7900 + seed as u32);
    let sa = |alg, spi, inbound| {
        bundle(BundleSpec {
            esp: Some((alg, spi)),
            v6,
            inbound,
            ..BundleSpec::default()
        })
    };
    let th = p.add_tx(&sa(te, t_spi, false))?;
    let ph = p.add_tx(&sa(pe, p_spi, false))?;
    p.add_rx(&sa(te, t_spi, true))?;
    p.add_rx(&sa(pe, p_spi, true))?;
    let layer = |alg: &EspAlg, spi| Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let req = ChecksumOffload {
        ip: true,
        tcp: true,
        udp: false,
    };
    for len in [1usize, 61, 300] {
        let cf = frame_tunnel_checksummed(
            &ip(v6),
            &layer(te, t_spi),
            &ip(v6),
            &layer(pe, p_spi),
            9,
            &rng.bytes(len),
            req,
        );
        let (wire, _) = send_checksummed(&mut p, &mut rng, &cf, ph, th)?;
        check_wire(std::slice::from_ref(&wire), std::slice::from_ref(&cf.sent))?;
        outer_checksums_ok(&wire, false).map_err(|e| format!("payload {len}: {e}"))?;
        let got = p.receive(&mut rng, std::slice::from_ref(&wire))?;
        check_received(&got, &[cf.expected_framed()], true)
            .map_err(|e| format!("payload {len}: {e}"))?;
    }
    p.finish()
}

/// A sender and a receiver over `adapter` with `s`'s SAs (ESP SPI `spi`); the outbound handle
/// and the layer TCP/IP frames with.
fn checksum_pair<P: DatapathPair>(
    s: &Scn,
    spi: u32,
    adapter: &PairAdapter,
) -> Result<(P, u64, Layer), String> {
    let (out, inbound, layer) = bundles(s, spi)?;
    let mut p = P::open(adapter)?;
    let handle = p.add_tx(&out).map_err(|x| format!("outbound: {x}"))?;
    p.add_rx(&inbound).map_err(|x| format!("inbound: {x}"))?;
    Ok((p, handle, layer))
}

fn checksum_roundtrip<P: DatapathPair>(
    s: Scn,
    upper: u8,
    req: ChecksumOffload,
    seed: u64,
) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let (mut p, handle, layer) = checksum_pair::<P>(
        &s,
        0x0700_0000 | (seed as u32 & 0xfff) << 4,
        &PairAdapter::default(),
    )?;
    for len in [1usize, 45, 300] {
        let cf = frame_checksummed(&ip(s.v6), &layer, s.tunnel, 2, upper, &rng.bytes(len), req);
        ensure!(
            cf.sent.frame != cf.expected,
            "payload {len}: the emulated TCP/IP left no checksum to the NIC"
        );
        let (wire, info) = send_checksummed(&mut p, &mut rng, &cf, handle, 0)?;
        ensure!(
            info == 0,
            "payload {len}: checksum request {info:#x} left to a miniport that offers none"
        );
        check_wire(std::slice::from_ref(&wire), std::slice::from_ref(&cf.sent))?;
        outer_checksums_ok(&wire, s.udp && req.udp).map_err(|e| format!("payload {len}: {e}"))?;
        let got = p.receive(&mut rng, std::slice::from_ref(&wire))?;
        check_received(&got, &[cf.expected_framed()], false)
            .map_err(|e| format!("payload {len}: {e}"))?;
    }
    p.finish()
}

/// TCP over `s`'s SA with `req` asked of the NIC, above a miniport that offers transmit checksum
/// offload (`offloads`) or none: who computed each outer checksum (the request the copy carries
/// down), and every checksum right once the miniport has done its part.
fn checksum_by_miniport<P: DatapathPair>(
    s: Scn,
    req: ChecksumOffload,
    offloads: bool,
    seed: u64,
) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let nic = if offloads {
        nic_offload()
    } else {
        without_transmit_checksum(nic_offload())
    };
    let adapter = PairAdapter {
        offload: Some(nic),
        ..PairAdapter::default()
    };
    let (mut p, handle, layer) =
        checksum_pair::<P>(&s, 0x0740_0000 | (seed as u32 & 0xfff) << 4, &adapter)?;
    for len in [1usize, 45, 300] {
        let cf = frame_checksummed(
            &ip(s.v6),
            &layer,
            s.tunnel,
            2,
            proto::TCP,
            &rng.bytes(len),
            req,
        );
        let (wire, info) = send_checksummed(&mut p, &mut rng, &cf, handle, 0)?;
        let c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO { Value: info };
        let (want_ip, want_udp) = if offloads {
            (!s.v6, s.udp)
        } else {
            (false, false)
        };
        ensure!(
            c.transmit_ip_header_checksum() == want_ip
                && c.transmit_udp_checksum() == want_udp
                && !c.transmit_tcp_checksum(),
            "payload {len}: copy's checksum request {info:#x}: IPv4 header {}, UDP {} left to the \
             miniport, expected {want_ip}, {want_udp}",
            c.transmit_ip_header_checksum(),
            c.transmit_udp_checksum()
        );
        if want_ip || want_udp {
            ensure!(
                c.transmit_is_ipv4() != c.transmit_is_ipv6() && c.transmit_is_ipv4() != s.v6,
                "payload {len}: copy's checksum request {info:#x} names the wrong IP version"
            );
        }
        check_wire(std::slice::from_ref(&wire), std::slice::from_ref(&cf.sent))?;
        outer_checksums_ok(&wire, s.udp).map_err(|e| format!("payload {len}: {e}"))?;
        let got = p.receive(&mut rng, std::slice::from_ref(&wire))?;
        check_received(&got, &[cf.expected_framed()], false)
            .map_err(|e| format!("payload {len}: {e}"))?;
    }
    p.finish()
}

/// TCP/IP sends `cf` (one NET_BUFFER, slots 1 / 11 / 12 and the checksum request) through the
/// pair's sender: it completes with success and one frame reaches the wire (with the miniport's
/// part of the checksums done), returned with the checksum request its NBL carried down. With
/// `--pcap` the frame is recorded with TCP/IP's frame with every checksum done (the bytes a
/// peer decrypts).
fn send_checksummed<P: DatapathPair>(
    p: &mut P,
    rng: &mut SplitMix64,
    cf: &ChecksumFramed,
    handle: u64,
    tunnel: u64,
) -> Result<(Vec<u8>, usize), String> {
    let mut spec = send_nbl(rng, &[&cf.sent.frame], handle, tunnel, cf.sent.header_info);
    spec.info.push((TcpIpChecksumNetBufferListInfo, cf.slot));
    let (statuses, mut wire) = p.send(vec![spec])?;
    ensure!(
        statuses == [Some(NDIS_STATUS_SUCCESS)],
        "send completion: {statuses:x?}, want [Some(0)]"
    );
    ensure!(
        wire.len() == 1,
        "send: {} frames on the wire, want 1",
        wire.len()
    );
    let (wire, info) = wire.remove(0);
    let info = info.ok_or("the target does not report the copy's checksum request")?;
    capture::hook(|cap, case| {
        cap.frame(
            case,
            capture::Wire::Sent {
                wire: &wire,
                plain: &cf.expected,
                handle,
                tunnel,
            },
        );
    });
    Ok((wire, info))
}

/// The checksums readable on the wire: the outer IPv4 header's, and UDP-ESP's UDP checksum
/// (`udp`: TCP/IP asked for it; over IPv6 the filter always computes it).
fn outer_checksums_ok(frame: &[u8], udp: bool) -> Outcome {
    let ip = frame.get(ETH..).ok_or("short frame")?;
    let v6 = ip.first().is_some_and(|b| b >> 4 == 6);
    if !v6 {
        let ihl = usize::from(ip.first().map_or(0, |b| b & 0x0f)) * 4;
        let header = ip.get(..ihl).ok_or("short IPv4 header")?;
        ensure!(
            ones_complement_sum(header) == 0xffff,
            "outer IPv4 header checksum wrong on the wire"
        );
    }
    if let Some(u) = udp_esp_offset(frame) {
        let len = usize::from(u16::from_be_bytes([ip[u + 4], ip[u + 5]]));
        let seg = ip.get(u..u + len).ok_or("short UDP-ESP")?;
        let stored = u16::from_be_bytes([seg[6], seg[7]]);
        if udp || v6 {
            let mut zeroed = seg.to_vec();
            zeroed[6..8].fill(0);
            let want = upper_checksum(v6, proto::UDP, &zeroed);
            ensure!(
                stored == want,
                "UDP-ESP checksum {stored:#06x} on the wire, expected {want:#06x}"
            );
        }
    }
    Ok(())
}

/// The folded one's-complement sum of 16-bit big-endian words (0xffff over a header whose
/// checksum is right).
fn ones_complement_sum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}
