//! Query functions (6.6.23-6.6.32): what the caller can ask to rebuild its view after a lost
//! callback. They borrow the control plane and never allocate.

use crate::datapath::SaStore;
use crate::error::PlaneError;
use crate::plane::{ControlPlane, IfBinding, SaMeta, SpdBinding};
use crate::types::{
    Action, Direction, IfHandle, PolicyHandle, PolicyId, Priority, SaHandle, SaId, Selector,
    SpdHandle, SpdId, UdpPorts,
};

/// `NPF_IPSecSPD_Identity_t` (5.1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpdIdentity {
    /// Caller's ID.
    pub id: SpdId,
    /// Our handle.
    pub handle: SpdHandle,
    /// Direction.
    pub direction: Direction,
}

/// An SPD's interface bindings (6.6.24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpdBindings<'a> {
    /// Bound to all interfaces.
    All,
    /// Bound to these.
    Interfaces(&'a [IfHandle]),
}

/// A policy's data (6.6.28).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyView<'a> {
    /// Caller's ID.
    pub id: PolicyId,
    /// Action.
    pub action: Action,
    /// Direction.
    pub direction: Direction,
    /// Selectors.
    pub selectors: &'a [Selector],
    /// Bound to all SPDs of its direction at this priority (None: explicit bindings).
    pub global_priority: Option<Priority>,
}

/// An SA bundle's data (6.6.29), keys left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaView<'a> {
    /// Caller's ID.
    pub id: SaId,
    /// Its policy.
    pub policy: PolicyHandle,
    /// Direction.
    pub direction: Direction,
    /// The SAs of the bundle (key slices empty).
    pub sas: &'a [SaMeta],
    /// UDP encapsulation.
    pub udp: UdpPorts,
    /// Selectors.
    pub selectors: &'a [Selector],
    /// The datapath's OffloadHandle.
    pub offload: u64,
    /// Being retired after a rekey.
    pub retiring: bool,
    /// The acquire context it was added with (0 = not from an acquire).
    pub acquire_context: u32,
}

impl<S: SaStore> ControlPlane<S> {
    /// `NPF_IPSecQuery_AllSPDs` (6.6.23).
    pub fn query_spds(&self) -> impl Iterator<Item = SpdIdentity> + '_ {
        self.spds.iter().map(|(h, s)| SpdIdentity {
            id: s.id,
            handle: SpdHandle(h),
            direction: s.direction,
        })
    }

    /// `NPF_IPSecQuery_AllSPDBindings` (6.6.24).
    pub fn query_spd_bindings(&self, spd: SpdHandle) -> Result<SpdBindings<'_>, PlaneError> {
        Ok(match &self.spd(spd)?.binding {
            IfBinding::All => SpdBindings::All,
            IfBinding::Some(list) => SpdBindings::Interfaces(list),
        })
    }

    /// True when `policy` is consulted by `spd` (explicitly or as a global policy), with its
    /// priority there.
    pub(crate) fn priority_in(&self, policy: PolicyHandle, spd: SpdHandle) -> Option<Priority> {
        let p = self.policies.get(policy.0)?;
        let s = self.spds.get(spd.0)?;
        match &p.binding {
            SpdBinding::All(prio) => (p.direction == s.direction).then_some(*prio),
            SpdBinding::Some(list) => list.iter().find(|(h, _)| *h == spd).map(|(_, prio)| *prio),
        }
    }

    /// `NPF_IPSecQuery_AllPolicies` (6.6.25): (ID, handle) of every policy the SPD consults.
    pub fn query_policies(
        &self,
        spd: SpdHandle,
    ) -> Result<impl Iterator<Item = (PolicyId, PolicyHandle)> + '_, PlaneError> {
        self.spd(spd)?;
        Ok(self
            .policies
            .iter()
            .filter(move |(h, _)| self.priority_in(PolicyHandle(*h), spd).is_some())
            .map(|(h, p)| (p.id, PolicyHandle(h))))
    }

    /// `NPF_IPSecQuery_AllPolicyBindings` (6.6.26): the SPDs consulting the policy.
    pub fn query_policy_bindings(
        &self,
        policy: PolicyHandle,
    ) -> Result<impl Iterator<Item = SpdIdentity> + '_, PlaneError> {
        self.policy(policy)?;
        Ok(self
            .query_spds()
            .filter(move |s| self.priority_in(policy, s.handle).is_some()))
    }

    /// `NPF_IPSecQuery_AllSAs` (6.6.27): (ID, handle) of the SAs of every policy the SPD
    /// consults.
    pub fn query_sas(
        &self,
        spd: SpdHandle,
    ) -> Result<impl Iterator<Item = (SaId, SaHandle)> + '_, PlaneError> {
        self.spd(spd)?;
        Ok(self
            .sas
            .iter()
            .filter(move |(_, sa)| self.priority_in(sa.policy, spd).is_some())
            .map(|(h, sa)| (sa.id, SaHandle(h))))
    }

    /// `NPF_IPSecQuery_PolicyData` (6.6.28).
    pub fn query_policy_data(&self, policy: PolicyHandle) -> Result<PolicyView<'_>, PlaneError> {
        let p = self.policy(policy)?;
        Ok(PolicyView {
            id: p.id,
            action: p.action,
            direction: p.direction,
            selectors: &p.selectors,
            global_priority: match p.binding {
                SpdBinding::All(prio) => Some(prio),
                SpdBinding::Some(_) => None,
            },
        })
    }

    /// `NPF_IPSecQuery_SAData` (6.6.29).
    pub fn query_sa_data(&self, sa: SaHandle) -> Result<SaView<'_>, PlaneError> {
        let r = self.sas.get(sa.0).ok_or(PlaneError::InvalidSaHandle)?;
        Ok(SaView {
            id: r.id,
            policy: r.policy,
            direction: r.direction,
            sas: &r.sas,
            udp: r.udp,
            selectors: &r.selectors,
            offload: r.offload,
            retiring: r.retire_at.is_some(),
            acquire_context: r.acquire_context,
        })
    }

    /// `NPF_IPSecQuery_SPDHandle` (6.6.30), one ID: `NPF_IPSEC_E_INVALID_SPD_ID` if unknown.
    pub fn query_spd_handle(&self, id: SpdId) -> Result<SpdIdentity, PlaneError> {
        self.query_spds()
            .find(|s| s.id == id)
            .ok_or(PlaneError::InvalidSpdId)
    }

    /// `NPF_IPSecQuery_PolicyHandle` (6.6.31), one ID.
    pub fn query_policy_handle(&self, id: PolicyId) -> Result<PolicyHandle, PlaneError> {
        self.policies
            .iter()
            .find(|(_, p)| p.id == id)
            .map(|(h, _)| PolicyHandle(h))
            .ok_or(PlaneError::InvalidPolicyId)
    }

    /// `NPF_IPSecQuery_SAHandle` (6.6.32), one ID within a policy.
    pub fn query_sa_handle(&self, policy: PolicyHandle, id: SaId) -> Result<SaHandle, PlaneError> {
        self.policy(policy)?;
        self.sas
            .iter()
            .find(|(_, sa)| sa.policy == policy && sa.id == id)
            .map(|(h, _)| SaHandle(h))
            .ok_or(PlaneError::InvalidSaId)
    }
}
