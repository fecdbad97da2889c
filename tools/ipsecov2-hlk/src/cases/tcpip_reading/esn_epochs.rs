//! Point 3 of issue 15: ESN across UPDATE_SA with both epochs in flight.

use super::*;

pub(super) fn update(core: &Core, handle: u64, op: i32, spi: u32, high: u32) -> Outcome {
    let mut u = build::update_sa(handle, op, spi, high);
    status(
        "UPDATE_SA",
        set(core, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
        NDIS_STATUS_SUCCESS,
    )
}

/// Packets sealed just before and just after the sender's UPDATE_SA reach the receiver in the
/// wrong order relative to its own UPDATE_SA: both must verify.
pub(super) fn esn_epochs_in_flight(esp: &str, with_ah: bool, seed: u64) -> Outcome {
    with(
        TcpipBehaviour {
            update_in_flight: true,
            ..TcpipBehaviour::default()
        },
        || {
            let mut rng = SplitMix64::new(seed);
            let e = esp_alg(esp)?;
            let a = ah_alg("sha256")?;
            let spi = 0x1600 + (seed as u32 & 0xff) * 2;
            let spec = |inbound: bool| {
                let mut b = BundleSpec::esp(&e, spi).esn();
                if with_ah {
                    b = b.with_ah(&a, spi + 1);
                }
                if inbound {
                    b = b.inbound();
                }
                bundle(b)
            };
            let tx = core()?;
            let rx = core()?;
            let th = add(&tx, &spec(false))?;
            let rh = add(&rx, &spec(true))?;
            let layer = Layer {
                esp: Some((e.shape, spi)),
                ah: with_ah.then_some((a.shape, spi + 1)),
                udp: false,
            };
            let ip = Ip {
                v6: false,
                extras: false,
            };
            // Epoch 7 (the ADD_SA's high bits): the last sequence numbers before the boundary.
            let old: Vec<Framed> = (0..2)
                .map(|i| frame(&ip, &layer, 0xffff_fffe + i, &rng.bytes(40), 6))
                .collect();
            let refs: Vec<&Framed> = old.iter().collect();
            let old_wire = protect(&tx, &mut rng, &refs, th, 0)?;
            // TCP/IP crosses the boundary on the sender: epoch 8.
            update(&tx, th, IPsecOffloadV2Esp, spi, 8)?;
            if with_ah {
                update(&tx, th, IPsecOffloadV2Ah, spi + 1, 8)?;
            }
            let new: Vec<Framed> = (0..2)
                .map(|i| frame(&ip, &layer, 1 + i, &rng.bytes(40), 6))
                .collect();
            let refs: Vec<&Framed> = new.iter().collect();
            let new_wire = protect(&tx, &mut rng, &refs, th, 0)?;
            // New-epoch packets arrive before the receiver's UPDATE_SA …
            let got = receive_through(&rx, &mut rng, &new_wire, 0)?;
            check_received(&got, &new, false)
                .map_err(|e| format!("epoch 8 before UPDATE_SA: {e}"))?;
            update(&rx, rh, IPsecOffloadV2Esp, spi, 8)?;
            if with_ah {
                update(&rx, rh, IPsecOffloadV2Ah, spi + 1, 8)?;
            }
            // … and old-epoch packets after it.
            let got = receive_through(&rx, &mut rng, &old_wire, 0)?;
            check_received(&got, &old, false).map_err(|e| format!("epoch 7 after UPDATE_SA: {e}"))
        },
    )
}

/// A tampered packet still fails after both neighbouring epochs were tried.
pub(super) fn esn_tampered_still_fails() -> Outcome {
    let mut rng = SplitMix64::new(1650);
    let e = esp_alg("gcm128/16")?;
    let tx = core()?;
    let rx = core()?;
    let th = add(&tx, &bundle(BundleSpec::esp(&e, 0x1650).esn()))?;
    add(&rx, &bundle(BundleSpec::esp(&e, 0x1650).esn().inbound()))?;
    let layer = Layer {
        esp: Some((e.shape, 0x1650)),
        ah: None,
        udp: false,
    };
    let f = frame(&ip(false), &layer, 0xffff_ff00, &rng.bytes(40), 6);
    let mut w = protect(&tx, &mut rng, &[&f], th, 0)?;
    let last = w[0].len() - 1;
    w[0][last] ^= 1;
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    ensure!(got[0].0.crypto_done, "CryptoDone clear");
    eq(
        "CryptoStatus",
        got[0].0.status,
        CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
    )?;
    ensure!(
        got[0].1 == w[0],
        "bytes of a packet that failed authentication were changed"
    );
    Ok(())
}
