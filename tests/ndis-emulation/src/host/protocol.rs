//! The emulated TCP/IP-like protocol above: send completions, received packets with their
//! IPsecOV2 receive information, status indications and held receive NBLs.

use std::collections::HashMap;

use ipsecov2_abi::*;

use crate::tcpip::RecvView;
use crate::OwnedNblChain;

/// A receive indication as the protocol saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The frame bytes (decrypted in place when the filter processed it).
    pub frame: Vec<u8>,
    /// The IPsecOV2 receive information.
    pub view: RecvView,
    /// `ReceiveFlags` of the indication.
    pub flags: ULONG,
}

/// A status indication as the protocol saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenStatus {
    /// `StatusCode`.
    pub status: NDIS_STATUS,
    /// The `NDIS_OFFLOAD`, for offload indications.
    pub offload: Option<NDIS_OFFLOAD>,
    /// The buffer of other indications.
    pub buffer: Vec<u8>,
}

/// Identifies one NBL the protocol sent.
pub type SendId = usize;

/// The emulated TCP/IP-like protocol above the filter.
#[derive(Debug, Default)]
pub struct Protocol {
    /// Hold receive NBLs (do not return them) until [`Host::release_receives`](super::Host::release_receives).
    pub hold_receives: bool,
    /// Every received packet, in order.
    pub received: Vec<Received>,
    /// Every status indication, in order.
    pub statuses: Vec<SeenStatus>,
    /// Send completions, in order: (id, status).
    pub completions: Vec<(SendId, NDIS_STATUS)>,
    /// Completions of NBLs it did not send or had already seen complete (must stay 0).
    pub bad_completions: usize,
    /// `NdisFPauseComplete` calls seen.
    pub pause_completes: usize,
    /// `NdisFOidRequestComplete` calls seen: (handle, status).
    pub oid_completions: Vec<(usize, NDIS_STATUS)>,
    pub(super) sends: HashMap<usize, (SendId, usize)>,
    pub(super) groups: HashMap<usize, (OwnedNblChain, usize)>,
    pub(super) next_id: SendId,
    pub(super) held_rx: Vec<usize>,
    pub(super) to_return: Vec<usize>,
}

impl Protocol {
    /// The completion status of send `id`, once completed.
    #[must_use]
    pub fn send_status(&self, id: SendId) -> Option<NDIS_STATUS> {
        self.completions
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| *s)
    }

    /// Sends not yet completed.
    #[must_use]
    pub fn sends_outstanding(&self) -> usize {
        self.sends.len()
    }

    /// Receive NBL chains held.
    #[must_use]
    pub fn receives_held(&self) -> usize {
        self.held_rx.len()
    }
}
