//! Groups `two-hosts`, `pause-restart`, `offload-config` and `churn`: the filter module between
//! an emulated miniport and an emulated TCP/IP (`ipsecov2_ndis_emu::host`), two hosts wired back
//! to back, the state machine with NBLs outstanding, the offload configuration (keywords,
//! `OID_TCP_OFFLOAD_PARAMETERS`, status indications, queries, OID pass-down), and SA churn under
//! traffic on several threads.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{case, ensure, eq, status};
use crate::capture;
use crate::tcpip::{self as tc, Sent};
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::module::StatusIndication;
use ipsecov2_filter_core::state::{FilterState, PauseStart};
use ipsecov2_filter_core::{caps, CapabilityConfig, HostTxPool};
use ipsecov2_ndis_emu::host::{
    nic_offload, Host, HostConfig, HostError, Wire, OID_GEN_MAXIMUM_FRAME_SIZE,
};
use ipsecov2_ndis_emu::oid_buffers::{AddSa, BASE};
use ipsecov2_ndis_emu::tcpip::{
    ah_algs, bundle, esp_algs, frame, masked, send_nbl, AhAlg, BundleSpec, EspAlg, Framed, Ip,
    Layer,
};
use ipsecov2_ndis_emu::SplitMix64;

fn he(e: HostError) -> String {
    e.to_string()
}

/// A host attached and restarted (Running).
fn running(config: HostConfig) -> Result<Host, String> {
    let mut h = Host::new(config);
    h.attach().map_err(he)?;
    h.restart().map_err(he)?;
    eq("state after restart", h.state(), FilterState::Running)?;
    Ok(h)
}

fn host(seed: u64) -> Result<Host, String> {
    running(HostConfig {
        seed,
        ..HostConfig::default()
    })
}

fn full_caps(capacity: u32) -> NDIS_IPSEC_OFFLOAD_V2 {
    caps::ipsec_v2_capabilities(&CapabilityConfig {
        sa_offload_capacity: capacity,
    })
}

/// Everything of `got` but `IPsecV2` equals `want`.
fn same_but_ipsec(got: &NDIS_OFFLOAD, want: &NDIS_OFFLOAD) -> Outcome {
    let mut x = *got;
    x.IPsecV2 = want.IPsecV2;
    ensure!(
        x == *want,
        "an offload other than IPsecOV2 changed on the way up"
    );
    Ok(())
}

/// A plain (non-IPsec) UDP/IPv4 frame.
fn plain_frame() -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    f
}

// ---------------------------------------------------------------------------------------------
// Two hosts back to back
// ---------------------------------------------------------------------------------------------

/// The transform of one direction.
#[derive(Clone)]
struct Xform {
    esp: Option<EspAlg>,
    ah: Option<AhAlg>,
    v6: bool,
    esn: bool,
    udp: u32,
}

impl Xform {
    fn add_sa(&self, spi: u32, inbound: bool) -> AddSa {
        bundle(BundleSpec {
            esp: self.esp.as_ref().map(|a| (a, spi)),
            ah: self.ah.as_ref().map(|a| (a, spi + 1)),
            v6: self.v6,
            inbound,
            esn: self.esn,
            udp: self.udp,
        })
    }

    fn layer(&self, spi: u32) -> Layer {
        Layer {
            esp: self.esp.as_ref().map(|a| (a.shape, spi)),
            ah: self.ah.as_ref().map(|a| (a.shape, spi + 1)),
            udp: self.udp != 0,
        }
    }
}

/// ADD_SA on a host, recorded for `--pcap`.
fn add_recorded(h: &mut Host, sa: &AddSa) -> Result<u64, String> {
    let handle = h.add_sa(sa).map_err(he)?;
    capture::record_add_sa(sa, handle);
    Ok(handle)
}

/// `from` sends `n` packets of transform `x` (SPI `spi`, outbound handle `out`) in one chain to
/// `to` over the wire; checks the send completion, the wire, and what `to`'s TCP/IP got.
fn exchange(
    from: &mut Host,
    to: &mut Host,
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
    let wire_before = from.miniport().wire.len();
    let received_before = to.protocol().received.len();
    let ids = from.send(specs).map_err(he)?;
    for id in &ids {
        status(
            "send completion",
            from.protocol()
                .send_status(*id)
                .unwrap_or(NDIS_STATUS_PENDING),
            NDIS_STATUS_SUCCESS,
        )?;
    }
    let wire: Vec<Vec<u8>> = from.miniport().wire[wire_before..].to_vec();
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
    Wire::pump(from, to).map_err(he)?;
    let got = &to.protocol().received[received_before..];
    eq("packets indicated to TCP/IP", got.len(), n)?;
    for (i, ((r, f), w)) in got.iter().zip(&frames).zip(&wire).enumerate() {
        capture::hook(|cap, case| {
            cap.frame(
                case,
                capture::Wire::Received {
                    wire: w,
                    result: capture::RxResult {
                        crypto_done: r.view.crypto_done,
                        status: r.view.status,
                    },
                },
            );
        });
        ensure!(r.view.crypto_done, "packet {i}: CryptoDone clear");
        eq(
            &format!("packet {i}: CryptoStatus"),
            r.view.status,
            CRYPTO_SUCCESS,
        )?;
        if let Some((nh, pad)) = f.trailer {
            ensure!(r.view.header_set, "packet {i}: HeaderInfoSet clear");
            eq(
                &format!("packet {i}: NextHeader/PadLength"),
                (r.view.next_header, r.view.pad),
                (nh, pad),
            )?;
        }
        ensure!(
            masked(&r.frame, &f.written) == masked(&f.frame, &f.written),
            "packet {i}: what TCP/IP got differs from what the peer sent"
        );
    }
    Ok(())
}

/// Both directions between two hosts with transform `x`; counters checked on both sides.
fn two_hosts(x: &Xform, seed: u64) -> Outcome {
    let mut a = host(seed)?;
    let mut b = host(seed + 1)?;
    let (ab, ba) = (0x0100_0000 + (seed as u32 & 0xffff) * 4, 0x0200_0000);
    let a_out = add_recorded(&mut a, &x.add_sa(ab, false))?;
    add_recorded(&mut b, &x.add_sa(ab, true))?;
    let b_out = add_recorded(&mut b, &x.add_sa(ba, false))?;
    add_recorded(&mut a, &x.add_sa(ba, true))?;
    exchange(&mut a, &mut b, x, ab, a_out, 1, 5)?;
    exchange(&mut b, &mut a, x, ba, b_out, 1, 3)?;
    exchange(&mut a, &mut b, x, ab, a_out, 6, 2)?;
    let (sa, sb) = (a.snapshot().map_err(he)?, b.snapshot().map_err(he)?);
    eq("A packets protected", sa.send_packets, 7)?;
    eq("B packets verified", sb.recv_packets, 7)?;
    eq("B packets protected", sb.send_packets, 3)?;
    eq("A packets verified", sa.recv_packets, 3)?;
    let per_sa: u64 = sb.sas.iter().filter(|s| s.inbound).map(|s| s.packets).sum();
    eq("B inbound SA packet counter", per_sa, 7)?;
    eq(
        "bad completions",
        a.protocol().bad_completions + b.protocol().bad_completions,
        0,
    )?;
    eq(
        "A transmit buffers back",
        a.pool().free_count(),
        a.pool().count(),
    )?;
    Ok(())
}

pub fn two_hosts_cases(v: &mut Vec<Case>) {
    const G: &str = "two-hosts";
    let mut seed = 100u64;
    for v6 in [false, true] {
        let fam = if v6 { "ipv6" } else { "ipv4" };
        for alg in esp_algs() {
            seed += 2;
            let x = Xform {
                esp: Some(alg.clone()),
                ah: None,
                v6,
                esn: false,
                udp: 0,
            };
            v.push(case(
                G,
                format!("esp/{}/{fam}", alg.name),
                "A→B and B→A through protocol, filter module, miniport and wire",
                move || two_hosts(&x, seed),
            ));
        }
        for alg in ah_algs() {
            seed += 2;
            let x = Xform {
                esp: None,
                ah: Some(alg.clone()),
                v6,
                esn: false,
                udp: 0,
            };
            v.push(case(
                G,
                format!("ah/{}/{fam}", alg.name),
                "A→B and B→A through protocol, filter module, miniport and wire",
                move || two_hosts(&x, seed),
            ));
        }
    }
    let gcm = esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"));
    let cbc = esp_algs()
        .into_iter()
        .find(|a| a.name.contains("aes128") && a.name.contains("sha1"));
    let sha256 = ah_algs().into_iter().find(|a| a.name == "sha256");
    for (name, esp, ah, v6, esn, udp) in [
        (
            "esp+ah/aes128-sha1+sha256/ipv4",
            &cbc,
            &sha256,
            false,
            false,
            0,
        ),
        ("esp+ah/gcm128+sha256/ipv6", &gcm, &sha256, true, false, 0),
        ("esn/gcm128/ipv4", &gcm, &None, false, true, 0),
        ("esn/aes128-sha1/ipv6", &cbc, &None, true, true, 0),
        ("esn/esp+ah/ipv4", &cbc, &sha256, false, true, 0),
        (
            "udp-esp/gcm128/ipv4",
            &gcm,
            &None,
            false,
            false,
            IPSEC_TPT_UDPESP_ENCAPTYPE_IKE,
        ),
        (
            "udp-esp/aes128-sha1/ipv6",
            &cbc,
            &None,
            true,
            false,
            IPSEC_TPT_UDPESP_ENCAPTYPE_IKE,
        ),
    ] {
        seed += 2;
        let x = Xform {
            esp: esp.clone(),
            ah: ah.clone(),
            v6,
            esn,
            udp,
        };
        let has_all =
            (esp.is_some() || name.starts_with("ah")) && (ah.is_some() || !name.contains('+'));
        v.push(case(
            G,
            name,
            "A→B and B→A through protocol, filter module, miniport and wire",
            move || {
                ensure!(has_all, "transform not found in the algorithm list");
                two_hosts(&x, seed)
            },
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Pause, restart, detach
// ---------------------------------------------------------------------------------------------

fn gcm() -> Result<EspAlg, String> {
    esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .ok_or_else(|| "no gcm128 transform".to_string())
}

/// Two running hosts with an AES-GCM pair A→B; returns (A, B, transform, A's handle).
fn pair(seed: u64) -> Result<(Host, Host, Xform, u64), String> {
    let mut a = host(seed)?;
    let mut b = host(seed + 1)?;
    let x = Xform {
        esp: Some(gcm()?),
        ah: None,
        v6: false,
        esn: false,
        udp: 0,
    };
    let out = add_recorded(&mut a, &x.add_sa(0x0300_0000, false))?;
    add_recorded(&mut b, &x.add_sa(0x0300_0000, true))?;
    Ok((a, b, x, out))
}

fn pause_completes_at_once() -> Outcome {
    let mut h = host(1)?;
    eq("pause", h.pause().map_err(he)?, PauseStart::Completed)?;
    eq("state", h.state(), FilterState::Paused)?;
    eq("NdisFPauseComplete calls", h.protocol().pause_completes, 0)?;
    h.restart().map_err(he)?;
    eq("state after restart", h.state(), FilterState::Running)
}

fn sends_complete_paused() -> Outcome {
    let (mut a, _b, x, out) = pair(3)?;
    a.pause().map_err(he)?;
    let f = frame(
        &Ip {
            v6: false,
            extras: false,
        },
        &x.layer(0x0300_0000),
        1,
        b"paused",
        17,
    );
    let plain = send_nbl(a.rng(), &[&plain_frame()], 0, 0, 0);
    let ipsec = send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info);
    let ids = a.send(vec![plain, ipsec]).map_err(he)?;
    for id in ids {
        status(
            "send while paused",
            a.protocol().send_status(id).unwrap_or(NDIS_STATUS_PENDING),
            NDIS_STATUS_PAUSED,
        )?;
    }
    eq("frames on the wire", a.miniport().wire.len(), 0)?;
    eq(
        "send_paused counter",
        a.snapshot().map_err(he)?.send_paused,
        2,
    )?;
    eq("bad completions", a.protocol().bad_completions, 0)
}

fn pause_waits_for_sends() -> Outcome {
    let (mut a, mut b, x, out) = pair(5)?;
    a.miniport_mut().hold_sends = true;
    let f = frame(
        &Ip {
            v6: false,
            extras: false,
        },
        &x.layer(0x0300_0000),
        1,
        b"held below",
        17,
    );
    let spec = send_nbl(a.rng(), &[&f.frame, &f.frame], out, 0, f.header_info);
    let plain = send_nbl(a.rng(), &[&plain_frame()], 0, 0, 0);
    let ids = a.send(vec![spec, plain]).map_err(he)?;
    eq("pause", a.pause().map_err(he)?, PauseStart::Pending)?;
    eq("state", a.state(), FilterState::Pausing)?;
    eq(
        "sends outstanding",
        a.snapshot().map_err(he)?.sends_outstanding,
        2,
    )?;
    ensure!(
        ids.iter().all(|id| a.protocol().send_status(*id).is_none()),
        "an original completed while its copy is held below"
    );
    ensure!(
        a.detach().is_err(),
        "detach accepted while pausing with NBLs outstanding"
    );
    a.release_sends().map_err(he)?;
    eq("state", a.state(), FilterState::Paused)?;
    eq("NdisFPauseComplete calls", a.protocol().pause_completes, 1)?;
    for id in ids {
        status(
            "completion after release",
            a.protocol().send_status(id).unwrap_or(NDIS_STATUS_PENDING),
            NDIS_STATUS_SUCCESS,
        )?;
    }
    eq(
        "transmit buffers back",
        a.pool().free_count(),
        a.pool().count(),
    )?;
    // What was held went out: the peer decrypts it.
    Wire::pump(&mut a, &mut b).map_err(he)?;
    let ok = b
        .protocol()
        .received
        .iter()
        .filter(|r| r.view.crypto_done && r.view.status == CRYPTO_SUCCESS)
        .count();
    eq("peer verified", ok, 2)?;
    eq("bad completions", a.protocol().bad_completions, 0)
}

fn pause_waits_for_receives() -> Outcome {
    let (mut a, mut b, x, out) = pair(7)?;
    b.protocol_mut().hold_receives = true;
    exchange(&mut a, &mut b, &x, 0x0300_0000, out, 1, 3)?;
    eq("receives held by TCP/IP", b.protocol().receives_held(), 1)?;
    eq("pause", b.pause().map_err(he)?, PauseStart::Pending)?;
    // While pausing: new receives go straight back to the miniport, never up.
    let before = b.protocol().received.len();
    b.receive(&[plain_frame()]).map_err(he)?;
    b.miniport_mut().resources = true;
    b.receive(&[plain_frame()]).map_err(he)?;
    eq(
        "indicated while pausing",
        b.protocol().received.len(),
        before,
    )?;
    let s = b.snapshot().map_err(he)?;
    eq(
        "returned / dropped while pausing",
        (s.recv_returned_paused, s.recv_dropped_paused),
        (1, 1),
    )?;
    eq("NdisFPauseComplete calls", b.protocol().pause_completes, 0)?;
    b.release_receives().map_err(he)?;
    eq("state", b.state(), FilterState::Paused)?;
    eq("NdisFPauseComplete calls", b.protocol().pause_completes, 1)?;
    eq(
        "miniport receives outstanding",
        b.miniport().receives_outstanding,
        0,
    )
}

fn sas_survive_restart() -> Outcome {
    let (mut a, mut b, x, out) = pair(9)?;
    exchange(&mut a, &mut b, &x, 0x0300_0000, out, 1, 2)?;
    for cycle in 0..3u32 {
        for h in [&mut a, &mut b] {
            eq("pause", h.pause().map_err(he)?, PauseStart::Completed)?;
            h.restart().map_err(he)?;
        }
        exchange(&mut a, &mut b, &x, 0x0300_0000, out, 3 + 2 * cycle, 2)
            .map_err(|e| format!("after restart {cycle}: {e}"))?;
    }
    eq("A SAs", a.snapshot().map_err(he)?.sas.len(), 1)
}

fn restart_indicates_offload() -> Outcome {
    let mut h = host(11)?;
    let st = &h.protocol().statuses;
    eq("indications at restart", st.len(), 2)?;
    eq(
        "first",
        st[0].status,
        NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
    )?;
    eq(
        "second",
        st[1].status,
        NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
    )?;
    for s in st.clone() {
        let o = s.offload.ok_or("no NDIS_OFFLOAD in the indication")?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &nic_offload())?;
    }
    h.pause().map_err(he)?;
    h.restart().map_err(he)?;
    eq(
        "indications after a second restart",
        h.protocol().statuses.len(),
        4,
    )
}

fn cycles_under_traffic() -> Outcome {
    let (mut a, mut b, x, out) = pair(13)?;
    for cycle in 0..20u32 {
        a.miniport_mut().hold_sends = cycle % 2 == 0;
        b.protocol_mut().hold_receives = cycle % 3 == 0;
        let f = frame(
            &Ip {
                v6: false,
                extras: false,
            },
            &x.layer(0x0300_0000),
            cycle + 1,
            &a.rng().bytes(100 + cycle as usize),
            17,
        );
        let spec = send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info);
        a.send(vec![spec]).map_err(he)?;
        let pa = a.pause().map_err(he)?;
        eq(
            "A pause",
            pa,
            if cycle % 2 == 0 {
                PauseStart::Pending
            } else {
                PauseStart::Completed
            },
        )?;
        a.release_sends().map_err(he)?;
        eq("A state", a.state(), FilterState::Paused)?;
        Wire::pump(&mut a, &mut b).map_err(he)?;
        b.pause().map_err(he)?;
        b.release_receives().map_err(he)?;
        eq("B state", b.state(), FilterState::Paused)?;
        a.miniport_mut().hold_sends = false;
        b.protocol_mut().hold_receives = false;
        a.restart().map_err(he)?;
        b.restart().map_err(he)?;
    }
    let ok = b
        .protocol()
        .received
        .iter()
        .filter(|r| r.view.crypto_done && r.view.status == CRYPTO_SUCCESS)
        .count();
    eq("peer verified", ok, 20)?;
    eq("A sends outstanding", a.protocol().sends_outstanding(), 0)?;
    eq(
        "B receives outstanding",
        b.miniport().receives_outstanding,
        0,
    )?;
    eq(
        "transmit buffers back",
        a.pool().free_count(),
        a.pool().count(),
    )?;
    eq(
        "A pause completions (pending pauses)",
        a.protocol().pause_completes,
        10,
    )?;
    eq("bad completions", a.protocol().bad_completions, 0)
}

fn detach_with_sas() -> Outcome {
    let (mut a, _b, x, old) = pair(15)?;
    for i in 1..10u32 {
        add_recorded(&mut a, &x.add_sa(0x0300_0000 + 16 * i, i % 2 == 0))?;
    }
    eq("SAs before detach", a.snapshot().map_err(he)?.sas.len(), 10)?;
    a.pause().map_err(he)?;
    eq("SAs removed by detach", a.detach().map_err(he)?, 10)?;
    eq("state", a.state(), FilterState::Detached)?;
    // Attach again: a fresh table; the old handle is unknown.
    a.attach().map_err(he)?;
    a.restart().map_err(he)?;
    eq(
        "SAs after re-attach",
        a.snapshot().map_err(he)?.sas.len(),
        0,
    )?;
    let f = frame(
        &Ip {
            v6: false,
            extras: false,
        },
        &x.layer(0x0300_0000),
        1,
        b"stale",
        17,
    );
    let spec = send_nbl(a.rng(), &[&f.frame], old, 0, f.header_info);
    let id = a.send(vec![spec]).map_err(he)?[0];
    status(
        "send with a handle of the detached module",
        a.protocol().send_status(id).unwrap_or(NDIS_STATUS_PENDING),
        NDIS_STATUS_FAILURE,
    )?;
    eq("frames on the wire", a.miniport().wire.len(), 0)
}

fn detach_refused_while_running() -> Outcome {
    let (mut a, _b, _x, _out) = pair(17)?;
    ensure!(a.detach().is_err(), "detach accepted while Running");
    eq("state", a.state(), FilterState::Running)?;
    eq("state errors", a.snapshot().map_err(he)?.state_errors, 1)?;
    ensure!(a.restart().is_err(), "restart accepted while Running");
    eq("state errors", a.snapshot().map_err(he)?.state_errors, 2)?;
    eq("SAs kept", a.snapshot().map_err(he)?.sas.len(), 1)
}

pub fn pause_restart(v: &mut Vec<Case>) {
    const G: &str = "pause-restart";
    v.push(case(
        G,
        "idle-pause-completes-at-once",
        "pause with nothing outstanding completes inline; restart runs again",
        pause_completes_at_once,
    ));
    v.push(case(
        G,
        "sends-complete-paused",
        "plain and IPsec sends while paused complete with NDIS_STATUS_PAUSED, nothing sent",
        sends_complete_paused,
    ));
    v.push(case(
        G,
        "pause-waits-for-sends-below",
        "pause pends while protected copies are held below; originals complete once, then pause completes",
        pause_waits_for_sends,
    ));
    v.push(case(
        G,
        "pause-waits-for-receives-above",
        "pause pends while TCP/IP holds indicated NBLs; receives while pausing are returned or dropped",
        pause_waits_for_receives,
    ));
    v.push(case(
        G,
        "sas-survive-pause-restart",
        "offloaded SAs keep working across three pause/restart cycles of both hosts",
        sas_survive_restart,
    ));
    v.push(case(
        G,
        "restart-indicates-offload",
        "restart indicates hardware capabilities and current config with IPsecOV2, other offloads kept",
        restart_indicates_offload,
    ));
    v.push(case(
        G,
        "cycles-under-traffic",
        "20 pause/restart cycles with sends held below and receives held above",
        cycles_under_traffic,
    ));
    v.push(case(
        G,
        "detach-with-sas-installed",
        "detach removes every SA; after re-attach the old handles are unknown",
        detach_with_sas,
    ));
    v.push(case(
        G,
        "detach-refused-while-running",
        "detach and restart while Running are refused and counted; state and SAs unchanged",
        detach_refused_while_running,
    ));
}

// ---------------------------------------------------------------------------------------------
// Offload configuration
// ---------------------------------------------------------------------------------------------

/// What a keyword pair must allow: ESP and AH over IPv4, ESP and AH over IPv6.
#[derive(Clone, Copy)]
struct Allowed {
    esp_v4: bool,
    ah_v4: bool,
    esp_v6: bool,
    ah_v6: bool,
}

fn keyword_case(v2: Option<u32>, v4: Option<u32>, want: Allowed) -> Outcome {
    let Allowed {
        esp_v4,
        ah_v4,
        esp_v6,
        ah_v6,
    } = want;
    let mut h = running(HostConfig {
        ipsec_offload_v2: v2,
        ipsec_offload_v2_ipv4: v4,
        ..HostConfig::default()
    })?;
    let c = h
        .query_offload(OID_TCP_OFFLOAD_CURRENT_CONFIG)
        .map_err(he)?
        .IPsecV2;
    eq("Esp reported", c.Esp == TRUE, esp_v4 || esp_v6)?;
    eq("Ah reported", c.Ah == TRUE, ah_v4 || ah_v6)?;
    eq(
        "IPv6Supported reported",
        c.IPv6Supported == TRUE,
        esp_v6 || ah_v6,
    )?;
    let hw = h
        .query_offload(OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES)
        .map_err(he)?
        .IPsecV2;
    eq("hardware capabilities", hw, full_caps(64))?;
    let g = gcm()?;
    let ah = ah_algs().into_iter().next().ok_or("no AH transform")?;
    eq(
        "ESP IPv4 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::esp(&g, 0x301))).is_ok(),
        esp_v4,
    )?;
    eq(
        "AH IPv4 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::ah(&ah, 0x302))).is_ok(),
        ah_v4,
    )?;
    eq(
        "ESP IPv6 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::esp(&g, 0x303).v6())).is_ok(),
        esp_v6,
    )?;
    eq(
        "AH IPv6 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::ah(&ah, 0x304).v6())).is_ok(),
        ah_v6,
    )
}

fn params_disable_enable() -> Outcome {
    let mut h = host(21)?;
    let g = gcm()?;
    let n = h.protocol().statuses.len();
    status(
        "disable",
        h.set_offload_parameters(
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
        )
        .map_err(he)?,
        NDIS_STATUS_SUCCESS,
    )?;
    let seen = h
        .miniport()
        .oids
        .last()
        .cloned()
        .ok_or("OID_TCP_OFFLOAD_PARAMETERS not passed down")?;
    eq("OID below", seen.oid, OID_TCP_OFFLOAD_PARAMETERS)?;
    let at = std::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2);
    eq(
        "IPsecV2/IPsecV2IPv4 as the miniport saw them",
        seen.buffer.get(at..at + 2),
        Some(
            &[
                NDIS_OFFLOAD_PARAMETERS_NO_CHANGE,
                NDIS_OFFLOAD_PARAMETERS_NO_CHANGE,
            ][..],
        ),
    )?;
    let st = &h.protocol().statuses[n..];
    eq("indications", st.len(), 1)?;
    eq(
        "indication",
        st[0].status,
        NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
    )?;
    let o = st[0].offload.ok_or("no NDIS_OFFLOAD")?;
    eq(
        "IPsecV2 after disable",
        o.IPsecV2,
        NDIS_IPSEC_OFFLOAD_V2::default(),
    )?;
    same_but_ipsec(&o, &nic_offload())?;
    ensure!(
        h.add_sa(&bundle(BundleSpec::esp(&g, 0x400))).is_err(),
        "ADD_SA accepted while the offload is disabled"
    );
    status(
        "enable",
        h.set_offload_parameters(NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED, 0)
            .map_err(he)?,
        NDIS_STATUS_SUCCESS,
    )?;
    let last = h.protocol().statuses.last().and_then(|s| s.offload);
    eq(
        "IPsecV2 after enable",
        last.map(|o| o.IPsecV2),
        Some(full_caps(64)),
    )?;
    h.add_sa(&bundle(BundleSpec::esp(&g, 0x401).v6()))
        .map_err(he)?;
    Ok(())
}

fn params_invalid() -> Outcome {
    let mut h = host(23)?;
    let below = h.miniport().oids.len();
    status(
        "IPsecV2 = 9",
        h.set_offload_parameters(9, 0).map_err(he)?,
        NDIS_STATUS_INVALID_PARAMETER,
    )?;
    eq("OIDs passed down", h.miniport().oids.len(), below)?;
    eq(
        "capabilities unchanged",
        h.module().map_err(he)?.current_capabilities(),
        full_caps(64),
    )
}

fn indication_rewritten() -> Outcome {
    let mut h = host(25)?;
    let mut changed = nic_offload();
    changed.Checksum.IPv4Transmit.set_udp_checksum(0);
    changed.LsoV2.IPv4.MaxOffLoadSize = 32_768;
    for code in [
        NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
        NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
    ] {
        h.miniport_status(&StatusIndication::Offload {
            status: code,
            offload: &changed,
        })
        .map_err(he)?;
        let up = h
            .protocol()
            .statuses
            .last()
            .cloned()
            .ok_or("nothing indicated up")?;
        eq("status code", up.status, code)?;
        let o = up.offload.ok_or("no NDIS_OFFLOAD")?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &changed)?;
    }
    h.miniport_status(&StatusIndication::Other {
        status: 0x4001_000B,
        buffer: &[1, 2, 3],
    })
    .map_err(he)?;
    let last = h.protocol().statuses.last().cloned().ok_or("nothing")?;
    eq(
        "other indication passed unchanged",
        (last.status, last.buffer),
        (0x4001_000B, vec![1u8, 2, 3]),
    )
}

fn query_rewritten() -> Outcome {
    let mut h = host(27)?;
    for oid in [
        OID_TCP_OFFLOAD_CURRENT_CONFIG,
        OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
    ] {
        let o = h.query_offload(oid).map_err(he)?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &nic_offload())?;
    }
    Ok(())
}

fn oid_pass_down() -> Outcome {
    let mut h = host(29)?;
    // Synchronous: the clone's results come back in the original.
    let out = h
        .oid_now(
            NdisRequestQueryInformation,
            OID_GEN_MAXIMUM_FRAME_SIZE,
            vec![0u8; 4],
            BASE,
        )
        .map_err(he)?;
    status("query", out.status, NDIS_STATUS_SUCCESS)?;
    eq("BytesWritten", out.bytes_written, 4)?;
    ensure!(
        out.buffer.iter().any(|&b| b != 0),
        "the miniport's answer did not reach the original buffer"
    );
    // Pending below: completed up later, with the results.
    h.miniport_mut().hold_oids = true;
    let (id, st) = h
        .oid(
            NdisRequestQueryInformation,
            OID_GEN_MAXIMUM_FRAME_SIZE,
            vec![0u8; 4],
            BASE,
        )
        .map_err(he)?;
    status("pended", st, NDIS_STATUS_PENDING)?;
    ensure!(h.oid_outcome(id).is_none(), "pending OID already complete");
    h.release_oids().map_err(he)?;
    let done = h.oid_outcome(id).ok_or("never completed up")?;
    status("completed", done.status, NDIS_STATUS_SUCCESS)?;
    eq("BytesWritten", done.bytes_written, 4)?;
    eq("buffer", done.buffer, out.buffer)?;
    // The IPsecOV2 OIDs never go below.
    h.miniport_mut().hold_oids = false;
    let g = gcm()?;
    let below = h.miniport().oids.len();
    let handle = h.add_sa(&bundle(BundleSpec::esp(&g, 0x500))).map_err(he)?;
    h.delete_sa(&[handle]).map_err(he)?;
    eq("IPsecOV2 OIDs passed down", h.miniport().oids.len(), below)?;
    let s = h.snapshot().map_err(he)?;
    ensure!(
        s.oids_answered >= 2 && s.oids_passed_down >= 2,
        "OID counters: answered {}, passed down {}",
        s.oids_answered,
        s.oids_passed_down
    );
    Ok(())
}

pub fn offload_config(v: &mut Vec<Case>) {
    const G: &str = "offload-config";
    let a = |esp_v4, ah_v4, esp_v6, ah_v6| Allowed {
        esp_v4,
        ah_v4,
        esp_v6,
        ah_v6,
    };
    for (name, v2, v4, want) in [
        ("keywords/absent", None, None, a(true, true, true, true)),
        (
            "keywords/both-0",
            Some(0),
            Some(0),
            a(false, false, false, false),
        ),
        (
            "keywords/v2-esp",
            Some(2),
            Some(0),
            a(true, false, true, false),
        ),
        (
            "keywords/v2-ah",
            Some(1),
            Some(0),
            a(false, true, false, true),
        ),
        (
            "keywords/ipv4-only-3",
            Some(0),
            Some(3),
            a(true, true, false, false),
        ),
        (
            "keywords/v2-ah-ipv4-esp",
            Some(1),
            Some(2),
            a(true, true, false, true),
        ),
        (
            "keywords/out-of-range-7",
            Some(7),
            None,
            a(true, true, true, true),
        ),
    ] {
        v.push(case(
            G,
            name,
            "*IPsecOffloadV2 / *IPsecOffloadV2IPv4 set the reported offload and what ADD_SA accepts",
            move || keyword_case(v2, v4, want),
        ));
    }
    v.push(case(
        G,
        "parameters/disable-enable",
        "OID_TCP_OFFLOAD_PARAMETERS IPsecV2 off and on: indicated up, ADD_SA refused then accepted, hidden from the miniport",
        params_disable_enable,
    ));
    v.push(case(
        G,
        "parameters/invalid-value",
        "an IPsecV2 value outside the list fails NDIS_STATUS_INVALID_PARAMETER and is not passed down",
        params_invalid,
    ));
    v.push(case(
        G,
        "indication/rewritten",
        "TASK_OFFLOAD_* indications from below carry IPsecOV2 up, every other member untouched",
        indication_rewritten,
    ));
    v.push(case(
        G,
        "query/rewritten",
        "OID_TCP_OFFLOAD_CURRENT_CONFIG / _HARDWARE_CAPABILITIES answers carry IPsecOV2, other members untouched",
        query_rewritten,
    ));
    v.push(case(
        G,
        "oid/pass-down-and-complete",
        "other OIDs are cloned and passed down (inline and pending) with results copied back; IPsecOV2 OIDs never go below",
        oid_pass_down,
    ));
}

// ---------------------------------------------------------------------------------------------
// SA churn under traffic
// ---------------------------------------------------------------------------------------------

/// A pair of SAs the control thread installed: outbound on `tx`, inbound on `rx`.
#[derive(Clone, Copy)]
struct LivePair {
    out: u64,
    inb: u64,
    spi: u32,
}

#[derive(Default)]
struct ChurnStats {
    protected: AtomicU64,
    unknown: AtomicU64,
    verified: AtomicU64,
    untouched: AtomicU64,
    added: AtomicU64,
    deleted: AtomicU64,
    updated: AtomicU64,
    /// UPDATE_SA pairs begun / finished (ESN): a packet sealed before an update began and
    /// opened after it may fail its ICV (the high bits changed in flight), no other may.
    updates_started: AtomicU64,
    updates_done: AtomicU64,
    auth_races: AtomicU64,
}

/// UPDATE_SA of `handle` (ESP, `spi`) to ESN high bits `high`.
fn update(core: &tc::Core, handle: u64, spi: u32, high: u32) -> Result<NDIS_STATUS, String> {
    let mut u = ipsecov2_ndis_emu::oid_buffers::update_sa(handle, IPsecOffloadV2Esp, spi, high);
    Ok(tc::set(core, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status)
}

/// Suspends `--pcap` for the rest of a case (the churn's SAs are installed on other threads,
/// which the capture does not follow, so its frames could not be decrypted from the keys file).
struct NoCapture(Option<capture::Capture>);

impl NoCapture {
    fn new() -> Self {
        Self(capture::uninstall())
    }
}

impl Drop for NoCapture {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            capture::install(c);
        }
    }
}

/// `senders` threads send through `tx` with handles from the live set, one thread receives what
/// they sent through `rx`, one thread adds, deletes and updates SA pairs on both, for `ms`.
fn churn(senders: usize, esn: bool, ms: u64, seed: u64) -> Outcome {
    let _no_capture = NoCapture::new();
    let tx = Arc::new(tc::core_with(256)?);
    let rx = Arc::new(tc::core_with(256)?);
    let g = gcm()?;
    let cbc = esp_algs()
        .into_iter()
        .find(|a| a.name.contains("aes128") && a.name.contains("sha1"))
        .ok_or("no aes128+sha1 transform")?;
    let live: Arc<Mutex<Vec<(LivePair, bool)>>> = Arc::new(Mutex::new(Vec::new()));
    // (wire bytes, TCP/IP's frame, SPI, updates started before the send)
    type InFlight = (Vec<u8>, Framed, u32, u64);
    let wire: Arc<Mutex<Vec<InFlight>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    // Senders still running: the receiver stops only when none is left and the wire is empty
    // (a sender may push its last packet after `stop` is set).
    let sending = Arc::new(std::sync::atomic::AtomicUsize::new(senders));
    let stats = Arc::new(ChurnStats::default());
    let fail: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let set_fail = |fail: &Mutex<Option<String>>, e: String| {
        if let Ok(mut f) = fail.lock() {
            f.get_or_insert(e);
        }
    };
    let xform = |cbc_: bool| Xform {
        esp: Some(if cbc_ { cbc.clone() } else { g.clone() }),
        ah: None,
        v6: false,
        esn,
        udp: 0,
    };
    let deadline = Instant::now() + Duration::from_millis(ms);

    std::thread::scope(|s| {
        // Control: keep 8..32 pairs, replace the oldest, update ESN SAs.
        {
            let (tx, rx, live, stop, stats, fail) = (&tx, &rx, &live, &stop, &stats, &fail);
            let xform = &xform;
            s.spawn(move || {
                let mut rng = SplitMix64::new(seed);
                let mut spi = 0x0400_0000u32;
                let mut last_protected = 0;
                while Instant::now() < deadline {
                    // Rotate at the pace of the traffic (a few packets per new pair), so that
                    // packets meet both live and just-deleted SAs whatever the machine's load.
                    let now_protected = stats.protected.load(Ordering::Relaxed);
                    let filled = live.lock().is_ok_and(|l| l.len() >= 8);
                    if filled && now_protected < last_protected + 3 {
                        std::thread::yield_now();
                        continue;
                    }
                    last_protected = now_protected;
                    spi += 4;
                    let use_cbc = rng.next_u64() % 2 == 0;
                    let x = xform(use_cbc);
                    let r = (|| -> Result<(), String> {
                        let out = tc::add(tx, &x.add_sa(spi, false))?;
                        let inb = tc::add(rx, &x.add_sa(spi, true))?;
                        stats.added.fetch_add(1, Ordering::Relaxed);
                        let mut l = live.lock().map_err(|_| "poisoned")?;
                        l.push((LivePair { out, inb, spi }, use_cbc));
                        if l.len() > 8 + (rng.next_u64() % 24) as usize {
                            let (old, _) = l.remove(0);
                            drop(l);
                            // Inbound first, then outbound, as TCP/IP does on rekey.
                            status(
                                "delete inbound",
                                tc::delete(rx, &[old.inb])?,
                                NDIS_STATUS_SUCCESS,
                            )?;
                            status(
                                "delete outbound",
                                tc::delete(tx, &[old.out])?,
                                NDIS_STATUS_SUCCESS,
                            )?;
                            stats.deleted.fetch_add(1, Ordering::Relaxed);
                        } else {
                            drop(l);
                        }
                        if esn && rng.next_u64() % 4 == 0 {
                            let pick = live.lock().map_err(|_| "poisoned")?.first().copied();
                            if let Some((p, _)) = pick {
                                let high = 8 + (rng.next_u64() % 1000) as u32;
                                stats.updates_started.fetch_add(1, Ordering::AcqRel);
                                status(
                                    "UPDATE_SA in",
                                    update(rx, p.inb, p.spi, high)?,
                                    NDIS_STATUS_SUCCESS,
                                )?;
                                status(
                                    "UPDATE_SA out",
                                    update(tx, p.out, p.spi, high)?,
                                    NDIS_STATUS_SUCCESS,
                                )?;
                                stats.updates_done.fetch_add(1, Ordering::AcqRel);
                                stats.updated.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Ok(())
                    })();
                    if let Err(e) = r {
                        set_fail(fail, format!("control: {e}"));
                        break;
                    }
                }
                stop.store(true, Ordering::Release);
            });
        }
        // Senders.
        for t in 0..senders {
            let (tx, live, wire, stop, stats, fail) = (&tx, &live, &wire, &stop, &stats, &fail);
            let sending = &sending;
            let xform = &xform;
            s.spawn(move || {
                // Counted down however the loop ends.
                struct Done<'a>(&'a std::sync::atomic::AtomicUsize);
                impl Drop for Done<'_> {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, Ordering::AcqRel);
                    }
                }
                let _done = Done(sending);
                let mut rng = SplitMix64::new(seed ^ (t as u64 + 1) << 32);
                let pool = HostTxPool::new(4, 2048);
                let mut seq = 1u32;
                while !stop.load(Ordering::Acquire) {
                    let pick = live.lock().ok().and_then(|l| {
                        if l.is_empty() {
                            None
                        } else {
                            l.get((rng.next_u64() % l.len() as u64) as usize).copied()
                        }
                    });
                    let Some((p, use_cbc)) = pick else {
                        std::thread::yield_now();
                        continue;
                    };
                    seq += 1;
                    let x = xform(use_cbc);
                    let len = (rng.next_u64() % 1400) as usize;
                    let f = frame(
                        &Ip {
                            v6: false,
                            extras: false,
                        },
                        &x.layer(p.spi),
                        seq,
                        &rng.bytes(len),
                        17,
                    );
                    let spec = send_nbl(&mut rng, &[&f.frame], p.out, 0, f.header_info);
                    let started = stats.updates_started.load(Ordering::Acquire);
                    let r = tc::send_through(tx, &[spec], &pool);
                    match r.map(|(s, _)| s.into_iter().next()) {
                        Ok(Some(Sent::Protected(mut pk))) if pk.len() == 1 => {
                            stats.protected.fetch_add(1, Ordering::Relaxed);
                            if let (Some(w), Ok(mut q)) = (pk.pop(), wire.lock()) {
                                q.push((w, f, p.spi, started));
                            }
                        }
                        Ok(Some(Sent::Completed(st, _))) if st == NDIS_STATUS_FAILURE => {
                            // The SA was deleted between the pick and the send: it must be gone.
                            let still_live = ipsecov2_satable::OffloadHandle::from_u64(p.out)
                                .is_some_and(|h| tx.sas().table().get(h).is_some());
                            if still_live {
                                set_fail(fail, "send failed with a live handle".into());
                                break;
                            }
                            stats.unknown.fetch_add(1, Ordering::Relaxed);
                        }
                        other => {
                            set_fail(fail, format!("sender {t}: unexpected {other:?}"));
                            break;
                        }
                    }
                    if pool.free_count() != pool.count() {
                        set_fail(fail, format!("sender {t}: transmit buffer not returned"));
                        break;
                    }
                }
            });
        }
        // Receiver.
        {
            let (rx, wire, stop, stats, fail) = (&rx, &wire, &stop, &stats, &fail);
            let sending = &sending;
            s.spawn(move || {
                let mut rng = SplitMix64::new(seed ^ 0xabcd);
                loop {
                    let batch: Vec<InFlight> = wire
                        .lock()
                        .map(|mut q| std::mem::take(&mut *q))
                        .unwrap_or_default();
                    if batch.is_empty() {
                        if stop.load(Ordering::Acquire) && sending.load(Ordering::Acquire) == 0 {
                            // Nothing can be pushed any more; take what came last.
                            if wire.lock().map_or(true, |q| q.is_empty()) {
                                break;
                            }
                            continue;
                        }
                        std::thread::yield_now();
                        continue;
                    }
                    let frames: Vec<Vec<u8>> = batch.iter().map(|(w, ..)| w.clone()).collect();
                    let got = match tc::receive_through(rx, &mut rng, &frames, 0) {
                        Ok(g) => g,
                        Err(e) => {
                            set_fail(fail, format!("receiver: {e}"));
                            break;
                        }
                    };
                    let done = stats.updates_done.load(Ordering::Acquire);
                    for ((view, bytes), (w, f, spi, started)) in got.iter().zip(&batch) {
                        let raced = done != *started
                            || stats.updates_started.load(Ordering::Acquire) != *started;
                        if view.crypto_done
                            && raced
                            && view.status == CRYPTO_TRANSPORT_ESP_AUTH_FAILED
                        {
                            stats.auth_races.fetch_add(1, Ordering::Relaxed);
                        } else if view.crypto_done {
                            if view.status != CRYPTO_SUCCESS
                                || masked(bytes, &f.written) != masked(&f.frame, &f.written)
                            {
                                set_fail(fail, format!("receiver: SPI {spi:#x}: {view:?}"));
                                return;
                            }
                            stats.verified.fetch_add(1, Ordering::Relaxed);
                        } else {
                            // No SA any more: the packet goes up untouched.
                            if bytes != w {
                                set_fail(
                                    fail,
                                    format!("receiver: SPI {spi:#x}: untouched packet changed"),
                                );
                                return;
                            }
                            stats.untouched.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = fail.lock().map_err(|_| "poisoned")?.take() {
        return Err(e);
    }
    let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
    ensure!(
        n(&stats.added) >= 10,
        "only {} pairs added",
        n(&stats.added)
    );
    ensure!(n(&stats.deleted) >= 1, "no pair deleted");
    ensure!(
        n(&stats.protected) >= 50,
        "only {} packets protected",
        n(&stats.protected)
    );
    eq(
        "every protected packet received",
        n(&stats.verified) + n(&stats.untouched) + n(&stats.auth_races),
        n(&stats.protected),
    )?;
    ensure!(
        n(&stats.verified) > 0,
        "nothing verified ({} untouched, {} auth races)",
        n(&stats.untouched),
        n(&stats.auth_races)
    );
    if esn {
        ensure!(n(&stats.updated) > 0, "no UPDATE_SA");
    }
    // Every pair still installed carries traffic after the churn.
    let left = live.lock().map_err(|_| "poisoned")?.clone();
    let mut rng = SplitMix64::new(seed ^ 0x5eed);
    for (i, (p, use_cbc)) in left.iter().enumerate() {
        let x = xform(*use_cbc);
        let f = frame(
            &Ip {
                v6: false,
                extras: false,
            },
            &x.layer(p.spi),
            1_000_000 + i as u32,
            &rng.bytes(64),
            17,
        );
        let w = tc::protect(&tx, &mut rng, &[&f], p.out, 0)?;
        let got = tc::receive_through(&rx, &mut rng, &w, 0)?;
        ensure!(
            got.iter()
                .all(|(v, _)| v.crypto_done && v.status == CRYPTO_SUCCESS),
            "SPI {:#x} after the churn: {:?}",
            p.spi,
            got.first().map(|g| g.0)
        );
    }
    // Tear down: everything deletes, nothing leaks.
    for (p, _) in left {
        status(
            "final delete in",
            tc::delete(&rx, &[p.inb])?,
            NDIS_STATUS_SUCCESS,
        )?;
        status(
            "final delete out",
            tc::delete(&tx, &[p.out])?,
            NDIS_STATUS_SUCCESS,
        )?;
    }
    eq("tx SAs left", tx.sas().table().len(), 0)?;
    eq("rx SAs left", rx.sas().table().len(), 0)?;
    Ok(())
}

pub fn churn_cases(v: &mut Vec<Case>) {
    const G: &str = "churn";
    for (name, senders, esn, seed) in [
        ("two-senders", 2, false, 1u64),
        ("three-senders", 3, false, 2),
        ("esn-update-under-traffic", 2, true, 3),
    ] {
        v.push(case(
            G,
            name,
            "SAs added, deleted (and updated) on one thread while others send and receive through the filter core",
            move || churn(senders, esn, 600, seed),
        ));
    }
}
