//! The idiomatic Rust face: a blocking client with one typed method per function of section
//! 6.6. Each method checks what the function's section checks synchronously, runs the request
//! on the transport and returns the completion's data or the agreement's error.

use crate::error::{NpfError, SyncError, TransportError};
use crate::model::{
    Direction, Event, EventLimit, IfHandle, Policy, PolicyHandle, PolicyId, PolicyIdentity,
    PolicyStats, SaAdd, SaBundleStats, SaData, SaHandle, SaId, SaIdentity, Selector, SpdBindings,
    SpdHandle, SpdId, SpdIdentity,
};
use crate::request::{Done, Failure, Request};
use crate::transport::Transport;
use crate::validate;

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// Refused before it was sent (the function's synchronous return codes).
    Sync(SyncError),
    /// Completed with an error (the function's asynchronous return codes); nothing changed.
    Failed(Failure),
    /// The transport could not carry it.
    Transport(TransportError),
    /// The completion did not carry what this function completes with.
    Unexpected,
}

impl CallError {
    /// The agreement's error code, when the call was refused with one of the 600-based codes.
    #[must_use]
    pub fn npf(&self) -> Option<NpfError> {
        match self {
            Self::Sync(SyncError::Ipsec(e)) => Some(*e),
            Self::Failed(f) => Some(f.error),
            _ => None,
        }
    }
}

impl core::fmt::Display for CallError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Sync(e) => write!(f, "refused: {e}"),
            Self::Failed(e) => write!(f, "failed: {e}"),
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::Unexpected => f.write_str("unexpected completion"),
        }
    }
}

impl std::error::Error for CallError {}

/// The result of a call.
pub type CallResult<T> = Result<T, CallError>;

/// A blocking NPF IPsec client over a transport.
#[derive(Debug)]
pub struct Client<T> {
    transport: T,
}

macro_rules! expect {
    ($done:expr, $pat:pat => $out:expr) => {
        match $done {
            $pat => Ok($out),
            _ => Err(CallError::Unexpected),
        }
    };
}

impl<T: Transport> Client<T> {
    /// A client over `transport`.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// The transport.
    pub fn transport(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Runs any request (checked as its function's section says).
    pub fn call(&mut self, request: &Request) -> CallResult<Done> {
        validate::check(request).map_err(CallError::Sync)?;
        self.transport
            .execute(request)
            .map_err(CallError::Transport)?
            .map_err(CallError::Failed)
    }

    fn unit(&mut self, request: &Request) -> CallResult<()> {
        expect!(self.call(request)?, Done::Unit | Done::Spds(_) => ())
    }

    /// `NPF_IPSecRateLimitEvents`.
    pub fn rate_limit_events(&mut self, limits: &[EventLimit]) -> CallResult<()> {
        self.unit(&Request::RateLimitEvents(limits.to_vec()))
    }

    /// `NPF_IPSecSPD_Create`; no interfaces = all interfaces, for life.
    pub fn spd_create(
        &mut self,
        direction: Direction,
        ifs: &[IfHandle],
        id: SpdId,
    ) -> CallResult<SpdHandle> {
        let r = Request::SpdCreate {
            direction,
            ifs: ifs.to_vec(),
            id,
        };
        expect!(self.call(&r)?, Done::Spd(h) => h)
    }

    /// `NPF_IPSecSPD_Destroy`; no handles = every SPD.
    pub fn spd_destroy(&mut self, spds: &[SpdHandle]) -> CallResult<()> {
        self.unit(&Request::SpdDestroy(spds.to_vec()))
    }

    /// `NPF_IPSecSPD_Bind`.
    pub fn spd_bind(&mut self, spd: SpdHandle, ifs: &[IfHandle]) -> CallResult<()> {
        self.unit(&Request::SpdBind {
            spd,
            ifs: ifs.to_vec(),
        })
    }

    /// `NPF_IPSecSPD_UnBind`.
    pub fn spd_unbind(&mut self, spd: SpdHandle, ifs: &[IfHandle]) -> CallResult<()> {
        self.unit(&Request::SpdUnbind {
            spd,
            ifs: ifs.to_vec(),
        })
    }

    /// `NPF_IPSecSPD_Flush`; no handles = every SPD.
    pub fn spd_flush(&mut self, spds: &[SpdHandle]) -> CallResult<()> {
        self.unit(&Request::SpdFlush(spds.to_vec()))
    }

    /// `NPF_IPSecPolicy_Create`: `spds` with the policy's priority in each; none = all SPDs of
    /// `direction`.
    pub fn policy_create(
        &mut self,
        policy: &Policy,
        spds: &[(SpdHandle, u32)],
        direction: Direction,
    ) -> CallResult<PolicyHandle> {
        let r = Request::PolicyCreate {
            policy: policy.clone(),
            spds: spds.to_vec(),
            direction,
        };
        expect!(self.call(&r)?, Done::Policy(h) => h)
    }

    /// `NPF_IPSecPolicy_Destroy`.
    pub fn policy_destroy(&mut self, policy: PolicyHandle) -> CallResult<()> {
        self.unit(&Request::PolicyDestroy(policy))
    }

    /// `NPF_IPSecPolicy_BatchCreate` (all or nothing).
    pub fn policy_batch_create(
        &mut self,
        policies: &[(Policy, u32)],
        spd: SpdHandle,
        direction: Direction,
    ) -> CallResult<Vec<PolicyHandle>> {
        let r = Request::PolicyBatchCreate {
            policies: policies.to_vec(),
            spd,
            direction,
        };
        expect!(self.call(&r)?, Done::PolicyHandles(h) => h)
    }

    /// `NPF_IPSecPolicy_BatchDestroy` (all or nothing).
    pub fn policy_batch_destroy(&mut self, policies: &[PolicyHandle]) -> CallResult<()> {
        self.unit(&Request::PolicyBatchDestroy(policies.to_vec()))
    }

    /// `NPF_IPSecPolicy_Bind`; no SPDs = all SPDs of the policy's direction.
    pub fn policy_bind(
        &mut self,
        policy: PolicyHandle,
        spds: &[(SpdHandle, u32)],
    ) -> CallResult<()> {
        self.unit(&Request::PolicyBind {
            policy,
            spds: spds.to_vec(),
        })
    }

    /// `NPF_IPSecPolicy_UnBind`.
    pub fn policy_unbind(&mut self, policy: PolicyHandle, spds: &[SpdHandle]) -> CallResult<()> {
        self.unit(&Request::PolicyUnbind {
            policy,
            spds: spds.to_vec(),
        })
    }

    /// `NPF_IPSecPolicy_BatchBind` (all or nothing).
    pub fn policy_batch_bind(
        &mut self,
        policies: &[(PolicyHandle, u32)],
        spd: SpdHandle,
        direction: Direction,
    ) -> CallResult<()> {
        self.unit(&Request::PolicyBatchBind {
            policies: policies.to_vec(),
            spd,
            direction,
        })
    }

    /// `NPF_IPSecPolicy_BatchUnBind` (all or nothing).
    pub fn policy_batch_unbind(
        &mut self,
        policies: &[PolicyHandle],
        spd: SpdHandle,
    ) -> CallResult<()> {
        self.unit(&Request::PolicyBatchUnbind {
            policies: policies.to_vec(),
            spd,
        })
    }

    /// `NPF_IPSecPolicy_ChangePriority`.
    pub fn policy_change_priority(
        &mut self,
        spd: SpdHandle,
        policy: PolicyHandle,
        priority: u32,
    ) -> CallResult<()> {
        self.unit(&Request::PolicyChangePriority {
            spd,
            policy,
            priority,
        })
    }

    /// `NPF_IPSecSA_Add`.
    pub fn sa_add(&mut self, add: &SaAdd) -> CallResult<SaHandle> {
        expect!(self.call(&Request::SaAdd(add.clone()))?, Done::Sa(h) => h)
    }

    /// `NPF_IPSecSA_Remove`.
    pub fn sa_remove(&mut self, policy: PolicyHandle, sa: SaHandle) -> CallResult<()> {
        self.unit(&Request::SaRemove { policy, sa })
    }

    /// `NPF_IPSecInSA_ReserveSPI`.
    pub fn reserve_spi(&mut self, policy: PolicyHandle, selectors: &[Selector]) -> CallResult<u32> {
        let r = Request::ReserveSpi {
            policy,
            selectors: selectors.to_vec(),
        };
        expect!(self.call(&r)?, Done::Spi(s) => s)
    }

    /// `NPF_IPSecInSA_ReleaseSPI`.
    pub fn release_spi(&mut self, policy: PolicyHandle, spi: u32) -> CallResult<()> {
        self.unit(&Request::ReleaseSpi { policy, spi })
    }

    /// `NPF_IPSecPolicy_GetStats`.
    pub fn policy_get_stats(
        &mut self,
        policy: PolicyHandle,
        reset: bool,
    ) -> CallResult<PolicyStats> {
        expect!(self.call(&Request::PolicyGetStats { policy, reset })?, Done::PolicyStats(s) => s)
    }

    /// `NPF_IPSecSA_GetStats`.
    pub fn sa_get_stats(
        &mut self,
        policy: PolicyHandle,
        sa: SaHandle,
        reset: bool,
    ) -> CallResult<SaBundleStats> {
        expect!(self.call(&Request::SaGetStats { policy, sa, reset })?, Done::SaStats(s) => s)
    }

    /// `NPF_IPSecQuery_AllSPDs`.
    pub fn query_all_spds(&mut self) -> CallResult<Vec<SpdIdentity>> {
        expect!(self.call(&Request::QueryAllSpds)?, Done::SpdIdentities(v) => v)
    }

    /// `NPF_IPSecQuery_AllSPDBindings`.
    pub fn query_all_spd_bindings(&mut self, spd: SpdHandle) -> CallResult<SpdBindings> {
        expect!(self.call(&Request::QueryAllSpdBindings(spd))?, Done::SpdBindings(b) => b)
    }

    /// `NPF_IPSecQuery_AllPolicies`.
    pub fn query_all_policies(&mut self, spd: SpdHandle) -> CallResult<Vec<PolicyIdentity>> {
        expect!(self.call(&Request::QueryAllPolicies(spd))?, Done::PolicyIdentities(v) => v)
    }

    /// `NPF_IPSecQuery_AllPolicyBindings`.
    pub fn query_all_policy_bindings(
        &mut self,
        policy: PolicyHandle,
    ) -> CallResult<Vec<SpdIdentity>> {
        expect!(self.call(&Request::QueryAllPolicyBindings(policy))?, Done::SpdIdentities(v) => v)
    }

    /// `NPF_IPSecQuery_AllSAs`.
    pub fn query_all_sas(&mut self, spd: SpdHandle) -> CallResult<Vec<SaIdentity>> {
        expect!(self.call(&Request::QueryAllSas(spd))?, Done::SaIdentities(v) => v)
    }

    /// `NPF_IPSecQuery_PolicyData`.
    pub fn query_policy_data(&mut self, policy: PolicyHandle) -> CallResult<Policy> {
        expect!(self.call(&Request::QueryPolicyData(policy))?, Done::PolicyData(p) => p)
    }

    /// `NPF_IPSecQuery_SAData`.
    pub fn query_sa_data(&mut self, sa: SaHandle) -> CallResult<SaData> {
        expect!(self.call(&Request::QuerySaData(sa))?, Done::SaData(d) => d)
    }

    /// `NPF_IPSecQuery_SPDHandle`: unknown IDs come back with `SpdHandle::INVALID`.
    pub fn query_spd_handle(&mut self, ids: &[SpdId]) -> CallResult<Vec<SpdIdentity>> {
        expect!(self.call(&Request::QuerySpdHandle(ids.to_vec()))?, Done::SpdIdentities(v) => v)
    }

    /// `NPF_IPSecQuery_PolicyHandle`: unknown IDs come back with `PolicyHandle::INVALID`.
    pub fn query_policy_handle(&mut self, ids: &[PolicyId]) -> CallResult<Vec<PolicyIdentity>> {
        expect!(self.call(&Request::QueryPolicyHandle(ids.to_vec()))?, Done::PolicyIdentities(v) => v)
    }

    /// `NPF_IPSecQuery_SAHandle`: unknown IDs come back with `SaHandle::INVALID`.
    pub fn query_sa_handle(
        &mut self,
        policy: PolicyHandle,
        ids: &[SaId],
    ) -> CallResult<Vec<SaIdentity>> {
        let r = Request::QuerySaHandle {
            policy,
            ids: ids.to_vec(),
        };
        expect!(self.call(&r)?, Done::SaIdentities(v) => v)
    }

    /// Selects the events the control plane queues (`NPF_IPSecEventMask_t`).
    pub fn set_event_mask(&mut self, mask: u32) -> CallResult<()> {
        self.transport
            .set_event_mask(mask)
            .map_err(CallError::Transport)
    }

    /// The global view (`IPsecGetStatistics0`'s totals: active SAs, packets and bytes in and
    /// out, every drop reason).
    pub fn global_stats(&mut self) -> CallResult<crate::transport::GlobalStats> {
        self.transport.global_stats().map_err(CallError::Transport)
    }

    /// The events waiting, oldest first.
    pub fn poll_events(&mut self) -> CallResult<Vec<Event>> {
        let mut out = Vec::new();
        self.transport
            .poll_events(&mut out)
            .map_err(CallError::Transport)?;
        Ok(out)
    }
}
