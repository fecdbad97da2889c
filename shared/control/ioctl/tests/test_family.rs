//! The test family: refused unless the adapter's keyword enables it; when enabled, decoded for
//! the driver to carry out, and its result encoded back.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::module_stats::{
    self, Enabled, ModuleCounts, ModuleState, ModuleStatsRecord, MAX_BUCKETS,
};

use ipsecov2_ioctl::dispatch::{InjectAnswer, NblOutcome, OidAnswer};
use ipsecov2_ioctl::request::{InjectInfo, InjectPath, OidKind};
use ipsecov2_ioctl::test_client;
use ipsecov2_ioctl::{Completion, DispatchError, Dispatcher, Ioctl, TestRequest};
use ipsecov2_ioctl::{Fault, Field};

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
        (Ioctl::TestModuleStats, client::test_module_stats("eth0")),
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
fn module_stats_is_decoded_for_the_driver_when_enabled() {
    let mut rig = Rig::new(true);
    let m = client::test_module_stats("12");
    let mut out = [0u8; 64];
    let c = rig
        .disp
        .dispatch(
            &mut rig.plane,
            Ioctl::TestModuleStats.code(),
            5,
            &m,
            &mut out,
        )
        .unwrap();
    assert_eq!(
        c,
        Completion::Test(TestRequest::ModuleStats { module: b"12" })
    );
    let Completion::Test(t) = c else {
        unreachable!()
    };
    assert_eq!(t.module(), b"12");
}

fn record<'a>(drops: &'a [u64], failures: &'a [u64]) -> ModuleStatsRecord<'a> {
    ModuleStatsRecord {
        state: ModuleState::Running,
        sa_count: 3,
        enabled: Enabled {
            ipsec_v2: 3,
            ipsec_v2_ipv4: 2,
        },
        counts: ModuleCounts {
            sends_outstanding: 1,
            receives_outstanding: 2,
            send_passed: 3,
            send_protected_nbls: 4,
            send_packets: 5,
            send_bytes: 6,
            recv_untouched: 7,
            recv_not_processed: 8,
            recv_packets: 9,
            recv_bytes: 10,
            recv_delete_requests: 11,
            send_paused: 12,
            recv_returned_paused: 13,
            recv_dropped_paused: 14,
            state_errors: 15,
            oids_answered: 16,
            oids_passed_down: u64::MAX,
        },
        send_drops: drops,
        recv_failures: failures,
    }
}

#[test]
fn a_module_stats_record_reads_back_as_encoded_through_the_response() {
    let drops = [1u64 << 40, 0, 7];
    let failures = [9u64, 8];
    let r = record(&drops, &failures);
    let mut data = vec![0u8; r.len()];
    assert_eq!(r.encode(&mut data), Ok(r.len()));
    assert_eq!(r.len(), 24 + 8 * (17 + 3 + 2));
    let mut out = vec![0u8; 512];
    let n = Dispatcher::complete_test(&mut out, 0, &data).unwrap();
    let resp = client::parse(&out[..n]).unwrap();
    let body = resp.body.bytes();
    assert_eq!(
        u32::from_le_bytes(body[4..8].try_into().unwrap()) as usize,
        data.len()
    );
    let back = module_stats::read(&body[8..]).unwrap();
    assert_eq!(back.state, ModuleState::Running);
    assert_eq!(back.sa_count, 3);
    assert_eq!(back.enabled, r.enabled);
    assert_eq!(back.counts, r.counts);
    assert_eq!(back.send_drops, drops);
    assert_eq!(back.recv_failures, failures);
    for v in 0..6 {
        assert_eq!(ModuleState::from_u32(v).map(|s| s as u32), Some(v));
    }
    assert_eq!(ModuleState::from_u32(6), None);
}

#[test]
fn a_module_stats_record_that_does_not_fit_is_not_written() {
    let r = record(&[1, 2], &[3]);
    let mut small = vec![0xEEu8; r.len() - 1];
    assert_eq!(r.encode(&mut small), Err(r.len()));
    assert!(small.iter().all(|&b| b == 0xEE));
    let many = [0u64; MAX_BUCKETS + 1];
    let mut big = vec![0u8; 4096];
    assert_eq!(record(&many, &[]).encode(&mut big), Err(0));
    assert_eq!(record(&[], &many).encode(&mut big), Err(0));
}

#[test]
fn a_malformed_module_stats_record_is_refused() {
    let r = record(&[1, 2], &[3]);
    let mut good = vec![0u8; r.len()];
    r.encode(&mut good).unwrap();
    let set = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let mut b = good.clone();
    set(&mut b, 0, 6);
    assert_eq!(module_stats::read(&b), Err(Fault::BadEnum(Field::Body)));
    let mut b = good.clone();
    set(&mut b, 8, 1 << 16);
    assert_eq!(
        module_stats::read(&b),
        Err(Fault::ReservedNotZero(Field::Body))
    );
    let mut b = good.clone();
    set(&mut b, 12, 16);
    assert_eq!(
        module_stats::read(&b),
        Err(Fault::CountMismatch(Field::Body))
    );
    let mut b = good.clone();
    set(&mut b, 16, MAX_BUCKETS as u32 + 1);
    assert_eq!(
        module_stats::read(&b),
        Err(Fault::CountTooLarge(Field::Body))
    );
    let mut b = good.clone();
    set(&mut b, 20, 2);
    assert_eq!(module_stats::read(&b), Err(Fault::LengthMismatch));
    let mut b = good.clone();
    b.push(0);
    assert_eq!(module_stats::read(&b), Err(Fault::LengthMismatch));
    assert!(module_stats::read(&good[..20]).is_err());
    assert!(module_stats::read(&good).is_ok());
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
        a.frame(5, 0x0000_0011, |d| {
            d.copy_from_slice(&[1, 2, 3, 4, 5]);
            true
        });
        a.frame(3, 0, |_| false);
        a.finish()
    };
    let mut out = vec![0u8; 256];
    let n = write(&mut out).unwrap();
    assert_eq!(n, 16 + 16 + 2 * 24 + 16 + 12);
    let r = client::parse(&out[..n]).unwrap();
    let reply = test_client::read_inject(&r.body).unwrap();
    assert_eq!(reply.ntstatus, 0);
    assert_eq!(reply.nbls[0], NblOutcome::default());
    assert_eq!(reply.nbls[1].ipsec, 0x8000_0000_0000_0001);
    assert_eq!(reply.nbls[1].frames, 2);
    assert_eq!(reply.frames, vec![vec![1, 2, 3, 4, 5], vec![0, 0, 0]]);
    // Each frame carries its NBL's checksum slot.
    assert_eq!(reply.checksums, vec![0x0000_0011, 0]);
    // Too small: the size needed, whatever was cut.
    let mut small = vec![0u8; 90];
    assert_eq!(
        write(&mut small),
        Err(DispatchError::OutputTooSmall { needed: n })
    );
}
