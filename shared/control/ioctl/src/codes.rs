//! IOCTL codes: `CTL_CODE(FILE_DEVICE_NETWORK, function, METHOD_BUFFERED, FILE_ANY_ACCESS)`.
//! The device itself is SYSTEM + Administrators only (its SDDL), so FILE_ANY_ACCESS adds no
//! exposure.

/// `FILE_DEVICE_NETWORK`.
pub const FILE_DEVICE_NETWORK: u32 = 0x0000_0012;
/// `METHOD_BUFFERED`.
pub const METHOD_BUFFERED: u32 = 0;
/// `FILE_ANY_ACCESS`.
pub const FILE_ANY_ACCESS: u32 = 0;

/// `CTL_CODE(device, function, method, access)`.
#[must_use]
pub const fn ctl_code(device: u32, function: u32, method: u32, access: u32) -> u32 {
    (device << 16) | (access << 14) | (function << 2) | method
}

/// The function numbers start at 0x900 (0x800 and up are for vendors).
pub const FUNCTION_BASE: u32 = 0x900;

/// An IOCTL of this device, with its function number.
#[must_use]
pub const fn ioctl(function: u32) -> u32 {
    ctl_code(
        FILE_DEVICE_NETWORK,
        FUNCTION_BASE + function,
        METHOD_BUFFERED,
        FILE_ANY_ACCESS,
    )
}
