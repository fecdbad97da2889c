//! Fixtures shared by the tests and benches of the control-plane crates (feature `testing`): the
//! ESP SA, the selector and the SA_Add request they all build, as control-plane values and as an
//! IOCTL message, and a fingerprint of a plane's observable state.
//!
//! The control plane's own tests reach this through a dev-dependency on this crate (Cargo allows
//! a dev-only edge back to a dependency; the types are the control plane's one library).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use ipsecov2_control_plane::{
    algo, sa_flags, Action, ControlPlane, Direction, IpAddr, PlaneError, PolicyHandle, PolicySpec,
    PortRange, SaAddRequest, SaHandle, SaParams, SaStore, Selector, SelectorAddr, SpdHandle,
    TunnelEndpoints, UdpPorts,
};

use crate::client::{self, SaAdd};

/// The AES-128 key of [`esp`].
pub const AES_KEY: [u8; 16] = [0x11; 16];
/// The HMAC-SHA1 key of [`esp`].
pub const SHA1_KEY: [u8; 20] = [0x22; 20];

/// ESP, AES-128-CBC + HMAC-SHA1-96, transport mode, replay window 8, no lifetimes.
pub fn esp(spi: u32) -> SaParams<'static> {
    SaParams {
        spi,
        flow_label: 0,
        flags: sa_flags::PROTOCOL_ESP | sa_flags::MODE_TRANSPORT,
        auth_algo: algo::AALG_SHA1HMAC,
        enc_algo: algo::EALG_AES,
        soft_kbytes: 0,
        hard_kbytes: 0,
        soft_secs: 0,
        hard_secs: 0,
        tunnel: TunnelEndpoints {
            src: IpAddr::V4([0; 4]),
            dst: IpAddr::V4([0; 4]),
        },
        auth_key: &SHA1_KEY,
        auth_key_bits: 160,
        enc_key: &AES_KEY,
        enc_key_bits: 128,
        replay_window: 8,
    }
}

/// An IPv4 selector from source prefix to destination prefix, any source port.
pub fn prefix_selector(
    src: ([u8; 4], u8),
    dst: ([u8; 4], u8),
    protocol: u8,
    dst_port: PortRange,
) -> Selector {
    Selector {
        rule_flags: 0,
        ip_version: 4,
        protocol,
        src: SelectorAddr::Prefix {
            addr: IpAddr::V4(src.0),
            len: src.1,
        },
        dst: SelectorAddr::Prefix {
            addr: IpAddr::V4(dst.0),
            len: dst.1,
        },
        src_port: PortRange::ANY,
        dst_port,
    }
}

/// 10.0.0.0/8 → 192.168.1.0/24, any protocol and port.
pub fn any_selector() -> Selector {
    prefix_selector(
        ([10, 0, 0, 0], 8),
        ([192, 168, 1, 0], 24),
        0,
        PortRange::ANY,
    )
}

/// Creates the outbound policy `id` that protects [`any_selector`], bound to `spd` at `priority`.
pub fn protect_any<S: SaStore>(
    plane: &mut ControlPlane<S>,
    spd: SpdHandle,
    id: u32,
    priority: u32,
) -> Result<PolicyHandle, PlaneError> {
    let selectors = [any_selector()];
    let spec = PolicySpec {
        id,
        action: Action::Protect,
        selectors: &selectors,
    };
    plane.policy_create(&spec, &[spd], &[priority], Direction::Outbound)
}

/// An outbound SA_Add of the bundle `sas` as `sa_id` under `policy`: no selectors of its own, no
/// UDP encapsulation, no previous SA, no acquire context or vendor hint.
pub fn sa_add_request<'a>(
    policy: PolicyHandle,
    sa_id: u32,
    sas: &'a [SaParams<'a>],
) -> SaAddRequest<'a> {
    SaAddRequest {
        policy,
        sa_id,
        sas,
        udp: UdpPorts::default(),
        selectors: &[],
        previous: SaHandle::INVALID,
        direction: Direction::Outbound,
        acquire_context: 0,
        vendor_hint: 0,
    }
}

/// The same request as [`sa_add_request`], as the IOCTL message of `client::sa_add`.
pub fn sa_add_message(policy: u32, sa_id: u32, sas: &[SaParams<'_>]) -> Vec<u8> {
    client::sa_add(&SaAdd {
        policy,
        sa_id,
        sas,
        udp: UdpPorts::default(),
        selectors: &[],
        previous: 0,
        direction: Direction::Outbound,
        acquire_context: 0,
        vendor_hint: 0,
    })
}

/// A fingerprint of everything a plane shows through its queries (SPDs with their bindings,
/// policies with their data and bindings, SAs with their data, reserved SPIs, the event queue's
/// length and mask), to check that a refused call changed nothing. The SA table's own state is
/// the caller's to add.
pub fn snapshot<S: SaStore>(p: &ControlPlane<S>) -> String {
    let mut s = String::new();
    for spd in p.query_spds() {
        let _ = writeln!(s, "{spd:?} {:?}", p.query_spd_bindings(spd.handle));
        for (id, h) in p.query_policies(spd.handle).into_iter().flatten() {
            let _ = writeln!(s, "  {id} {h:?} {:?}", p.query_policy_data(h));
            let binds = p.query_policy_bindings(h).map(Iterator::collect::<Vec<_>>);
            let _ = writeln!(s, "  binds {binds:?}");
        }
        for (id, h) in p.query_sas(spd.handle).into_iter().flatten() {
            let _ = writeln!(s, "  sa {id} {h:?} {:?}", p.query_sa_data(h));
        }
    }
    let spis: Vec<_> = p.reserved_spis().collect();
    let _ = write!(
        s,
        "spis {spis:?} events {} mask {}",
        p.events().len(),
        p.events().mask()
    );
    s
}
