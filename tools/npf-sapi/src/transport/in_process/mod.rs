//! The portable control plane (`ipsecov2-control-plane`) in this process, over a host SA table
//! of the real datapath (`ipsecov2-offload-sa`): the same code the driver runs, without the
//! device in between.
//!
//! Today requests call the control plane's operations directly; when the IOCTL crate's
//! dispatcher lands, this transport will encode each request and run it through the dispatcher
//! (docs/npf-sapi.md, "Transports").

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ipsecov2_control_plane as cp;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_satable::{HostSaTable, StdRwLock, TableSeed, TableState};

use crate::error::{NpfError, TransportError};
use crate::model::Event;
use crate::request::{Reply, Request};
use crate::transport::Transport;

mod from_plane;
mod requests;
mod to_plane;

pub use from_plane::event_back;
pub(crate) use from_plane::{dir_back, sa_params_back, sa_stats_back, selector_back, spd_identity};
pub use requests::run;
pub(crate) use to_plane::{action, dir, event_limit, sa_params, selectors};

/// The datapath store of the in-process control plane.
pub type HostStore = OffloadSas<StdRwLock<TableState<OffloadSa>>>;
/// The in-process control plane.
pub type HostPlane = cp::ControlPlane<HostStore>;

/// SA table capacity of the in-process datapath.
const SA_TABLE_CAPACITY: usize = 4096;

/// The control plane in this process.
#[derive(Debug, Clone)]
pub struct InProcess {
    plane: Arc<Mutex<HostPlane>>,
    /// The control plane's clock: seconds since this transport was made.
    started: Instant,
}

/// Why an in-process control plane could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InProcessError {
    /// The SA table could not be allocated.
    Table,
    /// The control plane refused (its tables could not be reserved, or an interface twice).
    Plane(NpfError),
}

impl core::fmt::Display for InProcessError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Table => f.write_str("the SA table could not be allocated"),
            Self::Plane(e) => write!(f, "control plane: {e}"),
        }
    }
}

impl std::error::Error for InProcessError {}

pub(crate) fn plane_err(e: cp::PlaneError) -> NpfError {
    // Both sides take their numbers from the agreement; a code we do not know is impossible
    // (the control plane's codes are the agreement's) but maps to NOMEMORY, never a panic.
    NpfError::from_code(e.code()).unwrap_or(NpfError::NoMemory)
}

impl InProcess {
    /// A control plane with `limits`, attached to `interfaces` (interface index and NET_LUID).
    pub fn new(limits: cp::Limits, interfaces: &[cp::Interface]) -> Result<Self, InProcessError> {
        let seed = TableSeed::from_words([0x6e70_665f, 0x7361_7069, 0x696e_7072, 0x6f63_6573]);
        let table = HostSaTable::with_capacity(SA_TABLE_CAPACITY, seed)
            .map_err(|_| InProcessError::Table)?;
        let mut plane = cp::ControlPlane::new(OffloadSas::new(table), limits)
            .map_err(|e| InProcessError::Plane(plane_err(e)))?;
        for iface in interfaces {
            plane
                .attach_interface(*iface)
                .map_err(|e| InProcessError::Plane(plane_err(e)))?;
        }
        Ok(Self {
            plane: Arc::new(Mutex::new(plane)),
            started: Instant::now(),
        })
    }

    /// A control plane with default limits, attached to this host's network interfaces
    /// (`/sys/class/net/*/ifindex` on Linux; interface index 1 elsewhere).
    pub fn with_host_interfaces() -> Result<Self, InProcessError> {
        Self::new(cp::Limits::default(), &host_interfaces())
    }

    /// The control plane itself, shared: tests and tools reach it to advance the clock or to
    /// report datapath events.
    #[must_use]
    pub fn plane(&self) -> Arc<Mutex<HostPlane>> {
        Arc::clone(&self.plane)
    }

    fn lock(&self) -> Result<MutexGuard<'_, HostPlane>, TransportError> {
        self.plane.lock().map_err(|_| TransportError::Closed)
    }
}

/// The host's interfaces as the control plane's interfaces (index = `NPF_IfHandle_t`).
#[must_use]
pub fn host_interfaces() -> Vec<cp::Interface> {
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/sys/class/net") {
        for entry in dir.flatten() {
            let path = entry.path().join("ifindex");
            if let Some(index) = std::fs::read_to_string(path)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
            {
                out.push(cp::Interface {
                    luid: u64::from(index) << 24,
                    index,
                });
            }
        }
    }
    if out.is_empty() {
        out.push(cp::Interface {
            luid: 1 << 24,
            index: 1,
        });
    }
    out.sort_by_key(|i| i.index);
    out
}

impl Transport for InProcess {
    fn execute(&mut self, request: &Request) -> Result<Reply, TransportError> {
        let mut plane = self.lock()?;
        Ok(run(&mut plane, request))
    }

    fn poll_events(&mut self, out: &mut Vec<Event>) -> Result<(), TransportError> {
        let now = self.started.elapsed().as_secs();
        let mut plane = self.lock()?;
        // Lifetimes in seconds run on the host's monotonic clock (the driver ticks its own).
        plane.tick(now);
        while let Some(e) = plane.pop_event() {
            out.push(event_back(&e));
        }
        Ok(())
    }

    fn set_event_mask(&mut self, mask: u32) -> Result<(), TransportError> {
        self.lock()?.events_mut().set_mask(mask);
        Ok(())
    }

    fn global_stats(&mut self) -> Result<cp::GlobalStats, TransportError> {
        Ok(self.lock()?.global_stats())
    }
}
