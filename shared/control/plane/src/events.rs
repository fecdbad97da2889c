//! Events (5.3): their types, the registration mask, per-event rate limits
//! (`NPF_IPSecRateLimitEvents`, 6.6.20) and the bounded queue that counts what it had to drop.
//!
//! The queue's storage is reserved once, when the control plane is created: posting an event never
//! allocates.

use alloc::collections::VecDeque;

use crate::error::PlaneError;
use crate::types::{IpAddr, PacketFields, PolicyId, SaId, SpdId};

/// `NPF_IPSecEvent_t` (5.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `NPF_IPSEC_SA_ACQUIRE` (1): a protecting policy matched but it has no SA.
    SaAcquire,
    /// `NPF_IPSEC_SA_EXPIRE_KB_SOFT` (2).
    ExpireKbSoft,
    /// `NPF_IPSEC_SA_EXPIRE_KB_HARD` (3).
    ExpireKbHard,
    /// `NPF_IPSEC_SA_EXPIRE_SECS_SOFT` (4).
    ExpireSecsSoft,
    /// `NPF_IPSEC_SA_EXPIRE_SECS_HARD` (5).
    ExpireSecsHard,
    /// `NPF_IPSEC_SA_PURGED` (6): an SA removed by the implementation (its policy or SPD went).
    SaPurged,
    /// `NPF_IPSEC_SA_SEQUENCE_OVERFLOW` (7).
    SequenceOverflow,
    /// `NPF_IPSEC_CLEARPACKET_DROPPED` (8).
    ClearPacketDropped,
    /// `NPF_IPSEC_REPLAY_PACKET` (9).
    ReplayPacket,
    /// `NPF_IPSEC_WRONG_SPI` (10).
    WrongSpi,
    /// `NPF_IPSEC_AUTH_FAILED` (11).
    AuthFailed,
    /// `NPF_IPSEC_DECRYPTION_FAILED` (12).
    DecryptionFailed,
    /// `NPF_IPSEC_INVALID_POLICY` (13).
    InvalidPolicy,
    /// `NPF_IPSEC_POLICY_DISCARD` (14).
    PolicyDiscard,
    /// `NPF_IPSEC_REASSEMBLY_REQD` (15).
    ReassemblyRequired,
    /// `NPF_IPSEC_MEM_FULL` (16).
    MemFull,
}

/// `IPSEC_MAX_EVENT_TYPES` (5.3.2).
pub const MAX_EVENT_TYPES: usize = 16;

impl EventKind {
    /// Every kind, in the agreement's order.
    pub const ALL: [Self; MAX_EVENT_TYPES] = [
        Self::SaAcquire,
        Self::ExpireKbSoft,
        Self::ExpireKbHard,
        Self::ExpireSecsSoft,
        Self::ExpireSecsHard,
        Self::SaPurged,
        Self::SequenceOverflow,
        Self::ClearPacketDropped,
        Self::ReplayPacket,
        Self::WrongSpi,
        Self::AuthFailed,
        Self::DecryptionFailed,
        Self::InvalidPolicy,
        Self::PolicyDiscard,
        Self::ReassemblyRequired,
        Self::MemFull,
    ];

    /// The agreement's value (1..=16).
    #[must_use]
    pub fn to_u32(self) -> u32 {
        let pos = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        u32::try_from(pos).unwrap_or(0) + 1
    }

    /// From the agreement's value.
    #[must_use]
    pub fn from_u32(v: u32) -> Option<Self> {
        let i = usize::try_from(v.checked_sub(1)?).ok()?;
        Self::ALL.get(i).copied()
    }

    /// Its bit in [`EventMask`] (`NPF_IPSEC_EVENT_*_ENABLE`, 5.3.3).
    #[must_use]
    pub fn mask_bit(self) -> u32 {
        1 << (self.to_u32() - 1)
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// `NPF_IPSecEventMask_t` (5.3.3): which events are delivered.
pub type EventMask = u32;
/// `NPF_IPSEC_EVENT_ALL_ENABLE`.
pub const EVENT_ALL_ENABLE: EventMask = 0xFFFF_FFFF;
/// `NPF_IPSEC_EVENT_ALL_DISABLE`.
pub const EVENT_ALL_DISABLE: EventMask = 0;

/// `NPF_IPSecCryptoDropped_t` (5.3.3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CryptoDropped {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// ESP 50, AH 51, IPCOMP 108.
    pub protocol: u8,
    /// SPI value.
    pub spi: u32,
    /// IPv6 flow label, 0 for IPv4.
    pub flow_label: u32,
    /// Sequence number of the last offending packet. (The header's field is 8 bits wide; we keep
    /// the full 32 bits and the encoders truncate where the ABI demands.)
    pub seq_no: u32,
    /// Repetition count (packets folded into this event by rate limiting), at least 1.
    pub count: u32,
}

/// `NPF_IPSecEventData_t` (5.3.4): an event and its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// `NPF_IPSEC_SA_ACQUIRE` with `NPF_IPSecSA_AcquireInfo_t` (5.3.3.1).
    Acquire {
        /// Client SPD ID.
        spd_id: SpdId,
        /// Client policy ID.
        policy_id: PolicyId,
        /// The packet that matched.
        packet: PacketFields,
        /// Acquire context, to be passed back in SA_Add.
        acquire_context: u32,
    },
    /// An expiry or purge event (kinds 2..6) with `NPF_IPSecSA_ExpireInfo_t` (5.3.3.2).
    Expire {
        /// Which one.
        kind: EventKind,
        /// Client SA ID.
        sa_id: SaId,
    },
    /// `NPF_IPSEC_CLEARPACKET_DROPPED` / `NPF_IPSEC_INVALID_POLICY` with
    /// `NPF_IPSecPacketDropped_t` (5.3.3.3).
    Packet {
        /// Which one.
        kind: EventKind,
        /// Client SPD ID.
        spd_id: SpdId,
        /// Client policy ID.
        policy_id: PolicyId,
        /// Client SA ID (dummy for CLEARPACKET_DROPPED).
        sa_id: SaId,
        /// The packet.
        packet: PacketFields,
    },
    /// Crypto drops (sequence overflow, replay, wrong SPI, auth/decryption failed, policy
    /// discard, reassembly required, mem full) with `NPF_IPSecCryptoDropped_t` (5.3.3.4).
    Crypto {
        /// Which one.
        kind: EventKind,
        /// The packet's data.
        info: CryptoDropped,
    },
}

impl Event {
    /// The event's kind.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Acquire { .. } => EventKind::SaAcquire,
            Self::Expire { kind, .. } | Self::Packet { kind, .. } | Self::Crypto { kind, .. } => {
                *kind
            }
        }
    }

    fn fold_repeat(&mut self, repeats: u32) {
        if let Self::Crypto { info, .. } = self {
            info.count = repeats.max(1);
        }
    }
}

/// `NPF_IPSecEventLimitType_t` and its value (5.1.31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateLimit {
    /// No limit (the default).
    None,
    /// `NPF_IPSEC_EVENT_LIMIT_TIME`: at most this many events of the kind per second
    /// (0 = none delivered).
    PerSecond(u32),
    /// `NPF_IPSEC_EVENT_LIMIT_COUNT`: one event for every `n` occurrences (0 or 1 = every one).
    EveryN(u32),
}

/// One element of `NPF_IPSecRateLimitEvents`'s array (`NPF_IPSecEventLimit_t`, 5.1.31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventLimit {
    /// The event (`eventId`, 1..=16; anything else is `NPF_IPSEC_E_BAD_EVENTID`).
    pub event: u32,
    /// The limit.
    pub limit: RateLimit,
}

#[derive(Clone, Copy, Debug, Default)]
struct LimitState {
    limit: Option<RateLimit>,
    /// Occurrences not delivered since the last delivered one.
    suppressed: u32,
    /// Start of the current one-second window and events delivered in it.
    window_start: u64,
    in_window: u32,
}

/// Counters of the event machinery.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounters {
    /// Events queued for delivery.
    pub queued: u64,
    /// Events dropped because the queue was full.
    pub dropped_full: u64,
    /// Occurrences suppressed by the mask.
    pub masked: u64,
    /// Occurrences folded away by rate limits.
    pub rate_limited: u64,
}

/// The bounded event queue with mask and rate limits.
#[derive(Debug)]
pub struct EventQueue {
    queue: VecDeque<Event>,
    capacity: usize,
    mask: EventMask,
    limits: [LimitState; MAX_EVENT_TYPES],
    counters: EventCounters,
}

impl EventQueue {
    /// A queue holding at most `capacity` events, its storage reserved now; mask all-disabled.
    pub fn new(capacity: usize) -> Result<Self, PlaneError> {
        let mut queue = VecDeque::new();
        queue.try_reserve_exact(capacity)?;
        Ok(Self {
            queue,
            capacity,
            mask: EVENT_ALL_DISABLE,
            limits: [LimitState::default(); MAX_EVENT_TYPES],
            counters: EventCounters::default(),
        })
    }

    /// The delivery mask (the union of the registrations' masks).
    #[must_use]
    pub fn mask(&self) -> EventMask {
        self.mask
    }

    /// Sets the delivery mask.
    pub fn set_mask(&mut self, mask: EventMask) {
        self.mask = mask;
    }

    /// Applies `NPF_IPSecRateLimitEvents` (6.6.20): all or nothing.
    pub fn set_limits(&mut self, limits: &[EventLimit]) -> Result<(), PlaneError> {
        let mut seen = 0u32;
        for l in limits {
            let kind = EventKind::from_u32(l.event).ok_or(PlaneError::BadEventId)?;
            if seen & kind.mask_bit() != 0 {
                return Err(PlaneError::DuplicateEventId);
            }
            seen |= kind.mask_bit();
        }
        for l in limits {
            if let Some(kind) = EventKind::from_u32(l.event) {
                if let Some(state) = self.limits.get_mut(kind.index()) {
                    *state = LimitState {
                        limit: Some(l.limit),
                        ..LimitState::default()
                    };
                }
            }
        }
        Ok(())
    }

    /// The rate limit of `kind`.
    #[must_use]
    pub fn limit(&self, kind: EventKind) -> RateLimit {
        self.limits
            .get(kind.index())
            .and_then(|s| s.limit)
            .unwrap_or(RateLimit::None)
    }

    /// Offers an occurrence at time `now` (seconds): masked, rate-limited, queued or dropped.
    /// Returns true when queued. Never allocates.
    pub fn post(&mut self, mut event: Event, now: u64) -> bool {
        let kind = event.kind();
        if self.mask & kind.mask_bit() == 0 {
            self.counters.masked = self.counters.masked.saturating_add(1);
            return false;
        }
        let Some(state) = self.limits.get_mut(kind.index()) else {
            return false;
        };
        let deliver = match state.limit.unwrap_or(RateLimit::None) {
            RateLimit::None => true,
            RateLimit::EveryN(n) => {
                if state.suppressed.saturating_add(1) >= n.max(1) {
                    true
                } else {
                    state.suppressed = state.suppressed.saturating_add(1);
                    false
                }
            }
            RateLimit::PerSecond(n) => {
                if now != state.window_start {
                    state.window_start = now;
                    state.in_window = 0;
                }
                if state.in_window < n {
                    state.in_window += 1;
                    true
                } else {
                    state.suppressed = state.suppressed.saturating_add(1);
                    false
                }
            }
        };
        if !deliver {
            self.counters.rate_limited = self.counters.rate_limited.saturating_add(1);
            return false;
        }
        event.fold_repeat(state.suppressed.saturating_add(1));
        state.suppressed = 0;
        if self.queue.len() >= self.capacity {
            self.counters.dropped_full = self.counters.dropped_full.saturating_add(1);
            return false;
        }
        self.queue.push_back(event);
        self.counters.queued = self.counters.queued.saturating_add(1);
        true
    }

    /// Takes the oldest queued event.
    pub fn pop(&mut self) -> Option<Event> {
        self.queue.pop_front()
    }

    /// Events waiting.
    #[must_use]
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no event waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The configured maximum.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The counters.
    #[must_use]
    pub fn counters(&self) -> EventCounters {
        self.counters
    }
}
