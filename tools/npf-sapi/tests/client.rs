//! The Rust face over the in-process control plane, directly and through the driver's IOCTL
//! dispatcher: the life cycle of the agreement.

mod common;

use common::plane::{client, policy, sa_add, IFS};
use npf_ipsec_sapi::model::{Direction, SpdBindings};
use npf_ipsec_sapi::transport::dispatched::Dispatched;
use npf_ipsec_sapi::{Client, Transport};

#[test]
fn life_cycle_direct() {
    life_cycle(client());
}

#[test]
fn life_cycle_through_the_ioctl_dispatcher() {
    let plane = common::plane::in_process();
    life_cycle(Client::new(Dispatched::new(&plane).expect("dispatcher")));
}

fn life_cycle<T: Transport>(mut c: Client<T>) {
    let spd_in = c
        .spd_create(Direction::Inbound, &IFS[..1], 10)
        .expect("spd in");
    let spd_out = c
        .spd_create(Direction::Outbound, &IFS[..1], 11)
        .expect("spd out");
    assert_ne!(spd_in, spd_out);
    let p_in = c
        .policy_create(&policy(100, 1), &[(spd_in, 5)], Direction::Inbound)
        .expect("policy in");
    let p_out = c
        .policy_create(&policy(101, 1), &[(spd_out, 5)], Direction::Outbound)
        .expect("policy out");
    let spi = c.reserve_spi(p_in, &[]).expect("reserve spi");
    let sa_in = c
        .sa_add(&sa_add(p_in, 1000, spi, Direction::Inbound, 1))
        .expect("sa in");
    let sa_out = c
        .sa_add(&sa_add(p_out, 1001, 0x2000, Direction::Outbound, 1))
        .expect("sa out");
    let stats = c.sa_get_stats(p_in, sa_in, false).expect("sa stats");
    assert_eq!(stats.sa_id, 1000);
    assert_eq!(stats.stats.len(), 1);
    let pstats = c.policy_get_stats(p_out, false).expect("policy stats");
    assert_eq!(pstats.policyID, 101);
    assert_eq!(c.query_all_spds().expect("spds").len(), 2);
    assert_eq!(
        c.query_all_spd_bindings(spd_in).expect("bindings"),
        SpdBindings::Interfaces(vec![IFS[0]])
    );
    let sas = c.query_all_sas(spd_out).expect("sas");
    assert_eq!(sas.len(), 1);
    assert_eq!(sas[0].handle, sa_out);
    let data = c.query_sa_data(sa_in).expect("sa data");
    assert_eq!(data.sas[0].spi, spi);
    assert!(data.sas[0].enc_key.is_empty(), "keys never come back");
    let g = c.global_stats().expect("global statistics");
    assert_eq!(
        (g.active_inbound_sas, g.active_outbound_sas, g.spds),
        (1, 1, 2)
    );
    c.sa_remove(p_out, sa_out).expect("sa remove");
    c.spd_destroy(&[]).expect("destroy all");
    assert!(c.query_all_spds().expect("spds").is_empty());
}
