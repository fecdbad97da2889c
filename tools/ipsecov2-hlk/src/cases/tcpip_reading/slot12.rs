//! Point 4 of issue 15: slot 12's offsets.

use super::*;

pub(super) fn slot12(kind: Slot12Offsets, s: Scn, seed: u64) -> Outcome {
    with(
        TcpipBehaviour {
            slot12: kind,
            ..TcpipBehaviour::default()
        },
        || roundtrip(s, seed),
    )
}

/// The frame's ESP header carries another SA's SPI: refused, whatever slot 12 says.
pub(super) fn slot12_other_sa_header() -> Outcome {
    let mut rng = SplitMix64::new(1700);
    let g = esp_alg("gcm128/16")?;
    let c = core()?;
    let h = add(&c, &bundle(BundleSpec::esp(&g, 0x1700)))?;
    add(&c, &bundle(BundleSpec::esp(&g, 0x1701)))?;
    let layer = Layer {
        esp: Some((g.shape, 0x1701)),
        ah: None,
        udp: false,
    };
    let f = frame(&ip(false), &layer, 3, &rng.bytes(30), 6);
    ensure!(
        protect(&c, &mut rng, &[&f], h, 0).is_err(),
        "a packet whose ESP header names another SA was sealed with this SA"
    );
    Ok(())
}
