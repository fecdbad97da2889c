//! Statistics (5.2.1, 5.2.2) and the global view with the totals of `IpsecGetStatistics0`
//! (seed 001).

/// `MAX_SIZE_REPLAY_WINDOW` (A.1): 32-bit words of the replay bitmap.
pub const MAX_SIZE_REPLAY_WINDOW: usize = 16;

/// `NPF_IPSecPolicy_Stats_t` (5.2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PolicyStats {
    /// SPD ID of the SPD containing the policy (the first one it is bound to; 0 when bound to
    /// all).
    pub spd_id: u32,
    /// The policy's ID.
    pub policy_id: u32,
    /// Outbound: packets that hit the policy with no SA; inbound: packets that decrypted but did
    /// not match the policy prescribing the protection.
    pub policy_errors: u32,
    /// SAs acquired (SA_ACQUIRE raised for the policy).
    pub acquired_sas: u32,
    /// Exceptions generated for the policy's SAs (events raised).
    pub exceptions: u32,
}

/// `NPF_IPSecSA_Stats_t` (5.2.2, header layout with `exceptions`) of one SA of a bundle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaStats {
    /// ICV failures (inbound).
    pub hmac_errors: u32,
    /// Decryption errors (inbound), as the datapath reported them.
    pub decrypt_errors: u32,
    /// Replayed packets (inbound), as the datapath reported them.
    pub replay_errors: u32,
    /// Packets that did not match the SA's selectors.
    pub selector_errors: u32,
    /// Packets processed.
    pub packet_count: u64,
    /// Bytes the SA has been applied to.
    pub bytes_used: u64,
    /// Bytes left before the hard kilobyte limit (`u64::MAX` without one).
    pub bytes_remaining: u64,
    /// Seconds since the SA was added.
    pub secs_used: u32,
    /// Seconds left before the hard time limit (`u32::MAX` without one).
    pub secs_remaining: u32,
    /// Sequence number (Tx or Rx).
    pub sequence_no: u64,
    /// Exceptions generated for the SA.
    pub exceptions: u32,
    /// Copy of the replay bitmap (inbound). The offload face keeps no replay window (TCP/IP
    /// checks replay above the filter), so it is all zero unless the datapath reports one.
    pub replay_bitmap: [u32; MAX_SIZE_REPLAY_WINDOW],
}

/// What the datapath counts for one installed SA bundle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DatapathCounters {
    /// Packets processed successfully.
    pub packets: u64,
    /// Their bytes.
    pub octets: u64,
    /// ICV failures.
    pub auth_failures: u64,
    /// Other drops (malformed, replayed, exhausted).
    pub other_drops: u64,
}

/// The global view: the totals of `IPSEC_STATISTICS0` (seed 001) that apply to us.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlobalStats {
    /// Active inbound SA bundles.
    pub active_inbound_sas: u32,
    /// Active outbound SA bundles.
    pub active_outbound_sas: u32,
    /// SPDs.
    pub spds: u32,
    /// Policies.
    pub policies: u32,
    /// Reserved SPIs.
    pub reserved_spis: u32,
    /// Packets in (inbound SAs).
    pub packets_in: u64,
    /// Bytes in.
    pub bytes_in: u64,
    /// Packets out (outbound SAs).
    pub packets_out: u64,
    /// Bytes out.
    pub bytes_out: u64,
    /// Drops: unknown SPI.
    pub drops_wrong_spi: u64,
    /// Drops: authentication failed.
    pub drops_auth: u64,
    /// Drops: decryption failed.
    pub drops_decrypt: u64,
    /// Drops: replay.
    pub drops_replay: u64,
    /// Drops: sequence number overflow.
    pub drops_seq_overflow: u64,
    /// Drops: clear-text packet where protection was required.
    pub drops_clear_packet: u64,
    /// Drops: decrypted packet did not match its policy.
    pub drops_invalid_policy: u64,
    /// Drops: discard policy.
    pub drops_policy_discard: u64,
    /// Drops: fragment needing reassembly.
    pub drops_reassembly: u64,
    /// Drops: out of memory.
    pub drops_mem_full: u64,
    /// Drops the datapath counted on its SAs beyond the reported ones (ICV failures and others).
    pub drops_datapath: u64,
    /// Packets that matched a protecting policy with no SA (acquires).
    pub acquires: u64,
    /// Events dropped because the event queue was full.
    pub events_dropped: u64,
}
