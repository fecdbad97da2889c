//! Point 7 of issue 15: conventions the documents leave open.

use super::*;

/// An AES-GCM / GMAC transform whose `AdditionalInfo` (and authentication field) differ from
/// the catalogue's, with the same framing.
pub(super) fn variant_roundtrip(alg: EspAlg, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let spi = 0x1b00 + seed as u32 % 64;
    let tx = core()?;
    let rx = core()?;
    let h = add(&tx, &bundle(BundleSpec::esp(&alg, spi)))?;
    add(&rx, &bundle(BundleSpec::esp(&alg, spi).inbound()))?;
    let layer = Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let f = frame(&ip(false), &layer, 4, &rng.bytes(50), 6);
    let w = protect(&tx, &mut rng, &[&f], h, 0)?;
    check_wire(&w, std::slice::from_ref(&f))?;
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    check_received(&got, std::slice::from_ref(&f), false)
}

pub(super) fn gcm_with(additional: u32, auth: Alg, icv: usize) -> EspAlg {
    // fn pointers cannot capture: one per variant.
    let sec: fn(u32) -> (Sec, Vec<u8>) = match (additional, auth.id) {
        (128, 0) => |spi| gcm_sec(spi, 128, Alg::default()),
        (96, 0) => |spi| gcm_sec(spi, 96, Alg::default()),
        (64, 0) => |spi| gcm_sec(spi, 64, Alg::default()),
        _ => |spi| {
            gcm_sec(
                spi,
                16,
                Alg {
                    id: IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
                    key_len: 0,
                    key_off: 0,
                    additional: 0,
                },
            )
        },
    };
    EspAlg {
        name: "gcm128-variant",
        sec,
        shape: EspShape {
            iv: 8,
            block: 4,
            icv,
            encrypts: true,
        },
    }
}

pub(super) fn gcm_sec(spi: u32, additional: u32, auth: Alg) -> (Sec, Vec<u8>) {
    (
        Sec {
            operation: IPsecOffloadV2Esp,
            spi,
            enc: Alg {
                id: IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128,
                key_len: 20,
                key_off: 0,
                additional,
            },
            auth,
            ..Sec::default()
        },
        build::key(20, spi as u8),
    )
}

pub(super) fn gmac_bits() -> EspAlg {
    EspAlg {
        name: "gmac128-bits",
        sec: |spi| {
            (
                Sec {
                    operation: IPsecOffloadV2Esp,
                    spi,
                    enc: Alg {
                        id: IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
                        ..Alg::default()
                    },
                    auth: Alg {
                        id: IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128,
                        key_len: 20,
                        key_off: 0,
                        additional: 128,
                    },
                    ..Sec::default()
                },
                build::key(20, spi as u8),
            )
        },
        shape: EspShape {
            iv: 8,
            block: 4,
            icv: 16,
            encrypts: false,
        },
    }
}
