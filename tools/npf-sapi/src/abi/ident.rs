//! Identifiers (chosen by the caller), handles (chosen by the implementation), their arrays,
//! directions and policy actions.

use super::base::{NPF_IfHandle_t, NPF_uint32_t};

/// `NPF_IPSecDirection_t`.
pub type NPF_IPSecDirection_t = u32;
/// `NPF_IPSEC_DIRECTION_INBOUND`.
pub const NPF_IPSEC_DIRECTION_INBOUND: NPF_IPSecDirection_t = 1;
/// `NPF_IPSEC_DIRECTION_OUTBOUND`.
pub const NPF_IPSEC_DIRECTION_OUTBOUND: NPF_IPSecDirection_t = 2;

/// `NPF_IPSecSPD_ID_t`.
pub type NPF_IPSecSPD_ID_t = u32;
/// `NPF_IPSecSPD_Handle_t`.
pub type NPF_IPSecSPD_Handle_t = u32;
/// `NPF_IPSEC_SPD_HANDLE_INVALID`.
pub const NPF_IPSEC_SPD_HANDLE_INVALID: NPF_IPSecSPD_Handle_t = 0;
/// `NPF_IPSecPolicy_ID_t`.
pub type NPF_IPSecPolicy_ID_t = u32;
/// `NPF_IPSecPolicy_Handle_t`.
pub type NPF_IPSecPolicy_Handle_t = u32;
/// `NPF_IPSEC_POLICY_HANDLE_INVALID`.
pub const NPF_IPSEC_POLICY_HANDLE_INVALID: NPF_IPSecPolicy_Handle_t = 0;
/// `NPF_IPSecSA_ID_t`.
pub type NPF_IPSecSA_ID_t = u32;
/// `NPF_IPSecSA_Handle_t`.
pub type NPF_IPSecSA_Handle_t = u32;
/// `NPF_IPSEC_SA_HANDLE_INVALID`.
pub const NPF_IPSEC_SA_HANDLE_INVALID: NPF_IPSecSA_Handle_t = 0;

/// `NPF_IPSecPolicy_Action_t`.
pub type NPF_IPSecPolicy_Action_t = u32;
/// `NPF_IPSEC_POLICY_ACTION_IPSEC`.
pub const NPF_IPSEC_POLICY_ACTION_IPSEC: NPF_IPSecPolicy_Action_t = 1;
/// `NPF_IPSEC_POLICY_ACTION_DISCARD`.
pub const NPF_IPSEC_POLICY_ACTION_DISCARD: NPF_IPSecPolicy_Action_t = 2;
/// `NPF_IPSEC_POLICY_ACTION_BYPASS`.
pub const NPF_IPSEC_POLICY_ACTION_BYPASS: NPF_IPSecPolicy_Action_t = 3;

/// `NPF_IPSecInterface_Handle_Array_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecInterface_Handle_Array_t {
    /// Number of handles.
    pub nifHandles: NPF_uint32_t,
    /// The handles.
    pub ifHandleArray: *mut NPF_IfHandle_t,
}

/// `NPF_IPSecSPD_Handle_Array_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSPD_Handle_Array_t {
    /// Number of handles.
    pub nCount: NPF_uint32_t,
    /// The handles.
    pub spdHandleArray: *mut NPF_IPSecSPD_Handle_t,
}

/// `NPF_IPSecSPD_Identity_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecSPD_Identity_t {
    /// Caller's ID.
    pub spdID: NPF_IPSecSPD_ID_t,
    /// Implementation's handle.
    pub spdHandle: NPF_IPSecSPD_Handle_t,
    /// Direction of the SPD.
    pub spdDirection: NPF_IPSecDirection_t,
}

/// `NPF_IPSecSPD_Identity_Array_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSPD_Identity_Array_t {
    /// Number of identities.
    pub nCount: NPF_uint32_t,
    /// The identities.
    pub spdIdentityArray: *mut NPF_IPSecSPD_Identity_t,
}

/// `NPF_IPSecPolicy_Handle_Array_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecPolicy_Handle_Array_t {
    /// Number of handles.
    pub nCount: NPF_uint32_t,
    /// The handles.
    pub policyHandleArray: *mut NPF_IPSecPolicy_Handle_t,
}

/// `NPF_IPSecPolicy_Identity_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecPolicy_Identity_t {
    /// Caller's ID.
    pub policyID: NPF_IPSecPolicy_ID_t,
    /// Implementation's handle.
    pub policyHandle: NPF_IPSecPolicy_Handle_t,
}

/// `NPF_IPSecPolicy_Identity_Array_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecPolicy_Identity_Array_t {
    /// Number of identities.
    pub nCount: NPF_uint32_t,
    /// The identities.
    pub policyIdentityArray: *mut NPF_IPSecPolicy_Identity_t,
}

/// `NPF_IPSecSA_Identity_t`; `policyID` holds the SA ID (the header's member name).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecSA_Identity_t {
    /// Caller's SA ID.
    pub policyID: NPF_IPSecSA_ID_t,
    /// Implementation's handle.
    pub SAHandle: NPF_IPSecSA_Handle_t,
}

/// `NPF_IPSecSA_Identity_Array_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSA_Identity_Array_t {
    /// Number of identities.
    pub nCount: NPF_uint32_t,
    /// The identities.
    pub SAIdentityArray: *mut NPF_IPSecSA_Identity_t,
}
