//! The agreement's table (sections 6 and 7) and the coverage the family tests record against it;
//! the codes this implementation cannot produce, with the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use npf_ipsec_sapi::abi::*;

use crate::harness::Via;

/// What each path provoked (tests of several paths run in one process).
pub static COVERED: Mutex<BTreeMap<Via, BTreeSet<(&'static str, u32)>>> =
    Mutex::new(BTreeMap::new());

pub fn record(via: Via, c: BTreeSet<(&'static str, u32)>) {
    COVERED
        .lock()
        .expect("covered")
        .entry(via)
        .or_default()
        .extend(c);
}

/// What `via` provoked so far.
pub fn covered(via: Via) -> BTreeSet<(&'static str, u32)> {
    COVERED
        .lock()
        .expect("covered")
        .get(&via)
        .cloned()
        .unwrap_or_default()
}

/// Section 6, function by function: (function, synchronous codes, asynchronous codes) as each
/// function's section lists them. Every asynchronous function also has the generic synchronous
/// `NPF_E_BAD_CALLBACK_HANDLE` (6.4) and completes with `NPF_NO_ERROR` (section 7.1).
pub const AGREEMENT: &[(&str, &[u32], &[u32])] = &[
    (
        "Register",
        &[
            NPF_NO_ERROR,
            NPF_E_BAD_CALLBACK_FUNCTION,
            NPF_IPSEC_E_ALREADY_REGISTERED,
        ],
        &[],
    ),
    (
        "Deregister",
        &[NPF_NO_ERROR, NPF_E_BAD_CALLBACK_HANDLE],
        &[],
    ),
    (
        "EventRegister",
        &[
            NPF_NO_ERROR,
            NPF_IPSEC_E_ALREADY_REGISTERED,
            NPF_IPSEC_E_OPTIONAL_FEATURE_NOT_SUPPORTED,
        ],
        &[],
    ),
    (
        "EventDeregister",
        &[NPF_NO_ERROR, NPF_E_BAD_CALLBACK_HANDLE],
        &[],
    ),
    (
        "SPD_Create",
        &[NPF_IPSEC_E_DUPLICATE_IF_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
            NPF_IPSEC_E_INVALID_IF_HANDLE,
            NPF_IPSEC_E_SPD_ID_ALREADY_REGISTERED,
        ],
    ),
    (
        "SPD_Destroy",
        &[NPF_IPSEC_E_DUPLICATE_SPD_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
        ],
    ),
    (
        "SPD_Bind",
        &[NPF_IPSEC_E_DUPLICATE_IF_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_IF_HANDLE,
            NPF_IPSEC_E_IF_ALREADY_BOUND,
            NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
        ],
    ),
    (
        "SPD_UnBind",
        &[NPF_IPSEC_E_DUPLICATE_IF_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_IF_HANDLE,
            NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING,
            NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL,
        ],
    ),
    (
        "SPD_Flush",
        &[NPF_IPSEC_E_DUPLICATE_SPD_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
        ],
    ),
    (
        "Policy_Create",
        &[
            NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
        ],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_INVALID_POLICY_ACTION,
            NPF_IPSEC_E_INVALID_SELECTOR,
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
            NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
            NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED,
            NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
        ],
    ),
    (
        "Policy_Destroy",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_POLICY_HANDLE],
    ),
    (
        "Policy_BatchCreate",
        &[
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
            NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
        ],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_INVALID_POLICY_ACTION,
            NPF_IPSEC_E_INVALID_SELECTOR,
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
            NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED,
            NPF_IPSEC_E_DUPLICATE_POLICY_ID,
            NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
        ],
    ),
    (
        "Policy_BatchDestroy",
        &[NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE,
        ],
    ),
    (
        "Policy_Bind",
        &[NPF_IPSEC_E_DUPLICATE_SPD_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL,
            NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND,
        ],
    ),
    (
        "Policy_UnBind",
        &[NPF_IPSEC_E_DUPLICATE_SPD_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING,
            NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL,
        ],
    ),
    (
        "Policy_BatchBind",
        &[NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED,
            NPF_IPSEC_E_DUPLICATE_POLICY_ID,
            NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL,
            NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND,
        ],
    ),
    (
        "Policy_BatchUnBind",
        &[NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE,
            NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING,
            NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL,
            NPF_IPSEC_E_DUPLICATE_POLICY_ID,
        ],
    ),
    (
        "Policy_ChangePriority",
        &[],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_INVALID_SPD_HANDLE,
        ],
    ),
    (
        "SA_Add",
        &[
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
            NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
        ],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_INVALID_SELECTOR,
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
            NPF_IPSEC_E_INVALID_ENC_ALGO,
            NPF_IPSEC_E_INVALID_AUTH_ALGO,
            NPF_IPSEC_E_INVALID_COMPRESS_ALGO,
            NPF_IPSEC_E_NULL_AUTH_NULL_ENC_ALGO,
            NPF_IPSEC_E_INVALID_ENC_ALGO_KEYLEN,
            NPF_IPSEC_E_INVALID_AUTH_ALGO_KEYLEN,
            NPF_IPSEC_E_NO_REPLAY,
            NPF_IPSEC_E_BAD_SPI,
            NPF_IPSEC_E_SA_ID_ALREADY_REGISTERED,
            NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
        ],
    ),
    (
        "SA_Remove",
        &[],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_INVALID_SA_HANDLE,
        ],
    ),
    (
        "InSA_ReserveSPI",
        &[
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
            NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
        ],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_INVALID_SELECTOR,
            NPF_IPSEC_E_DUPLICATE_SELECTOR,
            NPF_IPSEC_E_RESERVESPIMODE,
            NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
        ],
    ),
    (
        "InSA_ReleaseSPI",
        &[],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_BAD_SPI,
            NPF_IPSEC_E_SPIINUSE,
            NPF_IPSEC_E_RESERVESPIMODE,
        ],
    ),
    (
        "RateLimitEvents",
        &[NPF_IPSEC_E_DUPLICATE_EVENTID],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_DUPLICATE_EVENTID,
            NPF_IPSEC_E_BAD_EVENTID,
        ],
    ),
    (
        "Policy_GetStats",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_POLICY_HANDLE],
    ),
    (
        "SA_GetStats",
        &[],
        &[
            NPF_IPSEC_E_NOMEMORY,
            NPF_IPSEC_E_INVALID_POLICY_HANDLE,
            NPF_IPSEC_E_INVALID_SA_HANDLE,
        ],
    ),
    ("Query_AllSPDs", &[], &[NPF_IPSEC_E_NOMEMORY]),
    (
        "Query_AllSPDBindings",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_SPD_HANDLE],
    ),
    (
        "Query_AllPolicies",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_SPD_HANDLE],
    ),
    (
        "Query_AllPolicyBindings",
        &[],
        &[NPF_IPSEC_E_INVALID_POLICY_HANDLE],
    ),
    (
        "Query_AllSAs",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_SPD_HANDLE],
    ),
    (
        "Query_PolicyData",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_POLICY_HANDLE],
    ),
    (
        "Query_SAData",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_SA_HANDLE],
    ),
    ("Query_SPDHandle", &[], &[]),
    ("Query_PolicyHandle", &[], &[]),
    (
        "Query_SAHandle",
        &[],
        &[NPF_IPSEC_E_NOMEMORY, NPF_IPSEC_E_INVALID_POLICY_HANDLE],
    ),
];

/// Section 7.2: the required events.
pub const REQUIRED_EVENTS: &[u32] = &[
    NPF_IPSEC_SA_ACQUIRE,
    NPF_IPSEC_SA_EXPIRE_KB_SOFT,
    NPF_IPSEC_SA_EXPIRE_KB_HARD,
    NPF_IPSEC_SA_PURGED,
];

const NO_ALLOCATION: &str = "removes or reads only: the control plane reserves its tables up \
                             front and allocates nothing for this function";

/// Codes this implementation cannot produce, with the reason (docs/npf-sapi-errata.md).
pub fn not_producible(func: &str, code: u32) -> Option<&'static str> {
    let async_nomem = [
        "SPD_Destroy",
        "SPD_UnBind",
        "SPD_Flush",
        "Policy_Destroy",
        "Policy_BatchDestroy",
        "Policy_UnBind",
        "Policy_BatchUnBind",
        "Policy_ChangePriority",
        "SA_Remove",
        "InSA_ReleaseSPI",
        "RateLimitEvents",
        "Policy_GetStats",
        "SA_GetStats",
        "Query_AllSPDs",
        "Query_AllSPDBindings",
        "Query_AllPolicies",
        "Query_AllSAs",
        "Query_PolicyData",
        "Query_SAData",
        "Query_SAHandle",
    ];
    match (func, code) {
        (f, NPF_IPSEC_E_NOMEMORY) if async_nomem.contains(&f) => Some(NO_ALLOCATION),
        ("SPD_Bind" | "Policy_Bind" | "Policy_BatchBind", NPF_IPSEC_E_NOMEMORY) => Some(
            "the binding tables' maxima (bindings_per_spd, bindings_per_policy) are the control \
             plane's; not provoked by this suite",
        ),
        (_, NPF_IPSEC_E_RESERVESPIMODE) => Some("E-RESERVESPI-MODE: both SPI modes work together"),
        (
            "Policy_BatchBind" | "Policy_BatchUnBind",
            NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED | NPF_IPSEC_E_DUPLICATE_POLICY_ID,
        ) => Some("binding takes policy handles: no policy ID is given, so none can clash"),
        ("EventRegister", NPF_IPSEC_E_OPTIONAL_FEATURE_NOT_SUPPORTED) => {
            Some("every event of the agreement is supported")
        }
        _ => None,
    }
}

/// What the in-process path provokes and the driver binary cannot, with the reason
/// (docs/npf-sapi.md, "Over the driver binary"). `func` "event" names a required event.
#[cfg(feature = "pe-host")]
pub fn not_producible_over_the_binary(func: &str, code: u32) -> Option<&'static str> {
    match (func, code) {
        ("event", NPF_IPSEC_SA_ACQUIRE) => Some(
            "the driver raises no ACQUIRE: it is an offload target, TCP/IP chooses which \
             packets it protects and hands them down with an SA already; nothing in the \
             driver's datapath looks packets up in the SPDs (ControlPlane::match_packet, which \
             the in-process test calls directly)",
        ),
        ("SPD_Create", NPF_IPSEC_E_NOMEMORY) => Some(
            "the driver's plane holds 64 SPDs but can never be asked for a 65th: every SPD is \
             bound to all interfaces or to some, no two SPDs of a direction share an interface, \
             an SPD cannot be unbound from its last one, and the plane knows only the attached \
             modules' interfaces (at most 8, MAX_MODULES): at most 16 SPDs exist",
        ),
        _ => None,
    }
}
