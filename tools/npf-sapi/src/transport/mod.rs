//! How requests reach the control plane: the [`Transport`] trait and its implementations.
//!
//! * [`in_process::InProcess`] — the portable control plane in this process, called directly.
//! * [`dispatched::Dispatched`] — the same control plane reached through the driver's IOCTL
//!   dispatcher: each request encoded as the device's message ([`codec`]), decoded and
//!   validated by the code the driver runs.
//! * `device::Device` (Windows) — `DeviceIoControl` on the driver's control device, the same
//!   messages; events by inverted call.
//! * `pe_host::PeHost` (feature `pe-host`, Linux x86-64) — the real `ipsecov2_lwf.sys` loaded by
//!   the PE host, the same messages as IRPs to its control device; events by inverted call.

pub mod codec;
pub mod dispatched;
pub mod in_process;

#[cfg(windows)]
pub mod device;

#[cfg(all(feature = "pe-host", target_arch = "x86_64", target_os = "linux"))]
pub mod pe_host;

pub use ipsecov2_control_plane::GlobalStats;

use crate::error::TransportError;
use crate::model::Event;
use crate::request::{Reply, Request};

/// A way to the control plane. Requests are executed one at a time, in order.
pub trait Transport: Send {
    /// Carries one request and brings back its completion.
    fn execute(&mut self, request: &Request) -> Result<Reply, TransportError>;

    /// Moves the events waiting at the control plane to `out` (oldest first). Each event is
    /// returned once.
    fn poll_events(&mut self, out: &mut Vec<Event>) -> Result<(), TransportError>;

    /// The events any registered handler wants (`NPF_IPSecEventMask_t`): the control plane
    /// stops queueing the others.
    fn set_event_mask(&mut self, mask: u32) -> Result<(), TransportError>;

    /// The global view (the totals of `IPsecGetStatistics0`, seed 001): not an NPF function,
    /// offered for the WFP-style layer and tools.
    fn global_stats(&mut self) -> Result<GlobalStats, TransportError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn execute(&mut self, request: &Request) -> Result<Reply, TransportError> {
        (**self).execute(request)
    }

    fn poll_events(&mut self, out: &mut Vec<Event>) -> Result<(), TransportError> {
        (**self).poll_events(out)
    }

    fn set_event_mask(&mut self, mask: u32) -> Result<(), TransportError> {
        (**self).set_event_mask(mask)
    }

    fn global_stats(&mut self) -> Result<GlobalStats, TransportError> {
        (**self).global_stats()
    }
}
