//! Statistics: per SA (NPF_IPSecSA_Stats_t), per policy, and the global view.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{
    CryptoDropped, Direction, Event, EventKind, PlaneError, SaHandle, EVENT_ALL_ENABLE,
};
use ipsecov2_satable::OffloadHandle;
use std::sync::atomic::Ordering;

#[test]
fn sa_policy_and_global() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let o = outbound_spd(&mut p, 1, &[IF1]);
    let i = inbound_spd(&mut p, 2, &[IF1]);
    let po = protect(&mut p, o, 10, 1);
    let pi = protect(&mut p, i, 20, 1);
    let (a, b) = ([esp(0x500)], [esp(0x600), ah(0x601)]);
    let out = p.sa_add(&add_req(po, 1, &a)).unwrap();
    let inb = p.sa_add(&add_req(pi, 2, &b)).unwrap();
    let off = |h: SaHandle| OffloadHandle::from_u64(p.query_sa_data(h).unwrap().offload).unwrap();
    let (oo, io) = (off(out), off(inb));
    p.store().table().with_sa(oo, |sa| {
        sa.counters.count_ok(100);
        sa.counters.count_ok(200);
    });
    p.store().table().with_sa(io, |sa| {
        sa.counters.count_ok(50);
        sa.counters.auth_failures.fetch_add(3, Ordering::Relaxed);
    });
    p.report(Event::Crypto {
        kind: EventKind::ReplayPacket,
        info: CryptoDropped {
            src: v4(1, 1, 1, 1),
            dst: v4(2, 2, 2, 2),
            protocol: 50,
            spi: 0x600,
            flow_label: 0,
            seq_no: 1,
            count: 1,
        },
    });
    let s = p.sa_stats(pi, inb, false).unwrap();
    assert_eq!((s.sa_id, s.count), (2, 2));
    assert_eq!(s.stats[0].packet_count, 1);
    assert_eq!(s.stats[0].hmac_errors, 3);
    assert_eq!(s.stats[0].exceptions, 1);
    assert_eq!(s.stats[0].replay_errors, 1);
    assert_eq!(s.stats[0].bytes_remaining, u64::MAX, "no hard limit");
    assert_eq!(p.policy_stats(pi, false).unwrap().exceptions, 1);
    assert_eq!(
        p.sa_stats(po, inb, false).err(),
        Some(PlaneError::InvalidSaHandle)
    );
    let g = p.global_stats();
    assert_eq!((g.active_inbound_sas, g.active_outbound_sas), (1, 1));
    assert_eq!(
        (g.packets_out, g.bytes_out, g.packets_in, g.bytes_in),
        (2, 300, 1, 50)
    );
    assert_eq!(g.drops_replay, 1);
    assert_eq!(g.drops_datapath, 3);
    assert_eq!((g.spds, g.policies), (2, 2));
    // Reset: the resettable counters restart from zero; bytes used stay.
    p.sa_stats(pi, inb, true).unwrap();
    let s = p.sa_stats(pi, inb, false).unwrap();
    assert_eq!(
        (
            s.stats[0].packet_count,
            s.stats[0].hmac_errors,
            s.stats[0].exceptions
        ),
        (0, 0, 0)
    );
    assert_eq!(s.stats[0].bytes_used, 50);
    let ps = p.policy_stats(pi, true).unwrap();
    assert_eq!((ps.spd_id, ps.policy_id), (2, 20));
    assert_eq!(p.policy_stats(pi, false).unwrap().exceptions, 0);
    let _ = Direction::Inbound;
}
