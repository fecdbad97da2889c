//! Anti-replay through the full face: window edges, duplicates, jumps,
//! sequence 0, forged packets never moving the window, ESN across 2^32 in
//! both inference cases, initial sequence numbers and outbound exhaustion.
#![cfg(test)]

mod common;

use common::full::*;
use ipsec_engine::full::{AntiReplay, DropReason, InboundSa, Mode, Protocol, SaConfig};

fn esp_cfg(window: u32, esn: bool) -> SaConfig {
    let mut c = SaConfig::new(Protocol::Esp(esp_transforms_short()[4]), Mode::Transport);
    c.anti_replay = AntiReplay::Window(window);
    c.esn = esn;
    c
}

fn deliver(i: &mut InboundSa, p: &[u8]) -> Result<u64, DropReason> {
    i.decapsulate(&mut p.to_vec()).map(|d| d.seq)
}

#[test]
fn window_edges_for_several_sizes() {
    let inner = inner_packets_v4()[0].clone();
    for w in [32u32, 64, 100, 1024] {
        let c = esp_cfg(w, false);
        let (mut o, mut i) = pair(&c, 5);
        let n = w as usize + 50;
        let pk = burst(&mut o, &inner, n); // pk[k] has sequence k + 1
        let t = n as u64;
        assert_eq!(deliver(&mut i, &pk[n - 1]), Ok(t));
        // T − W + 1 is the oldest accepted number, T − W is too old.
        let edge = t - u64::from(w) + 1;
        assert_eq!(deliver(&mut i, &pk[edge as usize - 1]), Ok(edge), "W={w}");
        assert_eq!(
            deliver(&mut i, &pk[edge as usize - 2]),
            Err(DropReason::TooOld),
            "W={w}"
        );
        assert_eq!(
            deliver(&mut i, &pk[edge as usize - 1]),
            Err(DropReason::Replayed)
        );
        assert_eq!(i.replay_top(), Some(t));
    }
}

#[test]
fn duplicates_inside_one_burst_and_reordering() {
    let c = esp_cfg(64, false);
    let (mut o, mut i) = pair(&c, 5);
    let pk = burst(&mut o, &inner_packets_v6()[0], 10);
    let order = [5usize, 6, 5, 7, 6, 1, 2, 1, 10, 3, 10, 9];
    let want = [
        Ok(5),
        Ok(6),
        Err(DropReason::Replayed),
        Ok(7),
        Err(DropReason::Replayed),
        Ok(1),
        Ok(2),
        Err(DropReason::Replayed),
        Ok(10),
        Ok(3),
        Err(DropReason::Replayed),
        Ok(9),
    ];
    for (s, w) in order.iter().zip(want) {
        assert_eq!(deliver(&mut i, &pk[s - 1]), w, "seq {s}");
    }
}

#[test]
fn jump_larger_than_window() {
    let c = esp_cfg(32, false);
    let (mut o, mut i) = pair(&c, 5);
    let pk = burst(&mut o, &inner_packets_v4()[1], 200);
    assert_eq!(deliver(&mut i, &pk[0]), Ok(1));
    assert_eq!(deliver(&mut i, &pk[2]), Ok(3));
    assert_eq!(deliver(&mut i, &pk[149]), Ok(150));
    // Everything at or below 150 − 32 is now too old, even if never seen.
    assert_eq!(deliver(&mut i, &pk[1]), Err(DropReason::TooOld));
    assert_eq!(deliver(&mut i, &pk[117]), Err(DropReason::TooOld));
    // Unseen numbers inside the new window are accepted once.
    assert_eq!(deliver(&mut i, &pk[118]), Ok(119));
    assert_eq!(deliver(&mut i, &pk[118]), Err(DropReason::Replayed));
    assert_eq!(deliver(&mut i, &pk[148]), Ok(149));
}

#[test]
fn sequence_zero_is_rejected_before_the_icv() {
    let c = esp_cfg(64, false);
    let (_, mut i) = pair(&c, 5);
    let body = [0x11, 0x22, 0, 17]; // GCM: no block constraint
    let p = hand_framed_esp(&c, 5, 0, &body);
    assert_eq!(deliver(&mut i, &p), Err(DropReason::SequenceZero));
    // The same frame with sequence 1 is fine (so the rejection was the number).
    let p = hand_framed_esp(&c, 5, 1, &body);
    assert_eq!(deliver(&mut i, &p), Ok(1));
}

#[test]
fn bad_icv_never_moves_the_window() {
    for protocol in [
        Protocol::Esp(esp_transforms_short()[3]),
        Protocol::Ah(ah(ah_algs()[2])),
        Protocol::EspAh {
            esp: esp_transforms_short()[1],
            ah: ah(ah_algs()[4]),
        },
    ] {
        let mut c = SaConfig::new(protocol, Mode::Transport);
        c.anti_replay = AntiReplay::Window(32);
        let (mut o, mut i) = pair(&c, 9);
        let pk = burst(&mut o, &inner_packets_v4()[1], 100);
        assert_eq!(deliver(&mut i, &pk[1]), Ok(2));
        // Packet 100 with its last byte (ICV) damaged: rejected, and the
        // window must not slide to 100 (else 3 would become too old).
        let mut bad = pk[99].clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x80;
        assert_eq!(deliver(&mut i, &bad), Err(DropReason::IcvMismatch));
        assert_eq!(i.replay_top(), Some(2));
        assert_eq!(deliver(&mut i, &pk[2]), Ok(3));
        // The intact packet 100 is still accepted once.
        assert_eq!(deliver(&mut i, &pk[99]), Ok(100));
        assert_eq!(deliver(&mut i, &pk[99]), Err(DropReason::Replayed));
        assert_eq!(deliver(&mut i, &pk[2]), Err(DropReason::TooOld));
    }
}

#[test]
fn esn_across_two_to_the_32_both_inference_cases() {
    for protocol in [
        Protocol::Esp(esp_transforms_short()[4]),
        Protocol::Esp(esp_transforms_short()[3]),
        Protocol::Ah(ah(ah_algs()[2])),
        Protocol::EspAh {
            esp: esp_transforms_short()[0],
            ah: ah(ah_algs()[3]),
        },
    ] {
        let mut c = SaConfig::new(protocol, tunnel_v6());
        c.esn = true;
        c.anti_replay = AntiReplay::Window(64);
        let base = (1u64 << 32) - 20;
        c.initial_oseq = base; // first packet: 2^32 − 19
        c.initial_iseq = Some(base);
        let (mut o, mut i) = pair(&c, 11);
        let pk = burst(&mut o, &inner_packets_v4()[0], 40); // seqs base+1 ..= base+40
        let seq = |k: usize| base + 1 + k as u64;
        // Case A (Tl >= W − 1): T just below 2^32, a wrapped low half means
        // the next subspace.
        assert_eq!(deliver(&mut i, &pk[5]), Ok(seq(5)));
        assert_eq!(deliver(&mut i, &pk[25]), Ok(seq(25))); // 2^32 + 6
        assert!(seq(25) > 1 << 32);
        // Case B (Tl < W − 1): T just above 2^32, a high low half means the
        // previous subspace.
        assert_eq!(deliver(&mut i, &pk[10]), Ok(seq(10))); // 2^32 − 9
        assert_eq!(deliver(&mut i, &pk[18]), Ok(seq(18))); // 2^32 − 1
        assert_eq!(deliver(&mut i, &pk[19]), Ok(seq(19))); // 2^32 (low half 0)
        assert_eq!(deliver(&mut i, &pk[30]), Ok(seq(30)));
        assert_eq!(deliver(&mut i, &pk[18]), Err(DropReason::Replayed));
        assert_eq!(i.replay_top(), Some(seq(30)));
    }
}

#[test]
fn initial_inbound_sequence_counts_as_received() {
    let mut c = esp_cfg(32, false);
    c.initial_oseq = 90; // first packet carries 91
    c.initial_iseq = Some(100);
    let (mut o, mut i) = pair(&c, 5);
    let pk = burst(&mut o, &inner_packets_v4()[0], 20); // 91..=110
    assert_eq!(deliver(&mut i, &pk[9]), Err(DropReason::Replayed)); // 100
    assert_eq!(deliver(&mut i, &pk[0]), Err(DropReason::Replayed)); // 91
    assert_eq!(deliver(&mut i, &pk[10]), Ok(101));
    assert_eq!(deliver(&mut i, &pk[19]), Ok(110));
    // Without an initial state, 91 is fine.
    c.initial_iseq = None;
    let (_, mut i) = pair(&c, 5);
    assert_eq!(deliver(&mut i, &pk[0]), Ok(91));
}

#[test]
fn outbound_sequence_starts_after_initial_and_is_exhausted() {
    let inner = inner_packets_v4()[0].clone();
    let mut buf = vec![0u8; 2048];
    // Default: 1, 2, 3.
    let (mut o, _) = pair(&esp_cfg(64, false), 1);
    for want in 1..=3 {
        assert_eq!(o.encapsulate(&inner, &mut buf).unwrap().seq, want);
    }
    // Without ESN the last number is 2^32 − 1; no wrap.
    let mut c = esp_cfg(64, false);
    c.initial_oseq = u64::from(u32::MAX) - 2;
    for protocol in [
        c.protocol,
        Protocol::Ah(ah(ah_algs()[0])),
        Protocol::EspAh {
            esp: esp_transforms_short()[4],
            ah: ah(ah_algs()[0]),
        },
    ] {
        c.protocol = protocol;
        let (mut o, _) = pair(&c, 1);
        assert_eq!(
            o.encapsulate(&inner, &mut buf).unwrap().seq,
            u64::from(u32::MAX) - 1
        );
        assert_eq!(
            o.encapsulate(&inner, &mut buf).unwrap().seq,
            u64::from(u32::MAX)
        );
        for _ in 0..3 {
            assert_eq!(
                o.encapsulate(&inner, &mut buf),
                Err(DropReason::SequenceExhausted)
            );
        }
    }
    // An SA configured at the last number is exhausted at once.
    let mut c = esp_cfg(64, false);
    c.initial_oseq = u64::from(u32::MAX);
    let (mut o, _) = pair(&c, 1);
    assert_eq!(
        o.encapsulate(&inner, &mut buf),
        Err(DropReason::SequenceExhausted)
    );
    // With ESN: through 2^32 (no stop), last is 2^64 − 1.
    let mut c = esp_cfg(64, true);
    c.initial_oseq = u64::from(u32::MAX) - 1;
    c.initial_iseq = Some(u64::from(u32::MAX) - 5);
    let (mut o, mut i) = pair(&c, 1);
    for want in [u64::from(u32::MAX), 1 << 32, (1 << 32) + 1] {
        let e = o.encapsulate(&inner, &mut buf).unwrap();
        assert_eq!(e.seq, want);
        assert_eq!(deliver(&mut i, &buf[..e.len]), Ok(want));
    }
    c.initial_oseq = u64::MAX - 1;
    c.initial_iseq = Some(u64::MAX - 5);
    let (mut o, mut i) = pair(&c, 1);
    let e = o.encapsulate(&inner, &mut buf).unwrap();
    assert_eq!(e.seq, u64::MAX);
    assert_eq!(deliver(&mut i, &buf[..e.len]), Ok(u64::MAX));
    assert_eq!(
        o.encapsulate(&inner, &mut buf),
        Err(DropReason::SequenceExhausted)
    );
}
