//! The test family: refused unless the adapter's keyword enables it; when enabled, decoded for
//! the driver to carry out, and its result encoded back.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::request::{InjectPath, OidKind};
use ipsecov2_ioctl::{Completion, DispatchError, Dispatcher, Ioctl, TestRequest};

#[test]
fn refused_without_the_keyword() {
    let mut rig = Rig::new(false);
    rig.populate();
    let before = rig.snapshot();
    for (ioctl, m) in [
        (
            Ioctl::TestOid,
            client::test_oid("eth0", 0x0101_0202, OidKind::Query, &[], 16),
        ),
        (
            Ioctl::TestInject,
            client::test_inject("eth0", InjectPath::Receive, &[0; 60]),
        ),
    ] {
        assert_eq!(rig.call(ioctl, &m), Err(DispatchError::TestFamilyDisabled));
        // Even a malformed one learns nothing more.
        assert_eq!(
            rig.call(ioctl, &[0; 3]),
            Err(DispatchError::TestFamilyDisabled)
        );
    }
    assert_eq!(rig.snapshot(), before);
    assert_eq!(DispatchError::TestFamilyDisabled.ntstatus(), 0xC000_0022);
}

#[test]
fn decoded_for_the_driver_when_enabled() {
    let mut rig = Rig::new(true);
    let m = client::test_oid("{GUID}-lwf", 0xFC01_0209, OidKind::Set, &[9, 8, 7], 64);
    let mut out = [0u8; 64];
    let c = rig
        .disp
        .dispatch(&mut rig.plane, Ioctl::TestOid.code(), 3, &m, &mut out)
        .unwrap();
    assert_eq!(
        c,
        Completion::Test(TestRequest::Oid {
            module: b"{GUID}-lwf",
            oid: 0xFC01_0209,
            kind: OidKind::Set,
            info: &[9, 8, 7],
            info_len: 64,
        })
    );
    let frame = [0xAAu8; 74];
    let m = client::test_inject("eth1", InjectPath::Send, &frame);
    let c = rig
        .disp
        .dispatch(&mut rig.plane, Ioctl::TestInject.code(), 4, &m, &mut out)
        .unwrap();
    assert_eq!(
        c,
        Completion::Test(TestRequest::Inject {
            module: b"eth1",
            path: InjectPath::Send,
            frame: &frame
        })
    );
    // The driver's result goes back in a bounded response.
    let n = Dispatcher::complete_test(&mut out, 0, &[1, 2, 3, 4]).unwrap();
    let r = client::parse(&out[..n]).unwrap();
    assert_eq!(
        (r.status, r.body.u32(0).unwrap(), r.body.u32(4).unwrap()),
        (0, 0, 4)
    );
    assert_eq!(
        Dispatcher::complete_test(&mut out[..20], 0, &[1, 2, 3, 4]),
        Err(DispatchError::OutputTooSmall { needed: 28 })
    );
}
