//! The control commands (`spd`, `policy`, `sa`, `stats`, `monitor`, `batch`) on top of the NPF
//! adapter's Rust client (`npf-ipsec-sapi`).
//!
//! * [`args`] — the command line of each command (also the grammar of a batch line).
//! * [`selector`] — policy selectors as text, both ways.
//! * [`sa`] — `ip xfrm state` specifications (the [`crate::spec`] grammar of `pcap`) as the
//!   agreement's SAs.
//! * [`exec`] — one command on a [`Session`]: text and JSON output.
//! * [`batch`] — a script of commands in one process, one per line.
//! * [`error`] — what failed, with the NPF code and what to change.
//!
//! A [`Session`] is a client over a transport: the driver's control device (Windows), or a
//! control plane in this process reached through the driver's own IOCTL dispatcher, which
//! lives as long as the process — hence `batch`.

pub mod args;
pub mod batch;
pub mod error;
pub mod exec;
pub mod sa;
pub mod selector;

use npf_ipsec_sapi::abi::NPF_IPSEC_EVENT_ALL_ENABLE;
use npf_ipsec_sapi::transport::dispatched::Dispatched;
use npf_ipsec_sapi::transport::in_process::InProcess;
use npf_ipsec_sapi::{Client, Transport};

pub use args::{Common, ControlCommand};
pub use error::ControlError;
pub use exec::{execute, Output};

/// A client of the control plane for a run of commands.
pub struct Session {
    client: Client<Box<dyn Transport>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session")
    }
}

impl Session {
    fn over(transport: Box<dyn Transport>) -> Result<Self, ControlError> {
        let mut client = Client::new(transport);
        // Every event is queued from the start, so that `monitor` sees what earlier
        // commands caused.
        client
            .set_event_mask(NPF_IPSEC_EVENT_ALL_ENABLE)
            .map_err(|error| ControlError::Call {
                command: "event mask",
                error,
            })?;
        Ok(Self { client })
    }

    /// A control plane in this process (attached to the host's interfaces, by index),
    /// reached through the driver's IOCTL codec and dispatcher.
    pub fn in_process() -> Result<Self, ControlError> {
        let plane = InProcess::with_host_interfaces()
            .map_err(|e| ControlError::Device(format!("in-process control plane: {e}")))?;
        let dispatched = Dispatched::new(&plane)
            .map_err(|e| ControlError::Device(format!("in-process dispatcher: {e}")))?;
        Self::over(Box::new(dispatched))
    }

    /// The driver's control device.
    #[cfg(windows)]
    pub fn device() -> Result<Self, ControlError> {
        let d = npf_ipsec_sapi::transport::device::Device::open()
            .map_err(|e| ControlError::Device(format!("cannot open the control device: {e}")))?;
        Self::over(Box::new(d))
    }

    /// The driver's control device: there is none away from Windows.
    #[cfg(not(windows))]
    pub fn device() -> Result<Self, ControlError> {
        Err(ControlError::Device(
            "--device: the driver's control device exists only on Windows".into(),
        ))
    }

    /// The session `common` asks for.
    pub fn open(common: Common) -> Result<Self, ControlError> {
        if common.device {
            Self::device()
        } else {
            Self::in_process()
        }
    }
}
