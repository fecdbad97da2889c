//! Shared helpers for the integration tests.
#![allow(dead_code)]

use ipsec_engine::{AesKeySize, EspConfig, EspEncryption, EspIntegrity, GcmIcvLen};

/// Every valid ESP algorithm combination, without and with ESN.
pub fn all_esp_configs() -> Vec<EspConfig> {
    let sizes = [AesKeySize::Aes128, AesKeySize::Aes192, AesKeySize::Aes256];
    let integ = [
        EspIntegrity::HmacMd5_96,
        EspIntegrity::HmacSha1_96,
        EspIntegrity::HmacSha256_128,
    ];
    let mut encs = vec![
        EspEncryption::Null,
        EspEncryption::DesCbc,
        EspEncryption::TripleDesCbc,
    ];
    encs.extend(sizes.iter().map(|s| EspEncryption::AesCbc(*s)));
    let mut out = Vec::new();
    for esn in [false, true] {
        for e in &encs {
            for i in &integ {
                out.push(EspConfig {
                    encryption: *e,
                    integrity: *i,
                    esn,
                });
            }
        }
        for s in sizes {
            for icv in [GcmIcvLen::Icv8, GcmIcvLen::Icv12, GcmIcvLen::Icv16] {
                out.push(EspConfig {
                    encryption: EspEncryption::AesGcm(s, icv),
                    integrity: EspIntegrity::None,
                    esn,
                });
            }
            out.push(EspConfig {
                encryption: EspEncryption::AesGmac(s),
                integrity: EspIntegrity::None,
                esn,
            });
        }
    }
    out
}

/// Deterministic key bytes from a seed (avoids DES weak keys in practice).
pub fn key_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Frame an ESP packet for sealing: header, IV room, payload, padding
/// (1, 2, 3, ...), pad length, next header, ICV room.
pub fn frame(cfg: &EspConfig, spi: u32, seq: u32, payload: &[u8], nh: u8) -> Vec<u8> {
    let block = cfg.encryption.block_size().max(4);
    let pad = (block - (payload.len() + 2) % block) % block;
    let mut v = Vec::new();
    v.extend(spi.to_be_bytes());
    v.extend(seq.to_be_bytes());
    v.extend(vec![0u8; cfg.iv_len()]);
    v.extend(payload);
    v.extend((1..=pad).map(|i| i as u8));
    v.push(pad as u8);
    v.push(nh);
    v.extend(vec![0u8; cfg.icv_len()]);
    v
}

pub mod full;
pub mod harness;
