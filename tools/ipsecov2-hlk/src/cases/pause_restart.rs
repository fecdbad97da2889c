//! Group `pause-restart`: the filter state machine with NBLs outstanding (pause waits for sends
//! and receives), SAs kept over pause and restart, restart indications, detach.

use super::hosts::*;
use super::{case, ensure, eq, status};
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::state::{FilterState, PauseStart};
use ipsecov2_ndis_emu::host::{nic_offload, Host, Wire};
use ipsecov2_ndis_emu::tcpip::{frame, send_nbl, Ip};

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
