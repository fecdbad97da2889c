//! Point 2 of issue 15: inbound bundles in processing order.

use super::*;

pub(super) fn inbound_ah_esp(esp: &str, ah: &str, v6: bool, tunnel: bool, seed: u64) -> Outcome {
    let ei = esp_index(esp).ok_or("no ESP transform")?;
    let ai = ah_algs()
        .iter()
        .position(|a| a.name == ah)
        .ok_or("no AH transform")?;
    with(
        TcpipBehaviour {
            inbound_ah_first: true,
            ..TcpipBehaviour::default()
        },
        || roundtrip(Scn::new(Some(ei), Some(ai), v6, tunnel), seed),
    )
}
