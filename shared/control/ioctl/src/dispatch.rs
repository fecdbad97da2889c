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
use alloc::vec::Vec;

use ipsecov2_control_plane::{
    ControlPlane, PlaneError, PolicyHandle, PolicySpec, SaAddRequest, SaHandle, SaStore, Selector,
    SpdBindings, SpdHandle, NPF_NO_ERROR,
};

use crate::codes::{Family, Ioctl};
use crate::error::{DispatchError, Fault};
use crate::request::{decode, Request, Selectors, TestRequest, U32s};
use crate::response::{
    self, begin, finish, status_only, with_header, EVENTS_PREFIX_LEN, GLOBAL_STATS_LEN,
    HANDSHAKE_LEN, POLICY_STATS_LEN, SA_STATS_LEN,
};
use crate::wire::{
    Writer, EVENT_LEN, MAX_ARRAY, PROTOCOL_VERSION, RESPONSE_HEADER_LEN, SA_LEN, SELECTOR_LEN,
};

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

fn too_small(needed: usize) -> DispatchError {
    DispatchError::OutputTooSmall { needed }
}

fn vec_of<T>(src: impl Iterator<Item = T>, n: usize) -> Result<Vec<T>, PlaneError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)?;
    v.extend(src);
    Ok(v)
}

fn selectors(s: &Selectors<'_>) -> Result<Vec<Selector>, PlaneError> {
    vec_of(s.iter(), s.len())
}

fn u32s<T>(a: &U32s<'_>, f: impl Fn(u32) -> T) -> Result<Vec<T>, PlaneError> {
    vec_of(a.iter().map(f), a.len())
}

/// Writes a plane result: Ok with a body writer, or the error's status.
fn respond<T>(
    out: &mut [u8],
    result: Result<T, (PlaneError, u32)>,
    body: impl FnOnce(&mut Writer<'_>, T) -> Result<(), usize>,
) -> Result<usize, DispatchError> {
    let mut w = Writer::new(out);
    match result {
        Ok(v) => {
            begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
            body(&mut w, v).map_err(too_small)?;
        }
        Err((e, index)) => begin(&mut w, e.code(), index).map_err(too_small)?,
    }
    Ok(finish(&mut w))
}

fn plain<T>(r: Result<T, PlaneError>) -> Result<T, (PlaneError, u32)> {
    r.map_err(|e| (e, 0))
}

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

    /// Fills an `EventWait` response with waiting events (at most `max_events`, 0 = as many as
    /// fit): u32 count, u32 reserved, u64 events dropped so far, then 64-byte event records.
    pub fn complete_events<S: SaStore>(
        plane: &mut ControlPlane<S>,
        max_events: u32,
        out: &mut [u8],
    ) -> Result<usize, DispatchError> {
        let fixed = with_header(EVENTS_PREFIX_LEN);
        if out.len() < fixed + EVENT_LEN {
            return Err(too_small(fixed + EVENT_LEN));
        }
        let room = (out.len() - fixed) / EVENT_LEN;
        let cap = if max_events == 0 {
            room
        } else {
            room.min(usize::try_from(max_events).unwrap_or(usize::MAX))
        };
        let n = cap.min(plane.events().len());
        let dropped = plane.events().counters().dropped_full;
        let mut w = Writer::new(out);
        begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
        w.u32(u32::try_from(n).unwrap_or(u32::MAX))
            .map_err(too_small)?;
        w.u32(0).map_err(too_small)?;
        w.u64(dropped).map_err(too_small)?;
        for _ in 0..n {
            let Some(e) = plane.pop_event() else { break };
            response::event(&mut w, &e).map_err(too_small)?;
        }
        Ok(finish(&mut w))
    }

    /// Encodes the result of a test request the driver carried out: its NTSTATUS, then the
    /// bytes it produced (an OID's InformationBuffer, or nothing).
    pub fn complete_test(
        out: &mut [u8],
        ntstatus: u32,
        data: &[u8],
    ) -> Result<usize, DispatchError> {
        let needed = with_header(8 + data.len());
        if out.len() < needed {
            return Err(too_small(needed));
        }
        let mut w = Writer::new(out);
        begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
        w.u32(ntstatus).map_err(too_small)?;
        w.u32(u32::try_from(data.len()).unwrap_or(u32::MAX))
            .map_err(too_small)?;
        w.put(data).map_err(too_small)?;
        Ok(finish(&mut w))
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
        let (_, request) = decode(code, input)?;
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
            other => self.run(plane, code, other, output).map(Completion::Done),
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

    #[allow(clippy::too_many_lines)]
    fn run<S: SaStore>(
        &mut self,
        plane: &mut ControlPlane<S>,
        code: u32,
        request: Request<'_>,
        out: &mut [u8],
    ) -> Result<usize, DispatchError> {
        match request {
            Request::Handshake { min, max } => self.handshake(plane, min, max, out),
            Request::SpdCreate {
                direction,
                spd_id,
                ifs,
            } => {
                need(out, with_header(4))?;
                let r = u32s(&ifs, |v| v).and_then(|v| plane.spd_create(direction, &v, spd_id));
                respond(out, plain(r), |w, h| w.u32(h.0))
            }
            Request::SpdDestroy { spds } | Request::SpdFlush { spds } => {
                let destroy = matches!(request, Request::SpdDestroy { .. });
                let r = u32s(&spds, SpdHandle).and_then(|v| {
                    if destroy {
                        plane.spd_destroy(&v)
                    } else {
                        plane.spd_flush(&v)
                    }
                });
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::SpdBind { spd, ifs } | Request::SpdUnbind { spd, ifs } => {
                let bind = matches!(request, Request::SpdBind { .. });
                let r = u32s(&ifs, |v| v).and_then(|v| {
                    if bind {
                        plane.spd_bind(SpdHandle(spd), &v)
                    } else {
                        plane.spd_unbind(SpdHandle(spd), &v)
                    }
                });
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::PolicyCreate {
                id,
                action,
                direction,
                selectors: sel,
                spds,
                priorities,
            } => {
                need(out, with_header(4))?;
                let r = (|| {
                    let sel = selectors(&sel)?;
                    let spds = u32s(&spds, SpdHandle)?;
                    let prios = u32s(&priorities, |v| v)?;
                    let spec = PolicySpec {
                        id,
                        action,
                        selectors: &sel,
                    };
                    plane.policy_create(&spec, &spds, &prios, direction)
                })();
                respond(out, plain(r), |w, h| w.u32(h.0))
            }
            Request::PolicyDestroy { policy } => {
                let r = plane.policy_destroy(PolicyHandle(policy));
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::PolicyBatchCreate {
                spd,
                direction,
                policies,
                priorities,
            } => {
                need(out, with_header(4 + 4 * policies.len()))?;
                let r = (|| {
                    let mut sels: Vec<Vec<Selector>> = Vec::new();
                    sels.try_reserve_exact(policies.len())
                        .map_err(|e| (PlaneError::from(e), 0))?;
                    let mut meta = Vec::new();
                    meta.try_reserve_exact(policies.len())
                        .map_err(|e| (PlaneError::from(e), 0))?;
                    for (id, action, s) in policies.iter() {
                        sels.push(selectors(&s).map_err(|e| (e, 0))?);
                        meta.push((id, action));
                    }
                    let specs = vec_of(
                        meta.iter().zip(&sels).map(|((id, action), s)| PolicySpec {
                            id: *id,
                            action: *action,
                            selectors: s,
                        }),
                        meta.len(),
                    )
                    .map_err(|e| (e, 0))?;
                    let prios = u32s(&priorities, |v| v).map_err(|e| (e, 0))?;
                    plane
                        .policy_batch_create(&specs, SpdHandle(spd), direction, &prios)
                        .map_err(|f| (f.error, f.index))
                })();
                respond(out, r, |w, handles| {
                    w.u32(u32::try_from(handles.len()).unwrap_or(u32::MAX))?;
                    for h in handles {
                        w.u32(h.0)?;
                    }
                    Ok(())
                })
            }
            Request::PolicyBatchDestroy { policies } => {
                let r = u32s(&policies, PolicyHandle)
                    .map_err(|e| (e, 0))
                    .and_then(|v| {
                        plane
                            .policy_batch_destroy(&v)
                            .map_err(|f| (f.error, f.index))
                    });
                respond(out, r, |_, ()| Ok(()))
            }
            Request::PolicyBind {
                policy,
                spds,
                priorities,
            } => {
                let r = (|| {
                    let spds = u32s(&spds, SpdHandle)?;
                    let prios = u32s(&priorities, |v| v)?;
                    plane.policy_bind(PolicyHandle(policy), &spds, &prios)
                })();
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::PolicyUnbind { policy, spds } => {
                let r = u32s(&spds, SpdHandle)
                    .and_then(|v| plane.policy_unbind(PolicyHandle(policy), &v));
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::PolicyBatchBind {
                policies,
                spd,
                direction,
                priorities,
            } => {
                let r = (|| {
                    let ps = u32s(&policies, PolicyHandle).map_err(|e| (e, 0))?;
                    let prios = u32s(&priorities, |v| v).map_err(|e| (e, 0))?;
                    plane
                        .policy_batch_bind(&ps, SpdHandle(spd), direction, &prios)
                        .map_err(|f| (f.error, f.index))
                })();
                respond(out, r, |_, ()| Ok(()))
            }
            Request::PolicyBatchUnbind { policies, spd } => {
                let r = u32s(&policies, PolicyHandle)
                    .map_err(|e| (e, 0))
                    .and_then(|v| {
                        plane
                            .policy_batch_unbind(&v, SpdHandle(spd))
                            .map_err(|f| (f.error, f.index))
                    });
                respond(out, r, |_, ()| Ok(()))
            }
            Request::PolicyChangePriority {
                spd,
                policy,
                priority,
            } => {
                let r =
                    plane.policy_change_priority(SpdHandle(spd), PolicyHandle(policy), priority);
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::SaAdd {
                policy,
                sa_id,
                sas,
                udp,
                selectors: sel,
                previous,
                direction,
                acquire_context,
                vendor_hint,
            } => {
                need(out, with_header(4))?;
                let r = (|| {
                    let sel = selectors(&sel)?;
                    let params = vec_of((0..sas.len()).filter_map(|i| sas.get(i)), sas.len())?;
                    plane.sa_add(&SaAddRequest {
                        policy: PolicyHandle(policy),
                        sa_id,
                        sas: &params,
                        udp,
                        selectors: &sel,
                        previous: SaHandle(previous),
                        direction,
                        acquire_context,
                        vendor_hint,
                    })
                })();
                respond(out, plain(r), |w, h| w.u32(h.0))
            }
            Request::SaRemove { policy, sa } => {
                let r = plane.sa_remove(PolicyHandle(policy), SaHandle(sa));
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::SpiReserve {
                policy,
                selectors: sel,
            } => {
                need(out, with_header(4))?;
                let r = selectors(&sel).and_then(|s| plane.reserve_spi(PolicyHandle(policy), &s));
                respond(out, plain(r), |w, spi| w.u32(spi))
            }
            Request::SpiRelease { policy, spi } => {
                let r = plane.release_spi(PolicyHandle(policy), spi);
                respond(out, plain(r), |_, ()| Ok(()))
            }
            Request::PolicyStats { policy, reset } => {
                need(out, with_header(POLICY_STATS_LEN))?;
                let r = plane.policy_stats(PolicyHandle(policy), reset);
                respond(out, plain(r), |w, s| response::policy_stats(w, &s))
            }
            Request::SaStats { policy, sa, reset } => {
                // Room for a two-SA bundle: the size must not depend on the result.
                need(out, with_header(8 + 2 * SA_STATS_LEN))?;
                let r = plane.sa_stats(PolicyHandle(policy), SaHandle(sa), reset);
                respond(out, plain(r), |w, s| {
                    w.u32(s.sa_id)?;
                    w.u32(u32::try_from(s.count).unwrap_or(0))?;
                    for st in s.stats.iter().take(s.count) {
                        response::sa_stats(w, st)?;
                    }
                    Ok(())
                })
            }
            Request::GlobalStats => {
                need(out, with_header(GLOBAL_STATS_LEN))?;
                let g = plane.global_stats();
                respond(out, Ok(g), |w, g| response::global_stats(w, &g))
            }
            Request::QueryAllSpds => {
                let n = plane.query_spds().count();
                need(out, with_header(4 + 12 * n))?;
                respond(out, Ok(()), |w, ()| {
                    w.u32(u32::try_from(n).unwrap_or(0))?;
                    for s in plane.query_spds() {
                        w.u32(s.id)?;
                        w.u32(s.handle.0)?;
                        w.u32(s.direction.to_u32())?;
                    }
                    Ok(())
                })
            }
            Request::QuerySpdBindings { spd } => {
                let r = plane.query_spd_bindings(SpdHandle(spd));
                let n = match r {
                    Ok(SpdBindings::Interfaces(l)) => l.len(),
                    _ => 0,
                };
                need(out, with_header(8 + 4 * n))?;
                respond(out, plain(r), |w, b| {
                    match b {
                        SpdBindings::All => {
                            w.u32(1)?;
                            w.u32(0)?;
                        }
                        SpdBindings::Interfaces(l) => {
                            w.u32(0)?;
                            w.u32(u32::try_from(l.len()).unwrap_or(0))?;
                            for i in l {
                                w.u32(*i)?;
                            }
                        }
                    }
                    Ok(())
                })
            }
            Request::QueryAllPolicies { spd } => {
                let n = plane
                    .query_policies(SpdHandle(spd))
                    .map_or(0, Iterator::count);
                need(out, with_header(4 + 8 * n))?;
                let r = plane.query_policies(SpdHandle(spd));
                respond(out, plain(r), |w, it| {
                    w.u32(u32::try_from(n).unwrap_or(0))?;
                    for (id, h) in it {
                        w.u32(id)?;
                        w.u32(h.0)?;
                    }
                    Ok(())
                })
            }
            Request::QueryPolicyBindings { policy } => {
                let n = plane
                    .query_policy_bindings(PolicyHandle(policy))
                    .map_or(0, Iterator::count);
                need(out, with_header(4 + 12 * n))?;
                let r = plane.query_policy_bindings(PolicyHandle(policy));
                respond(out, plain(r), |w, it| {
                    w.u32(u32::try_from(n).unwrap_or(0))?;
                    for s in it {
                        w.u32(s.id)?;
                        w.u32(s.handle.0)?;
                        w.u32(s.direction.to_u32())?;
                    }
                    Ok(())
                })
            }
            Request::QueryAllSas { spd } => {
                let n = plane.query_sas(SpdHandle(spd)).map_or(0, Iterator::count);
                need(out, with_header(4 + 8 * n))?;
                let r = plane.query_sas(SpdHandle(spd));
                respond(out, plain(r), |w, it| {
                    w.u32(u32::try_from(n).unwrap_or(0))?;
                    for (id, h) in it {
                        w.u32(id)?;
                        w.u32(h.0)?;
                    }
                    Ok(())
                })
            }
            Request::QueryPolicyData { policy } => {
                let r = plane.query_policy_data(PolicyHandle(policy));
                let n = r.map_or(0, |p| p.selectors.len());
                need(out, with_header(24 + SELECTOR_LEN * n))?;
                respond(out, plain(r), |w, p| {
                    w.u32(p.id)?;
                    w.u32(p.action.to_u32())?;
                    w.u32(p.direction.to_u32())?;
                    w.u32(u32::from(p.global_priority.is_some()))?;
                    w.u32(p.global_priority.unwrap_or(0))?;
                    w.u32(u32::try_from(p.selectors.len()).unwrap_or(0))?;
                    for s in p.selectors {
                        response::selector(w, s)?;
                    }
                    Ok(())
                })
            }
            Request::QuerySaData { sa } => {
                let r = plane.query_sa_data(SaHandle(sa));
                let (ns, nl) = r.map_or((0, 0), |v| (v.sas.len(), v.selectors.len()));
                need(out, with_header(40 + SA_LEN * ns + SELECTOR_LEN * nl))?;
                respond(out, plain(r), |w, v| {
                    w.u32(v.id)?;
                    w.u32(v.policy.0)?;
                    w.u32(v.direction.to_u32())?;
                    w.u16(v.udp.src)?;
                    w.u16(v.udp.dst)?;
                    w.u32(u32::try_from(v.sas.len()).unwrap_or(0))?;
                    w.u32(u32::try_from(v.selectors.len()).unwrap_or(0))?;
                    w.u64(v.offload)?;
                    w.u32(u32::from(v.retiring))?;
                    w.u32(v.acquire_context)?;
                    for m in v.sas {
                        response::sa(w, &m.params)?;
                    }
                    for s in v.selectors {
                        response::selector(w, s)?;
                    }
                    Ok(())
                })
            }
            Request::QuerySpdHandle { ids } => {
                need(out, with_header(4 + 16 * ids.len()))?;
                respond(out, Ok(()), |w, ()| {
                    w.u32(u32::try_from(ids.len()).unwrap_or(0))?;
                    for id in ids.iter() {
                        let r = plane.query_spd_handle(id);
                        w.u32(id)?;
                        w.u32(r.map_or(0, |s| s.handle.0))?;
                        w.u32(r.map_or(0, |s| s.direction.to_u32()))?;
                        w.u32(r.err().map_or(NPF_NO_ERROR, PlaneError::code))?;
                    }
                    Ok(())
                })
            }
            Request::QueryPolicyHandle { ids } => {
                need(out, with_header(4 + 12 * ids.len()))?;
                respond(out, Ok(()), |w, ()| {
                    w.u32(u32::try_from(ids.len()).unwrap_or(0))?;
                    for id in ids.iter() {
                        let r = plane.query_policy_handle(id);
                        w.u32(id)?;
                        w.u32(r.map_or(0, |h| h.0))?;
                        w.u32(r.err().map_or(NPF_NO_ERROR, PlaneError::code))?;
                    }
                    Ok(())
                })
            }
            Request::QuerySaHandle { policy, ids } => {
                need(out, with_header(4 + 12 * ids.len()))?;
                let p = PolicyHandle(policy);
                if let Err(e) = plane.query_policy_data(p) {
                    return status_only(out, e.code(), 0).map_err(too_small);
                }
                respond(out, Ok(()), |w, ()| {
                    w.u32(u32::try_from(ids.len()).unwrap_or(0))?;
                    for id in ids.iter() {
                        let r = plane.query_sa_handle(p, id);
                        w.u32(id)?;
                        w.u32(r.map_or(0, |h| h.0))?;
                        w.u32(r.err().map_or(NPF_NO_ERROR, PlaneError::code))?;
                    }
                    Ok(())
                })
            }
            Request::EventSetMask { mask } => {
                plane.events_mut().set_mask(mask);
                status_only(out, NPF_NO_ERROR, 0).map_err(too_small)
            }
            Request::EventRateLimit { limits } => {
                let r =
                    vec_of(limits.iter(), limits.len()).and_then(|v| plane.rate_limit_events(&v));
                respond(out, plain(r), |_, ()| Ok(()))
            }
            // `dispatch` completes these itself and never passes them here.
            Request::EventWait { .. } | Request::Test(_) => Err(DispatchError::UnknownIoctl(code)),
        }
    }
}

/// Checks the output can hold `needed` bytes before anything runs.
fn need(out: &[u8], needed: usize) -> Result<(), DispatchError> {
    if out.len() < needed {
        Err(too_small(needed))
    } else {
        Ok(())
    }
}
