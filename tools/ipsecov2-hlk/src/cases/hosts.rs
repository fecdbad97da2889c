//! What the emulated-host groups (`two-hosts`, `pause-restart`, `offload-config`, `churn`)
//! share: running hosts (`ipsecov2_ndis_emu::host`), the expected capabilities, a transform of
//! one direction (`Xform`) installed on two hosts and traffic exchanged between them.

use super::{ensure, eq, status};
use crate::capture;
use crate::target::ModuleUnderTest;
use crate::Outcome;
use ipsecov2_abi::*;
use ipsecov2_filter_core::state::FilterState;
use ipsecov2_filter_core::{caps, CapabilityConfig};
use ipsecov2_ndis_emu::host::{Host, HostConfig, HostError};
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::tcpip::{
    bundle, esp_algs, frame, masked, send_nbl, AhAlg, BundleSpec, EspAlg, Framed, Ip, Layer,
};

pub(super) fn he(e: HostError) -> String {
    e.to_string()
}

/// A host attached and restarted (Running).
pub(super) fn running(config: HostConfig) -> Result<Host, String> {
    let mut h = Host::new(config);
    h.attach().map_err(he)?;
    h.restart().map_err(he)?;
    eq("state after restart", h.state(), FilterState::Running)?;
    Ok(h)
}

pub(super) fn host(seed: u64) -> Result<Host, String> {
    running(HostConfig {
        seed,
        ..HostConfig::default()
    })
}

pub(super) fn full_caps(capacity: u32) -> NDIS_IPSEC_OFFLOAD_V2 {
    caps::ipsec_v2_capabilities(&CapabilityConfig {
        sa_offload_capacity: capacity,
    })
}

/// Everything of `got` but `IPsecV2` equals `want`; of `Flags`, the checksum coexistence flags
/// are the filter's: both set when it reports IPsecOV2 (`Ah` or `Esp`), else both clear.
pub(super) fn same_but_ipsec(got: &NDIS_OFFLOAD, want: &NDIS_OFFLOAD) -> Outcome {
    let coexistence = IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE
        | IPSEC_OFFLOAD_V2_AND_UDP_CHECKSUM_COEXISTENCE;
    let reported = got.IPsecV2.Ah != FALSE || got.IPsecV2.Esp != FALSE;
    ensure!(
        got.Flags == (want.Flags & !coexistence) | if reported { coexistence } else { 0 },
        "Flags {:#x} above a miniport's {:#x} (IPsecOV2 reported: {reported})",
        got.Flags,
        want.Flags
    );
    let mut x = *got;
    x.IPsecV2 = want.IPsecV2;
    x.Flags = want.Flags;
    ensure!(
        x == *want,
        "an offload other than IPsecOV2 changed on the way up"
    );
    Ok(())
}

/// A plain (non-IPsec) UDP/IPv4 frame.
pub(super) fn plain_frame() -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    f
}

/// The transform of one direction.
#[derive(Clone)]
pub(super) struct Xform {
    pub(super) esp: Option<EspAlg>,
    pub(super) ah: Option<AhAlg>,
    pub(super) v6: bool,
    pub(super) esn: bool,
    pub(super) udp: u32,
}

impl Xform {
    pub(super) fn add_sa(&self, spi: u32, inbound: bool) -> AddSa {
        bundle(BundleSpec {
            esp: self.esp.as_ref().map(|a| (a, spi)),
            ah: self.ah.as_ref().map(|a| (a, spi + 1)),
            v6: self.v6,
            inbound,
            esn: self.esn,
            udp: self.udp,
        })
    }

    pub(super) fn layer(&self, spi: u32) -> Layer {
        Layer {
            esp: self.esp.as_ref().map(|a| (a.shape, spi)),
            ah: self.ah.as_ref().map(|a| (a.shape, spi + 1)),
            udp: self.udp != 0,
        }
    }
}

/// ADD_SA on a host, recorded for `--pcap`.
pub(super) fn add_recorded<M: ModuleUnderTest>(h: &mut M, sa: &AddSa) -> Result<u64, String> {
    let handle = h.add_sa(sa)?;
    capture::record_add_sa(sa, handle);
    Ok(handle)
}

/// `from` sends `n` packets of transform `x` (SPI `spi`, outbound handle `out`) in one chain to
/// `to` over the wire; checks the send completion, the wire, and what `to`'s TCP/IP got.
pub(super) fn exchange<M: ModuleUnderTest>(
    from: &mut M,
    to: &mut M,
    x: &Xform,
    spi: u32,
    out: u64,
    seq: u32,
    n: usize,
) -> Outcome {
    let layer = x.layer(spi);
    let ip = Ip {
        v6: x.v6,
        extras: false,
    };
    let frames: Vec<Framed> = (0..n)
        .map(|i| {
            let len = [0usize, 1, 63, 700, 1400][i % 5];
            let payload = from.rng().bytes(len);
            frame(&ip, &layer, seq + i as u32, &payload, 6)
        })
        .collect();
    // One NBL per packet: slot 12 (NextHeader, PadLength) belongs to the NBL, and the packets
    // differ in length.
    let specs = frames
        .iter()
        .map(|f| send_nbl(from.rng(), &[&f.frame], out, 0, f.header_info))
        .collect();
    let (statuses, wire) = from.send(specs)?;
    for s in statuses {
        status(
            "send completion",
            s.unwrap_or(NDIS_STATUS_PENDING),
            NDIS_STATUS_SUCCESS,
        )?;
    }
    eq("frames on the wire", wire.len(), n)?;
    for (w, f) in wire.iter().zip(&frames) {
        eq("wire length", w.len(), f.frame.len())?;
        for &(s, e) in &f.encrypted {
            ensure!(
                e - s < 8 || w.get(s..e) != f.frame.get(s..e),
                "payload [{s}..{e}) in clear on the wire"
            );
        }
        capture::hook(|cap, case| {
            cap.frame(
                case,
                capture::Wire::Sent {
                    wire: w,
                    plain: &f.frame,
                    handle: out,
                    tunnel: 0,
                },
            );
        });
    }
    let got = M::deliver(from, to)?;
    eq("packets indicated to TCP/IP", got.len(), n)?;
    for (i, (((frame, view), f), w)) in got.iter().zip(&frames).zip(&wire).enumerate() {
        capture::hook(|cap, case| {
            cap.frame(
                case,
                capture::Wire::Received {
                    wire: w,
                    result: capture::RxResult {
                        crypto_done: view.crypto_done,
                        status: view.status,
                    },
                },
            );
        });
        ensure!(view.crypto_done, "packet {i}: CryptoDone clear");
        eq(
            &format!("packet {i}: CryptoStatus"),
            view.status,
            CRYPTO_SUCCESS,
        )?;
        if let Some((nh, pad)) = f.trailer {
            ensure!(view.header_set, "packet {i}: HeaderInfoSet clear");
            eq(
                &format!("packet {i}: NextHeader/PadLength"),
                (view.next_header, view.pad),
                (nh, pad),
            )?;
        }
        ensure!(
            masked(frame, &f.written) == masked(&f.frame, &f.written),
            "packet {i}: what TCP/IP got differs from what the peer sent"
        );
    }
    Ok(())
}

pub(super) fn gcm() -> Result<EspAlg, String> {
    esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .ok_or_else(|| "no gcm128 transform".to_string())
}
