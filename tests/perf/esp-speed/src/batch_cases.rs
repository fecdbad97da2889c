//! Chains of ESP packets sealed in one call (`EspSa::seal_many`, the offload face's batch):
//! `N` packets of about `size` bytes, on one SA or on SAs of mixed key sizes taken in turn.
//! One operation seals the whole chain; its bytes are the chain's.

use std::hint::black_box;

use ipsec_engine::{EspConfig, EspSa, SealJob};

use crate::{esp_frame, esp_sa, Case};

/// A chain of `N` packets on the SAs of `cfgs` (packet `i` on `cfgs[i % cfgs.len()]`).
pub fn esp_seal_batch_case<const N: usize>(
    name: &str,
    cfgs: &[EspConfig],
    size: usize,
) -> Result<Case, String> {
    let sas = cfgs
        .iter()
        .map(|c| esp_sa(*c))
        .collect::<Result<Vec<EspSa>, _>>()?;
    if sas.is_empty() {
        return Err(format!("{name}: no SA"));
    }
    let mut i = 0;
    let mut bufs: [Vec<u8>; N] = core::array::from_fn(|_| {
        i += 1;
        esp_frame(&cfgs[(i - 1) % cfgs.len()], size)
    });
    let bytes = bufs.iter().map(Vec::len).sum();
    Ok(Case {
        name: name.into(),
        bytes,
        op: Box::new(move || {
            let mut i = 0;
            let mut jobs = black_box(&mut bufs).each_mut().map(|p| {
                let n = p.len();
                i += 1;
                SealJob::new(&sas[(i - 1) % sas.len()], p, 0, n, 0)
            });
            EspSa::seal_many(&mut jobs);
            for j in &jobs {
                j.result().map_err(|e| format!("seal_many: {e:?}"))?;
            }
            Ok(())
        }),
    })
}
