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
use crate::model::{
    Action, CryptoDropped, Direction, Event, EventLimit, IpAddr, PacketFields, Policy,
    PolicyHandle, PolicyIdentity, PortRange, RateLimit, SaAdd, SaBundleStats, SaData, SaFlags,
    SaHandle, SaIdentity, SaParams, Selector, SelectorAddr, SpdBindings, SpdHandle, SpdIdentity,
    TunnelEndpoints,
};
use crate::request::{Done, Failure, Reply, Request};
use crate::transport::Transport;

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

// --- model -> control plane ------------------------------------------------------------------

pub(crate) fn dir(d: Direction) -> cp::Direction {
    match d {
        Direction::Inbound => cp::Direction::Inbound,
        Direction::Outbound => cp::Direction::Outbound,
    }
}

pub(crate) fn ip(a: IpAddr) -> cp::IpAddr {
    match a {
        IpAddr::V4(o) => cp::IpAddr::V4(o),
        IpAddr::V6(o) => cp::IpAddr::V6(o),
    }
}

pub(crate) fn sel_addr(a: SelectorAddr) -> cp::SelectorAddr {
    match a {
        SelectorAddr::Prefix(addr, len) => cp::SelectorAddr::Prefix {
            addr: ip(addr),
            len,
        },
        SelectorAddr::Range(start, end) => cp::SelectorAddr::Range {
            start: ip(start),
            end: ip(end),
        },
    }
}

pub(crate) fn ports(p: PortRange) -> cp::PortRange {
    cp::PortRange {
        start: p.start,
        end: p.end,
    }
}

pub(crate) fn selector(s: &Selector) -> cp::Selector {
    cp::Selector {
        rule_flags: s.rule_flags,
        ip_version: s.ip_version,
        protocol: s.protocol,
        src: sel_addr(s.src),
        dst: sel_addr(s.dst),
        src_port: ports(s.src_port),
        dst_port: ports(s.dst_port),
    }
}

pub(crate) fn selectors(s: &[Selector]) -> Vec<cp::Selector> {
    s.iter().map(selector).collect()
}

/// The control plane's action, or the agreement's error for an unknown value.
pub(crate) fn action(a: Action) -> Result<cp::Action, Failure> {
    match a {
        Action::Protect => Ok(cp::Action::Protect),
        Action::Discard => Ok(cp::Action::Discard),
        Action::Bypass => Ok(cp::Action::Bypass),
        Action::Other(_) => Err(Failure::of(NpfError::InvalidPolicyAction)),
    }
}

pub(crate) fn unspecified(version: u8) -> cp::IpAddr {
    if version == 6 {
        cp::IpAddr::V6([0; 16])
    } else {
        cp::IpAddr::V4([0; 4])
    }
}

pub(crate) fn sa_params<'a>(p: &'a SaParams, version: u8) -> cp::SaParams<'a> {
    let tunnel = match p.tunnel {
        Some(t) => cp::TunnelEndpoints {
            src: ip(t.src),
            dst: ip(t.dst),
        },
        None => cp::TunnelEndpoints {
            src: unspecified(version),
            dst: unspecified(version),
        },
    };
    cp::SaParams {
        spi: p.spi,
        flow_label: p.flow_label,
        flags: p.flags.0,
        auth_algo: p.auth_algo,
        enc_algo: p.enc_algo,
        soft_kbytes: p.soft_kbytes,
        hard_kbytes: p.hard_kbytes,
        soft_secs: p.soft_secs,
        hard_secs: p.hard_secs,
        tunnel,
        auth_key: &p.auth_key,
        auth_key_bits: p.auth_key_bits,
        enc_key: &p.enc_key,
        enc_key_bits: p.enc_key_bits,
        replay_window: p.replay_window,
    }
}

pub(crate) fn event_limit(l: &EventLimit) -> Result<cp::EventLimit, Failure> {
    let limit = match l.limit {
        RateLimit::PerSecond(n) => cp::RateLimit::PerSecond(n),
        RateLimit::EveryN(n) => cp::RateLimit::EveryN(n),
        RateLimit::Other(_) => return Err(Failure::of(NpfError::BadEventId)),
    };
    Ok(cp::EventLimit {
        event: l.event,
        limit,
    })
}

// --- control plane -> model ------------------------------------------------------------------

pub(crate) fn dir_back(d: cp::Direction) -> Direction {
    match d {
        cp::Direction::Inbound => Direction::Inbound,
        cp::Direction::Outbound => Direction::Outbound,
    }
}

pub(crate) fn ip_back(a: cp::IpAddr) -> IpAddr {
    match a {
        cp::IpAddr::V4(o) => IpAddr::V4(o),
        cp::IpAddr::V6(o) => IpAddr::V6(o),
    }
}

pub(crate) fn selector_back(s: &cp::Selector) -> Selector {
    let addr = |a: cp::SelectorAddr| match a {
        cp::SelectorAddr::Prefix { addr, len } => SelectorAddr::Prefix(ip_back(addr), len),
        cp::SelectorAddr::Range { start, end } => SelectorAddr::Range(ip_back(start), ip_back(end)),
    };
    Selector {
        rule_flags: s.rule_flags,
        ip_version: s.ip_version,
        protocol: s.protocol,
        src: addr(s.src),
        dst: addr(s.dst),
        src_port: PortRange {
            start: s.src_port.start,
            end: s.src_port.end,
        },
        dst_port: PortRange {
            start: s.dst_port.start,
            end: s.dst_port.end,
        },
    }
}

pub(crate) fn action_back(a: cp::Action) -> Action {
    match a {
        cp::Action::Protect => Action::Protect,
        cp::Action::Discard => Action::Discard,
        cp::Action::Bypass => Action::Bypass,
    }
}

pub(crate) fn spd_identity(s: cp::SpdIdentity) -> SpdIdentity {
    SpdIdentity {
        id: s.id,
        handle: SpdHandle(s.handle.0),
        direction: Some(dir_back(s.direction)),
    }
}

pub(crate) fn packet_back(p: &cp::PacketFields) -> PacketFields {
    PacketFields {
        protocol: p.protocol,
        src: ip_back(p.src),
        dst: ip_back(p.dst),
        src_port: p.src_port,
        dst_port: p.dst_port,
    }
}

pub(crate) fn sa_params_back(p: &cp::SaParams<'_>) -> SaParams {
    let unspecified = |a: cp::IpAddr| match a {
        cp::IpAddr::V4(o) => o == [0; 4],
        cp::IpAddr::V6(o) => o == [0; 16],
    };
    let tunnel =
        (!(unspecified(p.tunnel.src) && unspecified(p.tunnel.dst))).then(|| TunnelEndpoints {
            src: ip_back(p.tunnel.src),
            dst: ip_back(p.tunnel.dst),
        });
    SaParams {
        spi: p.spi,
        flow_label: p.flow_label,
        flags: SaFlags(p.flags),
        auth_algo: p.auth_algo,
        enc_algo: p.enc_algo,
        soft_kbytes: p.soft_kbytes,
        hard_kbytes: p.hard_kbytes,
        soft_secs: p.soft_secs,
        hard_secs: p.hard_secs,
        tunnel,
        auth_key: Vec::new(),
        auth_key_bits: p.auth_key_bits,
        enc_key: Vec::new(),
        enc_key_bits: p.enc_key_bits,
        replay_window: p.replay_window,
    }
}

pub(crate) fn sa_stats_back(s: &cp::SaStats) -> crate::model::SaStats {
    crate::model::SaStats {
        HMAC_Errors: s.hmac_errors,
        decryptErrors: s.decrypt_errors,
        replayErrors: s.replay_errors,
        selectorErrors: s.selector_errors,
        packetCount: s.packet_count,
        bytesUsed: s.bytes_used,
        bytesRemaining: s.bytes_remaining,
        secsUsed: s.secs_used,
        secsRemaining: s.secs_remaining,
        sequenceNo: s.sequence_no,
        exceptions: s.exceptions,
        replayBitmap: s.replay_bitmap,
    }
}

/// A control-plane event as the model's.
#[must_use]
pub fn event_back(e: &cp::Event) -> Event {
    match e {
        cp::Event::Acquire {
            spd_id,
            policy_id,
            packet,
            acquire_context,
        } => Event::Acquire {
            spd_id: *spd_id,
            policy_id: *policy_id,
            packet: packet_back(packet),
            acquire_context: *acquire_context,
        },
        cp::Event::Expire { kind, sa_id } => Event::Expire {
            event: kind.to_u32(),
            sa_id: *sa_id,
        },
        cp::Event::Packet {
            kind,
            spd_id,
            policy_id,
            sa_id,
            packet,
        } => Event::Packet {
            event: kind.to_u32(),
            spd_id: *spd_id,
            policy_id: *policy_id,
            sa_id: *sa_id,
            packet: packet_back(packet),
        },
        cp::Event::Crypto { kind, info } => Event::Crypto {
            event: kind.to_u32(),
            info: CryptoDropped {
                src: ip_back(info.src),
                dst: ip_back(info.dst),
                protocol: info.protocol,
                spi: info.spi,
                flow_label: info.flow_label,
                seq_no: info.seq_no,
                count: info.count,
            },
        },
    }
}

fn batch(f: cp::BatchFailure) -> Failure {
    Failure::at(f.index, plane_err(f.error))
}

fn one<T>(r: Result<T, cp::PlaneError>) -> Result<T, Failure> {
    r.map_err(|e| Failure::of(plane_err(e)))
}

/// Runs one request on the control plane.
pub fn run(plane: &mut HostPlane, request: &Request) -> Reply {
    match request {
        Request::RateLimitEvents(limits) => {
            let limits = limits
                .iter()
                .map(event_limit)
                .collect::<Result<Vec<_>, _>>()?;
            one(plane.rate_limit_events(&limits)).map(|()| Done::Unit)
        }
        Request::SpdCreate { direction, ifs, id } => {
            one(plane.spd_create(dir(*direction), ifs, *id)).map(|h| Done::Spd(SpdHandle(h.0)))
        }
        // 6.6.3, 6.6.6: an empty list means every SPD; the control plane says so itself.
        Request::SpdDestroy(spds) => {
            let list = responses(plane, spds);
            one(plane.spd_destroy(&to_cp_spds(spds))).map(|()| Done::Spds(list))
        }
        Request::SpdBind { spd, ifs } => {
            one(plane.spd_bind(cp::SpdHandle(spd.0), ifs)).map(|()| Done::Unit)
        }
        Request::SpdUnbind { spd, ifs } => {
            one(plane.spd_unbind(cp::SpdHandle(spd.0), ifs)).map(|()| Done::Unit)
        }
        Request::SpdFlush(spds) => {
            let list = responses(plane, spds);
            one(plane.spd_flush(&to_cp_spds(spds))).map(|()| Done::Spds(list))
        }
        Request::PolicyCreate {
            policy,
            spds,
            direction,
        } => {
            let sel = selectors(&policy.selectors);
            let spec = cp::PolicySpec {
                id: policy.id,
                action: action(policy.action)?,
                selectors: &sel,
            };
            let handles: Vec<cp::SpdHandle> =
                spds.iter().map(|(s, _)| cp::SpdHandle(s.0)).collect();
            let prios: Vec<u32> = spds.iter().map(|(_, p)| *p).collect();
            one(plane.policy_create(&spec, &handles, &prios, dir(*direction)))
                .map(|h| Done::Policy(PolicyHandle(h.0)))
        }
        Request::PolicyDestroy(p) => {
            one(plane.policy_destroy(cp::PolicyHandle(p.0))).map(|()| Done::Unit)
        }
        Request::PolicyBatchCreate {
            policies,
            spd,
            direction,
        } => {
            let sels: Vec<Vec<cp::Selector>> = policies
                .iter()
                .map(|(p, _)| selectors(&p.selectors))
                .collect();
            let mut specs = Vec::with_capacity(policies.len());
            for (i, ((p, _), sel)) in policies.iter().zip(&sels).enumerate() {
                let action = action(p.action).map_err(|f| Failure {
                    index: u32::try_from(i).ok(),
                    ..f
                })?;
                specs.push(cp::PolicySpec {
                    id: p.id,
                    action,
                    selectors: sel,
                });
            }
            let prios: Vec<u32> = policies.iter().map(|(_, p)| *p).collect();
            plane
                .policy_batch_create(&specs, cp::SpdHandle(spd.0), dir(*direction), &prios)
                .map(|hs| Done::PolicyHandles(hs.into_iter().map(|h| PolicyHandle(h.0)).collect()))
                .map_err(batch)
        }
        Request::PolicyBatchDestroy(ps) => plane
            .policy_batch_destroy(&to_cp_policies(ps))
            .map(|()| Done::Unit)
            .map_err(batch),
        Request::PolicyBind { policy, spds } => {
            let handles: Vec<cp::SpdHandle> =
                spds.iter().map(|(s, _)| cp::SpdHandle(s.0)).collect();
            let prios: Vec<u32> = spds.iter().map(|(_, p)| *p).collect();
            one(plane.policy_bind(cp::PolicyHandle(policy.0), &handles, &prios))
                .map(|()| Done::Unit)
        }
        Request::PolicyUnbind { policy, spds } => {
            one(plane.policy_unbind(cp::PolicyHandle(policy.0), &to_cp_spds(spds)))
                .map(|()| Done::Unit)
        }
        Request::PolicyBatchBind {
            policies,
            spd,
            direction,
        } => {
            let handles: Vec<cp::PolicyHandle> = policies
                .iter()
                .map(|(p, _)| cp::PolicyHandle(p.0))
                .collect();
            let prios: Vec<u32> = policies.iter().map(|(_, p)| *p).collect();
            plane
                .policy_batch_bind(&handles, cp::SpdHandle(spd.0), dir(*direction), &prios)
                .map(|()| Done::Unit)
                .map_err(batch)
        }
        Request::PolicyBatchUnbind { policies, spd } => plane
            .policy_batch_unbind(&to_cp_policies(policies), cp::SpdHandle(spd.0))
            .map(|()| Done::Unit)
            .map_err(batch),
        Request::PolicyChangePriority {
            spd,
            policy,
            priority,
        } => one(plane.policy_change_priority(
            cp::SpdHandle(spd.0),
            cp::PolicyHandle(policy.0),
            *priority,
        ))
        .map(|()| Done::Unit),
        Request::SaAdd(add) => sa_add(plane, add),
        Request::SaRemove { policy, sa } => {
            one(plane.sa_remove(cp::PolicyHandle(policy.0), cp::SaHandle(sa.0)))
                .map(|()| Done::Unit)
        }
        Request::ReserveSpi {
            policy,
            selectors: sel,
        } => one(plane.reserve_spi(cp::PolicyHandle(policy.0), &selectors(sel))).map(Done::Spi),
        Request::ReleaseSpi { policy, spi } => {
            one(plane.release_spi(cp::PolicyHandle(policy.0), *spi)).map(|()| Done::Unit)
        }
        Request::PolicyGetStats { policy, reset } => {
            one(plane.policy_stats(cp::PolicyHandle(policy.0), *reset)).map(|s| {
                Done::PolicyStats(crate::model::PolicyStats {
                    spdID: s.spd_id,
                    policyID: s.policy_id,
                    policyErrors: s.policy_errors,
                    acquiredSAs: s.acquired_sas,
                    exceptions: s.exceptions,
                })
            })
        }
        Request::SaGetStats { policy, sa, reset } => {
            one(plane.sa_stats(cp::PolicyHandle(policy.0), cp::SaHandle(sa.0), *reset)).map(|s| {
                Done::SaStats(SaBundleStats {
                    sa_id: s.sa_id,
                    stats: s.stats.iter().take(s.count).map(sa_stats_back).collect(),
                })
            })
        }
        Request::QueryAllSpds => Ok(Done::SpdIdentities(
            plane.query_spds().map(spd_identity).collect(),
        )),
        Request::QueryAllSpdBindings(spd) => one(plane.query_spd_bindings(cp::SpdHandle(spd.0)))
            .map(|b| {
                Done::SpdBindings(match b {
                    cp::SpdBindings::All => SpdBindings::All,
                    cp::SpdBindings::Interfaces(list) => SpdBindings::Interfaces(list.to_vec()),
                })
            }),
        Request::QueryAllPolicies(spd) => {
            one(plane.query_policies(cp::SpdHandle(spd.0))).map(|it| {
                Done::PolicyIdentities(
                    it.map(|(id, h)| PolicyIdentity {
                        id,
                        handle: PolicyHandle(h.0),
                    })
                    .collect(),
                )
            })
        }
        Request::QueryAllPolicyBindings(p) => {
            one(plane.query_policy_bindings(cp::PolicyHandle(p.0)))
                .map(|it| Done::SpdIdentities(it.map(spd_identity).collect()))
        }
        Request::QueryAllSas(spd) => one(plane.query_sas(cp::SpdHandle(spd.0))).map(|it| {
            Done::SaIdentities(
                it.map(|(id, h)| SaIdentity {
                    id,
                    handle: SaHandle(h.0),
                })
                .collect(),
            )
        }),
        Request::QueryPolicyData(p) => {
            one(plane.query_policy_data(cp::PolicyHandle(p.0))).map(|v| {
                Done::PolicyData(Policy {
                    id: v.id,
                    action: action_back(v.action),
                    selectors: v.selectors.iter().map(selector_back).collect(),
                })
            })
        }
        Request::QuerySaData(sa) => one(plane.query_sa_data(cp::SaHandle(sa.0))).map(|v| {
            Done::SaData(SaData {
                id: v.id,
                policy: PolicyHandle(v.policy.0),
                direction: dir_back(v.direction),
                sas: v.sas.iter().map(|m| sa_params_back(&m.params)).collect(),
            })
        }),
        Request::QuerySpdHandle(ids) => Ok(Done::SpdIdentities(
            ids.iter()
                .map(|id| match plane.query_spd_handle(*id) {
                    Ok(s) => spd_identity(s),
                    Err(_) => SpdIdentity {
                        id: *id,
                        handle: SpdHandle::INVALID,
                        direction: None,
                    },
                })
                .collect(),
        )),
        Request::QueryPolicyHandle(ids) => Ok(Done::PolicyIdentities(
            ids.iter()
                .map(|id| PolicyIdentity {
                    id: *id,
                    handle: plane
                        .query_policy_handle(*id)
                        .map_or(PolicyHandle::INVALID, |h| PolicyHandle(h.0)),
                })
                .collect(),
        )),
        Request::QuerySaHandle { policy, ids } => {
            let p = cp::PolicyHandle(policy.0);
            one(plane.query_policy_data(p))?;
            Ok(Done::SaIdentities(
                ids.iter()
                    .map(|id| SaIdentity {
                        id: *id,
                        handle: plane
                            .query_sa_handle(p, *id)
                            .map_or(SaHandle::INVALID, |h| SaHandle(h.0)),
                    })
                    .collect(),
            ))
        }
    }
}

fn to_cp_spds(s: &[SpdHandle]) -> Vec<cp::SpdHandle> {
    s.iter().map(|h| cp::SpdHandle(h.0)).collect()
}

fn to_cp_policies(s: &[PolicyHandle]) -> Vec<cp::PolicyHandle> {
    s.iter().map(|h| cp::PolicyHandle(h.0)).collect()
}

/// The SPDs a destroy or flush reports one response for: the given ones, or for an empty list
/// (which the control plane applies to every SPD itself) the SPDs there are now — under the
/// same lock as the call, so they are exactly the ones it touches.
fn responses(plane: &HostPlane, spds: &[SpdHandle]) -> Vec<SpdHandle> {
    if spds.is_empty() {
        plane.query_spds().map(|s| SpdHandle(s.handle.0)).collect()
    } else {
        spds.to_vec()
    }
}

fn sa_add(plane: &mut HostPlane, add: &SaAdd) -> Reply {
    let version = add.selectors.first().map_or(4, |s| s.ip_version);
    let sas: Vec<cp::SaParams<'_>> = add.sas.iter().map(|p| sa_params(p, version)).collect();
    let sel = selectors(&add.selectors);
    let req = cp::SaAddRequest {
        policy: cp::PolicyHandle(add.policy.0),
        sa_id: add.sa_id,
        sas: &sas,
        udp: cp::UdpPorts {
            src: add.udp.src,
            dst: add.udp.dst,
        },
        selectors: &sel,
        previous: cp::SaHandle(add.previous.0),
        direction: dir(add.direction),
        acquire_context: add.acquire_context,
        vendor_hint: add.vendor_hint,
    };
    one(plane.sa_add(&req)).map(|h| Done::Sa(SaHandle(h.0)))
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
