//! Random and mutated packets never make the full face panic (inbound and
//! outbound), and random valid inner packets always round-trip.
#![cfg(test)]

mod common;

use common::full::*;
use common::harness;
use ipsec_engine::full::{InboundSa, OutboundSa};
use proptest::prelude::*;

fn sas() -> Vec<(OutboundSa, InboundSa)> {
    harness::configs()
        .iter()
        .enumerate()
        .map(|(k, c)| pair(c, harness::seed(k)))
        .collect()
}

/// Length of the IP header plus every IPv6 extension header.
fn header_chain_len(p: &[u8]) -> usize {
    if p[0] >> 4 == 4 {
        return usize::from(p[0] & 0x0f) * 4;
    }
    let (mut nh, mut at) = (p[6], 40);
    while matches!(nh, 0 | 43 | 60) {
        nh = p[at];
        at += (usize::from(p[at + 1]) + 1) * 8;
    }
    at
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300), first in 0u8..3) {
        let mut sas = sas();
        for (o, i) in sas.iter_mut() {
            let mut d = data.clone();
            if let Some(b) = d.first_mut() {
                *b = (*b & 0x0f) | [0x40, 0x60, 0x00][usize::from(first)];
            }
            let _ = i.decapsulate(&mut d);
            let mut out = vec![0u8; 1024];
            let _ = o.encapsulate(&data, &mut out);
            let _ = o.encapsulate(&d, &mut out[..40]);
        }
    }

    #[test]
    fn mutated_valid_packets_never_panic_and_rarely_pass(
        which in 0usize..8,
        edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..6),
        cut in any::<u16>(),
    ) {
        let mut sas = sas();
        let mut inners = inner_packets_v4();
        inners.extend(inner_packets_v6());
        let inner = &inners[which];
        for (o, i) in sas.iter_mut() {
            let mut pk = burst(o, inner, 1).remove(0);
            let orig = pk.clone();
            for (at, x) in &edits {
                let n = pk.len();
                pk[usize::from(*at) % n] ^= x | 1;
            }
            if cut % 3 == 0 {
                pk.truncate(usize::from(cut) % (pk.len() + 1));
            }
            if let Ok(d) = i.decapsulate(&mut pk) {
                // Only edits of fields outside the ICV (mutable outer header
                // fields, UDP header, tunnel outer header for ESP) can pass;
                // then the inner packet must still be the original's.
                prop_assert!(d.range().end <= pk.len());
                let got = &pk[d.range()];
                prop_assert_eq!(got.len(), inner.len());
                // Transport mode: ESP does not protect the IP header, AH
                // skips its mutable fields; the upper-layer data after the
                // IP header and extension headers is always protected.
                let hl = header_chain_len(inner);
                prop_assert_eq!(&got[hl..], &inner[hl..]);
                prop_assert_eq!(got[0] >> 4, inner[0] >> 4);
                prop_assert!(orig.len() >= pk.len());
            }
        }
    }

    #[test]
    fn harness_accepts_random_input(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        harness::run(&data);
    }

    #[test]
    fn random_udp_payload_round_trips(len in 0usize..1400, sport: u16, dport: u16, v6: bool) {
        let mut sas = sas();
        let seg = udp_segment(sport, dport, len);
        let inner = if v6 { ipv6(&[], 17, 0, 0, &seg) } else { ipv4(17, &[], 0, true, &seg) };
        for (o, i) in sas.iter_mut() {
            let mut pk = burst(o, &inner, 1).remove(0);
            let d = i.decapsulate(&mut pk).unwrap();
            prop_assert_eq!(&pk[d.range()], &inner[..]);
            prop_assert_eq!((d.selector.src_port, d.selector.dst_port), (sport, dport));
        }
    }
}
