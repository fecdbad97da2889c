//! Response encoders. Every response is the 16-byte header (version u16, reserved u16, length
//! u32, NPF status u32, failed element index u32) and a body whose size the dispatcher computes
//! before the operation runs; the [`Writer`] never writes past the caller's buffer.

use ipsecov2_control_plane::{
    CryptoDropped, Event, GlobalStats, IpAddr, PacketFields, PolicyStats, SaParams, SaStats,
    Selector, SelectorAddr,
};

use crate::wire::{Writer, PROTOCOL_VERSION, RESPONSE_HEADER_LEN};

/// Bytes of one SA statistics record.
pub const SA_STATS_LEN: usize = 128;
/// Bytes of the global statistics body.
pub const GLOBAL_STATS_LEN: usize = 6 * 4 + 17 * 8;
/// Bytes of the policy statistics body.
pub const POLICY_STATS_LEN: usize = 20;
/// Bytes of the handshake body.
pub const HANDSHAKE_LEN: usize = 36;
/// Bytes of the event-wait body before the events.
pub const EVENTS_PREFIX_LEN: usize = 16;

/// Starts a response: the header with a zero length, patched by [`finish`].
pub fn begin(w: &mut Writer<'_>, status: u32, index: u32) -> Result<(), usize> {
    w.u16(PROTOCOL_VERSION)?;
    w.u16(0)?;
    w.u32(0)?;
    w.u32(status)?;
    w.u32(index)
}

/// Writes the final length into the header; returns it.
pub fn finish(w: &mut Writer<'_>) -> usize {
    let n = w.position();
    w.patch_u32(4, u32::try_from(n).unwrap_or(u32::MAX));
    n
}

/// A header-only response (a status, no body).
pub fn status_only(out: &mut [u8], status: u32, index: u32) -> Result<usize, usize> {
    let mut w = Writer::new(out);
    begin(&mut w, status, index)?;
    Ok(finish(&mut w))
}

/// The bytes a response of `body` bytes needs.
#[must_use]
pub const fn with_header(body: usize) -> usize {
    RESPONSE_HEADER_LEN + body
}

fn addr16(w: &mut Writer<'_>, a: &IpAddr) -> Result<(), usize> {
    let mut b = [0u8; 16];
    for (d, s) in b.iter_mut().zip(a.octets()) {
        *d = *s;
    }
    w.put(&b)
}

fn selector_addr(w: &mut Writer<'_>, a: &SelectorAddr) -> Result<(), usize> {
    match a {
        SelectorAddr::Prefix { addr, len } => {
            w.u8(0)?;
            w.u8(*len)?;
            w.u16(0)?;
            addr16(w, addr)?;
            w.zeros(16)
        }
        SelectorAddr::Range { start, end } => {
            w.u8(1)?;
            w.u8(0)?;
            w.u16(0)?;
            addr16(w, start)?;
            addr16(w, end)
        }
    }
}

/// One selector record (84 bytes, the request layout).
pub fn selector(w: &mut Writer<'_>, s: &Selector) -> Result<(), usize> {
    w.u8(s.rule_flags)?;
    w.u8(s.ip_version)?;
    w.u8(s.protocol)?;
    w.u8(0)?;
    selector_addr(w, &s.src)?;
    selector_addr(w, &s.dst)?;
    w.u16(s.src_port.start)?;
    w.u16(s.src_port.end)?;
    w.u16(s.dst_port.start)?;
    w.u16(s.dst_port.end)
}

/// One SA record (84 bytes, the request layout) with key offsets 0: keys never leave the
/// driver.
pub fn sa(w: &mut Writer<'_>, p: &SaParams<'_>) -> Result<(), usize> {
    w.u32(p.spi)?;
    w.u32(p.flow_label)?;
    w.u32(p.flags)?;
    w.u8(p.auth_algo)?;
    w.u8(p.enc_algo)?;
    w.u16(0)?;
    w.u32(p.soft_kbytes)?;
    w.u32(p.hard_kbytes)?;
    w.u32(p.soft_secs)?;
    w.u32(p.hard_secs)?;
    let tunnel = !p.tunnel.src.is_unspecified() || !p.tunnel.dst.is_unspecified();
    w.u8(if tunnel { p.tunnel.dst.version() } else { 0 })?;
    w.zeros(3)?;
    if tunnel {
        addr16(w, &p.tunnel.src)?;
        addr16(w, &p.tunnel.dst)?;
    } else {
        w.zeros(32)?;
    }
    w.u32(0)?;
    w.u16(p.auth_key_bits)?;
    w.u16(0)?;
    w.u32(0)?;
    w.u16(p.enc_key_bits)?;
    w.u8(p.replay_window)?;
    w.u8(0)
}

/// `NPF_IPSecPolicy_Stats_t` (20 bytes).
pub fn policy_stats(w: &mut Writer<'_>, s: &PolicyStats) -> Result<(), usize> {
    w.u32(s.spd_id)?;
    w.u32(s.policy_id)?;
    w.u32(s.policy_errors)?;
    w.u32(s.acquired_sas)?;
    w.u32(s.exceptions)
}

/// `NPF_IPSecSA_Stats_t` (128 bytes).
pub fn sa_stats(w: &mut Writer<'_>, s: &SaStats) -> Result<(), usize> {
    w.u32(s.hmac_errors)?;
    w.u32(s.decrypt_errors)?;
    w.u32(s.replay_errors)?;
    w.u32(s.selector_errors)?;
    w.u64(s.packet_count)?;
    w.u64(s.bytes_used)?;
    w.u64(s.bytes_remaining)?;
    w.u32(s.secs_used)?;
    w.u32(s.secs_remaining)?;
    w.u64(s.sequence_no)?;
    w.u32(s.exceptions)?;
    w.u32(0)?;
    for word in s.replay_bitmap {
        w.u32(word)?;
    }
    Ok(())
}

/// The global statistics body.
pub fn global_stats(w: &mut Writer<'_>, g: &GlobalStats) -> Result<(), usize> {
    for v in [
        g.active_inbound_sas,
        g.active_outbound_sas,
        g.spds,
        g.policies,
        g.reserved_spis,
        0,
    ] {
        w.u32(v)?;
    }
    for v in [
        g.packets_in,
        g.bytes_in,
        g.packets_out,
        g.bytes_out,
        g.drops_wrong_spi,
        g.drops_auth,
        g.drops_decrypt,
        g.drops_replay,
        g.drops_seq_overflow,
        g.drops_clear_packet,
        g.drops_invalid_policy,
        g.drops_policy_discard,
        g.drops_reassembly,
        g.drops_mem_full,
        g.drops_datapath,
        g.acquires,
        g.events_dropped,
    ] {
        w.u64(v)?;
    }
    Ok(())
}

/// `NPF_IPSecPacketFields_t` (40 bytes): version, protocol, reserved u16, source, destination,
/// ports.
pub fn packet(w: &mut Writer<'_>, p: &PacketFields) -> Result<(), usize> {
    w.u8(p.src.version())?;
    w.u8(p.protocol)?;
    w.u16(0)?;
    addr16(w, &p.src)?;
    addr16(w, &p.dst)?;
    w.u16(p.src_port)?;
    w.u16(p.dst_port)
}

fn crypto(w: &mut Writer<'_>, c: &CryptoDropped) -> Result<(), usize> {
    w.u8(c.src.version())?;
    w.u8(c.protocol)?;
    w.u16(0)?;
    addr16(w, &c.src)?;
    addr16(w, &c.dst)?;
    w.u32(c.spi)?;
    w.u32(c.flow_label)?;
    w.u32(c.seq_no)?;
    w.u32(c.count)
}

/// One event record (64 bytes): kind u32, reserved u32, the kind's data, zero padding.
pub fn event(w: &mut Writer<'_>, e: &Event) -> Result<(), usize> {
    let start = w.position();
    w.u32(e.kind().to_u32())?;
    w.u32(0)?;
    match e {
        Event::Acquire {
            spd_id,
            policy_id,
            packet: p,
            acquire_context,
        } => {
            w.u32(*spd_id)?;
            w.u32(*policy_id)?;
            packet(w, p)?;
            w.u32(*acquire_context)?;
        }
        Event::Expire { sa_id, .. } => w.u32(*sa_id)?,
        Event::Packet {
            spd_id,
            policy_id,
            sa_id,
            packet: p,
            ..
        } => {
            w.u32(*spd_id)?;
            w.u32(*policy_id)?;
            w.u32(*sa_id)?;
            packet(w, p)?;
        }
        Event::Crypto { info, .. } => crypto(w, info)?,
    }
    let used = w.position() - start;
    w.zeros(crate::wire::EVENT_LEN.saturating_sub(used))
}
