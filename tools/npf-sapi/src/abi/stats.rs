//! Policy and SA statistics.

use super::base::{NPF_uint32_t, NPF_uint64_t};
use super::consts::MAX_SIZE_REPLAY_WINDOW;
use super::ident::{NPF_IPSecPolicy_ID_t, NPF_IPSecSA_ID_t, NPF_IPSecSPD_ID_t};

/// `NPF_IPSecPolicy_Stats_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecPolicy_Stats_t {
    /// SPD containing the policy.
    pub spdID: NPF_IPSecSPD_ID_t,
    /// The policy.
    pub policyID: NPF_IPSecPolicy_ID_t,
    /// Selector validation errors.
    pub policyErrors: NPF_uint32_t,
    /// SAs acquired.
    pub acquiredSAs: NPF_uint32_t,
    /// Exceptions generated.
    pub exceptions: NPF_uint32_t,
}

/// `NPF_IPSecSA_Stats_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecSA_Stats_t {
    /// ICV failures (inbound).
    pub HMAC_Errors: NPF_uint32_t,
    /// Decryption errors (inbound).
    pub decryptErrors: NPF_uint32_t,
    /// Replays (inbound).
    pub replayErrors: NPF_uint32_t,
    /// Selector validation errors.
    pub selectorErrors: NPF_uint32_t,
    /// Packets.
    pub packetCount: NPF_uint64_t,
    /// Bytes processed.
    pub bytesUsed: NPF_uint64_t,
    /// Bytes left before the hard limit.
    pub bytesRemaining: NPF_uint64_t,
    /// Seconds since installation.
    pub secsUsed: NPF_uint32_t,
    /// Seconds left before the hard limit.
    pub secsRemaining: NPF_uint32_t,
    /// Sequence number (sent or highest received).
    pub sequenceNo: NPF_uint64_t,
    /// Exceptions generated.
    pub exceptions: NPF_uint32_t,
    /// Replay bitmap (inbound).
    pub replayBitmap: [NPF_uint32_t; MAX_SIZE_REPLAY_WINDOW],
}

/// `NPF_IPSecSA_BundleStats_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSA_BundleStats_t {
    /// Caller's SA ID.
    pub saID: NPF_IPSecSA_ID_t,
    /// Number of SAs in the bundle.
    pub saCount: NPF_uint32_t,
    /// Their statistics.
    pub saBundleStats: *mut NPF_IPSecSA_Stats_t,
}
