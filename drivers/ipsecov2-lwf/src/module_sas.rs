//! The control plane's SA store in the driver: the SA tables of the attached filter modules.
//!
//! The driver owns one control plane; each attached filter module owns its own SA table (sized
//! by its `SaOffloadCapacity`), which its send and receive paths read. An SA bundle added through
//! the control device is installed in the SA table of **every module attached at the time**
//! (all or nothing: a module that refuses it undoes the modules that took it): the SPD bindings
//! decide which policy applies to a packet of an interface, while an SA, once negotiated, is
//! named on the wire by (SPI, destination, protocol), which any adapter of the host may carry.
//! A module attached later gets the bundles added after it attached; a module that detaches
//! takes its copies with it (its SA table is freed), and [`ModuleSas::forget_module`] clears them
//! here.
//!
//! The handle the control plane keeps for a bundle is the offload handle of its copy in the
//! lowest-numbered module slot that took it, so with one adapter it is the very `OffloadHandle`
//! the send path looks up. Deletes and sequence updates go to every copy; the counters the
//! statistics read are the sums over the copies.
//!
//! Every call runs under the driver's control lock (see `shell::ioctl`), so the atomics below
//! are only for `&self` access (the `SaBackend` trait's shape) and use `Relaxed`.
#![forbid(unsafe_code)]

use alloc::collections::TryReserveError;
use alloc::vec::Vec;
use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU64, Ordering};

use ipsecov2_control_plane::{DatapathCounters, SaStore};
use ipsecov2_oid::{BackendError, IpsecProtocol, SaBackend, SaSpec, UpdateError};

/// Most filter modules the control plane reaches at once.
pub const MAX_MODULES: usize = 8;

/// Where the attached modules' SA stores are: a slot number names a module.
pub trait ModuleHost {
    /// A module's SA store (its `OffloadSas`).
    type Sas: SaStore;
    /// Runs `f` on the SA store of the module in `slot`; `None` when no module is there.
    fn with_sas<R>(&self, slot: usize, f: impl FnOnce(&Self::Sas) -> R) -> Option<R>;
}

/// One bundle: its key (the plane's handle, 0 = free record) and its copies per module slot.
#[derive(Debug, Default)]
struct Bundle {
    key: AtomicU64,
    copies: [AtomicU64; MAX_MODULES],
}

impl Bundle {
    fn key(&self) -> u64 {
        self.key.load(Ordering::Relaxed)
    }

    fn copies(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.copies
            .iter()
            .enumerate()
            .map(|(slot, h)| (slot, h.load(Ordering::Relaxed)))
            .filter(|(_, h)| *h != 0)
    }

    fn clear(&self) {
        self.key.store(0, Ordering::Relaxed);
        for h in &self.copies {
            h.store(0, Ordering::Relaxed);
        }
    }
}

/// The control plane's [`SaStore`] over the attached modules' SA tables.
#[derive(Debug)]
pub struct ModuleSas<H> {
    host: H,
    bundles: Vec<Bundle>,
}

impl<H: ModuleHost> ModuleSas<H> {
    /// A store for at most `capacity` bundles; every record is allocated now (fallibly).
    pub fn new(host: H, capacity: usize) -> Result<Self, TryReserveError> {
        let mut bundles = Vec::new();
        bundles.try_reserve_exact(capacity)?;
        bundles.resize_with(capacity, Bundle::default);
        Ok(Self { host, bundles })
    }

    /// The module host.
    pub fn host(&self) -> &H {
        &self.host
    }

    /// Bundles currently recorded.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bundles.iter().filter(|b| b.key() != 0).count()
    }

    /// Whether no bundle is recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the copies of the module in `slot` (it detached: its SA table is gone).
    pub fn forget_module(&self, slot: usize) {
        for b in &self.bundles {
            if let Some(h) = b.copies.get(slot) {
                h.store(0, Ordering::Relaxed);
            }
        }
    }

    fn find(&self, key: u64) -> Option<&Bundle> {
        if key == 0 {
            return None;
        }
        self.bundles.iter().find(|b| b.key() == key)
    }

    fn undo(&self, copies: &[u64; MAX_MODULES]) {
        for (slot, &h) in copies.iter().enumerate() {
            if h != 0 {
                let _ = self.host.with_sas(slot, |s| s.delete(h));
            }
        }
    }
}

impl<H: ModuleHost> SaBackend for ModuleSas<H> {
    fn add(&self, sa: &SaSpec<'_>) -> Result<NonZeroU64, BackendError> {
        let Some(free) = self.bundles.iter().find(|b| b.key() == 0) else {
            return Err(BackendError::Full);
        };
        let mut copies = [0u64; MAX_MODULES];
        for (slot, copy) in copies.iter_mut().enumerate() {
            match self.host.with_sas(slot, |s| s.add(sa)) {
                None => {}
                Some(Ok(h)) => *copy = h.get(),
                Some(Err(e)) => {
                    self.undo(&copies);
                    return Err(e);
                }
            }
        }
        // No module attached: nowhere to put it (the datapath's "full").
        let Some(key) = copies.iter().copied().find(|&h| h != 0) else {
            return Err(BackendError::Full);
        };
        // Two tables' handles are independent: the key must still name one bundle.
        let Some(nz) = NonZeroU64::new(key).filter(|_| self.find(key).is_none()) else {
            self.undo(&copies);
            return Err(BackendError::NoMemory);
        };
        for (dst, &h) in free.copies.iter().zip(copies.iter()) {
            dst.store(h, Ordering::Relaxed);
        }
        free.key.store(key, Ordering::Relaxed);
        Ok(nz)
    }

    fn delete(&self, handle: u64) -> bool {
        let Some(b) = self.find(handle) else {
            return false;
        };
        for (slot, h) in b.copies() {
            let _ = self.host.with_sas(slot, |s| s.delete(h));
        }
        b.clear();
        true
    }

    fn update_sequence_high(
        &self,
        handle: u64,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError> {
        let b = self.find(handle).ok_or(UpdateError::UnknownHandle)?;
        let mut result = Err(UpdateError::UnknownHandle);
        for (slot, h) in b.copies() {
            let r = self
                .host
                .with_sas(slot, |s| s.update_sequence_high(h, protocol, spi, seq_high))
                .unwrap_or(Err(UpdateError::UnknownHandle));
            // The copies are identical: the first answer stands for all.
            if result.is_err() {
                result = r;
            }
        }
        result
    }
}

impl<H: ModuleHost> SaStore for ModuleSas<H> {
    fn counters(&self, handle: u64) -> Option<DatapathCounters> {
        let b = self.find(handle)?;
        let mut total: Option<DatapathCounters> = None;
        for (slot, h) in b.copies() {
            if let Some(c) = self.host.with_sas(slot, |s| s.counters(h)).flatten() {
                let t = total.get_or_insert_with(DatapathCounters::default);
                t.packets = t.packets.saturating_add(c.packets);
                t.octets = t.octets.saturating_add(c.octets);
                t.auth_failures = t.auth_failures.saturating_add(c.auth_failures);
                t.other_drops = t.other_drops.saturating_add(c.other_drops);
            }
        }
        total
    }
}
