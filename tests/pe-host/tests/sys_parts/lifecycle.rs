//! A filter module's life: attach, restart, pause and detach, a refused attach, a pause that
//! pends until an outstanding send completes.
#![cfg(test)]

use super::*;

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_module_attaches_restarts_pauses_and_detaches_with_nothing_left_behind() {
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let (m, status) = h.attach(&small_adapter()).expect("attach");
    assert_eq!(status, 0, "FilterAttach status {status:#x}");
    assert_eq!(verifier::take(), Vec::<String>::new());
    let rec = module::get(m).expect("module");
    assert_eq!(rec.state, NdisState::Paused);
    assert_ne!(rec.context, 0);
    assert!(config::open_handles().is_empty(), "configuration left open");
    // The transmit pool: one NBL pool, an NBL and an MDL per buffer (TxBufferCount 16).
    assert_eq!(nbl::live_counts(), (1, 16, 16));
    assert!(pool::live()
        .iter()
        .any(|(_, b)| b.tag == u32::from_le_bytes(*b"IOv2")));

    assert_eq!(h.restart(m).expect("restart"), 0);
    assert_eq!(verifier::take(), Vec::<String>::new());
    let rec = module::get(m).expect("module");
    assert_eq!(rec.state, NdisState::Running);
    assert!(
        rec.indications
            .iter()
            .any(|i| i.status == TASK_OFFLOAD_CURRENT_CONFIG && !i.buffer.is_empty()),
        "no offload configuration indicated at restart: {:x?}",
        rec.indications.iter().map(|i| i.status).collect::<Vec<_>>()
    );

    assert_eq!(
        h.pause(m).expect("pause"),
        0,
        "nothing outstanding: the pause completes at once"
    );
    assert_eq!(module::get(m).expect("module").state, NdisState::Paused);
    h.detach(m).expect("detach");
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(nbl::live_counts(), (0, 0, 0));
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn attach_refuses_a_non_ethernet_miniport_and_leaves_nothing() {
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let wifi = Miniport {
        media_type: 16,
        ..small_adapter()
    };
    let (m, status) = h.attach(&wifi).expect("attach");
    assert_ne!(status, 0);
    assert!(module::get(m).is_none());
    assert_eq!(nbl::live_counts(), (0, 0, 0));
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_pause_with_a_send_outstanding_pends_until_the_send_completes() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(5);
    let plain = plain_frame();
    let owned =
        OwnedNblChain::build(&[tcpip::send_nbl(&mut rng, &[&plain], 0, 0, 0)]).expect("chain");
    // SAFETY: `owned` outlives the send and its completion.
    unsafe { h.send(m, head(&owned), false) }.expect("send");
    assert_eq!(
        h.pause(m).expect("pause"),
        0x103,
        "pause must pend while a send is below"
    );
    assert_eq!(module::get(m).expect("module").state, NdisState::Pausing);
    // A send arriving while pausing is completed at once with NDIS_STATUS_PAUSED.
    let late =
        OwnedNblChain::build(&[tcpip::send_nbl(&mut rng, &[&plain], 0, 0, 0)]).expect("chain");
    // SAFETY: `late` outlives the send and its completion.
    unsafe { h.send(m, head(&late), false) }.expect("send while pausing");
    let paused = datapath::with(m, |l| l.completed_up.clone()).expect("ledger");
    assert_eq!(
        paused,
        [(head(&late) as usize, 0xC023_002A_u32 as i32)],
        "NDIS_STATUS_PAUSED expected"
    );
    h.complete_below(m, 0, false).expect("complete");
    let rec = module::get(m).expect("module");
    assert_eq!((rec.state, rec.pause_completions), (NdisState::Paused, 1));
    assert_eq!(verifier::take(), Vec::<String>::new());
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}
