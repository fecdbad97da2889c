//! Group `pause-restart`: the filter state machine with NBLs outstanding (pause waits for sends
//! and receives), SAs kept over pause and restart, restart indications, detach; as NDIS, TCP/IP
//! and the miniport see them (`ModuleStates`), on both targets, with the module's own counters
//! where a claim is one of them.

use super::hosts::*;
use super::{ensure, eq, module_case, status};
use crate::target_states::{ModuleStates, Phase};
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::host::nic_offload;
use ipsecov2_ndis_emu::tcpip::{frame, send_nbl, Ip};

/// Two running modules with an AES-GCM pair A→B; returns (A, B, transform, A's handle).
fn pair<M: ModuleStates>(seed: u64) -> Result<(M, M, Xform, u64), String> {
    let (mut a, mut b) = M::pair(seed)?;
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

fn v4() -> Ip {
    Ip {
        v6: false,
        extras: false,
    }
}

fn pause_completes_at_once<M: ModuleStates>() -> Outcome {
    let (mut h, b) = M::pair(1)?;
    eq("pause pended", h.pause()?, false)?;
    eq("state", h.phase(), Phase::Paused)?;
    eq("NdisFPauseComplete calls", h.pause_completions(), 0)?;
    h.restart()?;
    eq("state after restart", h.phase(), Phase::Running)?;
    M::finish(h, b)
}

fn sends_complete_paused<M: ModuleStates>() -> Outcome {
    let (mut a, b, x, out) = pair::<M>(3)?;
    a.pause()?;
    let f = frame(&v4(), &x.layer(0x0300_0000), 1, b"paused", 17);
    let plain = send_nbl(a.rng(), &[&plain_frame()], 0, 0, 0);
    let ipsec = send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info);
    let (statuses, wire) = a.send(vec![plain, ipsec])?;
    for s in statuses {
        status(
            "send while paused",
            s.unwrap_or(NDIS_STATUS_PENDING),
            NDIS_STATUS_PAUSED,
        )?;
    }
    eq("frames on the wire", wire.len(), 0)?;
    eq("send_paused counter", a.stats()?.send_paused, 2)?;
    a.restart()?;
    M::finish(a, b)
}

fn pause_waits_for_sends<M: ModuleStates>() -> Outcome {
    let (mut a, mut b, x, out) = pair::<M>(5)?;
    a.hold_sends(true);
    let f = frame(&v4(), &x.layer(0x0300_0000), 1, b"held below", 17);
    let spec = send_nbl(a.rng(), &[&f.frame, &f.frame], out, 0, f.header_info);
    let plain = send_nbl(a.rng(), &[&plain_frame()], 0, 0, 0);
    let ids = a.send_refs(vec![spec, plain])?;
    eq("pause pended", a.pause()?, true)?;
    eq("state", a.phase(), Phase::Pausing)?;
    eq("sends outstanding", a.sends_outstanding(), 2)?;
    eq("sends_outstanding counter", a.stats()?.sends_outstanding, 2)?;
    for &id in &ids {
        ensure!(
            a.send_status(id).is_none(),
            "an original completed while its copy is held below"
        );
    }
    ensure!(
        a.detach().is_err(),
        "detach accepted while pausing with NBLs outstanding"
    );
    a.release_sends()?;
    eq("state", a.phase(), Phase::Paused)?;
    eq("NdisFPauseComplete calls", a.pause_completions(), 1)?;
    for &id in &ids {
        status(
            "completion after release",
            a.send_status(id).unwrap_or(NDIS_STATUS_PENDING),
            NDIS_STATUS_SUCCESS,
        )?;
    }
    eq("sends outstanding", a.sends_outstanding(), 0)?;
    // What was held went out (the protected pair and the plain frame): the peer decrypts it.
    let got = M::deliver(&mut a, &mut b)?;
    let ok = got
        .iter()
        .filter(|(_, v)| v.crypto_done && v.status == CRYPTO_SUCCESS)
        .count();
    eq("peer verified", ok, 2)?;
    a.restart()?;
    M::finish(a, b)
}

fn pause_waits_for_receives<M: ModuleStates>() -> Outcome {
    let (mut a, mut b, x, out) = pair::<M>(7)?;
    b.hold_receives(true);
    exchange(&mut a, &mut b, &x, 0x0300_0000, out, 1, 3)?;
    ensure!(b.receives_held() > 0, "TCP/IP holds no receive");
    eq("pause pended", b.pause()?, true)?;
    // While pausing: new receives go straight back to the miniport, never up.
    eq(
        "indicated up while pausing",
        b.indicate(&[plain_frame()], false)?,
        0,
    )?;
    eq(
        "indicated up while pausing (RESOURCES)",
        b.indicate(&[plain_frame()], true)?,
        0,
    )?;
    let s = b.stats()?;
    eq(
        "returned / dropped while pausing",
        (s.recv_returned_paused, s.recv_dropped_paused),
        (1, 1),
    )?;
    eq("NdisFPauseComplete calls", b.pause_completions(), 0)?;
    b.release_receives()?;
    eq("state", b.phase(), Phase::Paused)?;
    eq("NdisFPauseComplete calls", b.pause_completions(), 1)?;
    eq("miniport receives outstanding", b.receives_outstanding(), 0)?;
    b.hold_receives(false);
    b.restart()?;
    M::finish(a, b)
}

fn sas_survive_restart<M: ModuleStates>() -> Outcome {
    let (mut a, mut b, x, out) = pair::<M>(9)?;
    exchange(&mut a, &mut b, &x, 0x0300_0000, out, 1, 2)?;
    for cycle in 0..3u32 {
        for h in [&mut a, &mut b] {
            eq("pause pended", h.pause()?, false)?;
            h.restart()?;
        }
        exchange(&mut a, &mut b, &x, 0x0300_0000, out, 3 + 2 * cycle, 2)
            .map_err(|e| format!("after restart {cycle}: {e}"))?;
    }
    eq("A SAs", a.stats()?.sa_count, 1)?;
    M::finish(a, b)
}

fn restart_indicates_offload<M: ModuleStates>() -> Outcome {
    let (mut h, b) = M::pair(11)?;
    let st = h.indications();
    eq("indications at restart", st.len(), 2)?;
    eq(
        "first",
        st[0].0,
        NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
    )?;
    eq("second", st[1].0, NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG)?;
    for (_, o, _) in st {
        let o = o.ok_or("no NDIS_OFFLOAD in the indication")?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &nic_offload())?;
    }
    h.pause()?;
    h.restart()?;
    eq(
        "indications after a second restart",
        h.indications().len(),
        4,
    )?;
    M::finish(h, b)
}

fn cycles_under_traffic<M: ModuleStates>() -> Outcome {
    let (mut a, mut b, x, out) = pair::<M>(13)?;
    let mut verified = 0;
    for cycle in 0..20u32 {
        a.hold_sends(cycle % 2 == 0);
        b.hold_receives(cycle % 3 == 0);
        let payload = a.rng().bytes(100 + cycle as usize);
        let f = frame(&v4(), &x.layer(0x0300_0000), cycle + 1, &payload, 17);
        let spec = send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info);
        a.send(vec![spec])?;
        eq("A pause pended", a.pause()?, cycle % 2 == 0)?;
        a.release_sends()?;
        eq("A state", a.phase(), Phase::Paused)?;
        let got = M::deliver(&mut a, &mut b)?;
        verified += got
            .iter()
            .filter(|(_, v)| v.crypto_done && v.status == CRYPTO_SUCCESS)
            .count();
        b.pause()?;
        b.release_receives()?;
        eq("B state", b.phase(), Phase::Paused)?;
        a.hold_sends(false);
        b.hold_receives(false);
        a.restart()?;
        b.restart()?;
    }
    eq("peer verified", verified, 20)?;
    eq("A sends outstanding", a.sends_outstanding(), 0)?;
    eq("B receives outstanding", b.receives_outstanding(), 0)?;
    eq(
        "A pause completions (pending pauses)",
        a.pause_completions(),
        10,
    )?;
    M::finish(a, b)
}

fn detach_with_sas<M: ModuleStates>() -> Outcome {
    let (mut a, b, x, old) = pair::<M>(15)?;
    for i in 1..10u32 {
        add_recorded(&mut a, &x.add_sa(0x0300_0000 + 16 * i, i % 2 == 0))?;
    }
    eq("SAs before detach", a.stats()?.sa_count, 10)?;
    a.pause()?;
    if let Some(n) = a.detach()? {
        eq("SAs removed by detach", n, 10)?;
    }
    eq("state", a.phase(), Phase::Detached)?;
    // Attach again: a fresh table; the old handle is unknown.
    a.attach()?;
    a.restart()?;
    eq("SAs after re-attach", a.stats()?.sa_count, 0)?;
    let f = frame(&v4(), &x.layer(0x0300_0000), 1, b"stale", 17);
    let spec = send_nbl(a.rng(), &[&f.frame], old, 0, f.header_info);
    let (statuses, wire) = a.send(vec![spec])?;
    status(
        "send with a handle of the detached module",
        statuses
            .first()
            .copied()
            .flatten()
            .unwrap_or(NDIS_STATUS_PENDING),
        NDIS_STATUS_FAILURE,
    )?;
    eq("frames on the wire", wire.len(), 0)?;
    M::finish(a, b)
}

fn detach_refused_while_running<M: ModuleStates>() -> Outcome {
    let (mut a, mut b, x, out) = pair::<M>(17)?;
    ensure!(a.detach().is_err(), "detach accepted while Running");
    eq("state", a.phase(), Phase::Running)?;
    // Counted by the module when the call reaches it.
    let detach_errors = u64::from(a.detach_out_of_order_reaches_module());
    eq("state errors", a.stats()?.state_errors, detach_errors)?;
    ensure!(a.restart().is_err(), "restart accepted while Running");
    eq("state", a.phase(), Phase::Running)?;
    let s = a.stats()?;
    eq("state errors", s.state_errors, detach_errors + 1)?;
    eq("SAs kept", s.sa_count, 1)?;
    // The SA still works.
    exchange(&mut a, &mut b, &x, 0x0300_0000, out, 1, 1)?;
    M::finish(a, b)
}

/// Runs `f::<M>()` on the current target's [`ModuleStates`].
macro_rules! on_module {
    ($f:ident) => {
        match crate::target::current() {
            crate::target::Target::Emulated => $f::<ipsecov2_ndis_emu::host::Host>(),
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            crate::target::Target::Sys(_) => $f::<crate::target_sys::SysModule>(),
            #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
            crate::target::Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
            // Not run there (`target::why_not_device`).
            crate::target::Target::Device(_) => Err(format!(
                "sys only: {}",
                crate::target::why_not_device("pause-restart", "").unwrap_or_default()
            )),
        }
    };
}

pub fn pause_restart(v: &mut Vec<Case>) {
    const G: &str = "pause-restart";
    v.push(module_case(
        G,
        "idle-pause-completes-at-once",
        "pause with nothing outstanding completes inline; restart runs again",
        || on_module!(pause_completes_at_once),
    ));
    v.push(module_case(
        G,
        "sends-complete-paused",
        "plain and IPsec sends while paused complete with NDIS_STATUS_PAUSED, nothing sent",
        || on_module!(sends_complete_paused),
    ));
    v.push(module_case(
        G,
        "pause-waits-for-sends-below",
        "pause pends while protected copies are held below; originals complete once, then pause completes",
        || on_module!(pause_waits_for_sends),
    ));
    v.push(module_case(
        G,
        "pause-waits-for-receives-above",
        "pause pends while TCP/IP holds indicated NBLs; receives while pausing are returned or dropped",
        || on_module!(pause_waits_for_receives),
    ));
    v.push(module_case(
        G,
        "sas-survive-pause-restart",
        "offloaded SAs keep working across three pause/restart cycles of both modules",
        || on_module!(sas_survive_restart),
    ));
    v.push(module_case(
        G,
        "restart-indicates-offload",
        "restart indicates hardware capabilities and current config with IPsecOV2, other offloads kept",
        || on_module!(restart_indicates_offload),
    ));
    v.push(module_case(
        G,
        "cycles-under-traffic",
        "20 pause/restart cycles with sends held below and receives held above",
        || on_module!(cycles_under_traffic),
    ));
    v.push(module_case(
        G,
        "detach-with-sas-installed",
        "detach removes every SA; after re-attach the old handles are unknown",
        || on_module!(detach_with_sas),
    ));
    v.push(module_case(
        G,
        "detach-refused-while-running",
        "detach and restart while Running are refused and counted by the module (a detach NDIS refuses first on the binary); state and SAs unchanged",
        || on_module!(detach_refused_while_running),
    ));
}
