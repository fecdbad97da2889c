//! Policy functions (6.6.7-6.6.15): create, destroy, batch create and destroy, bind, unbind,
//! batch bind and unbind, change priority.

use alloc::vec::Vec;

use crate::datapath::SaStore;
use crate::error::PlaneError;
use crate::events::EventKind;
use crate::plane::{has_duplicates, try_vec, ControlPlane, PolicyRec, SpdBinding};
use crate::selector;
use crate::stats::PolicyStats;
use crate::types::{Action, Direction, PolicyHandle, PolicyId, Priority, Selector, SpdHandle};

/// A policy as the caller gives it (`NPF_IPSecPolicy_t`, 5.1.30).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicySpec<'a> {
    /// Caller's policy ID.
    pub id: PolicyId,
    /// Action.
    pub action: Action,
    /// Selectors (at least one).
    pub selectors: &'a [Selector],
}

/// A batch call refused: which element (0-based) and why. Nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchFailure {
    /// The element that failed (0 when the failure is not about one element).
    pub index: u32,
    /// Why.
    pub error: PlaneError,
}

impl BatchFailure {
    fn at(index: usize, error: PlaneError) -> Self {
        Self {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            error,
        }
    }
}

impl From<PlaneError> for BatchFailure {
    fn from(error: PlaneError) -> Self {
        Self { index: 0, error }
    }
}

impl<S: SaStore> ControlPlane<S> {
    fn check_spec(&self, spec: &PolicySpec<'_>) -> Result<(), PlaneError> {
        selector::validate_all(spec.selectors)?;
        if spec.selectors.len() > self.limits.selectors {
            return Err(PlaneError::NoMemory);
        }
        if self.policies.iter().any(|(_, p)| p.id == spec.id) {
            return Err(PlaneError::PolicyIdAlreadyRegistered);
        }
        Ok(())
    }

    /// The common direction of `spds`, all valid.
    fn spds_direction(&self, spds: &[SpdHandle]) -> Result<Option<Direction>, PlaneError> {
        let mut dir = None;
        for h in spds {
            let d = self.spd(*h)?.direction;
            if dir.is_some_and(|x| x != d) {
                return Err(PlaneError::InvalidSpdHandle);
            }
            dir = Some(d);
        }
        Ok(dir)
    }

    fn new_order(&mut self) -> u64 {
        self.next_order = self.next_order.wrapping_add(1);
        self.next_order
    }

    /// `NPF_IPSecPolicy_Create` (6.6.7): one policy bound to `spds` at `priorities` (one each);
    /// `spds` empty = all SPDs of `direction` for life, at `priorities[0]` (or 0).
    pub fn policy_create(
        &mut self,
        spec: &PolicySpec<'_>,
        spds: &[SpdHandle],
        priorities: &[Priority],
        direction: Direction,
    ) -> Result<PolicyHandle, PlaneError> {
        if has_duplicates(spds) {
            return Err(PlaneError::DuplicateSpdHandle);
        }
        self.check_spec(spec)?;
        let dir = self.spds_direction(spds)?.unwrap_or(direction);
        let binding = if spds.is_empty() {
            if priorities.len() > 1 {
                return Err(PlaneError::InvalidPolicyPriority);
            }
            SpdBinding::All(priorities.first().copied().unwrap_or(0))
        } else {
            if priorities.len() != spds.len() {
                return Err(PlaneError::InvalidPolicyPriority);
            }
            if spds.len() > self.limits.bindings_per_policy {
                return Err(PlaneError::NoMemory);
            }
            let mut list = Vec::new();
            list.try_reserve_exact(spds.len())?;
            list.extend(spds.iter().copied().zip(priorities.iter().copied()));
            SpdBinding::Some(list)
        };
        if !self.policies.has_room(1) {
            return Err(PlaneError::NoMemory);
        }
        let selectors = try_vec(spec.selectors)?;
        let order = self.new_order();
        let h = self.policies.insert(PolicyRec {
            id: spec.id,
            action: spec.action,
            direction: dir,
            selectors,
            binding,
            order,
            stats: PolicyStats::default(),
        })?;
        Ok(PolicyHandle(h))
    }

    /// `NPF_IPSecPolicy_Destroy` (6.6.8): removes the policy from all SPDs with its SAs (which
    /// raise `NPF_IPSEC_SA_PURGED`) and its reserved SPIs.
    pub fn policy_destroy(&mut self, policy: PolicyHandle) -> Result<(), PlaneError> {
        self.policy(policy)?;
        self.remove_policy(policy);
        Ok(())
    }

    /// Removes a policy known to exist, its SAs and its reserved SPIs.
    pub(crate) fn remove_policy(&mut self, policy: PolicyHandle) {
        loop {
            let next = self
                .sas
                .iter()
                .find(|(_, sa)| sa.policy == policy)
                .map(|(h, _)| h);
            let Some(h) = next else { break };
            self.remove_sa(h, Some(EventKind::SaPurged));
        }
        self.spis.retain(|r| r.policy != policy);
        self.policies.remove(policy.0);
    }

    /// `NPF_IPSecPolicy_BatchCreate` (6.6.9): policies bound to one SPD (`SpdHandle::INVALID` =
    /// all SPDs of `direction`), one priority each; all or nothing.
    pub fn policy_batch_create(
        &mut self,
        specs: &[PolicySpec<'_>],
        spd: SpdHandle,
        direction: Direction,
        priorities: &[Priority],
    ) -> Result<Vec<PolicyHandle>, BatchFailure> {
        if priorities.len() != specs.len() {
            return Err(PlaneError::InvalidPolicyPriority.into());
        }
        let dir = if spd.is_invalid() {
            direction
        } else {
            self.spd(spd)?.direction
        };
        if specs.len() > self.limits.batch || !self.policies.has_room(specs.len()) {
            return Err(PlaneError::NoMemory.into());
        }
        for (i, spec) in specs.iter().enumerate() {
            self.check_spec(spec).map_err(|e| BatchFailure::at(i, e))?;
            if specs.iter().take(i).any(|s| s.id == spec.id) {
                return Err(BatchFailure::at(i, PlaneError::DuplicatePolicyId));
            }
        }
        // Everything that allocates, before anything changes.
        let mut prepared = Vec::new();
        prepared
            .try_reserve_exact(specs.len())
            .map_err(PlaneError::from)?;
        for (spec, prio) in specs.iter().zip(priorities) {
            let binding = if spd.is_invalid() {
                SpdBinding::All(*prio)
            } else {
                let mut list = Vec::new();
                list.try_reserve_exact(1).map_err(PlaneError::from)?;
                list.push((spd, *prio));
                SpdBinding::Some(list)
            };
            prepared.push((try_vec(spec.selectors)?, binding));
        }
        let mut handles = Vec::new();
        handles
            .try_reserve_exact(specs.len())
            .map_err(PlaneError::from)?;
        for (i, (spec, (selectors, binding))) in specs.iter().zip(prepared).enumerate() {
            let order = self.new_order();
            match self.policies.insert(PolicyRec {
                id: spec.id,
                action: spec.action,
                direction: dir,
                selectors,
                binding,
                order,
                stats: PolicyStats::default(),
            }) {
                Ok(h) => handles.push(PolicyHandle(h)),
                Err(e) => {
                    for h in &handles {
                        self.policies.remove(h.0);
                    }
                    return Err(BatchFailure::at(i, e));
                }
            }
        }
        Ok(handles)
    }

    fn check_policy_list(&self, policies: &[PolicyHandle]) -> Result<(), BatchFailure> {
        if let Some(i) = policies
            .iter()
            .enumerate()
            .position(|(i, p)| policies.iter().take(i).any(|q| q == p))
        {
            return Err(BatchFailure::at(i, PlaneError::DuplicatePolicyHandle));
        }
        for (i, p) in policies.iter().enumerate() {
            self.policy(*p).map_err(|e| BatchFailure::at(i, e))?;
        }
        Ok(())
    }

    /// `NPF_IPSecPolicy_BatchDestroy` (6.6.10): all or nothing.
    pub fn policy_batch_destroy(&mut self, policies: &[PolicyHandle]) -> Result<(), BatchFailure> {
        self.check_policy_list(policies)?;
        for p in policies {
            self.remove_policy(*p);
        }
        Ok(())
    }

    fn check_bind(
        &self,
        policy: PolicyHandle,
        spds: &[SpdHandle],
        priorities: &[Priority],
    ) -> Result<(), PlaneError> {
        if has_duplicates(spds) {
            return Err(PlaneError::DuplicateSpdHandle);
        }
        let rec = self.policy(policy)?;
        for h in spds {
            if self.spd(*h)?.direction != rec.direction {
                return Err(PlaneError::InvalidSpdHandle);
            }
        }
        let bound = match &rec.binding {
            SpdBinding::All(_) => return Err(PlaneError::BindBoundToAll),
            SpdBinding::Some(list) => list,
        };
        if spds.iter().any(|h| bound.iter().any(|(s, _)| s == h)) {
            return Err(PlaneError::BindAlreadyBound);
        }
        let want = if spds.is_empty() { 1 } else { spds.len() };
        if !(priorities.len() == spds.len() || spds.is_empty() && priorities.len() <= want) {
            return Err(PlaneError::InvalidPolicyPriority);
        }
        if bound.len().saturating_add(spds.len()) > self.limits.bindings_per_policy {
            return Err(PlaneError::NoMemory);
        }
        Ok(())
    }

    fn apply_bind(
        &mut self,
        policy: PolicyHandle,
        spds: &[SpdHandle],
        priorities: &[Priority],
    ) -> Result<(), PlaneError> {
        let rec = self
            .policies
            .get_mut(policy.0)
            .ok_or(PlaneError::InvalidPolicyHandle)?;
        if spds.is_empty() {
            rec.binding = SpdBinding::All(priorities.first().copied().unwrap_or(0));
        } else if let SpdBinding::Some(list) = &mut rec.binding {
            list.try_reserve(spds.len())?;
            list.extend(spds.iter().copied().zip(priorities.iter().copied()));
        }
        Ok(())
    }

    /// `NPF_IPSecPolicy_Bind` (6.6.11): adds SPD bindings (empty = all SPDs, for life).
    pub fn policy_bind(
        &mut self,
        policy: PolicyHandle,
        spds: &[SpdHandle],
        priorities: &[Priority],
    ) -> Result<(), PlaneError> {
        self.check_bind(policy, spds, priorities)?;
        self.apply_bind(policy, spds, priorities)
    }

    fn check_unbind(&self, policy: PolicyHandle, spds: &[SpdHandle]) -> Result<(), PlaneError> {
        if has_duplicates(spds) {
            return Err(PlaneError::DuplicateSpdHandle);
        }
        let rec = self.policy(policy)?;
        for h in spds {
            self.spd(*h)?;
        }
        let bound = match &rec.binding {
            SpdBinding::All(_) => return Err(PlaneError::UnbindBoundToAll),
            SpdBinding::Some(list) => list,
        };
        if spds.is_empty() {
            return Err(PlaneError::UnbindLastBinding);
        }
        if !spds.iter().all(|h| bound.iter().any(|(s, _)| s == h)) {
            return Err(PlaneError::InvalidSpdHandle);
        }
        if bound.iter().all(|(s, _)| spds.contains(s)) {
            return Err(PlaneError::UnbindLastBinding);
        }
        Ok(())
    }

    fn apply_unbind(&mut self, policy: PolicyHandle, spds: &[SpdHandle]) {
        if let Some(PolicyRec {
            binding: SpdBinding::Some(list),
            ..
        }) = self.policies.get_mut(policy.0)
        {
            list.retain(|(s, _)| !spds.contains(s));
        }
    }

    /// `NPF_IPSecPolicy_UnBind` (6.6.12): removes SPD bindings; never the last one.
    pub fn policy_unbind(
        &mut self,
        policy: PolicyHandle,
        spds: &[SpdHandle],
    ) -> Result<(), PlaneError> {
        self.check_unbind(policy, spds)?;
        self.apply_unbind(policy, spds);
        Ok(())
    }

    /// `NPF_IPSecPolicy_BatchBind` (6.6.13): binds each policy to one SPD (`INVALID` = all SPDs
    /// of `direction`) at its priority; all or nothing.
    pub fn policy_batch_bind(
        &mut self,
        policies: &[PolicyHandle],
        spd: SpdHandle,
        direction: Direction,
        priorities: &[Priority],
    ) -> Result<(), BatchFailure> {
        if priorities.len() != policies.len() {
            return Err(PlaneError::InvalidPolicyPriority.into());
        }
        self.check_policy_list(policies)?;
        let spd_list: &[SpdHandle] = if spd.is_invalid() {
            &[]
        } else {
            core::slice::from_ref(&spd)
        };
        for (i, (p, prio)) in policies.iter().zip(priorities).enumerate() {
            if spd.is_invalid() && self.policy(*p).map(|r| r.direction) != Ok(direction) {
                return Err(BatchFailure::at(i, PlaneError::InvalidPolicyHandle));
            }
            self.check_bind(*p, spd_list, core::slice::from_ref(prio))
                .map_err(|e| BatchFailure::at(i, e))?;
        }
        // Reserve every binding list first so that applying cannot fail half way.
        for (i, p) in policies.iter().enumerate() {
            if let Some(PolicyRec {
                binding: SpdBinding::Some(list),
                ..
            }) = self.policies.get_mut(p.0)
            {
                list.try_reserve(1)
                    .map_err(|e| BatchFailure::at(i, e.into()))?;
            }
        }
        for (i, (p, prio)) in policies.iter().zip(priorities).enumerate() {
            self.apply_bind(*p, spd_list, core::slice::from_ref(prio))
                .map_err(|e| BatchFailure::at(i, e))?;
        }
        Ok(())
    }

    /// `NPF_IPSecPolicy_BatchUnBind` (6.6.14): unbinds each policy from one SPD; all or
    /// nothing.
    pub fn policy_batch_unbind(
        &mut self,
        policies: &[PolicyHandle],
        spd: SpdHandle,
    ) -> Result<(), BatchFailure> {
        self.check_policy_list(policies)?;
        self.spd(spd)?;
        for (i, p) in policies.iter().enumerate() {
            self.check_unbind(*p, core::slice::from_ref(&spd))
                .map_err(|e| BatchFailure::at(i, e))?;
        }
        for p in policies {
            self.apply_unbind(*p, core::slice::from_ref(&spd));
        }
        Ok(())
    }

    /// `NPF_IPSecPolicy_ChangePriority` (6.6.15): the policy's priority in `spd` (for a policy
    /// bound to all SPDs, its one priority; `spd` may then be `INVALID`).
    pub fn policy_change_priority(
        &mut self,
        spd: SpdHandle,
        policy: PolicyHandle,
        priority: Priority,
    ) -> Result<(), PlaneError> {
        if !spd.is_invalid() {
            self.spd(spd)?;
        }
        let rec = self
            .policies
            .get_mut(policy.0)
            .ok_or(PlaneError::InvalidPolicyHandle)?;
        match &mut rec.binding {
            SpdBinding::All(p) => *p = priority,
            SpdBinding::Some(list) => {
                let entry = list
                    .iter_mut()
                    .find(|(s, _)| *s == spd)
                    .ok_or(PlaneError::InvalidSpdHandle)?;
                entry.1 = priority;
            }
        }
        Ok(())
    }
}
