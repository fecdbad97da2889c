//! Shared by the tests that drive the real `ipsecov2_lwf.sys` through its control device
//! (`control_device.rs`, `lifetime_timer.rs`, `lowres.rs`): the driver loaded with one module running, the
//! IOCTL round trip, and the SPD + policy + SA bundle the control plane is given (the ESP SA and
//! selector of `ipsecov2_ioctl::testing`).
// Each test file uses a part; in a test a panic is the failure report.
#![allow(dead_code, clippy::panic, clippy::unwrap_used)]

use ipsecov2_abi::OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA;
use ipsecov2_control_plane::{Action, Direction, SaParams};
use ipsecov2_ioctl::request::OidKind;
use ipsecov2_ioctl::{client, test_client, testing, Ioctl};
use ipsecov2_ndis_emu::oid_buffers;
use ipsecov2_pe_host::driver::{sys_path, DriverHost};
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::kernel::verifier;
use ipsecov2_pe_host::pending_io::{DeviceIrp, STATUS_PENDING};

/// A miniport on `if_index` with the driver's buffer keywords set to these sizes.
pub fn adapter(if_index: u32, capacity: u32, tx_buffers: u32, rx_scratch: u32) -> Miniport {
    Miniport {
        if_index,
        keywords: vec![
            ("SaOffloadCapacity".into(), capacity),
            ("TxBufferCount".into(), tx_buffers),
            ("TxBufferSize".into(), 2048),
            ("RxScratchCount".into(), rx_scratch),
        ],
        ..Miniport::default()
    }
}

/// The driver loaded, one module attached on `adapter` and running.
pub fn running(adapter: &Miniport) -> (DriverHost, usize) {
    let mut h = DriverHost::load(&sys_path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let (m, status) = h.attach(adapter).expect("attach");
    assert_eq!(status, 0, "FilterAttach {status:#x}");
    assert_eq!(h.restart(m).expect("restart"), 0);
    assert_eq!(verifier::take(), Vec::<String>::new());
    (h, m)
}

/// Pause, detach and unload, with no verifier report.
pub fn finish(mut h: DriverHost, m: usize) {
    h.pause(m).expect("pause");
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

/// A request that completes at once: (NPF status, response body bytes).
pub fn call(h: &mut DriverHost, ioctl: Ioctl, input: &[u8]) -> (u32, Vec<u8>) {
    let irp = h.device_control_async(ioctl.code(), input, 4096).unwrap();
    let r = irp.result().unwrap_or_else(|| panic!("{ioctl:?} pending"));
    assert_eq!(r.status, 0, "{ioctl:?}: NTSTATUS {:#x}", r.status);
    assert_eq!(r.returned, 0);
    let out = &irp.buffer()[..r.information];
    let resp = client::parse(out).unwrap_or_else(|f| panic!("{ioctl:?}: {f:?}"));
    (resp.status, resp.body.bytes().to_vec())
}

/// A request that must succeed: its body.
pub fn ok(h: &mut DriverHost, ioctl: Ioctl, input: &[u8]) -> Vec<u8> {
    let (status, body) = call(h, ioctl, input);
    assert_eq!(status, 0, "{ioctl:?}: NPF error {status}");
    body
}

pub fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// An outbound SPD on `if_index` and a protecting policy over `testing::any_selector` in it:
/// (spd, policy).
pub fn spd_and_policy(h: &mut DriverHost, if_index: u32) -> (u32, u32) {
    let spd = u32_at(
        &ok(
            h,
            Ioctl::SpdCreate,
            &client::spd_create(Direction::Outbound, 1, &[if_index]),
        ),
        0,
    );
    let policy = u32_at(
        &ok(
            h,
            Ioctl::PolicyCreate,
            &client::policy_create(
                10,
                Action::Protect,
                Direction::Outbound,
                &[testing::any_selector()],
                &[spd],
                &[1],
            ),
        ),
        0,
    );
    (spd, policy)
}

/// An outbound SA bundle `sa_id` of `sas` under `policy`: its id in the plane.
pub fn sa_add(h: &mut DriverHost, policy: u32, sa_id: u32, sas: &[SaParams<'_>]) -> u32 {
    u32_at(
        &ok(
            h,
            Ioctl::SaAdd,
            &testing::sa_add_message(policy, sa_id, sas),
        ),
        0,
    )
}

/// The global statistics' count of active outbound SAs.
pub fn active_out(h: &mut DriverHost) -> u32 {
    u32_at(&ok(h, Ioctl::GlobalStats, &client::words(&[])), 4)
}

/// An `EventWait` the driver pends (marked pending, not completed).
pub fn event_wait(h: &mut DriverHost) -> DeviceIrp {
    let irp = h
        .device_control_async(Ioctl::EventWait.code(), &client::words(&[0, 0]), 1024)
        .unwrap();
    assert_eq!(irp.returned, STATUS_PENDING, "{irp:?}");
    assert!(irp.marked_pending());
    assert!(irp.result().is_none());
    irp
}

/// The test family's `TestOid` request on module `module`: a set of
/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA` on the direct path with the list `buf` built at the
/// emulation's base address.
pub fn add_sa_request(module: &str, buf: &[u8]) -> Vec<u8> {
    test_client::oid_request(&test_client::TestOid {
        module,
        oid: OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
        kind: OidKind::Set,
        info: buf,
        info_len: buf.len() as u32,
        base: oid_buffers::BASE,
        direct: true,
    })
}
