//! The C ABI: the 35 functions of `include/npf_ipsec_sapi.h`, exported unmangled from the
//! `cdylib`, over one process-wide [`Service`].
//!
//! The service starts at the first call with the default transport — the in-process control
//! plane attached to the host's interfaces ([`InProcess::with_host_interfaces`]) behind the
//! driver's IOCTL dispatcher ([`Dispatched`]) — unless a Rust host installed another one first
//! with [`install_transport`].
#![allow(unsafe_code)]

pub mod functions;
pub mod read;
pub mod response;
pub mod write;

use std::sync::{Arc, Mutex, PoisonError};

use crate::error::SyncError;
use crate::service::Service;
use crate::transport::dispatched::Dispatched;
use crate::transport::in_process::InProcess;
use crate::transport::Transport;

static SERVICE: Mutex<Option<Arc<Service>>> = Mutex::new(None);

/// Why [`install_transport`] refused.
#[derive(Debug)]
pub enum InstallError {
    /// The service already runs (a function was called, or a transport was installed).
    AlreadyRunning,
    /// The worker thread could not be started.
    Spawn(std::io::Error),
}

impl core::fmt::Display for InstallError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::AlreadyRunning => f.write_str("the NPF IPsec service already runs"),
            Self::Spawn(e) => write!(f, "cannot start the service's worker: {e}"),
        }
    }
}

impl std::error::Error for InstallError {}

/// Makes `transport` the one the C functions use. Must come before the first C call.
pub fn install_transport(transport: Box<dyn Transport>) -> Result<Arc<Service>, InstallError> {
    let mut slot = SERVICE.lock().unwrap_or_else(PoisonError::into_inner);
    if slot.is_some() {
        return Err(InstallError::AlreadyRunning);
    }
    let service = Arc::new(Service::start(transport).map_err(InstallError::Spawn)?);
    *slot = Some(Arc::clone(&service));
    Ok(service)
}

/// Environment variable naming the C ABI's transport when none was installed: `pe-host` (with
/// the `pe-host` feature) loads the driver binary in this process
/// (`transport::pe_host::PeHost` on `$IPSECOV2_SYS` or the workspace's linked
/// `.sys`, interfaces 1 to 3); unset or anything else, the in-process control plane behind the
/// IOCTL dispatcher.
pub const TRANSPORT_ENV: &str = "NPF_IPSEC_SAPI_TRANSPORT";

/// The transport the C functions use when none was installed ([`TRANSPORT_ENV`]).
fn default_transport() -> Result<Box<dyn Transport>, SyncError> {
    #[cfg(all(feature = "pe-host", target_arch = "x86_64", target_os = "linux"))]
    if std::env::var_os(TRANSPORT_ENV).is_some_and(|v| v == "pe-host") {
        use crate::transport::pe_host::{PeHost, PeHostConfig};
        let host = PeHost::start(PeHostConfig::default()).map_err(|_| SyncError::Unknown)?;
        return Ok(Box::new(host));
    }
    let plane = InProcess::with_host_interfaces().map_err(|_| SyncError::Unknown)?;
    let transport = Dispatched::new(&plane).map_err(|_| SyncError::Unknown)?;
    Ok(Box::new(transport))
}

/// The process-wide service, started with the default transport if none was installed;
/// `NPF_E_UNKNOWN` if it cannot start.
pub fn service() -> Result<Arc<Service>, SyncError> {
    let mut slot = SERVICE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(s) = slot.as_ref() {
        return Ok(Arc::clone(s));
    }
    let transport = default_transport()?;
    let service = Arc::new(Service::start(transport).map_err(|_| SyncError::Unknown)?);
    *slot = Some(Arc::clone(&service));
    Ok(service)
}
