//! The control device of the real `ipsecov2_lwf.sys`, through IRPs into the binary: the IOCTL
//! protocol's handshake, SPD + policy + SA bundle into the attached module's SA table,
//! statistics read back, a malformed request refused with nothing changed, the inverted call
//! (an `EventWait` pended and completed when an event arrives, and one cancelled), and the test
//! family refused without the `ControlTestFamily` keyword. Ignored in the plain `cargo test` run
//! (the `.sys` is linked by tests/windows-target-check or tests/pe-host/build-sys); run by
//! `tests/pe-host/run`.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
#![allow(clippy::panic, clippy::unwrap_used)]

use ipsecov2_control_plane::Direction;
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::module_stats::{self, ModuleState};
use ipsecov2_ioctl::request::{InjectInfo, InjectPath, OidKind};
use ipsecov2_ioctl::test_client::{self, InjectReply};
use ipsecov2_ioctl::testing;
use ipsecov2_ioctl::{reply, Ioctl};
use ipsecov2_ndis_emu::oid_buffers::{self, AddSa};
use ipsecov2_ndis_emu::{tcpip, OwnedNblChain, SplitMix64};
use ipsecov2_pe_host::driver::{sys_path, DriverHost};
use ipsecov2_pe_host::esp_send::esp_v4_frame;
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::kernel::{datapath, verifier};
use ipsecov2_pe_host::session::Session;

const STATUS_ACCESS_DENIED: i32 = 0xC000_0022_u32 as i32;
const STATUS_CANCELLED: i32 = 0xC000_0120_u32 as i32;
/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA`.
const OID_DELETE_SA: u32 = 0xFC03_0203;
const STATUS_NOT_FOUND: u32 = 0xC000_0225;
const IF_INDEX: u32 = 7;

mod device_support;
use device_support::{active_out as global_active_out, event_wait, finish, ok, u32_at};

fn adapter(test_family: bool) -> Miniport {
    let mut a = device_support::adapter(IF_INDEX, 64, 16, 4);
    if test_family {
        a.keywords.push(("ControlTestFamily".into(), 1));
    }
    a
}

/// The driver loaded, one module attached and running.
fn running(test_family: bool) -> (DriverHost, usize) {
    device_support::running(&adapter(test_family))
}

/// SPD on the module's interface, a protecting policy, an ESP SA: (spd, policy, sa).
fn populate(h: &mut DriverHost) -> (u32, u32, u32) {
    let (spd, policy) = device_support::spd_and_policy(h, IF_INDEX);
    let sa = device_support::sa_add(h, policy, 100, &[testing::esp(0x1000)]);
    (spd, policy, sa)
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn handshake_spd_policy_and_sa_reach_the_module_and_statistics_read_back() {
    let (mut h, m) = running(false);
    let body = ok(&mut h, Ioctl::Handshake, &client::handshake(1, 1));
    assert_eq!(u32_at(&body, 0) & 0xFFFF, 1, "version");
    assert_eq!(
        u32_at(&body, 4) & 1,
        0,
        "test family off without the keyword"
    );
    // No common version: refused by the decoder, nothing written.
    let irp = h
        .device_control_async(Ioctl::Handshake.code(), &client::handshake(2, 3), 4096)
        .unwrap();
    assert_ne!(irp.result().unwrap().status, 0);
    assert_eq!(irp.result().unwrap().information, 0);
    drop(irp);

    let (_spd, policy, sa) = populate(&mut h);
    assert_eq!(global_active_out(&mut h), 1);
    // The bundle is in the module's SA table: its offload handle is non-zero.
    let data = ok(&mut h, Ioctl::QuerySaData, &client::words(&[sa]));
    let offload = u64::from(u32_at(&data, 24)) | u64::from(u32_at(&data, 28)) << 32;
    assert_ne!(offload, 0, "{data:?}");
    // Per-SA statistics of the bundle: one SA, nothing processed yet.
    let stats = ok(&mut h, Ioctl::SaStats, &client::words(&[policy, sa, 0]));
    let r = reply::sa_stats(&ipsecov2_ioctl::wire::Reader::new(&stats)).unwrap();
    assert_eq!((r.sa_id, r.count), (100, 1));
    assert_eq!(r.stats[0].packet_count, 0);
    // Removing it empties the table again.
    ok(&mut h, Ioctl::SaRemove, &client::words(&[policy, sa]));
    assert_eq!(global_active_out(&mut h), 0);
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_malformed_request_is_refused_and_changes_nothing() {
    let (mut h, m) = running(false);
    populate(&mut h);
    let spds_before = ok(&mut h, Ioctl::QueryAllSpds, &client::words(&[]));
    let mut bad = client::spd_create(Direction::Outbound, 2, &[IF_INDEX]);
    // The header's length no longer matches the input.
    bad.push(0);
    let irp = h
        .device_control_async(Ioctl::SpdCreate.code(), &bad, 4096)
        .unwrap();
    let r = irp.result().expect("completed");
    assert!(r.status < 0, "refused: {:#x}", r.status);
    assert_eq!(r.information, 0);
    drop(irp);
    // An output too small for the response: refused before the plane runs.
    let irp = h
        .device_control_async(
            Ioctl::SpdCreate.code(),
            &client::spd_create(Direction::Inbound, 3, &[IF_INDEX]),
            8,
        )
        .unwrap();
    assert!(irp.result().expect("completed").status < 0);
    drop(irp);
    assert_eq!(
        ok(&mut h, Ioctl::QueryAllSpds, &client::words(&[])),
        spds_before
    );
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn an_event_wait_pends_until_an_event_arrives() {
    let (mut h, m) = running(false);
    ok(&mut h, Ioctl::EventSetMask, &client::words(&[u32::MAX, 0]));
    let (_, policy, _) = populate(&mut h);
    let wait = event_wait(&mut h);
    // Destroying the policy purges its SA: an event, and the waiting IRP completes with it.
    ok(&mut h, Ioctl::PolicyDestroy, &client::words(&[policy]));
    let r = wait.result().expect("completed by the event");
    assert_eq!(r.status, 0);
    let resp = client::parse(&wait.buffer()[..r.information]).unwrap();
    assert_eq!(resp.status, 0);
    let (events, dropped) = reply::events(&resp.body).unwrap();
    assert!(!events.is_empty());
    assert_eq!(dropped, 0);
    drop(wait);
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_cancelled_event_wait_completes_cancelled_and_leaves_the_queue() {
    let (mut h, m) = running(false);
    ok(&mut h, Ioctl::EventSetMask, &client::words(&[u32::MAX, 0]));
    let mut wait = event_wait(&mut h);
    assert!(h.cancel_irp(&mut wait), "the driver armed a cancel routine");
    let r = wait.result().expect("completed by the cancel routine");
    assert_eq!((r.status, r.information), (STATUS_CANCELLED, 0));
    drop(wait);
    // The queue no longer holds it: an event completes only the next wait.
    let (_, policy, _) = populate(&mut h);
    let wait = event_wait(&mut h);
    ok(&mut h, Ioctl::PolicyDestroy, &client::words(&[policy]));
    assert_eq!(wait.result().expect("completed").status, 0);
    drop(wait);
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_test_family_is_refused_without_the_keyword() {
    let (mut h, m) = running(false);
    let req = client::test_oid("7", 0x0102_0203, OidKind::Query, &[], 64);
    let irp = h
        .device_control_async(Ioctl::TestOid.code(), &req, 4096)
        .unwrap();
    let r = irp.result().unwrap();
    assert_eq!((r.status, r.information), (STATUS_ACCESS_DENIED, 0));
    drop(irp);
    let req = client::test_inject(
        "7",
        InjectPath::Send,
        &[client::TestNbl {
            info: Default::default(),
            nbs: vec![client::TestNb::flat(&[0; 60])],
        }],
    );
    let irp = h
        .device_control_async(Ioctl::TestInject.code(), &req, 4096)
        .unwrap();
    assert_eq!(irp.result().unwrap().status, STATUS_ACCESS_DENIED);
    drop(irp);
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_keyword_opens_the_test_family_to_its_module_only() {
    let (mut h, m) = running(true);
    let body = ok(&mut h, Ioctl::Handshake, &client::handshake(1, 1));
    assert_eq!(u32_at(&body, 4) & 1, 1, "test family on");
    // An IPsecOV2 OID the module answers itself: DELETE_SA of an empty buffer, refused by the
    // module's own OID handling (carried out, NTSTATUS 0, the module's NDIS_STATUS inside).
    let req = client::test_oid("7", OID_DELETE_SA, OidKind::Set, &[], 0);
    let body = ok(&mut h, Ioctl::TestOid, &req);
    assert_eq!(u32_at(&body, 0), 0);
    assert_ne!(u32_at(&body, 4), 0, "an empty DELETE_SA is refused");
    let req = client::test_oid("8", 0x0102_0203, OidKind::Query, &[], 64);
    let body = ok(&mut h, Ioctl::TestOid, &req);
    assert_eq!(u32_at(&body, 0), STATUS_NOT_FOUND);
    let body = ok(
        &mut h,
        Ioctl::TestModuleStats,
        &client::test_module_stats("8"),
    );
    assert_eq!((u32_at(&body, 0), u32_at(&body, 4)), (STATUS_NOT_FOUND, 0));
    let body = ok(
        &mut h,
        Ioctl::TestModuleStats,
        &client::test_module_stats("7"),
    );
    assert_eq!(u32_at(&body, 0), 0);
    let stats = module_stats::read(&body[8..8 + u32_at(&body, 4) as usize]).unwrap();
    assert_eq!(stats.state, ModuleState::Running);
    // Detached, the keyword goes with its module.
    h.pause(m).expect("pause");
    h.detach(m).expect("detach");
    let req = client::test_oid("7", 0x0102_0203, OidKind::Query, &[], 64);
    let irp = h
        .device_control_async(Ioctl::TestOid.code(), &req, 4096)
        .unwrap();
    assert_eq!(irp.result().unwrap().status, STATUS_ACCESS_DENIED);
    drop(irp);
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn an_sa_added_through_the_device_seals_a_send_and_its_statistics_count_it() {
    let (mut h, m) = running(false);
    let (_, policy, sa) = populate(&mut h);
    let data = ok(&mut h, Ioctl::QuerySaData, &client::words(&[sa]));
    let offload = u64::from(u32_at(&data, 24)) | u64::from(u32_at(&data, 28)) << 32;
    // TCP/IP frames an ESP packet for the SA (AES-128-CBC + HMAC-SHA1-96, SPI 0x1000) and
    // hands it down with the control plane's offload handle.
    let alg = &esp_alg("aes128+sha1");
    let payload: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
    let f = esp_v4_frame(alg, 0x1000, &payload, 6);
    let mut rng = SplitMix64::new(5);
    let owned = OwnedNblChain::build(&[tcpip::send_nbl(
        &mut rng,
        &[&f.frame],
        offload,
        0,
        f.header_info,
    )])
    .expect("chain");
    let head = owned.nbl_ptr(0).expect("an NBL").cast();
    // SAFETY: `owned` outlives the send and its completion.
    unsafe { h.send(m, head, true) }.expect("send");
    let wire = h.complete_below(m, 0, true).expect("complete");
    assert_eq!(wire.len(), 1, "one NBL down");
    let w = &wire[0][0];
    for &(s, e) in &f.encrypted {
        assert!(
            e - s < 8 || w[s..e] != f.frame[s..e],
            "payload [{s}..{e}) in clear on the wire"
        );
    }
    let completed = datapath::with(m, |l| core::mem::take(&mut l.completed_up)).expect("ledger");
    assert_eq!(completed, [(head as usize, 0)]);
    // The plane reads the module's counters: one packet on the SA, one out globally.
    let stats = ok(&mut h, Ioctl::SaStats, &client::words(&[policy, sa, 0]));
    let r = reply::sa_stats(&ipsecov2_ioctl::wire::Reader::new(&stats)).unwrap();
    assert_eq!(r.stats[0].packet_count, 1, "{r:?}");
    assert!(r.stats[0].bytes_used > 0, "{r:?}");
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn module_stats_follow_the_oid_path_and_the_send_path_of_their_module_only() {
    let mut s = Session::start(&sys_path()).unwrap();
    let mut second = adapter(true);
    second.if_index = IF_INDEX + 1;
    let a = s.running_module(&adapter(true)).unwrap();
    let b = s.running_module(&second).unwrap();
    let before = s.module_stats(a).unwrap();
    assert_eq!(before.state, ModuleState::Running);
    assert_eq!((before.sa_count, before.counts.oids_answered), (0, 0));
    let spi = 0x4000;
    let e = esp_alg("gcm256/16");
    let handle = s
        .add_sa(a, &tcpip::bundle(tcpip::BundleSpec::esp(&e, spi)))
        .unwrap();
    let mut rng = SplitMix64::new(5);
    let payload = rng.bytes(40);
    let f = tcpip::frame(
        &tcpip::Ip {
            v6: false,
            extras: false,
        },
        &tcpip::Layer {
            esp: Some((e.shape, spi)),
            ah: None,
            udp: false,
        },
        1,
        &payload,
        6,
    );
    let spec = tcpip::send_nbl(&mut rng, &[&f.frame], handle, 0, f.header_info);
    let (statuses, wire) = s.send(a, &[spec]).unwrap();
    assert_eq!((statuses, wire.len()), (vec![Some(0)], 1));
    let spec = tcpip::send_nbl(&mut rng, &[&f.frame], 0x1234_5678, 0, f.header_info);
    let (statuses, _) = s.send(a, &[spec]).unwrap();
    assert_eq!(statuses, vec![Some(0xC000_0001_u32 as i32)]);
    let after = s.module_stats(a).unwrap();
    assert_eq!(after.sa_count, 1);
    assert_eq!(after.counts.oids_answered, 1);
    assert_eq!(
        (after.counts.send_protected_nbls, after.counts.send_packets),
        (1, 1)
    );
    assert_eq!(after.send_drops.iter().sum::<u64>(), 1, "{after:?}");
    assert_eq!(after.counts.sends_outstanding, 0);
    let other = s.module_stats(b).unwrap();
    assert_eq!((other.sa_count, other.counts.oids_answered), (0, 0));
    assert_eq!(other.counts.send_packets, 0);
    s.finish().unwrap();
}

/// A `TestOid` / `TestInject` / `TestOffload` through the device: the answer's body.
fn test_call(h: &mut DriverHost, ioctl: Ioctl, input: &[u8]) -> Vec<u8> {
    let irp = h
        .device_control_async(ioctl.code(), input, 64 * 1024)
        .unwrap();
    let r = irp.result().unwrap_or_else(|| panic!("{ioctl:?} pending"));
    assert_eq!(r.status, 0, "{ioctl:?}: NTSTATUS {:#x}", r.status);
    let resp = client::parse(&irp.buffer()[..r.information]).unwrap();
    assert_eq!(resp.status, 0);
    resp.body.bytes().to_vec()
}

/// The framer's ESP algorithm `name` (the names of `tcpip::esp_algs`).
fn esp_alg(name: &str) -> tcpip::EspAlg {
    tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no ESP algorithm {name}"))
}

/// `nbls` injected on `path` of module "7" through `TestInject`: the family's reply.
fn test_inject(h: &mut DriverHost, path: InjectPath, nbls: &[client::TestNbl]) -> InjectReply {
    let body = test_call(h, Ioctl::TestInject, &client::test_inject("7", path, nbls));
    test_client::read_inject(&ipsecov2_ioctl::wire::Reader::new(&body)).unwrap()
}

/// ADD_SA of `sa` through `TestOid` on the direct path (the list built at the emulation's
/// base address): the module's NDIS_STATUS and the offload handle.
fn test_add_sa(h: &mut DriverHost, sa: &AddSa) -> (u32, u64) {
    let (buf, offsets) = oid_buffers::add_sa_list(std::slice::from_ref(sa));
    let req = device_support::add_sa_request("7", &buf);
    let body = test_call(h, Ioctl::TestOid, &req);
    let r = test_client::read_oid(&ipsecov2_ioctl::wire::Reader::new(&body)).unwrap();
    assert_eq!(r.ntstatus, 0);
    assert_eq!(
        r.info.len(),
        buf.len(),
        "the whole InformationBuffer comes back"
    );
    // The links come back as the client built them.
    assert_eq!(r.info[8..16], buf[8..16]);
    (r.answer.status, oid_buffers::handle_at(&r.info, offsets[0]))
}

fn test_nbl(spec: &ipsecov2_ndis_emu::NblSpec) -> client::TestNbl {
    let mut info = InjectInfo {
        nbl_flags: spec.nbl_flags,
        ..InjectInfo::default()
    };
    for &(slot, v) in &spec.info {
        match slot {
            1 => info.ipsec = v as u64,
            0xB => info.tunnel = v as u64,
            0xC => info.header = v as u32,
            _ => info.checksum = v as u32,
        }
    }
    client::TestNbl {
        info,
        nbs: spec
            .nbs
            .iter()
            .map(|nb| client::TestNb {
                frame: nb.data.clone(),
                data_offset: nb.layout.data_offset,
                mdl_sizes: nb.layout.mdl_sizes.clone(),
            })
            .collect(),
    }
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_test_family_adds_an_sa_seals_an_injected_send_and_opens_it_on_receive() {
    let (mut h, m) = running(true);
    let alg = &esp_alg("gcm128/16");
    let (status, out) = test_add_sa(&mut h, &tcpip::bundle(tcpip::BundleSpec::esp(alg, 0x2000)));
    assert_eq!((status, out != 0), (0, true), "ADD_SA outbound");
    let inbound = tcpip::bundle(tcpip::BundleSpec::esp(alg, 0x2000).inbound());
    let (status, inb) = test_add_sa(&mut h, &inbound);
    assert_eq!(
        (status, inb != 0 && inb != out),
        (0, true),
        "ADD_SA inbound"
    );
    let payload: Vec<u8> = (0..700u32).map(|i| (i * 13) as u8).collect();
    let f = esp_v4_frame(alg, 0x2000, &payload, 6);
    let mut rng = SplitMix64::new(11);
    // Two NBLs: one protected (random MDL layout), one without a handle (passed down as it is).
    let send = [
        test_nbl(&tcpip::send_nbl(
            &mut rng,
            &[&f.frame],
            out,
            0,
            f.header_info,
        )),
        // With a checksum request (IsIPv4, IpHeaderChecksum) for the miniport.
        client::TestNbl {
            info: InjectInfo {
                checksum: 0x11,
                ..InjectInfo::default()
            },
            nbs: vec![client::TestNb::flat(&[0x5A; 60])],
        },
    ];
    let r = test_inject(&mut h, InjectPath::Send, &send);
    assert_eq!(r.ntstatus, 0);
    assert_eq!(
        r.nbls
            .iter()
            .map(|o| (o.fate, o.status))
            .collect::<Vec<_>>(),
        [(1, 0), (1, 0)],
        "both completed up with success"
    );
    assert_eq!(r.frames.len(), 2, "two frames captured below");
    let wire = &r.frames[0];
    assert_eq!(wire.len(), f.frame.len());
    for &(s, e) in &f.encrypted {
        assert!(
            e - s < 8 || wire[s..e] != f.frame[s..e],
            "payload [{s}..{e}) in clear"
        );
    }
    assert_eq!(
        r.frames[1],
        vec![0x5A; 60],
        "the NBL without a handle, untouched"
    );
    // Each frame comes with the checksum slot the miniport reads: none left on the protected
    // copy, the request of the NBL passed down as it is.
    assert_eq!(r.checksums, [0, 0x11]);
    // Nothing reached the miniport: the injected sends were captured at the edge.
    assert!(h.complete_below(m, 0, true).expect("below").is_empty());
    // The captured ESP packet, received: decrypted in place, CryptoDone set.
    let recv = [test_nbl(&tcpip::recv_nbl(&mut rng, wire, 0))];
    let r = test_inject(&mut h, InjectPath::Receive, &recv);
    assert_eq!((r.nbls.len(), r.nbls[0].fate, r.nbls[0].frames), (1, 1, 1));
    let view = tcpip::RecvView::from_slots(
        ipsecov2_abi::NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(r.nbls[0].ipsec as usize),
        ipsecov2_abi::NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(r.nbls[0].header),
    );
    assert!(view.crypto_done && view.status == 0, "{view:?}");
    for &(s, e) in &f.encrypted {
        assert_eq!(r.frames[0][s..e], f.frame[s..e], "decrypted [{s}..{e})");
    }
    // Nothing went up to TCP/IP either.
    assert!(h.return_above(m, true).expect("above").is_empty());
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_test_family_refuses_a_list_leaving_its_buffer_and_a_short_output() {
    let (mut h, m) = running(true);
    let alg = &esp_alg("gcm128/16");
    let (mut buf, _) = oid_buffers::add_sa_list(&[tcpip::bundle(tcpip::BundleSpec::esp(alg, 1))]);
    // Next points one byte past the buffer.
    let past = oid_buffers::BASE + buf.len() as u64;
    buf[8..16].copy_from_slice(&past.to_le_bytes());
    let req = device_support::add_sa_request("7", &buf);
    let body = test_call(&mut h, Ioctl::TestOid, &req);
    assert_eq!(u32_at(&body, 0), 0xC000_000D, "STATUS_INVALID_PARAMETER");
    // An answer that does not fit: STATUS_BUFFER_TOO_SMALL, nothing written, nothing leaked.
    let send = [client::TestNbl {
        info: InjectInfo::default(),
        nbs: vec![client::TestNb::flat(&[0x11; 200])],
    }];
    let req = client::test_inject("7", InjectPath::Send, &send);
    let irp = h
        .device_control_async(Ioctl::TestInject.code(), &req, 64)
        .unwrap();
    let r = irp.result().unwrap();
    assert_eq!((r.status, r.information), (0xC000_0023_u32 as i32, 0));
    drop(irp);
    assert!(h.complete_below(m, 0, true).expect("below").is_empty());
    assert_eq!(verifier::take(), Vec::<String>::new());
    finish(h, m);
}
