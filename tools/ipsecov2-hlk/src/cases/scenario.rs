//! What the `send`, `receive` and `combinations` groups share: a scenario (`Scn`: transforms,
//! IP version, mode, ESN, UDP-ESP), the outbound and inbound SAs for it installed on a
//! [`DatapathPair`] of the current target, frames built like TCP/IP, and the check of what
//! arrived on the wire and above the receiving module.

use super::{ensure, eq};
use crate::target::DatapathPair;
use crate::tcpip::*;
use crate::Outcome;
use ipsec_engine::wire::Ipv4Packet;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::SplitMix64;

pub(super) const PAYLOAD_LENS: [usize; 3] = [0, 37, 200];

pub(super) fn ip(v6: bool) -> Ip {
    Ip { v6, extras: false }
}

/// One datapath scenario.
#[derive(Clone, Copy)]
pub(super) struct Scn {
    pub(super) esp: Option<usize>,
    pub(super) ah: Option<usize>,
    pub(super) v6: bool,
    pub(super) extras: bool,
    pub(super) tunnel: bool,
    pub(super) udp: bool,
    pub(super) esn: bool,
}

impl Scn {
    pub(super) fn new(esp: Option<usize>, ah: Option<usize>, v6: bool, tunnel: bool) -> Self {
        Self {
            esp,
            ah,
            v6,
            extras: false,
            tunnel,
            udp: false,
            esn: false,
        }
    }
}

/// The outbound and inbound ADD_SA elements of scenario `s` (ESP SPI `spi`, AH `spi + 1`) and
/// the layer TCP/IP frames with.
pub(super) fn bundles(s: &Scn, spi: u32) -> Result<(AddSa, AddSa, Layer), String> {
    let esps = esp_algs();
    let ahs = ah_algs();
    let e = match s.esp {
        Some(i) => Some((esps.get(i).ok_or("no such ESP algorithm")?, spi)),
        None => None,
    };
    let a = match s.ah {
        Some(i) => Some((ahs.get(i).ok_or("no such AH algorithm")?, spi + 1)),
        None => None,
    };
    let udp = match (s.udp, s.tunnel) {
        (false, _) => 0,
        (true, false) => IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT,
        (true, true) => IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL,
    };
    let spec = BundleSpec {
        esp: e,
        ah: a,
        v6: s.v6,
        esn: s.esn,
        udp,
        ..BundleSpec::default()
    };
    Ok((
        bundle(spec),
        bundle(spec.inbound()),
        Layer {
            esp: e.map(|(a, spi)| (a.shape, spi)),
            ah: a.map(|(a, spi)| (a.shape, spi)),
            udp: s.udp,
        },
    ))
}

/// What TCP/IP hands the NIC for `s`: transport (TCP payload) or tunnel (an inner IP packet).
pub(super) fn frame_for(s: &Scn, layer: &Layer, seq: u32, payload: &[u8]) -> Framed {
    let outer = Ip {
        v6: s.v6,
        extras: s.extras,
    };
    if s.tunnel {
        let plain = Layer {
            esp: None,
            ah: None,
            udp: false,
        };
        let (inner, ..) = frame_ip(&ip(s.v6), &plain, seq, payload, 6);
        frame(&outer, layer, seq, &inner, if s.v6 { 41 } else { 4 })
    } else {
        frame(&outer, layer, seq, payload, 6)
    }
}

pub(super) fn check_received(
    got: &[(RecvView, Vec<u8>)],
    frames: &[Framed],
    nested: bool,
) -> Outcome {
    eq("indicated NBLs", got.len(), frames.len())?;
    for (i, ((view, bytes), f)) in got.iter().zip(frames).enumerate() {
        ensure!(view.crypto_done, "packet {i}: CryptoDone clear ({view:?})");
        eq(
            &format!("packet {i}: NextCryptoDone"),
            view.next_crypto_done,
            nested,
        )?;
        eq(
            &format!("packet {i}: CryptoStatus"),
            view.status,
            CRYPTO_SUCCESS,
        )?;
        ensure!(!view.delete_req, "packet {i}: SaDeleteReq set");
        match f.trailer {
            Some((nh, pad)) => {
                ensure!(view.header_set, "packet {i}: HeaderInfoSet clear");
                eq(
                    &format!("packet {i}: NextHeader/PadLength"),
                    (view.next_header, view.pad),
                    (nh, pad),
                )?;
            }
            None => ensure!(
                !view.header_set,
                "packet {i}: HeaderInfoSet on an AH-only packet"
            ),
        }
        ensure!(
            masked(bytes, &f.written) == masked(&f.frame, &f.written),
            "packet {i}: decrypted bytes differ from what TCP/IP sent"
        );
    }
    Ok(())
}

pub(super) fn check_wire(packets: &[Vec<u8>], frames: &[Framed]) -> Outcome {
    for (p, f) in packets.iter().zip(frames) {
        eq("wire length", p.len(), f.frame.len())?;
        for &(s, e) in &f.encrypted {
            if e - s >= 8 {
                ensure!(
                    p.get(s..e) != f.frame.get(s..e),
                    "payload [{s}..{e}) not encrypted on the wire"
                );
            }
        }
    }
    Ok(())
}

/// Send two NET_BUFFERs per payload length through A, receive through B, check everything.
pub(super) fn roundtrip(s: Scn, seed: u64) -> Outcome {
    match crate::target::current() {
        crate::target::Target::Emulated => roundtrip_on::<crate::target_core::CorePair>(s, seed),
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        crate::target::Target::Sys(_) => roundtrip_on::<crate::target_sys::SysPair>(s, seed),
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        crate::target::Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
        crate::target::Target::Device(_) => {
            roundtrip_on::<crate::target_device::DevicePair>(s, seed)
        }
    }
}

fn roundtrip_on<P: crate::target::DatapathPair>(s: Scn, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let (out, inbound, layer) = bundles(&s, 0x0100_0000 | (seed as u32 & 0xfff) << 4)?;
    let (mut pair, handle) = P::install(&out, &inbound)?;
    let mut seq = 1;
    for len in PAYLOAD_LENS {
        let frames: Vec<Framed> = (0..2)
            .map(|_| {
                seq += 1;
                frame_for(&s, &layer, seq, &rng.bytes(len))
            })
            .collect();
        let refs: Vec<&Framed> = frames.iter().collect();
        let packets = pair
            .protect(&mut rng, &refs, handle, 0)
            .map_err(|e| format!("payload {len}: {e}"))?;
        check_wire(&packets, &frames)?;
        let got = pair.receive(&mut rng, &packets)?;
        check_received(&got, &frames, false).map_err(|e| format!("payload {len}: {e}"))?;
    }
    pair.finish()
}

pub(super) fn slug(name: &str) -> String {
    name.replace(['/', '+'], "-")
}

/// A [`DatapathPair`] of the current target with `s`'s SAs installed: the pair, the outbound handle and the
/// layer TCP/IP frames with.
pub(super) fn peers_on<P: DatapathPair>(s: &Scn, spi: u32) -> Result<(P, u64, Layer), String> {
    let (out, inbound, layer) = bundles(s, spi)?;
    let (p, handle) = P::install(&out, &inbound)?;
    Ok((p, handle, layer))
}

/// On a [`DatapathPair`] of the current target: one protected packet of `s` (and the
/// pair, the frame).
pub(super) fn one_on<P: DatapathPair>(
    s: Scn,
    rng: &mut SplitMix64,
    len: usize,
) -> Result<(P, Framed, Vec<u8>), String> {
    let (out, inbound, layer) = bundles(&s, 0x0200_0000)?;
    let (mut p, handle) = P::install(&out, &inbound)?;
    let f = frame_for(&s, &layer, 5, &rng.bytes(len));
    let mut w = p.protect(rng, &[&f], handle, 0)?;
    let wire = w.pop().ok_or("no packet")?;
    Ok((p, f, wire))
}

/// Runs the generic case `f(args)` on the current target's [`DatapathPair`].
macro_rules! on_pair {
    ($f:ident($($a:expr),*)) => {
        match crate::target::current() {
            crate::target::Target::Emulated => $f::<crate::target_core::CorePair>($($a),*),
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            crate::target::Target::Sys(_) => $f::<crate::target_sys::SysPair>($($a),*),
            #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
            crate::target::Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
            crate::target::Target::Device(_) => $f::<crate::target_device::DevicePair>($($a),*),
        }
    };
}
pub(super) use on_pair;

pub(super) fn esp_index(name: &str) -> Option<usize> {
    esp_algs().iter().position(|a| a.name == name)
}

/// Sets the IPv4 total length of frame `t` (Ethernet + IPv4) to what the frame holds.
pub(super) fn fix_ipv4_len(t: &mut [u8]) {
    if let Some(ip) = t.get_mut(ETH..) {
        let total = u16::try_from(ip.len()).unwrap_or(u16::MAX);
        Ipv4Packet::new_unchecked(ip).set_total_len(total);
    }
}
