//! The harness: the service over the in-process control plane, directly or through the IOCTL
//! dispatcher, or over the real driver binary loaded by the PE host (feature `pe-host`), with
//! its completions and events as the C callbacks see them.

use std::collections::BTreeSet;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::plane::{in_process, policy};
use npf_ipsec_sapi::abi::*;
use npf_ipsec_sapi::c_abi::response::CallbackData;
use npf_ipsec_sapi::model::{Direction, Event, PolicyHandle, SpdHandle};
use npf_ipsec_sapi::service::{Completion, Reporting, Service};
use npf_ipsec_sapi::transport::dispatched::Dispatched;
use npf_ipsec_sapi::transport::in_process::InProcess;
#[cfg(feature = "pe-host")]
use npf_ipsec_sapi::transport::pe_host::{PeHost, PeHostConfig};
use npf_ipsec_sapi::{Done, Reply, Request, SyncError, Transport, TransportError};

/// One completion as the C callback sees it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub callback_type: u32,
    pub all_ok: bool,
    pub errors: Vec<u32>,
    pub done: Option<Done>,
}

/// The control plane a harness drives.
#[derive(Clone)]
pub enum Plane {
    /// In this process (reached directly, or through the IOCTL dispatcher).
    InProcess(InProcess),
    /// The driver binary in the PE host.
    #[cfg(feature = "pe-host")]
    Binary(PeHost),
}

impl Plane {
    /// A fresh plane for `via`: the test plane (interfaces 1 to 3), or the driver binary with
    /// modules on interfaces 1 to 3.
    pub fn for_via(via: Via) -> Self {
        match via {
            Via::Direct | Via::Ioctl => Self::InProcess(in_process()),
            #[cfg(feature = "pe-host")]
            Via::Binary => Self::Binary(binary(PeHostConfig::default())),
        }
    }

    /// The transport the service runs on.
    pub fn carrier(&self, via: Via) -> Box<dyn Transport> {
        match (self, via) {
            (Self::InProcess(t), Via::Direct) => Box::new(t.clone()),
            (Self::InProcess(t), _) => Box::new(Dispatched::new(t).expect("dispatcher")),
            #[cfg(feature = "pe-host")]
            (Self::Binary(b), _) => Box::new(b.clone()),
        }
    }

    /// Runs `req` on the plane, past the adapter's checks (the device's messages for the
    /// binary).
    pub fn execute(&self, req: &Request) -> Result<Reply, TransportError> {
        match self {
            Self::InProcess(t) => t.clone().execute(req),
            #[cfg(feature = "pe-host")]
            Self::Binary(b) => b.clone().execute(req),
        }
    }
}

/// The driver binary (`$IPSECOV2_SYS` or the workspace's linked `.sys`) loaded with `config`.
#[cfg(feature = "pe-host")]
pub fn binary(config: PeHostConfig) -> PeHost {
    PeHost::start(config).unwrap_or_else(|e| {
        panic!("{e} (link the driver with tests/pe-host/build-sys, or set IPSECOV2_SYS)")
    })
}

pub struct Harness {
    pub service: Service,
    pub plane: Plane,
    pub via: Via,
    pub cb: u32,
    pub rx: Receiver<Seen>,
    pub events: Arc<Mutex<Vec<Event>>>,
    pub covered: BTreeSet<(&'static str, u32)>,
}

impl Harness {
    pub fn new(via: Via) -> Self {
        Self::over(Plane::for_via(via), via)
    }

    pub fn with(transport: InProcess, via: Via) -> Self {
        Self::over(Plane::InProcess(transport), via)
    }

    pub fn over(plane: Plane, via: Via) -> Self {
        let service = Service::start(plane.carrier(via)).expect("service");
        let (tx, rx) = channel();
        let tx = Mutex::new(tx);
        let cb = service
            .register(
                None,
                Arc::new(move |c: &Completion| {
                    let mut d = CallbackData::build(c);
                    let data = d.data();
                    let seen = Seen {
                        callback_type: data.r#type,
                        all_ok: data.allOK != NPF_FALSE,
                        errors: d.responses().iter().map(|r| r.error).collect(),
                        done: c.reply.clone().ok(),
                    };
                    assert_eq!(usize::try_from(data.nResp).ok(), Some(seen.errors.len()));
                    let _ = tx.lock().expect("sender").send(seen);
                }),
            )
            .expect("register");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        service
            .event_register(
                None,
                NPF_IPSEC_EVENT_ALL_ENABLE,
                Arc::new(move |e: &[Event]| sink.lock().expect("events").extend_from_slice(e)),
            )
            .expect("event register");
        Self {
            service,
            plane,
            via,
            cb,
            rx,
            events,
            covered: BTreeSet::new(),
        }
    }

    /// Runs `req`; the completion must carry `code` (in its first response).
    pub fn expect(&mut self, func: &'static str, req: Request, code: u32) -> Seen {
        let ty = req.callback_type();
        self.service
            .submit(self.cb, 7, Reporting::All, req)
            .unwrap_or_else(|e| panic!("{func}: refused synchronously with {e}"));
        let seen = self
            .rx
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("{func}: no completion"));
        assert_eq!(seen.callback_type, ty, "{func}: callback type");
        assert_eq!(seen.errors.first().copied(), Some(code), "{func}: {seen:?}");
        assert_eq!(seen.all_ok, code == NPF_NO_ERROR, "{func}: allOK");
        self.covered.insert((func, code));
        seen
    }

    /// Runs `req`, which must succeed, and returns its data.
    pub fn ok(&mut self, func: &'static str, req: Request) -> Done {
        self.expect(func, req, NPF_NO_ERROR).done.expect("data")
    }

    /// `req` must be refused synchronously with `code`, and complete nothing.
    pub fn expect_sync(&mut self, func: &'static str, req: Request, code: u32) {
        let e = self
            .service
            .submit(self.cb, 7, Reporting::All, req)
            .expect_err(func);
        assert_eq!(e.code(), code, "{func}: {e}");
        self.service.wait_idle();
        assert!(
            self.rx.try_recv().is_err(),
            "{func}: no completion after a synchronous error"
        );
        self.covered.insert((func, code | SYNC));
    }

    /// `req`, sent past the adapter's checks to the control plane, completes with `code`.
    pub fn expect_plane(&mut self, func: &'static str, req: &Request, code: u32) {
        let reply = self.plane.execute(req).expect("transport");
        let got = reply.err().map_or(NPF_NO_ERROR, |f| f.error.code());
        assert_eq!(got, code, "{func}: control plane");
        self.covered.insert((func, code));
    }

    pub fn spd(&mut self, direction: Direction, ifs: &[u32], id: u32) -> SpdHandle {
        match self.ok(
            "SPD_Create",
            Request::SpdCreate {
                direction,
                ifs: ifs.to_vec(),
                id,
            },
        ) {
            Done::Spd(h) => h,
            other => panic!("{other:?}"),
        }
    }

    pub fn policy(&mut self, id: u32, n: u8, spd: SpdHandle, direction: Direction) -> PolicyHandle {
        let req = Request::PolicyCreate {
            policy: policy(id, n),
            spds: vec![(spd, 10)],
            direction,
        };
        match self.ok("Policy_Create", req) {
            Done::Policy(h) => h,
            other => panic!("{other:?}"),
        }
    }

    pub fn events(&self) -> Vec<Event> {
        self.service.flush_events();
        std::mem::take(&mut *self.events.lock().expect("events"))
    }
}

/// How the service reaches the control plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    /// Calling it directly.
    Direct,
    /// Through the driver's IOCTL dispatcher (the device's messages).
    Ioctl,
    /// The real driver binary loaded by the PE host: the device's messages as IRPs through its
    /// dispatch routine.
    #[cfg(feature = "pe-host")]
    Binary,
}

impl Drop for Harness {
    /// Over the binary: the driver is unloaded and the host's verifier must have seen nothing
    /// (IRQL, locks, leaks, IRP completion) during the whole run.
    fn drop(&mut self) {
        #[cfg(feature = "pe-host")]
        if let Plane::Binary(b) = &self.plane {
            // A test that failed already: no second panic (that would abort the run).
            if std::thread::panicking() {
                let _ = b.shutdown();
                return;
            }
            self.service.wait_idle();
            let violations = b.shutdown().expect("driver shutdown");
            assert_eq!(violations, Vec::<String>::new(), "verifier");
        }
    }
}

/// Marks a code as returned synchronously in the coverage set.
pub const SYNC: u32 = 1 << 31;

pub fn generic_sync(h: &mut Harness, func: &'static str, req: Request) {
    // NPF_E_BAD_CALLBACK_HANDLE: a handle never registered.
    let e = h
        .service
        .submit(h.cb + 100, 0, Reporting::All, req)
        .expect_err(func);
    assert_eq!(e, SyncError::BadCallbackHandle);
    h.covered.insert((func, NPF_E_BAD_CALLBACK_HANDLE | SYNC));
}
