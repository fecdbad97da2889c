//! Budgets of the binary: the stack every callback uses, the time per NBL.
#![cfg(test)]

use super::*;

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn every_callback_stays_within_the_stack_budget() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(31);
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm256"))
        .expect("gcm256");
    let spi = 0x0C00_0001;
    let (out, layer) = esp_both_ways(&mut h, m, tcpip::BundleSpec::esp(&alg, spi).v6());
    let f = tcpip::frame(
        &tcpip::Ip {
            v6: true,
            extras: true,
        },
        &layer,
        9,
        &[0x42; 1200],
        17,
    );
    let (_owned, wire) = send_frame(&mut h, m, &mut rng, &f, out);
    let rx = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, &wire[0][0], 0)]).expect("chain");
    // SAFETY: `rx` outlives the receive and its return.
    unsafe { h.receive(m, head(&rx), 1, true) }.expect("receive");
    h.return_above(m, true).expect("return");
    assert!(tcpip::recv_view(&rx, 0).crypto_done);
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
    let figures = stack::figures();
    for (name, depth) in &figures {
        eprintln!("stack: {name:36} {depth:6} bytes");
    }
    for name in [
        "DriverEntry",
        "FilterAttach",
        "FilterRestart",
        "FilterDirectOidRequest",
        "FilterSendNetBufferLists",
        "FilterSendNetBufferListsComplete",
        "FilterReceiveNetBufferLists",
        "FilterReturnNetBufferLists",
        "FilterPause",
        "FilterDetach",
        "DriverUnload",
    ] {
        let d = figures.iter().find(|f| f.0 == name).map_or(0, |f| f.1);
        assert!(d > 512 && d <= stack::BUDGET, "{name}: {d} bytes");
    }
}

/// Per-NBL time of ESP send (seal in the binary + the host's miniport completion) and receive
/// (open in the binary + TCP/IP's return), printed; `--release` for meaningful figures. Fails
/// only if a packet is not protected or not opened.
#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn per_nbl_cost_through_the_binary() {
    use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec};
    const N: usize = 2000;
    let mut h = host();
    let m = running_module(&mut h);
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .expect("gcm128");
    let spi = 0x0F00_0001;
    let (out, layer) = esp_both_ways(&mut h, m, tcpip::BundleSpec::esp(&alg, spi));
    // 1400-byte IP datagrams: payload so that the ESP-framed datagram is 1400 bytes.
    let probe = tcpip::frame(
        &tcpip::Ip {
            v6: false,
            extras: false,
        },
        &layer,
        1,
        &[],
        6,
    );
    let payload = vec![0x5Au8; 1400 + 14 - probe.frame.len()];
    let frames: Vec<_> = (0..N)
        .map(|i| {
            tcpip::frame(
                &tcpip::Ip {
                    v6: false,
                    extras: false,
                },
                &layer,
                i as u32 + 1,
                &payload,
                6,
            )
        })
        .collect();
    // One MDL per NET_BUFFER, as the in-process bench of docs/performance.md uses.
    let one_mdl = |f: &[u8], handle: u64, header: u32| {
        let mut spec = NblSpec::new(vec![NbSpec::new(
            f.to_vec(),
            MdlLayout::single(f.len() as u32),
        )]);
        if handle != 0 {
            // Slots 1 (IPsecOffloadV2NetBufferListInfo) and 12 (the header info).
            spec.info.push((1, handle as usize));
            spec.info.push((12, header as usize));
        }
        OwnedNblChain::build(&[spec]).expect("chain")
    };
    let sends: Vec<OwnedNblChain> = frames
        .iter()
        .map(|f| one_mdl(&f.frame, out, f.header_info))
        .collect();
    // Timed without the stack painting (64 KiB painted and scanned per callback).
    stack::set_painting(false);
    let t = std::time::Instant::now();
    let mut wire = Vec::with_capacity(N);
    for s in &sends {
        // SAFETY: `s` outlives the send and its completion.
        unsafe { h.send(m, head(s), true) }.expect("send");
        wire.extend(
            h.complete_below(m, 0, true)
                .expect("complete")
                .into_iter()
                .flatten(),
        );
    }
    let send_ns = t.elapsed().as_nanos() as f64 / N as f64;
    assert_eq!(wire.len(), N);
    let completed = datapath::with(m, |l| core::mem::take(&mut l.completed_up)).expect("ledger");
    assert!(completed.len() == N && completed.iter().all(|c| c.1 == 0));
    let rx: Vec<OwnedNblChain> = wire.iter().map(|w| one_mdl(w, 0, 0)).collect();
    let t = std::time::Instant::now();
    for r in &rx {
        // SAFETY: `r` outlives the receive and its return.
        unsafe { h.receive(m, head(r), 1, true) }.expect("receive");
        h.return_above(m, true).expect("return");
    }
    let recv_ns = t.elapsed().as_nanos() as f64 / N as f64;
    stack::set_painting(true);
    assert!(rx
        .iter()
        .all(|r| tcpip::recv_view(r, 0).crypto_done && tcpip::recv_view(r, 0).status == 0));
    eprintln!(
        "per-NBL through the binary, ESP AES-GCM-128, 1400-byte datagrams, one MDL, chains of 1: send+complete {send_ns:.0} ns, receive+return {recv_ns:.0} ns"
    );
    datapath::with(m, |l| l.returned_down.clear());
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
}
