//! The session's steps on one module at a time (what `ipsecov2-hlk --target sys` drives):
//! sends held below and a pause left pending until they come back, receives while pausing,
//! a restart out of NDIS's order, OIDs answered below later, and the thread-safe calls that
//! wait for their own NBLs.
#![cfg(test)]

use std::time::Duration;

use super::*;
use ipsecov2_pe_host::session::Session;

/// `NDIS_STATUS_PENDING`.
const PENDING: i32 = 0x0000_0103;
/// `OID_GEN_MAXIMUM_FRAME_SIZE`.
const OID_GEN_MAXIMUM_FRAME_SIZE: u32 = 0x0001_0106;

fn session() -> (Session, usize) {
    let mut s = Session::start(&sys_path()).unwrap_or_else(|e| panic!("{e}"));
    let mut a = small_adapter();
    a.keywords.push(("ControlTestFamily".into(), 1));
    let m = s.running_module(&a).expect("module");
    (s, m)
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn pause_pends_while_the_miniport_holds_sends_and_completes_when_they_come_back() {
    let (mut s, m) = session();
    let mut rng = SplitMix64::new(21);
    let plain = plain_frame();
    let sent = s
        .send_held(m, &[tcpip::send_nbl(&mut rng, &[&plain, &plain], 0, 0, 0)])
        .expect("send");
    assert_eq!(s.held_below(m), 1);
    assert_eq!(s.send_statuses(m, &sent), [None]);
    assert_eq!(s.pause(m).expect("pause"), PENDING);
    assert_eq!(s.ndis_state(m), Some(NdisState::Pausing));
    assert_eq!(s.pause_completions(m), 0);
    let wire = s.complete_below(m).expect("complete");
    assert_eq!(wire.len(), 2);
    assert!(wire
        .iter()
        .all(|b| b.frame == plain && b.checksum_info == 0));
    assert_eq!(s.send_statuses(m, &sent), [Some(0)]);
    assert_eq!(s.pause_completions(m), 1);
    assert_eq!(s.ndis_state(m), Some(NdisState::Paused));
    assert_eq!(s.sends_in_filter(m), 0);
    s.finish().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn receives_while_pausing_never_go_up_and_the_pause_waits_for_tcpip() {
    let (mut s, m) = session();
    let mut rng = SplitMix64::new(22);
    let plain = plain_frame();
    let up = s
        .indicate_held(m, &[tcpip::recv_nbl(&mut rng, &plain, 0)], false)
        .expect("indicate");
    assert_eq!(up, 1);
    assert_eq!(s.peek_above(m).expect("above").len(), 1);
    assert_eq!(s.pause(m).expect("pause"), PENDING);
    for resources in [false, true] {
        let up = s
            .indicate_held(m, &[tcpip::recv_nbl(&mut rng, &plain, 0)], resources)
            .expect("indicate while pausing");
        assert_eq!(up, 0, "indicated up while pausing (resources {resources})");
    }
    assert_eq!(s.receives_in_filter(m), 1, "only the held one is out");
    let got = s.return_above(m).expect("return");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].frame, plain);
    assert_eq!(s.pause_completions(m), 1);
    assert_eq!(s.receives_in_filter(m), 0);
    s.finish().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_restart_out_of_order_is_refused_and_counted_by_the_driver() {
    let (mut s, m) = session();
    assert_ne!(s.restart_out_of_order(m).expect("restart"), 0);
    assert_eq!(s.ndis_state(m), Some(NdisState::Running));
    assert_eq!(s.module_stats(m).expect("stats").counts.state_errors, 1);
    // The module still runs: a plain send goes through.
    let mut rng = SplitMix64::new(23);
    let (st, wire) = s
        .send_below(m, &[tcpip::send_nbl(&mut rng, &[&plain_frame()], 0, 0, 0)])
        .expect("send");
    assert_eq!((st, wire.len()), (vec![Some(0)], 1));
    s.finish().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn an_oid_passed_down_completes_up_when_the_miniport_answers() {
    let (mut s, m) = session();
    let t = s
        .oid(m, false, 0, OID_GEN_MAXIMUM_FRAME_SIZE, vec![0; 4])
        .expect("oid");
    assert_eq!(
        s.oid_outcome(t),
        None,
        "completed before the miniport answered"
    );
    let seen = s
        .answer_oids_below(m, |oid, _, buf| {
            assert_eq!(oid, OID_GEN_MAXIMUM_FRAME_SIZE);
            buf.copy_from_slice(&1500u32.to_le_bytes());
            (0, 4, 0)
        })
        .expect("answer");
    assert_eq!(seen.len(), 1);
    let done = s.oid_outcome(t).expect("completed up");
    assert_eq!((done.status, done.bytes_done), (0, 4));
    assert_eq!(done.buffer, 1500u32.to_le_bytes());
    s.finish().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn thread_safe_calls_wait_for_their_own_nbls() {
    let (s, m) = session();
    let calls = s.module_calls(m).expect("calls");
    let mut rng = SplitMix64::new(24);
    let plain = plain_frame();
    let patience = Duration::from_secs(5);
    let (st, wire) = calls
        .send_completed(&[tcpip::send_nbl(&mut rng, &[&plain], 0, 0, 0)], patience)
        .expect("send");
    assert_eq!((st, wire), (vec![0], vec![plain.clone()]));
    let got = calls
        .receive_returned(&[tcpip::recv_nbl(&mut rng, &plain, 0)], patience)
        .expect("receive");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, plain);
    assert!(!got[0].0.crypto_done);
    s.finish().unwrap_or_else(|e| panic!("{e}"));
}
