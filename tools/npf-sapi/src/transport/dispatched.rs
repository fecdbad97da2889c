//! The control plane in this process reached through the driver's own IOCTL dispatcher
//! (`ipsecov2-ioctl`): every request is encoded as the device's message, decoded and validated
//! by the same code the driver runs, executed, and its response decoded — the device path
//! without the device.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ipsecov2_ioctl::{Completion, DispatchError, Dispatcher, DispatcherConfig, Ioctl};

use crate::error::{NpfError, TransportError};
use crate::model::Event;
use crate::request::{Reply, Request};
use crate::transport::codec;
use crate::transport::in_process::{HostPlane, InProcess};
use crate::transport::{GlobalStats, Transport};

/// First output buffer size; a response that needs more is retried with what it needs.
const OUTPUT: usize = 16 * 1024;

/// The in-process control plane behind the IOCTL dispatcher.
#[derive(Debug)]
pub struct Dispatched {
    plane: Arc<Mutex<HostPlane>>,
    dispatcher: Dispatcher,
    started: Instant,
    token: u64,
}

impl Dispatched {
    /// Over the control plane of `in_process` (they share it).
    pub fn new(in_process: &InProcess) -> Result<Self, NpfError> {
        let dispatcher = Dispatcher::new(DispatcherConfig::default())
            .map_err(|e| NpfError::from_code(e.code()).unwrap_or(NpfError::NoMemory))?;
        Ok(Self {
            plane: in_process.plane(),
            dispatcher,
            started: Instant::now(),
            token: 0,
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, HostPlane>, TransportError> {
        self.plane.lock().map_err(|_| TransportError::Closed)
    }

    /// Runs one IOCTL; the response bytes, or `None` when it pends (`EventWait`).
    fn ioctl(&mut self, ioctl: Ioctl, input: &[u8]) -> Result<Option<Vec<u8>>, TransportError> {
        let mut out = vec![0u8; OUTPUT];
        let plane = Arc::clone(&self.plane);
        let mut plane = plane.lock().map_err(|_| TransportError::Closed)?;
        self.token = self.token.wrapping_add(1);
        loop {
            match self
                .dispatcher
                .dispatch(&mut plane, ioctl.code(), self.token, input, &mut out)
            {
                Ok(Completion::Done(n)) => {
                    out.truncate(n);
                    return Ok(Some(out));
                }
                Ok(Completion::Pending) => {
                    self.dispatcher.cancel(self.token);
                    return Ok(None);
                }
                Ok(Completion::Test(_)) => return Err(TransportError::Protocol("test family")),
                Err(DispatchError::OutputTooSmall { needed }) if needed > out.len() => {
                    out.resize(needed, 0);
                }
                Err(e) => return Err(codec::refused(e)),
            }
        }
    }
}

impl Transport for Dispatched {
    fn execute(&mut self, request: &Request) -> Result<Reply, TransportError> {
        codec::execute(request, &mut |ioctl, input| {
            self.ioctl(ioctl, input)?
                .ok_or(TransportError::Protocol("pending"))
        })
    }

    fn poll_events(&mut self, out: &mut Vec<Event>) -> Result<(), TransportError> {
        let now = self.started.elapsed().as_secs();
        self.lock()?.tick(now);
        while let Some(bytes) = self.ioctl(Ioctl::EventWait, &codec::event_wait(0))? {
            let before = out.len();
            codec::decode_events(&bytes, out)?;
            if out.len() == before {
                break;
            }
        }
        Ok(())
    }

    fn set_event_mask(&mut self, mask: u32) -> Result<(), TransportError> {
        self.ioctl(Ioctl::EventSetMask, &codec::event_mask(mask))?;
        Ok(())
    }

    fn global_stats(&mut self) -> Result<GlobalStats, TransportError> {
        let out = self
            .ioctl(Ioctl::GlobalStats, &codec::global_stats())?
            .ok_or(TransportError::Protocol("pending"))?;
        codec::decode_global_stats(&out)
    }
}
