//! `module`: input bytes → a sequence of module-level operations on an emulated host
//! (`ipsecov2_ndis_emu::host::Host`): attach / restart / pause / detach, sends (validly framed
//! with offloaded handles, or garbage), receives (the host's own wire looped back, or arbitrary
//! frames) with and without `NDIS_RECEIVE_FLAGS_RESOURCES`, holding and releasing sends at the
//! miniport and receives at the protocol, OID requests with fuzzed buffers (the IPsecOV2 OIDs,
//! `OID_TCP_OFFLOAD_PARAMETERS`, the offload queries, others; held below or not), status
//! indications (offload ones with a fuzzed `NDIS_OFFLOAD`, others).
//!
//! Invariants, after every operation: no bad completion (each send completed once, only sends
//! the protocol made); an attached module is `Paused`, `Running` or `Pausing` (never a
//! transient state), a refused transition changes nothing; `Pausing` only while something is
//! outstanding, `pause_complete` exactly once when a pending pause drains and never otherwise;
//! no NBL lost (sends completed + outstanding = sent; outstanding = held by the miniport = the
//! module's count; receives outstanding = the module's count, 0 when the protocol holds none);
//! sends while not `Running` complete with `NDIS_STATUS_PAUSED`; receives while `Running`
//! are indicated, otherwise returned or dropped (counted); IPsecOV2 OIDs are never passed
//! down; every pended OID completes exactly once; status indications go up. At the end
//! everything is released and must drain to nothing outstanding.

use std::collections::HashSet;

use ipsecov2_abi::*;
use ipsecov2_filter_core::module::StatusIndication;
use ipsecov2_filter_core::state::{FilterState, PauseStart};
use ipsecov2_ndis_emu::host::{self, Host, HostConfig, OID_GEN_MAXIMUM_FRAME_SIZE};
use ipsecov2_ndis_emu::oid_buffers::{self as build, BASE};
use ipsecov2_ndis_emu::tcpip::{self, recv_nbl};
use ipsecov2_ndis_emu::NblSpec;

use super::input::Input;
use super::world::{self, SAS};

/// Operations (input byte % [`OPS`]).
pub const OPS: u8 = 20;
pub const ATTACH: u8 = 0;
pub const RESTART: u8 = 1;
pub const PAUSE: u8 = 2;
pub const DETACH: u8 = 3;
pub const SEND_FRAMED: u8 = 4;
pub const SEND_RAW: u8 = 5;
pub const RECEIVE_WIRE: u8 = 6;
pub const RECEIVE_RAW: u8 = 7;
pub const TOGGLE_RESOURCES: u8 = 8;
pub const HOLD_SENDS: u8 = 9;
pub const RELEASE_SENDS: u8 = 10;
pub const HOLD_RECEIVES: u8 = 11;
pub const RELEASE_RECEIVES: u8 = 12;
pub const HOLD_OIDS: u8 = 13;
pub const RELEASE_OIDS: u8 = 14;
pub const ADD_SA: u8 = 15;
pub const DELETE_SA: u8 = 16;
pub const OID: u8 = 17;
pub const STATUS: u8 = 18;
pub const OFFLOAD_PARAMETERS: u8 = 19;

const IPSEC_OIDS: [NDIS_OID; 4] = [
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
    OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
];

#[derive(Default)]
struct Model {
    /// NBLs the protocol sent (accepted by `Host::send`).
    sent: usize,
    /// Outbound (catalogue index, handle) pairs offloaded on the current module.
    outbound: Vec<(usize, u64)>,
    /// Every handle returned by ADD_SA on the current module.
    handles: Vec<u64>,
    /// OID requests that returned `NDIS_STATUS_PENDING`.
    pended: HashSet<usize>,
}

fn attached(h: &Host) -> bool {
    h.module().is_ok()
}

fn outstanding(h: &Host) -> (usize, usize) {
    (
        h.protocol().sends_outstanding(),
        h.miniport().receives_outstanding,
    )
}

/// The invariants that hold after every operation.
fn check(h: &Host, m: &Model) {
    let p = h.protocol();
    assert_eq!(p.bad_completions, 0, "a send completed twice or never sent");
    let (sends, receives) = outstanding(h);
    assert_eq!(
        p.completions.len() + sends,
        m.sent,
        "NBL lost: completed + outstanding != sent"
    );
    assert_eq!(
        sends,
        h.miniport().sends_held(),
        "outstanding sends not held below"
    );
    if p.receives_held() == 0 {
        assert_eq!(receives, 0, "receives outstanding with none held above");
    }
    let state = h.state();
    if attached(h) {
        assert!(
            matches!(
                state,
                FilterState::Paused | FilterState::Running | FilterState::Pausing
            ),
            "impossible state between calls: {state:?}"
        );
        let s = h.snapshot().unwrap();
        assert_eq!(s.state, state);
        assert_eq!(
            s.sends_outstanding, sends as u64,
            "module's outstanding sends"
        );
        assert_eq!(
            s.receives_outstanding, receives as u64,
            "module's outstanding receives"
        );
        if state == FilterState::Pausing {
            assert!(sends + receives > 0, "Pausing with nothing outstanding");
        }
    } else {
        assert_eq!(state, FilterState::Detached);
        assert_eq!(sends + receives, 0, "detached with NBLs outstanding");
    }
    let mut seen = HashSet::new();
    for (r, _) in &p.oid_completions {
        assert!(seen.insert(*r), "OID request {r} completed twice");
        assert!(
            m.pended.contains(r),
            "OID request {r} completed up but never pended"
        );
    }
    for o in &h.miniport().oids {
        assert!(
            !IPSEC_OIDS.contains(&o.oid),
            "IPsecOV2 OID {:#x} passed down",
            o.oid
        );
    }
}

fn oid(h: &mut Host, m: &mut Model, rt: NDIS_REQUEST_TYPE, oid: NDIS_OID, buf: Vec<u8>) -> Vec<u8> {
    match h.oid(rt, oid, buf, BASE) {
        Ok((r, status)) => {
            if status == NDIS_STATUS_PENDING {
                assert!(!IPSEC_OIDS.contains(&oid), "IPsecOV2 OID pended");
                m.pended.insert(r);
                Vec::new()
            } else {
                h.oid_outcome(r).map(|o| o.buffer).unwrap_or_default()
            }
        }
        Err(_) => Vec::new(),
    }
}

fn send(h: &mut Host, m: &mut Model, specs: Vec<NblSpec>) {
    let running = h.state() == FilterState::Running;
    let n = specs.len();
    if let Ok(ids) = h.send(specs) {
        assert_eq!(ids.len(), n);
        m.sent += n;
        if !running {
            for id in ids {
                assert_eq!(
                    h.protocol().send_status(id),
                    Some(NDIS_STATUS_PAUSED),
                    "send while not Running"
                );
            }
        }
    }
}

fn receive(h: &mut Host, frames: &[Vec<u8>]) {
    if frames.is_empty() {
        return;
    }
    let state = h.state();
    let before = h.protocol().received.len();
    let paused_before = h
        .snapshot()
        .map(|s| s.recv_returned_paused + s.recv_dropped_paused)
        .unwrap_or(0);
    if h.receive(frames).is_ok() {
        let got = h.protocol().received.len() - before;
        let paused = h
            .snapshot()
            .map(|s| s.recv_returned_paused + s.recv_dropped_paused)
            .unwrap_or(0)
            - paused_before;
        if state == FilterState::Running {
            assert_eq!(got, frames.len(), "receives while Running indicated");
        } else {
            assert_eq!(
                (got, paused as usize),
                (0, frames.len()),
                "receives while not Running"
            );
        }
    }
}

fn op(h: &mut Host, m: &mut Model, inp: &mut Input<'_>) {
    let code = inp.u8() % OPS;
    let state = h.state();
    match code {
        ATTACH => {
            if h.attach().is_ok() {
                assert_eq!(h.state(), FilterState::Paused, "attach ends Paused");
                m.outbound.clear();
                m.handles.clear();
            }
        }
        RESTART => {
            if h.restart().is_err() {
                assert_eq!(h.state(), state, "refused restart changed the state");
            } else {
                assert_eq!(state, FilterState::Paused, "restart from {state:?}");
            }
        }
        PAUSE => {
            let completes = h.protocol().pause_completes;
            match h.pause() {
                Err(_) => assert_eq!(h.state(), state, "refused pause changed the state"),
                Ok(PauseStart::Completed) => {
                    assert_eq!(state, FilterState::Running);
                    assert_eq!(outstanding(h), (0, 0), "pause completed with NBLs out");
                    assert_eq!(h.protocol().pause_completes, completes);
                }
                Ok(PauseStart::Pending) => {
                    assert_eq!(state, FilterState::Running);
                    assert_eq!(h.state(), FilterState::Pausing, "pending pause");
                }
            }
        }
        DETACH => {
            if !m.pended.is_empty() && attached(h) {
                // NDIS detaches only with no OID request outstanding.
                h.miniport_mut().hold_oids = false;
                h.release_oids().unwrap();
            }
            match h.detach() {
                Ok(_) => {
                    assert_eq!(state, FilterState::Paused, "detach from {state:?}");
                    m.outbound.clear();
                    m.handles.clear();
                }
                Err(_) => assert_eq!(h.state(), state, "refused detach changed the state"),
            }
        }
        SEND_FRAMED => {
            let k = 1 + inp.below(4);
            let mut specs = Vec::new();
            for _ in 0..k {
                let pick = inp.u8();
                let len = usize::from(inp.u16()) % 1500;
                let payload = inp.bytes(len).to_vec();
                let (sa, handle) = if m.outbound.is_empty() {
                    (usize::from(pick) % SAS.len(), 0)
                } else {
                    m.outbound[usize::from(pick) % m.outbound.len()]
                };
                let f = world::framed(sa, pick & 0x80 != 0, 1, &payload, 6);
                specs.push(tcpip::send_nbl(
                    h.rng(),
                    &[&f.frame],
                    handle,
                    0,
                    f.header_info,
                ));
            }
            send(h, m, specs);
        }
        SEND_RAW => {
            let k = 1 + inp.below(4);
            let mut specs = Vec::new();
            for _ in 0..k {
                let len = usize::from(inp.u16()) % 600;
                let frame = inp.bytes(len).to_vec();
                let s = inp.u8();
                let handle = match s % 3 {
                    0 => 0,
                    1 => m
                        .handles
                        .get(usize::from(s) % m.handles.len().max(1))
                        .copied()
                        .unwrap_or(0),
                    _ => inp.u64(),
                };
                specs.push(tcpip::send_nbl(h.rng(), &[&frame], handle, 0, inp.u32()));
            }
            send(h, m, specs);
        }
        RECEIVE_WIRE => {
            let frames = std::mem::take(&mut h.miniport_mut().outbox);
            let keep = 1 + inp.below(8);
            let frames: Vec<Vec<u8>> = frames.into_iter().take(keep).collect();
            receive(h, &frames);
        }
        RECEIVE_RAW => {
            let k = 1 + inp.below(3);
            let frames: Vec<Vec<u8>> = (0..k)
                .map(|_| {
                    let len = usize::from(inp.u16()) % 600;
                    inp.bytes(len).to_vec()
                })
                .collect();
            if inp.u8().is_multiple_of(4) {
                // A chain with a read-only NBL and a two-NET_BUFFER NBL, no RESOURCES.
                let rng = h.rng();
                let mut specs: Vec<NblSpec> = frames
                    .iter()
                    .map(|f| recv_nbl(rng, f, NDIS_NBL_FLAGS_RECV_READ_ONLY))
                    .collect();
                specs.push(world::nbl_spec(rng, &frames, &tcpip::seg()));
                let n = specs.len();
                let running = h.state() == FilterState::Running;
                let before = h.protocol().received.len();
                if h.receive_specs(specs, 0).is_ok() && running {
                    assert_eq!(h.protocol().received.len() - before, n);
                }
            } else {
                receive(h, &frames);
            }
        }
        TOGGLE_RESOURCES => {
            let mp = h.miniport_mut();
            mp.resources = !mp.resources;
        }
        HOLD_SENDS => {
            let mp = h.miniport_mut();
            mp.hold_sends = !mp.hold_sends;
        }
        RELEASE_SENDS => {
            let _ = h.release_sends();
        }
        HOLD_RECEIVES => {
            let p = h.protocol_mut();
            p.hold_receives = !p.hold_receives;
        }
        RELEASE_RECEIVES => {
            let _ = h.release_receives();
        }
        HOLD_OIDS => {
            let mp = h.miniport_mut();
            mp.hold_oids = !mp.hold_oids;
        }
        RELEASE_OIDS => {
            let _ = h.release_oids();
        }
        ADD_SA => {
            let i = inp.below(SAS.len());
            let inbound = inp.u8() & 1 != 0;
            let (bytes, offsets) = build::add_sa_list(&[world::add_sa(i, inbound)]);
            let out = oid(
                h,
                m,
                NdisRequestSetInformation,
                OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
                bytes,
            );
            if out.len() > offsets[0] {
                let handle = build::handle_at(&out, offsets[0]);
                if handle != 0 {
                    m.handles.push(handle);
                    if !inbound {
                        m.outbound.push((i, handle));
                    }
                }
            }
        }
        DELETE_SA => {
            let s = inp.u8();
            let handle = if s & 1 == 0 && !m.handles.is_empty() {
                m.handles[usize::from(s >> 1) % m.handles.len()]
            } else {
                inp.u64()
            };
            let _ = oid(
                h,
                m,
                NdisRequestSetInformation,
                OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
                build::delete_sa_list(&[handle]),
            );
            m.outbound.retain(|&(_, x)| x != handle);
        }
        OID => {
            let which = inp.u8();
            let id = match which % 10 {
                k @ 0..=3 => IPSEC_OIDS[usize::from(k)],
                4 => OID_TCP_OFFLOAD_PARAMETERS,
                5 => OID_TCP_OFFLOAD_CURRENT_CONFIG,
                6 => OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
                7 => OID_GEN_MAXIMUM_FRAME_SIZE,
                _ => inp.u32(),
            };
            let rt = [
                NdisRequestSetInformation,
                NdisRequestQueryInformation,
                NdisRequestQueryStatistics,
                NdisRequestMethod,
            ][usize::from(which >> 4) % 4];
            let len = usize::from(inp.u16()) % 1024;
            let mut buf = inp.bytes(len).to_vec();
            buf.resize(len, 0);
            let _ = oid(h, m, rt, id, buf);
        }
        STATUS => {
            let s = inp.u8();
            let before = h.protocol().statuses.len();
            let ok = if s % 3 == 2 {
                let status = inp.u32() as NDIS_STATUS;
                let len = usize::from(inp.u8());
                let buf = inp.bytes(len).to_vec();
                h.miniport_status(&StatusIndication::Other {
                    status,
                    buffer: &buf,
                })
                .is_ok()
            } else {
                let status = if s.is_multiple_of(3) {
                    NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG
                } else {
                    NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES
                };
                let mut bytes = host::offload_bytes(&host::nic_offload());
                let n = usize::from(inp.u8());
                for _ in 0..n {
                    let at = usize::from(inp.u16()) % bytes.len();
                    bytes[at] = inp.u8();
                }
                let offload = host::offload_from_bytes(&bytes).unwrap();
                h.miniport_status(&StatusIndication::Offload {
                    status,
                    offload: &offload,
                })
                .is_ok()
            };
            if ok {
                assert_eq!(
                    h.protocol().statuses.len(),
                    before + 1,
                    "status not indicated up"
                );
            }
        }
        _ => {
            let v2 = inp.u8() % 8;
            let v4 = inp.u8() % 8;
            let _ = oid(
                h,
                m,
                NdisRequestSetInformation,
                OID_TCP_OFFLOAD_PARAMETERS,
                host::offload_parameters(v2, v4),
            );
            let q = if inp.u8() & 1 == 0 {
                OID_TCP_OFFLOAD_CURRENT_CONFIG
            } else {
                OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES
            };
            let _ = oid(h, m, NdisRequestQueryInformation, q, vec![0u8; 512]);
        }
    }
}

/// Runs one input; panics when an invariant does not hold.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let cfg = inp.u8();
    let keyword = |b: u8| (b & 4 != 0).then_some(u32::from(b & 3));
    let mut h = Host::new(HostConfig {
        seed: u64::from(inp.u8()),
        sa_capacity: 2 + u32::from(cfg & 7),
        ipsec_offload_v2: keyword(cfg >> 3),
        ipsec_offload_v2_ipv4: keyword(inp.u8()),
        pool_buffers: 1 + inp.below(8),
        pool_buffer_size: [9216, 1600, 256][inp.below(3)],
        scratch_size: [9216, 256][inp.below(2)],
    });
    let mut m = Model::default();
    let mut steps = 0;
    while !inp.is_empty() && steps < 64 {
        let before = h.state();
        let completes = h.protocol().pause_completes;
        op(&mut h, &mut m, &mut inp);
        let after = h.state();
        let d = h.protocol().pause_completes - completes;
        assert!(d <= 1, "pause completed {d} times in one operation");
        if before == FilterState::Pausing && after == FilterState::Paused {
            assert_eq!(d, 1, "pause drained without pause_complete");
        }
        if d == 1 {
            assert_eq!(after, FilterState::Paused, "pause_complete but {after:?}");
            assert!(
                before == FilterState::Pausing || before == FilterState::Running,
                "pause_complete from {before:?}"
            );
        }
        check(&h, &m);
        steps += 1;
    }
    drain(&mut h, &mut m);
}

/// Releases everything held; nothing may stay outstanding.
fn drain(h: &mut Host, m: &mut Model) {
    if attached(h) {
        release_all(h, m);
    }
    let done: HashSet<usize> = h
        .protocol()
        .oid_completions
        .iter()
        .map(|(r, _)| *r)
        .collect();
    assert_eq!(done, m.pended, "every pended OID completes exactly once");
}

fn release_all(h: &mut Host, m: &Model) {
    h.miniport_mut().hold_sends = false;
    h.protocol_mut().hold_receives = false;
    h.miniport_mut().hold_oids = false;
    let completes = h.protocol().pause_completes;
    let pausing = h.state() == FilterState::Pausing;
    h.release_sends().unwrap();
    h.release_receives().unwrap();
    h.release_oids().unwrap();
    check(h, m);
    assert_eq!(
        outstanding(h),
        (0, 0),
        "NBLs outstanding after releasing everything"
    );
    assert_eq!(h.protocol().completions.len(), m.sent);
    if pausing {
        assert_eq!(h.state(), FilterState::Paused, "pause never completed");
        assert_eq!(h.protocol().pause_completes, completes + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Seeds.
// ---------------------------------------------------------------------------------------------

fn cfg() -> Vec<u8> {
    // capacity 10, no keywords, seed 1, 4 buffers of 9216, scratch 9216.
    vec![0, 1, 0, 3, 0, 0]
}

fn framed_send(v: &mut Vec<u8>, k: u8, len: u16) {
    v.extend_from_slice(&[SEND_FRAMED, k - 1]);
    for i in 0..k {
        v.push(i);
        v.extend_from_slice(&len.to_le_bytes());
        v.extend((0..len).map(|b| b as u8));
    }
}

/// The seed corpus: the lifecycle with traffic looped back through outbound and inbound SAs,
/// pauses pending on held sends and receives, receives while paused with and without
/// RESOURCES, OIDs held below, offload parameters and queries, status indications.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // Lifecycle with looped-back traffic.
    let mut v = cfg();
    v.extend_from_slice(&[ATTACH, RESTART]);
    for i in [0u8, 3, 4, 5, 8] {
        v.extend_from_slice(&[ADD_SA, i, 0, ADD_SA, i, 1]);
    }
    framed_send(&mut v, 3, 60);
    v.extend_from_slice(&[RECEIVE_WIRE, 7]);
    v.extend_from_slice(&[PAUSE, DETACH]);
    out.push(v);
    // A pause pending on held sends and receives.
    let mut v = cfg();
    v.extend_from_slice(&[
        ATTACH,
        RESTART,
        ADD_SA,
        0,
        0,
        ADD_SA,
        0,
        1,
        HOLD_SENDS,
        HOLD_RECEIVES,
    ]);
    framed_send(&mut v, 2, 40);
    v.extend_from_slice(&[RECEIVE_WIRE, 7, PAUSE]);
    framed_send(&mut v, 1, 10);
    v.extend_from_slice(&[RECEIVE_RAW, 0, 20, 0]);
    v.extend((0..20).map(|b| b as u8));
    v.push(1);
    v.extend_from_slice(&[TOGGLE_RESOURCES, RECEIVE_RAW, 0, 4, 0, 1, 2, 3, 4, 1]);
    v.extend_from_slice(&[
        RELEASE_SENDS,
        RELEASE_RECEIVES,
        RESTART,
        DETACH,
        PAUSE,
        DETACH,
        ATTACH,
    ]);
    out.push(v);
    // OIDs: held below, offload parameters, queries, fuzzed IPsecOV2 buffers.
    let mut v = cfg();
    v.extend_from_slice(&[ATTACH, HOLD_OIDS, OID, 5 | 0x10, 0, 2]);
    v.extend_from_slice(&[OID, 4, 0x40, 0]);
    v.extend(0..0x40u8);
    v.extend_from_slice(&[
        RELEASE_OIDS,
        OFFLOAD_PARAMETERS,
        3,
        7,
        0,
        OFFLOAD_PARAMETERS,
        1,
        0,
        1,
    ]);
    for k in 0..4u8 {
        v.extend_from_slice(&[OID, k, 0x30, 0]);
        v.extend((0..0x30u8).map(|b| b.wrapping_mul(37)));
    }
    v.extend_from_slice(&[OID, 8, 1, 2, 3, 4, 8, 0]);
    v.extend_from_slice(&[ADD_SA, 1, 0, DELETE_SA, 0, DELETE_SA, 1]);
    v.extend_from_slice(&0xdead_beefu64.to_le_bytes());
    v.extend_from_slice(&[
        HOLD_OIDS,
        OID,
        6 | 0x10,
        0,
        2,
        DETACH,
        RESTART,
        SEND_RAW,
        0,
        14,
        0,
    ]);
    v.extend_from_slice(&[2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0, 2]);
    v.extend_from_slice(&1u64.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    out.push(v);
    // Status indications.
    let mut v = cfg();
    v.extend_from_slice(&[
        ATTACH, STATUS, 0, 2, 2, 0, 0xff, 4, 0, 7, STATUS, 1, 0, STATUS, 2,
    ]);
    v.extend_from_slice(&0x4001_0000u32.to_le_bytes());
    v.extend_from_slice(&[3, 1, 2, 3, RESTART, STATUS, 0, 1, 1, 0, 1]);
    out.push(v);
    out
}
