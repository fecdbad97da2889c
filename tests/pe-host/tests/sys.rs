//! The real `ipsecov2_lwf.sys` (linked by tests/windows-target-check) in the host. Ignored in
//! the plain `cargo test` run (the `.sys` does not exist before the Windows check links it); run
//! by `tests/pe-host/run`, which fails when the `.sys` is absent. The scenario families are in
//! `sys_parts/`; the helpers they share are here.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
// In a test a panic is the failure report.
#![allow(clippy::panic)]

use ipsecov2_ndis_emu::{oid_buffers, tcpip, OwnedNblChain, SplitMix64};
use ipsecov2_pe_host::abi::structs::NET_BUFFER_LIST;
use ipsecov2_pe_host::driver::{sys_path, DriverHost};
use ipsecov2_pe_host::esp_send::esp_v4_frame;
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

#[path = "sys_parts/budgets.rs"]
mod budgets;
#[path = "sys_parts/control.rs"]
mod control;
#[path = "sys_parts/lifecycle.rs"]
mod lifecycle;
#[path = "sys_parts/loading.rs"]
mod loading;
#[path = "sys_parts/oids.rs"]
mod oids;
#[path = "sys_parts/session_steps.rs"]
mod session_steps;
#[path = "sys_parts/traffic.rs"]
mod traffic;

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

/// TCP/IP sends `f` on `m` as one NBL carrying `handle`, and the miniport completes what went
/// down: the chain (kept alive by the caller) and the frames on the wire.
fn send_frame(
    h: &mut DriverHost,
    m: usize,
    rng: &mut SplitMix64,
    f: &tcpip::Framed,
    handle: u64,
) -> (OwnedNblChain, Vec<Vec<Vec<u8>>>) {
    let owned =
        OwnedNblChain::build(&[tcpip::send_nbl(rng, &[&f.frame], handle, 0, f.header_info)])
            .expect("chain");
    // SAFETY: `owned` is returned to the caller, so it outlives the send and its completion.
    unsafe { h.send(m, head(&owned), true) }.expect("send");
    let wire = h.complete_below(m, 0, true).expect("complete");
    (owned, wire)
}

/// An outbound ESP SA of `spec` and its inbound twin added on `m` through the direct OID path:
/// the outbound SA's offload handle, and TCP/IP's ESP layer for the SA's packets.
fn esp_both_ways(h: &mut DriverHost, m: usize, spec: tcpip::BundleSpec<'_>) -> (u64, tcpip::Layer) {
    let out = add_sa(h, m, &tcpip::bundle(spec));
    add_sa(h, m, &tcpip::bundle(spec.inbound()));
    let layer = tcpip::Layer {
        esp: spec.esp.map(|(alg, spi)| (alg.shape, spi)),
        ah: None,
        udp: false,
    };
    (out, layer)
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
