//! Time, events and statistics: SA lifetimes (soft and hard, kilobytes and seconds), the rekey
//! grace period, events raised by the control plane or reported by the datapath, and the
//! statistics functions (6.6.20-6.6.22) with the global view.

use crate::datapath::SaStore;
use crate::error::PlaneError;
use crate::events::{Event, EventKind, EventLimit};
use crate::plane::ControlPlane;
use crate::stats::{DatapathCounters, GlobalStats, PolicyStats, SaStats};
use crate::types::{sa_flags, Direction, PolicyHandle, SaHandle, SaId};

/// `NPF_IPSecSA_BundleStats_t` (5.2.2): the statistics of each SA of a bundle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaBundleStats {
    /// Caller's SA ID.
    pub sa_id: SaId,
    /// SAs in the bundle (1 or 2).
    pub count: usize,
    /// Their statistics, in the bundle's order.
    pub stats: [SaStats; 2],
}

const SWEEP: usize = 32;

impl<S: SaStore> ControlPlane<S> {
    /// Counts an event and offers it to the queue (mask, rate limit, bound).
    pub(crate) fn raise(&mut self, event: Event, policy: Option<PolicyHandle>) {
        let g = &mut self.global;
        let bump = |c: &mut u64| *c = c.saturating_add(1);
        match event.kind() {
            EventKind::WrongSpi => bump(&mut g.drops_wrong_spi),
            EventKind::AuthFailed => bump(&mut g.drops_auth),
            EventKind::DecryptionFailed => bump(&mut g.drops_decrypt),
            EventKind::ReplayPacket => bump(&mut g.drops_replay),
            EventKind::SequenceOverflow => bump(&mut g.drops_seq_overflow),
            EventKind::ClearPacketDropped => bump(&mut g.drops_clear_packet),
            EventKind::InvalidPolicy => bump(&mut g.drops_invalid_policy),
            EventKind::PolicyDiscard => bump(&mut g.drops_policy_discard),
            EventKind::ReassemblyRequired => bump(&mut g.drops_reassembly),
            EventKind::MemFull => bump(&mut g.drops_mem_full),
            _ => {}
        }
        if let Some(p) = policy.and_then(|p| self.policies.get_mut(p.0)) {
            p.stats.exceptions = p.stats.exceptions.saturating_add(1);
        }
        let before = self.events.counters().dropped_full;
        self.events.post(event, self.now);
        let dropped = self.events.counters().dropped_full.saturating_sub(before);
        self.global.events_dropped = self.global.events_dropped.saturating_add(dropped);
    }

    /// An event the datapath observed (replay, wrong SPI, authentication or decryption failure,
    /// sequence overflow, ...): counted in the global view, in the SA's and its policy's
    /// exceptions when the SPI names an SA, and offered to the event queue.
    pub fn report(&mut self, event: Event) {
        let mut policy = None;
        if let Event::Crypto { kind, info } = &event {
            let found = self.sas.iter_mut().find(|(_, sa)| {
                sa.sas.iter().any(|m| m.params.spi == info.spi) && (*kind != EventKind::WrongSpi)
            });
            if let Some((_, sa)) = found {
                sa.exceptions = sa.exceptions.saturating_add(1);
                match kind {
                    EventKind::ReplayPacket => {
                        sa.replay_errors = sa.replay_errors.saturating_add(1);
                    }
                    EventKind::DecryptionFailed => {
                        sa.decrypt_errors = sa.decrypt_errors.saturating_add(1);
                    }
                    _ => {}
                }
                policy = Some(sa.policy);
            }
        }
        self.raise(event, policy);
    }

    /// `NPF_IPSecRateLimitEvents` (6.6.20).
    pub fn rate_limit_events(&mut self, limits: &[EventLimit]) -> Result<(), PlaneError> {
        self.events.set_limits(limits)
    }

    /// Advances the clock to `now` (seconds, monotonic) and applies lifetimes: soft limits raise
    /// their event once, hard limits and the end of a rekey grace period remove the SA and raise
    /// the hard-expiry event.
    pub fn tick(&mut self, now: u64) {
        self.now = self.now.max(now);
        loop {
            let mut soft: [(u32, EventKind); SWEEP] = [(0, EventKind::ExpireKbSoft); SWEEP];
            let mut hard: [(u32, EventKind); SWEEP] = [(0, EventKind::ExpireKbHard); SWEEP];
            let (mut ns, mut nh) = (0, 0);
            for (h, sa) in self.sas.iter() {
                let used = self.store.counters(sa.offload).unwrap_or_default().octets;
                let age = self.now.saturating_sub(sa.added_at);
                let min_nz = |f: fn(&crate::types::SaParams<'static>) -> u32| {
                    sa.sas
                        .iter()
                        .map(|m| f(&m.params))
                        .filter(|v| *v != 0)
                        .min()
                };
                let secs_on = sa
                    .sas
                    .iter()
                    .all(|m| m.params.flags & sa_flags::LIFETIME_SECS_OFF == 0);
                let kb = |v: u32| u64::from(v).saturating_mul(1024);
                let hard_kind = if sa.retire_at.is_some_and(|t| t <= self.now) {
                    Some(EventKind::ExpireSecsHard)
                } else if min_nz(|p| p.hard_kbytes).is_some_and(|v| used >= kb(v)) {
                    Some(EventKind::ExpireKbHard)
                } else if secs_on && min_nz(|p| p.hard_secs).is_some_and(|v| age >= u64::from(v)) {
                    Some(EventKind::ExpireSecsHard)
                } else {
                    None
                };
                if let Some(kind) = hard_kind {
                    if let Some(slot) = hard.get_mut(nh) {
                        *slot = (h, kind);
                        nh += 1;
                    }
                    continue;
                }
                if !sa.soft_kb_done && min_nz(|p| p.soft_kbytes).is_some_and(|v| used >= kb(v)) {
                    if let Some(slot) = soft.get_mut(ns) {
                        *slot = (h, EventKind::ExpireKbSoft);
                        ns += 1;
                    }
                }
                if secs_on
                    && !sa.soft_secs_done
                    && min_nz(|p| p.soft_secs).is_some_and(|v| age >= u64::from(v))
                {
                    if let Some(slot) = soft.get_mut(ns) {
                        *slot = (h, EventKind::ExpireSecsSoft);
                        ns += 1;
                    }
                }
            }
            for (h, kind) in soft.iter().take(ns) {
                let Some(sa) = self.sas.get_mut(*h) else {
                    continue;
                };
                if *kind == EventKind::ExpireKbSoft {
                    sa.soft_kb_done = true;
                } else {
                    sa.soft_secs_done = true;
                }
                let (id, policy) = (sa.id, sa.policy);
                self.raise(
                    Event::Expire {
                        kind: *kind,
                        sa_id: id,
                    },
                    Some(policy),
                );
            }
            for (h, kind) in hard.iter().take(nh) {
                self.remove_sa(*h, Some(*kind));
            }
            if ns < SWEEP && nh < SWEEP {
                return;
            }
        }
    }

    /// `NPF_IPSecPolicy_GetStats` (6.6.21); `reset` zeroes the counters after reading.
    pub fn policy_stats(
        &mut self,
        policy: PolicyHandle,
        reset: bool,
    ) -> Result<PolicyStats, PlaneError> {
        let first_spd = self
            .query_policy_bindings(policy)?
            .next()
            .map_or(0, |s| s.id);
        let rec = self
            .policies
            .get_mut(policy.0)
            .ok_or(PlaneError::InvalidPolicyHandle)?;
        let mut out = rec.stats;
        out.spd_id = first_spd;
        out.policy_id = rec.id;
        if reset {
            rec.stats = PolicyStats::default();
        }
        Ok(out)
    }

    /// `NPF_IPSecSA_GetStats` (6.6.22); `reset` zeroes the resettable counters (errors and
    /// packet count) after reading.
    pub fn sa_stats(
        &mut self,
        policy: PolicyHandle,
        sa: SaHandle,
        reset: bool,
    ) -> Result<SaBundleStats, PlaneError> {
        self.sa_of(policy, sa)?;
        let now = self.now;
        let Some(rec) = self.sas.get_mut(sa.0) else {
            return Err(PlaneError::InvalidSaHandle);
        };
        let c = self.store.counters(rec.offload).unwrap_or_default();
        let base = rec.base;
        let age = now.saturating_sub(rec.added_at);
        let mut out = SaBundleStats {
            sa_id: rec.id,
            count: rec.sas.len().min(2),
            stats: [SaStats::default(); 2],
        };
        let u32c = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        for (slot, m) in out.stats.iter_mut().zip(&rec.sas) {
            let p = &m.params;
            let bytes_left = if p.hard_kbytes == 0 {
                u64::MAX
            } else {
                (u64::from(p.hard_kbytes) * 1024).saturating_sub(c.octets)
            };
            let secs_left = if p.hard_secs == 0 {
                u32::MAX
            } else {
                u32c(u64::from(p.hard_secs).saturating_sub(age))
            };
            *slot = SaStats {
                hmac_errors: u32c(c.auth_failures.saturating_sub(base.auth_failures)),
                decrypt_errors: rec.decrypt_errors,
                replay_errors: rec.replay_errors,
                selector_errors: rec.selector_errors,
                packet_count: c.packets.saturating_sub(base.packets),
                bytes_used: c.octets,
                bytes_remaining: bytes_left,
                secs_used: u32c(age),
                secs_remaining: secs_left,
                sequence_no: 0,
                exceptions: rec
                    .exceptions
                    .saturating_add(u32c(c.other_drops.saturating_sub(base.other_drops))),
                replay_bitmap: [0; crate::stats::MAX_SIZE_REPLAY_WINDOW],
            };
        }
        if reset {
            rec.base = DatapathCounters {
                octets: base.octets,
                ..c
            };
            rec.selector_errors = 0;
            rec.exceptions = 0;
            rec.replay_errors = 0;
            rec.decrypt_errors = 0;
        }
        Ok(out)
    }

    /// The global view: the totals of `IPsecGetStatistics0` (seed 001) over the whole control
    /// plane: active SAs, packets and bytes in and out, every drop reason.
    #[must_use]
    pub fn global_stats(&self) -> GlobalStats {
        let mut g = self.global;
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        g.spds = n(self.spds.len());
        g.policies = n(self.policies.len());
        g.reserved_spis = n(self.spis.len());
        for (_, sa) in self.sas.iter() {
            let c = self.store.counters(sa.offload).unwrap_or_default();
            let drops = c.auth_failures.saturating_add(c.other_drops);
            g.drops_datapath = g.drops_datapath.saturating_add(drops);
            match sa.direction {
                Direction::Inbound => {
                    g.active_inbound_sas = g.active_inbound_sas.saturating_add(1);
                    g.packets_in = g.packets_in.saturating_add(c.packets);
                    g.bytes_in = g.bytes_in.saturating_add(c.octets);
                }
                Direction::Outbound => {
                    g.active_outbound_sas = g.active_outbound_sas.saturating_add(1);
                    g.packets_out = g.packets_out.saturating_add(c.packets);
                    g.bytes_out = g.bytes_out.saturating_add(c.octets);
                }
            }
        }
        g
    }
}
