//! The module configuration read at `FilterAttach`: the INF keywords (`SaOffloadCapacity`,
//! `*IPsecOffloadV2`, `*IPsecOffloadV2IPv4`) and the optional transmit-pool keywords, turned into
//! checked values. Portable: the shell reads the raw registry integers (`NdisReadConfiguration`)
//! and hands them to [`FilterConfig::from_keywords`].
#![forbid(unsafe_code)]

use ipsecov2_abi::{FALSE, NDIS_IPSEC_OFFLOAD_V2, TRUE};

use crate::names::{
    clamp_sa_offload_capacity, ipsec_offload_setting, IpsecOffloadSetting,
    IPSEC_OFFLOAD_V2_DEFAULT, SA_OFFLOAD_CAPACITY,
};

/// Optional keyword (not in the INF; set it under the module's registry key to override):
/// number of filter-owned transmit buffers allocated at attach.
pub const KEYWORD_TX_BUFFER_COUNT: &str = "TxBufferCount";
/// Optional keyword: bytes per transmit buffer (the largest frame the send path can protect)
/// and per receive scratch buffer.
pub const KEYWORD_TX_BUFFER_SIZE: &str = "TxBufferSize";
/// Optional keyword: receive scratch buffers (concurrent receive indications processed at once;
/// an indication that finds none free is passed up unprocessed, TCP/IP then does the IPsec work).
pub const KEYWORD_RX_SCRATCH_COUNT: &str = "RxScratchCount";

/// Default, minimum and maximum of `TxBufferCount`.
pub const TX_BUFFER_COUNT: (u32, u32, u32) = (1024, 16, 65_536);
/// Default, minimum and maximum of `TxBufferSize`: 1514-byte Ethernet frames plus an 802.1Q tag
/// fit the default; up to 9 KiB jumbo frames.
pub const TX_BUFFER_SIZE: (u32, u32, u32) = (2048, 1518, 16_384);
/// Default, minimum and maximum of `RxScratchCount`.
pub const RX_SCRATCH_COUNT: (u32, u32, u32) = (64, 1, 4096);

/// The raw integers read from the registry (`None`: absent or unreadable).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeywordValues {
    /// `SaOffloadCapacity`.
    pub sa_offload_capacity: Option<u32>,
    /// `*IPsecOffloadV2`.
    pub ipsec_offload_v2: Option<u32>,
    /// `*IPsecOffloadV2IPv4`.
    pub ipsec_offload_v2_ipv4: Option<u32>,
    /// `TxBufferCount`.
    pub tx_buffer_count: Option<u32>,
    /// `TxBufferSize`.
    pub tx_buffer_size: Option<u32>,
    /// `RxScratchCount`.
    pub rx_scratch_count: Option<u32>,
}

/// One module's configuration, every value in its documented range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterConfig {
    /// SA table capacity (`SaOffloadCapacity`, 1..=1048576, default 4096).
    pub sa_offload_capacity: u32,
    /// `*IPsecOffloadV2` (IPv4 and IPv6).
    pub ipsec_offload_v2: IpsecOffloadSetting,
    /// `*IPsecOffloadV2IPv4` (IPv4 only).
    pub ipsec_offload_v2_ipv4: IpsecOffloadSetting,
    /// Transmit buffers in the pool.
    pub tx_buffer_count: u32,
    /// Bytes per transmit buffer and per receive scratch buffer.
    pub tx_buffer_size: u32,
    /// Receive scratch buffers.
    pub rx_scratch_count: u32,
}

fn clamp(value: Option<u32>, (default, min, max): (u32, u32, u32)) -> u32 {
    value.map_or(default, |v| v.clamp(min, max))
}

fn setting(value: Option<u32>) -> IpsecOffloadSetting {
    let default = ipsec_offload_setting(IPSEC_OFFLOAD_V2_DEFAULT).unwrap_or(IpsecOffloadSetting {
        ah: true,
        esp: true,
    });
    value.and_then(ipsec_offload_setting).unwrap_or(default)
}

impl Default for FilterConfig {
    fn default() -> Self {
        Self::from_keywords(&KeywordValues::default())
    }
}

impl FilterConfig {
    /// The configuration from the registry values: absent values take their default, numbers out
    /// of range are clamped into it, an IPsec keyword value outside 0..=3 reads as the default
    /// (3, AH and ESP).
    #[must_use]
    pub fn from_keywords(k: &KeywordValues) -> Self {
        Self {
            sa_offload_capacity: k
                .sa_offload_capacity
                .map_or(SA_OFFLOAD_CAPACITY.0, clamp_sa_offload_capacity),
            ipsec_offload_v2: setting(k.ipsec_offload_v2),
            ipsec_offload_v2_ipv4: setting(k.ipsec_offload_v2_ipv4),
            tx_buffer_count: clamp(k.tx_buffer_count, TX_BUFFER_COUNT),
            tx_buffer_size: clamp(k.tx_buffer_size, TX_BUFFER_SIZE),
            rx_scratch_count: clamp(k.rx_scratch_count, RX_SCRATCH_COUNT),
        }
    }

    /// What the two standardized keywords together enable: `(ah, esp, ipv6)`.
    ///
    /// `NDIS_IPSEC_OFFLOAD_V2` has one `Ah`/`Esp` pair for both families and an `IPv6Supported`
    /// flag, so the keywords map as follows: `*IPsecOffloadV2` (both families) decides when it is
    /// not 0 (`IPv6Supported` TRUE); when it is 0, `*IPsecOffloadV2IPv4` decides with
    /// `IPv6Supported` FALSE; both 0 disables the offload.
    #[must_use]
    pub fn enabled(&self) -> (bool, bool, bool) {
        let v2 = self.ipsec_offload_v2;
        let v4 = self.ipsec_offload_v2_ipv4;
        if v2.ah || v2.esp {
            (v2.ah, v2.esp, true)
        } else {
            (v4.ah, v4.esp, false)
        }
    }

    /// Restricts the filter's capabilities to what the keywords enable, for the *current*
    /// configuration (the hardware capabilities stay unrestricted). Disabled entirely: the
    /// structure is zeroed (no IPsecOV2).
    pub fn restrict_current(&self, caps: &mut NDIS_IPSEC_OFFLOAD_V2) {
        let (ah, esp, ipv6) = self.enabled();
        if !ah && !esp {
            *caps = NDIS_IPSEC_OFFLOAD_V2::default();
            return;
        }
        let b = |v: bool| if v { TRUE } else { FALSE };
        caps.Ah = b(ah && caps.Ah != FALSE);
        caps.Esp = b(esp && caps.Esp != FALSE);
        caps.AhEspCombined = b(ah && esp && caps.AhEspCombined != FALSE);
        caps.IPv6Supported = b(ipv6 && caps.IPv6Supported != FALSE);
        caps.IPv6NonIPsecExtensionHeaders = b(ipv6 && caps.IPv6NonIPsecExtensionHeaders != FALSE);
        if !esp {
            caps.UdpEsp = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = FilterConfig::default();
        assert_eq!(c.sa_offload_capacity, 4096);
        assert_eq!(c.enabled(), (true, true, true));
        assert_eq!(c.tx_buffer_count, 1024);
        assert_eq!(c.tx_buffer_size, 2048);
        assert_eq!(c.rx_scratch_count, 64);
    }

    #[test]
    fn ranges_and_bad_values() {
        let c = FilterConfig::from_keywords(&KeywordValues {
            sa_offload_capacity: Some(0),
            ipsec_offload_v2: Some(7),
            ipsec_offload_v2_ipv4: Some(0),
            tx_buffer_count: Some(1),
            tx_buffer_size: Some(1 << 30),
            rx_scratch_count: Some(0),
        });
        assert_eq!(c.sa_offload_capacity, 1);
        assert_eq!(c.enabled(), (true, true, true));
        assert_eq!(c.tx_buffer_count, 16);
        assert_eq!(c.tx_buffer_size, 16_384);
        assert_eq!(c.rx_scratch_count, 1);
        let c = FilterConfig::from_keywords(&KeywordValues {
            sa_offload_capacity: Some(u32::MAX),
            ..KeywordValues::default()
        });
        assert_eq!(c.sa_offload_capacity, 1_048_576);
    }

    #[test]
    fn keyword_combinations() {
        let with = |v2, v4| {
            FilterConfig::from_keywords(&KeywordValues {
                ipsec_offload_v2: Some(v2),
                ipsec_offload_v2_ipv4: Some(v4),
                ..KeywordValues::default()
            })
        };
        assert_eq!(with(1, 3).enabled(), (true, false, true));
        assert_eq!(with(2, 0).enabled(), (false, true, true));
        assert_eq!(with(0, 2).enabled(), (false, true, false));
        assert_eq!(with(0, 0).enabled(), (false, false, false));
    }

    #[test]
    fn restrict_current() {
        let full = NDIS_IPSEC_OFFLOAD_V2 {
            Ah: TRUE,
            Esp: TRUE,
            AhEspCombined: TRUE,
            IPv6Supported: TRUE,
            IPv6NonIPsecExtensionHeaders: TRUE,
            UdpEsp: 0xF,
            SaOffloadCapacity: 4096,
            ..NDIS_IPSEC_OFFLOAD_V2::default()
        };
        let cfg = |v2, v4| {
            FilterConfig::from_keywords(&KeywordValues {
                ipsec_offload_v2: Some(v2),
                ipsec_offload_v2_ipv4: Some(v4),
                ..KeywordValues::default()
            })
        };
        let mut c = full;
        cfg(3, 3).restrict_current(&mut c);
        assert_eq!(c, full);
        let mut c = full;
        cfg(1, 0).restrict_current(&mut c);
        assert_eq!(
            (c.Ah, c.Esp, c.AhEspCombined, c.UdpEsp),
            (TRUE, FALSE, FALSE, 0)
        );
        let mut c = full;
        cfg(0, 2).restrict_current(&mut c);
        assert_eq!((c.Ah, c.Esp, c.IPv6Supported), (FALSE, TRUE, FALSE));
        assert_eq!(c.SaOffloadCapacity, 4096);
        let mut c = full;
        cfg(0, 0).restrict_current(&mut c);
        assert_eq!(c, NDIS_IPSEC_OFFLOAD_V2::default());
    }
}
