//! One extended-state section per NBL chain (`ipsecov2_filter_core::wide`): a chain of at
//! least two NBLs on an AES-GCM SA opens exactly one section, send and receive, and its packets
//! are the same as on the XMM tier (the receiver opens what either tier sealed); single-NBL
//! chains and chains of SAs without AES-GCM open none; a refused save leaves the chain on the
//! XMM tier, protected all the same.
#![cfg(test)]

mod common;

use std::cell::Cell;

use common::pair::{esp_cbc, esp_gcm, pair, Pair, V4};
use common::*;
use ipsec_engine::ExtendedStateSave;
use ipsecov2_abi::CRYPTO_SUCCESS;
use ipsecov2_filter_core::checksum::MiniportChecksum;
use ipsecov2_filter_core::{HostTxPool, OffloadEnable, WIDE_MIN_NBLS};
use ipsecov2_ndis_emu::{OwnedNblChain, SplitMix64};

/// Counts saves and restores; refuses when asked.
#[derive(Default)]
struct Counting {
    refuse: bool,
    saves: Cell<u32>,
    restores: Cell<u32>,
}

#[allow(unsafe_code)]
// SAFETY: user mode: the OS saves the YMM state; this saver only counts.
unsafe impl ExtendedStateSave for Counting {
    type Saved = ();
    type Error = ();
    fn save(&self) -> Result<(), ()> {
        self.saves.set(self.saves.get() + 1);
        if self.refuse {
            Err(())
        } else {
            Ok(())
        }
    }
    fn restore(&self, (): ()) {
        self.restores.set(self.restores.get() + 1);
    }
}

/// Whether this CPU has the wide tier (the engine's AES-GCM is wide-capable exactly then).
fn wide_cpu() -> bool {
    let sa = ipsec_engine::EspSa::new(
        ipsec_engine::EspConfig {
            encryption: ipsec_engine::EspEncryption::AesGcm(
                ipsec_engine::AesKeySize::Aes128,
                ipsec_engine::GcmIcvLen::Icv16,
            ),
            integrity: ipsec_engine::EspIntegrity::None,
            esn: false,
        },
        &[7u8; 20],
        &[],
    )
    .unwrap();
    sa.wide_capable()
}

/// Sends `n` 1400-byte frames as one chain through `p.tx` with `saver`; the protected bytes.
fn send_chain(p: &Pair, rng: &mut SplitMix64, n: usize, saver: &Counting) -> Vec<Vec<u8>> {
    let frames: Vec<Framed> = (0..n)
        .map(|i| frame(&V4, &p.layer, i as u32 + 1, &rng.bytes(1400), 17))
        .collect();
    let specs: Vec<_> = frames
        .iter()
        .map(|f| send_nbl(rng, &[&f.frame], p.handle, 0, f.header_info))
        .collect();
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    let mut sink = RecordingSink::default();
    let pool = HostTxPool::new(n.max(1), 2048);
    p.tx.send_offloading_in(
        owned.chain(),
        &ipsecov2_nbl::SystemVaMapper,
        &pool,
        &mut sink,
        MiniportChecksum::default(),
        saver,
    );
    assert!(sink.errors.is_empty(), "{:?}", sink.errors);
    owned.relink();
    sink.events
        .into_iter()
        .map(|(_, s)| match s {
            Sent::Protected(mut w) => w.remove(0),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// Receives `frames` as one chain through `p.rx` with `saver`; every one must verify.
fn receive_chain(p: &Pair, rng: &mut SplitMix64, frames: &[Vec<u8>], saver: &Counting) {
    let specs: Vec<_> = frames.iter().map(|f| recv_nbl(rng, f, 0)).collect();
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    let mut scratch = vec![0u8; 9216];
    {
        let mut chain = owned.chain();
        p.rx.receive_enabled_in(
            &mut chain,
            &ipsecov2_nbl::SystemVaMapper,
            &mut scratch,
            &OffloadEnable::ALL,
            saver,
        );
    }
    for i in 0..frames.len() {
        let v = recv_view(&owned, i);
        assert!(v.crypto_done, "NBL {i}");
        assert_eq!(v.status, CRYPTO_SUCCESS, "NBL {i}");
    }
}

#[test]
fn a_gcm_chain_opens_one_section_each_way_and_either_tier_opens_it() {
    let mut rng = SplitMix64::new(0x31de);
    let p = pair(Some(&esp_gcm()), None, false);
    let (wide, xmm) = (Counting::default(), Counting::default());
    let sealed_wide = send_chain(&p, &mut rng, 16, &wide);
    let want = u32::from(wide_cpu());
    assert_eq!((wide.saves.get(), wide.restores.get()), (want, want));
    // Sealed inside the section: the receiver opens it on the XMM tier (a one-NBL chain each)…
    for f in &sealed_wide {
        receive_chain(&p, &mut rng, std::slice::from_ref(f), &xmm);
    }
    assert_eq!(xmm.saves.get(), 0, "single-NBL chains open no section");
    // … and as one chain inside a section.
    let sealed_xmm = send_chain(&p, &mut rng, 1, &xmm);
    let mut all = sealed_wide.clone();
    all.extend(sealed_xmm);
    let rx = Counting::default();
    receive_chain(&p, &mut rng, &all, &rx);
    assert_eq!((rx.saves.get(), rx.restores.get()), (want, want));
}

#[test]
fn short_chains_and_chains_without_gcm_open_none() {
    let mut rng = SplitMix64::new(0x31df);
    let gcm = pair(Some(&esp_gcm()), None, false);
    let s = Counting::default();
    send_chain(&gcm, &mut rng, WIDE_MIN_NBLS - 1, &s);
    assert_eq!(s.saves.get(), 0);
    let cbc = pair(Some(&esp_cbc()), None, false);
    let sealed = send_chain(&cbc, &mut rng, 8, &s);
    receive_chain(&cbc, &mut rng, &sealed, &s);
    assert_eq!(s.saves.get(), 0);
}

#[test]
fn a_refused_save_leaves_the_chain_on_the_xmm_tier() {
    let mut rng = SplitMix64::new(0x31e0);
    let p = pair(Some(&esp_gcm()), None, false);
    let refusing = Counting {
        refuse: true,
        ..Counting::default()
    };
    let sealed = send_chain(&p, &mut rng, 8, &refusing);
    // Tried once for the chain, never restored, every packet protected.
    assert_eq!(refusing.saves.get(), u32::from(wide_cpu()));
    assert_eq!(refusing.restores.get(), 0);
    receive_chain(&p, &mut rng, &sealed, &refusing);
    assert_eq!(refusing.saves.get(), 2 * u32::from(wide_cpu()));
    assert_eq!(refusing.restores.get(), 0);
}
