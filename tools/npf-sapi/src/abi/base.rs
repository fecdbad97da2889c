//! The NPF base conventions (`npf_base.h`): integers, booleans, error codes, callback handles,
//! user contexts and correlators, error reporting, interface handles and IP addresses.

use core::ffi::c_void;

/// `NPF_uint8_t`.
pub type NPF_uint8_t = u8;
/// `NPF_uint16_t`.
pub type NPF_uint16_t = u16;
/// `NPF_uint32_t`.
pub type NPF_uint32_t = u32;
/// `NPF_uint64_t`.
pub type NPF_uint64_t = u64;
/// `NPF_boolean_t`: 32 bits, 0 is false.
pub type NPF_boolean_t = u32;
/// `NPF_FALSE`.
pub const NPF_FALSE: NPF_boolean_t = 0;
/// `NPF_TRUE`.
pub const NPF_TRUE: NPF_boolean_t = 1;
/// `NPF_error_t`: the synchronous return value of every function.
pub type NPF_error_t = u32;
/// `NPF_NO_ERROR`.
pub const NPF_NO_ERROR: NPF_error_t = 0;
/// `NPF_E_UNKNOWN`.
pub const NPF_E_UNKNOWN: NPF_error_t = 1;
/// `NPF_E_BAD_CALLBACK_HANDLE`.
pub const NPF_E_BAD_CALLBACK_HANDLE: NPF_error_t = 2;
/// `NPF_E_BAD_CALLBACK_FUNCTION`.
pub const NPF_E_BAD_CALLBACK_FUNCTION: NPF_error_t = 3;
/// `NPF_callbackHandle_t`.
pub type NPF_callbackHandle_t = u32;
/// `NPF_userContext_t`: opaque to the implementation.
pub type NPF_userContext_t = *mut c_void;
/// `NPF_correlator_t`: opaque to the implementation.
pub type NPF_correlator_t = *mut c_void;
/// `NPF_errorReporting_t`.
pub type NPF_errorReporting_t = u32;
/// `NPF_REPORT_NONE`: no completion callback.
pub const NPF_REPORT_NONE: NPF_errorReporting_t = 0;
/// `NPF_REPORT_ERRORS`: a completion callback only when the call failed.
pub const NPF_REPORT_ERRORS: NPF_errorReporting_t = 1;
/// `NPF_REPORT_ALL`: a completion callback for every call.
pub const NPF_REPORT_ALL: NPF_errorReporting_t = 2;
/// `NPF_IfHandle_t`: an interface index of the host.
pub type NPF_IfHandle_t = u32;
/// `NPF_IPv4Address_t`: the address as a host-order 32-bit value.
pub type NPF_IPv4Address_t = u32;

/// `NPF_IPv6Address_t`: 16 octets in network order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPv6Address_t {
    /// The address octets.
    pub octets: [u8; 16],
}

/// `NPF_IPv4Prefix_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPv4Prefix_t {
    /// Network address.
    pub IPv4Addr: NPF_IPv4Address_t,
    /// Prefix length in bits.
    pub IPv4NetPlen: u8,
}

/// `NPF_IPv6Prefix_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NPF_IPv6Prefix_t {
    /// Network address.
    pub IPv6Addr: NPF_IPv6Address_t,
    /// Prefix length in bits.
    pub IPv6NetPlen: u8,
}
