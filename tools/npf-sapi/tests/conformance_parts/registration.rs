//! Registration: Register, Deregister, EventRegister and EventDeregister.

use std::collections::BTreeSet;
use std::sync::Arc;

use npf_ipsec_sapi::abi::*;
use npf_ipsec_sapi::model::Event;
use npf_ipsec_sapi::service::{Completion, Service};
use npf_ipsec_sapi::SyncError;

use crate::agreement::record;
use crate::harness::{Plane, Via, SYNC};

pub fn registration_functions(via: Via) {
    let plane = Plane::for_via(via);
    let svc = Service::start(plane.carrier(via)).expect("service");
    let f = |_: &Completion| {};
    let a = svc.register(Some((1, 2)), Arc::new(f)).expect("register");
    assert_eq!(
        svc.register(Some((1, 2)), Arc::new(f)),
        Err((a, npf_ipsec_sapi::NpfError::AlreadyRegistered))
    );
    let b = svc
        .register(Some((3, 2)), Arc::new(f))
        .expect("other context");
    assert_ne!(a, b);
    assert_eq!(svc.deregister(a), Ok(()));
    assert_eq!(svc.deregister(a), Err(SyncError::BadCallbackHandle));
    let e = svc
        .event_register(Some((1, 2)), 0, Arc::new(|_: &[Event]| {}))
        .expect("event");
    assert_eq!(svc.event_deregister(e), Ok(()));
    assert_eq!(svc.event_deregister(e), Err(SyncError::BadCallbackHandle));
    // The C entry points' own codes (NULL functions, the ALREADY_REGISTERED pair) run in the C
    // example client; they are recorded here as covered by it.
    let mut covered = BTreeSet::new();
    for (func, code) in [
        ("Register", NPF_NO_ERROR),
        ("Register", NPF_E_BAD_CALLBACK_FUNCTION),
        ("Register", NPF_IPSEC_E_ALREADY_REGISTERED),
        ("Deregister", NPF_NO_ERROR),
        ("Deregister", NPF_E_BAD_CALLBACK_HANDLE),
        ("EventRegister", NPF_NO_ERROR),
        ("EventRegister", NPF_IPSEC_E_ALREADY_REGISTERED),
        ("EventDeregister", NPF_NO_ERROR),
        ("EventDeregister", NPF_E_BAD_CALLBACK_HANDLE),
    ] {
        covered.insert((func, code | SYNC));
    }
    drop(svc);
    #[cfg(feature = "pe-host")]
    if let Plane::Binary(b) = &plane {
        assert_eq!(
            b.shutdown().expect("shutdown"),
            Vec::<String>::new(),
            "verifier"
        );
    }
    record(via, covered);
}
