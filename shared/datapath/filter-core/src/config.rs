//! Which IPsecOV2 offloads are enabled: the standardized keywords `*IPsecOffloadV2` and
//! `*IPsecOffloadV2IPv4` set the initial state at attach, `OID_TCP_OFFLOAD_PARAMETERS`
//! (`NDIS_OFFLOAD_PARAMETERS::IPsecV2` / `IPsecV2IPv4`) changes it at run time.
//!
//! `*IPsecOffloadV2` / `IPsecV2` covers IPv4 and IPv6, `*IPsecOffloadV2IPv4` / `IPsecV2IPv4`
//! IPv4 only; an IPv4 SA is allowed what either enables, an IPv6 SA what `IPsecV2` enables.
//! The IPsecOV2 members of an `OID_TCP_OFFLOAD_PARAMETERS` set are read and restored here
//! (`parse_params`, `write_params`); the module holds them while the request is below.

use ipsecov2_abi::*;

/// AH and/or ESP enabled (one keyword or one `NDIS_OFFLOAD_PARAMETERS` member).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpsecOffloadSetting {
    /// AH offload enabled.
    pub ah: bool,
    /// ESP offload enabled.
    pub esp: bool,
}

impl IpsecOffloadSetting {
    /// Both disabled.
    pub const DISABLED: Self = Self {
        ah: false,
        esp: false,
    };
    /// AH and ESP enabled (the keywords' default).
    pub const AH_AND_ESP: Self = Self {
        ah: true,
        esp: true,
    };

    /// A standardized keyword value: 0 disabled, 1 AH, 2 ESP, 3 AH and ESP; `None` otherwise
    /// (the reader then uses the default, [`Self::AH_AND_ESP`]).
    #[must_use]
    pub const fn from_keyword(value: u32) -> Option<Self> {
        match value {
            0 => Some(Self::DISABLED),
            1 => Some(Self {
                ah: true,
                esp: false,
            }),
            2 => Some(Self {
                ah: false,
                esp: true,
            }),
            3 => Some(Self::AH_AND_ESP),
            _ => None,
        }
    }

    /// The keyword value of this setting.
    #[must_use]
    pub const fn keyword(self) -> u32 {
        (self.ah as u32) | ((self.esp as u32) << 1)
    }

    /// An `NDIS_OFFLOAD_PARAMETERS_IPSECV2_*` value: `Ok(None)` for `NO_CHANGE`, `Err(())` for a
    /// value outside the documented list.
    #[allow(clippy::result_unit_err)]
    pub const fn from_parameter(value: UCHAR) -> Result<Option<Self>, ()> {
        match value {
            NDIS_OFFLOAD_PARAMETERS_NO_CHANGE => Ok(None),
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED => Ok(Some(Self::DISABLED)),
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_ENABLED => Ok(Some(Self {
                ah: true,
                esp: false,
            })),
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_ESP_ENABLED => Ok(Some(Self {
                ah: false,
                esp: true,
            })),
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED => Ok(Some(Self::AH_AND_ESP)),
            _ => Err(()),
        }
    }

    /// The `NDIS_OFFLOAD_PARAMETERS_IPSECV2_*` value of this setting.
    #[must_use]
    pub const fn parameter(self) -> UCHAR {
        match (self.ah, self.esp) {
            (false, false) => NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
            (true, false) => NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_ENABLED,
            (false, true) => NDIS_OFFLOAD_PARAMETERS_IPSECV2_ESP_ENABLED,
            (true, true) => NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED,
        }
    }

    /// Nothing enabled.
    #[must_use]
    pub const fn is_disabled(self) -> bool {
        !self.ah && !self.esp
    }

    const fn union(self, other: Self) -> Self {
        Self {
            ah: self.ah || other.ah,
            esp: self.esp || other.esp,
        }
    }
}

/// The enabled IPsecOV2 offloads of a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OffloadEnable {
    /// `*IPsecOffloadV2` / `IPsecV2`: IPv4 and IPv6.
    pub ipsec_v2: IpsecOffloadSetting,
    /// `*IPsecOffloadV2IPv4` / `IPsecV2IPv4`: IPv4 only.
    pub ipsec_v2_ipv4: IpsecOffloadSetting,
}

impl Default for OffloadEnable {
    fn default() -> Self {
        Self::ALL
    }
}

impl OffloadEnable {
    /// Everything enabled (the keywords' defaults).
    pub const ALL: Self = Self {
        ipsec_v2: IpsecOffloadSetting::AH_AND_ESP,
        ipsec_v2_ipv4: IpsecOffloadSetting::AH_AND_ESP,
    };

    /// From the two keyword values as read from the registry (`None`: absent); absent or
    /// out-of-range values take the default (AH and ESP).
    #[must_use]
    pub fn from_keywords(ipsec_v2: Option<u32>, ipsec_v2_ipv4: Option<u32>) -> Self {
        let read = |v: Option<u32>| {
            v.and_then(IpsecOffloadSetting::from_keyword)
                .unwrap_or(IpsecOffloadSetting::AH_AND_ESP)
        };
        Self {
            ipsec_v2: read(ipsec_v2),
            ipsec_v2_ipv4: read(ipsec_v2_ipv4),
        }
    }

    /// What IPv4 SAs may use.
    #[must_use]
    pub const fn ipv4(&self) -> IpsecOffloadSetting {
        self.ipsec_v2.union(self.ipsec_v2_ipv4)
    }

    /// What IPv6 SAs may use.
    #[must_use]
    pub const fn ipv6(&self) -> IpsecOffloadSetting {
        self.ipsec_v2
    }

    /// Whether an SA bundle of this family with these protocols may be offloaded.
    #[must_use]
    pub const fn allows(&self, v6: bool, ah: bool, esp: bool) -> bool {
        let s = if v6 { self.ipv6() } else { self.ipv4() };
        (!ah || s.ah) && (!esp || s.esp)
    }

    /// Nothing enabled for either family.
    #[must_use]
    pub const fn is_disabled(&self) -> bool {
        self.ipv4().is_disabled() && self.ipv6().is_disabled()
    }
}

/// A requested `OID_TCP_OFFLOAD_PARAMETERS` change held while the request is below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PendingParams {
    /// `IPsecV2` (`None`: no change).
    pub(crate) ipsec_v2: Option<IpsecOffloadSetting>,
    /// `IPsecV2IPv4` (`None`: no change).
    pub(crate) ipsec_v2_ipv4: Option<IpsecOffloadSetting>,
    /// The two bytes as the request carried them (restored before it completes).
    pub(crate) raw: [u8; 2],
}

/// Where `NDIS_OFFLOAD_PARAMETERS::IPsecV2` is.
const PARAM_IPSEC_V2: usize = core::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2);
/// Where `NDIS_OFFLOAD_PARAMETERS::IPsecV2IPv4` is.
const PARAM_IPSEC_V2_IPV4: usize = core::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2IPv4);

/// The IPsecOV2 members of an `NDIS_OFFLOAD_PARAMETERS` (revision 2 and later, where they
/// exist): `Ok(None)` when the structure is too old or too short to have them.
pub(crate) fn parse_params(buf: &[u8]) -> Result<Option<PendingParams>, ()> {
    let (Some(&revision), Some(size)) = (
        buf.get(1),
        buf.get(2..4).and_then(|b| <[u8; 2]>::try_from(b).ok()),
    ) else {
        return Ok(None);
    };
    let min = usize::from(NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2);
    if revision < NDIS_OFFLOAD_PARAMETERS_REVISION_2
        || usize::from(u16::from_le_bytes(size)) < min
        || buf.len() < min
    {
        return Ok(None);
    }
    let (Some(&v2), Some(&v4)) = (buf.get(PARAM_IPSEC_V2), buf.get(PARAM_IPSEC_V2_IPV4)) else {
        return Ok(None);
    };
    Ok(Some(PendingParams {
        ipsec_v2: IpsecOffloadSetting::from_parameter(v2)?,
        ipsec_v2_ipv4: IpsecOffloadSetting::from_parameter(v4)?,
        raw: [v2, v4],
    }))
}

/// Stores `raw` (`IPsecV2`, `IPsecV2IPv4`) into the IPsecOV2 members of the
/// `NDIS_OFFLOAD_PARAMETERS` in `buf` (to hide them from the miniport, then to restore them).
pub(crate) fn write_params(buf: &mut [u8], raw: [u8; 2]) {
    if let Some(b) = buf.get_mut(PARAM_IPSEC_V2) {
        *b = raw[0];
    }
    if let Some(b) = buf.get_mut(PARAM_IPSEC_V2_IPV4) {
        *b = raw[1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_and_parameter_values() {
        for v in 0..4 {
            let s = IpsecOffloadSetting::from_keyword(v);
            assert_eq!(s.map(IpsecOffloadSetting::keyword), Some(v));
            let p = s.map(IpsecOffloadSetting::parameter).unwrap_or(0);
            assert_eq!(p, v as u8 + 1);
            assert_eq!(IpsecOffloadSetting::from_parameter(p), Ok(s));
        }
        assert_eq!(IpsecOffloadSetting::from_keyword(4), None);
        assert_eq!(IpsecOffloadSetting::from_parameter(0), Ok(None));
        assert_eq!(IpsecOffloadSetting::from_parameter(5), Err(()));
        assert_eq!(
            OffloadEnable::from_keywords(None, Some(9)),
            OffloadEnable::ALL
        );
    }

    #[test]
    fn families() {
        let e = OffloadEnable {
            ipsec_v2: IpsecOffloadSetting::DISABLED,
            ipsec_v2_ipv4: IpsecOffloadSetting {
                ah: false,
                esp: true,
            },
        };
        assert!(e.allows(false, false, true));
        assert!(!e.allows(false, true, true));
        assert!(!e.allows(true, false, true));
        assert!(!e.is_disabled());
        let off = OffloadEnable::from_keywords(Some(0), Some(0));
        assert!(off.is_disabled());
        assert!(!off.allows(false, false, true));
    }
}
