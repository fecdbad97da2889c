//! The control plane: its tables, the attached interfaces, the clock, and the records every
//! operation works on. The operations themselves are in `spd`, `policy`, `sa`, `spi`, `query`,
//! `lookup` and `lifetime`.

use alloc::vec::Vec;

use crate::config::Limits;
use crate::datapath::SaStore;
use crate::error::PlaneError;
use crate::events::{Event, EventQueue};
use crate::slab::Slab;
use crate::stats::{DatapathCounters, GlobalStats, PolicyStats};
use crate::types::{
    Action, Direction, IfHandle, Interface, PolicyHandle, PolicyId, Priority, SaHandle, SaId,
    SaParams, Selector, SpdHandle, SpdId, UdpPorts,
};

/// Copies a slice into a new vector, fallibly.
pub(crate) fn try_vec<T: Clone>(items: &[T]) -> Result<Vec<T>, PlaneError> {
    let mut v = Vec::new();
    v.try_reserve_exact(items.len())?;
    v.extend_from_slice(items);
    Ok(v)
}

/// True when `items` holds a value twice.
pub(crate) fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, a)| items.iter().skip(i + 1).any(|b| b == a))
}

/// What an SPD is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IfBinding {
    /// All interfaces, now and future (global for life).
    All,
    /// These interfaces (never empty).
    Some(Vec<IfHandle>),
}

#[derive(Debug)]
pub(crate) struct SpdRec {
    pub(crate) id: SpdId,
    pub(crate) direction: Direction,
    pub(crate) binding: IfBinding,
}

/// What a policy is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SpdBinding {
    /// All SPDs of the policy's direction (global for life), at this priority.
    All(Priority),
    /// These SPDs at these priorities (never empty).
    Some(Vec<(SpdHandle, Priority)>),
}

#[derive(Debug)]
pub(crate) struct PolicyRec {
    pub(crate) id: PolicyId,
    pub(crate) action: Action,
    pub(crate) direction: Direction,
    pub(crate) selectors: Vec<Selector>,
    pub(crate) binding: SpdBinding,
    /// Insertion order: ties of priority keep it.
    pub(crate) order: u64,
    pub(crate) stats: PolicyStats,
}

/// What the control plane remembers of one SA of a bundle: its parameters without the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaMeta {
    /// The parameters as added, with empty key slices (keys live only in the datapath).
    pub params: SaParams<'static>,
}

#[derive(Debug)]
pub(crate) struct SaRec {
    pub(crate) id: SaId,
    pub(crate) policy: PolicyHandle,
    pub(crate) direction: Direction,
    pub(crate) sas: Vec<SaMeta>,
    pub(crate) udp: UdpPorts,
    pub(crate) selectors: Vec<Selector>,
    /// The datapath's OffloadHandle.
    pub(crate) offload: u64,
    pub(crate) added_at: u64,
    pub(crate) acquire_context: u32,
    /// Counters at the last statistics reset.
    pub(crate) base: DatapathCounters,
    pub(crate) exceptions: u32,
    pub(crate) selector_errors: u32,
    /// Replayed packets the datapath reported on this SA.
    pub(crate) replay_errors: u32,
    /// Decryption failures the datapath reported on this SA.
    pub(crate) decrypt_errors: u32,
    pub(crate) soft_kb_done: bool,
    pub(crate) soft_secs_done: bool,
    /// Replaced by a rekey: removed at this time (inbound grace period).
    pub(crate) retire_at: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReservedSpi {
    pub(crate) spi: u32,
    pub(crate) policy: PolicyHandle,
}

/// The NPF IPsec SAPI semantics over one datapath SA store.
#[derive(Debug)]
pub struct ControlPlane<S> {
    pub(crate) store: S,
    pub(crate) limits: Limits,
    pub(crate) interfaces: Vec<Interface>,
    pub(crate) spds: Slab<SpdRec>,
    pub(crate) policies: Slab<PolicyRec>,
    pub(crate) sas: Slab<SaRec>,
    pub(crate) spis: Vec<ReservedSpi>,
    pub(crate) events: EventQueue,
    pub(crate) now: u64,
    pub(crate) next_order: u64,
    pub(crate) next_spi: u32,
    pub(crate) global: GlobalStats,
}

impl<S: SaStore> ControlPlane<S> {
    /// A control plane over `store` (the datapath's SA table), every table's storage reserved
    /// now; `NPF_IPSEC_E_NOMEMORY` if that fails.
    pub fn new(store: S, limits: Limits) -> Result<Self, PlaneError> {
        let mut interfaces = Vec::new();
        interfaces.try_reserve_exact(limits.interfaces)?;
        let mut spis = Vec::new();
        spis.try_reserve_exact(limits.reserved_spis)?;
        Ok(Self {
            store,
            limits,
            interfaces,
            spds: Slab::new(limits.spds)?,
            policies: Slab::new(limits.policies)?,
            sas: Slab::new(limits.sas)?,
            spis,
            events: EventQueue::new(limits.events)?,
            now: 0,
            next_order: 0,
            next_spi: 0x100,
            global: GlobalStats::default(),
        })
    }

    /// The datapath store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The configured maxima.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The current time in seconds, as last given to [`Self::tick`].
    pub fn now(&self) -> u64 {
        self.now
    }

    /// An adapter the filter attached to: SPDs may now bind to it (`NPF_IfHandle_t` = its
    /// interface index). `NPF_IPSEC_E_DUPLICATE_IF_HANDLE` if known, `NPF_IPSEC_E_NOMEMORY` at
    /// the maximum.
    pub fn attach_interface(&mut self, iface: Interface) -> Result<(), PlaneError> {
        if self
            .interfaces
            .iter()
            .any(|i| i.index == iface.index || i.luid == iface.luid)
        {
            return Err(PlaneError::DuplicateIfHandle);
        }
        if self.interfaces.len() >= self.limits.interfaces {
            return Err(PlaneError::NoMemory);
        }
        self.interfaces.try_reserve(1)?;
        self.interfaces.push(iface);
        Ok(())
    }

    /// The adapter went away: it leaves every explicit SPD binding (an SPD whose last interface
    /// it was keeps an empty binding until bound again or destroyed).
    pub fn detach_interface(&mut self, index: IfHandle) -> Result<(), PlaneError> {
        let pos = self
            .interfaces
            .iter()
            .position(|i| i.index == index)
            .ok_or(PlaneError::InvalidIfHandle)?;
        self.interfaces.swap_remove(pos);
        for (_, spd) in self.spds.iter_mut() {
            if let IfBinding::Some(list) = &mut spd.binding {
                list.retain(|i| *i != index);
            }
        }
        Ok(())
    }

    /// The attached interfaces.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// The interface index of the adapter with this NET_LUID.
    pub fn interface_by_luid(&self, luid: u64) -> Option<IfHandle> {
        self.interfaces
            .iter()
            .find(|i| i.luid == luid)
            .map(|i| i.index)
    }

    pub(crate) fn interface_known(&self, index: IfHandle) -> bool {
        self.interfaces.iter().any(|i| i.index == index)
    }

    /// Takes the oldest event waiting for delivery.
    pub fn pop_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    /// The event queue (mask, limits, counters).
    pub fn events(&self) -> &EventQueue {
        &self.events
    }

    /// The event queue, to set its mask and limits.
    pub fn events_mut(&mut self) -> &mut EventQueue {
        &mut self.events
    }

    pub(crate) fn spd(&self, h: SpdHandle) -> Result<&SpdRec, PlaneError> {
        self.spds.get(h.0).ok_or(PlaneError::InvalidSpdHandle)
    }

    pub(crate) fn policy(&self, h: PolicyHandle) -> Result<&PolicyRec, PlaneError> {
        self.policies
            .get(h.0)
            .ok_or(PlaneError::InvalidPolicyHandle)
    }

    pub(crate) fn sa_of(&self, policy: PolicyHandle, h: SaHandle) -> Result<&SaRec, PlaneError> {
        self.policy(policy)?;
        match self.sas.get(h.0) {
            Some(sa) if sa.policy == policy => Ok(sa),
            _ => Err(PlaneError::InvalidSaHandle),
        }
    }
}
