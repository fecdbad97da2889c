//! Group `send`: every transform in transport and tunnel mode over IPv4 and IPv6 (802.1Q, IPv4
//! options, IPv6 extension headers), sent through one filter core and received through a peer;
//! and the send path's refusals (`send/negative/...`).

use super::scenario::*;
use super::{case, eq, module_case};
use crate::tcpip::*;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::{HostTxPool, SendDrop};
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
        v.push(case(
            G,
            format!("{name}/transport/ipv4-802.1q"),
            "inline 802.1Q tag before the IP header: sealed and opened like an untagged frame",
            move || vlan_tagged(esp, ah),
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
fn vlan_tagged(esp: Option<usize>, ah: Option<usize>) -> Outcome {
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

/// A change to a framed packet before it is sent: its bytes, slot 12 and an extra info slot.
type Mk = fn(&Framed) -> (Vec<u8>, u32, Option<(NDIS_NET_BUFFER_LIST_INFO, usize)>);

fn send_negative(v: &mut Vec<Case>) {
    const G: &str = "send";
    let table: [(&str, &str, Mk, Sent); 4] = [
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
            refused(mk, &want)
        }));
    }
    v.push(case(
        G,
        "negative/missing-esp-offset",
        "slot 12 without the ESP header offset: the header is found by parsing, sealed (docs/tcpip-reading.md, point 4)",
        missing_esp_offset,
    ));
    v.push(case(
        G,
        "negative/pool-exhausted",
        "two NET_BUFFERs, one transmit buffer: RESOURCES, buffer returned",
        negative_pool_exhausted,
    ));
    v.push(case(
        G,
        "negative/frame-larger-than-pool-buffer",
        "frame larger than the transmit buffers: RESOURCES",
        negative_frame_larger_than_pool_buffer,
    ));
}

/// Slot 12 without the ESP offset: sealed all the same, and the peer verifies it.
fn missing_esp_offset() -> Outcome {
    let mut rng = SplitMix64::new(2501);
    let i = esp_index("aes128+sha1").ok_or("no algorithm")?;
    let s = Scn::new(Some(i), None, false, false);
    let p = peers(&s, 0x0211_0000)?;
    let f = frame_for(&s, &p.layer, 3, &rng.bytes(30));
    let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(f.header_info);
    h.set_transmit_esp_header_offset(0);
    let pool = HostTxPool::new(2, 2048);
    let got = send_raw(&p.tx, &mut rng, &[&f.frame], p.handle, h.0, None, &pool)?;
    let Sent::Protected(mut w) = got else {
        return Err(format!("send outcome: {got:?}, expected protected"));
    };
    let wire = w.pop().ok_or("no packet")?;
    let got = receive_through(&p.rx, &mut rng, &[wire], 0)?;
    check_received(&got, std::slice::from_ref(&f), false)
}

/// A frame changed by `mk` (bytes, slot 12, extra info) sent alone: the outcome is `want` and
/// every transmit buffer is back in the pool.
fn refused(mk: Mk, want: &Sent) -> Outcome {
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
}

fn negative_pool_exhausted() -> Outcome {
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
}

fn negative_frame_larger_than_pool_buffer() -> Outcome {
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
}
