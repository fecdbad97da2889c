//! Policy and SA add/remove rates through the IOCTL decoder and dispatcher, against a control
//! plane over a real SA table (the SA add includes preparing the engine's key schedules, as on
//! the OID path). Each iteration adds one and removes it again.
#![allow(clippy::unwrap_used, clippy::panic)]

use criterion::{criterion_main, Criterion, Throughput};
use ipsecov2_control_plane::{
    Action, ControlPlane, Direction, Interface, Limits, PortRange, SaParams, Selector,
};
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::testing::{esp, prefix_selector, sa_add_message};
use ipsecov2_ioctl::{Completion, Dispatcher, DispatcherConfig, Ioctl};
use ipsecov2_offload_sa::OffloadSas;
use ipsecov2_satable::{HostSaTable, TableSeed};

fn selector() -> Selector {
    prefix_selector(
        ([10, 0, 0, 0], 8),
        ([192, 168, 0, 0], 16),
        6,
        PortRange::one(443),
    )
}

fn handle(out: &[u8]) -> u32 {
    let r = client::parse(out).unwrap();
    assert_eq!(r.status, 0);
    r.body.u32(0).unwrap()
}

fn bench(c: &mut Criterion) {
    let store = OffloadSas::new(
        HostSaTable::with_capacity(1024, TableSeed::from_words([1, 2, 3, 4])).unwrap(),
    );
    let mut plane = ControlPlane::new(store, Limits::default()).unwrap();
    plane
        .attach_interface(Interface { luid: 1, index: 1 })
        .unwrap();
    let mut disp = Dispatcher::new(DispatcherConfig::default()).unwrap();
    let mut out = vec![0u8; 4096];
    let mut call =
        |plane: &mut ControlPlane<_>, ioctl: Ioctl, msg: &[u8], out: &mut [u8]| match disp
            .dispatch(plane, ioctl.code(), 0, msg, out)
            .unwrap()
        {
            Completion::Done(n) => n,
            other => panic!("{other:?}"),
        };
    call(
        &mut plane,
        Ioctl::SpdCreate,
        &client::spd_create(Direction::Outbound, 1, &[1]),
        &mut out,
    );
    let spd = handle(&out);
    let sels = [selector()];
    // A policy that stays, to hold the SAs.
    let msg = client::policy_create(1, Action::Protect, Direction::Outbound, &sels, &[spd], &[1]);
    call(&mut plane, Ioctl::PolicyCreate, &msg, &mut out);
    let holder = handle(&out);

    let mut g = c.benchmark_group("ioctl");
    g.throughput(Throughput::Elements(1));
    let create = client::policy_create(2, Action::Bypass, Direction::Outbound, &sels, &[spd], &[5]);
    g.bench_function("policy_create_destroy", |b| {
        b.iter(|| {
            call(&mut plane, Ioctl::PolicyCreate, &create, &mut out);
            let h = handle(&out);
            call(
                &mut plane,
                Ioctl::PolicyDestroy,
                &client::words(&[h]),
                &mut out,
            );
        });
    });
    let sas = [SaParams {
        auth_key: &[7; 20],
        enc_key: &[9; 16],
        ..esp(0x1000)
    }];
    let add = sa_add_message(holder, 7, &sas);
    g.bench_function("sa_add_remove", |b| {
        b.iter(|| {
            call(&mut plane, Ioctl::SaAdd, &add, &mut out);
            let h = handle(&out);
            call(
                &mut plane,
                Ioctl::SaRemove,
                &client::words(&[holder, h]),
                &mut out,
            );
        });
    });
    // The decoder alone, on the SA_Add message (no control plane).
    g.bench_function("decode_sa_add", |b| {
        b.iter(|| ipsecov2_ioctl::decode(Ioctl::SaAdd.code(), std::hint::black_box(&add)).unwrap());
    });
    g.finish();
}

/// Every benchmark of this file, configured from the command line (what `criterion_group!`
/// generates, written out so that it carries a doc comment).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
}
criterion_main!(benches);
