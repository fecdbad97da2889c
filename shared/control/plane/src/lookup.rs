//! The packet lookup: which SPD an interface consults for a direction, which of its policies
//! matches a 5-tuple first (lowest priority value, then oldest), and for a protecting policy
//! which SA bundle applies.

use crate::datapath::SaStore;
use crate::events::{CryptoDropped, Event, EventKind};
use crate::plane::{ControlPlane, IfBinding};
use crate::selector;
use crate::types::{Action, Direction, IfHandle, PacketFields, PolicyHandle, SaHandle, SpdHandle};

/// What the control plane decides for a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The matching policy's action.
    pub action: Action,
    /// The SPD consulted.
    pub spd: SpdHandle,
    /// The matching policy.
    pub policy: PolicyHandle,
    /// For `Protect`: the SA bundle to use, and its datapath OffloadHandle; None when the policy
    /// has no SA yet (an `NPF_IPSEC_SA_ACQUIRE` was raised).
    pub sa: Option<(SaHandle, u64)>,
}

impl<S: SaStore> ControlPlane<S> {
    /// The SPD an interface (None = a packet seen on no particular interface: only SPDs bound to
    /// all) consults for `direction`.
    #[must_use]
    pub fn spd_for(&self, iface: Option<IfHandle>, direction: Direction) -> Option<SpdHandle> {
        self.spds
            .iter()
            .find(|(_, s)| {
                s.direction == direction
                    && match (&s.binding, iface) {
                        (IfBinding::All, _) => true,
                        (IfBinding::Some(list), Some(i)) => list.contains(&i),
                        (IfBinding::Some(_), None) => false,
                    }
            })
            .map(|(h, _)| SpdHandle(h))
    }

    /// The first matching policy of `spd` for the packet, without side effects.
    #[must_use]
    pub fn lookup_policy(&self, spd: SpdHandle, packet: &PacketFields) -> Option<PolicyHandle> {
        self.policies
            .iter()
            .filter_map(|(h, p)| {
                let prio = self.priority_in(PolicyHandle(h), spd)?;
                selector::matches_all(&p.selectors, packet).then_some((prio, p.order, h))
            })
            .min()
            .map(|(_, _, h)| PolicyHandle(h))
    }

    /// The newest live SA bundle of `policy` whose selectors (or, without any, the policy's)
    /// match the packet.
    #[must_use]
    pub fn lookup_sa(
        &self,
        policy: PolicyHandle,
        packet: &PacketFields,
    ) -> Option<(SaHandle, u64)> {
        self.sas
            .iter()
            .filter(|(_, sa)| {
                sa.policy == policy
                    && sa.retire_at.is_none()
                    && (sa.selectors.is_empty() || selector::matches_all(&sa.selectors, packet))
            })
            .max_by_key(|(h, sa)| (sa.added_at, *h & 0xFFFF))
            .map(|(h, sa)| (SaHandle(h), sa.offload))
    }

    /// `match_packet(direction, 5-tuple)` on an interface: the verdict of its SPD, or None when
    /// no SPD covers the interface or no policy matches (the packet is not IPsec's business).
    /// Outbound, a protecting policy without an SA counts a policy error and raises
    /// `NPF_IPSEC_SA_ACQUIRE`. Inbound, the packet is one that arrived in clear: a protecting
    /// policy means it must be dropped (`NPF_IPSEC_CLEARPACKET_DROPPED`). A discarding policy
    /// raises `NPF_IPSEC_POLICY_DISCARD`.
    pub fn match_packet_on(
        &mut self,
        iface: Option<IfHandle>,
        direction: Direction,
        packet: &PacketFields,
    ) -> Option<Verdict> {
        let spd = self.spd_for(iface, direction)?;
        let policy = self.lookup_policy(spd, packet)?;
        let rec = self.policies.get(policy.0)?;
        let action = rec.action;
        let (spd_id, policy_id) = (self.spds.get(spd.0).map_or(0, |s| s.id), rec.id);
        let sa = match action {
            // A clear packet arriving where the SPD demands protection (5.3.3.3).
            Action::Protect if direction == Direction::Inbound => {
                self.raise(
                    Event::Packet {
                        kind: EventKind::ClearPacketDropped,
                        spd_id,
                        policy_id,
                        sa_id: 0,
                        packet: *packet,
                    },
                    Some(policy),
                );
                None
            }
            Action::Protect => {
                let sa = self.lookup_sa(policy, packet);
                if sa.is_none() {
                    self.global.acquires = self.global.acquires.saturating_add(1);
                    if let Some(p) = self.policies.get_mut(policy.0) {
                        if direction == Direction::Outbound {
                            p.stats.policy_errors = p.stats.policy_errors.saturating_add(1);
                        }
                    }
                    self.raise(
                        Event::Acquire {
                            spd_id,
                            policy_id,
                            packet: *packet,
                            acquire_context: policy.0,
                        },
                        Some(policy),
                    );
                }
                sa
            }
            Action::Discard => {
                self.raise(
                    Event::Crypto {
                        kind: EventKind::PolicyDiscard,
                        info: CryptoDropped {
                            src: packet.src,
                            dst: packet.dst,
                            protocol: packet.protocol,
                            spi: 0,
                            flow_label: 0,
                            seq_no: 0,
                            count: 1,
                        },
                    },
                    Some(policy),
                );
                None
            }
            Action::Bypass => None,
        };
        Some(Verdict {
            action,
            spd,
            policy,
            sa,
        })
    }

    /// `match_packet(direction, 5-tuple)` against the SPDs bound to all interfaces.
    pub fn match_packet(&mut self, direction: Direction, packet: &PacketFields) -> Option<Verdict> {
        self.match_packet_on(None, direction, packet)
    }

    /// After an inbound packet decrypted with the bundle `offload` (its OffloadHandle): true
    /// when the packet matches that SA's selectors (or, without any, its policy's). Otherwise
    /// the SA counts a selector error, its policy a policy error (5.2.1, inbound), and
    /// `NPF_IPSEC_INVALID_POLICY` is raised: the caller drops the packet. An unknown handle (an
    /// SA the OID path installed, not the control plane) is not the control plane's to judge.
    pub fn inbound_check(&mut self, offload: u64, packet: &PacketFields) -> bool {
        let Some((h, sa)) = self.sas.iter().find(|(_, sa)| sa.offload == offload) else {
            return true;
        };
        let (policy, sa_id) = (sa.policy, sa.id);
        let ok = if sa.selectors.is_empty() {
            self.policies
                .get(policy.0)
                .is_some_and(|p| selector::matches_all(&p.selectors, packet))
        } else {
            selector::matches_all(&sa.selectors, packet)
        };
        if ok {
            return true;
        }
        if let Some(sa) = self.sas.get_mut(h) {
            sa.selector_errors = sa.selector_errors.saturating_add(1);
        }
        let mut spd_id = 0;
        let mut policy_id = 0;
        if let Some(first) = self
            .query_policy_bindings(policy)
            .ok()
            .and_then(|mut i| i.next())
        {
            spd_id = first.id;
        }
        if let Some(p) = self.policies.get_mut(policy.0) {
            p.stats.policy_errors = p.stats.policy_errors.saturating_add(1);
            policy_id = p.id;
        }
        self.raise(
            Event::Packet {
                kind: EventKind::InvalidPolicy,
                spd_id,
                policy_id,
                sa_id,
                packet: *packet,
            },
            Some(policy),
        );
        false
    }
}
