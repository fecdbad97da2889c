//! A counting global allocator shows that seal/open of every algorithm, AH,
//! the replay window and the header helpers allocate nothing per packet
//! after setup — and neither do the full face's encapsulate/decapsulate
//! for every algorithm, mode, family, UDP encapsulation and bundle.
#![cfg(test)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::full::{
    ah, ah_algs, esp_transforms, inner_packets_v4, inner_packets_v6, pair, tunnel_v4, tunnel_v6,
};
use common::{all_esp_configs, frame, key_bytes};
use ipsec_engine::full::{DropReason, Mode, Protocol, SaConfig, UdpEncap};
use ipsec_engine::replay::{OutboundSequence, ReplayWindow};
use ipsec_engine::{AesKeySize, AhIntegrity, AhSa, EspSa};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(|c| c.get())
}

#[test]
fn zero_allocations_per_packet() {
    for (n, cfg) in all_esp_configs().into_iter().enumerate() {
        // Setup (may allocate).
        let sa = EspSa::new(
            cfg,
            &key_bytes(cfg.encryption.key_len(), n as u64),
            &key_bytes(cfg.integrity.key_len(), 99),
        )
        .unwrap();
        let mut window = ReplayWindow::new(1024, cfg.esn).unwrap();
        let out = OutboundSequence::new(cfg.esn);
        let mut packets: Vec<Vec<u8>> = [0usize, 1, 63, 576, 1400, 9000]
            .iter()
            .map(|&l| frame(&cfg, 1, 0, &vec![7u8; l], 4))
            .collect();
        let before = allocs();
        for p in packets.iter_mut() {
            let seq = out.next().unwrap();
            p[4..8].copy_from_slice(&(seq as u32).to_be_bytes());
            sa.seal(p, (seq >> 32) as u32).unwrap();
            let full = window.check(seq as u32).unwrap();
            sa.open(p, (full >> 32) as u32).unwrap();
            window.advance(full).unwrap();
            // A rejected packet allocates nothing either.
            p[9] ^= 1;
            assert!(sa.open(p, 0).is_err());
        }
        assert_eq!(allocs(), before, "{cfg:?} allocated per packet");
    }
}

#[test]
fn zero_allocations_ah() {
    for alg in [
        AhIntegrity::HmacMd5_96,
        AhIntegrity::HmacSha1_96,
        AhIntegrity::HmacSha256_128,
        AhIntegrity::AesGmac(AesKeySize::Aes128),
        AhIntegrity::AesGmac(AesKeySize::Aes192),
        AhIntegrity::AesGmac(AesKeySize::Aes256),
    ] {
        let sa = AhSa::new(alg, true, &key_bytes(alg.key_len(), 1)).unwrap();
        let ah_len = (12 + alg.iv_len() + alg.icv_len()).next_multiple_of(4);
        let total = 24 + ah_len + 1000;
        let mut p = vec![0u8; total];
        p[0] = 0x46;
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p[9] = 51;
        p[20..24].copy_from_slice(&[7, 3, 4, 0]); // Record Route (mutable) header bytes
        p[24] = 6;
        p[25] = (ah_len / 4 - 2) as u8;
        let before = allocs();
        sa.seal(&mut p, 24, 3).unwrap();
        sa.open(&p, 24, 3).unwrap();
        let _ = ipsec_engine::wire::locate_ipsec(&p);
        assert_eq!(allocs(), before, "{alg:?}");
    }
}

#[test]
fn zero_allocations_full_face() {
    let mut protocols: Vec<Protocol> = esp_transforms().into_iter().map(Protocol::Esp).collect();
    protocols.extend(ah_algs().into_iter().map(|a| Protocol::Ah(ah(a))));
    for a in ah_algs() {
        protocols.push(Protocol::EspAh {
            esp: esp_transforms()[10],
            ah: ah(a),
        });
    }
    let mut inners = inner_packets_v4();
    inners.extend(inner_packets_v6());
    let mut out = vec![0u8; 4096];
    let mut scratch = vec![0u8; 4096];
    let mut checked = 0;
    for (n, p) in protocols.iter().enumerate() {
        for mode in [Mode::Transport, tunnel_v4(), tunnel_v6()] {
            for (udp, esn) in [(false, false), (true, true), (false, true)] {
                if udp && p.ah().is_some() {
                    continue;
                }
                let mut c = SaConfig::new(*p, mode);
                c.esn = esn;
                c.udp_encap = udp.then_some(UdpEncap {
                    src_port: 4500,
                    dst_port: 4500,
                });
                let (mut o, mut i) = pair(&c, n as u64);
                let before = allocs();
                for inner in &inners {
                    let e = o.encapsulate(inner, &mut out).unwrap();
                    let s = scratch.get_mut(..e.len).unwrap();
                    s.copy_from_slice(&out[..e.len]);
                    let d = i.decapsulate(s).unwrap();
                    assert_eq!(d.len, inner.len());
                    // Rejections allocate nothing either: a replay and a forgery.
                    s.copy_from_slice(&out[..e.len]);
                    assert_eq!(i.decapsulate(s), Err(DropReason::Replayed));
                    s.copy_from_slice(&out[..e.len]);
                    s[e.len - 1] ^= 1;
                    assert!(i.decapsulate(s).is_err());
                    checked += 1;
                }
                assert_eq!(allocs(), before, "{c:?} allocated per packet");
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}
