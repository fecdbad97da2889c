//! The test family: refused unless the adapter's keyword enables it; when enabled, decoded for
//! the driver to carry out, and its result encoded back.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::dispatch::{InjectAnswer, NblOutcome, OidAnswer};
use ipsecov2_ioctl::request::{InjectInfo, InjectPath, OidKind};
use ipsecov2_ioctl::test_client;
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
            client::test_inject(
                "eth0",
                InjectPath::Receive,
                &[client::TestNbl {
                    info: Default::default(),
                    nbs: vec![client::TestNb::flat(&[0; 60])],
                }],
            ),
        ),
        (Ioctl::TestOffload, test_client::test_offload("eth0", false)),
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
            base: 0,
            direct: false,
        })
    );
    let frame = [0xAAu8; 74];
    let nbl = client::TestNbl {
        info: InjectInfo {
            ipsec: 0x1234_5678_9ABC,
            tunnel: 7,
            header: 0x0102_0304,
            checksum: 0x11,
            nbl_flags: 0x20,
        },
        nbs: vec![
            client::TestNb {
                frame: frame.to_vec(),
                data_offset: 3,
                mdl_sizes: vec![10, 1, 0, 70],
            },
            client::TestNb::flat(&frame[..13]),
        ],
    };
    let m = client::test_inject("eth1", InjectPath::Send, std::slice::from_ref(&nbl));
    let c = rig
        .disp
        .dispatch(&mut rig.plane, Ioctl::TestInject.code(), 4, &m, &mut out)
        .unwrap();
    let Completion::Test(TestRequest::Inject {
        module,
        path,
        mut nbls,
    }) = c
    else {
        panic!("{c:?}");
    };
    assert_eq!(
        (module, path, nbls.len()),
        (&b"eth1"[..], InjectPath::Send, 1)
    );
    let got = nbls.next().unwrap();
    assert!(nbls.next().is_none());
    assert_eq!(got.info, nbl.info);
    let nbs: Vec<_> = got.nbs().collect();
    assert_eq!(nbs.len(), 2);
    assert_eq!(
        (nbs[0].frame, nbs[0].data_offset, nbs[0].total()),
        (&frame[..], 3, 81)
    );
    assert_eq!(nbs[0].mdl_sizes().collect::<Vec<_>>(), [10, 1, 0, 70]);
    assert_eq!(
        (nbs[1].frame, nbs[1].mdl_sizes().collect::<Vec<_>>()),
        (&frame[..13], vec![13])
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

#[test]
fn oid_answer_round_trip() {
    let mut out = [0u8; 128];
    let a = OidAnswer {
        status: 0xC001_0017,
        bytes_read: 4,
        bytes_written: 0,
        bytes_needed: 96,
    };
    let n = Dispatcher::complete_test_oid(&mut out, &a, &[5, 6, 7]).unwrap();
    let r = client::parse(&out[..n]).unwrap();
    let reply = test_client::read_oid(&r.body).unwrap();
    assert_eq!(
        (reply.ntstatus, reply.answer, reply.info),
        (0, a, vec![5, 6, 7])
    );
    assert_eq!(
        Dispatcher::complete_test_oid(&mut out[..40], &a, &[5, 6, 7]),
        Err(DispatchError::OutputTooSmall { needed: 43 })
    );
    // A refusal carries only its NTSTATUS.
    let n = Dispatcher::complete_test(&mut out, 0xC000_0225, &[]).unwrap();
    let r = client::parse(&out[..n]).unwrap();
    assert_eq!(
        test_client::read_oid(&r.body).unwrap().ntstatus,
        0xC000_0225
    );
}

#[test]
fn inject_answer_round_trip_and_too_small() {
    let write = |out: &mut [u8]| {
        let mut a = InjectAnswer::new(out, 2);
        a.record(
            1,
            &NblOutcome {
                fate: NblOutcome::UP,
                status: 0,
                ipsec: 0x8000_0000_0000_0001,
                header: 0x0332,
                frames: 2,
            },
        );
        a.frame(5, |d| {
            d.copy_from_slice(&[1, 2, 3, 4, 5]);
            true
        });
        a.frame(3, |_| false);
        a.finish()
    };
    let mut out = vec![0u8; 256];
    let n = write(&mut out).unwrap();
    assert_eq!(n, 16 + 16 + 2 * 24 + 12 + 8);
    let r = client::parse(&out[..n]).unwrap();
    let reply = test_client::read_inject(&r.body).unwrap();
    assert_eq!(reply.ntstatus, 0);
    assert_eq!(reply.nbls[0], NblOutcome::default());
    assert_eq!(reply.nbls[1].ipsec, 0x8000_0000_0000_0001);
    assert_eq!(reply.nbls[1].frames, 2);
    assert_eq!(reply.frames, vec![vec![1, 2, 3, 4, 5], vec![0, 0, 0]]);
    // Too small: the size needed, whatever was cut.
    let mut small = vec![0u8; 90];
    assert_eq!(
        write(&mut small),
        Err(DispatchError::OutputTooSmall { needed: n })
    );
}
