//! Rules of the control device, portable and without `unsafe`.
//!
//! Opening the device is limited by its security descriptor ([`crate::names::DEVICE_SDDL`]:
//! SYSTEM and Administrators). Each I/O control code carries `RequiredAccess` bits
//! (`CTL_CODE(..., Access)`), which the I/O manager checks against the access granted to the
//! caller's handle before the driver sees the request; every code that changes driver state must
//! therefore be defined with `FILE_WRITE_ACCESS`, which [`IoctlTable::new`] enforces at compile
//! time for the table's `const` and [`classify`] re-checks at dispatch.
//!
//! The table of implemented codes is empty, so every code is answered
//! `STATUS_INVALID_DEVICE_REQUEST`.
#![forbid(unsafe_code)]

use ndis_bindings::{
    FILE_WRITE_ACCESS, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL,
    REQUIRED_ACCESS_FROM_CTL_CODE,
};

/// One I/O control code the driver implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoctlSpec {
    /// The full code (`CTL_CODE(FILE_DEVICE_NETWORK, function, method, access)`).
    pub code: u32,
    /// Whether the request changes driver state (adds/deletes SAs, changes settings, …).
    pub mutating: bool,
}

/// The implemented codes, checked when built.
#[derive(Debug, Clone, Copy)]
pub struct IoctlTable<'a> {
    entries: &'a [IoctlSpec],
}

impl<'a> IoctlTable<'a> {
    /// Builds the table; in a `const` this fails the build when a mutating code lacks
    /// `FILE_WRITE_ACCESS` (at run time it returns `None`).
    #[must_use]
    pub const fn new(entries: &'a [IoctlSpec]) -> Option<Self> {
        let mut i = 0;
        while i < entries.len() {
            if entries[i].mutating
                && REQUIRED_ACCESS_FROM_CTL_CODE(entries[i].code) & FILE_WRITE_ACCESS == 0
            {
                return None;
            }
            i += 1;
        }
        Some(Self { entries })
    }

    fn find(&self, code: u32) -> Option<IoctlSpec> {
        self.entries.iter().copied().find(|e| e.code == code)
    }
}

/// The driver's IOCTL codes (none: every code is refused).
const IOCTL_SPECS: &[IoctlSpec] = &[];

/// The driver's IOCTLs.
pub const IOCTLS: IoctlTable<'static> = IoctlTable {
    entries: IOCTL_SPECS,
};

// Build-time check: every mutating code is defined with FILE_WRITE_ACCESS.
const _: () = assert!(
    IoctlTable::new(IOCTL_SPECS).is_some(),
    "a mutating IOCTL lacks FILE_WRITE_ACCESS"
);

/// What to do with an `IRP_MJ_DEVICE_CONTROL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoctlVerdict {
    /// A known code: hand it to its handler.
    Dispatch(IoctlSpec),
    /// Unknown code: `STATUS_INVALID_DEVICE_REQUEST`.
    InvalidDeviceRequest,
    /// A mutating code without `FILE_WRITE_ACCESS` in its definition: `STATUS_ACCESS_DENIED`.
    AccessDenied,
}

/// Classifies an I/O control code against `table`.
#[must_use]
pub fn classify(table: &IoctlTable<'_>, code: u32) -> IoctlVerdict {
    match table.find(code) {
        None => IoctlVerdict::InvalidDeviceRequest,
        Some(spec)
            if spec.mutating && REQUIRED_ACCESS_FROM_CTL_CODE(code) & FILE_WRITE_ACCESS == 0 =>
        {
            IoctlVerdict::AccessDenied
        }
        Some(spec) => IoctlVerdict::Dispatch(spec),
    }
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
        CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_NETWORK, FILE_READ_ACCESS, IRP_MJ_READ,
        METHOD_BUFFERED,
    };

    const READ: u32 = CTL_CODE(
        FILE_DEVICE_NETWORK,
        0x800,
        METHOD_BUFFERED,
        FILE_READ_ACCESS,
    );
    const WRITE: u32 = CTL_CODE(
        FILE_DEVICE_NETWORK,
        0x801,
        METHOD_BUFFERED,
        FILE_WRITE_ACCESS,
    );
    const RW: u32 = CTL_CODE(
        FILE_DEVICE_NETWORK,
        0x802,
        METHOD_BUFFERED,
        FILE_READ_ACCESS | FILE_WRITE_ACCESS,
    );
    const ANY: u32 = CTL_CODE(FILE_DEVICE_NETWORK, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS);

    #[test]
    fn the_shipped_table_answers_invalid_device_request() {
        for code in [0, READ, WRITE, RW, ANY, u32::MAX] {
            assert_eq!(classify(&IOCTLS, code), IoctlVerdict::InvalidDeviceRequest);
        }
    }

    #[test]
    fn mutating_codes_need_write_access() {
        assert!(IoctlTable::new(&[IoctlSpec {
            code: READ,
            mutating: true
        }])
        .is_none());
        assert!(IoctlTable::new(&[IoctlSpec {
            code: ANY,
            mutating: true
        }])
        .is_none());
        let entries = [
            IoctlSpec {
                code: READ,
                mutating: false,
            },
            IoctlSpec {
                code: WRITE,
                mutating: true,
            },
            IoctlSpec {
                code: RW,
                mutating: true,
            },
        ];
        let table = IoctlTable::new(&entries).unwrap_or(IOCTLS);
        assert_eq!(classify(&table, READ), IoctlVerdict::Dispatch(entries[0]));
        assert_eq!(classify(&table, WRITE), IoctlVerdict::Dispatch(entries[1]));
        assert_eq!(classify(&table, RW), IoctlVerdict::Dispatch(entries[2]));
        assert_eq!(classify(&table, ANY), IoctlVerdict::InvalidDeviceRequest);
        // A table smuggled past `new` is still refused at dispatch.
        let bad = IoctlTable {
            entries: &[IoctlSpec {
                code: ANY,
                mutating: true,
            }],
        };
        assert_eq!(classify(&bad, ANY), IoctlVerdict::AccessDenied);
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
