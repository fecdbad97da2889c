//! Low-resources sweep over the real driver: a whole scenario (DriverEntry, attach, restart, an
//! ADD_SA batch, protected traffic both ways, DELETE_SA, the control device's test family (an
//! ADD_SA, an injected send and receive), pause, detach, unload) run once per
//! allocation point k with the k-th allocation failed, each run in a child process (a bug check
//! or a fault ends the child, not the sweep). Every run must end with the failure reported as a
//! status, nothing leaked, nothing crashed.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
// In a test a panic is the failure report.
#![allow(clippy::panic)]

use std::process::Command;

use ipsecov2_ioctl::request::{InjectInfo, InjectPath};
use ipsecov2_ioctl::{client, test_client, Ioctl};
use ipsecov2_ndis_emu::{oid_buffers, tcpip, OwnedNblChain, SplitMix64};
use ipsecov2_pe_host::driver::{sys_path, DriverHost};
use ipsecov2_pe_host::esp_send::esp_v4_frame;
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::kernel::{lowres, verifier};
use ipsecov2_pe_host::oid_request::{NDIS_REQUEST_QUERY_INFORMATION, NDIS_REQUEST_SET_INFORMATION};

mod device_support;

const K_ENV: &str = "PE_HOST_LOWRES_K";
const OID_ADD_SA: u32 = 0xFC03_0202;
const OID_DELETE_SA: u32 = 0xFC03_0203;

fn relink(buf: &mut [u8], offsets: &[usize]) {
    let real = buf.as_ptr() as u64;
    for &at in offsets {
        let next = u64::from_le_bytes(buf[at + 8..at + 16].try_into().expect("8 bytes"));
        if next != 0 {
            buf[at + 8..at + 16].copy_from_slice(&(next - oid_buffers::BASE + real).to_le_bytes());
        }
    }
}

/// The scenario; returns what happened (statuses that reported the failure upward).
fn scenario(h: &mut DriverHost) -> Vec<String> {
    let mut notes = Vec::new();
    lowres::phase("DriverEntry");
    let status = h.driver_entry().expect("DriverEntry");
    if status != 0 {
        notes.push(format!("DriverEntry {status:#x}"));
        h.check_released();
        return notes;
    }
    let adapter = Miniport {
        keywords: vec![
            ("SaOffloadCapacity".into(), 8),
            ("TxBufferCount".into(), 16),
            ("TxBufferSize".into(), 2048),
            ("RxScratchCount".into(), 2),
            ("ControlTestFamily".into(), 1),
        ],
        if_index: 7,
        ..Miniport::default()
    };
    lowres::phase("FilterAttach");
    let (m, status) = h.attach(&adapter).expect("attach");
    if status != 0 {
        notes.push(format!("FilterAttach {status:#x}"));
        h.unload();
        return notes;
    }
    lowres::phase("FilterRestart");
    let status = h.restart(m).expect("restart");
    if status == 0 {
        // A query the filter passes down as a clone, answered by the miniport.
        lowres::phase("query passed down");
        let mut frame_size = [0u8; 4];
        let r = h
            .oid_request(
                m,
                false,
                NDIS_REQUEST_QUERY_INFORMATION,
                0x0001_0106,
                &mut frame_size,
            )
            .expect("query");
        if r.status.is_none() {
            h.complete_oids_below(m, |_, _, b| {
                b.copy_from_slice(&1500u32.to_le_bytes());
                (0, 4, 0)
            })
            .expect("answer");
            h.oid_result(r.request).expect("completed");
        } else {
            notes.push(format!("query {:x?}", r.status));
        }
        let alg = tcpip::esp_algs()
            .into_iter()
            .find(|a| a.name.starts_with("gcm128"))
            .expect("gcm128");
        let spi = 0x0B00_0001;
        let sas = [
            tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi)),
            tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi).inbound()),
        ];
        let (mut buf, offsets) = oid_buffers::add_sa_list(&sas);
        relink(&mut buf, &offsets);
        lowres::phase("ADD_SA");
        let r = h
            .oid_request(m, true, NDIS_REQUEST_SET_INFORMATION, OID_ADD_SA, &mut buf)
            .expect("ADD_SA");
        let handles: Vec<u64> = offsets
            .iter()
            .map(|&o| oid_buffers::handle_at(&buf, o))
            .collect();
        if r.status != Some(0) {
            notes.push(format!("ADD_SA {:x?}", r.status));
        } else {
            let mut rng = SplitMix64::new(3);
            let layer = tcpip::Layer {
                esp: Some((alg.shape, spi)),
                ah: None,
                udp: false,
            };
            let f = tcpip::frame(
                &tcpip::Ip {
                    v6: false,
                    extras: false,
                },
                &layer,
                1,
                &[7u8; 200],
                6,
            );
            let owned = OwnedNblChain::build(&[tcpip::send_nbl(
                &mut rng,
                &[&f.frame],
                handles[0],
                0,
                f.header_info,
            )])
            .expect("chain");
            lowres::phase("send");
            // SAFETY: `owned` outlives the send and its completion.
            unsafe { h.send(m, owned.nbl_ptr(0).expect("nbl").cast(), true) }.expect("send");
            let wire = h.complete_below(m, 0, true).expect("complete");
            if let Some(w) = wire.first().and_then(|n| n.first()) {
                let rx = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, w, 0)]).expect("chain");
                lowres::phase("receive");
                // SAFETY: `rx` outlives the receive and its return.
                unsafe { h.receive(m, rx.nbl_ptr(0).expect("nbl").cast(), 1, true) }
                    .expect("receive");
                h.return_above(m, true).expect("return");
            } else {
                notes.push("send completed without a frame on the wire".into());
            }
            lowres::phase("DELETE_SA");
            let mut del = oid_buffers::delete_sa_list(&handles);
            let stride = del.len() / handles.len();
            relink(&mut del, &[0, stride]);
            let r = h
                .oid_request(
                    m,
                    true,
                    NDIS_REQUEST_SET_INFORMATION,
                    OID_DELETE_SA,
                    &mut del,
                )
                .expect("DELETE_SA");
            if r.status != Some(0) {
                notes.push(format!("DELETE_SA {:x?}", r.status));
            }
        }
        test_family(h, &mut notes);
        lowres::phase("FilterPause");
        let p = h.pause(m).expect("pause");
        if p == 0x103 {
            h.complete_below(m, 0, false).expect("complete");
        }
    } else {
        notes.push(format!("FilterRestart {status:#x}"));
    }
    lowres::phase("FilterDetach");
    h.detach(m).expect("detach");
    lowres::phase("DriverUnload");
    h.unload();
    notes
}

/// One test-family IOCTL; its response body, or a note of how the failure was reported.
fn test_ioctl(
    h: &mut DriverHost,
    ioctl: Ioctl,
    input: &[u8],
    notes: &mut Vec<String>,
) -> Option<Vec<u8>> {
    let irp = h
        .device_control_async(ioctl.code(), input, 16 * 1024)
        .expect("IRP");
    let r = irp.result().expect("completed");
    if r.status != 0 {
        notes.push(format!("{ioctl:?} NTSTATUS {:#x}", r.status));
        return None;
    }
    let body = client::parse(&irp.buffer()[..r.information])
        .expect("response")
        .body
        .bytes()
        .to_vec();
    let ntstatus = u32::from_le_bytes(body[..4].try_into().expect("4 bytes"));
    if ntstatus != 0 {
        notes.push(format!("{ioctl:?} carried out with {ntstatus:#x}"));
        return None;
    }
    Some(body)
}

/// The test family on module "7": ADD_SA (its list rebased), an injected send with the handle,
/// the captured frame injected as a receive.
fn test_family(h: &mut DriverHost, notes: &mut Vec<String>) {
    lowres::phase("test family");
    let alg = tcpip::esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"))
        .expect("gcm128");
    let spi = 0x0C00_0001;
    let (buf, offsets) = oid_buffers::add_sa_list(&[
        tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi)),
        tcpip::bundle(tcpip::BundleSpec::esp(&alg, spi).inbound()),
    ]);
    let req = device_support::add_sa_request("7", &buf);
    let Some(body) = test_ioctl(h, Ioctl::TestOid, &req, notes) else {
        return;
    };
    let r = test_client::read_oid(&ipsecov2_ioctl::wire::Reader::new(&body)).expect("answer");
    if r.answer.status != 0 {
        notes.push(format!("test ADD_SA {:#x}", r.answer.status));
        return;
    }
    let handle = oid_buffers::handle_at(&r.info, offsets[0]);
    let f = esp_v4_frame(&alg, spi, &[9u8; 300], 6);
    let nbl = |frame: &[u8], info| client::TestNbl {
        info,
        nbs: vec![client::TestNb {
            frame: frame.to_vec(),
            data_offset: 2,
            mdl_sizes: vec![20, 1, frame.len() as u32],
        }],
    };
    let info = InjectInfo {
        ipsec: handle,
        header: f.header_info,
        ..InjectInfo::default()
    };
    let req = client::test_inject("7", InjectPath::Send, &[nbl(&f.frame, info)]);
    let Some(body) = test_ioctl(h, Ioctl::TestInject, &req, notes) else {
        return;
    };
    let r = test_client::read_inject(&ipsecov2_ioctl::wire::Reader::new(&body)).expect("answer");
    let Some(wire) = r.frames.first() else {
        notes.push(format!("test send {:x?}", r.nbls));
        return;
    };
    let req = client::test_inject(
        "7",
        InjectPath::Receive,
        &[nbl(wire, InjectInfo::default())],
    );
    let _ = test_ioctl(h, Ioctl::TestInject, &req, notes);
}

/// Child side: runs the scenario with allocation k failed and prints one result line.
#[test]
fn child() {
    let Ok(k) = std::env::var(K_ENV) else { return };
    let k: u64 = k.parse().expect("k");
    let mut h = DriverHost::load(&sys_path()).unwrap_or_else(|e| panic!("{e}"));
    lowres::arm(k);
    let notes = scenario(&mut h);
    let (seen, failed) = lowres::report();
    lowres::arm(0);
    let violations = verifier::take();
    let failed = failed.map_or("none".to_owned(), |(n, kind)| format!("{n}:{kind}"));
    println!("LOWRES seen={seen} failed={failed} notes={notes:?} violations={violations:?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn every_allocation_of_the_scenario_can_fail_without_crash_or_leak() {
    assert!(
        sys_path().exists(),
        "{} missing: run tests/pe-host/build-sys",
        sys_path().display()
    );
    let exe = std::env::current_exe().expect("exe");
    let mut findings = Vec::new();
    let mut points = 0u64;
    for k in 1..=10_000u64 {
        let out = Command::new(&exe)
            .args(["child", "--exact", "--nocapture", "--test-threads=1"])
            .env(K_ENV, k.to_string())
            .output()
            .expect("spawn");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stdout
            .lines()
            .find_map(|l| l.find("LOWRES ").map(|i| &l[i..]));
        let at: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("pe-host: lowres: "))
            .map(|l| l.trim_start_matches("pe-host: lowres: "))
            .collect();
        let at = at.join("; ");
        let Some(line) = line else {
            points = k;
            let report = stderr
                .lines()
                .find(|l| {
                    l.starts_with("pe-host: ")
                        && !l.contains(" mapped at ")
                        && !l.starts_with("pe-host: lowres: ")
                })
                .unwrap_or("no report");
            findings.push(format!(
                "k={k}: [{at}] exit {:?}: {report}",
                out.status.code()
            ));
            if findings.len() as u64 == k && k >= 3 {
                break; // nothing runs at all: no point sweeping on
            }
            continue;
        };
        if line.contains("failed=none") {
            break;
        }
        points = k;
        if !line.trim_end().ends_with("violations=[]") {
            findings.push(format!("k={k}: [{at}] {line}"));
        }
    }
    eprintln!(
        "low-resources sweep: {points} allocation points, {} finding(s)",
        findings.len()
    );
    assert!(points > 10, "the scenario made only {points} allocations");
    assert!(
        findings.is_empty(),
        "low-resources sweep over {points} allocation points:\n{}",
        findings.join("\n")
    );
}
