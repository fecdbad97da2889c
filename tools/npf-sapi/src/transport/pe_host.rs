//! The real driver binary: `ipsecov2_lwf.sys` loaded by the PE host (`ipsecov2-pe-host`) into
//! this process on Linux, with filter modules attached over the NDIS emulation, and the
//! [`codec`](super::codec)'s messages carried as IRPs to the driver's control device — the path
//! `DeviceIoControl` takes on Windows, through the driver's own dispatch routine, decoder,
//! control plane and completion. Events come by inverted call, as with the Windows device: an
//! `EventWait` IRP is kept pending in the driver, which completes it when events arrive
//! (during a request, or in its lifetime timer); the transport re-arms it and hands the events
//! out at the next poll.
//!
//! **Where it lives, and why.** Here, behind the `pe-host` feature (off by default; Linux
//! x86-64 only), as an optional dependency of this crate on `ipsecov2-pe-host`: the PE host knows
//! nothing of the NPF adapter, so the graph stays a tree (npf-ipsec-sapi → pe-host →
//! ndis-emulation), and the cdylib built with the feature can select this transport at run
//! time (`NPF_IPSEC_SAPI_TRANSPORT=pe-host`), which runs the C example client over the binary.
//! A production build never has the feature.
//!
//! **Threads.** The host's kernel state is process-wide and its `DriverHost` is neither `Send`
//! nor movable between threads (it holds the run lock's guard, and the fault handler is armed
//! per thread), while a [`Transport`] must be `Send`: the driver lives on a thread of its own,
//! and [`PeHost`] (cheap to clone: every clone is another handle on the same driver) talks to it
//! over a channel. The driver is unloaded when the last handle goes, or by
//! [`PeHost::shutdown`], which returns what the host's verifier recorded.
//!
//! **Time.** The host's interrupt-time clock is virtual: before each request it is moved on by
//! the real time elapsed, so the driver's lifetime timer ticks as it would on Windows;
//! [`PeHost::advance_clock`] jumps it forward (lifetimes in seconds without waiting for them).
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ipsecov2_ioctl::client as msg;
use ipsecov2_ioctl::{reply, Ioctl};
use ipsecov2_pe_host::driver::{sys_path, DriverHost};
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::kernel::verifier;
use ipsecov2_pe_host::pending_io::DeviceIrp;

use crate::error::TransportError;
use crate::model::{Event, SaHandle};
use crate::request::{Reply, Request};
use crate::transport::codec;
use crate::transport::{GlobalStats, Transport};

/// First output buffer of a request; grown when the driver says it is too small.
const OUTPUT: u32 = 64 * 1024;
/// The largest output buffer tried.
const MAX_OUTPUT: u32 = 16 << 20;
/// `NDIS_STATUS_PENDING`.
const STATUS_PENDING: i32 = 0x103;
/// The emulated TCP/IP's ESP algorithm matching `NPF_IPSEC_EALG_AES` (128-bit key) with
/// `NPF_IPSEC_AALG_SHA1HMAC`, for [`PeHost::send_esp`].
pub const ESP_AES128_SHA1: &str = "aes128+sha1";

/// What to load and attach.
#[derive(Debug, Clone)]
pub struct PeHostConfig {
    /// The `.sys` (its `.map` beside it, when there is one, names driver addresses).
    pub sys: PathBuf,
    /// One filter module per interface index, attached and restarted in this order.
    pub interfaces: Vec<u32>,
    /// Each module's `SaOffloadCapacity` keyword (its SA table's size).
    pub sa_capacity: u32,
}

impl Default for PeHostConfig {
    /// `$IPSECOV2_SYS` or the workspace's `target/windows/ipsecov2_lwf.sys`, interfaces 1, 2
    /// and 3, 1024 SAs per module (the control plane's own bundle limit).
    fn default() -> Self {
        Self {
            sys: sys_path(),
            interfaces: vec![1, 2, 3],
            sa_capacity: 1024,
        }
    }
}

type Answer<T> = Sender<Result<T, TransportError>>;

enum Command {
    Ioctl(Ioctl, Vec<u8>, Answer<Vec<u8>>),
    Poll(Answer<Vec<Event>>),
    Advance(Duration, Answer<()>),
    SendEsp {
        offload: u64,
        spi: u32,
        payload: usize,
        answer: Answer<(i32, usize)>,
    },
    Shutdown(Answer<Vec<String>>),
}

struct Handle {
    commands: Mutex<Option<Sender<Command>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Closing the channel ends the driver's thread (teardown, unload).
        self.commands
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// The driver binary, loaded on its own thread; a handle on it.
#[derive(Clone)]
pub struct PeHost {
    handle: Arc<Handle>,
}

impl core::fmt::Debug for PeHost {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PeHost")
    }
}

/// Why the driver could not be started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// The `.sys` could not be loaded (absent, malformed, an import the host lacks).
    Load(String),
    /// `DriverEntry` failed with this NTSTATUS.
    DriverEntry(i32),
    /// A module could not be attached or restarted.
    Module(String),
    /// The driver's thread could not be started.
    Thread,
}

impl core::fmt::Display for StartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Load(e) => write!(f, "cannot load the driver: {e}"),
            Self::DriverEntry(s) => write!(f, "DriverEntry returned {s:#010x}"),
            Self::Module(e) => write!(f, "filter module: {e}"),
            Self::Thread => f.write_str("cannot start the driver's thread"),
        }
    }
}

impl std::error::Error for StartError {}

impl PeHost {
    /// Loads the driver, runs `DriverEntry`, attaches and restarts one module per interface and
    /// arms the first `EventWait`, on a new thread.
    pub fn start(config: PeHostConfig) -> Result<Self, StartError> {
        let (tx, rx) = channel();
        let (ready_tx, ready_rx) = channel();
        let thread = std::thread::Builder::new()
            .name("npf-ipsec-sapi-pe-host".into())
            .spawn(move || match Driver::start(&config) {
                Ok(driver) => {
                    let _ = ready_tx.send(Ok(()));
                    driver.run(&rx);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(|_| StartError::Thread)?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                handle: Arc::new(Handle {
                    commands: Mutex::new(Some(tx)),
                    thread: Mutex::new(Some(thread)),
                }),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(StartError::Thread)
            }
        }
    }

    fn call<T>(&self, make: impl FnOnce(Answer<T>) -> Command) -> Result<T, TransportError> {
        let (tx, rx) = channel();
        {
            let commands = self
                .handle
                .commands
                .lock()
                .map_err(|_| TransportError::Closed)?;
            let c = commands.as_ref().ok_or(TransportError::Closed)?;
            c.send(make(tx)).map_err(|_| TransportError::Closed)?;
        }
        rx.recv().map_err(|_| TransportError::Closed)?
    }

    /// One IOCTL to the control device; the response bytes.
    pub fn ioctl(&self, ioctl: Ioctl, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.call(|a| Command::Ioctl(ioctl, input.to_vec(), a))
    }

    /// Moves the host's clock forward by `by` (the driver's lifetime timer fires if due).
    pub fn advance_clock(&self, by: Duration) -> Result<(), TransportError> {
        self.call(|a| Command::Advance(by, a))
    }

    /// The offload handle of an SA bundle (its key in the modules' SA tables), from
    /// `QuerySaData`.
    pub fn sa_offload(&self, sa: SaHandle) -> Result<u64, TransportError> {
        let out = self.ioctl(Ioctl::QuerySaData, &msg::words(&[sa.0]))?;
        let resp = msg::parse(&out).map_err(|_| TransportError::Protocol("malformed response"))?;
        if resp.status != crate::abi::NPF_NO_ERROR {
            return Err(TransportError::Protocol("no such SA bundle"));
        }
        reply::sa_data(&resp.body)
            .map(|d| d.offload)
            .map_err(|_| TransportError::Protocol("malformed response"))
    }

    /// TCP/IP sends one IPv4 transport-mode ESP packet with `payload` bytes of payload on
    /// `offload` (SPI `spi`, AES-128-CBC + HMAC-SHA1) through the first module, which seals it
    /// and counts it on the SA; the miniport completes it. Returns the NBL's completion status
    /// and the bytes on the wire.
    pub fn send_esp(
        &self,
        offload: u64,
        spi: u32,
        payload: usize,
    ) -> Result<(i32, usize), TransportError> {
        self.call(|answer| Command::SendEsp {
            offload,
            spi,
            payload,
            answer,
        })
    }

    /// Cancels the pending `EventWait`, pauses and detaches every module and unloads the driver;
    /// returns the verifier's record of the whole run (empty: no violation). Every handle is
    /// closed afterwards.
    pub fn shutdown(&self) -> Result<Vec<String>, TransportError> {
        self.call(Command::Shutdown)
    }
}

impl Transport for PeHost {
    fn execute(&mut self, request: &Request) -> Result<Reply, TransportError> {
        codec::execute(request, &mut |ioctl, input| self.ioctl(ioctl, input))
    }

    fn poll_events(&mut self, out: &mut Vec<Event>) -> Result<(), TransportError> {
        let mut got = self.call(Command::Poll)?;
        out.append(&mut got);
        Ok(())
    }

    fn set_event_mask(&mut self, mask: u32) -> Result<(), TransportError> {
        self.ioctl(Ioctl::EventSetMask, &codec::event_mask(mask))
            .map(|_| ())
    }

    fn global_stats(&mut self) -> Result<GlobalStats, TransportError> {
        let out = self.ioctl(Ioctl::GlobalStats, &codec::global_stats())?;
        codec::decode_global_stats(&out)
    }
}

/// The driver's thread: the host, its modules, the pending `EventWait`, the events it brought.
struct Driver {
    host: DriverHost,
    modules: Vec<usize>,
    wait: Option<DeviceIrp>,
    events: Vec<Event>,
    /// The real time the virtual clock was last moved to.
    synced: Instant,
    /// The verifier's record so far (taken after each step, so none is lost).
    violations: Vec<String>,
    /// The event channel broke (a refused or malformed `EventWait`): polls report it.
    broken: Option<TransportError>,
}

impl Driver {
    fn start(config: &PeHostConfig) -> Result<Self, StartError> {
        let mut host =
            DriverHost::load(&config.sys).map_err(|e| StartError::Load(e.to_string()))?;
        let status = host
            .driver_entry()
            .map_err(|e| StartError::Load(e.to_string()))?;
        if status != 0 {
            host.check_released();
            return Err(StartError::DriverEntry(status));
        }
        let mut modules = Vec::new();
        for &if_index in &config.interfaces {
            let adapter = Miniport {
                if_index,
                keywords: vec![
                    ("SaOffloadCapacity".into(), config.sa_capacity),
                    ("TxBufferCount".into(), 16),
                    ("TxBufferSize".into(), 2048),
                    ("RxScratchCount".into(), 4),
                ],
                ..Miniport::default()
            };
            let (m, status) = host
                .attach(&adapter)
                .map_err(|e| StartError::Module(format!("{e:?}")))?;
            if status != 0 {
                return Err(StartError::Module(format!("FilterAttach {status:#x}")));
            }
            let status = host
                .restart(m)
                .map_err(|e| StartError::Module(format!("{e:?}")))?;
            if status != 0 {
                return Err(StartError::Module(format!("FilterRestart {status:#x}")));
            }
            modules.push(m);
        }
        let mut d = Self {
            host,
            modules,
            wait: None,
            events: Vec::new(),
            synced: Instant::now(),
            violations: verifier::take(),
            broken: None,
        };
        d.harvest();
        Ok(d)
    }

    fn run(mut self, commands: &Receiver<Command>) {
        while let Ok(c) = commands.recv() {
            self.follow_real_time();
            match c {
                Command::Ioctl(ioctl, input, answer) => {
                    let r = self.ioctl(ioctl, &input);
                    self.harvest();
                    let _ = answer.send(r);
                }
                Command::Poll(answer) => {
                    self.harvest();
                    let r = match self.broken.clone() {
                        Some(e) if self.events.is_empty() => Err(e),
                        _ => Ok(core::mem::take(&mut self.events)),
                    };
                    let _ = answer.send(r);
                }
                Command::Advance(by, answer) => {
                    self.host.advance_clock(by);
                    self.harvest();
                    let _ = answer.send(Ok(()));
                }
                Command::SendEsp {
                    offload,
                    spi,
                    payload,
                    answer,
                } => {
                    let r = match self.modules.first() {
                        Some(&m) => self
                            .host
                            .send_esp(m, offload, spi, ESP_AES128_SHA1, payload)
                            .map_err(|_| TransportError::Protocol("the ESP send failed")),
                        None => Err(TransportError::Closed),
                    };
                    self.harvest();
                    let _ = answer.send(r);
                }
                Command::Shutdown(answer) => {
                    let v = self.teardown();
                    let _ = answer.send(Ok(v));
                    return;
                }
            }
        }
        let _ = self.teardown();
    }

    fn follow_real_time(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.synced);
        self.synced = now;
        if !elapsed.is_zero() {
            self.host.advance_clock(elapsed);
        }
    }

    /// Sends one device-control IRP; grows the output buffer while the driver says it is too
    /// small; a refusal by the driver's decoder becomes the agreement's error for it.
    fn ioctl(&mut self, ioctl: Ioctl, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut out_len = OUTPUT;
        loop {
            let irp = self
                .host
                .device_control_async(ioctl.code(), input, out_len)
                .map_err(|_| TransportError::Closed)?;
            self.violations.extend(verifier::take());
            let Some(r) = irp.result() else {
                // Only EventWait pends, and this path never sends it.
                self.wait_for_completion(irp);
                return Err(TransportError::Protocol("pending"));
            };
            let status = r.status as u32;
            if status == 0 {
                let n = r.information.min(irp.buffer().len());
                return Ok(irp.buffer()[..n].to_vec());
            }
            if status == codec::STATUS_BUFFER_TOO_SMALL && out_len < MAX_OUTPUT {
                out_len = out_len.saturating_mul(4).min(MAX_OUTPUT);
                continue;
            }
            if status == codec::STATUS_INVALID_PARAMETER {
                return Err(codec::refusal(ioctl, input));
            }
            return Err(TransportError::Os(status));
        }
    }

    /// A request that pended where none should: cancelled so that it can be dropped.
    fn wait_for_completion(&mut self, mut irp: DeviceIrp) {
        self.host.cancel_irp(&mut irp);
        if irp.result().is_none() {
            // The driver kept it: leaked rather than freed under it.
            core::mem::forget(irp);
        }
    }

    /// Takes the events of a completed `EventWait` and keeps one pending (inverted call): while
    /// the new one completes at once (more events waiting), takes those too.
    fn harvest(&mut self) {
        if self.broken.is_some() {
            return;
        }
        loop {
            let irp = match self.wait.take() {
                Some(irp) => irp,
                None => match self.host.device_control_async(
                    Ioctl::EventWait.code(),
                    &codec::event_wait(0),
                    OUTPUT,
                ) {
                    Ok(irp) => irp,
                    Err(_) => {
                        self.broken = Some(TransportError::Closed);
                        return;
                    }
                },
            };
            self.violations.extend(verifier::take());
            let Some(r) = irp.result() else {
                if irp.returned != STATUS_PENDING {
                    self.broken = Some(TransportError::Protocol(
                        "EventWait neither done nor pending",
                    ));
                }
                self.wait = Some(irp);
                return;
            };
            if r.status != 0 {
                self.broken = Some(TransportError::Os(r.status as u32));
                return;
            }
            let n = r.information.min(irp.buffer().len());
            let before = self.events.len();
            if let Err(e) = codec::decode_events(&irp.buffer()[..n], &mut self.events) {
                self.broken = Some(e);
                return;
            }
            if self.events.len() == before {
                // Completed with nothing: do not spin on it.
                return;
            }
        }
    }

    fn teardown(&mut self) -> Vec<String> {
        if let Some(mut irp) = self.wait.take() {
            self.host.cancel_irp(&mut irp);
            if irp.result().is_none() {
                core::mem::forget(irp);
            }
        }
        for m in core::mem::take(&mut self.modules) {
            let paused = self.host.pause(m);
            if paused == Ok(STATUS_PENDING) {
                let _ = self.host.complete_below(m, 0, false);
            }
            let _ = self.host.detach(m);
        }
        self.host.unload();
        self.violations.extend(verifier::take());
        core::mem::take(&mut self.violations)
    }
}
