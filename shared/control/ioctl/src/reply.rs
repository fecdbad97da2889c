//! The user-mode side's typed reading of response bodies (the inverse of [`crate::response`]).
//! Every read is bounds-checked: a short or inconsistent body is a [`Fault`], never a panic.

use alloc::vec::Vec;

use ipsecov2_control_plane::{
    CryptoDropped, Direction, Event, EventKind, GlobalStats, IpAddr, PacketFields, PolicyStats,
    SaBundleStats, SaStats, SpdHandle, SpdIdentity, MAX_SIZE_REPLAY_WINDOW,
};

use crate::error::{Fault, Field};
use crate::response::SA_STATS_LEN;
use crate::wire::{Reader, EVENT_LEN, PACKET_LEN};

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
