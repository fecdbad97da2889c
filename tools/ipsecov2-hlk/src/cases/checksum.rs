//! Cases `send/checksum/...`: TCP/IP asks for IPv4 header, TCP and UDP checksum offload on
//! protected packets (`TcpIpChecksumNetBufferListInfo`), over IPv4 and IPv6, in transport mode,
//! tunnel mode, UDP-ESP and transport over tunnel; the filter must send every checksum right. Checked on the wire (the
//! outer IPv4 header, UDP-ESP's UDP checksum) and on what the peer decrypts (byte for byte the
//! frame with every checksum done). With `--pcap` the captures record that frame as TCP/IP's,
//! and the interop tests verify every checksum of them with tshark.

use super::scenario::*;
use super::{case, ensure};
use crate::tcpip::*;
use crate::{capture, Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::checksum::MiniportChecksum;
use ipsecov2_filter_core::{HostTxBuffer, HostTxPool, SendDrop, SendSink};
use ipsecov2_nbl::NblChain;
use ipsecov2_ndis_emu::host::{nic_offload, transmit_checksum_offload, without_transmit_checksum};
use ipsecov2_ndis_emu::sink::RecordingSink;
use ipsecov2_ndis_emu::{OwnedNblChain, SplitMix64};

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
                    v.push(case(
                        G,
                        format!("checksum/{alg}/{mode}/{fam}/{l4}"),
                        "TCP/IP leaves the IPv4 header and TCP/UDP checksums to the NIC: every \
                         checksum right on the wire and in what the peer decrypts",
                        move || checksum_roundtrip(s, upper, req, seed),
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
                    v.push(case(
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
                        move || checksum_by_miniport(s, req, offloads, seed),
                    ));
                }
            }
        }
    }
    for v6 in [false, true] {
        seed += 1;
        v.push(case(
            G,
            format!(
                "checksum/esp-aes256-sha256-over-gcm128-16/transport-over-tunnel/{}/tcp",
                if v6 { "ipv6" } else { "ipv4" }
            ),
            "transport over tunnel: TCP/IP leaves both IPv4 header checksums and the TCP checksum \
             to the NIC; every checksum right on the wire and in what the peer decrypts",
            move || checksum_transport_over_tunnel(v6, seed),
        ));
    }
}

/// Transport mode (ESP AES-256-CBC + HMAC-SHA-256) over an ESP AES-GCM-128 tunnel, TCP.
fn checksum_transport_over_tunnel(v6: bool, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let esps = esp_algs();
    let te = esps.get(ESP_GCM128).ok_or("alg")?;
    let pe = esps
        .iter()
        .find(|a| a.name == "aes256+sha256")
        .ok_or("alg")?;
    let (tx, rx) = (core()?, core()?);
    let (t_spi, p_spi) = (0x7800 + seed as u32, 0x7900 + seed as u32);
    let sa = |alg, spi, inbound| {
        bundle(BundleSpec {
            esp: Some((alg, spi)),
            v6,
            inbound,
            ..BundleSpec::default()
        })
    };
    let th = add(&tx, &sa(te, t_spi, false))?;
    let ph = add(&tx, &sa(pe, p_spi, false))?;
    add(&rx, &sa(te, t_spi, true))?;
    add(&rx, &sa(pe, p_spi, true))?;
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
        let wire = send_checksummed(&tx, &mut rng, &cf, ph, th)?;
        check_wire(std::slice::from_ref(&wire), std::slice::from_ref(&cf.sent))?;
        outer_checksums_ok(&wire, false).map_err(|e| format!("payload {len}: {e}"))?;
        let got = receive_through(&rx, &mut rng, std::slice::from_ref(&wire), 0)?;
        check_received(&got, &[cf.expected_framed()], true)
            .map_err(|e| format!("payload {len}: {e}"))?;
    }
    Ok(())
}

fn checksum_roundtrip(s: Scn, upper: u8, req: ChecksumOffload, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let p = peers(&s, 0x0700_0000 | (seed as u32 & 0xfff) << 4)?;
    for len in [1usize, 45, 300] {
        let cf = frame_checksummed(
            &ip(s.v6),
            &p.layer,
            s.tunnel,
            2,
            upper,
            &rng.bytes(len),
            req,
        );
        ensure!(
            cf.sent.frame != cf.expected,
            "payload {len}: the emulated TCP/IP left no checksum to the NIC"
        );
        let wire = send_checksummed(&p.tx, &mut rng, &cf, p.handle, 0)?;
        check_wire(std::slice::from_ref(&wire), std::slice::from_ref(&cf.sent))?;
        outer_checksums_ok(&wire, s.udp && req.udp).map_err(|e| format!("payload {len}: {e}"))?;
        let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&wire), 0)?;
        check_received(&got, &[cf.expected_framed()], false)
            .map_err(|e| format!("payload {len}: {e}"))?;
    }
    Ok(())
}

/// TCP over `s`'s SA with `req` asked of the NIC, above a miniport that offers transmit checksum
/// offload (`offloads`) or none: who computed each outer checksum (the request the copy carries
/// down), and every checksum right once the miniport has done its part.
fn checksum_by_miniport(s: Scn, req: ChecksumOffload, offloads: bool, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let p = peers(&s, 0x0740_0000 | (seed as u32 & 0xfff) << 4)?;
    let nic = if offloads {
        nic_offload()
    } else {
        without_transmit_checksum(nic_offload())
    };
    for len in [1usize, 45, 300] {
        let cf = frame_checksummed(
            &ip(s.v6),
            &p.layer,
            s.tunnel,
            2,
            proto::TCP,
            &rng.bytes(len),
            req,
        );
        let (wire, info) = send_offloaded(&p.tx, &mut rng, &cf, p.handle, &nic)?;
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
        let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&wire), 0)?;
        check_received(&got, &[cf.expected_framed()], false)
            .map_err(|e| format!("payload {len}: {e}"))?;
    }
    Ok(())
}

/// A send sink that also records the `TcpIpChecksumNetBufferListInfo` value the copy carries.
#[derive(Default)]
struct OffloadSink {
    inner: RecordingSink,
    info: Option<usize>,
}

impl<'a> SendSink<'a, HostTxBuffer> for OffloadSink {
    fn pass_down(&mut self, nbl: NblChain<'a>) {
        self.inner.pass_down(nbl);
    }
    fn stage(&mut self, packet: HostTxBuffer) {
        self.inner.stage(packet);
    }
    fn protected(&mut self, original: NblChain<'a>) {
        self.info = Some(0);
        self.inner.protected(original);
    }
    fn protected_with_checksum(&mut self, original: NblChain<'a>, checksum_info: usize) {
        self.info = Some(checksum_info);
        self.inner.protected(original);
    }
    fn complete(&mut self, original: NblChain<'a>, status: NDIS_STATUS, reason: SendDrop) {
        self.inner.complete(original, status, reason);
    }
}

/// Sends `cf` (one NET_BUFFER, no tunnel SA) through `core` above a miniport whose current
/// offload is `nic`, then lets that miniport do what the copy's checksum request asks
/// (`transmit_checksum_offload`, as the emulated miniport does on transmit). Returns the frame
/// on the wire and the request the copy carried; with `--pcap` records the frame.
fn send_offloaded(
    core: &Core,
    rng: &mut SplitMix64,
    cf: &ChecksumFramed,
    handle: u64,
    nic: &NDIS_OFFLOAD,
) -> Result<(Vec<u8>, usize), String> {
    let pool = HostTxPool::new(1, 4096);
    let mut spec = send_nbl(rng, &[&cf.sent.frame], handle, 0, cf.sent.header_info);
    spec.info.push((TcpIpChecksumNetBufferListInfo, cf.slot));
    let mut owned = OwnedNblChain::build(&[spec]).map_err(|e| format!("emulation: {e:?}"))?;
    let mut sink = OffloadSink::default();
    core.send_offloading(
        owned.chain(),
        &ipsecov2_nbl::SystemVaMapper,
        &pool,
        &mut sink,
        MiniportChecksum::from_offload(&nic.Checksum),
    );
    if let Some(e) = sink.inner.errors.first() {
        return Err(e.clone());
    }
    let info = sink.info.ok_or("send: the copy never went down")?;
    let mut wire = match sink.inner.events.into_iter().next() {
        Some((_, Sent::Protected(mut p))) if p.len() == 1 => p.remove(0),
        other => return Err(format!("send: expected protected, got {other:?}")),
    };
    if info != 0 {
        ensure!(
            transmit_checksum_offload(&mut wire, info, nic),
            "the miniport computed nothing of the copy's request {info:#x}"
        );
    }
    capture::hook(|cap, case| {
        cap.frame(
            case,
            capture::Wire::Sent {
                wire: &wire,
                plain: &cf.expected,
                handle,
                tunnel: 0,
            },
        );
    });
    Ok((wire, info))
}

/// Sends `cf` (one NET_BUFFER, slots 1 / 12 and the checksum request) through `core`; with
/// `--pcap` records the frame with its checksums done as TCP/IP's (the bytes a peer decrypts).
fn send_checksummed(
    core: &Core,
    rng: &mut SplitMix64,
    cf: &ChecksumFramed,
    handle: u64,
    tunnel: u64,
) -> Result<Vec<u8>, String> {
    let pool = HostTxPool::new(1, 4096);
    let mut spec = send_nbl(rng, &[&cf.sent.frame], handle, tunnel, cf.sent.header_info);
    spec.info.push((TcpIpChecksumNetBufferListInfo, cf.slot));
    let mut owned = OwnedNblChain::build(&[spec]).map_err(|e| format!("emulation: {e:?}"))?;
    let mut sink = RecordingSink::default();
    core.send(
        owned.chain(),
        &ipsecov2_nbl::SystemVaMapper,
        &pool,
        &mut sink,
    );
    if let Some(e) = sink.errors.first() {
        return Err(e.clone());
    }
    owned.relink();
    if owned.read_nb(0, 0).ok().as_deref() != Some(cf.sent.frame.as_slice()) {
        return Err("send modified TCP/IP's buffer".into());
    }
    if pool.free_count() != pool.count() {
        return Err("transmit buffers not returned to the pool".into());
    }
    let wire = match sink.events.into_iter().next() {
        Some((_, Sent::Protected(mut p))) if p.len() == 1 => p.remove(0),
        other => return Err(format!("send: expected protected, got {other:?}")),
    };
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
    Ok(wire)
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
