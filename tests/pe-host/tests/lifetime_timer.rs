//! The driver's lifetime timer, on the real `ipsecov2_lwf.sys`: an NDIS timer object allocated
//! and set in DriverEntry, ticking the control plane at DISPATCH_LEVEL as the host's virtual
//! clock advances, cancelled and freed at unload; an SA bundle with lifetimes in seconds
//! expires soft then hard (both events delivered through the control device to a pending
//! `EventWait`, the bundle gone from the plane and the module's SA table) when the clock passes
//! them; a failed timer allocation fails DriverEntry with everything undone. Ignored in the plain
//! `cargo test` run (needs the linked `.sys`); run by `tests/pe-host/run`.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
#![allow(clippy::panic, clippy::unwrap_used)]

use std::time::Duration;

use ipsecov2_control_plane::{Event, EventKind, SaParams};
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::{reply, testing, Ioctl};
use ipsecov2_pe_host::driver::{sys_path, DriverHost};
use ipsecov2_pe_host::kernel::{lowres, timer, verifier};
use ipsecov2_pe_host::pending_io::DeviceIrp;

const IF_INDEX: u32 = 9;
const SOFT_SECS: u32 = 30;
const HARD_SECS: u32 = 60;

mod device_support;
use device_support::{active_out, call, event_wait, finish, ok};

fn running() -> (DriverHost, usize) {
    device_support::running(&device_support::adapter(IF_INDEX, 16, 8, 2))
}

const AES_KEY: [u8; 16] = [0x33; 16];
const SHA1_KEY: [u8; 20] = [0x44; 20];

/// SPD, protecting policy and one ESP SA with soft and hard lifetimes in seconds:
/// (policy, SA bundle).
fn sa_with_lifetimes(h: &mut DriverHost) -> (u32, u32) {
    let (_, policy) = device_support::spd_and_policy(h, IF_INDEX);
    let sas = [SaParams {
        soft_secs: SOFT_SECS,
        hard_secs: HARD_SECS,
        auth_key: &SHA1_KEY,
        enc_key: &AES_KEY,
        ..testing::esp(0x2000)
    }];
    (policy, device_support::sa_add(h, policy, 77, &sas))
}

/// The events that completed `wait`: exactly one expiry of `kind` of the SA bundle 77.
fn assert_expired(wait: DeviceIrp, kind: EventKind) {
    let r = wait.result().expect("completed");
    assert_eq!(r.status, 0);
    let resp = client::parse(&wait.buffer()[..r.information]).unwrap();
    assert_eq!(resp.status, 0);
    let events = reply::events(&resp.body).unwrap().0;
    assert_eq!(events, vec![Event::Expire { kind, sa_id: 77 }]);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn driver_entry_sets_a_periodic_timer_and_unload_cancels_and_frees_it() {
    let (mut h, m) = running();
    assert_eq!((timer::live(), timer::set_count()), (1, 1));
    // Once a second, whatever the step: each advance past a due time runs the function once.
    assert_eq!(h.advance_clock(Duration::from_millis(999)), 0);
    assert_eq!(h.advance_clock(Duration::from_millis(1)), 1);
    assert_eq!(h.advance_clock(Duration::from_secs(1)), 1);
    assert_eq!(h.advance_clock(Duration::from_secs(5)), 1);
    assert_eq!(timer::set_count(), 1, "periodic: still set");
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn an_sa_with_lifetimes_in_seconds_expires_soft_then_hard_as_the_clock_passes_them() {
    let (mut h, m) = running();
    ok(&mut h, Ioctl::EventSetMask, &client::words(&[u32::MAX, 0]));
    let (policy, sa) = sa_with_lifetimes(&mut h);
    assert_eq!(active_out(&mut h), 1);
    let wait = event_wait(&mut h);
    // Before the soft lifetime: ticks, no event.
    for _ in 0..SOFT_SECS - 2 {
        h.advance_clock(Duration::from_secs(1));
    }
    assert!(wait.result().is_none(), "no event before {SOFT_SECS} s");
    // Past it: the soft expiry completes the waiting request; the SA is still there.
    h.advance_clock(Duration::from_secs(3));
    assert_expired(wait, EventKind::ExpireSecsSoft);
    assert_eq!(active_out(&mut h), 1);
    ok(&mut h, Ioctl::QuerySaData, &client::words(&[sa]));
    // Past the hard lifetime: the hard expiry, and the bundle is gone (plane and SA table).
    let wait = event_wait(&mut h);
    h.advance_clock(Duration::from_secs(u64::from(HARD_SECS - SOFT_SECS)));
    assert_expired(wait, EventKind::ExpireSecsHard);
    assert_eq!(active_out(&mut h), 0);
    let (status, _) = call(&mut h, Ioctl::QuerySaData, &client::words(&[sa]));
    assert_ne!(status, 0, "the expired bundle is gone");
    let (status, _) = call(&mut h, Ioctl::SaRemove, &client::words(&[policy, sa]));
    assert_ne!(status, 0, "nothing left to remove");
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_failed_timer_allocation_fails_driver_entry_with_everything_undone() {
    // Find the allocation index of the timer object, then fail exactly it.
    let mut h = DriverHost::load(&sys_path()).unwrap_or_else(|e| panic!("{e}"));
    lowres::arm(u64::MAX);
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let (count, _) = lowres::report();
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
    drop(h);
    let mut failed_timer = false;
    for k in 1..=count {
        let mut h = DriverHost::load(&sys_path()).unwrap_or_else(|e| panic!("{e}"));
        lowres::arm(k);
        let status = h.driver_entry().expect("DriverEntry");
        let (_, failed) = lowres::report();
        lowres::arm(0);
        if failed.is_some_and(|(_, kind)| kind == "NdisAllocateTimerObject") {
            failed_timer = true;
            assert_eq!(
                status, 0xC000_009A_u32 as i32,
                "STATUS_INSUFFICIENT_RESOURCES"
            );
            h.check_released();
            assert_eq!(timer::live(), 0);
            assert_eq!(verifier::take(), Vec::<String>::new());
        } else if status == 0 {
            h.unload();
            verifier::take();
        } else {
            h.check_released();
            verifier::take();
        }
    }
    assert!(failed_timer, "DriverEntry allocates its timer object");
}
