//! The user-mode side's typed reading of response bodies (the inverse of [`crate::response`]).
//! Every read is bounds-checked: a short or inconsistent body is a [`Fault`], never a panic.

use alloc::vec::Vec;

use ipsecov2_control_plane::{
    CryptoDropped, Direction, Event, EventKind, GlobalStats, IfHandle, IpAddr, PacketFields,
    PolicyHandle, PolicyId, PolicyStats, Priority, SaBundleStats, SaId, SaParams, SaStats,
    Selector, SpdHandle, SpdId, SpdIdentity, TunnelEndpoints, UdpPorts, MAX_SIZE_REPLAY_WINDOW,
    NPF_NO_ERROR,
};

use crate::error::{Fault, Field};
use crate::request::selector_at;
use crate::response::SA_STATS_LEN;
use crate::wire::{Reader, EVENT_LEN, PACKET_LEN, SA_LEN, SELECTOR_LEN};

fn direction(v: u32) -> Result<Direction, Fault> {
    Direction::from_u32(v).ok_or(Fault::BadEnum(Field::Direction))
}

fn count(r: &Reader<'_>, at: usize) -> Result<usize, Fault> {
    usize::try_from(r.u32(at)?).map_err(|_| Fault::CountTooLarge(Field::Body))
}

fn u64_at(r: &Reader<'_>, at: usize) -> Result<u64, Fault> {
    Ok(u64::from(r.u32(at)?) | (u64::from(r.u32(at + 4)?) << 32))
}

fn addr(r: &Reader<'_>, at: usize, version: u8) -> Result<IpAddr, Fault> {
    let b = r.bytes16(at)?;
    match version {
        4 => {
            let [a, b1, c, d, ..] = b;
            Ok(IpAddr::V4([a, b1, c, d]))
        }
        6 => Ok(IpAddr::V6(b)),
        _ => Err(Fault::BadEnum(Field::IpVersion)),
    }
}

/// A 40-byte 5-tuple record at `at`.
pub fn packet(r: &Reader<'_>, at: usize) -> Result<PacketFields, Fault> {
    let v = r.u8(at)?;
    Ok(PacketFields {
        protocol: r.u8(at + 1)?,
        src: addr(r, at + 4, v)?,
        dst: addr(r, at + 20, v)?,
        src_port: r.u16(at + 36)?,
        dst_port: r.u16(at + 38)?,
    })
}

/// One 64-byte event record at `at`.
pub fn event(r: &Reader<'_>, at: usize) -> Result<Event, Fault> {
    let kind = EventKind::from_u32(r.u32(at)?).ok_or(Fault::BadEnum(Field::Body))?;
    let d = at + 8;
    Ok(match kind {
        EventKind::SaAcquire => Event::Acquire {
            spd_id: r.u32(d)?,
            policy_id: r.u32(d + 4)?,
            packet: packet(r, d + 8)?,
            acquire_context: r.u32(d + 8 + PACKET_LEN)?,
        },
        EventKind::ExpireKbSoft
        | EventKind::ExpireKbHard
        | EventKind::ExpireSecsSoft
        | EventKind::ExpireSecsHard
        | EventKind::SaPurged => Event::Expire {
            kind,
            sa_id: r.u32(d)?,
        },
        EventKind::ClearPacketDropped | EventKind::InvalidPolicy => Event::Packet {
            kind,
            spd_id: r.u32(d)?,
            policy_id: r.u32(d + 4)?,
            sa_id: r.u32(d + 8)?,
            packet: packet(r, d + 12)?,
        },
        _ => {
            let v = r.u8(d)?;
            Event::Crypto {
                kind,
                info: CryptoDropped {
                    src: addr(r, d + 4, v)?,
                    dst: addr(r, d + 20, v)?,
                    protocol: r.u8(d + 1)?,
                    spi: r.u32(d + 36)?,
                    flow_label: r.u32(d + 40)?,
                    seq_no: r.u32(d + 44)?,
                    count: r.u32(d + 48)?,
                },
            }
        }
    })
}

/// An `EventWait` body: the events and the number the control plane dropped so far.
pub fn events(body: &Reader<'_>) -> Result<(Vec<Event>, u64), Fault> {
    let n = count(body, 0)?;
    let dropped = u64_at(body, 8)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n.min(body.bytes().len() / EVENT_LEN))
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..n {
        out.push(event(body, 16 + i * EVENT_LEN)?);
    }
    Ok((out, dropped))
}

/// A `PolicyStats` body.
pub fn policy_stats(body: &Reader<'_>) -> Result<PolicyStats, Fault> {
    Ok(PolicyStats {
        spd_id: body.u32(0)?,
        policy_id: body.u32(4)?,
        policy_errors: body.u32(8)?,
        acquired_sas: body.u32(12)?,
        exceptions: body.u32(16)?,
    })
}

fn sa_stats_at(r: &Reader<'_>, at: usize) -> Result<SaStats, Fault> {
    let mut replay_bitmap = [0u32; MAX_SIZE_REPLAY_WINDOW];
    for (i, w) in replay_bitmap.iter_mut().enumerate() {
        *w = r.u32(at + 64 + 4 * i)?;
    }
    Ok(SaStats {
        hmac_errors: r.u32(at)?,
        decrypt_errors: r.u32(at + 4)?,
        replay_errors: r.u32(at + 8)?,
        selector_errors: r.u32(at + 12)?,
        packet_count: u64_at(r, at + 16)?,
        bytes_used: u64_at(r, at + 24)?,
        bytes_remaining: u64_at(r, at + 32)?,
        secs_used: r.u32(at + 40)?,
        secs_remaining: r.u32(at + 44)?,
        sequence_no: u64_at(r, at + 48)?,
        exceptions: r.u32(at + 56)?,
        replay_bitmap,
    })
}

/// An `SaStats` body.
pub fn sa_stats(body: &Reader<'_>) -> Result<SaBundleStats, Fault> {
    let n = count(body, 4)?;
    if n > 2 {
        return Err(Fault::CountTooLarge(Field::Sas));
    }
    let mut out = SaBundleStats {
        sa_id: body.u32(0)?,
        count: n,
        stats: [SaStats::default(); 2],
    };
    for (i, slot) in out.stats.iter_mut().take(n).enumerate() {
        *slot = sa_stats_at(body, 8 + i * SA_STATS_LEN)?;
    }
    Ok(out)
}

/// A `GlobalStats` body.
pub fn global_stats(body: &Reader<'_>) -> Result<GlobalStats, Fault> {
    let w = |i: usize| body.u32(4 * i);
    let q = |i: usize| u64_at(body, 24 + 8 * i);
    Ok(GlobalStats {
        active_inbound_sas: w(0)?,
        active_outbound_sas: w(1)?,
        spds: w(2)?,
        policies: w(3)?,
        reserved_spis: w(4)?,
        packets_in: q(0)?,
        bytes_in: q(1)?,
        packets_out: q(2)?,
        bytes_out: q(3)?,
        drops_wrong_spi: q(4)?,
        drops_auth: q(5)?,
        drops_decrypt: q(6)?,
        drops_replay: q(7)?,
        drops_seq_overflow: q(8)?,
        drops_clear_packet: q(9)?,
        drops_invalid_policy: q(10)?,
        drops_policy_discard: q(11)?,
        drops_reassembly: q(12)?,
        drops_mem_full: q(13)?,
        drops_datapath: q(14)?,
        acquires: q(15)?,
        events_dropped: q(16)?,
    })
}

/// A `QueryAllSpds` / `QueryPolicyBindings` body.
pub fn spd_identities(body: &Reader<'_>) -> Result<Vec<SpdIdentity>, Fault> {
    let n = count(body, 0)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n.min(body.bytes().len() / 12))
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..n {
        let at = 4 + 12 * i;
        out.push(SpdIdentity {
            id: body.u32(at)?,
            handle: SpdHandle(body.u32(at + 4)?),
            direction: direction(body.u32(at + 8)?)?,
        });
    }
    Ok(out)
}

/// A `QueryAllPolicies` / `QueryAllSas` body: (caller ID, handle) pairs.
pub fn id_handles(body: &Reader<'_>) -> Result<Vec<(u32, u32)>, Fault> {
    let n = count(body, 0)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n.min(body.bytes().len() / 8))
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..n {
        out.push((body.u32(4 + 8 * i)?, body.u32(8 + 8 * i)?));
    }
    Ok(out)
}

/// A `QueryPolicyHandle` / `QuerySaHandle` body: (caller ID, handle, NPF status) triples.
pub fn id_handle_status(body: &Reader<'_>) -> Result<Vec<(u32, u32, u32)>, Fault> {
    let n = count(body, 0)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n.min(body.bytes().len() / 12))
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..n {
        let at = 4 + 12 * i;
        out.push((body.u32(at)?, body.u32(at + 4)?, body.u32(at + 8)?));
    }
    Ok(out)
}

/// A `QuerySpdBindings` body: what an SPD is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bindings {
    /// All interfaces (for life).
    All,
    /// These interfaces.
    Interfaces(Vec<IfHandle>),
}

/// A `QuerySpdBindings` body.
pub fn spd_bindings(body: &Reader<'_>) -> Result<Bindings, Fault> {
    let all = body.u32(0)? != 0;
    let n = count(body, 4)?;
    if all {
        return if n == 0 {
            Ok(Bindings::All)
        } else {
            Err(Fault::CountMismatch(Field::Interfaces))
        };
    }
    let mut out = Vec::new();
    out.try_reserve_exact(n.min(body.bytes().len() / 4))
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..n {
        out.push(body.u32(8 + 4 * i)?);
    }
    Ok(Bindings::Interfaces(out))
}

/// One answer of a `QuerySpdHandle` body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpdHandleAnswer {
    /// The caller's ID asked about.
    pub id: SpdId,
    /// Its handle (`SpdHandle::INVALID` for an unknown ID).
    pub handle: SpdHandle,
    /// Its direction (`None` for an unknown ID).
    pub direction: Option<Direction>,
    /// `NPF_NO_ERROR`, or the NPF code of this ID (`NPF_IPSEC_E_INVALID_SPD_ID`).
    pub status: u32,
}

/// A `QuerySpdHandle` body: one answer per ID, in the request's order.
pub fn spd_handles(body: &Reader<'_>) -> Result<Vec<SpdHandleAnswer>, Fault> {
    let n = count(body, 0)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n.min(body.bytes().len() / 16))
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..n {
        let at = 4 + 16 * i;
        let status = body.u32(at + 12)?;
        let direction = match body.u32(at + 8)? {
            0 if status != NPF_NO_ERROR => None,
            v => Some(direction(v)?),
        };
        out.push(SpdHandleAnswer {
            id: body.u32(at)?,
            handle: SpdHandle(body.u32(at + 4)?),
            direction,
            status,
        });
    }
    Ok(out)
}

/// A `QueryPolicyData` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyData {
    /// The caller's ID.
    pub id: PolicyId,
    /// `NPF_IPSecPolicy_Action_t`, as sent (the adapter keeps unknown values).
    pub action: u32,
    /// Direction.
    pub direction: Direction,
    /// Bound to all SPDs of its direction at this priority (`None`: explicit bindings).
    pub global_priority: Option<Priority>,
    /// Selectors.
    pub selectors: Vec<Selector>,
}

fn selectors_at(body: &Reader<'_>, at: usize, n: usize) -> Result<Vec<Selector>, Fault> {
    let mut out = Vec::new();
    out.try_reserve_exact(n.min(body.bytes().len() / SELECTOR_LEN))
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..n {
        out.push(selector_at(body.bytes(), at + i * SELECTOR_LEN)?);
    }
    Ok(out)
}

/// A `QueryPolicyData` body.
pub fn policy_data(body: &Reader<'_>) -> Result<PolicyData, Fault> {
    let n = count(body, 20)?;
    let end = n
        .checked_mul(SELECTOR_LEN)
        .and_then(|l| l.checked_add(24))
        .ok_or(Fault::CountTooLarge(Field::Selectors))?;
    if body.bytes().len() < end {
        return Err(Fault::LengthMismatch);
    }
    Ok(PolicyData {
        id: body.u32(0)?,
        action: body.u32(4)?,
        direction: direction(body.u32(8)?)?,
        global_priority: match body.u32(12)? {
            0 => None,
            _ => Some(body.u32(16)?),
        },
        selectors: selectors_at(body, 24, n)?,
    })
}

/// A `QuerySaData` body (keys are never sent: the SAs' key slices are empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaData {
    /// The caller's ID.
    pub id: SaId,
    /// Its policy.
    pub policy: PolicyHandle,
    /// Direction.
    pub direction: Direction,
    /// UDP encapsulation.
    pub udp: UdpPorts,
    /// The SAs of the bundle.
    pub sas: Vec<SaParams<'static>>,
    /// Selectors.
    pub selectors: Vec<Selector>,
    /// The datapath's OffloadHandle.
    pub offload: u64,
    /// Being retired after a rekey.
    pub retiring: bool,
    /// The acquire context it was added with (0: not from an acquire).
    pub acquire_context: u32,
}

/// An SA record of a response at `at` (the layout of [`crate::response::sa`]).
fn sa_record(r: &Reader<'_>, at: usize) -> Result<SaParams<'static>, Fault> {
    let version = r.u8(at + 32)?;
    let tunnel = if version == 0 {
        TunnelEndpoints {
            src: IpAddr::V4([0; 4]),
            dst: IpAddr::V4([0; 4]),
        }
    } else {
        TunnelEndpoints {
            src: addr(r, at + 36, version)?,
            dst: addr(r, at + 52, version)?,
        }
    };
    Ok(SaParams {
        spi: r.u32(at)?,
        flow_label: r.u32(at + 4)?,
        flags: r.u32(at + 8)?,
        auth_algo: r.u8(at + 12)?,
        enc_algo: r.u8(at + 13)?,
        soft_kbytes: r.u32(at + 16)?,
        hard_kbytes: r.u32(at + 20)?,
        soft_secs: r.u32(at + 24)?,
        hard_secs: r.u32(at + 28)?,
        tunnel,
        auth_key: &[],
        auth_key_bits: r.u16(at + 72)?,
        enc_key: &[],
        enc_key_bits: r.u16(at + 80)?,
        replay_window: r.u8(at + 82)?,
    })
}

/// A `QuerySaData` body.
pub fn sa_data(body: &Reader<'_>) -> Result<SaData, Fault> {
    let ns = count(body, 16)?;
    let nl = count(body, 20)?;
    if ns > body.bytes().len() / SA_LEN {
        return Err(Fault::CountTooLarge(Field::Sas));
    }
    // The whole of every record is there (their last bytes are reserved, not read).
    let end = nl
        .checked_mul(SELECTOR_LEN)
        .and_then(|l| l.checked_add(40 + ns * SA_LEN))
        .ok_or(Fault::CountTooLarge(Field::Selectors))?;
    if body.bytes().len() < end {
        return Err(Fault::LengthMismatch);
    }
    let mut sas = Vec::new();
    sas.try_reserve_exact(ns)
        .map_err(|_| Fault::CountTooLarge(Field::Body))?;
    for i in 0..ns {
        sas.push(sa_record(body, 40 + i * SA_LEN)?);
    }
    Ok(SaData {
        id: body.u32(0)?,
        policy: PolicyHandle(body.u32(4)?),
        direction: direction(body.u32(8)?)?,
        udp: UdpPorts {
            src: body.u16(12)?,
            dst: body.u16(14)?,
        },
        sas,
        selectors: selectors_at(body, 40 + ns * SA_LEN, nl)?,
        offload: u64_at(body, 24)?,
        retiring: body.u32(32)? != 0,
        acquire_context: body.u32(36)?,
    })
}
