//! Policy and SA add/remove rates through the adapter's Rust client, over the in-process
//! control plane called directly and through the driver's IOCTL dispatcher.
//!
//! `cargo bench -p npf-ipsec-sapi --bench adapter` measures (a few seconds); `cargo test
//! --benches` runs each loop a few times only, to check it still works.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "../tests/common/plane.rs"]
mod plane;

use std::time::Instant;

use npf_ipsec_sapi::model::Direction;
use npf_ipsec_sapi::transport::dispatched::Dispatched;
use npf_ipsec_sapi::{Client, Transport};

fn run<T: Transport>(name: &str, mut c: Client<T>, rounds: u32) {
    let spd = c.spd_create(Direction::Outbound, &[1], 1).unwrap();
    let start = Instant::now();
    for i in 0..rounds {
        let p = c
            .policy_create(&plane::policy(10 + i, 1), &[(spd, 1)], Direction::Outbound)
            .unwrap();
        c.policy_destroy(p).unwrap();
    }
    let policy_rate = f64::from(rounds) / start.elapsed().as_secs_f64();
    let p = c
        .policy_create(&plane::policy(5, 1), &[(spd, 1)], Direction::Outbound)
        .unwrap();
    let start = Instant::now();
    for i in 0..rounds {
        let add = plane::sa_add(p, 100 + i, 0x1000 + i, Direction::Outbound, 1);
        let sa = c.sa_add(&add).unwrap();
        c.sa_remove(p, sa).unwrap();
    }
    let sa_rate = f64::from(rounds) / start.elapsed().as_secs_f64();
    println!("{name}: policy create+destroy {policy_rate:.0}/s, SA add+remove {sa_rate:.0}/s");
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = if bench { 20_000 } else { 20 };
    run("direct", Client::new(plane::in_process()), rounds);
    let ip = plane::in_process();
    run(
        "ioctl dispatcher",
        Client::new(Dispatched::new(&ip).unwrap()),
        rounds,
    );
}
