//! Events: identifiers, masks, and the event data delivered to event handlers.

use super::base::{NPF_uint32_t, NPF_uint8_t};
use super::ident::{NPF_IPSecPolicy_ID_t, NPF_IPSecSA_ID_t, NPF_IPSecSPD_ID_t};
use super::selector::{NPF_IPSecIPAddress_t, NPF_IPSecPacketFields_t};
use super::union_debug;

/// `NPF_IPSecEvent_t`.
pub type NPF_IPSecEvent_t = u32;

macro_rules! events {
    ($($name:ident = $v:literal, $mask:ident;)*) => {
        $(#[doc = concat!("`", stringify!($name), "`.")]
        pub const $name: NPF_IPSecEvent_t = $v;
        #[doc = concat!("`", stringify!($mask), "`.")]
        pub const $mask: NPF_IPSecEventMask_t = 1 << ($v - 1);)*
        /// Every event, in order, with its name.
        pub const ALL_EVENTS: [(NPF_IPSecEvent_t, &str); 16] = [$(($v, stringify!($name))),*];
    };
}

events! {
    NPF_IPSEC_SA_ACQUIRE = 1, NPF_IPSEC_EVENT_SA_ACQUIRE_ENABLE;
    NPF_IPSEC_SA_EXPIRE_KB_SOFT = 2, NPF_IPSEC_EVENT_SA_EXPIRE_KB_SOFT_ENABLE;
    NPF_IPSEC_SA_EXPIRE_KB_HARD = 3, NPF_IPSEC_EVENT_SA_EXPIRE_KB_HARD_ENABLE;
    NPF_IPSEC_SA_EXPIRE_SECS_SOFT = 4, NPF_IPSEC_EVENT_SA_EXPIRE_SECS_SOFT_ENABLE;
    NPF_IPSEC_SA_EXPIRE_SECS_HARD = 5, NPF_IPSEC_EVENT_SA_EXPIRE_SECS_HARD_ENABLE;
    NPF_IPSEC_SA_PURGED = 6, NPF_IPSEC_EVENT_SA_PURGED_ENABLE;
    NPF_IPSEC_SA_SEQUENCE_OVERFLOW = 7, NPF_IPSEC_EVENT_SA_SEQUENCE_OVERFLOW_ENABLE;
    NPF_IPSEC_CLEARPACKET_DROPPED = 8, NPF_IPSEC_EVENT_CLEARPACKET_DROPPED_ENABLE;
    NPF_IPSEC_REPLAY_PACKET = 9, NPF_IPSEC_EVENT_REPLAY_PACKET_ENABLE;
    NPF_IPSEC_WRONG_SPI = 10, NPF_IPSEC_EVENT_WRONG_SPI_ENABLE;
    NPF_IPSEC_AUTH_FAILED = 11, NPF_IPSEC_EVENT_AUTH_FAILED_ENABLE;
    NPF_IPSEC_DECRYPTION_FAILED = 12, NPF_IPSEC_EVENT_DECRYPTION_FAILED_ENABLE;
    NPF_IPSEC_INVALID_POLICY = 13, NPF_IPSEC_EVENT_INVALID_POLICY_ENABLE;
    NPF_IPSEC_POLICY_DISCARD = 14, NPF_IPSEC_EVENT_POLICY_DISCARD_ENABLE;
    NPF_IPSEC_REASSEMBLY_REQD = 15, NPF_IPSEC_EVENT_REASSEMBLY_REQD_ENABLE;
    NPF_IPSEC_MEM_FULL = 16, NPF_IPSEC_EVENT_MEM_FULL_ENABLE;
}

/// `IPSEC_MAX_EVENT_TYPES`.
pub const IPSEC_MAX_EVENT_TYPES: u32 = 16;
/// `NPF_IPSecEventMask_t`.
pub type NPF_IPSecEventMask_t = u32;
/// `NPF_IPSEC_EVENT_ALL_DISABLE`.
pub const NPF_IPSEC_EVENT_ALL_DISABLE: NPF_IPSecEventMask_t = 0;
/// `NPF_IPSEC_EVENT_ALL_ENABLE`.
pub const NPF_IPSEC_EVENT_ALL_ENABLE: NPF_IPSecEventMask_t = 0xFFFF_FFFF;
/// `NPF_IPSecEventCallHandle_t`.
pub type NPF_IPSecEventCallHandle_t = u32;

/// `NPF_IPSecSA_AcquireInfo_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecSA_AcquireInfo_t {
    /// Caller's SPD ID.
    pub spdID: NPF_IPSecSPD_ID_t,
    /// Caller's policy ID.
    pub policyID: NPF_IPSecPolicy_ID_t,
    /// The packet's fields.
    pub packet5Tuple: NPF_IPSecPacketFields_t,
    /// Acquire context (given back in `NPF_IPSecSA_Add`).
    pub acquireContext: NPF_uint32_t,
}

/// `NPF_IPSecSA_ExpireInfo_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPSecSA_ExpireInfo_t {
    /// Caller's SA ID.
    pub saID: NPF_IPSecSA_ID_t,
}

/// `NPF_IPSecPacketDropped_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecPacketDropped_t {
    /// Caller's SPD ID.
    pub spdID: NPF_IPSecSPD_ID_t,
    /// Caller's policy ID.
    pub policyID: NPF_IPSecPolicy_ID_t,
    /// Caller's SA ID.
    pub saID: NPF_IPSecSA_ID_t,
    /// The packet's fields.
    pub packet5Tuple: NPF_IPSecPacketFields_t,
}

/// `NPF_IPSecCryptoDropped_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecCryptoDropped_t {
    /// 4 or 6.
    pub IP_Version: NPF_uint8_t,
    /// Source address.
    pub srcIP: NPF_IPSecIPAddress_t,
    /// Destination address.
    pub dstIP: NPF_IPSecIPAddress_t,
    /// 50, 51 or 108.
    pub protocol: NPF_uint8_t,
    /// SPI.
    pub SPI: NPF_uint32_t,
    /// IPv6 flow label, 0 for IPv4.
    pub flowLabel: NPF_uint32_t,
    /// Low 8 bits of the sequence number.
    pub seqNo: NPF_uint8_t,
    /// Repetition count.
    pub count: NPF_uint8_t,
}

/// The anonymous union `event` of `NPF_IPSecEventData_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NPF_IPSecEventData_u {
    /// `NPF_IPSEC_SA_ACQUIRE`.
    pub acquire: NPF_IPSecSA_AcquireInfo_t,
    /// Expiry and purge events.
    pub expire: NPF_IPSecSA_ExpireInfo_t,
    /// Packet drops.
    pub packet: NPF_IPSecPacketDropped_t,
    /// Crypto drops.
    pub crypto: NPF_IPSecCryptoDropped_t,
}

/// `NPF_IPSecEventData_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecEventData_t {
    /// The event.
    pub eventType: NPF_IPSecEvent_t,
    /// Its data.
    pub event: NPF_IPSecEventData_u,
}

/// `NPF_IPSecEventArray_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NPF_IPSecEventArray_t {
    /// Number of events.
    pub n_data: u16,
    /// The events.
    pub eventDataArray: *mut NPF_IPSecEventData_t,
}

union_debug!(NPF_IPSecEventData_u);
