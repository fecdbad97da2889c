//! The dispatcher: a decoded request onto the control plane, the response into the caller's
//! output buffer.
//!
//! A request that fails changes nothing: the decoder checks the whole input first, the response's
//! size is checked against the output before the operation runs, and the control plane's
//! operations are themselves all or nothing. The control plane's refusals are ordinary responses
//! whose status is the NPF code; [`DispatchError`] is only for requests that never reached it.
//!
//! Events use the inverted call: `EventWait` completes at once with the waiting events, or its
//! request (named by the driver's token, e.g. the IRP) joins a bounded queue of pending requests;
//! [`Dispatcher::ready`] hands one back when events arrive, [`Dispatcher::complete_events`] fills
//! its buffer. A request refused because the queue is full is counted.

use alloc::collections::VecDeque;

use ipsecov2_control_plane::{ControlPlane, PlaneError, SaStore};

use crate::codes::{Family, Ioctl};
use crate::error::{DispatchError, Fault};
use crate::request::{decode, Request, TestRequest};
use crate::response::{with_header, EVENTS_PREFIX_LEN, HANDSHAKE_LEN};
use crate::wire::{EVENT_LEN, MAX_ARRAY, PROTOCOL_VERSION, RESPONSE_HEADER_LEN};

/// Handshake feature bit: the test family is enabled.
pub const FEATURE_TEST_FAMILY: u32 = 1 << 0;

/// The dispatcher's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DispatcherConfig {
    /// The adapter's keyword enables the test family (off in production installs).
    pub test_family: bool,
    /// Most `EventWait` requests pending at once.
    pub max_pending: usize,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            test_family: false,
            max_pending: 16,
        }
    }
}

/// How a request completes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion<'a> {
    /// Completed: this many bytes of output were written.
    Done(usize),
    /// `EventWait` with no event waiting: the request is pending under its token.
    Pending,
    /// A test-family request for the driver to carry out on a filter module.
    Test(TestRequest<'a>),
}

/// The dispatcher: configuration and the pending `EventWait` requests.
#[derive(Debug)]
pub struct Dispatcher {
    config: DispatcherConfig,
    pending: VecDeque<(u64, u32)>,
    refused: u64,
}

mod events;
mod policy;
mod queries;
mod respond;
mod sa;
mod spd;
mod spi;
mod stats;
mod test;

use respond::{need, respond, too_small};
pub use test::{
    InjectAnswer, NblOutcome, OidAnswer, FRAME_PREFIX_LEN, INJECT_PREFIX_LEN, INJECT_RECORD_LEN,
    OID_PREFIX_LEN,
};

impl Dispatcher {
    /// A dispatcher; the pending queue's storage is reserved now.
    pub fn new(config: DispatcherConfig) -> Result<Self, PlaneError> {
        let mut pending = VecDeque::new();
        pending.try_reserve_exact(config.max_pending)?;
        Ok(Self {
            config,
            pending,
            refused: 0,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> DispatcherConfig {
        self.config
    }

    /// Enables or disables the test family (the driver follows its adapters' keyword as
    /// filter modules attach and detach).
    pub fn set_test_family(&mut self, enabled: bool) {
        self.config.test_family = enabled;
    }

    /// `EventWait` requests pending.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// `EventWait` requests refused because the pending queue was full.
    #[must_use]
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// Forgets a pending request (cancelled IRP); false if it was not pending.
    pub fn cancel(&mut self, token: u64) -> bool {
        let before = self.pending.len();
        self.pending.retain(|(t, _)| *t != token);
        before != self.pending.len()
    }

    /// A pending request to complete now, with its `max_events`, when events are waiting.
    pub fn ready<S: SaStore>(&mut self, plane: &ControlPlane<S>) -> Option<(u64, u32)> {
        if plane.events().is_empty() {
            return None;
        }
        self.pending.pop_front()
    }

    /// Decodes the request of `code` in `input`, runs it on `plane` and writes the response
    /// into `output`. `token` names the request if it must pend (`EventWait`).
    pub fn dispatch<'a, S: SaStore>(
        &mut self,
        plane: &mut ControlPlane<S>,
        code: u32,
        token: u64,
        input: &'a [u8],
        output: &mut [u8],
    ) -> Result<Completion<'a>, DispatchError> {
        if let Some(ioctl) = Ioctl::from_code(code) {
            if ioctl.family() == Family::Test && !self.config.test_family {
                return Err(DispatchError::TestFamilyDisabled);
            }
        }
        let (ioctl, request) = decode(code, input)?;
        // Every response has at least its header.
        if output.len() < RESPONSE_HEADER_LEN {
            return Err(too_small(RESPONSE_HEADER_LEN));
        }
        match request {
            Request::Test(t) => Ok(Completion::Test(t)),
            Request::EventWait { max_events } => {
                if !plane.events().is_empty() {
                    return Self::complete_events(plane, max_events, output).map(Completion::Done);
                }
                let needed = with_header(EVENTS_PREFIX_LEN) + EVENT_LEN;
                if output.len() < needed {
                    return Err(too_small(needed));
                }
                if self.pending.len() >= self.config.max_pending {
                    self.refused = self.refused.saturating_add(1);
                    return Err(DispatchError::PendingQueueFull);
                }
                self.pending.push_back((token, max_events));
                Ok(Completion::Pending)
            }
            other => self.run(plane, ioctl, other, output).map(Completion::Done),
        }
    }

    fn handshake<S: SaStore>(
        &self,
        plane: &ControlPlane<S>,
        min: u16,
        max: u16,
        out: &mut [u8],
    ) -> Result<usize, DispatchError> {
        if min > max || !(min..=max).contains(&PROTOCOL_VERSION) {
            return Err(Fault::NoCommonVersion.into());
        }
        need(out, with_header(HANDSHAKE_LEN))?;
        let l = plane.limits();
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let features = if self.config.test_family {
            FEATURE_TEST_FAMILY
        } else {
            0
        };
        respond(out, Ok(()), |w, ()| {
            w.u16(PROTOCOL_VERSION)?;
            w.u16(0)?;
            w.u32(features)?;
            for v in [l.spds, l.policies, l.sas, l.selectors, l.events, l.batch] {
                w.u32(n(v))?;
            }
            w.u32(MAX_ARRAY)
        })
    }

    fn run<S: SaStore>(
        &mut self,
        plane: &mut ControlPlane<S>,
        ioctl: Ioctl,
        request: Request<'_>,
        out: &mut [u8],
    ) -> Result<usize, DispatchError> {
        let code = ioctl.code();
        match ioctl.family() {
            Family::Handshake => match request {
                Request::Handshake { min, max } => self.handshake(plane, min, max, out),
                // The decoder gives this family no other request.
                _ => Err(DispatchError::UnknownIoctl(code)),
            },
            Family::Spd => spd::run(plane, code, request, out),
            Family::Policy => policy::run(plane, code, request, out),
            Family::Sa => sa::run(plane, code, request, out),
            Family::Spi => spi::run(plane, code, request, out),
            Family::Stats => stats::run(plane, code, request, out),
            Family::Query => queries::run(plane, code, request, out),
            Family::Events => events::run(plane, code, request, out),
            // `dispatch` hands test requests to the driver and never passes them here.
            Family::Test => Err(DispatchError::UnknownIoctl(code)),
        }
    }
}
