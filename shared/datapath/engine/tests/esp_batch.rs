//! `EspSa::seal_many`: a batch of packets on mixed SAs (every algorithm, key size and ESN
//! setting, several packets per SA, offsets inside larger buffers) seals byte for byte as the
//! same packets sealed one by one in order on twin SAs; refused jobs leave the others sealed;
//! the sealed packets open.
#![cfg(test)]

mod common;

use common::{all_esp_configs, frame, key_bytes};
use ipsec_engine::{EspEncryption, EspSa, PacketError, SealJob};

fn sa_for(cfg: ipsec_engine::EspConfig, seed: u64) -> EspSa {
    let ek = key_bytes(cfg.encryption.key_len(), seed);
    let ik = key_bytes(cfg.integrity.key_len(), seed.wrapping_add(1));
    EspSa::new(cfg, &ek, &ik).unwrap()
}

/// A packet: `lead` bytes of outer headers, the framed ESP part, `tail` bytes after it.
fn packet(cfg: &ipsec_engine::EspConfig, seq: u32, payload_len: usize, lead: usize) -> Vec<u8> {
    let payload: Vec<u8> = (0..payload_len)
        .map(|i| (i * 7 + seq as usize) as u8)
        .collect();
    let mut v = vec![0x45u8; lead];
    v.extend(frame(cfg, 0x1000 + seq, seq, &payload, 4));
    v.extend([0xEEu8; 3]);
    v
}

#[test]
fn batch_equals_one_by_one() {
    let configs = all_esp_configs();
    let batch_sas: Vec<EspSa> = configs
        .iter()
        .enumerate()
        .map(|(n, c)| sa_for(*c, n as u64))
        .collect();
    let single_sas: Vec<EspSa> = configs
        .iter()
        .enumerate()
        .map(|(n, c)| sa_for(*c, n as u64))
        .collect();
    let sizes = [0usize, 1, 14, 63, 64, 200, 577, 1400, 1500, 4100, 9000];
    // Batches of 1 to 17 packets, SAs chosen in a rotating pattern so that every batch mixes
    // algorithms and key sizes, and AES-CBC SAs recur inside a batch.
    let mut k = 0usize;
    let mut cbc_batched = 0usize;
    for batch_len in (1..=17).chain([8, 16, 16, 8]) {
        let mut bufs = Vec::new();
        let mut meta = Vec::new();
        for i in 0..batch_len {
            k += 1;
            let which = (k * 5 + i * 3) % configs.len();
            let cfg = configs[which];
            let lead = [0usize, 20, 40, 13][k % 4];
            let len = sizes[k % sizes.len()];
            let p = packet(&cfg, k as u32, len, lead);
            let esp_len = p.len() - lead - 3;
            meta.push((which, lead, esp_len, k as u32));
            bufs.push(p);
        }
        let mut expect = bufs.clone();
        for (p, &(which, lead, esp_len, hi)) in expect.iter_mut().zip(&meta) {
            single_sas[which].seal_at(p, lead, esp_len, hi).unwrap();
        }
        let mut jobs: Vec<SealJob<'_>> = bufs
            .iter_mut()
            .zip(&meta)
            .map(|(p, &(which, lead, esp_len, hi))| {
                SealJob::new(&batch_sas[which], p, lead, esp_len, hi)
            })
            .collect();
        EspSa::seal_many(&mut jobs);
        for (j, &(which, ..)) in jobs.iter().zip(&meta) {
            assert_eq!(j.result(), Ok(()), "{:?}", configs[which]);
            if matches!(configs[which].encryption, EspEncryption::AesCbc(_)) {
                cbc_batched += 1;
            }
        }
        drop(jobs);
        for (i, (got, want)) in bufs.iter().zip(&expect).enumerate() {
            assert_eq!(
                got, want,
                "batch of {batch_len}, packet {i}: {:?}",
                configs[meta[i].0]
            );
        }
        // Every sealed packet opens.
        for (p, &(which, lead, esp_len, hi)) in bufs.iter_mut().zip(&meta) {
            batch_sas[which].open_at(p, lead, esp_len, hi).unwrap();
        }
    }
    assert!(cbc_batched > 40, "{cbc_batched}");
}

#[test]
fn refused_jobs_leave_the_others_sealed() {
    let configs: Vec<_> = all_esp_configs()
        .into_iter()
        .filter(|c| matches!(c.encryption, EspEncryption::AesCbc(_)))
        .collect();
    let sas: Vec<EspSa> = configs.iter().map(|c| sa_for(*c, 7)).collect();
    let twins: Vec<EspSa> = configs.iter().map(|c| sa_for(*c, 7)).collect();
    let mut good: Vec<Vec<u8>> = (0..6)
        .map(|i| packet(&configs[i], i as u32, 300, 0))
        .collect();
    let mut expect = good.clone();
    for (i, p) in expect.iter_mut().enumerate() {
        let n = p.len() - 3;
        twins[i].seal_at(p, 0, n, 0).unwrap();
    }
    // A body that is not whole blocks, and an ESP region past the end of its buffer.
    let mut odd = packet(&configs[0], 9, 300, 0);
    let odd_len = odd.len() - 3 - 1;
    let mut short = packet(&configs[1], 9, 300, 0);
    let short_len = short.len() - 3 + 16;
    let odd_before = odd.clone();
    let short_before = short.clone();
    let mut jobs = Vec::new();
    let (a, b) = good.split_at_mut(3);
    for (i, p) in a.iter_mut().enumerate() {
        let n = p.len() - 3;
        jobs.push(SealJob::new(&sas[i], p, 0, n, 0));
    }
    jobs.push(SealJob::new(&sas[0], &mut odd, 0, odd_len, 0));
    jobs.push(SealJob::new(&sas[1], &mut short, 0, short_len, 0));
    for (i, p) in b.iter_mut().enumerate() {
        let n = p.len() - 3;
        jobs.push(SealJob::new(&sas[3 + i], p, 0, n, 0));
    }
    assert_eq!(
        SealJob::new(&sas[0], &mut [0u8; 4], 0, 4, 0).result(),
        Err(PacketError::BadLength)
    );
    EspSa::seal_many(&mut jobs);
    let results: Vec<_> = jobs.iter().map(|j| j.result()).collect();
    drop(jobs);
    assert_eq!(results[3], Err(PacketError::NotBlockMultiple));
    assert_eq!(results[4], Err(PacketError::Truncated));
    for r in results[..3].iter().chain(&results[5..]) {
        assert_eq!(*r, Ok(()));
    }
    assert_eq!(good, expect);
    assert_eq!(odd, odd_before);
    assert_eq!(short, short_before);
}
