//! Fixtures: a control plane over a real offload SA table, attached interfaces, selectors and SAs.
// Each test binary uses a part of the fixtures, and of the shared ones it re-exports.
#![allow(dead_code, unused_imports)]

use ipsecov2_control_plane::{
    algo, sa_flags, ControlPlane, Direction, Interface, IpAddr, Limits, PacketFields, PolicyHandle,
    PortRange, SaParams, Selector, SelectorAddr, SpdHandle,
};
// The fixtures every control-plane crate shares: ESP AES-128-CBC + HMAC-SHA1-96 in transport
// mode, 10.0.0.0/8 → 192.168.1.0/24 with any protocol and port, the outbound SA_Add request.
pub use ipsecov2_ioctl::testing::{
    any_selector as any_sel, esp, protect_any, sa_add_request as add_req,
};
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_satable::{HostSaTable, StdRwLock, TableSeed, TableState};

pub type Store = OffloadSas<StdRwLock<TableState<OffloadSa>>>;
pub type Plane = ControlPlane<Store>;

pub const IF1: u32 = 11;
pub const IF2: u32 = 12;
pub const IF3: u32 = 13;

pub fn store(capacity: usize) -> Store {
    OffloadSas::new(
        HostSaTable::with_capacity(capacity, TableSeed::from_words([1, 2, 3, 4])).unwrap(),
    )
}

pub fn plane_with(limits: Limits) -> Plane {
    let mut p = ControlPlane::new(store(limits.sas.max(1)), limits).unwrap();
    for (i, luid) in [(IF1, 0x1000), (IF2, 0x2000), (IF3, 0x3000)] {
        p.attach_interface(Interface { luid, index: i }).unwrap();
    }
    p
}

pub fn plane() -> Plane {
    plane_with(Limits::default())
}

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4([a, b, c, d])
}

/// A selector: source prefix, destination prefix, protocol, destination ports.
pub fn sel(src: (IpAddr, u8), dst: (IpAddr, u8), protocol: u8, dports: PortRange) -> Selector {
    Selector {
        rule_flags: 0,
        ip_version: src.0.version(),
        protocol,
        src: SelectorAddr::Prefix {
            addr: src.0,
            len: src.1,
        },
        dst: SelectorAddr::Prefix {
            addr: dst.0,
            len: dst.1,
        },
        src_port: PortRange::ANY,
        dst_port: dports,
    }
}

pub fn packet(src: IpAddr, dst: IpAddr, protocol: u8, sport: u16, dport: u16) -> PacketFields {
    PacketFields {
        protocol,
        src,
        dst,
        src_port: sport,
        dst_port: dport,
    }
}

pub const MD5_KEY: [u8; 16] = [0x33; 16];

/// AH, HMAC-MD5-96, transport mode.
pub fn ah(spi: u32) -> SaParams<'static> {
    SaParams {
        flags: sa_flags::PROTOCOL_AH | sa_flags::MODE_TRANSPORT,
        auth_algo: algo::AALG_MD5HMAC,
        enc_algo: algo::EALG_NONE,
        auth_key: &MD5_KEY,
        auth_key_bits: 128,
        enc_key: &[],
        enc_key_bits: 0,
        ..esp(spi)
    }
}

pub fn inbound_spd(p: &mut Plane, id: u32, ifs: &[u32]) -> SpdHandle {
    p.spd_create(Direction::Inbound, ifs, id).unwrap()
}

pub fn outbound_spd(p: &mut Plane, id: u32, ifs: &[u32]) -> SpdHandle {
    p.spd_create(Direction::Outbound, ifs, id).unwrap()
}

pub fn protect(p: &mut Plane, spd: SpdHandle, id: u32, prio: u32) -> PolicyHandle {
    protect_any(p, spd, id, prio).unwrap()
}

/// A cheap fingerprint of everything observable, to check that a refused call changed nothing.
pub fn snapshot(p: &Plane) -> String {
    format!(
        "{} table {}\n",
        ipsecov2_ioctl::testing::snapshot(p),
        p.store().table().len()
    )
}
