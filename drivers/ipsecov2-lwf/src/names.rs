//! Identifiers shared by the driver, its INF (`inf/ipsecov2lwf.inx`) and the INF test
//! (`tests/inf-check`, which reads this file): service and binary names, the filter's unique
//! name, control device names and security, pool tag, bug-check code, and the INF keywords.
#![forbid(unsafe_code)]

/// Service name (`AddService` in the INF; `ServiceName` of the filter characteristics).
pub const SERVICE_NAME: &str = "ipsecov2lwf";
/// Driver binary as installed (`%13%\ipsecov2_lwf.sys`, DIRID 13 = driver store).
pub const BINARY_NAME: &str = "ipsecov2_lwf.sys";
/// `ComponentId` of the INF's NetService model (`netcfg -c s -i ms_ipsecov2lwf`).
pub const COMPONENT_ID: &str = "ms_ipsecov2lwf";
/// `NetCfgInstanceId` of the INF = `UniqueName` of the filter characteristics.
pub const FILTER_UNIQUE_NAME: &str = "{09817B79-31E1-4DAB-A492-EB99D7E6EA81}";
/// `FriendlyName` of the filter characteristics (and the INF's description).
pub const FRIENDLY_NAME: &str = "IPsec Task Offload v2 Software Filter";
/// NT name of the control device.
pub const DEVICE_NAME: &str = "\\Device\\IPsecOV2Lwf";
/// Symbolic link of the control device (user mode opens `\\.\IPsecOV2Lwf`).
pub const SYMBOLIC_NAME: &str = "\\DosDevices\\IPsecOV2Lwf";
/// Security descriptor of the control device: protected DACL, GENERIC_ALL for LocalSystem and
/// the built-in Administrators only (what `IoCreateDeviceSecure` would be given).
pub const DEVICE_SDDL: &str = "D:P(A;;GA;;;SY)(A;;GA;;;BA)";
/// Class GUID passed with the SDDL (`NDIS_DEVICE_OBJECT_ATTRIBUTES::DeviceClassGuid`), under
/// which an administrator could override the descriptor.
pub const DEVICE_CLASS_GUID: (u32, u16, u16, [u8; 8]) = (
    0xC895_BE80,
    0x6BE8,
    0x4B49,
    [0xBC, 0x46, 0x0B, 0xB2, 0x2B, 0xE0, 0xE0, 0x93],
);
/// Pool tag of every allocation of the driver ("IOv2" in pool dumps).
pub const POOL_TAG: u32 = u32::from_le_bytes(*b"IOv2");
/// Bug-check code of a Rust panic in the driver (parameters: line, column, file name address,
/// file name length).
pub const BUGCHECK_CODE: u32 = 0x1950_0F02;
/// Driver version reported in the filter characteristics.
pub const DRIVER_VERSION: (u8, u8) = (0, 1);

/// Standardized keyword: IPsec offload v2 (0 disabled, 1 AH, 2 ESP, 3 AH and ESP).
pub const KEYWORD_IPSEC_OFFLOAD_V2: &str = "*IPsecOffloadV2";
/// Standardized keyword: IPsec offload v2 for IPv4 only (same values).
pub const KEYWORD_IPSEC_OFFLOAD_V2_IPV4: &str = "*IPsecOffloadV2IPv4";
/// Driver keyword: SA offload capacity (`NDIS_IPSEC_OFFLOAD_V2::SaOffloadCapacity`).
pub const KEYWORD_SA_OFFLOAD_CAPACITY: &str = "SaOffloadCapacity";
/// Values of the two standardized IPsecOV2 keywords, with their INF descriptions.
pub const IPSEC_OFFLOAD_V2_VALUES: [(u32, &str); 4] = [
    (0, "Disabled"),
    (1, "Auth Header Enabled"),
    (2, "ESP Enabled"),
    (3, "Auth Header and ESP Enabled"),
];
/// Default of the two standardized IPsecOV2 keywords.
pub const IPSEC_OFFLOAD_V2_DEFAULT: u32 = 3;
/// Default, minimum and maximum of `SaOffloadCapacity`.
pub const SA_OFFLOAD_CAPACITY: (u32, u32, u32) = (4096, 1, 1_048_576);

/// What an `*IPsecOffloadV2`/`*IPsecOffloadV2IPv4` value enables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpsecOffloadSetting {
    /// AH offload enabled.
    pub ah: bool,
    /// ESP offload enabled.
    pub esp: bool,
}

/// Decodes a keyword value; `None` for values outside the documented list (the reader then
/// uses [`IPSEC_OFFLOAD_V2_DEFAULT`]).
#[must_use]
pub const fn ipsec_offload_setting(value: u32) -> Option<IpsecOffloadSetting> {
    match value {
        0..=3 => Some(IpsecOffloadSetting {
            ah: value & 1 != 0,
            esp: value & 2 != 0,
        }),
        _ => None,
    }
}

/// Clamps a configured `SaOffloadCapacity` into its documented range.
#[must_use]
pub const fn clamp_sa_offload_capacity(value: u32) -> u32 {
    let (_, min, max) = SA_OFFLOAD_CAPACITY;
    if value < min {
        min
    } else if value > max {
        max
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_values() {
        assert_eq!(
            ipsec_offload_setting(0),
            Some(IpsecOffloadSetting {
                ah: false,
                esp: false
            })
        );
        assert_eq!(
            ipsec_offload_setting(1),
            Some(IpsecOffloadSetting {
                ah: true,
                esp: false
            })
        );
        assert_eq!(
            ipsec_offload_setting(2),
            Some(IpsecOffloadSetting {
                ah: false,
                esp: true
            })
        );
        assert_eq!(
            ipsec_offload_setting(3),
            Some(IpsecOffloadSetting {
                ah: true,
                esp: true
            })
        );
        assert_eq!(ipsec_offload_setting(4), None);
        assert!(ipsec_offload_setting(IPSEC_OFFLOAD_V2_DEFAULT).is_some());
        assert_eq!(clamp_sa_offload_capacity(0), 1);
        assert_eq!(clamp_sa_offload_capacity(4096), 4096);
        assert_eq!(clamp_sa_offload_capacity(u32::MAX), 1_048_576);
    }

    #[test]
    fn names_are_consistent() {
        assert_eq!(POOL_TAG.to_le_bytes(), *b"IOv2");
        assert!(FILTER_UNIQUE_NAME.starts_with('{') && FILTER_UNIQUE_NAME.ends_with('}'));
        assert_eq!(FILTER_UNIQUE_NAME.len(), 38);
        let g = DEVICE_CLASS_GUID;
        assert_eq!(g.0, 0xC895_BE80);
        assert!(BINARY_NAME.ends_with(".sys"));
        assert!(SYMBOLIC_NAME.ends_with(DEVICE_NAME.trim_start_matches("\\Device")));
    }
}
