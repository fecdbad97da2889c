//! The control plane's configured maxima. Every table stops at its maximum with the agreement's
//! error (`NPF_IPSEC_E_NOMEMORY`), never with an allocation failure.

/// Maxima and timing of one control plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// SPDs (both directions together).
    pub spds: usize,
    /// Interfaces one SPD may be bound to explicitly.
    pub bindings_per_spd: usize,
    /// Policies.
    pub policies: usize,
    /// SPDs one policy may be bound to explicitly.
    pub bindings_per_policy: usize,
    /// Selectors in one policy or one SA bundle.
    pub selectors: usize,
    /// SA bundles (the datapath's SA table has its own capacity too).
    pub sas: usize,
    /// Reserved inbound SPIs.
    pub reserved_spis: usize,
    /// Policies in one batch call.
    pub batch: usize,
    /// Events waiting for delivery.
    pub events: usize,
    /// Attached adapters known to the control plane.
    pub interfaces: usize,
    /// Seconds a replaced inbound SA is kept after a rekey (6.6.16 discussion).
    pub rekey_grace_secs: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            spds: 64,
            bindings_per_spd: 64,
            policies: 4096,
            bindings_per_policy: 64,
            selectors: 64,
            sas: 4096,
            reserved_spis: 1024,
            batch: 256,
            events: 1024,
            interfaces: 64,
            rekey_grace_secs: 30,
        }
    }
}
