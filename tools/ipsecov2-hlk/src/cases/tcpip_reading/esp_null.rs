//! Point 6 of issue 15: ESP without integrity inside an AH bundle.

use super::*;

/// ESP with NULL encryption and no authentication algorithm.
pub(super) fn esp_null_no_integrity() -> EspAlg {
    EspAlg {
        name: "null-no-integrity",
        sec: |spi| {
            (
                Sec {
                    operation: IPsecOffloadV2Esp,
                    spi,
                    enc: Alg {
                        id: IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
                        ..Alg::default()
                    },
                    ..Sec::default()
                },
                Vec::new(),
            )
        },
        shape: EspShape {
            iv: 0,
            block: 4,
            icv: 0,
            encrypts: false,
        },
    }
}

pub(super) fn esp_null_under_ah(ah: &str, v6: bool, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let e = esp_null_no_integrity();
    let a = ah_alg(ah)?;
    let spi = 0x1a00 + seed as u32 % 64 * 2;
    let tx = core()?;
    let rx = core()?;
    let mut spec = BundleSpec::esp(&e, spi).with_ah(&a, spi + 1);
    if v6 {
        spec = spec.v6();
    }
    let h = add(&tx, &bundle(spec)).map_err(|x| format!("outbound ESP-NULL+AH: {x}"))?;
    add(&rx, &bundle(spec.inbound())).map_err(|x| format!("inbound ESP-NULL+AH: {x}"))?;
    let layer = Layer {
        esp: Some((e.shape, spi)),
        ah: Some((a.shape, spi + 1)),
        udp: false,
    };
    let frames: Vec<Framed> = [0usize, 33, 200]
        .iter()
        .enumerate()
        .map(|(i, &len)| frame(&ip(v6), &layer, 2 + i as u32, &rng.bytes(len), 6))
        .collect();
    // One NBL per frame: slot 12's trailer values belong to the NBL.
    let mut w = Vec::new();
    for f in &frames {
        w.extend(protect(&tx, &mut rng, &[f], h, 0)?);
    }
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    check_received(&got, &frames, false)?;
    // The ICV of AH covers the ESP packet: a flipped payload byte fails AH.
    let mut bad = w[0].clone();
    let l = bad.len() - 3;
    bad[l] ^= 4;
    let got = receive_through(&rx, &mut rng, &[bad], 0)?;
    eq(
        "tampered: CryptoStatus",
        got[0].0.status,
        CRYPTO_TRANSPORT_AH_AUTH_FAILED,
    )
}

pub(super) fn esp_null_alone_refused() -> Outcome {
    let e = esp_null_no_integrity();
    let c = core()?;
    let (done, h) = add_list(&c, &[bundle(BundleSpec::esp(&e, 0x1a80))])?;
    ensure!(
        done.status != NDIS_STATUS_SUCCESS && h == [0],
        "ESP without encryption and integrity offloaded on its own"
    );
    Ok(())
}
