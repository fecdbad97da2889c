//! Key objects stay small: the XMM tier keeps compact round keys (no 704–960-byte software
//! schedule) on the heap, built there in place; the handles are a few words.
#![allow(clippy::unwrap_used)]

use core::mem::size_of;

use ipsecov2_crypto::{AesCbc, AesGcm, CbcDirection, Features, HmacSha1, HmacSha256};

/// The XMM tier's GCM key: 15 round-key slots (240 B, AES-256 included) + round count (16 B
/// with alignment) + H..H^8 (128 B).
const GCM_XMM: usize = 384;
/// With H^9..H^16 (128 B) for the wide tier's 16 blocks per reduction, on CPUs with it.
const GCM_WIDE: usize = 512;

#[test]
fn key_object_sizes() {
    println!(
        "handles: AesGcm {} AesCbc {} HmacSha1 {} HmacSha256 {}",
        size_of::<AesGcm>(),
        size_of::<AesCbc>(),
        size_of::<HmacSha1>(),
        size_of::<HmacSha256>()
    );
    assert!(size_of::<AesGcm>() <= 16);
    assert!(size_of::<AesCbc>() <= 24);
    assert_eq!(size_of::<HmacSha1>(), 44);
    assert_eq!(size_of::<HmacSha256>(), 68);
    if !Features::detect().xmm_tier() {
        return;
    }
    for klen in [16, 24, 32] {
        let key = vec![7u8; klen];
        let gcm = AesGcm::new(&key).unwrap().heap_bytes();
        let enc = AesCbc::new(&key, CbcDirection::Encrypt)
            .unwrap()
            .heap_bytes();
        let both = AesCbc::new(&key, CbcDirection::Both).unwrap().heap_bytes();
        println!(
            "AES-{}: GCM heap {gcm}, CBC heap {enc} (both directions: {both})",
            klen * 8
        );
        // GCM: the wide powers only where the wide tier can run.
        let wide = Features::detect().wide_tier();
        assert_eq!(gcm, if wide { GCM_WIDE } else { GCM_XMM });
        let narrow = AesGcm::with_features(&key, Features::detect().xmm_only()).unwrap();
        assert_eq!(narrow.heap_bytes(), GCM_XMM);
        assert!(!narrow.wide_capable());
        assert_eq!(AesGcm::new(&key).unwrap().wide_capable(), wide);
        // CBC: one block of 256 B (240 B of round keys + round count) per direction prepared.
        let dec = AesCbc::new(&key, CbcDirection::Decrypt)
            .unwrap()
            .heap_bytes();
        assert!(enc <= 256 && dec <= 256, "{enc} {dec}");
        // `touch` reads one value per cache line of the heap blocks: 6 for GCM (round keys
        // and H..H^8), 8 with H^9..H^16, 4 per CBC schedule.
        assert_eq!(AesGcm::new(&key).unwrap().touch(), if wide { 8 } else { 6 });
        assert_eq!(narrow.touch(), 6);
        assert_eq!(AesCbc::new(&key, CbcDirection::Encrypt).unwrap().touch(), 4);
        assert_eq!(AesCbc::new(&key, CbcDirection::Both).unwrap().touch(), 8);
        assert!(both <= 512, "{both}");
        // GMAC-only (AH and ESP AES-GMAC): H..H^8 (128 B) and the AES key (32 B slot), no
        // round keys and no wide-tier powers; `touch` reads its 3 lines.
        let gmac = AesGcm::gmac_only(&key).unwrap();
        println!("AES-{}: GMAC-only heap {}", klen * 8, gmac.heap_bytes());
        assert_eq!(gmac.heap_bytes(), 160);
        assert_eq!(gmac.touch(), 3);
    }
}
