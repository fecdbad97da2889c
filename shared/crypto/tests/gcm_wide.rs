//! The wide tier (VAES / VPCLMULQDQ inside an extended-state section) against RustCrypto
//! aes-gcm and the XMM tier: every key size, every length 0..=4,200, unaligned offsets, every
//! AAD length ESP uses, both directions; and the section's own rules (the state is restored
//! once per save, a refused save opens no section).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::cell::Cell;

use common::{ref_seal, Rng};
use ipsecov2_crypto::{
    AesGcm, ExtendedStateSave, ExtendedStateSection, Features, GcmError, SectionError,
    UserModeState,
};

fn wide_cpu() -> bool {
    let yes = Features::detect().wide_tier();
    if !yes {
        eprintln!("no wide tier on this CPU: the wide tests check the refusal only");
    }
    yes
}

#[test]
fn every_length_to_4200_matches_rustcrypto_and_the_xmm_tier() {
    if !wide_cpu() {
        assert!(matches!(
            ExtendedStateSection::open(&UserModeState),
            Err(SectionError::NoWideTier)
        ));
        return;
    }
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let section = ExtendedStateSection::open(&UserModeState).unwrap();
    let w = section.wide();
    for klen in [16, 24, 32] {
        let key = rng.bytes(klen);
        let k = AesGcm::new(&key).unwrap();
        assert!(k.wide_capable());
        for len in 0..=4200usize {
            let off = len % 17;
            let nonce: [u8; 12] = rng.array();
            let aad = rng.bytes([8, 12, 0, 20][len % 4]);
            let plain = rng.bytes(len);
            let mut want = plain.clone();
            let tag = ref_seal(&key, &nonce, &aad, &mut want);

            let mut buf = vec![0x5au8; off + len + 5];
            buf[off..off + len].copy_from_slice(&plain);
            let mut icv = [0u8; 16];
            k.seal_in_place_with(Some(w), &nonce, &aad, &mut buf[off..off + len], &mut icv)
                .unwrap();
            assert_eq!(&buf[off..off + len], &want[..], "seal key {klen} len {len}");
            assert_eq!(icv, tag, "tag key {klen} len {len}");
            assert!(buf[..off]
                .iter()
                .chain(&buf[off + len..])
                .all(|b| *b == 0x5a));

            // The XMM tier opens what the wide tier sealed, and the reverse.
            let mut x = buf[off..off + len].to_vec();
            k.open_in_place(&nonce, &aad, &mut x, &icv).unwrap();
            assert_eq!(x, plain, "xmm open key {klen} len {len}");
            k.open_in_place_with(Some(w), &nonce, &aad, &mut buf[off..off + len], &icv)
                .unwrap();
            assert_eq!(
                &buf[off..off + len],
                &plain[..],
                "open key {klen} len {len}"
            );

            // A flipped ciphertext bit or ICV bit: refused, ciphertext left as received.
            let mut ct = want.clone();
            if len > 0 {
                ct[(len * 7) % len] ^= 1 << (len % 8);
            }
            let mut bad = icv;
            if len == 0 {
                bad[len % 16] ^= 1;
            }
            let before = ct.clone();
            assert_eq!(
                k.open_in_place_with(Some(w), &nonce, &aad, &mut ct, &bad[..[16, 12, 8][len % 3]]),
                Err(GcmError::TagMismatch),
                "tamper key {klen} len {len}"
            );
            assert_eq!(ct, before, "restored key {klen} len {len}");
        }
    }
}

#[test]
fn a_portable_key_ignores_the_proof() {
    if !wide_cpu() {
        return;
    }
    let key = [3u8; 32];
    let k = AesGcm::with_features(&key, Features::NONE).unwrap();
    assert!(!k.wide_capable());
    let section = ExtendedStateSection::open(&UserModeState).unwrap();
    let mut d = vec![9u8; 1400];
    let mut want = d.clone();
    let tag = ref_seal(&key, &[1; 12], b"12345678", &mut want);
    let mut icv = [0u8; 16];
    k.seal_in_place_with(
        Some(section.wide()),
        &[1; 12],
        b"12345678",
        &mut d,
        &mut icv,
    )
    .unwrap();
    assert_eq!((d, icv), (want, tag));
}

/// A saver that counts, and can refuse.
struct Counting {
    refuse: bool,
    saves: Cell<u32>,
    restores: Cell<u32>,
    depth: Cell<u32>,
}

// SAFETY: a user-mode test: the OS saves the YMM state; this saver only counts.
#[allow(unsafe_code)]
unsafe impl ExtendedStateSave for Counting {
    type Saved = u32;
    type Error = &'static str;
    fn save(&self) -> Result<u32, &'static str> {
        if self.refuse {
            return Err("refused");
        }
        self.saves.set(self.saves.get() + 1);
        self.depth.set(self.depth.get() + 1);
        Ok(self.depth.get())
    }
    fn restore(&self, saved: u32) {
        assert_eq!(saved, self.depth.get(), "restored out of LIFO order");
        self.depth.set(self.depth.get() - 1);
        self.restores.set(self.restores.get() + 1);
    }
}

#[test]
fn a_section_restores_once_per_save_in_lifo_order() {
    let c = Counting {
        refuse: false,
        saves: Cell::new(0),
        restores: Cell::new(0),
        depth: Cell::new(0),
    };
    if !wide_cpu() {
        assert!(matches!(
            ExtendedStateSection::open(&c),
            Err(SectionError::NoWideTier)
        ));
        assert_eq!(c.saves.get(), 0);
        return;
    }
    {
        let outer = ExtendedStateSection::open(&c).unwrap();
        {
            let inner = ExtendedStateSection::open(&c).unwrap();
            let _ = inner.wide();
            assert_eq!((c.saves.get(), c.restores.get()), (2, 0));
        }
        assert_eq!(c.restores.get(), 1);
        let _ = outer.wide();
    }
    assert_eq!((c.saves.get(), c.restores.get(), c.depth.get()), (2, 2, 0));
}

#[test]
fn a_refused_save_opens_no_section() {
    let c = Counting {
        refuse: true,
        saves: Cell::new(0),
        restores: Cell::new(0),
        depth: Cell::new(0),
    };
    let want = if Features::detect().wide_tier() {
        SectionError::Save("refused")
    } else {
        SectionError::NoWideTier
    };
    assert_eq!(ExtendedStateSection::open(&c).err(), Some(want));
    assert_eq!(c.restores.get(), 0);
}

#[test]
fn a_real_xsave_section_restores_the_ymm_state() {
    use ipsecov2_crypto::XsaveState;
    let x = XsaveState::default();
    if !wide_cpu() {
        return;
    }
    let key = [0x11u8; 16];
    let k = AesGcm::new(&key).unwrap();
    let mut d = vec![0x22u8; 4096];
    let mut want = d.clone();
    let tag = ref_seal(&key, &[5; 12], &[], &mut want);
    let mut icv = [0u8; 16];
    {
        let s = ExtendedStateSection::open(&x).unwrap();
        // One level only: a nested save on the same area is refused.
        assert!(matches!(
            ExtendedStateSection::open(&x),
            Err(SectionError::Save(ipsecov2_crypto::XsaveError::Busy))
        ));
        k.seal_in_place_with(Some(s.wide()), &[5; 12], &[], &mut d, &mut icv)
            .unwrap();
    }
    assert_eq!((d, icv), (want, tag));
    // Closed: it can open again.
    drop(ExtendedStateSection::open(&x).unwrap());
}
