//! The asynchronous service behind the C ABI (and usable from Rust): completion-callback and
//! event-handler registrations, requests queued to a worker thread that runs them on the
//! [`Transport`] one at a time, completions delivered to the registered callback as the
//! `errorReporting` of the call asks, and events polled from the transport and delivered to the
//! handlers whose mask selects them.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::abi;
use crate::error::{NpfError, SyncError};
use crate::model::Event;
use crate::request::{Failure, Reply, Request};
use crate::transport::Transport;
use crate::validate;

/// How often the worker polls the transport for events when no request arrives.
pub const EVENT_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// `NPF_errorReporting_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reporting {
    /// `NPF_REPORT_NONE`: no completion callback.
    None,
    /// `NPF_REPORT_ERRORS`: a completion callback only when the call failed.
    Errors,
    /// `NPF_REPORT_ALL`: a completion callback for every call.
    All,
}

impl Reporting {
    /// From the C value; an unknown value is `NPF_E_UNKNOWN`.
    pub const fn from_c(v: u32) -> Result<Self, SyncError> {
        match v {
            abi::NPF_REPORT_NONE => Ok(Self::None),
            abi::NPF_REPORT_ERRORS => Ok(Self::Errors),
            abi::NPF_REPORT_ALL => Ok(Self::All),
            _ => Err(SyncError::Unknown),
        }
    }

    const fn wants(self, reply: &Reply) -> bool {
        match self {
            Self::None => false,
            Self::Errors => reply.is_err(),
            Self::All => true,
        }
    }
}

/// A completed request, as handed to a completion callback.
#[derive(Debug)]
pub struct Completion {
    /// The correlator given with the call.
    pub correlator: usize,
    /// The request (its arguments, for building the per-element responses).
    pub request: Request,
    /// What it completed with.
    pub reply: Reply,
}

/// A completion callback.
pub type CompletionFn = Arc<dyn Fn(&Completion) + Send + Sync>;
/// An event handler: called with the events its mask selects (never an empty slice).
pub type EventFn = Arc<dyn Fn(&[Event]) + Send + Sync>;

/// Identity of a registration for duplicate detection (the C ABI's `userContext` and function
/// pointer); `None` registers without duplicate detection.
pub type RegistrationKey = Option<(usize, usize)>;

struct CallbackReg {
    handle: u32,
    key: RegistrationKey,
    func: CompletionFn,
}

struct EventReg {
    handle: u32,
    key: RegistrationKey,
    mask: u32,
    func: EventFn,
}

#[derive(Default)]
struct Registry {
    callbacks: Vec<CallbackReg>,
    handlers: Vec<EventReg>,
    next_callback: u32,
    next_handler: u32,
}

impl Registry {
    fn mask(&self) -> u32 {
        self.handlers.iter().fold(0, |m, h| m | h.mask)
    }
}

enum Job {
    Call {
        callback: u32,
        correlator: usize,
        reporting: Reporting,
        request: Request,
    },
    Mask(u32),
}

struct Shared {
    registry: Mutex<Registry>,
    pending: Mutex<usize>,
    idle: Condvar,
}

fn relock<'a, T>(
    r: Result<MutexGuard<'a, T>, PoisonError<MutexGuard<'a, T>>>,
) -> MutexGuard<'a, T> {
    // A callback that panicked poisons nothing we rely on: the data stays consistent.
    r.unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        relock(self.registry.lock())
    }

    fn done_one(&self) {
        let mut p = relock(self.pending.lock());
        *p = p.saturating_sub(1);
        if *p == 0 {
            self.idle.notify_all();
        }
    }
}

/// The asynchronous NPF IPsec service over one transport.
pub struct Service {
    shared: Arc<Shared>,
    jobs: Mutex<Option<Sender<Job>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl core::fmt::Debug for Service {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

impl Service {
    /// Starts the service's worker thread over `transport`.
    pub fn start(transport: Box<dyn Transport>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            registry: Mutex::new(Registry {
                next_callback: 1,
                next_handler: 1,
                ..Registry::default()
            }),
            pending: Mutex::new(0),
            idle: Condvar::new(),
        });
        let (tx, rx) = mpsc::channel::<Job>();
        let worker_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("npf-ipsec-sapi".into())
            .spawn(move || {
                let mut transport = transport;
                let mut events = Vec::new();
                loop {
                    match rx.recv_timeout(EVENT_POLL_INTERVAL) {
                        Ok(job) => {
                            run_job(&worker_shared, transport.as_mut(), job);
                            deliver_events(&worker_shared, transport.as_mut(), &mut events);
                            worker_shared.done_one();
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            deliver_events(&worker_shared, transport.as_mut(), &mut events);
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(Self {
            shared,
            jobs: Mutex::new(Some(tx)),
            worker: Mutex::new(Some(worker)),
        })
    }

    fn send(&self, job: Job) -> Result<(), SyncError> {
        let jobs = relock(self.jobs.lock());
        let tx = jobs.as_ref().ok_or(SyncError::Unknown)?;
        *relock(self.shared.pending.lock()) += 1;
        tx.send(job).map_err(|_| {
            self.shared.done_one();
            SyncError::Unknown
        })
    }

    /// `NPF_IPSecRegister`: a new handle, or the handle already registered under `key` with
    /// `NPF_IPSEC_E_ALREADY_REGISTERED`.
    pub fn register(
        &self,
        key: RegistrationKey,
        func: CompletionFn,
    ) -> Result<u32, (u32, NpfError)> {
        let mut reg = self.shared.registry();
        if let Some(existing) = key.and_then(|k| reg.callbacks.iter().find(|c| c.key == Some(k))) {
            return Err((existing.handle, NpfError::AlreadyRegistered));
        }
        let handle = reg.next_callback;
        reg.next_callback = reg.next_callback.wrapping_add(1).max(1);
        reg.callbacks.push(CallbackReg { handle, key, func });
        Ok(handle)
    }

    /// `NPF_IPSecDeregister`.
    pub fn deregister(&self, handle: u32) -> Result<(), SyncError> {
        let mut reg = self.shared.registry();
        let before = reg.callbacks.len();
        reg.callbacks.retain(|c| c.handle != handle);
        if reg.callbacks.len() == before {
            Err(SyncError::BadCallbackHandle)
        } else {
            Ok(())
        }
    }

    /// `NPF_IPSecEventRegister`: a new handle, or — for a key already registered — its mask
    /// replaced and `NPF_IPSEC_E_ALREADY_REGISTERED` with the existing handle (6.2.2: "the events
    /// enabled are those whose bits were set in the most recent registration").
    pub fn event_register(
        &self,
        key: RegistrationKey,
        mask: u32,
        func: EventFn,
    ) -> Result<u32, (u32, NpfError)> {
        let (result, union) = {
            let mut reg = self.shared.registry();
            let existing = key.and_then(|k| reg.handlers.iter_mut().find(|h| h.key == Some(k)));
            let result = if let Some(h) = existing {
                h.mask = mask;
                Err((h.handle, NpfError::AlreadyRegistered))
            } else {
                let handle = reg.next_handler;
                reg.next_handler = reg.next_handler.wrapping_add(1).max(1);
                reg.handlers.push(EventReg {
                    handle,
                    key,
                    mask,
                    func,
                });
                Ok(handle)
            };
            (result, reg.mask())
        };
        // The mask reaches the transport in order with the requests; failing to queue it
        // (service stopped) leaves nothing to deliver anyway.
        let _ = self.send(Job::Mask(union));
        result
    }

    /// `NPF_IPSecEventDeregister`.
    pub fn event_deregister(&self, handle: u32) -> Result<(), SyncError> {
        let union = {
            let mut reg = self.shared.registry();
            let before = reg.handlers.len();
            reg.handlers.retain(|h| h.handle != handle);
            if reg.handlers.len() == before {
                return Err(SyncError::BadCallbackHandle);
            }
            reg.mask()
        };
        let _ = self.send(Job::Mask(union));
        Ok(())
    }

    /// Queues `request` for completion through `callback` (an asynchronous function of 6.6):
    /// the synchronous checks first (erratum E-SYNC); `Ok` means exactly one completion will
    /// be offered to the callback, subject to `reporting`.
    pub fn submit(
        &self,
        callback: u32,
        correlator: usize,
        reporting: Reporting,
        request: Request,
    ) -> Result<(), SyncError> {
        if !self
            .shared
            .registry()
            .callbacks
            .iter()
            .any(|c| c.handle == callback)
        {
            return Err(SyncError::BadCallbackHandle);
        }
        validate::check(&request)?;
        self.send(Job::Call {
            callback,
            correlator,
            reporting,
            request,
        })
    }

    /// Waits until every queued request has completed and its callback returned.
    pub fn wait_idle(&self) {
        let mut p = relock(self.shared.pending.lock());
        while *p > 0 {
            p = relock(self.shared.idle.wait(p));
        }
    }

    /// Waits until the queue is idle and the worker has polled the transport for events twice.
    pub fn flush_events(&self) {
        self.wait_idle();
        std::thread::sleep(EVENT_POLL_INTERVAL.saturating_mul(2));
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        relock(self.jobs.lock()).take();
        if let Some(worker) = relock(self.worker.lock()).take() {
            let _ = worker.join();
        }
    }
}

fn run_job(shared: &Shared, transport: &mut dyn Transport, job: Job) {
    match job {
        Job::Mask(mask) => {
            let _ = transport.set_event_mask(mask);
        }
        Job::Call {
            callback,
            correlator,
            reporting,
            request,
        } => {
            // A transport failure after the call was accepted: the request may not have
            // reached the control plane; the agreement's closest code is NOMEMORY ("could not
            // complete this operation").
            let reply = transport
                .execute(&request)
                .unwrap_or(Err(Failure::of(NpfError::NoMemory)));
            if !reporting.wants(&reply) {
                return;
            }
            let func = shared
                .registry()
                .callbacks
                .iter()
                .find(|c| c.handle == callback)
                .map(|c| Arc::clone(&c.func));
            if let Some(func) = func {
                func(&Completion {
                    correlator,
                    request,
                    reply,
                });
            }
        }
    }
}

fn deliver_events(shared: &Shared, transport: &mut dyn Transport, buf: &mut Vec<Event>) {
    buf.clear();
    if transport.poll_events(buf).is_err() || buf.is_empty() {
        return;
    }
    let handlers: Vec<(u32, EventFn)> = shared
        .registry()
        .handlers
        .iter()
        .map(|h| (h.mask, Arc::clone(&h.func)))
        .collect();
    let mut selected = Vec::with_capacity(buf.len());
    for (mask, func) in handlers {
        selected.clear();
        selected.extend(buf.iter().filter(|e| e.mask_bit() & mask != 0).copied());
        for chunk in selected.chunks(usize::from(u16::MAX)) {
            func(chunk);
        }
    }
}
