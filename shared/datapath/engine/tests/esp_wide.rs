//! ESP AES-GCM on the crypto core's wide tier (inside an extended-state section): what one tier
//! seals the other opens (ICV verified) for every algorithm configuration (key sizes, ICV
//! lengths, ESN) and a range of packet sizes; damaged ICVs refused; other algorithms ignore the
//! proof.
#![cfg(test)]

mod common;

use common::{all_esp_configs, frame, key_bytes};
use ipsec_engine::{
    EspConfig, EspEncryption, EspSa, ExtendedStateSection, PacketError, SectionError,
};
use ipsecov2_crypto::{Features, UserModeState};

fn sa_for(cfg: EspConfig, seed: u64) -> EspSa {
    let ek = key_bytes(cfg.encryption.key_len(), seed);
    let ik = key_bytes(cfg.integrity.key_len(), seed.wrapping_add(1));
    EspSa::new(cfg, &ek, &ik).unwrap()
}

#[test]
fn wide_and_xmm_tiers_agree_on_every_algorithm() {
    let section = match ExtendedStateSection::open(&UserModeState) {
        Ok(s) => s,
        Err(SectionError::NoWideTier) => {
            assert!(!Features::detect().wide_tier());
            return;
        }
        Err(SectionError::Save(e)) => match e {},
    };
    let w = section.wide();
    let mut gcm = 0;
    for (n, cfg) in all_esp_configs().into_iter().enumerate() {
        let sa = sa_for(cfg, n as u64);
        let is_gcm = matches!(cfg.encryption, EspEncryption::AesGcm(..));
        assert_eq!(sa.wide_capable(), is_gcm, "{cfg:?}");
        gcm += usize::from(is_gcm);
        for len in [0usize, 1, 100, 239, 240, 255, 256, 257, 400, 1400, 4000] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 31 + n) as u8).collect();
            let plain = frame(&cfg, 0x4242, 77, &payload, 17);
            // Sealed on the XMM tier, opened (ICV verified) on the wide tier; and the reverse.
            let mut a = plain.clone();
            sa.seal(&mut a, 3).unwrap();
            let mut b = a.clone();
            let o = sa.open_at_in(Some(w), &mut b, 0, a.len(), 3).unwrap();
            assert_eq!(
                &b[o.payload_offset..o.payload_offset + o.payload_len],
                &payload[..]
            );
            let mut c = plain.clone();
            sa.seal_at_in(Some(w), &mut c, 0, plain.len(), 3).unwrap();
            let o = sa.open(&mut c.clone(), 3).unwrap();
            assert_eq!(o.payload_len, len);
            // A damaged ICV is refused on the wide tier too.
            let last = c.len() - 1;
            c[last] ^= 1;
            assert_eq!(
                sa.open_in(Some(w), &mut c, 3).unwrap_err(),
                PacketError::IcvMismatch
            );
        }
    }
    assert!(gcm >= 3, "{gcm} AES-GCM configurations");
}
