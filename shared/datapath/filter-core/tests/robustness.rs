//! Random and mutated input never panics; every NBL is accounted for exactly once; buffers go
//! back to the pool; frames larger than the scratch buffer are left to TCP/IP.
#![cfg(test)]

mod common;

use common::pair::*;
use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::{DatapathCounters, HostTxPool};
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec, OwnedNblChain, SplitMix64};

fn mutate(rng: &mut SplitMix64, f: &[u8]) -> Vec<u8> {
    let mut t = f.to_vec();
    match rng.next_u64() % 4 {
        0 => {
            let cut = (rng.next_u64() as usize) % (t.len() + 1);
            t.truncate(cut);
        }
        1 => {
            for _ in 0..1 + rng.next_u64() % 4 {
                if t.is_empty() {
                    break;
                }
                let i = (rng.next_u64() as usize) % t.len();
                t[i] = rng.next_u64() as u8;
            }
        }
        2 => {
            // Header fields: IP length, IHL, next header, AH length, UDP length.
            let i = ETH
                + [0usize, 2, 3, 4, 5, 6, 9, 20, 21, 40, 41, 44, 45]
                    [(rng.next_u64() % 13) as usize];
            if i < t.len() {
                t[i] = rng.next_u64() as u8;
            }
        }
        _ => {
            let n = (rng.next_u64() % 40) as usize;
            let extra = rng.bytes(n);
            t.extend_from_slice(&extra);
        }
    }
    t
}

#[test]
fn mutated_frames_never_panic_on_either_path() {
    let mut rng = SplitMix64::new(40);
    let esps = esp_algs();
    let ahs = ah_algs();
    let pool = HostTxPool::new(16, 4096);
    for round in 0..300u32 {
        let e = &esps[(round as usize) % esps.len()];
        let a = (round % 3 == 0).then(|| &ahs[(round as usize) % ahs.len()]);
        let udp = a.is_none() && round % 5 == 0;
        let v6 = round % 2 == 0;
        let tx = core();
        let rx = core();
        let u = if udp {
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
        } else {
            0
        };
        let h = add(
            &tx,
            &bundle(BundleSpec {
                esp: Some((e, 0x500 + round)),
                ah: a.map(|a| (a, 0x9500 + round)),
                v6,
                esn: round % 4 == 1,
                udp: u,
                ..BundleSpec::default()
            }),
        );
        add(
            &rx,
            &bundle(BundleSpec {
                esp: Some((e, 0x500 + round)),
                ah: a.map(|a| (a, 0x9500 + round)),
                v6,
                inbound: true,
                esn: round % 4 == 1,
                udp: u,
            }),
        );
        let plen = (rng.next_u64() % 300) as usize;
        let payload = rng.bytes(plen);
        let f = frame(
            &Ip {
                v6,
                extras: round % 7 == 0,
            },
            &Layer {
                esp: Some((e.shape, 0x500 + round)),
                ah: a.map(|a| (a.shape, 0x9500 + round)),
                udp,
            },
            round,
            &payload,
            6,
        );
        // Send: mutated frames and random slot 12 values; each NBL exactly once.
        let mut specs = Vec::new();
        for _ in 0..6 {
            let m = mutate(&mut rng, &f.frame);
            let hi = if rng.next_u64().is_multiple_of(2) {
                rng.next_u64() as u32
            } else {
                f.header_info
            };
            let tun = if rng.next_u64().is_multiple_of(5) {
                h
            } else {
                0
            };
            specs.push(send_nbl(&mut rng, &[&m], h, tun, hi));
        }
        let (sent, _o) = send_through(&tx, &specs, &pool);
        assert_eq!(sent.len(), 6);
        assert_eq!(pool.free_count(), pool.count());
        // Receive: mutated protected frames.
        let w = &protected(&tx, &mut rng, &f, (h, 0), &pool);
        let frames: Vec<Vec<u8>> = (0..8).map(|_| mutate(&mut rng, &w[0])).collect();
        let got = receive_through(&rx, &mut rng, &frames, 0);
        for ((view, bytes), sent) in got.iter().zip(&frames) {
            if view.status != CRYPTO_SUCCESS {
                assert_eq!(bytes, sent, "failed packets are not modified");
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = SplitMix64::new(41);
    let m = core();
    let pool = HostTxPool::new(8, 2048);
    for _ in 0..500 {
        let len = (rng.next_u64() % 200) as usize;
        let mut b = rng.bytes(len);
        if len > 14 && rng.next_u64().is_multiple_of(2) {
            b[12] = 0x08;
            b[13] = 0;
            b[14] = 0x45;
        }
        let hi = rng.next_u64() as u32;
        let sent = send_one(&m, send_nbl(&mut rng, &[&b], 0x1234, 0, hi), &pool);
        assert!(matches!(sent, Sent::Completed(..)));
        let got = receive_through(&m, &mut rng, &[b.clone()], 0);
        assert_eq!(got[0].0, UNTOUCHED);
        assert_eq!(got[0].1, b);
    }
}

/// A frame larger than the scratch buffer, of an offloaded SA: not processed (TCP/IP decrypts in
/// software), bytes untouched; of no SA: untouched.
#[test]
fn frames_larger_than_scratch_are_left_to_tcpip() {
    let mut rng = SplitMix64::new(42);
    let e = &esp_algs()[0];
    let tx = core();
    let rx = core();
    let h = add(&tx, &bundle(BundleSpec::esp(e, 0x4444)));
    add(&rx, &bundle(BundleSpec::esp(e, 0x4444).inbound()));
    let f = frame(&V4, &esp_layer(e.shape, 0x4444), 1, &rng.bytes(600), 6);
    let pool = HostTxPool::new(1, 2048);
    let w = &protected(&tx, &mut rng, &f, (h, 0), &pool);
    let mut other = w[0].clone();
    other[ETH + 20] ^= 0x10; // another SPI
    let specs: Vec<NblSpec> = [w[0].clone(), other.clone()]
        .iter()
        .map(|fr| {
            NblSpec::new(vec![NbSpec::new(
                fr.clone(),
                MdlLayout::random(&mut rng, fr.len() as u32, &seg()),
            )])
        })
        .collect();
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    let mut scratch = vec![0u8; 256];
    {
        let mut chain = owned.chain();
        rx.receive(&mut chain, &SystemVaMapper, &mut scratch);
    }
    assert_eq!(owned.info(0, IPsecOffloadV2NetBufferListInfo), Some(0));
    assert_eq!(owned.read_nb(0, 0).unwrap(), w[0]);
    assert_eq!(owned.read_nb(1, 0).unwrap(), other);
    assert_eq!(DatapathCounters::get(&rx.counters.recv_not_processed), 1);
    assert_eq!(DatapathCounters::get(&rx.counters.recv_untouched), 1);
}
