//! The inbound fuzz harness, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/inbound.rs`), the corpus replay test
//! (`tests/fuzz_corpus.rs`), the seed generator (`tests/seed_corpus.rs`)
//! and the property tests.
//!
//! Input: byte 0 selects one of [`configs`] (modulo their number); the rest
//! is a received packet for that SA's inbound side.
#![allow(dead_code)]

use ipsec_engine::full::{AntiReplay, DropReason, Mode, Protocol, SaConfig, UdpEncap};

use super::full::{ah, ah_algs, esp_transforms_short, pair, tunnel_v4, tunnel_v6};

/// The fixed SAs the harness exercises: several algorithms, both modes,
/// both families, ESN, UDP encapsulation, AH and ESP+AH.
pub fn configs() -> Vec<SaConfig> {
    let s = esp_transforms_short();
    let udp = Some(UdpEncap {
        src_port: 4500,
        dst_port: 4500,
    });
    let mk = |p, mode, udp_encap, esn| {
        let mut c = SaConfig::new(p, mode);
        c.udp_encap = udp_encap;
        c.esn = esn;
        c
    };
    let mut v = vec![
        mk(Protocol::Esp(s[4]), Mode::Transport, None, false),
        mk(Protocol::Esp(s[3]), tunnel_v4(), udp, true),
        mk(Protocol::Esp(s[1]), tunnel_v6(), None, true),
        mk(Protocol::Esp(s[6]), Mode::Transport, udp, false),
        mk(Protocol::Ah(ah(ah_algs()[3])), Mode::Transport, None, true),
        mk(Protocol::Ah(ah(ah_algs()[2])), tunnel_v6(), None, false),
        mk(
            Protocol::EspAh {
                esp: s[0],
                ah: ah(ah_algs()[1]),
            },
            tunnel_v4(),
            None,
            false,
        ),
        mk(Protocol::Esp(s[2]), Mode::Transport, None, true),
    ];
    // ESN near the 2^32 boundary, small window.
    let mut c = mk(Protocol::Esp(s[5]), tunnel_v4(), None, true);
    c.anti_replay = AntiReplay::Window(32);
    c.initial_oseq = (1 << 32) - 3;
    c.initial_iseq = Some((1 << 32) - 3);
    v.push(c);
    v
}

/// Key seed of configuration `k` (the seed generator uses the same).
pub fn seed(k: usize) -> u64 {
    100 + k as u64
}

/// Decapsulate `data[1..]` with the SA chosen by `data[0]`; check the
/// invariants that must hold for any input.
pub fn run(data: &[u8]) {
    let Some((&sel, packet)) = data.split_first() else {
        return;
    };
    let cfgs = configs();
    let k = usize::from(sel) % cfgs.len();
    let (_, mut sa) = pair(&cfgs[k], seed(k));
    let mut buf = packet.to_vec();
    match sa.decapsulate(&mut buf) {
        Ok(d) => {
            assert!(d.range().end <= buf.len());
            assert!(d.len >= 20, "an IP packet came back: {d:?}");
            assert_eq!(sa.usage().packets, 1);
            // The same packet again is a replay.
            let mut again = packet.to_vec();
            assert_eq!(sa.decapsulate(&mut again), Err(DropReason::Replayed));
        }
        Err(DropReason::DummyPacket) => {
            let mut again = packet.to_vec();
            assert_eq!(sa.decapsulate(&mut again), Err(DropReason::Replayed));
        }
        Err(e) => {
            assert!(!e.as_str().is_empty());
            assert_eq!(sa.usage().packets, 0);
        }
    }
}
