//! Group `send`: every transform in transport and tunnel mode over IPv4 and IPv6 (802.1Q, IPv4
//! options, IPv6 extension headers), sent through one filter core and received through a peer;
//! and the send path's refusals (`send/negative/...`).

use super::scenario::*;
use super::{eq, module_case, status};
use crate::target::{DatapathPair, PairAdapter};
use crate::tcpip::*;
use crate::{capture, Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::SplitMix64;

pub fn send(v: &mut Vec<Case>) {
    const G: &str = "send";
    let mut seed = 1000;
    for (i, e) in esp_algs().iter().enumerate() {
        for tunnel in [false, true] {
            for v6 in [false, true] {
                seed += 1;
                let s = Scn::new(Some(i), None, v6, tunnel);
                v.push(module_case(
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
                v.push(module_case(
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
        v.push(module_case(
            G,
            format!("{name}/transport/ipv4-802.1q"),
            "inline 802.1Q tag before the IP header: sealed and opened like an untagged frame",
            move || on_pair!(vlan_tagged(esp, ah)),
        ));
    }
    send_negative(v);
    for (name, extras_v6) in [("ipv4-options", false), ("ipv6-extension-headers", true)] {
        v.push(module_case(
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

/// ESP transform `esp` and/or AH transform `ah` over a frame with an inline 802.1Q tag.
fn vlan_tagged<P: DatapathPair>(esp: Option<usize>, ah: Option<usize>) -> Outcome {
    let mut rng = SplitMix64::new(1950);
    let s = Scn::new(esp, ah, false, false);
    let (mut p, handle, layer) = peers_on::<P>(&s, 0x0240_0000)?;
    let mut f = frame_for(&s, &layer, 2, &rng.bytes(40));
    f.frame.splice(12..12, [0x81, 0x00, 0x00, 0x05]);
    for r in f.written.iter_mut().chain(f.encrypted.iter_mut()) {
        *r = (r.0 + 4, r.1 + 4);
    }
    let w = p.protect(&mut rng, &[&f], handle, 0)?;
    check_wire(&w, std::slice::from_ref(&f))?;
    let got = p.receive(&mut rng, &w)?;
    check_received(&got, std::slice::from_ref(&f), false)?;
    p.finish()
}

/// TCP/IP sends one NBL (`frames`, slots as given, optional extra info) through the pair's
/// sender: its completion status and the frames on the wire.
fn send_raw<P: DatapathPair>(
    p: &mut P,
    rng: &mut SplitMix64,
    frames: &[&[u8]],
    handle: u64,
    header: u32,
    extra: Option<(NDIS_NET_BUFFER_LIST_INFO, usize)>,
) -> Result<(NDIS_STATUS, Vec<Vec<u8>>), String> {
    let mut spec = send_nbl(rng, frames, handle, 0, header);
    if let Some(e) = extra {
        spec.info.push(e);
    }
    let (statuses, wire) = p.send(vec![spec])?;
    let status = match statuses[..] {
        [Some(s)] => s,
        _ => return Err(format!("send completion: {statuses:x?}, want one status")),
    };
    Ok((status, wire.into_iter().map(|(w, _)| w).collect()))
}

/// Every transmit buffer of the sender is back: one NBL of `count` NET_BUFFERs (as many as the
/// adapter has buffers) is protected whole.
fn buffers_back<P: DatapathPair>(
    p: &mut P,
    rng: &mut SplitMix64,
    f: &Framed,
    handle: u64,
    count: usize,
) -> Outcome {
    let frames: Vec<&Framed> = (0..count).map(|_| f).collect();
    p.protect(rng, &frames, handle, 0)
        .map(|_| ())
        .map_err(|e| format!("{count} NET_BUFFERs after the refusal (every buffer back?): {e}"))
}

/// The fewest transmit buffers and the smallest buffer the driver accepts (`TxBufferCount`,
/// `TxBufferSize`: smaller keyword values are raised to these).
const MIN_TX_BUFFERS: u32 = 16;
const MIN_TX_BUFFER_SIZE: u32 = 1518;

/// What TCP/IP and the wire see of a refused or passed send.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// Completed at once with this status, nothing on the wire.
    Completed(NDIS_STATUS),
    /// Passed down untouched (the frame on the wire as TCP/IP sent it), completed with success.
    Passed,
}

/// A change to a framed packet before it is sent: its bytes, slot 12 and an extra info slot.
type Mk = fn(&Framed) -> (Vec<u8>, u32, Option<(NDIS_NET_BUFFER_LIST_INFO, usize)>);

fn send_negative(v: &mut Vec<Case>) {
    const G: &str = "send";
    let table: [(&str, &str, Mk, Want); 4] = [
        (
            "header-info-mismatch",
            "slot 12 NextHeader disagrees with the framed trailer: INVALID_DATA",
            |f| {
                let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(f.header_info);
                h.set_transmit_next_header(17);
                (f.frame.clone(), h.0, None)
            },
            Want::Completed(NDIS_STATUS_INVALID_DATA),
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
            Want::Completed(NDIS_STATUS_NOT_SUPPORTED),
        ),
        (
            "non-ip-frame",
            "an ARP frame with an IPsec handle: INVALID_DATA",
            |f| {
                let mut a = f.frame.clone();
                a[12..14].copy_from_slice(&[0x08, 0x06]);
                (a, f.header_info, None)
            },
            Want::Completed(NDIS_STATUS_INVALID_DATA),
        ),
        (
            "no-handle-passed-down",
            "no offload handle: passed down untouched",
            |f| (f.frame.clone(), f.header_info, None),
            Want::Passed,
        ),
    ];
    for (name, what, mk, want) in table {
        v.push(module_case(
            G,
            format!("negative/{name}"),
            what,
            move || on_pair!(refused(mk, want)),
        ));
    }
    v.push(module_case(
        G,
        "negative/missing-esp-offset",
        "slot 12 without the ESP header offset: the header is found by parsing, sealed (docs/tcpip-reading.md, point 4)",
        || on_pair!(missing_esp_offset()),
    ));
    v.push(module_case(
        G,
        "negative/pool-exhausted",
        "17 NET_BUFFERs, 16 transmit buffers (the fewest allowed): RESOURCES, every buffer returned",
        || on_pair!(negative_pool_exhausted()),
    ));
    v.push(module_case(
        G,
        "negative/frame-larger-than-pool-buffer",
        "frame larger than the transmit buffers (1518 bytes, the smallest allowed): RESOURCES",
        || on_pair!(negative_frame_larger_than_pool_buffer()),
    ));
}

/// The sender and receiver of AES-128-CBC + HMAC-SHA1 transport over IPv4 (ESP SPI `spi`) over
/// `adapter`; the pair, the outbound handle and a framed packet.
fn cbc_pair<P: DatapathPair>(
    adapter: &PairAdapter,
    spi: u32,
    rng: &mut SplitMix64,
    esp: Option<usize>,
) -> Result<(P, u64, Framed), String> {
    let i = match esp {
        Some(i) => i,
        None => esp_index("aes128+sha1").ok_or("no algorithm")?,
    };
    let s = Scn::new(Some(i), None, false, false);
    let (out, inbound, layer) = bundles(&s, spi)?;
    let mut p = P::open(adapter)?;
    let handle = p.add_tx(&out).map_err(|x| format!("outbound: {x}"))?;
    p.add_rx(&inbound).map_err(|x| format!("inbound: {x}"))?;
    let f = frame_for(&s, &layer, 3, &rng.bytes(30));
    Ok((p, handle, f))
}

/// Slot 12 without the ESP offset: sealed all the same, and the peer verifies it.
fn missing_esp_offset<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(2501);
    let (mut p, handle, f) = cbc_pair::<P>(&PairAdapter::default(), 0x0211_0000, &mut rng, None)?;
    let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(f.header_info);
    h.set_transmit_esp_header_offset(0);
    let (st, mut wire) = send_raw(&mut p, &mut rng, &[&f.frame], handle, h.0, None)?;
    status("send completion", st, NDIS_STATUS_SUCCESS)?;
    eq("frames on the wire", wire.len(), 1)?;
    let wire = wire.pop().ok_or("no packet")?;
    capture::hook(|cap, case| {
        cap.frame(
            case,
            capture::Wire::Sent {
                wire: &wire,
                plain: &f.frame,
                handle,
                tunnel: 0,
            },
        );
    });
    let got = p.receive(&mut rng, &[wire])?;
    check_received(&got, std::slice::from_ref(&f), false)?;
    p.finish()
}

/// A frame changed by `mk` (bytes, slot 12, extra info) sent alone: TCP/IP and the wire see
/// `want`, and every transmit buffer is back afterwards.
fn refused<P: DatapathPair>(mk: Mk, want: Want) -> Outcome {
    let mut rng = SplitMix64::new(2500);
    let adapter = PairAdapter::default();
    let (mut p, handle, f) = cbc_pair::<P>(&adapter, 0x0210_0000, &mut rng, None)?;
    let (bytes, header, extra) = mk(&f);
    let h = if matches!(want, Want::Passed) {
        0
    } else {
        handle
    };
    let (st, wire) = send_raw(&mut p, &mut rng, &[&bytes], h, header, extra)?;
    match want {
        Want::Completed(w) => {
            status("send completion", st, w)?;
            eq("frames on the wire", wire.len(), 0)?;
        }
        Want::Passed => {
            status("send completion", st, NDIS_STATUS_SUCCESS)?;
            eq("frames on the wire", wire, vec![bytes])?;
        }
    }
    buffers_back(&mut p, &mut rng, &f, handle, adapter.tx_buffers as usize)?;
    p.finish()
}

fn negative_pool_exhausted<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(2501);
    let adapter = PairAdapter {
        tx_buffers: MIN_TX_BUFFERS,
        ..PairAdapter::default()
    };
    let (mut p, handle, f) = cbc_pair::<P>(&adapter, 0x0220_0000, &mut rng, Some(2))?;
    let frames: Vec<&[u8]> = (0..=MIN_TX_BUFFERS).map(|_| f.frame.as_slice()).collect();
    let (st, wire) = send_raw(&mut p, &mut rng, &frames, handle, f.header_info, None)?;
    status("send completion", st, NDIS_STATUS_RESOURCES)?;
    eq("frames on the wire", wire.len(), 0)?;
    buffers_back(&mut p, &mut rng, &f, handle, MIN_TX_BUFFERS as usize)?;
    p.finish()
}

fn negative_frame_larger_than_pool_buffer<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(2502);
    let adapter = PairAdapter {
        tx_buffer_size: MIN_TX_BUFFER_SIZE,
        ..PairAdapter::default()
    };
    let s = Scn::new(Some(2), None, false, false);
    let (out, inbound, layer) = bundles(&s, 0x0230_0000)?;
    let mut p = P::open(&adapter)?;
    let handle = p.add_tx(&out)?;
    p.add_rx(&inbound)?;
    // A jumbo frame: longer than the smallest transmit buffer the driver allows.
    let f = frame_for(&s, &layer, 3, &rng.bytes(MIN_TX_BUFFER_SIZE as usize));
    let (st, wire) = send_raw(&mut p, &mut rng, &[&f.frame], handle, f.header_info, None)?;
    status("send completion", st, NDIS_STATUS_RESOURCES)?;
    eq("frames on the wire", wire.len(), 0)?;
    p.finish()
}
