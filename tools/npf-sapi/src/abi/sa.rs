//! SA parameters, UDP encapsulation ports, policies and event rate limits.

use super::base::{NPF_uint32_t, NPF_uint8_t};
use super::event::NPF_IPSecEvent_t;
use super::ident::{NPF_IPSecPolicy_Action_t, NPF_IPSecPolicy_ID_t};
use super::selector::{NPF_IPSecSelector_t, NPF_IPSecTunEndAddr_t};
use super::union_debug;

/// `NPF_IPSecErrorType_t`.
pub type NPF_IPSecErrorType_t = u32;

/// `NPF_IPSecUDP_Ports_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecUDP_Ports_t {
    /// UDP source port (0: no UDP encapsulation).
    pub srcPort: u16,
    /// UDP destination port (0: no UDP encapsulation).
    pub dstPort: u16,
}

/// `NPF_IPSecSA_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSA_t {
    /// SPI (or CPI in its low 16 bits).
    pub spi: NPF_uint32_t,
    /// Explicit IPv6 flow label / IPv4 TOS value.
    pub flowLabel: NPF_uint32_t,
    /// proto, df, qos, mode, lifetime and replay sub-fields (see `crate::flags`).
    pub flags: NPF_uint32_t,
    /// `NPF_IPSEC_AALG_*`.
    pub authAlgo: NPF_uint8_t,
    /// `NPF_IPSEC_EALG_*`.
    pub encAlgo: NPF_uint8_t,
    /// Soft KB expiry.
    pub softKbyteLimit: NPF_uint32_t,
    /// Hard KB expiry.
    pub hardKbyteLimit: NPF_uint32_t,
    /// Soft seconds expiry.
    pub softSecsLimit: NPF_uint32_t,
    /// Hard seconds expiry.
    pub hardSecsLimit: NPF_uint32_t,
    /// Tunnel endpoints.
    pub TE_Addr: NPF_IPSecTunEndAddr_t,
    /// Authentication key.
    pub authKey: *mut NPF_uint8_t,
    /// Authentication key length in bits.
    pub authKeyLenBits: u16,
    /// Encryption key.
    pub encDecKey: *mut NPF_uint8_t,
    /// Encryption key length in bits.
    pub encDecKeyLenBits: u16,
    /// Replay window size in bytes.
    pub replayWindowSize: NPF_uint8_t,
}

/// `NPF_IPSecPolicy_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecPolicy_t {
    /// Caller's policy ID.
    pub policyID: NPF_IPSecPolicy_ID_t,
    /// Action.
    pub policyAction: NPF_IPSecPolicy_Action_t,
    /// Number of selectors.
    pub selectorCount: NPF_uint32_t,
    /// The selectors.
    pub selectorArray: *mut NPF_IPSecSelector_t,
}

/// `NPF_IPSecEventLimitType_t`.
pub type NPF_IPSecEventLimitType_t = u32;
/// `NPF_IPSEC_EVENT_LIMIT_TIME`.
pub const NPF_IPSEC_EVENT_LIMIT_TIME: NPF_IPSecEventLimitType_t = 1;
/// `NPF_IPSEC_EVENT_LIMIT_COUNT`.
pub const NPF_IPSEC_EVENT_LIMIT_COUNT: NPF_IPSecEventLimitType_t = 2;

/// The anonymous union `u` of `NPF_IPSecEventLimit_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NPF_IPSecEventLimit_u {
    /// Events per second (`NPF_IPSEC_EVENT_LIMIT_TIME`).
    pub numPerSec: NPF_uint32_t,
    /// One event every `nCount` occurrences (`NPF_IPSEC_EVENT_LIMIT_COUNT`).
    pub nCount: NPF_uint32_t,
}

/// `NPF_IPSecEventLimit_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecEventLimit_t {
    /// The event.
    pub eventId: NPF_IPSecEvent_t,
    /// Time or count.
    pub limitType: NPF_IPSecEventLimitType_t,
    /// The limit.
    pub u: NPF_IPSecEventLimit_u,
}

union_debug!(NPF_IPSecEventLimit_u);
