//! A client over a fresh in-process control plane attached to interfaces 1, 2 and 3, and the
//! values the tests use.
#![allow(dead_code)]

use ipsecov2_control_plane as cp;
use npf_ipsec_sapi::abi;
use npf_ipsec_sapi::model::{
    Action, Direction, IpAddr, Policy, PolicyHandle, SaAdd, SaFlags, SaHandle, SaParams, Selector,
    SelectorAddr,
};
use npf_ipsec_sapi::transport::in_process::InProcess;
use npf_ipsec_sapi::Client;

/// Interfaces of the test plane.
pub const IFS: [u32; 3] = [1, 2, 3];

/// A fresh in-process control plane.
pub fn in_process() -> InProcess {
    let ifaces: Vec<cp::Interface> = IFS
        .iter()
        .map(|&index| cp::Interface {
            luid: u64::from(index) << 24,
            index,
        })
        .collect();
    InProcess::new(cp::Limits::default(), &ifaces).expect("in-process control plane")
}

/// A client over a fresh in-process control plane.
pub fn client() -> Client<InProcess> {
    Client::new(in_process())
}

/// 10.0.<n>.0/24 to 10.1.<n>.0/24, any protocol.
pub fn selector(n: u8) -> Selector {
    Selector::between(
        SelectorAddr::Prefix(IpAddr::V4([10, 0, n, 0]), 24),
        SelectorAddr::Prefix(IpAddr::V4([10, 1, n, 0]), 24),
    )
}

/// A protecting policy with one selector.
pub fn policy(id: u32, n: u8) -> Policy {
    Policy {
        id,
        action: Action::Protect,
        selectors: vec![selector(n)],
    }
}

/// ESP, AES-128-CBC and HMAC-SHA1, transport mode, replay on.
pub fn esp_sa(spi: u32) -> SaParams {
    SaParams {
        spi,
        flags: SaFlags::new(abi::NPF_IPSEC_PROTOCOL_ESP).transport(),
        auth_algo: abi::NPF_IPSEC_AALG_SHA1HMAC,
        enc_algo: abi::NPF_IPSEC_EALG_AES,
        auth_key: vec![0x11; 20],
        auth_key_bits: 160,
        enc_key: vec![0x22; 16],
        enc_key_bits: 128,
        replay_window: 8,
        hard_kbytes: 1000,
        soft_kbytes: 500,
        ..SaParams::default()
    }
}

/// An SA_Add of one ESP SA.
pub fn sa_add(policy: PolicyHandle, sa_id: u32, spi: u32, direction: Direction, n: u8) -> SaAdd {
    SaAdd {
        policy,
        sa_id,
        sas: vec![esp_sa(spi)],
        udp: Default::default(),
        selectors: vec![selector(n)],
        previous: SaHandle::INVALID,
        direction,
        acquire_context: 0,
        vendor_hint: 0,
    }
}
