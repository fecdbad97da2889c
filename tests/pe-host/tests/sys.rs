//! The real `ipsecov2_lwf.sys` (linked by tests/windows-target-check) in the host. Ignored in
//! the plain `cargo test` run (the `.sys` does not exist before the Windows check links it); run
//! by `tests/pe-host/run`, which fails when the `.sys` is absent.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
// In a test a panic is the failure report.
#![allow(clippy::panic)]

use ipsecov2_ndis_emu::{oid_buffers, tcpip, OwnedNblChain, SplitMix64};
use ipsecov2_pe_host::abi::structs::NET_BUFFER_LIST;
use ipsecov2_pe_host::driver::{sys_path, DriverHost};
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::kernel::module::{self, NdisState};
use ipsecov2_pe_host::kernel::{
    config, datapath, debug, device, filter_driver, nbl, pool, verifier,
};
use ipsecov2_pe_host::load::{HostTable, LoadError, LoadedImage};
use ipsecov2_pe_host::mapfile::MapFile;
use ipsecov2_pe_host::oid_request::NDIS_REQUEST_SET_INFORMATION;
use ipsecov2_pe_host::pe::PeImage;
use ipsecov2_pe_host::stack;

fn sys() -> Vec<u8> {
    let path = sys_path();
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nbuild it first: tests/windows-target-check (or set IPSECOV2_SYS)",
            path.display()
        )
    })
}

fn host() -> DriverHost {
    DriverHost::load(&sys_path()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn refuses_to_load_without_host_functions_listing_every_import() {
    let file = sys();
    let pe = PeImage::parse(&file).expect("parse the .sys");
    assert!(pe.imports.len() > 20, "{} imports", pe.imports.len());
    let err = LoadedImage::load(&file, &HostTable::new()).expect_err("no import implemented");
    let LoadError::Unimplemented(names) = &err else {
        panic!("{err}")
    };
    let expected: Vec<String> = pe
        .imports
        .iter()
        .map(|i| format!("{}!{}", i.module, i.name))
        .collect();
    assert_eq!(names, &expected);
    assert!(
        err.to_string()
            .contains("ndis.sys!NdisFRegisterFilterDriver"),
        "{err}"
    );
    // The host implements every import of the driver.
    let img = LoadedImage::load(&file, &ipsecov2_pe_host::kernel::host_table());
    assert!(
        img.is_ok(),
        "{}",
        img.err().map(|e| e.to_string()).unwrap_or_default()
    );
    // Without two of them, exactly those two are listed.
    let mut partial = HostTable::new();
    for (m, n, a) in ipsecov2_pe_host::kernel::implemented() {
        if n != "NdisFSendNetBufferLists" && n != "KeReleaseSpinLock" {
            partial.add(m, n, a);
        }
    }
    let err = LoadedImage::load(&file, &partial).expect_err("two imports missing");
    let LoadError::Unimplemented(rest) = &err else {
        panic!("{err}")
    };
    let mut rest = rest.clone();
    rest.sort();
    assert_eq!(
        rest,
        [
            "ndis.sys!NdisFSendNetBufferLists",
            "ntoskrnl.exe!KeReleaseSpinLock"
        ]
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_map_file_names_the_exports() {
    let path = sys_path().with_extension("map");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (tests/windows-target-check writes it)",
            path.display()
        )
    });
    let map = MapFile::parse(&text).expect("map");
    let pe = PeImage::parse(&sys()).expect("parse");
    assert_eq!(map.preferred_base(), pe.headers.image_base);
    let entry = pe.export("DriverEntry").expect("DriverEntry export");
    assert_eq!(map.rva_of("DriverEntry"), Some(entry));
    assert_eq!(pe.headers.entry_rva, entry);
    assert_eq!(
        map.symbolize(entry + 3).map(|s| s.to_string()),
        Some("DriverEntry+0x3".to_owned())
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn driver_entry_registers_the_filter_and_the_secured_device_and_unload_releases_them() {
    let mut h = host();
    let status = h.driver_entry().expect("DriverEntry");
    assert_eq!(status, 0, "DriverEntry status {status:#x}");
    assert_eq!(verifier::take(), Vec::<String>::new());
    let unload = h
        .driver_object()
        .DriverUnload
        .map(|f| f as usize)
        .expect("DriverUnload set");
    assert!(
        h.image.rva_of(unload).is_some(),
        "DriverUnload outside the image"
    );

    let drivers = filter_driver::registered();
    let me = drivers
        .iter()
        .find(|d| d.driver_object == h.driver_object_address())
        .expect("registered");
    let c = &me.characteristics;
    assert_eq!(
        (c.Header.Type, c.Header.Revision, c.Header.Size),
        (0x8B, 3, 0xF0)
    );
    assert_eq!((c.MajorNdisVersion, c.MinorNdisVersion), (6, 80));
    assert_eq!(me.unique_name, "{09817B79-31E1-4DAB-A492-EB99D7E6EA81}");
    assert_eq!(me.service_name, "ipsecov2lwf");
    assert_eq!(me.friendly_name, "IPsec Task Offload v2 Software Filter");
    assert_eq!(me.driver_context, h.driver_object_address());
    for (name, p) in [
        ("AttachHandler", c.AttachHandler),
        ("DetachHandler", c.DetachHandler),
        ("RestartHandler", c.RestartHandler),
        ("PauseHandler", c.PauseHandler),
        ("SendNetBufferListsHandler", c.SendNetBufferListsHandler),
        (
            "ReceiveNetBufferListsHandler",
            c.ReceiveNetBufferListsHandler,
        ),
        ("OidRequestHandler", c.OidRequestHandler),
        ("DirectOidRequestHandler", c.DirectOidRequestHandler),
        ("StatusHandler", c.StatusHandler),
    ] {
        assert!(
            h.image.rva_of(p as usize).is_some(),
            "{name} {p:p} outside the image"
        );
    }
    assert!(
        c.SynchronousOidRequestHandler.is_null()
            && c.SynchronousOidRequestCompleteHandler.is_null()
    );
    if let Some(map) = &h.map {
        let rva = h.image.rva_of(c.AttachHandler as usize).expect("rva");
        let sym = map.symbolize(rva).expect("symbol").to_string();
        assert!(sym.ends_with("filter_attach+0x0"), "AttachHandler is {sym}");
    }

    let dev = device::with_devices(|ds| {
        ds.iter()
            .map(|d| {
                (
                    d.name.clone(),
                    d.symbolic_name.clone(),
                    d.sddl.clone(),
                    d.major_functions,
                    d.object.Characteristics,
                    d.filter_driver,
                )
            })
            .collect::<Vec<_>>()
    })
    .expect("devices");
    assert_eq!(dev.len(), 1, "{dev:?}");
    let (name, symbolic, sddl, majors, characteristics, owner) = &dev[0];
    assert_eq!(name, "\\Device\\IPsecOV2Lwf");
    assert_eq!(symbolic, "\\DosDevices\\IPsecOV2Lwf");
    assert_eq!(sddl.as_deref(), Some("D:P(A;;GA;;;SY)(A;;GA;;;BA)"));
    assert_eq!(*owner, me.handle);
    assert!(
        majors
            .iter()
            .all(|&m| m != 0 && h.image.rva_of(m).is_some()),
        "{majors:x?}"
    );
    assert_ne!(
        characteristics & 0x100,
        0,
        "FILE_DEVICE_SECURE_OPEN not set by the driver"
    );
    let log = debug::take_log();
    assert!(
        log.iter().any(|l| l.contains("ipsecov2lwf: DriverEntry")),
        "{log:?}"
    );

    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert!(filter_driver::registered()
        .iter()
        .all(|d| d.driver_object != h.driver_object_address()));
    assert_eq!(device::with_devices(|ds| ds.len()), Some(0));
    let log = debug::take_log();
    assert!(
        log.iter().any(|l| l.contains("ipsecov2lwf: DriverUnload")),
        "{log:?}"
    );
}

/// NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG.
const TASK_OFFLOAD_CURRENT_CONFIG: i32 = 0x4002_0006;

fn small_adapter() -> Miniport {
    Miniport {
        keywords: vec![
            ("SaOffloadCapacity".into(), 64),
            ("TxBufferCount".into(), 16),
            ("TxBufferSize".into(), 2048),
            ("RxScratchCount".into(), 4),
        ],
        ..Miniport::default()
    }
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_module_attaches_restarts_pauses_and_detaches_with_nothing_left_behind() {
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let (m, status) = h.attach(&small_adapter()).expect("attach");
    assert_eq!(status, 0, "FilterAttach status {status:#x}");
    assert_eq!(verifier::take(), Vec::<String>::new());
    let rec = module::get(m).expect("module");
    assert_eq!(rec.state, NdisState::Paused);
    assert_ne!(rec.context, 0);
    assert!(config::open_handles().is_empty(), "configuration left open");
    // The transmit pool: one NBL pool, an NBL and an MDL per buffer (TxBufferCount 16).
    assert_eq!(nbl::live_counts(), (1, 16, 16));
    assert!(pool::live()
        .iter()
        .any(|(_, b)| b.tag == u32::from_le_bytes(*b"IOv2")));

    assert_eq!(h.restart(m).expect("restart"), 0);
    assert_eq!(verifier::take(), Vec::<String>::new());
    let rec = module::get(m).expect("module");
    assert_eq!(rec.state, NdisState::Running);
    assert!(
        rec.indications
            .iter()
            .any(|i| i.status == TASK_OFFLOAD_CURRENT_CONFIG && !i.buffer.is_empty()),
        "no offload configuration indicated at restart: {:x?}",
        rec.indications.iter().map(|i| i.status).collect::<Vec<_>>()
    );

    assert_eq!(
        h.pause(m).expect("pause"),
        0,
        "nothing outstanding: the pause completes at once"
    );
    assert_eq!(module::get(m).expect("module").state, NdisState::Paused);
    h.detach(m).expect("detach");
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(nbl::live_counts(), (0, 0, 0));
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn attach_refuses_a_non_ethernet_miniport_and_leaves_nothing() {
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let wifi = Miniport {
        media_type: 16,
        ..small_adapter()
    };
    let (m, status) = h.attach(&wifi).expect("attach");
    assert_ne!(status, 0);
    assert!(module::get(m).is_none());
    assert_eq!(nbl::live_counts(), (0, 0, 0));
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

const OID_ADD_SA: u32 = 0xFC03_0202;
const OID_DELETE_SA: u32 = 0xFC03_0203;
/// `Next` of ADD_SA and DELETE_SA elements.
const NEXT: usize = 0x08;

/// Rewrites the `Next` links of an emulation-built list (written relative to
/// `oid_buffers::BASE`) to the buffer's real address, as TCP/IP's buffer would hold them.
fn relink(buf: &mut [u8], offsets: &[usize]) {
    let real = buf.as_ptr() as u64;
    for &at in offsets {
        let next = u64::from_le_bytes(buf[at + NEXT..at + NEXT + 8].try_into().expect("8 bytes"));
        if next != 0 {
            let fixed = next - oid_buffers::BASE + real;
            buf[at + NEXT..at + NEXT + 8].copy_from_slice(&fixed.to_le_bytes());
        }
    }
}

fn running_module(h: &mut DriverHost) -> usize {
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let (m, status) = h.attach(&small_adapter()).expect("attach");
    assert_eq!(status, 0);
    assert_eq!(h.restart(m).expect("restart"), 0);
    m
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn add_sa_and_delete_sa_through_the_oid_request_path() {
    let mut h = host();
    let m = running_module(&mut h);
    for direct in [true, false] {
        let sas = [
            oid_buffers::esp_gcm(0x1001, 128, 16),
            oid_buffers::esp_gcm(0x1002, 256, 16),
        ];
        let (mut buf, offsets) = oid_buffers::add_sa_list(&sas);
        relink(&mut buf, &offsets);
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_SET_INFORMATION,
                OID_ADD_SA,
                &mut buf,
            )
            .expect("ADD_SA");
        assert_eq!(
            r.status,
            Some(0),
            "ADD_SA (direct {direct}) status {:x?}",
            r.status
        );
        assert_eq!(r.bytes_done as usize, buf.len());
        let handles: Vec<u64> = offsets
            .iter()
            .map(|&o| oid_buffers::handle_at(&buf, o))
            .collect();
        assert!(
            handles
                .iter()
                .all(|&x| x != 0 && x != 0x5a5a_5a5a_5a5a_5a5a),
            "{handles:x?}"
        );
        assert_ne!(handles[0], handles[1]);

        let mut del = oid_buffers::delete_sa_list(&handles);
        let offsets: Vec<usize> = (0..handles.len())
            .map(|i| i * (del.len() / handles.len()))
            .collect();
        relink(&mut del, &offsets);
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_SET_INFORMATION,
                OID_DELETE_SA,
                &mut del,
            )
            .expect("DELETE_SA");
        assert_eq!(r.status, Some(0), "DELETE_SA status {:x?}", r.status);
        // A malformed ADD_SA (truncated) fails with a status, never a crash.
        let (mut bad, _) = oid_buffers::add_sa_list(&sas[..1]);
        bad.truncate(20);
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_SET_INFORMATION,
                OID_ADD_SA,
                &mut bad,
            )
            .expect("bad ADD_SA");
        assert!(
            r.status.is_some_and(|s| s != 0),
            "truncated ADD_SA accepted: {:x?}",
            r.status
        );
    }
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

fn plain_frame() -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    f
}

fn head(owned: &OwnedNblChain) -> *mut NET_BUFFER_LIST {
    owned.nbl_ptr(0).expect("an NBL").cast()
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn plain_traffic_passes_through_the_binary_and_every_nbl_comes_back_once() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(11);
    let plain = plain_frame();
    for dispatch in [false, true] {
        // Send: passed down as is, completed back up once.
        let owned = OwnedNblChain::build(&[
            tcpip::send_nbl(&mut rng, &[&plain], 0, 0, 0),
            tcpip::send_nbl(&mut rng, &[&plain, &plain], 0, 0, 0),
        ])
        .expect("chain");
        // SAFETY: `owned` outlives the send and its completion.
        unsafe { h.send(m, head(&owned), dispatch) }.expect("send");
        let below = datapath::with(m, |l| l.below.clone()).expect("ledger");
        assert_eq!(
            below,
            [
                head(&owned) as usize,
                owned.nbl_ptr(1).expect("nbl") as usize
            ]
        );
        let frames = h.complete_below(m, 0, dispatch).expect("complete");
        assert_eq!(
            frames,
            [vec![plain.clone()], vec![plain.clone(), plain.clone()]]
        );
        let l = datapath::with(m, |l| l.clone()).expect("ledger");
        assert!(l.sends_in_filter.is_empty() && l.below.is_empty(), "{l:?}");
        assert_eq!(l.completed_up.iter().filter(|c| c.1 == 0).count(), 2);
        // Given back, the NBL's header is poisoned: a driver reading it after this would fault.
        // SAFETY: the NBL belongs to `owned`, alive; its first word is `Next`.
        let next = unsafe { head(&owned).cast::<u64>().read() };
        assert_eq!(next, 0xDDDD_DDDD_DDDD_DDDD);
        datapath::with(m, |l| l.completed_up.clear());

        // Receive: indicated up as is, returned down once.
        let owned = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, &plain, 0)]).expect("chain");
        // SAFETY: `owned` outlives the receive and its return.
        unsafe { h.receive(m, head(&owned), 1, dispatch) }.expect("receive");
        let got = h.return_above(m, dispatch).expect("return");
        assert_eq!(got, [(head(&owned) as usize, vec![plain.clone()])]);
        assert_eq!(tcpip::recv_view(&owned, 0), tcpip::UNTOUCHED);
        let l = datapath::with(m, |l| l.clone()).expect("ledger");
        assert_eq!(l.returned_down, [head(&owned) as usize]);
        assert!(
            l.receives_in_filter.is_empty() && l.above.is_empty(),
            "{l:?}"
        );
        datapath::with(m, |l| l.returned_down.clear());
    }
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

/// Adds `sa` on `m` through the direct OID path; returns its offload handle.
fn add_sa(h: &mut DriverHost, m: usize, sa: &oid_buffers::AddSa) -> u64 {
    let (mut buf, offsets) = oid_buffers::add_sa_list(std::slice::from_ref(sa));
    relink(&mut buf, &offsets);
    let r = h
        .oid_request(m, true, NDIS_REQUEST_SET_INFORMATION, OID_ADD_SA, &mut buf)
        .expect("ADD_SA");
    assert_eq!(r.status, Some(0), "ADD_SA status {:x?}", r.status);
    oid_buffers::handle_at(&buf, offsets[0])
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn esp_is_sealed_on_send_and_opened_on_receive_by_the_binary() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(23);
    let mut ran = Vec::new();
    for alg in tcpip::esp_algs()
        .iter()
        .filter(|a| a.name.starts_with("gcm128") || a.name.contains("sha256"))
    {
        let spi = 0x0A00_0000 + rng.next_u64() as u32 % 0x10000;
        let out = add_sa(&mut h, m, &tcpip::bundle(tcpip::BundleSpec::esp(alg, spi)));
        add_sa(
            &mut h,
            m,
            &tcpip::bundle(tcpip::BundleSpec::esp(alg, spi).inbound()),
        );
        let layer = tcpip::Layer {
            esp: Some((alg.shape, spi)),
            ah: None,
            udp: false,
        };
        let ip = tcpip::Ip {
            v6: false,
            extras: false,
        };
        let payload: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
        let f = tcpip::frame(&ip, &layer, 1, &payload, 6);

        let owned = OwnedNblChain::build(&[tcpip::send_nbl(
            &mut rng,
            &[&f.frame],
            out,
            0,
            f.header_info,
        )])
        .expect("chain");
        // SAFETY: `owned` outlives the send and its completion.
        unsafe { h.send(m, head(&owned), true) }.expect("send");
        let wire = h.complete_below(m, 0, true).expect("complete");
        assert_eq!(wire.len(), 1, "{}: one NBL down", alg.name);
        let w = &wire[0][0];
        assert_eq!(w.len(), f.frame.len(), "{}", alg.name);
        for &(s, e) in &f.encrypted {
            assert!(
                e - s < 8 || w[s..e] != f.frame[s..e],
                "{}: payload [{s}..{e}) in clear on the wire",
                alg.name
            );
        }
        let completed =
            datapath::with(m, |l| core::mem::take(&mut l.completed_up)).expect("ledger");
        assert_eq!(completed, [(head(&owned) as usize, 0)], "{}", alg.name);

        let rx = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, w, 0)]).expect("chain");
        // SAFETY: `rx` outlives the receive and its return.
        unsafe { h.receive(m, head(&rx), 1, true) }.expect("receive");
        let got = h.return_above(m, true).expect("return");
        assert_eq!(got.len(), 1, "{}", alg.name);
        let view = tcpip::recv_view(&rx, 0);
        assert!(view.crypto_done, "{}: CryptoDone clear", alg.name);
        assert_eq!(view.status, 0, "{}: CryptoStatus", alg.name);
        if let Some((nh, pad)) = f.trailer {
            assert_eq!((view.next_header, view.pad), (nh, pad), "{}", alg.name);
        }
        assert_eq!(
            tcpip::masked(&got[0].1[0], &f.written),
            tcpip::masked(&f.frame, &f.written),
            "{}: what TCP/IP got differs from what was sent",
            alg.name
        );
        datapath::with(m, |l| l.returned_down.clear());
        ran.push(alg.name);
    }
    assert!(ran.len() >= 2, "transforms exercised: {ran:?}");
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn a_pause_with_a_send_outstanding_pends_until_the_send_completes() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(5);
    let plain = plain_frame();
    let owned =
        OwnedNblChain::build(&[tcpip::send_nbl(&mut rng, &[&plain], 0, 0, 0)]).expect("chain");
    // SAFETY: `owned` outlives the send and its completion.
    unsafe { h.send(m, head(&owned), false) }.expect("send");
    assert_eq!(
        h.pause(m).expect("pause"),
        0x103,
        "pause must pend while a send is below"
    );
    assert_eq!(module::get(m).expect("module").state, NdisState::Pausing);
    // A send arriving while pausing is completed at once with NDIS_STATUS_PAUSED.
    let late =
        OwnedNblChain::build(&[tcpip::send_nbl(&mut rng, &[&plain], 0, 0, 0)]).expect("chain");
    // SAFETY: `late` outlives the send and its completion.
    unsafe { h.send(m, head(&late), false) }.expect("send while pausing");
    let paused = datapath::with(m, |l| l.completed_up.clone()).expect("ledger");
    assert_eq!(
        paused,
        [(head(&late) as usize, 0xC023_002A_u32 as i32)],
        "NDIS_STATUS_PAUSED expected"
    );
    h.complete_below(m, 0, false).expect("complete");
    let rec = module::get(m).expect("module");
    assert_eq!((rec.state, rec.pause_completions), (NdisState::Paused, 1));
    assert_eq!(verifier::take(), Vec::<String>::new());
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn every_callback_stays_within_the_stack_budget() {
    let mut h = host();
    let m = running_module(&mut h);
    let mut rng = SplitMix64::new(31);
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm256"))
        .expect("gcm256");
    let spi = 0x0C00_0001;
    let out = add_sa(
        &mut h,
        m,
        &tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi).v6()),
    );
    add_sa(
        &mut h,
        m,
        &tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi).v6().inbound()),
    );
    let layer = tcpip::Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let f = tcpip::frame(
        &tcpip::Ip {
            v6: true,
            extras: true,
        },
        &layer,
        9,
        &[0x42; 1200],
        17,
    );
    let owned = OwnedNblChain::build(&[tcpip::send_nbl(
        &mut rng,
        &[&f.frame],
        out,
        0,
        f.header_info,
    )])
    .expect("chain");
    // SAFETY: `owned` outlives the send and its completion.
    unsafe { h.send(m, head(&owned), true) }.expect("send");
    let wire = h.complete_below(m, 0, true).expect("complete");
    let rx = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, &wire[0][0], 0)]).expect("chain");
    // SAFETY: `rx` outlives the receive and its return.
    unsafe { h.receive(m, head(&rx), 1, true) }.expect("receive");
    h.return_above(m, true).expect("return");
    assert!(tcpip::recv_view(&rx, 0).crypto_done);
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
    let figures = stack::figures();
    for (name, depth) in &figures {
        eprintln!("stack: {name:36} {depth:6} bytes");
    }
    for name in [
        "DriverEntry",
        "FilterAttach",
        "FilterRestart",
        "FilterDirectOidRequest",
        "FilterSendNetBufferLists",
        "FilterSendNetBufferListsComplete",
        "FilterReceiveNetBufferLists",
        "FilterReturnNetBufferLists",
        "FilterPause",
        "FilterDetach",
        "DriverUnload",
    ] {
        let d = figures.iter().find(|f| f.0 == name).map_or(0, |f| f.1);
        assert!(d > 512 && d <= stack::BUDGET, "{name}: {d} bytes");
    }
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_control_device_completes_every_irp_once_with_the_right_status() {
    use ipsecov2_pe_host::device_io::{
        IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ,
    };
    const STATUS_INVALID_DEVICE_REQUEST: i32 = 0xC000_0010_u32 as i32;
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    for major in [IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE] {
        let r = h.device_request(major, 0, &mut [], 0).expect("dispatch");
        assert_eq!(
            (r.returned, r.status, r.completions),
            (0, 0, 1),
            "major {major:#x}"
        );
    }
    let r = h
        .device_request(IRP_MJ_READ, 0, &mut [], 0)
        .expect("dispatch");
    assert_eq!(
        (r.returned, r.status),
        (STATUS_INVALID_DEVICE_REQUEST, STATUS_INVALID_DEVICE_REQUEST)
    );
    // No IOCTL is defined yet: every code is refused, and the IRP still completed once.
    let mut buf = [0u8; 16];
    let r = h
        .device_request(IRP_MJ_DEVICE_CONTROL, 0x0012_2000, &mut buf, 16)
        .expect("dispatch");
    assert_eq!(
        (r.status, r.information, r.completions),
        (STATUS_INVALID_DEVICE_REQUEST, 0, 1)
    );
    assert_eq!(verifier::take(), Vec::<String>::new());
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn other_oids_pass_down_as_clones_and_complete_once_with_the_miniports_answer() {
    use ipsecov2_pe_host::oid_request::NDIS_REQUEST_QUERY_INFORMATION;
    const OID_GEN_MAXIMUM_FRAME_SIZE: u32 = 0x0001_0106;
    let mut h = host();
    let m = running_module(&mut h);
    for direct in [false, true] {
        let mut buf = [0u8; 4];
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_QUERY_INFORMATION,
                OID_GEN_MAXIMUM_FRAME_SIZE,
                &mut buf,
            )
            .expect("query");
        assert_eq!(
            r.status, None,
            "the filter must pend while the miniport answers"
        );
        let mut seen = Vec::new();
        let n = h
            .complete_oids_below(m, |oid, kind, b| {
                seen.push((oid, kind, b.len()));
                b.copy_from_slice(&1500u32.to_le_bytes());
                (0, 4, 0)
            })
            .expect("answer");
        assert_eq!(n, 1);
        assert_eq!(
            seen,
            [(
                OID_GEN_MAXIMUM_FRAME_SIZE,
                NDIS_REQUEST_QUERY_INFORMATION,
                4
            )]
        );
        let done = h.oid_result(r.request).expect("completed");
        assert_eq!(
            (done.status, done.bytes_done),
            (Some(0), 4),
            "direct {direct}"
        );
        assert_eq!(u32::from_le_bytes(buf), 1500);
        // A failure below is passed up with its BytesNeeded.
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_QUERY_INFORMATION,
                OID_GEN_MAXIMUM_FRAME_SIZE,
                &mut buf[..2],
            )
            .expect("query");
        h.complete_oids_below(m, |_, _, _| (0xC001_0016_u32 as i32, 0, 4))
            .expect("answer");
        let done = h.oid_result(r.request).expect("completed");
        assert_eq!(
            (done.status, done.bytes_needed),
            (Some(0xC001_0016_u32 as i32), 4)
        );
    }
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn status_indications_cancels_and_pnp_events_pass_through_the_binary() {
    use ipsecov2_pe_host::kernel::forward;
    const NDIS_STATUS_LINK_STATE: i32 = 0x4001_0017;
    let mut h = host();
    let m = running_module(&mut h);
    let before = module::get(m).expect("module").indications.len();
    let mut link = [1u8, 2, 3, 4, 5, 6, 7, 8];
    h.status_from_below(m, NDIS_STATUS_LINK_STATE, &mut link)
        .expect("status");
    let rec = module::get(m).expect("module");
    assert_eq!(rec.indications.len(), before + 1);
    let last = rec.indications.last().expect("indication");
    assert_eq!(
        (last.status, last.buffer.as_slice()),
        (NDIS_STATUS_LINK_STATE, &link[..])
    );
    forward::take();
    h.cancel_send(m, 0xCA11).expect("cancel send");
    h.cancel_oid(m, 0x1D01, false).expect("cancel oid");
    h.cancel_oid(m, 0x1D02, true).expect("cancel direct oid");
    let mut pnp = [0u8; 64];
    assert_eq!(h.net_pnp_event(m, pnp.as_mut_ptr().cast()).expect("pnp"), 0);
    let mut dev = [0u8; 64];
    h.device_pnp_event(m, dev.as_mut_ptr().cast())
        .expect("device pnp");
    assert_eq!(
        forward::take(),
        [
            (m, "NdisFCancelSendNetBufferLists", 0xCA11),
            (m, "NdisFCancelOidRequest", 0x1D01),
            (m, "NdisFCancelDirectOidRequest", 0x1D02),
            (m, "NdisFNetPnPEvent", pnp.as_ptr() as usize),
            (m, "NdisFDevicePnPEventNotify", dev.as_ptr() as usize),
        ]
    );
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn sends_on_four_threads_while_sas_churn_on_another() {
    const SENDERS: usize = 4;
    const PACKETS: usize = 150;
    let mut h = host();
    let m = running_module(&mut h);
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .expect("gcm128");
    let spi = 0x0D00_0001;
    let out = add_sa(&mut h, m, &tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi)));
    let calls = h.module_calls(m).expect("calls");
    let layer = tcpip::Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let frames_on_wire = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..SENDERS {
            let frames_on_wire = &frames_on_wire;
            s.spawn(move || {
                calls.enter_thread().expect("thread");
                let mut rng = SplitMix64::new(100 + t as u64);
                let mut keep = Vec::new();
                for i in 0..PACKETS {
                    let f = tcpip::frame(
                        &tcpip::Ip {
                            v6: false,
                            extras: false,
                        },
                        &layer,
                        (t * PACKETS + i + 1) as u32,
                        &[t as u8; 100],
                        6,
                    );
                    let owned = OwnedNblChain::build(&[tcpip::send_nbl(
                        &mut rng,
                        &[&f.frame],
                        out,
                        0,
                        f.header_info,
                    )])
                    .expect("chain");
                    // SAFETY: `owned` is kept alive until the end of the test.
                    unsafe { calls.send(head(&owned)) };
                    keep.push(owned);
                    let n: usize = calls.complete_below().iter().map(Vec::len).sum();
                    frames_on_wire.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                }
                // The chains live until every one of them is back.
                let mine: Vec<usize> = keep.iter().map(|o| head(o) as usize).collect();
                while datapath::with(m, |l| l.sends_in_filter.iter().any(|n| mine.contains(n)))
                    .unwrap_or(false)
                {
                    let n: usize = calls.complete_below().iter().map(Vec::len).sum();
                    frames_on_wire.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                    std::thread::yield_now();
                }
                drop(keep);
            });
        }
        s.spawn(move || {
            calls.enter_thread().expect("thread");
            let alg = tcpip::esp_algs()
                .into_iter()
                .find(|a| a.name.contains("sha256"))
                .expect("cbc+sha256");
            for i in 0..60u32 {
                let sa = tcpip::bundle(tcpip::BundleSpec::esp(&alg, 0x0E00_0000 + i).inbound());
                let (mut buf, offsets) = oid_buffers::add_sa_list(&[sa]);
                relink(&mut buf, &offsets);
                assert_eq!(
                    calls.direct_set(OID_ADD_SA, &mut buf),
                    Some(0),
                    "ADD_SA {i}"
                );
                let handle = oid_buffers::handle_at(&buf, offsets[0]);
                let mut del = oid_buffers::delete_sa_list(&[handle]);
                relink(&mut del, &[0]);
                assert_eq!(
                    calls.direct_set(OID_DELETE_SA, &mut del),
                    Some(0),
                    "DELETE_SA {i}"
                );
            }
        });
    });
    // Whatever is still below is completed now.
    let rest: usize = calls.complete_below().iter().map(Vec::len).sum();
    let completed = calls.take_completed();
    assert_eq!(
        completed.len(),
        SENDERS * PACKETS,
        "every send completed back once"
    );
    assert!(
        completed.iter().all(|c| c.1 == 0),
        "{:x?}",
        completed
            .iter()
            .filter(|c| c.1 != 0)
            .take(3)
            .collect::<Vec<_>>()
    );
    assert_eq!(frames_on_wire.into_inner() + rest, SENDERS * PACKETS);
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_miniports_offloads_are_kept_and_ipsecov2_is_added_above_them() {
    use ipsecov2_pe_host::filter_module::checksum_nic_offload;
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let nic = checksum_nic_offload();
    let adapter = Miniport {
        offload: Some(nic),
        ..small_adapter()
    };
    let (m, status) = h.attach(&adapter).expect("attach");
    assert_eq!(status, 0);
    assert_eq!(h.restart(m).expect("restart"), 0);
    let rec = module::get(m).expect("module");
    let config = rec
        .indications
        .iter()
        .rev()
        .find(|i| i.status == TASK_OFFLOAD_CURRENT_CONFIG)
        .expect("current config indicated");
    let b = &config.buffer;
    assert!(b.len() >= 0x90, "{} bytes", b.len());
    assert_eq!(b[0], 0xA7, "NDIS_OFFLOAD header type");
    let words = |from: usize, n: usize| -> Vec<u32> {
        (0..n)
            .map(|i| u32::from_le_bytes(b[from + 4 * i..from + 4 * i + 4].try_into().expect("4")))
            .collect()
    };
    assert_eq!(
        words(4, 8),
        nic.Checksum,
        "checksum offloads of the miniport must be kept"
    );
    assert!(
        words(0x70, 8).iter().any(|&w| w != 0),
        "IPsecV2 not advertised: {:x?}",
        words(0x70, 8)
    );
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

/// Per-NBL time of ESP send (seal in the binary + the host's miniport completion) and receive
/// (open in the binary + TCP/IP's return), printed; `--release` for meaningful figures. Fails
/// only if a packet is not protected or not opened.
#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn per_nbl_cost_through_the_binary() {
    use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec};
    const N: usize = 2000;
    let mut h = host();
    let m = running_module(&mut h);
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .expect("gcm128");
    let spi = 0x0F00_0001;
    let out = add_sa(&mut h, m, &tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi)));
    add_sa(
        &mut h,
        m,
        &tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi).inbound()),
    );
    let layer = tcpip::Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    // 1400-byte IP datagrams: payload so that the ESP-framed datagram is 1400 bytes.
    let probe = tcpip::frame(
        &tcpip::Ip {
            v6: false,
            extras: false,
        },
        &layer,
        1,
        &[],
        6,
    );
    let payload = vec![0x5Au8; 1400 + 14 - probe.frame.len()];
    let frames: Vec<_> = (0..N)
        .map(|i| {
            tcpip::frame(
                &tcpip::Ip {
                    v6: false,
                    extras: false,
                },
                &layer,
                i as u32 + 1,
                &payload,
                6,
            )
        })
        .collect();
    // One MDL per NET_BUFFER, as the in-process bench of docs/performance.md uses.
    let one_mdl = |f: &[u8], handle: u64, header: u32| {
        let mut spec = NblSpec::new(vec![NbSpec::new(
            f.to_vec(),
            MdlLayout::single(f.len() as u32),
        )]);
        if handle != 0 {
            // Slots 1 (IPsecOffloadV2NetBufferListInfo) and 12 (the header info).
            spec.info.push((1, handle as usize));
            spec.info.push((12, header as usize));
        }
        OwnedNblChain::build(&[spec]).expect("chain")
    };
    let sends: Vec<OwnedNblChain> = frames
        .iter()
        .map(|f| one_mdl(&f.frame, out, f.header_info))
        .collect();
    // Timed without the stack painting (64 KiB painted and scanned per callback).
    stack::set_painting(false);
    let t = std::time::Instant::now();
    let mut wire = Vec::with_capacity(N);
    for s in &sends {
        // SAFETY: `s` outlives the send and its completion.
        unsafe { h.send(m, head(s), true) }.expect("send");
        wire.extend(
            h.complete_below(m, 0, true)
                .expect("complete")
                .into_iter()
                .flatten(),
        );
    }
    let send_ns = t.elapsed().as_nanos() as f64 / N as f64;
    assert_eq!(wire.len(), N);
    let completed = datapath::with(m, |l| core::mem::take(&mut l.completed_up)).expect("ledger");
    assert!(completed.len() == N && completed.iter().all(|c| c.1 == 0));
    let rx: Vec<OwnedNblChain> = wire.iter().map(|w| one_mdl(w, 0, 0)).collect();
    let t = std::time::Instant::now();
    for r in &rx {
        // SAFETY: `r` outlives the receive and its return.
        unsafe { h.receive(m, head(r), 1, true) }.expect("receive");
        h.return_above(m, true).expect("return");
    }
    let recv_ns = t.elapsed().as_nanos() as f64 / N as f64;
    stack::set_painting(true);
    assert!(rx
        .iter()
        .all(|r| tcpip::recv_view(r, 0).crypto_done && tcpip::recv_view(r, 0).status == 0));
    eprintln!(
        "per-NBL through the binary, ESP AES-GCM-128, 1400-byte datagrams, one MDL, chains of 1: send+complete {send_ns:.0} ns, receive+return {recv_ns:.0} ns"
    );
    datapath::with(m, |l| l.returned_down.clear());
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
}
