//! Groups `send`, `receive` and `combinations`: frames built like TCP/IP, sent through one filter
//! core with the outbound SA, the wire bytes received through a peer core with the inbound SA.

use super::{case, ensure, eq};
use crate::tcpip::*;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::{HostTxPool, SendDrop};
use ipsecov2_ndis_emu::SplitMix64;

const PAYLOAD_LENS: [usize; 3] = [0, 37, 200];

fn ip(v6: bool) -> Ip {
    Ip { v6, extras: false }
}

/// One datapath scenario.
#[derive(Clone, Copy)]
struct Scn {
    esp: Option<usize>,
    ah: Option<usize>,
    v6: bool,
    extras: bool,
    tunnel: bool,
    udp: bool,
    esn: bool,
}

impl Scn {
    fn new(esp: Option<usize>, ah: Option<usize>, v6: bool, tunnel: bool) -> Self {
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

struct Peers {
    tx: Core,
    rx: Core,
    handle: u64,
    layer: Layer,
}

fn peers(s: &Scn, spi: u32) -> Result<Peers, String> {
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
    let tx = core()?;
    let rx = core()?;
    let handle = add(
        &tx,
        &bundle(BundleSpec {
            esp: e,
            ah: a,
            v6: s.v6,
            esn: s.esn,
            udp,
            ..BundleSpec::default()
        }),
    )
    .map_err(|x| format!("outbound: {x}"))?;
    add(
        &rx,
        &bundle(BundleSpec {
            esp: e,
            ah: a,
            v6: s.v6,
            inbound: true,
            esn: s.esn,
            udp,
        }),
    )
    .map_err(|x| format!("inbound: {x}"))?;
    Ok(Peers {
        tx,
        rx,
        handle,
        layer: Layer {
            esp: e.map(|(a, spi)| (a.shape, spi)),
            ah: a.map(|(a, spi)| (a.shape, spi)),
            udp: s.udp,
        },
    })
}

/// What TCP/IP hands the NIC for `s`: transport (TCP payload) or tunnel (an inner IP packet).
fn frame_for(s: &Scn, layer: &Layer, seq: u32, payload: &[u8]) -> Framed {
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

fn check_received(got: &[(RecvView, Vec<u8>)], frames: &[Framed], nested: bool) -> Outcome {
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

fn check_wire(packets: &[Vec<u8>], frames: &[Framed]) -> Outcome {
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
fn roundtrip(s: Scn, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let p = peers(&s, 0x0100_0000 | (seed as u32 & 0xfff) << 4)?;
    let mut seq = 1;
    for len in PAYLOAD_LENS {
        let frames: Vec<Framed> = (0..2)
            .map(|_| {
                seq += 1;
                frame_for(&s, &p.layer, seq, &rng.bytes(len))
            })
            .collect();
        let refs: Vec<&Framed> = frames.iter().collect();
        let packets = protect(&p.tx, &mut rng, &refs, p.handle, 0)
            .map_err(|e| format!("payload {len}: {e}"))?;
        check_wire(&packets, &frames)?;
        let got = receive_through(&p.rx, &mut rng, &packets, 0)?;
        check_received(&got, &frames, false).map_err(|e| format!("payload {len}: {e}"))?;
    }
    Ok(())
}

fn slug(name: &str) -> String {
    name.replace(['/', '+'], "-")
}

pub fn send(v: &mut Vec<Case>) {
    const G: &str = "send";
    let mut seed = 1000;
    for (i, e) in esp_algs().iter().enumerate() {
        for tunnel in [false, true] {
            for v6 in [false, true] {
                seed += 1;
                let s = Scn::new(Some(i), None, v6, tunnel);
                v.push(case(
                    G,
                    format!("esp-{}/{}/{}", slug(e.name), if tunnel { "tunnel" } else { "transport" }, if v6 { "ipv6" } else { "ipv4" }),
                    "send through A, receive through peer B: CryptoDone, SUCCESS, trailer, payload equal",
                    move || roundtrip(s, seed),
                ));
            }
        }
    }
    for (i, a) in ah_algs().iter().enumerate() {
        for tunnel in [false, true] {
            for v6 in [false, true] {
                seed += 1;
                let s = Scn::new(None, Some(i), v6, tunnel);
                v.push(case(
                    G,
                    format!("ah-{}/{}/{}", slug(a.name), if tunnel { "tunnel" } else { "transport" }, if v6 { "ipv6" } else { "ipv4" }),
                    "AH send through A, verify through peer B: CryptoDone, SUCCESS, no header info, bytes equal",
                    move || roundtrip(s, seed),
                ));
            }
        }
    }
    for (name, esp, ah) in [
        ("esp-gcm128-16", Some(2), None),
        ("ah-sha256", None, Some(2)),
        ("esp-aes128-sha1+ah-sha1", Some(22), Some(1)),
    ] {
        v.push(case(
            G,
            format!("{name}/transport/ipv4-802.1q"),
            "inline 802.1Q tag before the IP header: sealed and opened like an untagged frame",
            move || {
                let mut rng = SplitMix64::new(1950);
                let s = Scn::new(esp, ah, false, false);
                let p = peers(&s, 0x0240_0000)?;
                let mut f = frame_for(&s, &p.layer, 2, &rng.bytes(40));
                f.frame.splice(12..12, [0x81, 0x00, 0x00, 0x05]);
                for r in f.written.iter_mut().chain(f.encrypted.iter_mut()) {
                    *r = (r.0 + 4, r.1 + 4);
                }
                let w = protect(&p.tx, &mut rng, &[&f], p.handle, 0)?;
                check_wire(&w, std::slice::from_ref(&f))?;
                let got = receive_through(&p.rx, &mut rng, &w, 0)?;
                check_received(&got, std::slice::from_ref(&f), false)
            },
        ));
    }
    send_negative(v);
    for (name, extras_v6) in [("ipv4-options", false), ("ipv6-extension-headers", true)] {
        v.push(case(
            G,
            format!("esp-gcm128-16/transport/{name}"),
            "IPv4 Router Alert / IPv6 HBH+DestOpts before ESP",
            move || {
                let mut s = Scn::new(Some(2), None, extras_v6, false);
                s.extras = true;
                roundtrip(s, 1900 + u64::from(extras_v6))
            },
        ));
    }
}

/// Sends one NBL (`frames`, slots as given, optional extra info) through `core` with `pool`.
fn send_raw(
    core: &Core,
    rng: &mut SplitMix64,
    frames: &[&[u8]],
    handle: u64,
    header: u32,
    extra: Option<(NDIS_NET_BUFFER_LIST_INFO, usize)>,
    pool: &HostTxPool,
) -> Result<Sent, String> {
    let mut spec = send_nbl(rng, frames, handle, 0, header);
    if let Some(e) = extra {
        spec.info.push(e);
    }
    let (sent, _o) = send_through(core, &[spec], pool)?;
    sent.into_iter()
        .next()
        .ok_or_else(|| "nothing reported".into())
}

#[allow(clippy::too_many_lines)]
fn send_negative(v: &mut Vec<Case>) {
    const G: &str = "send";
    type Mk = fn(&Framed) -> (Vec<u8>, u32, Option<(NDIS_NET_BUFFER_LIST_INFO, usize)>);
    let table: [(&str, &str, Mk, Sent); 5] = [
        (
            "header-info-mismatch",
            "slot 12 NextHeader disagrees with the framed trailer: INVALID_DATA",
            |f| {
                let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(f.header_info);
                h.set_transmit_next_header(17);
                (f.frame.clone(), h.0, None)
            },
            Sent::Completed(NDIS_STATUS_INVALID_DATA, SendDrop::HeaderInfoMismatch),
        ),
        (
            "missing-esp-offset",
            "slot 12 without the ESP header offset: INVALID_DATA",
            |f| {
                let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(f.header_info);
                h.set_transmit_esp_header_offset(0);
                (f.frame.clone(), h.0, None)
            },
            Sent::Completed(NDIS_STATUS_INVALID_DATA, SendDrop::BadHeaderOffset),
        ),
        (
            "lso-with-ipsec",
            "LSO requested together with IPsec: NOT_SUPPORTED",
            |f| {
                (
                    f.frame.clone(),
                    f.header_info,
                    Some((TcpLargeSendNetBufferListInfo, 1460 << 8)),
                )
            },
            Sent::Completed(NDIS_STATUS_NOT_SUPPORTED, SendDrop::LsoNotSupported),
        ),
        (
            "non-ip-frame",
            "an ARP frame with an IPsec handle: INVALID_DATA",
            |f| {
                let mut a = f.frame.clone();
                a[12..14].copy_from_slice(&[0x08, 0x06]);
                (a, f.header_info, None)
            },
            Sent::Completed(
                NDIS_STATUS_INVALID_DATA,
                SendDrop::Frame(ipsecov2_filter_core::FrameError::NotIp),
            ),
        ),
        (
            "no-handle-passed-down",
            "no offload handle: passed down untouched",
            |f| (f.frame.clone(), f.header_info, None),
            Sent::Passed,
        ),
    ];
    for (name, what, mk, want) in table {
        v.push(case(G, format!("negative/{name}"), what, move || {
            let mut rng = SplitMix64::new(2500);
            let i = esp_index("aes128+sha1").ok_or("no algorithm")?;
            let s = Scn::new(Some(i), None, false, false);
            let p = peers(&s, 0x0210_0000)?;
            let f = frame_for(&s, &p.layer, 3, &rng.bytes(30));
            let (bytes, header, extra) = mk(&f);
            let handle = if matches!(want, Sent::Passed) {
                0
            } else {
                p.handle
            };
            let pool = HostTxPool::new(2, 2048);
            let got = send_raw(&p.tx, &mut rng, &[&bytes], handle, header, extra, &pool)?;
            eq("send outcome", got, want.clone())?;
            eq("free transmit buffers", pool.free_count(), pool.count())
        }));
    }
    v.push(case(
        G,
        "negative/pool-exhausted",
        "two NET_BUFFERs, one transmit buffer: RESOURCES, buffer returned",
        || {
            let mut rng = SplitMix64::new(2501);
            let s = Scn::new(Some(2), None, false, false);
            let p = peers(&s, 0x0220_0000)?;
            let f = frame_for(&s, &p.layer, 3, &rng.bytes(30));
            let pool = HostTxPool::new(1, 2048);
            let got = send_raw(
                &p.tx,
                &mut rng,
                &[&f.frame, &f.frame],
                p.handle,
                f.header_info,
                None,
                &pool,
            )?;
            eq(
                "send outcome",
                got,
                Sent::Completed(NDIS_STATUS_RESOURCES, SendDrop::PoolExhausted),
            )?;
            eq("free transmit buffers", pool.free_count(), 1)
        },
    ));
    v.push(case(
        G,
        "negative/frame-larger-than-pool-buffer",
        "frame larger than the transmit buffers: RESOURCES",
        || {
            let mut rng = SplitMix64::new(2502);
            let s = Scn::new(Some(2), None, false, false);
            let p = peers(&s, 0x0230_0000)?;
            let f = frame_for(&s, &p.layer, 3, &rng.bytes(30));
            let pool = HostTxPool::new(4, 32);
            let got = send_raw(
                &p.tx,
                &mut rng,
                &[&f.frame],
                p.handle,
                f.header_info,
                None,
                &pool,
            )?;
            eq(
                "send outcome",
                got,
                Sent::Completed(NDIS_STATUS_RESOURCES, SendDrop::PoolExhausted),
            )
        },
    ));
}

/// One protected packet of `s` (and the peers, the frame).
fn one(s: Scn, rng: &mut SplitMix64, len: usize) -> Result<(Peers, Framed, Vec<u8>), String> {
    let p = peers(&s, 0x0200_0000)?;
    let f = frame_for(&s, &p.layer, 5, &rng.bytes(len));
    let mut w = protect(&p.tx, rng, &[&f], p.handle, 0)?;
    let wire = w.pop().ok_or("no packet")?;
    Ok((p, f, wire))
}

fn esp_index(name: &str) -> Option<usize> {
    esp_algs().iter().position(|a| a.name == name)
}

fn fix_ipv4_len(t: &mut [u8]) {
    let tl = (t.len() - ETH) as u16;
    if let Some(d) = t.get_mut(ETH + 2..ETH + 4) {
        d.copy_from_slice(&tl.to_be_bytes());
    }
}

#[allow(clippy::too_many_lines)]
pub fn receive(v: &mut Vec<Case>) {
    const G: &str = "receive";
    // Tampering: ICV, ciphertext, IV byte flipped for every ESP transform.
    for (i, e) in esp_algs().iter().enumerate() {
        v.push(case(G, format!("tampered-esp-{}", slug(e.name)), "payload, IV and ICV byte flips: CryptoDone, TRANSPORT_ESP_AUTH_FAILED, bytes untouched", move || {
            let mut rng = SplitMix64::new(3000 + i as u64);
            let s = Scn::new(Some(i), None, false, false);
            let (p, f, wire) = one(s, &mut rng, 48)?;
            let esp_at = ETH + 20;
            let icv_at = wire.len() - 2;
            let positions = [esp_at + 4, esp_at + 9, esp_at + 8 + 20, icv_at];
            let frames: Vec<Vec<u8>> = positions.iter().map(|&at| { let mut t = wire.clone(); if let Some(b) = t.get_mut(at) { *b ^= 0x01; } t }).collect();
            let got = receive_through(&p.rx, &mut rng, &frames, 0)?;
            for ((view, bytes), (sent, at)) in got.iter().zip(frames.iter().zip(positions)) {
                ensure!(view.crypto_done, "flip at {at}: CryptoDone clear");
                eq(&format!("flip at {at}: CryptoStatus"), view.status, CRYPTO_TRANSPORT_ESP_AUTH_FAILED)?;
                ensure!(!view.header_set, "flip at {at}: HeaderInfoSet on a failed packet");
                ensure!(bytes == sent, "flip at {at}: failed packet's bytes modified");
            }
            let _ = f;
            Ok(())
        }));
    }
    for (i, a) in ah_algs().iter().enumerate() {
        for tunnel in [false, true] {
            v.push(case(
                G,
                format!(
                    "tampered-ah-{}/{}",
                    slug(a.name),
                    if tunnel { "tunnel" } else { "transport" }
                ),
                "payload byte flipped under AH: CryptoDone, {TRANSPORT,TUNNEL}_AH_AUTH_FAILED",
                move || {
                    let mut rng = SplitMix64::new(3100 + i as u64);
                    let s = Scn::new(None, Some(i), false, tunnel);
                    let (p, _f, mut wire) = one(s, &mut rng, 40)?;
                    let last = wire.len() - 1;
                    wire[last] ^= 0x80;
                    let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&wire), 0)?;
                    ensure!(got[0].0.crypto_done, "CryptoDone clear");
                    eq(
                        "CryptoStatus",
                        got[0].0.status,
                        if tunnel {
                            CRYPTO_TUNNEL_AH_AUTH_FAILED
                        } else {
                            CRYPTO_TRANSPORT_AH_AUTH_FAILED
                        },
                    )?;
                    ensure!(got[0].1 == wire, "bytes modified");
                    Ok(())
                },
            ));
        }
    }
    for name in ["aes128+sha1", "3des+sha256", "gcm256/16", "null+md5"] {
        v.push(case(G, format!("truncated/{}", slug(name)), "ESP cut by 1/3/5/7 bytes (IP length fixed): CryptoDone, INVALID_PACKET_SYNTAX or auth failure, untouched bytes", move || {
            let mut rng = SplitMix64::new(3200);
            let i = esp_index(name).ok_or("no algorithm")?;
            let (p, _f, wire) = one(Scn::new(Some(i), None, false, false), &mut rng, 64)?;
            let cbc = name.starts_with("aes") || name.starts_with("3des");
            for cut in [1usize, 3, 5, 7] {
                let mut t = wire[..wire.len() - cut].to_vec();
                fix_ipv4_len(&mut t);
                let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&t), 0)?;
                ensure!(got[0].0.crypto_done, "cut {cut}: CryptoDone clear");
                // A cut CBC body is no longer a block multiple: syntax. Otherwise the ICV no
                // longer verifies.
                let want = if cbc { CRYPTO_INVALID_PACKET_SYNTAX } else { CRYPTO_TRANSPORT_ESP_AUTH_FAILED };
                eq(&format!("cut {cut}: CryptoStatus"), got[0].0.status, want)?;
                ensure!(got[0].1 == t, "cut {cut}: bytes modified");
            }
            Ok(())
        }));
    }
    v.push(case(
        G,
        "truncated/inside-esp-header",
        "cut inside the ESP header: untouched (no SA found)",
        || {
            let mut rng = SplitMix64::new(3201);
            let i = esp_index("aes128+sha1").ok_or("no algorithm")?;
            let (p, _f, wire) = one(Scn::new(Some(i), None, false, false), &mut rng, 64)?;
            let mut t = wire[..ETH + 20 + 6].to_vec();
            fix_ipv4_len(&mut t);
            let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&t), 0)?;
            eq("indication", got[0].0, UNTOUCHED)?;
            ensure!(got[0].1 == t, "bytes modified");
            Ok(())
        },
    ));
    for v6 in [false, true] {
        v.push(case(
            G,
            format!("unknown-spi/{}", if v6 { "ipv6" } else { "ipv4" }),
            "SPI of no inbound SA: indicated untouched, bytes unchanged",
            move || {
                let mut rng = SplitMix64::new(3300);
                let (p, _f, mut wire) = one(Scn::new(Some(2), None, v6, false), &mut rng, 20)?;
                let at = ETH + if v6 { 40 } else { 20 } + 3;
                wire[at] ^= 0x40;
                let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&wire), 0)?;
                eq("indication", got[0].0, UNTOUCHED)?;
                ensure!(got[0].1 == wire, "bytes modified");
                Ok(())
            },
        ));
    }
    v.push(case(
        G,
        "non-ipsec-untouched",
        "plain UDP and ARP frames: untouched",
        || {
            let mut rng = SplitMix64::new(3301);
            let p = peers(&Scn::new(Some(2), None, false, false), 0x300)?;
            let plain = frame(
                &ip(false),
                &Layer {
                    esp: None,
                    ah: None,
                    udp: false,
                },
                1,
                &rng.bytes(20),
                17,
            )
            .frame;
            let mut arp = plain.clone();
            arp[12..14].copy_from_slice(&[0x08, 0x06]);
            let frames = vec![plain, arp];
            for ((view, bytes), sent) in receive_through(&p.rx, &mut rng, &frames, 0)?
                .iter()
                .zip(&frames)
            {
                eq("indication", *view, UNTOUCHED)?;
                ensure!(bytes == sent, "bytes modified");
            }
            Ok(())
        },
    ));
    v.push(case(
        G,
        "read-only-not-processed",
        "NDIS_NBL_FLAGS_RECV_READ_ONLY: CryptoDone clear, bytes unchanged",
        || {
            let mut rng = SplitMix64::new(3302);
            let (p, _f, wire) = one(Scn::new(Some(2), None, false, false), &mut rng, 20)?;
            let got = receive_through(
                &p.rx,
                &mut rng,
                std::slice::from_ref(&wire),
                NDIS_NBL_FLAGS_RECV_READ_ONLY,
            )?;
            ensure!(!got[0].0.crypto_done, "CryptoDone set on a read-only NBL");
            ensure!(got[0].1 == wire, "bytes modified");
            Ok(())
        },
    ));
    v.push(case(
        G,
        "protocol-mismatch-plain-esp-for-udp-sa",
        "plain ESP received on a UDP-ESP inbound SA: INVALID_PROTOCOL",
        || {
            let mut rng = SplitMix64::new(3303);
            let (p, _f, wire) = one(Scn::new(Some(2), None, false, false), &mut rng, 20)?;
            let i = esp_index("gcm128/16").ok_or("no algorithm")?;
            let rx = core()?;
            let esps = esp_algs();
            add(
                &rx,
                &bundle(
                    BundleSpec::esp(&esps[i], 0x0200_0000)
                        .inbound()
                        .udp(IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT),
                ),
            )?;
            let _ = p;
            let got = receive_through(&rx, &mut rng, std::slice::from_ref(&wire), 0)?;
            ensure!(got[0].0.crypto_done, "CryptoDone clear");
            eq("CryptoStatus", got[0].0.status, CRYPTO_INVALID_PROTOCOL)
        },
    ));
    v.push(case(
        G,
        "protocol-mismatch-plain-esp-for-esp-ah-sa",
        "plain ESP received on an ESP+AH inbound bundle: INVALID_PROTOCOL",
        || {
            let mut rng = SplitMix64::new(3305);
            let (_p, _f, wire) = one(Scn::new(Some(2), None, false, false), &mut rng, 20)?;
            let esps = esp_algs();
            let ahs = ah_algs();
            let rx = core()?;
            add(
                &rx,
                &bundle(
                    BundleSpec::esp(&esps[2], 0x0200_0000)
                        .with_ah(&ahs[1], 0x0200_0001)
                        .inbound(),
                ),
            )?;
            let got = receive_through(&rx, &mut rng, std::slice::from_ref(&wire), 0)?;
            ensure!(got[0].0.crypto_done, "CryptoDone clear");
            eq("CryptoStatus", got[0].0.status, CRYPTO_INVALID_PROTOCOL)
        },
    ));
    v.push(case(
        G,
        "wildcard-destination-sa",
        "inbound SA with an all-zero destination matches the packet",
        || {
            let mut rng = SplitMix64::new(3306);
            let (_p, f, wire) = one(Scn::new(Some(2), None, false, false), &mut rng, 20)?;
            let esps = esp_algs();
            let rx = core()?;
            let mut sa = bundle(BundleSpec::esp(&esps[2], 0x0200_0000).inbound());
            sa.dst = [0; 16];
            add(&rx, &sa)?;
            let got = receive_through(&rx, &mut rng, std::slice::from_ref(&wire), 0)?;
            check_received(&got, std::slice::from_ref(&f), false)
        },
    ));
    v.push(case(
        G,
        "tunnel-esp-auth-failure-after-mode-known",
        "after a good tunnel packet, a tampered one: TUNNEL_ESP_AUTH_FAILED",
        || {
            let mut rng = SplitMix64::new(3304);
            let s = Scn::new(Some(2), None, false, true);
            let p = peers(&s, 0x500)?;
            let f1 = frame_for(&s, &p.layer, 2, &rng.bytes(30));
            let f2 = frame_for(&s, &p.layer, 3, &rng.bytes(30));
            let w = protect(&p.tx, &mut rng, &[&f1, &f2], p.handle, 0)?;
            eq(
                "good tunnel packet",
                receive_through(&p.rx, &mut rng, &w[..1], 0)?[0].0.status,
                CRYPTO_SUCCESS,
            )?;
            let mut bad = w[1].clone();
            let l = bad.len() - 1;
            bad[l] ^= 1;
            eq(
                "tampered tunnel packet",
                receive_through(&p.rx, &mut rng, &[bad], 0)?[0].0.status,
                CRYPTO_TUNNEL_ESP_AUTH_FAILED,
            )
        },
    ));
}

fn ttunnel(outer_v6: bool, inner_v6: bool, outer_udp: bool, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let esps = esp_algs();
    let te = esps.get(2).ok_or("alg")?;
    let pe = esps
        .iter()
        .find(|a| a.name == "aes256+sha256")
        .ok_or("alg")?;
    let tx = core()?;
    let rx = core()?;
    let (t_spi, p_spi) = (0x7000, 0x7100);
    let tudp = if outer_udp {
        IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL
    } else {
        0
    };
    let th = add(
        &tx,
        &bundle(BundleSpec {
            esp: Some((te, t_spi)),
            v6: outer_v6,
            esn: true,
            udp: tudp,
            ..BundleSpec::default()
        }),
    )?;
    let ph = add(
        &tx,
        &bundle(BundleSpec {
            esp: Some((pe, p_spi)),
            v6: inner_v6,
            ..BundleSpec::default()
        }),
    )?;
    add(
        &rx,
        &bundle(BundleSpec {
            esp: Some((te, t_spi)),
            v6: outer_v6,
            inbound: true,
            esn: true,
            udp: tudp,
            ..BundleSpec::default()
        }),
    )?;
    add(
        &rx,
        &bundle(BundleSpec {
            esp: Some((pe, p_spi)),
            v6: inner_v6,
            inbound: true,
            ..BundleSpec::default()
        }),
    )?;
    let f = frame_tunnel(
        &ip(outer_v6),
        &Layer {
            esp: Some((te.shape, t_spi)),
            ah: None,
            udp: outer_udp,
        },
        &ip(inner_v6),
        &Layer {
            esp: Some((pe.shape, p_spi)),
            ah: None,
            udp: false,
        },
        9,
        &rng.bytes(61),
    );
    let w = protect(&tx, &mut rng, &[&f], ph, th)?;
    check_wire(&w, std::slice::from_ref(&f))?;
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    check_received(&got, std::slice::from_ref(&f), true)
}

pub fn combinations(v: &mut Vec<Case>) {
    const G: &str = "combinations";
    let esps = esp_algs();
    let ahs = ah_algs();
    let pairs = [
        ("gcm128/16", "sha256"),
        ("aes256+sha256", "sha1"),
        ("3des+sha1", "md5"),
        ("gmac256", "gmac128"),
        ("null+sha256", "gmac256"),
    ];
    let mut seed = 5000;
    for (e, a) in pairs {
        let ei = esps.iter().position(|x| x.name == e);
        let ai = ahs.iter().position(|x| x.name == a);
        for v6 in [false, true] {
            for tunnel in [false, true] {
                seed += 1;
                v.push(case(
                    G,
                    format!(
                        "esp-ah/{}+ah-{}/{}/{}",
                        slug(e),
                        slug(a),
                        if tunnel { "tunnel" } else { "transport" },
                        if v6 { "ipv6" } else { "ipv4" }
                    ),
                    "ESP then AH bundle: sealed, verified and decrypted by the peer",
                    move || {
                        ensure!(ei.is_some() && ai.is_some(), "algorithm missing");
                        roundtrip(Scn::new(ei, ai, v6, tunnel), seed)
                    },
                ));
            }
        }
    }
    v.push(case(
        G,
        "esp-ah/tampered-ah",
        "ESP+AH with a flipped payload byte: TRANSPORT_AH_AUTH_FAILED",
        || {
            let mut rng = SplitMix64::new(5100);
            let (p, _f, mut wire) = one(Scn::new(Some(2), Some(2), false, false), &mut rng, 40)?;
            let l = wire.len() - 1;
            wire[l] ^= 2;
            let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&wire), 0)?;
            ensure!(got[0].0.crypto_done, "CryptoDone clear");
            eq(
                "CryptoStatus",
                got[0].0.status,
                CRYPTO_TRANSPORT_AH_AUTH_FAILED,
            )
        },
    ));
    for (ov6, iv6) in [(false, false), (false, true), (true, false), (true, true)] {
        for udp in [false, true] {
            seed += 1;
            v.push(case(G, format!("transport-over-tunnel/{}-in-{}{}", if iv6 { "ipv6" } else { "ipv4" }, if ov6 { "ipv6" } else { "ipv4" }, if udp { "/udp-esp" } else { "" }), "two handles (transport + tunnel): both layers sealed; peer sets CryptoDone and NextCryptoDone", move || ttunnel(ov6, iv6, udp, seed)));
        }
    }
    v.push(case(
        G,
        "transport-over-tunnel/tunnel-sa-deleted",
        "tunnel SA deleted, transport SA kept: the pair's send completes with FAILURE",
        || {
            let mut rng = SplitMix64::new(5300);
            let esps = esp_algs();
            let te = esps.get(2).ok_or("alg")?;
            let tx = core()?;
            let th = add(&tx, &bundle(BundleSpec::esp(te, 0x7200)))?;
            let ph = add(&tx, &bundle(BundleSpec::esp(te, 0x7201)))?;
            let f = frame_tunnel(
                &ip(false),
                &Layer {
                    esp: Some((te.shape, 0x7200)),
                    ah: None,
                    udp: false,
                },
                &ip(false),
                &Layer {
                    esp: Some((te.shape, 0x7201)),
                    ah: None,
                    udp: false,
                },
                4,
                &rng.bytes(33),
            );
            protect(&tx, &mut rng, &[&f], ph, th)?;
            super::status("DELETE_SA", delete(&tx, &[th])?, NDIS_STATUS_SUCCESS)?;
            let pool = HostTxPool::new(1, 2048);
            let (sent, _o) = send_through(
                &tx,
                &[send_nbl(&mut rng, &[&f.frame], ph, th, f.header_info)],
                &pool,
            )?;
            eq(
                "send outcome",
                sent.first().cloned(),
                Some(Sent::Completed(
                    NDIS_STATUS_FAILURE,
                    SendDrop::UnknownHandle,
                )),
            )
        },
    ));
    for name in ["gcm128/16", "aes128+sha1", "gmac128", "null+sha1"] {
        for v6 in [false, true] {
            for tunnel in [false, true] {
                seed += 1;
                let i = esps.iter().position(|x| x.name == name);
                v.push(case(
                    G,
                    format!(
                        "udp-esp/{}/{}/{}",
                        slug(name),
                        if tunnel { "tunnel" } else { "transport" },
                        if v6 { "ipv6" } else { "ipv4" }
                    ),
                    "ESP in UDP 4500: UDP length/checksum set by the filter, peer decrypts",
                    move || {
                        let mut s = Scn::new(i, None, v6, tunnel);
                        ensure!(i.is_some(), "algorithm missing");
                        s.udp = true;
                        roundtrip(s, seed)
                    },
                ));
            }
        }
    }
    for name in ["gcm256/12", "aes192+sha256", "des+md5", "gmac192"] {
        for v6 in [false, true] {
            seed += 1;
            let i = esps.iter().position(|x| x.name == name);
            v.push(case(
                G,
                format!("esn/{}/{}", slug(name), if v6 { "ipv6" } else { "ipv4" }),
                "ESN SA pair (high bits 7): round trip succeeds",
                move || {
                    let mut s = Scn::new(i, None, v6, false);
                    ensure!(i.is_some(), "algorithm missing");
                    s.esn = true;
                    roundtrip(s, seed)
                },
            ));
        }
    }
    v.push(case(
        G,
        "esn/ah-sha256-with-esp",
        "ESN on an ESP+AH bundle: round trip succeeds",
        || {
            let mut s = Scn::new(Some(23), Some(2), false, false);
            s.esn = true;
            roundtrip(s, 5200)
        },
    ));
    v.push(case(
        G,
        "esn/mismatched-high-bits",
        "peer ESN high bits differ (7 vs 8): ESP auth failure",
        || {
            let mut rng = SplitMix64::new(5201);
            let esps = esp_algs();
            let e = esps.get(2).ok_or("alg")?;
            let tx = core()?;
            let rx = core()?;
            let h = add(&tx, &bundle(BundleSpec::esp(e, 0x8000).esn()))?;
            let mut inb = bundle(BundleSpec::esp(e, 0x8000).inbound().esn());
            inb.sa[0].seq_high = 8;
            add(&rx, &inb)?;
            let f = frame(
                &ip(false),
                &Layer {
                    esp: Some((e.shape, 0x8000)),
                    ah: None,
                    udp: false,
                },
                1,
                &rng.bytes(10),
                6,
            );
            let w = protect(&tx, &mut rng, &[&f], h, 0)?;
            let got = receive_through(&rx, &mut rng, &w, 0)?;
            ensure!(got[0].0.crypto_done, "CryptoDone clear");
            eq(
                "CryptoStatus",
                got[0].0.status,
                CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
            )
        },
    ));
}
