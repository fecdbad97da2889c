//! The error enum maps onto the agreement's 600-based codes (5.4).
#![allow(clippy::unwrap_used, clippy::panic)]
use ipsecov2_control_plane::PlaneError;

#[test]
fn codes_are_the_agreements() {
    assert_eq!(PlaneError::InvalidIfHandle.code(), 601);
    assert_eq!(PlaneError::AlreadyRegistered.code(), 602);
    assert_eq!(PlaneError::NotSupported.code(), 603);
    assert_eq!(PlaneError::NoMemory.code(), 604);
    assert_eq!(PlaneError::IfAlreadyBound.code(), 621);
    assert_eq!(PlaneError::InvalidSpdHandle.code(), 622);
    assert_eq!(PlaneError::NoReplay.code(), 637);
    assert_eq!(PlaneError::SpiInUse.code(), 640);
    assert_eq!(PlaneError::BadEventId.code(), 645);
    assert_eq!(PlaneError::RuleFlagUnsupported.code(), 655);
}

#[test]
fn codes_are_distinct_and_round_trip() {
    for (i, a) in PlaneError::ALL.iter().enumerate() {
        assert_eq!(PlaneError::from_code(a.code()), Some(*a));
        for b in PlaneError::ALL.iter().skip(i + 1) {
            assert_ne!(a.code(), b.code(), "{a:?} and {b:?}");
        }
    }
    assert_eq!(PlaneError::from_code(0), None);
    assert_eq!(PlaneError::from_code(605), None);
    // The specific codes are contiguous from 621 to 655.
    let mut specific: Vec<u32> = PlaneError::ALL
        .iter()
        .map(|e| e.code())
        .filter(|c| *c > 620)
        .collect();
    specific.sort_unstable();
    assert_eq!(specific, (621..=655).collect::<Vec<_>>());
}
