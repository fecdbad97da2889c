//! Packets through the binary: plain traffic, ESP sealed on send and opened on receive, sends
//! on four threads while SAs churn.
#![cfg(test)]

use super::*;

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn plain_traffic_passes_through_the_binary_and_every_nbl_comes_back_once() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(11);
    let plain = plain_frame();
    for dispatch in [false, true] {
        // Send: passed down as is, completed back up once.
        let owned = OwnedNblChain::build(&[
            tcpip::send_nbl(&mut rng, &[&plain], 0, 0, 0),
            tcpip::send_nbl(&mut rng, &[&plain, &plain], 0, 0, 0),
        ])
        .expect("chain");
        // SAFETY: `owned` outlives the send and its completion.
        unsafe { h.send(m, head(&owned), dispatch) }.expect("send");
        let below = datapath::with(m, |l| l.below.clone()).expect("ledger");
        assert_eq!(
            below,
            [
                head(&owned) as usize,
                owned.nbl_ptr(1).expect("nbl") as usize
            ]
        );
        let frames = h.complete_below(m, 0, dispatch).expect("complete");
        assert_eq!(
            frames,
            [vec![plain.clone()], vec![plain.clone(), plain.clone()]]
        );
        let l = datapath::with(m, |l| l.clone()).expect("ledger");
        assert!(l.sends_in_filter.is_empty() && l.below.is_empty(), "{l:?}");
        assert_eq!(l.completed_up.iter().filter(|c| c.1 == 0).count(), 2);
        // Given back, the NBL's header is poisoned: a driver reading it after this would fault.
        // SAFETY: the NBL belongs to `owned`, alive; its first word is `Next`.
        let next = unsafe { head(&owned).cast::<u64>().read() };
        assert_eq!(next, 0xDDDD_DDDD_DDDD_DDDD);
        datapath::with(m, |l| l.completed_up.clear());

        // Receive: indicated up as is, returned down once.
        let owned = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, &plain, 0)]).expect("chain");
        // SAFETY: `owned` outlives the receive and its return.
        unsafe { h.receive(m, head(&owned), 1, dispatch) }.expect("receive");
        let got = h.return_above(m, dispatch).expect("return");
        assert_eq!(got, [(head(&owned) as usize, vec![plain.clone()])]);
        assert_eq!(tcpip::recv_view(&owned, 0), tcpip::UNTOUCHED);
        let l = datapath::with(m, |l| l.clone()).expect("ledger");
        assert_eq!(l.returned_down, [head(&owned) as usize]);
        assert!(
            l.receives_in_filter.is_empty() && l.above.is_empty(),
            "{l:?}"
        );
        datapath::with(m, |l| l.returned_down.clear());
    }
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn esp_is_sealed_on_send_and_opened_on_receive_by_the_binary() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(23);
    let mut ran = Vec::new();
    for alg in tcpip::esp_algs()
        .iter()
        .filter(|a| a.name.starts_with("gcm128") || a.name.contains("sha256"))
    {
        let spi = 0x0A00_0000 + rng.next_u64() as u32 % 0x10000;
        let (out, _) = esp_both_ways(&mut h, m, tcpip::BundleSpec::esp(alg, spi));
        let payload: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
        let f = esp_v4_frame(alg, spi, &payload, 6);

        let (owned, wire) = send_frame(&mut h, m, &mut rng, &f, out);
        assert_eq!(wire.len(), 1, "{}: one NBL down", alg.name);
        let w = &wire[0][0];
        assert_eq!(w.len(), f.frame.len(), "{}", alg.name);
        for &(s, e) in &f.encrypted {
            assert!(
                e - s < 8 || w[s..e] != f.frame[s..e],
                "{}: payload [{s}..{e}) in clear on the wire",
                alg.name
            );
        }
        let completed =
            datapath::with(m, |l| core::mem::take(&mut l.completed_up)).expect("ledger");
        assert_eq!(completed, [(head(&owned) as usize, 0)], "{}", alg.name);

        let rx = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, w, 0)]).expect("chain");
        // SAFETY: `rx` outlives the receive and its return.
        unsafe { h.receive(m, head(&rx), 1, true) }.expect("receive");
        let got = h.return_above(m, true).expect("return");
        assert_eq!(got.len(), 1, "{}", alg.name);
        let view = tcpip::recv_view(&rx, 0);
        assert!(view.crypto_done, "{}: CryptoDone clear", alg.name);
        assert_eq!(view.status, 0, "{}: CryptoStatus", alg.name);
        if let Some((nh, pad)) = f.trailer {
            assert_eq!((view.next_header, view.pad), (nh, pad), "{}", alg.name);
        }
        assert_eq!(
            tcpip::masked(&got[0].1[0], &f.written),
            tcpip::masked(&f.frame, &f.written),
            "{}: what TCP/IP got differs from what was sent",
            alg.name
        );
        datapath::with(m, |l| l.returned_down.clear());
        ran.push(alg.name);
    }
    assert!(ran.len() >= 2, "transforms exercised: {ran:?}");
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

/// A chain of AES-GCM NBLs runs the binary's wide tier inside one extended-state section each
/// way (KeSaveExtendedProcessorState / Restore, for real: XSAVE / XRSTOR, LIFO checked), and the
/// bytes round-trip; a one-NBL chain opens none.
#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_gcm_chain_runs_in_one_extended_state_section_each_way() {
    use ipsecov2_pe_host::kernel::xstate;
    let wide = std::arch::is_x86_feature_detected!("vaes")
        && std::arch::is_x86_feature_detected!("vpclmulqdq")
        && std::arch::is_x86_feature_detected!("avx2");
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(29);
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .expect("gcm128");
    let spi = 0x0B00_0001;
    let (out, layer) = esp_both_ways(&mut h, m, tcpip::BundleSpec::esp(&alg, spi));
    let ip = tcpip::Ip {
        v6: false,
        extras: false,
    };
    for n in [4usize, 1] {
        let frames: Vec<_> = (0..n)
            .map(|i| {
                let payload: Vec<u8> = (0..1400u32).map(|b| (b * 3 + i as u32) as u8).collect();
                tcpip::frame(&ip, &layer, i as u32 + 1, &payload, 17)
            })
            .collect();
        let specs: Vec<_> = frames
            .iter()
            .map(|f| tcpip::send_nbl(&mut rng, &[&f.frame], out, 0, f.header_info))
            .collect();
        let owned = OwnedNblChain::build(&specs).expect("chain");
        let before = xstate::saves_on_this_thread();
        // SAFETY: `owned` outlives the send and its completion.
        unsafe { h.send(m, head(&owned), true) }.expect("send");
        let sections = if wide && n >= 2 { 1 } else { 0 };
        assert_eq!(
            xstate::saves_on_this_thread() - before,
            sections,
            "send of {n}"
        );
        let wire = h.complete_below(m, 0, true).expect("complete");
        let sealed: Vec<Vec<u8>> = wire.iter().map(|w| w[0].clone()).collect();
        assert_eq!(sealed.len(), n);
        datapath::with(m, |l| l.completed_up.clear()).expect("ledger");

        let rspecs: Vec<_> = sealed
            .iter()
            .map(|w| tcpip::recv_nbl(&mut rng, w, 0))
            .collect();
        let rx = OwnedNblChain::build(&rspecs).expect("chain");
        let before = xstate::saves_on_this_thread();
        // SAFETY: `rx` outlives the receive and its return.
        unsafe { h.receive(m, head(&rx), n as u32, true) }.expect("receive");
        assert_eq!(
            xstate::saves_on_this_thread() - before,
            sections,
            "receive of {n}"
        );
        let got = h.return_above(m, true).expect("return");
        assert_eq!(got.len(), n);
        for (i, f) in frames.iter().enumerate() {
            let view = tcpip::recv_view(&rx, i);
            assert!(view.crypto_done && view.status == 0, "NBL {i} of {n}");
            assert_eq!(
                tcpip::masked(&got[i].1[0], &f.written),
                tcpip::masked(&f.frame, &f.written),
                "NBL {i} of {n}: what TCP/IP got differs from what was sent"
            );
        }
        datapath::with(m, |l| l.returned_down.clear()).expect("ledger");
    }
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn sends_on_four_threads_while_sas_churn_on_another() {
    const SENDERS: usize = 4;
    const PACKETS: usize = 150;
    let mut h = host();
    let m = running_module(&mut h);
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .expect("gcm128");
    let spi = 0x0D00_0001;
    let out = add_sa(&mut h, m, &tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi)));
    let calls = h.module_calls(m).expect("calls");
    let layer = tcpip::Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let frames_on_wire = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..SENDERS {
            let frames_on_wire = &frames_on_wire;
            s.spawn(move || {
                calls.enter_thread().expect("thread");
                let mut rng = SplitMix64::new(100 + t as u64);
                let mut keep = Vec::new();
                for i in 0..PACKETS {
                    let f = tcpip::frame(
                        &tcpip::Ip {
                            v6: false,
                            extras: false,
                        },
                        &layer,
                        (t * PACKETS + i + 1) as u32,
                        &[t as u8; 100],
                        6,
                    );
                    let owned = OwnedNblChain::build(&[tcpip::send_nbl(
                        &mut rng,
                        &[&f.frame],
                        out,
                        0,
                        f.header_info,
                    )])
                    .expect("chain");
                    // SAFETY: `owned` is kept alive until the end of the test.
                    unsafe { calls.send(head(&owned)) };
                    keep.push(owned);
                    let n: usize = calls.complete_below().iter().map(Vec::len).sum();
                    frames_on_wire.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                }
                // The chains live until every one of them is back.
                let mine: Vec<usize> = keep.iter().map(|o| head(o) as usize).collect();
                while datapath::with(m, |l| l.sends_in_filter.iter().any(|n| mine.contains(n)))
                    .unwrap_or(false)
                {
                    let n: usize = calls.complete_below().iter().map(Vec::len).sum();
                    frames_on_wire.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                    std::thread::yield_now();
                }
                drop(keep);
            });
        }
        s.spawn(move || {
            calls.enter_thread().expect("thread");
            let alg = tcpip::esp_algs()
                .into_iter()
                .find(|a| a.name.contains("sha256"))
                .expect("cbc+sha256");
            for i in 0..60u32 {
                let sa = tcpip::bundle(tcpip::BundleSpec::esp(&alg, 0x0E00_0000 + i).inbound());
                let (mut buf, offsets) = oid_buffers::add_sa_list(&[sa]);
                relink(&mut buf, &offsets);
                assert_eq!(
                    calls.direct_set(OID_ADD_SA, &mut buf),
                    Some(0),
                    "ADD_SA {i}"
                );
                let handle = oid_buffers::handle_at(&buf, offsets[0]);
                let mut del = oid_buffers::delete_sa_list(&[handle]);
                relink(&mut del, &[0]);
                assert_eq!(
                    calls.direct_set(OID_DELETE_SA, &mut del),
                    Some(0),
                    "DELETE_SA {i}"
                );
            }
        });
    });
    // Whatever is still below is completed now.
    let rest: usize = calls.complete_below().iter().map(Vec::len).sum();
    let completed = calls.take_completed();
    assert_eq!(
        completed.len(),
        SENDERS * PACKETS,
        "every send completed back once"
    );
    assert!(
        completed.iter().all(|c| c.1 == 0),
        "{:x?}",
        completed
            .iter()
            .filter(|c| c.1 != 0)
            .take(3)
            .collect::<Vec<_>>()
    );
    assert_eq!(frames_on_wire.into_inner() + rest, SENDERS * PACKETS);
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}
