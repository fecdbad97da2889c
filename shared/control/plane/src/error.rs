//! The control plane's one error type, and its 600-based NPF code at the edge.
//!
//! Every variant names the section of the NPF IPsec Service API agreement
//! (`../shared/seeds/002_*`) that defines its code; [`PlaneError::code`] gives that code
//! (`NPF_IPSEC_BASE_ERR` = 600, generic codes 601..604, specific codes 621..655).

/// `NPF_IPSEC_BASE_ERR` (5.4).
pub const NPF_IPSEC_BASE_ERR: u32 = 600;
/// `NPF_IPSEC_GENERIC_ERROR_CODE_COUNT` (5.4.1).
pub const NPF_IPSEC_GENERIC_ERROR_CODE_COUNT: u32 = 20;
/// `NPF_NO_ERROR` (NPF Software API Conventions): success.
pub const NPF_NO_ERROR: u32 = 0;

/// Why a control-plane operation was refused. A refused operation changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaneError {
    /// `NPF_IPSEC_E_INVALID_IF_HANDLE` (5.4.1; 6.6.2, 6.6.4, 6.6.5): an interface handle is not
    /// one of the adapters the filter is attached to.
    InvalidIfHandle,
    /// `NPF_IPSEC_E_ALREADY_REGISTERED` (5.4.1).
    AlreadyRegistered,
    /// `NPF_IPSEC_E_OPTIONAL_FEATURE_NOT_SUPPORTED` (5.4.1, 6.6.1): a well-formed request for
    /// something this implementation does not offer (IPCOMP, AES-XCBC, confidentiality-only ESP,
    /// a crypto combination the engine refuses).
    NotSupported,
    /// `NPF_IPSEC_E_NOMEMORY` (5.4.1, 6.6.1): a table is at its configured maximum, or an
    /// allocation failed. Nothing was changed.
    NoMemory,
    /// `NPF_IPSEC_E_IF_ALREADY_BOUND` (5.4.2; 6.6.4): the interface already has an SPD for that
    /// direction, or the SPD is bound to all interfaces.
    IfAlreadyBound,
    /// `NPF_IPSEC_E_INVALID_SPD_HANDLE` (5.4.2; 6.6.3-6.6.7, 6.6.9, 6.6.11-6.6.15, 6.6.24-25,
    /// 6.6.27).
    InvalidSpdHandle,
    /// `NPF_IPSEC_E_INVALID_POLICY_HANDLE` (5.4.2; 6.6.8, 6.6.10-6.6.22, 6.6.26, 6.6.28,
    /// 6.6.31).
    InvalidPolicyHandle,
    /// `NPF_IPSEC_E_INVALID_SA_HANDLE` (5.4.2; 6.6.16 previousSA, 6.6.17, 6.6.22, 6.6.29).
    InvalidSaHandle,
    /// `NPF_IPSEC_E_INVALID_SPD_ID` (5.4.2; 6.6.30).
    InvalidSpdId,
    /// `NPF_IPSEC_E_INVALID_POLICY_ID` (5.4.2; 6.6.31).
    InvalidPolicyId,
    /// `NPF_IPSEC_E_INVALID_SA_ID` (5.4.2; 6.6.32).
    InvalidSaId,
    /// `NPF_IPSEC_E_INVALID_POLICY_PRIORITY` (5.4.2; 6.6.7, 6.6.15).
    InvalidPolicyPriority,
    /// `NPF_IPSEC_E_INVALID_POLICY_ACTION` (5.4.2; 6.6.7, 6.6.9), also SA_Add on a policy whose
    /// action is not IPSEC (6.6.16: SAs belong to protecting policies).
    InvalidPolicyAction,
    /// `NPF_IPSEC_E_INVALID_SELECTOR` (5.4.2; 6.6.7, 6.6.9, 6.6.16, 6.6.18).
    InvalidSelector,
    /// `NPF_IPSEC_E_INVALID_ENC_ALGO` (5.4.2; 6.6.16).
    InvalidEncAlgo,
    /// `NPF_IPSEC_E_INVALID_AUTH_ALGO` (5.4.2; 6.6.16).
    InvalidAuthAlgo,
    /// `NPF_IPSEC_E_INVALID_COMPRESS_ALGO` (5.4.2; 6.6.16).
    InvalidCompressAlgo,
    /// `NPF_IPSEC_E_NULL_AUTH_NULL_ENC_ALGO` (5.4.2; 6.6.16).
    NullAuthNullEnc,
    /// `NPF_IPSEC_E_INVALID_ENC_ALGO_KEYLEN` (5.4.2; 6.6.16).
    InvalidEncKeyLen,
    /// `NPF_IPSEC_E_INVALID_AUTH_ALGO_KEYLEN` (5.4.2; 6.6.16).
    InvalidAuthKeyLen,
    /// `NPF_IPSEC_E_NO_REPLAY` (5.4.2; 6.6.16): anti-replay without authentication.
    NoReplay,
    /// `NPF_IPSEC_E_BAD_SPI` (5.4.2; 6.6.16, 6.6.19): SPI 0..255, reserved for another policy,
    /// already used by an inbound SA, or (release) not reserved.
    BadSpi,
    /// `NPF_IPSEC_E_RESERVESPIMODE` (5.4.2; 6.6.18, 6.6.19).
    ReserveSpiMode,
    /// `NPF_IPSEC_E_SPIINUSE` (5.4.2; 6.6.19): the SPI is used by an inbound SA.
    SpiInUse,
    /// `NPF_IPSEC_E_DUPLICATE_IF_HANDLE` (5.4.2; 6.6.2, 6.6.4, 6.6.5).
    DuplicateIfHandle,
    /// `NPF_IPSEC_E_DUPLICATE_SPD_HANDLE` (5.4.2; 6.6.3, 6.6.6, 6.6.7, 6.6.11, 6.6.12).
    DuplicateSpdHandle,
    /// `NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE` (5.4.2; 6.6.10, 6.6.13, 6.6.14).
    DuplicatePolicyHandle,
    /// `NPF_IPSEC_E_DUPLICATE_EVENTID` (5.4.2; 6.6.20).
    DuplicateEventId,
    /// `NPF_IPSEC_E_BAD_EVENTID` (5.4.2; 6.6.20).
    BadEventId,
    /// `NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL` (5.4.2; 6.6.5, 6.6.12, 6.6.14).
    UnbindBoundToAll,
    /// `NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING` (5.4.2; 6.6.5, 6.6.12, 6.6.14).
    UnbindLastBinding,
    /// `NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL` (5.4.2; 6.6.11, 6.6.13).
    BindBoundToAll,
    /// `NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND` (5.4.2; 6.6.11, 6.6.13).
    BindAlreadyBound,
    /// `NPF_IPSEC_E_SPD_ID_ALREADY_REGISTERED` (5.4.2; 6.6.2).
    SpdIdAlreadyRegistered,
    /// `NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED` (5.4.2; 6.6.7, 6.6.9).
    PolicyIdAlreadyRegistered,
    /// `NPF_IPSEC_E_SA_ID_ALREADY_REGISTERED` (5.4.2; 6.6.16).
    SaIdAlreadyRegistered,
    /// `NPF_IPSEC_E_DUPLICATE_POLICY_ID` (5.4.2; 6.6.9).
    DuplicatePolicyId,
    /// `NPF_IPSEC_E_DUPLICATE_SELECTOR` (5.4.2; 6.6.7, 6.6.9, 6.6.16, 6.6.18).
    DuplicateSelector,
    /// `NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED` (5.4.2; 6.6.7, 6.6.9, 6.6.16, 6.6.18): a rule
    /// flag with bits other than NOT and AND.
    RuleFlagUnsupported,
}

impl PlaneError {
    /// The agreement's code (`NPF_IPSecErrorType_t`) for this error.
    #[must_use]
    pub const fn code(self) -> u32 {
        let specific = NPF_IPSEC_BASE_ERR + NPF_IPSEC_GENERIC_ERROR_CODE_COUNT;
        match self {
            Self::InvalidIfHandle => NPF_IPSEC_BASE_ERR + 1,
            Self::AlreadyRegistered => NPF_IPSEC_BASE_ERR + 2,
            Self::NotSupported => NPF_IPSEC_BASE_ERR + 3,
            Self::NoMemory => NPF_IPSEC_BASE_ERR + 4,
            Self::IfAlreadyBound => specific + 1,
            Self::InvalidSpdHandle => specific + 2,
            Self::InvalidPolicyHandle => specific + 3,
            Self::InvalidSaHandle => specific + 4,
            Self::InvalidSpdId => specific + 5,
            Self::InvalidPolicyId => specific + 6,
            Self::InvalidSaId => specific + 7,
            Self::InvalidPolicyPriority => specific + 8,
            Self::InvalidPolicyAction => specific + 9,
            Self::InvalidSelector => specific + 10,
            Self::InvalidEncAlgo => specific + 11,
            Self::InvalidAuthAlgo => specific + 12,
            Self::InvalidCompressAlgo => specific + 13,
            Self::NullAuthNullEnc => specific + 14,
            Self::InvalidEncKeyLen => specific + 15,
            Self::InvalidAuthKeyLen => specific + 16,
            Self::NoReplay => specific + 17,
            Self::BadSpi => specific + 18,
            Self::ReserveSpiMode => specific + 19,
            Self::SpiInUse => specific + 20,
            Self::DuplicateIfHandle => specific + 21,
            Self::DuplicateSpdHandle => specific + 22,
            Self::DuplicatePolicyHandle => specific + 23,
            Self::DuplicateEventId => specific + 24,
            Self::BadEventId => specific + 25,
            Self::UnbindBoundToAll => specific + 26,
            Self::UnbindLastBinding => specific + 27,
            Self::BindBoundToAll => specific + 28,
            Self::BindAlreadyBound => specific + 29,
            Self::SpdIdAlreadyRegistered => specific + 30,
            Self::PolicyIdAlreadyRegistered => specific + 31,
            Self::SaIdAlreadyRegistered => specific + 32,
            Self::DuplicatePolicyId => specific + 33,
            Self::DuplicateSelector => specific + 34,
            Self::RuleFlagUnsupported => specific + 35,
        }
    }

    /// Every variant, in code order (for tables and round-trip tests).
    pub const ALL: [Self; 39] = [
        Self::InvalidIfHandle,
        Self::AlreadyRegistered,
        Self::NotSupported,
        Self::NoMemory,
        Self::IfAlreadyBound,
        Self::InvalidSpdHandle,
        Self::InvalidPolicyHandle,
        Self::InvalidSaHandle,
        Self::InvalidSpdId,
        Self::InvalidPolicyId,
        Self::InvalidSaId,
        Self::InvalidPolicyPriority,
        Self::InvalidPolicyAction,
        Self::InvalidSelector,
        Self::InvalidEncAlgo,
        Self::InvalidAuthAlgo,
        Self::InvalidCompressAlgo,
        Self::NullAuthNullEnc,
        Self::InvalidEncKeyLen,
        Self::InvalidAuthKeyLen,
        Self::NoReplay,
        Self::BadSpi,
        Self::ReserveSpiMode,
        Self::SpiInUse,
        Self::DuplicateIfHandle,
        Self::DuplicateSpdHandle,
        Self::DuplicatePolicyHandle,
        Self::DuplicateEventId,
        Self::BadEventId,
        Self::UnbindBoundToAll,
        Self::UnbindLastBinding,
        Self::BindBoundToAll,
        Self::BindAlreadyBound,
        Self::SpdIdAlreadyRegistered,
        Self::PolicyIdAlreadyRegistered,
        Self::SaIdAlreadyRegistered,
        Self::DuplicatePolicyId,
        Self::DuplicateSelector,
        Self::RuleFlagUnsupported,
    ];

    /// The error of an agreement code, if it is one of ours.
    #[must_use]
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

impl core::fmt::Display for PlaneError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{self:?} (NPF code {})", self.code())
    }
}

/// Allocation failure from `try_reserve` becomes the agreement's `NPF_IPSEC_E_NOMEMORY`.
impl From<alloc::collections::TryReserveError> for PlaneError {
    fn from(_: alloc::collections::TryReserveError) -> Self {
        Self::NoMemory
    }
}
