//! `FilterModule::attach_in_place` (the driver's `FilterAttach` writes the module into its pool
//! block) gives the same module as `FilterModule::attach`: `Paused`, the same offloads reported
//! up, the same capabilities, no state error.
#![cfg(test)]

mod common;

use std::mem::MaybeUninit;

use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::module::{HostModule, ModuleConfig};
use ipsecov2_filter_core::state::FilterState;
use ipsecov2_filter_core::{CapabilityConfig, OffloadEnable};

fn miniport_offload(v4_checksums: bool) -> NDIS_OFFLOAD {
    let mut o = NDIS_OFFLOAD::default();
    if v4_checksums {
        o.Checksum
            .IPv4Transmit
            .set_ip_checksum(NDIS_OFFLOAD_SUPPORTED);
        o.Checksum
            .IPv4Transmit
            .set_tcp_checksum(NDIS_OFFLOAD_SUPPORTED);
    }
    o
}

#[test]
fn in_place_equals_by_value() {
    let cfg = ModuleConfig {
        caps: CapabilityConfig {
            sa_offload_capacity: 64,
        },
        enable: OffloadEnable::ALL,
    };
    let (current, hardware) = (miniport_offload(false), miniport_offload(true));
    let by_value = HostModule::attach(core(), &cfg, &current, &hardware);
    let mut slot = MaybeUninit::uninit();
    let in_place = HostModule::attach_in_place(&mut slot, core(), &cfg, &current, &hardware);
    assert_eq!(in_place.state(), FilterState::Paused);
    assert_eq!(in_place.state(), by_value.state());
    assert_eq!(in_place.enable(), by_value.enable());
    assert_eq!(in_place.current_offload(), by_value.current_offload());
    assert_eq!(in_place.hardware_offload(), by_value.hardware_offload());
    assert_ne!(in_place.current_offload(), in_place.hardware_offload());
    assert_eq!(
        in_place.current_capabilities(),
        by_value.current_capabilities()
    );
    assert_eq!(in_place.snapshot().state_errors, 0);
    assert_eq!(by_value.snapshot().state_errors, 0);
    // The module in the slot is dropped the way the driver's detach drops it in its pool block
    // (a `MaybeUninit` never drops its contents: without this the SA table leaks, as ASan says).
    // SAFETY: `attach_in_place` initialised `slot`, and the reference it returned is no longer
    // used; the module is dropped exactly once.
    unsafe { slot.assume_init_drop() };
}
