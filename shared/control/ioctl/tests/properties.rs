//! Random mutations of valid requests: the dispatcher never panics, never writes more than the
//! output holds, and a refusal changes nothing (the fuzz harness's checks, driven by proptest).
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use ipsecov2_ioctl::Ioctl;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn mutated_requests_are_harmless(
        which in 0usize..37,
        size in any::<u8>(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let seeds = common::seeds::seeds();
        let (ioctl, mut msg) = seeds[which % seeds.len()].clone();
        for (at, v) in flips {
            let n = msg.len();
            msg[at % n] ^= v;
        }
        if let Some(c) = cut {
            let n = msg.len();
            msg.truncate(c % (n + 1));
        }
        let sel = Ioctl::ALL.iter().position(|i| *i == ioctl).unwrap() as u8;
        let mut data = vec![sel, size];
        data.extend_from_slice(&msg);
        common::harness::run(&data);
    }
}
