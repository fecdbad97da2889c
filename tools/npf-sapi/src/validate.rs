//! The checks made before a request is sent: the codes each function's section lists as
//! synchronous (erratum E-SYNC) — duplicated handles, IDs and selectors, unsupported rule
//! flags — and malformed argument counts. A request that fails them is never sent.

use std::collections::HashSet;
use std::hash::Hash;

use crate::abi;
use crate::error::{NpfError, SyncError};
use crate::model::Selector;
use crate::request::Request;

fn has_duplicates<T: Eq + Hash>(items: impl IntoIterator<Item = T>) -> bool {
    let mut seen = HashSet::new();
    items.into_iter().any(|x| !seen.insert(x))
}

fn no_dup<T: Eq + Hash>(items: impl IntoIterator<Item = T>, e: NpfError) -> Result<(), SyncError> {
    if has_duplicates(items) {
        Err(SyncError::Ipsec(e))
    } else {
        Ok(())
    }
}

fn selectors(sel: &[Selector]) -> Result<(), SyncError> {
    let known = abi::NPF_IPSEC_SELECTORRULEFLAG_NOT_SET | abi::NPF_IPSEC_SELECTORRULEFLAG_AND_SET;
    if sel.iter().any(|s| s.rule_flags & !known != 0) {
        return Err(NpfError::SelectorRuleflagUnsupported.into());
    }
    no_dup(sel.iter(), NpfError::DuplicateSelector)
}

fn not_empty<T>(items: &[T]) -> Result<(), SyncError> {
    if items.is_empty() {
        Err(SyncError::Unknown)
    } else {
        Ok(())
    }
}

/// Checks `request` as its function's section says; `Ok` means it may be sent.
pub fn check(request: &Request) -> Result<(), SyncError> {
    match request {
        Request::RateLimitEvents(limits) => {
            not_empty(limits)?;
            no_dup(limits.iter().map(|l| l.event), NpfError::DuplicateEventId)
        }
        Request::SpdCreate { ifs, .. } | Request::SpdBind { ifs, .. } => {
            no_dup(ifs.iter(), NpfError::DuplicateIfHandle)
        }
        Request::SpdUnbind { ifs, .. } => {
            not_empty(ifs)?;
            no_dup(ifs.iter(), NpfError::DuplicateIfHandle)
        }
        Request::SpdDestroy(spds) | Request::SpdFlush(spds) => {
            no_dup(spds.iter(), NpfError::DuplicateSpdHandle)
        }
        Request::PolicyCreate { policy, spds, .. } => {
            no_dup(spds.iter().map(|(s, _)| s), NpfError::DuplicateSpdHandle)?;
            selectors(&policy.selectors)
        }
        Request::PolicyBatchCreate { policies, .. } => {
            not_empty(policies)?;
            for (p, _) in policies {
                selectors(&p.selectors)?;
            }
            Ok(())
        }
        Request::PolicyBatchDestroy(policies) => {
            not_empty(policies)?;
            no_dup(policies.iter(), NpfError::DuplicatePolicyHandle)
        }
        Request::PolicyBind { spds, .. } => {
            no_dup(spds.iter().map(|(s, _)| s), NpfError::DuplicateSpdHandle)
        }
        Request::PolicyUnbind { spds, .. } => {
            not_empty(spds)?;
            no_dup(spds.iter(), NpfError::DuplicateSpdHandle)
        }
        Request::PolicyBatchBind { policies, .. } => {
            not_empty(policies)?;
            no_dup(
                policies.iter().map(|(p, _)| p),
                NpfError::DuplicatePolicyHandle,
            )
        }
        Request::PolicyBatchUnbind { policies, spd } => {
            not_empty(policies)?;
            if *spd == crate::model::SpdHandle::INVALID {
                return Err(SyncError::Unknown);
            }
            no_dup(policies.iter(), NpfError::DuplicatePolicyHandle)
        }
        Request::SaAdd(add) => {
            not_empty(&add.sas)?;
            selectors(&add.selectors)
        }
        Request::ReserveSpi { selectors: sel, .. } => selectors(sel),
        Request::PolicyDestroy(_)
        | Request::PolicyChangePriority { .. }
        | Request::SaRemove { .. }
        | Request::ReleaseSpi { .. }
        | Request::PolicyGetStats { .. }
        | Request::SaGetStats { .. }
        | Request::QueryAllSpds
        | Request::QueryAllSpdBindings(_)
        | Request::QueryAllPolicies(_)
        | Request::QueryAllPolicyBindings(_)
        | Request::QueryAllSas(_)
        | Request::QueryPolicyData(_)
        | Request::QuerySaData(_)
        | Request::QuerySpdHandle(_)
        | Request::QueryPolicyHandle(_)
        | Request::QuerySaHandle { .. } => Ok(()),
    }
}
