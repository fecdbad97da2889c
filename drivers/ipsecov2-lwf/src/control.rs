//! Rules of the control device, portable and without `unsafe`.
//!
//! Opening the device is limited by its security descriptor ([`crate::names::DEVICE_SDDL`]:
//! SYSTEM and Administrators) and `FILE_DEVICE_SECURE_OPEN`. The I/O control codes are those of
//! the IOCTL protocol (`ipsecov2_ioctl::Ioctl`, docs/control-plane.md): `CTL_CODE(
//! FILE_DEVICE_NETWORK, 0x900 + n, METHOD_BUFFERED, FILE_ANY_ACCESS)`. They carry no
//! `RequiredAccess` bits: only SYSTEM and Administrators can hold a handle to the device at all,
//! so the security descriptor is the one access check, for reading and changing alike. Any other
//! code is `STATUS_INVALID_DEVICE_REQUEST`.
//!
//! [`outcome`] turns the dispatcher's answer into how the IRP completes; [`test_family`] is the
//! gate of the test family (the adapters' `ControlTestFamily` keyword).
#![forbid(unsafe_code)]

use ipsecov2_ioctl::{Completion, DispatchError, Family, Ioctl, TestRequest};
use ndis_bindings::{IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL};

/// What to do with an `IRP_MJ_DEVICE_CONTROL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoctlVerdict {
    /// A code of the protocol: hand it to the dispatcher.
    Dispatch(Ioctl),
    /// Unknown code: `STATUS_INVALID_DEVICE_REQUEST`.
    InvalidDeviceRequest,
}

/// Classifies an I/O control code.
#[must_use]
pub fn classify(code: u32) -> IoctlVerdict {
    Ioctl::from_code(code).map_or(IoctlVerdict::InvalidDeviceRequest, IoctlVerdict::Dispatch)
}

/// `STATUS_SUCCESS`.
pub const STATUS_SUCCESS: u32 = 0;
/// `STATUS_NOT_SUPPORTED`: what a test request reports (inside its response) for an operation
/// the driver does not carry out on a module yet (`TestOid`, `TestInject`).
pub const STATUS_NOT_SUPPORTED: u32 = 0xC000_00BB;
/// `STATUS_NOT_FOUND`: a test request names no attached module, or one whose
/// `ControlTestFamily` keyword is 0.
pub const STATUS_NOT_FOUND: u32 = 0xC000_0225;
/// `STATUS_INSUFFICIENT_RESOURCES`: a test request's result could not be allocated.
pub const STATUS_INSUFFICIENT_RESOURCES: u32 = 0xC000_009A;

/// How an `IRP_MJ_DEVICE_CONTROL` completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrpOutcome<'a> {
    /// Complete now with this status and `IoStatus.Information` (bytes of the output written).
    Complete {
        /// The NTSTATUS.
        status: u32,
        /// Bytes written into the system buffer.
        information: usize,
    },
    /// `EventWait` with nothing waiting: mark pending, queue, complete when events arrive.
    Pending,
    /// A test-family request for the shell to carry out on a filter module.
    Test(TestRequest<'a>),
}

/// The IRP's outcome for the dispatcher's answer: `Done(n)` completes with `n` bytes,
/// `Pending` pends, an error completes with its NTSTATUS and no bytes.
#[must_use]
pub fn outcome(result: Result<Completion<'_>, DispatchError>) -> IrpOutcome<'_> {
    match result {
        Ok(Completion::Done(n)) => IrpOutcome::Complete {
            status: STATUS_SUCCESS,
            information: n,
        },
        Ok(Completion::Pending) => IrpOutcome::Pending,
        Ok(Completion::Test(t)) => IrpOutcome::Test(t),
        Err(e) => IrpOutcome::Complete {
            status: e.ntstatus(),
            information: 0,
        },
    }
}

/// The adapter keyword that enables the test family on a module (REG_DWORD / integer, default
/// 0; docs/install.md).
pub const KEYWORD_CONTROL_TEST_FAMILY: &str = "ControlTestFamily";

/// A module's `ControlTestFamily` value (`None`: absent): on only for a non-zero value.
#[must_use]
pub fn test_family_keyword(value: Option<u32>) -> bool {
    value.is_some_and(|v| v != 0)
}

/// The test family is enabled while at least one attached module has its `ControlTestFamily`
/// keyword set (0 by default: a production install never exposes it).
#[must_use]
pub fn test_family(module_keywords: impl IntoIterator<Item = bool>) -> bool {
    module_keywords.into_iter().any(|k| k)
}

/// The interface index a test request's module name gives: the driver names each module by
/// its interface index in decimal ASCII (`"12"`); `None` for anything else.
#[must_use]
pub fn module_index(name: &[u8]) -> Option<u32> {
    if name.is_empty() || name.len() > 10 || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    let mut v: u32 = 0;
    for &c in name {
        let d = u32::from(c.checked_sub(b'0').filter(|d| *d <= 9)?);
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    Some(v)
}

/// Whether `code` is of the test family.
#[must_use]
pub fn is_test_family(code: u32) -> bool {
    Ioctl::from_code(code).is_some_and(|i| i.family() == Family::Test)
}

/// What to do with an IRP of the given major function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MajorVerdict {
    /// `IRP_MJ_CREATE`, `IRP_MJ_CLEANUP`, `IRP_MJ_CLOSE`: succeed (access was checked by the
    /// I/O manager against the device's security descriptor).
    Succeed,
    /// `IRP_MJ_DEVICE_CONTROL`: classify the code.
    DeviceControl,
    /// Anything else: `STATUS_INVALID_DEVICE_REQUEST`.
    Invalid,
}

/// Classifies an IRP major function.
#[must_use]
pub const fn classify_major(major: u8) -> MajorVerdict {
    match major {
        IRP_MJ_CREATE | IRP_MJ_CLEANUP | IRP_MJ_CLOSE => MajorVerdict::Succeed,
        IRP_MJ_DEVICE_CONTROL => MajorVerdict::DeviceControl,
        _ => MajorVerdict::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndis_bindings::{
        CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_NETWORK, FILE_WRITE_ACCESS, IRP_MJ_READ,
        METHOD_BUFFERED,
    };

    #[test]
    fn protocol_codes_dispatch_and_others_are_invalid() {
        for &i in Ioctl::ALL {
            assert_eq!(classify(i.code()), IoctlVerdict::Dispatch(i));
        }
        let vendor = CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
        let write = CTL_CODE(
            FILE_DEVICE_NETWORK,
            0x900,
            METHOD_BUFFERED,
            FILE_WRITE_ACCESS,
        );
        for code in [0, vendor, write, u32::MAX] {
            assert_eq!(classify(code), IoctlVerdict::InvalidDeviceRequest);
        }
    }

    #[test]
    fn outcomes() {
        assert_eq!(
            outcome(Ok(Completion::Done(24))),
            IrpOutcome::Complete {
                status: STATUS_SUCCESS,
                information: 24
            }
        );
        assert_eq!(outcome(Ok(Completion::Pending)), IrpOutcome::Pending);
        assert_eq!(
            outcome(Err(DispatchError::TestFamilyDisabled)),
            IrpOutcome::Complete {
                status: 0xC000_0022,
                information: 0
            }
        );
        assert_eq!(
            outcome(Err(DispatchError::OutputTooSmall { needed: 40 })),
            IrpOutcome::Complete {
                status: DispatchError::OutputTooSmall { needed: 40 }.ntstatus(),
                information: 0
            }
        );
    }

    #[test]
    fn test_family_gate() {
        assert!(!test_family_keyword(None));
        assert!(!test_family_keyword(Some(0)));
        assert!(test_family_keyword(Some(1)));
        assert!(!test_family([]));
        assert!(!test_family([false, false]));
        assert!(test_family([false, true]));
        let test_codes: alloc::vec::Vec<u32> = Ioctl::ALL
            .iter()
            .filter(|i| i.family() == Family::Test)
            .map(|i| i.code())
            .collect();
        assert_eq!(test_codes.len(), 3);
        assert!(test_codes.iter().all(|&c| is_test_family(c)));
        assert!(!is_test_family(Ioctl::Handshake.code()));
        assert!(!is_test_family(0));
    }

    #[test]
    fn module_names_are_decimal_interface_indexes() {
        assert_eq!(module_index(b"12"), Some(12));
        assert_eq!(module_index(b"0"), Some(0));
        assert_eq!(module_index(b"4294967295"), Some(u32::MAX));
        for bad in [
            &b""[..],
            b"012",
            b"4294967296",
            b"12a",
            b"-1",
            b" 1",
            b"99999999999",
        ] {
            assert_eq!(module_index(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn majors() {
        assert_eq!(classify_major(IRP_MJ_CREATE), MajorVerdict::Succeed);
        assert_eq!(classify_major(IRP_MJ_CLOSE), MajorVerdict::Succeed);
        assert_eq!(classify_major(IRP_MJ_CLEANUP), MajorVerdict::Succeed);
        assert_eq!(
            classify_major(IRP_MJ_DEVICE_CONTROL),
            MajorVerdict::DeviceControl
        );
        assert_eq!(classify_major(IRP_MJ_READ), MajorVerdict::Invalid);
        assert_eq!(classify_major(0xFF), MajorVerdict::Invalid);
    }
}
