//! SPI reservation and release (6.6.18, 6.6.19).
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{PlaneError, PolicyHandle, SaParams};

#[test]
fn reserve_use_release() {
    let mut p = plane();
    let i = inbound_spd(&mut p, 1, &[IF1]);
    let o = outbound_spd(&mut p, 2, &[IF1]);
    let pi = protect(&mut p, i, 1, 1);
    let pi2 = protect(&mut p, i, 2, 2);
    let po = protect(&mut p, o, 3, 1);
    let spi = p.reserve_spi(pi, &[any_sel()]).unwrap();
    assert!(spi >= 256);
    let other = p.reserve_spi(pi, &[]).unwrap();
    assert_ne!(spi, other);
    assert_eq!(
        p.reserve_spi(po, &[]),
        Err(PlaneError::InvalidPolicyHandle),
        "inbound only"
    );
    assert_eq!(
        p.reserve_spi(PolicyHandle(9), &[]),
        Err(PlaneError::InvalidPolicyHandle)
    );
    assert_eq!(
        p.reserve_spi(pi, &[any_sel(), any_sel()]),
        Err(PlaneError::DuplicateSelector)
    );
    // Reserved for pi: another policy may not use it.
    let sas = [SaParams { ..esp(spi) }];
    assert_eq!(p.sa_add(&add_req(pi2, 1, &sas)), Err(PlaneError::BadSpi));
    let h = p.sa_add(&add_req(pi, 1, &sas)).unwrap();
    // Used: the reservation is consumed, releasing says it is in use.
    assert_eq!(p.release_spi(pi, spi), Err(PlaneError::SpiInUse));
    assert_eq!(p.release_spi(pi, 0x9999), Err(PlaneError::BadSpi));
    assert_eq!(
        p.release_spi(pi2, other),
        Err(PlaneError::BadSpi),
        "not pi2's"
    );
    p.release_spi(pi, other).unwrap();
    assert_eq!(p.reserved_spis().count(), 0);
    // A reserved SPI is never handed out twice, nor one an inbound SA uses.
    let again = p.reserve_spi(pi, &[]).unwrap();
    assert!(again != spi);
    p.sa_remove(pi, h).unwrap();
}

#[test]
fn the_table_has_a_maximum() {
    let mut p = plane_with(ipsecov2_control_plane::Limits {
        reserved_spis: 2,
        ..Default::default()
    });
    let i = inbound_spd(&mut p, 1, &[IF1]);
    let pi = protect(&mut p, i, 1, 1);
    p.reserve_spi(pi, &[]).unwrap();
    p.reserve_spi(pi, &[]).unwrap();
    assert_eq!(p.reserve_spi(pi, &[]), Err(PlaneError::NoMemory));
    assert_eq!(p.reserved_spis().count(), 2);
    // Destroying the policy releases its reservations.
    p.policy_destroy(pi).unwrap();
    assert_eq!(p.reserved_spis().count(), 0);
}
