//! Behaviours the real TCP/IP may show where the documents are silent (issue 15), as options.

use ipsecov2_abi::*;

/// Where the emulated TCP/IP puts slot 12's header offsets on send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Slot12Offsets {
    /// The offsets of the ESP and AH headers (what the sending page describes).
    #[default]
    Exact,
    /// Both offsets 0 (only the trailer values are set).
    Zero,
    /// Every offset one 4-byte unit too far.
    Wrong,
}

/// How the emulated TCP/IP behaves where the IPsecOV2 documents leave room (issue 15). The
/// default is the project's own reading; each option is one alternative TCP/IP may show.
/// Set per thread ([`with_behaviour`]); threads a case spawns take it over with
/// [`set_behaviour`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpipBehaviour {
    /// ADD_SA / DELETE_SA list elements after the first in separate allocations (`Next` points
    /// outside the InformationBuffer).
    pub separate_elements: bool,
    /// Inbound ESP+AH bundles listed in processing order: `[AH, ESP]`.
    pub inbound_ah_first: bool,
    /// Slot 12's header offsets on send.
    pub slot12: Slot12Offsets,
    /// The UDP-ESP type of a transport-over-tunnel pair on both SAs of the pair.
    pub udp_esp_both: bool,
    /// UPDATE_SA arrives while packets of both ESN epochs are in flight.
    pub update_in_flight: bool,
}

thread_local! {
    static BEHAVIOUR: core::cell::Cell<TcpipBehaviour> =
        const { core::cell::Cell::new(TcpipBehaviour {
            separate_elements: false,
            inbound_ah_first: false,
            slot12: Slot12Offsets::Exact,
            udp_esp_both: false,
            update_in_flight: false,
        }) };
}

/// The calling thread's TCP/IP behaviour.
#[must_use]
pub fn behaviour() -> TcpipBehaviour {
    BEHAVIOUR.with(core::cell::Cell::get)
}

/// Sets the calling thread's TCP/IP behaviour (for threads a case spawns).
pub fn set_behaviour(b: TcpipBehaviour) {
    BEHAVIOUR.with(|c| c.set(b));
}

/// Runs `f` with behaviour `b` on this thread, then restores the previous one.
pub fn with_behaviour<R>(b: TcpipBehaviour, f: impl FnOnce() -> R) -> R {
    let before = behaviour();
    set_behaviour(b);
    let r = f();
    set_behaviour(before);
    r
}

/// Every alternative behaviour, by name (one option set each).
#[must_use]
pub fn behaviour_options() -> Vec<(&'static str, TcpipBehaviour)> {
    let d = TcpipBehaviour::default();
    vec![
        (
            "separate-list-elements",
            TcpipBehaviour {
                separate_elements: true,
                ..d
            },
        ),
        (
            "inbound-ah-esp-order",
            TcpipBehaviour {
                inbound_ah_first: true,
                ..d
            },
        ),
        (
            "update-sa-in-flight",
            TcpipBehaviour {
                update_in_flight: true,
                ..d
            },
        ),
        (
            "slot12-zero-offsets",
            TcpipBehaviour {
                slot12: Slot12Offsets::Zero,
                ..d
            },
        ),
        (
            "slot12-wrong-offsets",
            TcpipBehaviour {
                slot12: Slot12Offsets::Wrong,
                ..d
            },
        ),
        (
            "udp-esp-type-on-both-sas",
            TcpipBehaviour {
                udp_esp_both: true,
                ..d
            },
        ),
    ]
}

/// Slot 12's offsets as the current behaviour writes them (`None`: 0).
pub(super) fn slot12_offset(o: Option<usize>) -> Option<usize> {
    match behaviour().slot12 {
        Slot12Offsets::Exact => o,
        Slot12Offsets::Zero => None,
        Slot12Offsets::Wrong => o.map(|o| o + 4),
    }
}

/// The UDP-ESP types of a transport-over-tunnel pair whose tunnel layer (`outer_udp`) or
/// transport layer (`inner_udp`) is UDP-encapsulated: `(tunnel SA, transport SA)`. The type is
/// `TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL` or `UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL`;
/// by default only on the SA of the encapsulated layer, with
/// [`TcpipBehaviour::udp_esp_both`] on both.
#[must_use]
pub fn pair_udp_types(outer_udp: bool, inner_udp: bool) -> (u32, u32) {
    let ty = match (outer_udp, inner_udp) {
        (true, false) => IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL,
        (false, true) => IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL,
        _ => 0,
    };
    if behaviour().udp_esp_both {
        (ty, ty)
    } else {
        (
            if outer_udp { ty } else { 0 },
            if inner_udp { ty } else { 0 },
        )
    }
}
