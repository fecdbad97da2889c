//! Completion callbacks: callback types, asynchronous responses, callback data and the
//! function pointer types.

use super::base::{
    NPF_IfHandle_t, NPF_boolean_t, NPF_correlator_t, NPF_uint32_t, NPF_userContext_t,
};
use super::event::NPF_IPSecEventArray_t;
use super::ident::{
    NPF_IPSecDirection_t, NPF_IPSecInterface_Handle_Array_t, NPF_IPSecPolicy_Handle_Array_t,
    NPF_IPSecPolicy_Handle_t, NPF_IPSecPolicy_ID_t, NPF_IPSecPolicy_Identity_Array_t,
    NPF_IPSecSA_Handle_t, NPF_IPSecSA_ID_t, NPF_IPSecSA_Identity_Array_t, NPF_IPSecSPD_Handle_t,
    NPF_IPSecSPD_ID_t, NPF_IPSecSPD_Identity_Array_t,
};
use super::sa::{NPF_IPSecErrorType_t, NPF_IPSecPolicy_t, NPF_IPSecSA_t};
use super::selector::NPF_IPSecSelector_t;
use super::stats::{NPF_IPSecPolicy_Stats_t, NPF_IPSecSA_BundleStats_t};
use super::union_debug;

/// `NPF_IPSecCallbackType_t`.
pub type NPF_IPSecCallbackType_t = u32;

macro_rules! callback_types {
    ($($name:ident = $v:literal),* $(,)?) => {
        $(#[doc = concat!("`", stringify!($name), "`.")]
        pub const $name: NPF_IPSecCallbackType_t = $v;)*
        /// Every callback type, in order.
        pub const ALL_CALLBACK_TYPES: [(NPF_IPSecCallbackType_t, &str); 31] =
            [$(($v, stringify!($name))),*];
    };
}

callback_types! {
    NPF_IPSEC_SPD_CREATE = 1,
    NPF_IPSEC_SPD_DESTROY = 2,
    NPF_IPSEC_SPD_BIND = 3,
    NPF_IPSEC_SPD_UNBIND = 4,
    NPF_IPSEC_SPD_FLUSH = 5,
    NPF_IPSEC_POLICY_CREATE = 6,
    NPF_IPSEC_POLICY_DESTROY = 7,
    NPF_IPSEC_POLICY_BATCH_CREATE = 8,
    NPF_IPSEC_POLICY_BATCH_DESTROY = 9,
    NPF_IPSEC_POLICY_BIND = 10,
    NPF_IPSEC_POLICY_UNBIND = 11,
    NPF_IPSEC_POLICY_BATCH_BIND = 12,
    NPF_IPSEC_POLICY_BATCH_UNBIND = 13,
    NPF_IPSEC_POLICY_CHANGEPRIORITY = 14,
    NPF_IPSEC_SA_ADD = 15,
    NPF_IPSEC_SA_REMOVE = 16,
    NPF_IPSEC_SA_RESERVESPI = 17,
    NPF_IPSEC_SA_RELEASESPI = 18,
    NPF_IPSEC_RATELIMIT_EVENTS = 19,
    NPF_IPSEC_POLICY_GET_STATS = 20,
    NPF_IPSEC_SA_GET_STATS = 21,
    NPF_IPSEC_QUERY_ALL_SPDS = 22,
    NPF_IPSEC_QUERY_ALL_SPD_BINDINGS = 23,
    NPF_IPSEC_QUERY_ALL_POLICIES = 24,
    NPF_IPSEC_QUERY_ALL_POLICY_BINDINGS = 25,
    NPF_IPSEC_QUERY_ALL_SAS = 26,
    NPF_IPSEC_QUERY_POLICY_DATA = 27,
    NPF_IPSEC_QUERY_SA_DATA = 28,
    NPF_IPSEC_QUERY_SPD_HANDLE = 29,
    NPF_IPSEC_QUERY_POLICY_HANDLE = 30,
    NPF_IPSEC_QUERY_SA_HANDLE = 31,
}

/// `IPSEC_MAX_CALLBACK_TYPES`.
pub const IPSEC_MAX_CALLBACK_TYPES: u32 = 31;

/// The anonymous union `u` of `NPF_IPSecAsyncResponse_t`: which member is live depends on the
/// callback type and the error code (`docs/npf-sapi.md` has the table).
#[repr(C)]
#[derive(Clone, Copy)]
pub union NPF_IPSecAsyncResponse_u {
    /// SPD handle.
    pub spdHandle: NPF_IPSecSPD_Handle_t,
    /// Policy handle.
    pub policyHandle: NPF_IPSecPolicy_Handle_t,
    /// The invalid selector.
    pub selector: NPF_IPSecSelector_t,
    /// SA data.
    pub SA: NPF_IPSecSA_t,
    /// SA handle.
    pub saHandle: NPF_IPSecSA_Handle_t,
    /// Policy statistics.
    pub policyStats: NPF_IPSecPolicy_Stats_t,
    /// SA bundle statistics.
    pub saStats: NPF_IPSecSA_BundleStats_t,
    /// Reserved SPI.
    pub spi: NPF_uint32_t,
    /// The invalid interface handle.
    pub ifHandle: NPF_IfHandle_t,
    /// SPD ID.
    pub spdID: NPF_IPSecSPD_ID_t,
    /// Policy ID.
    pub policyID: NPF_IPSecPolicy_ID_t,
    /// SA ID.
    pub saID: NPF_IPSecSA_ID_t,
    /// Policy handles of a batch create.
    pub policyHandles: NPF_IPSecPolicy_Handle_Array_t,
    /// SPD identities.
    pub spdDataArray: NPF_IPSecSPD_Identity_Array_t,
    /// Interface handles.
    pub interfaceDataArray: NPF_IPSecInterface_Handle_Array_t,
    /// Policy identities.
    pub policyDataArray: NPF_IPSecPolicy_Identity_Array_t,
    /// SA identities.
    pub saDataArray: NPF_IPSecSA_Identity_Array_t,
    /// Policy data.
    pub policyData: NPF_IPSecPolicy_t,
}

/// `NPF_IPSecAsyncResponse_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecAsyncResponse_t {
    /// Error code of this element.
    pub error: NPF_IPSecErrorType_t,
    /// Direction.
    pub direction: NPF_IPSecDirection_t,
    /// Function-specific data.
    pub u: NPF_IPSecAsyncResponse_u,
}

/// `NPF_IPSecCallbackData_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecCallbackData_t {
    /// Which function this completes.
    pub r#type: NPF_IPSecCallbackType_t,
    /// True when every element succeeded.
    pub allOK: NPF_boolean_t,
    /// Number of responses.
    pub nResp: NPF_uint32_t,
    /// The responses.
    pub resp: *mut NPF_IPSecAsyncResponse_t,
}

/// `NPF_IPSecCallbackFunc_t` (nullable, as a C function pointer is).
pub type NPF_IPSecCallbackFunc_t =
    Option<unsafe extern "C" fn(NPF_userContext_t, NPF_correlator_t, NPF_IPSecCallbackData_t)>;

/// `NPF_IPSecEventCallFunc_t` (nullable, as a C function pointer is).
pub type NPF_IPSecEventCallFunc_t =
    Option<unsafe extern "C" fn(NPF_userContext_t, NPF_IPSecEventArray_t)>;

union_debug!(NPF_IPSecAsyncResponse_u);
