//! Shared by the tests that drive the real `ipsecov2_lwf.sys` through its control device
//! (`control_device.rs`, `lifetime_timer.rs`): the driver loaded with one module running, the
//! IOCTL round trip, and the SPD + policy + ESP SA bundle the control plane is given.
#![allow(dead_code)]

use ipsecov2_control_plane::{
    algo, sa_flags, Action, Direction, IpAddr, PortRange, SaParams, Selector, SelectorAddr,
    TunnelEndpoints, UdpPorts,
};
use ipsecov2_ioctl::client::{self, SaAdd};
use ipsecov2_ioctl::Ioctl;
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

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4([a, b, c, d])
}

/// IPv4 10.0.0.0/8 to 192.168.1.0/24, any protocol and port.
pub fn any_sel() -> Selector {
    Selector {
        rule_flags: 0,
        ip_version: 4,
        protocol: 0,
        src: SelectorAddr::Prefix {
            addr: v4(10, 0, 0, 0),
            len: 8,
        },
        dst: SelectorAddr::Prefix {
            addr: v4(192, 168, 1, 0),
            len: 24,
        },
        src_port: PortRange::ANY,
        dst_port: PortRange::ANY,
    }
}

/// An ESP transport SA, AES-128-CBC + HMAC-SHA1 with these keys, lifetimes in seconds
/// (0: none).
pub fn esp<'k>(
    spi: u32,
    (soft_secs, hard_secs): (u32, u32),
    auth_key: &'k [u8; 20],
    enc_key: &'k [u8; 16],
) -> SaParams<'k> {
    SaParams {
        spi,
        flow_label: 0,
        flags: sa_flags::PROTOCOL_ESP | sa_flags::MODE_TRANSPORT,
        auth_algo: algo::AALG_SHA1HMAC,
        enc_algo: algo::EALG_AES,
        soft_kbytes: 0,
        hard_kbytes: 0,
        soft_secs,
        hard_secs,
        tunnel: TunnelEndpoints {
            src: v4(0, 0, 0, 0),
            dst: v4(0, 0, 0, 0),
        },
        auth_key,
        auth_key_bits: 160,
        enc_key,
        enc_key_bits: 128,
        replay_window: 8,
    }
}

/// An outbound SPD on `if_index` and a protecting policy over [`any_sel`] in it:
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
                &[any_sel()],
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
            &client::sa_add(&SaAdd {
                policy,
                sa_id,
                sas,
                udp: UdpPorts::default(),
                selectors: &[],
                previous: 0,
                direction: Direction::Outbound,
                acquire_context: 0,
                vendor_hint: 0,
            }),
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
