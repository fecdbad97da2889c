//! The 31 asynchronous functions of section 6.6 as one request type, and what each completes
//! with. A [`crate::Transport`] carries a [`Request`] to the control plane and brings back a
//! [`Reply`].

use crate::abi;
use crate::error::NpfError;
use crate::model::{
    Direction, EventLimit, IfHandle, Policy, PolicyHandle, PolicyId, PolicyIdentity, PolicyStats,
    SaAdd, SaBundleStats, SaData, SaHandle, SaId, SaIdentity, Selector, SpdBindings, SpdHandle,
    SpdId, SpdIdentity,
};

/// One call of an asynchronous function, its arguments owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `NPF_IPSecRateLimitEvents` (6.6.20).
    RateLimitEvents(Vec<EventLimit>),
    /// `NPF_IPSecSPD_Create` (6.6.2); no interfaces = all.
    SpdCreate {
        /// Direction.
        direction: Direction,
        /// Interfaces (empty: all, for life).
        ifs: Vec<IfHandle>,
        /// Caller's ID.
        id: SpdId,
    },
    /// `NPF_IPSecSPD_Destroy` (6.6.3); empty = all SPDs.
    SpdDestroy(Vec<SpdHandle>),
    /// `NPF_IPSecSPD_Bind` (6.6.4); no interfaces = all.
    SpdBind {
        /// SPD.
        spd: SpdHandle,
        /// Interfaces.
        ifs: Vec<IfHandle>,
    },
    /// `NPF_IPSecSPD_UnBind` (6.6.5).
    SpdUnbind {
        /// SPD.
        spd: SpdHandle,
        /// Interfaces (never empty).
        ifs: Vec<IfHandle>,
    },
    /// `NPF_IPSecSPD_Flush` (6.6.6); empty = all SPDs.
    SpdFlush(Vec<SpdHandle>),
    /// `NPF_IPSecPolicy_Create` (6.6.7); no SPDs = all SPDs of `direction`.
    PolicyCreate {
        /// The policy.
        policy: Policy,
        /// SPDs with the policy's priority in each.
        spds: Vec<(SpdHandle, u32)>,
        /// Direction (used when bound to all SPDs).
        direction: Direction,
    },
    /// `NPF_IPSecPolicy_Destroy` (6.6.8).
    PolicyDestroy(PolicyHandle),
    /// `NPF_IPSecPolicy_BatchCreate` (6.6.9); `SpdHandle::INVALID` = all SPDs of `direction`.
    PolicyBatchCreate {
        /// Policies with their priorities.
        policies: Vec<(Policy, u32)>,
        /// SPD.
        spd: SpdHandle,
        /// Direction.
        direction: Direction,
    },
    /// `NPF_IPSecPolicy_BatchDestroy` (6.6.10).
    PolicyBatchDestroy(Vec<PolicyHandle>),
    /// `NPF_IPSecPolicy_Bind` (6.6.11); no SPDs = all SPDs of the policy's direction.
    PolicyBind {
        /// Policy.
        policy: PolicyHandle,
        /// SPDs with priorities.
        spds: Vec<(SpdHandle, u32)>,
    },
    /// `NPF_IPSecPolicy_UnBind` (6.6.12).
    PolicyUnbind {
        /// Policy.
        policy: PolicyHandle,
        /// SPDs (never empty).
        spds: Vec<SpdHandle>,
    },
    /// `NPF_IPSecPolicy_BatchBind` (6.6.13).
    PolicyBatchBind {
        /// Policies with priorities.
        policies: Vec<(PolicyHandle, u32)>,
        /// SPD (`INVALID`: all SPDs of `direction`).
        spd: SpdHandle,
        /// Direction.
        direction: Direction,
    },
    /// `NPF_IPSecPolicy_BatchUnBind` (6.6.14).
    PolicyBatchUnbind {
        /// Policies.
        policies: Vec<PolicyHandle>,
        /// SPD.
        spd: SpdHandle,
    },
    /// `NPF_IPSecPolicy_ChangePriority` (6.6.15).
    PolicyChangePriority {
        /// SPD.
        spd: SpdHandle,
        /// Policy.
        policy: PolicyHandle,
        /// New priority.
        priority: u32,
    },
    /// `NPF_IPSecSA_Add` (6.6.16).
    SaAdd(SaAdd),
    /// `NPF_IPSecSA_Remove` (6.6.17).
    SaRemove {
        /// Policy.
        policy: PolicyHandle,
        /// SA.
        sa: SaHandle,
    },
    /// `NPF_IPSecInSA_ReserveSPI` (6.6.18).
    ReserveSpi {
        /// Policy.
        policy: PolicyHandle,
        /// Selectors of the SA to come.
        selectors: Vec<Selector>,
    },
    /// `NPF_IPSecInSA_ReleaseSPI` (6.6.19).
    ReleaseSpi {
        /// Policy.
        policy: PolicyHandle,
        /// SPI.
        spi: u32,
    },
    /// `NPF_IPSecPolicy_GetStats` (6.6.21).
    PolicyGetStats {
        /// Policy.
        policy: PolicyHandle,
        /// Reset after reading.
        reset: bool,
    },
    /// `NPF_IPSecSA_GetStats` (6.6.22).
    SaGetStats {
        /// Policy.
        policy: PolicyHandle,
        /// SA.
        sa: SaHandle,
        /// Reset after reading.
        reset: bool,
    },
    /// `NPF_IPSecQuery_AllSPDs` (6.6.23).
    QueryAllSpds,
    /// `NPF_IPSecQuery_AllSPDBindings` (6.6.24).
    QueryAllSpdBindings(SpdHandle),
    /// `NPF_IPSecQuery_AllPolicies` (6.6.25).
    QueryAllPolicies(SpdHandle),
    /// `NPF_IPSecQuery_AllPolicyBindings` (6.6.26).
    QueryAllPolicyBindings(PolicyHandle),
    /// `NPF_IPSecQuery_AllSAs` (6.6.27).
    QueryAllSas(SpdHandle),
    /// `NPF_IPSecQuery_PolicyData` (6.6.28).
    QueryPolicyData(PolicyHandle),
    /// `NPF_IPSecQuery_SAData` (6.6.29).
    QuerySaData(SaHandle),
    /// `NPF_IPSecQuery_SPDHandle` (6.6.30).
    QuerySpdHandle(Vec<SpdId>),
    /// `NPF_IPSecQuery_PolicyHandle` (6.6.31).
    QueryPolicyHandle(Vec<PolicyId>),
    /// `NPF_IPSecQuery_SAHandle` (6.6.32).
    QuerySaHandle {
        /// Policy.
        policy: PolicyHandle,
        /// SA IDs.
        ids: Vec<SaId>,
    },
}

impl Request {
    /// The `NPF_IPSecCallbackType_t` of this request's completion.
    #[must_use]
    pub const fn callback_type(&self) -> u32 {
        match self {
            Self::RateLimitEvents(_) => abi::NPF_IPSEC_RATELIMIT_EVENTS,
            Self::SpdCreate { .. } => abi::NPF_IPSEC_SPD_CREATE,
            Self::SpdDestroy(_) => abi::NPF_IPSEC_SPD_DESTROY,
            Self::SpdBind { .. } => abi::NPF_IPSEC_SPD_BIND,
            Self::SpdUnbind { .. } => abi::NPF_IPSEC_SPD_UNBIND,
            Self::SpdFlush(_) => abi::NPF_IPSEC_SPD_FLUSH,
            Self::PolicyCreate { .. } => abi::NPF_IPSEC_POLICY_CREATE,
            Self::PolicyDestroy(_) => abi::NPF_IPSEC_POLICY_DESTROY,
            Self::PolicyBatchCreate { .. } => abi::NPF_IPSEC_POLICY_BATCH_CREATE,
            Self::PolicyBatchDestroy(_) => abi::NPF_IPSEC_POLICY_BATCH_DESTROY,
            Self::PolicyBind { .. } => abi::NPF_IPSEC_POLICY_BIND,
            Self::PolicyUnbind { .. } => abi::NPF_IPSEC_POLICY_UNBIND,
            Self::PolicyBatchBind { .. } => abi::NPF_IPSEC_POLICY_BATCH_BIND,
            Self::PolicyBatchUnbind { .. } => abi::NPF_IPSEC_POLICY_BATCH_UNBIND,
            Self::PolicyChangePriority { .. } => abi::NPF_IPSEC_POLICY_CHANGEPRIORITY,
            Self::SaAdd(_) => abi::NPF_IPSEC_SA_ADD,
            Self::SaRemove { .. } => abi::NPF_IPSEC_SA_REMOVE,
            Self::ReserveSpi { .. } => abi::NPF_IPSEC_SA_RESERVESPI,
            Self::ReleaseSpi { .. } => abi::NPF_IPSEC_SA_RELEASESPI,
            Self::PolicyGetStats { .. } => abi::NPF_IPSEC_POLICY_GET_STATS,
            Self::SaGetStats { .. } => abi::NPF_IPSEC_SA_GET_STATS,
            Self::QueryAllSpds => abi::NPF_IPSEC_QUERY_ALL_SPDS,
            Self::QueryAllSpdBindings(_) => abi::NPF_IPSEC_QUERY_ALL_SPD_BINDINGS,
            Self::QueryAllPolicies(_) => abi::NPF_IPSEC_QUERY_ALL_POLICIES,
            Self::QueryAllPolicyBindings(_) => abi::NPF_IPSEC_QUERY_ALL_POLICY_BINDINGS,
            Self::QueryAllSas(_) => abi::NPF_IPSEC_QUERY_ALL_SAS,
            Self::QueryPolicyData(_) => abi::NPF_IPSEC_QUERY_POLICY_DATA,
            Self::QuerySaData(_) => abi::NPF_IPSEC_QUERY_SA_DATA,
            Self::QuerySpdHandle(_) => abi::NPF_IPSEC_QUERY_SPD_HANDLE,
            Self::QueryPolicyHandle(_) => abi::NPF_IPSEC_QUERY_POLICY_HANDLE,
            Self::QuerySaHandle { .. } => abi::NPF_IPSEC_QUERY_SA_HANDLE,
        }
    }
}

/// What a successful request completes with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    /// Nothing beyond success.
    Unit,
    /// SPD handle (SPD_Create).
    Spd(SpdHandle),
    /// SPD handles affected (SPD_Destroy, SPD_Flush: one response each).
    Spds(Vec<SpdHandle>),
    /// Policy handle (Policy_Create).
    Policy(PolicyHandle),
    /// Policy handles (Policy_BatchCreate, in the order of the request).
    PolicyHandles(Vec<PolicyHandle>),
    /// SA handle (SA_Add).
    Sa(SaHandle),
    /// SPI (ReserveSPI).
    Spi(u32),
    /// Policy statistics.
    PolicyStats(PolicyStats),
    /// SA bundle statistics.
    SaStats(SaBundleStats),
    /// SPD identities (AllSPDs, AllPolicyBindings, SPDHandle).
    SpdIdentities(Vec<SpdIdentity>),
    /// Interfaces of an SPD.
    SpdBindings(SpdBindings),
    /// Policy identities (AllPolicies, PolicyHandle).
    PolicyIdentities(Vec<PolicyIdentity>),
    /// SA identities (AllSAs, SAHandle).
    SaIdentities(Vec<SaIdentity>),
    /// Policy data.
    PolicyData(Policy),
    /// SA data.
    SaData(SaData),
}

/// A refused request: which element of its array (if the error is about one) and why. Nothing
/// was changed (erratum E-BATCH).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The element of the request's main array, when the error names one.
    pub index: Option<u32>,
    /// The agreement's code.
    pub error: NpfError,
}

impl Failure {
    /// A failure not about one element.
    #[must_use]
    pub const fn of(error: NpfError) -> Self {
        Self { index: None, error }
    }

    /// A failure of element `index`.
    #[must_use]
    pub const fn at(index: u32, error: NpfError) -> Self {
        Self {
            index: Some(index),
            error,
        }
    }
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.index {
            Some(i) => write!(f, "{} (element {i})", self.error),
            None => self.error.fmt(f),
        }
    }
}

impl std::error::Error for Failure {}

/// The completion of a request.
pub type Reply = Result<Done, Failure>;
