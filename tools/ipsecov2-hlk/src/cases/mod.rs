//! The case list, grouped like HLK jobs.

mod control;
mod datapath;
mod lifecycle;

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
    }
}

/// Every case of this version, in group order.
pub fn all() -> Vec<Case> {
    let mut v = Vec::new();
    control::capabilities(&mut v);
    control::oid_validity(&mut v);
    control::capacity(&mut v);
    control::delete_update(&mut v);
    datapath::send(&mut v);
    datapath::receive(&mut v);
    datapath::combinations(&mut v);
    lifecycle::two_hosts_cases(&mut v);
    lifecycle::pause_restart(&mut v);
    lifecycle::offload_config(&mut v);
    lifecycle::churn_cases(&mut v);
    v
}

/// The hidden `--self-test-fail` case: expects a wrong status on purpose, so the tool's failure
/// path (FAIL line, counts, exit status) can be tested.
pub fn self_test_fail() -> Case {
    case(
        "selftest",
        "expect-wrong-status",
        "deliberately expects SUCCESS for a short ADD_SA buffer (must FAIL)",
        control::self_test_fail,
    )
}
