//! The case list, grouped like HLK jobs.
//!
//! One file per group, in run order: `capabilities`, `oid_validity`, `capacity`,
//! `delete_update`, `send`, `receive`, `combinations`, `two_hosts`, `pause_restart`,
//! `offload_config`, `churn`, `tcpip_reading` (issue 15: the documents read as TCP/IP may
//! behave, and the datapath groups again under each alternative TCP/IP behaviour); `checksum`
//! adds `send/checksum/...` (checksum offload requested on protected sends) after `send`;
//! `scenario` (send, receive, combinations) and `hosts` (the
//! emulated-host groups) hold what several groups share.

mod capabilities;
mod capacity;
mod checksum;
mod churn;
mod combinations;
mod delete_update;
mod hosts;
mod offload_config;
mod oid_validity;
mod pause_restart;
mod receive;
mod scenario;
mod send;
mod tcpip_reading;
mod two_hosts;

use crate::{Case, Outcome};

/// Fails the case with a formatted reason unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}
pub(crate) use ensure;

/// Fails the case unless `got == want`.
pub fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Outcome {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

/// An NDIS_STATUS by name, for messages.
pub fn status_name(s: i32) -> String {
    use ipsecov2_abi::*;
    let n = match s {
        NDIS_STATUS_SUCCESS => "SUCCESS",
        NDIS_STATUS_FAILURE => "FAILURE",
        NDIS_STATUS_RESOURCES => "RESOURCES",
        NDIS_STATUS_NOT_SUPPORTED => "NOT_SUPPORTED",
        NDIS_STATUS_INVALID_PARAMETER => "INVALID_PARAMETER",
        NDIS_STATUS_INVALID_LENGTH => "INVALID_LENGTH",
        NDIS_STATUS_INVALID_DATA => "INVALID_DATA",
        _ => return format!("{s:#010x}"),
    };
    format!("NDIS_STATUS_{n}")
}

/// Fails unless status `got` is `want`.
pub fn status(what: &str, got: i32, want: i32) -> Outcome {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: status {}, expected {}",
            status_name(got),
            status_name(want)
        ))
    }
}

/// A case.
pub fn case(
    group: &'static str,
    name: impl Into<String>,
    what: impl Into<String>,
    run: impl Fn() -> Outcome + 'static,
) -> Case {
    Case {
        group,
        name: name.into(),
        what: what.into(),
        run: Box::new(run),
        on_module: false,
    }
}

/// A case that drives whole filter modules through the target's backend (it runs with
/// `--target sys` too).
pub fn module_case(
    group: &'static str,
    name: impl Into<String>,
    what: impl Into<String>,
    run: impl Fn() -> Outcome + 'static,
) -> Case {
    Case {
        on_module: true,
        ..case(group, name, what, run)
    }
}

/// Every case of this version, in group order.
pub fn all() -> Vec<Case> {
    let mut v = Vec::new();
    capabilities::capabilities(&mut v);
    oid_validity::oid_validity(&mut v);
    capacity::capacity(&mut v);
    delete_update::delete_update(&mut v);
    send::send(&mut v);
    checksum::checksum_cases(&mut v);
    receive::receive(&mut v);
    combinations::combinations(&mut v);
    two_hosts::two_hosts_cases(&mut v);
    pause_restart::pause_restart(&mut v);
    offload_config::offload_config(&mut v);
    churn::churn_cases(&mut v);
    tcpip_reading::tcpip_reading(&mut v);
    v
}

/// The hidden `--self-test-fail` case: expects a wrong status on purpose, so the tool's failure
/// path (FAIL line, counts, exit status) can be tested.
pub fn self_test_fail() -> Case {
    case(
        "selftest",
        "expect-wrong-status",
        "deliberately expects SUCCESS for a short ADD_SA buffer (must FAIL)",
        oid_validity::self_test_fail,
    )
}
