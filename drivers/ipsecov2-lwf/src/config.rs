//! The module configuration read at `FilterAttach`: the INF keywords (`SaOffloadCapacity`,
//! `*IPsecOffloadV2`, `*IPsecOffloadV2IPv4`) and the optional transmit-pool keywords, turned into
//! checked values. Portable: the shell reads the raw registry integers (`NdisReadConfiguration`)
//! and hands them to [`FilterConfig::from_keywords`]; what the two standardized keywords enable
//! is the filter core's [`OffloadEnable::from_keywords`], and [`FilterConfig::module_config`] is
//! what `FilterModule::attach` is given.
#![forbid(unsafe_code)]

use ipsecov2_filter_core::module::ModuleConfig;
use ipsecov2_filter_core::{CapabilityConfig, OffloadEnable};

use crate::names::{clamp_sa_offload_capacity, SA_OFFLOAD_CAPACITY};

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
    /// What `*IPsecOffloadV2` (IPv4 and IPv6) and `*IPsecOffloadV2IPv4` (IPv4 only) enable at
    /// attach (an absent or out-of-range value reads as 3, AH and ESP).
    pub enable: OffloadEnable,
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
            enable: OffloadEnable::from_keywords(k.ipsec_offload_v2, k.ipsec_offload_v2_ipv4),
            tx_buffer_count: clamp(k.tx_buffer_count, TX_BUFFER_COUNT),
            tx_buffer_size: clamp(k.tx_buffer_size, TX_BUFFER_SIZE),
            rx_scratch_count: clamp(k.rx_scratch_count, RX_SCRATCH_COUNT),
        }
    }

    /// What `FilterModule::attach` is configured with: the capability configuration
    /// (`SaOffloadCapacity`) and the initial enable state (the two standardized keywords).
    #[must_use]
    pub const fn module_config(&self) -> ModuleConfig {
        ModuleConfig {
            caps: CapabilityConfig {
                sa_offload_capacity: self.sa_offload_capacity,
            },
            enable: self.enable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipsecov2_filter_core::IpsecOffloadSetting;

    #[test]
    fn defaults() {
        let c = FilterConfig::default();
        assert_eq!(c.sa_offload_capacity, 4096);
        assert_eq!(c.enable, OffloadEnable::ALL);
        assert_eq!(c.tx_buffer_count, 1024);
        assert_eq!(c.tx_buffer_size, 2048);
        assert_eq!(c.rx_scratch_count, 64);
        let m = c.module_config();
        assert_eq!(m.caps.sa_offload_capacity, 4096);
        assert_eq!(m.enable, OffloadEnable::ALL);
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
        assert_eq!(c.enable.ipsec_v2, IpsecOffloadSetting::AH_AND_ESP);
        assert_eq!(c.enable.ipsec_v2_ipv4, IpsecOffloadSetting::DISABLED);
        assert_eq!(c.tx_buffer_count, 16);
        assert_eq!(c.tx_buffer_size, 16_384);
        assert_eq!(c.rx_scratch_count, 1);
        let c = FilterConfig::from_keywords(&KeywordValues {
            sa_offload_capacity: Some(u32::MAX),
            ..KeywordValues::default()
        });
        assert_eq!(c.sa_offload_capacity, 1_048_576);
        assert_eq!(c.module_config().caps.sa_offload_capacity, 1_048_576);
    }

    #[test]
    fn keywords_are_the_module_enable_state() {
        let with = |v2, v4| {
            FilterConfig::from_keywords(&KeywordValues {
                ipsec_offload_v2: Some(v2),
                ipsec_offload_v2_ipv4: Some(v4),
                ..KeywordValues::default()
            })
            .module_config()
            .enable
        };
        for v2 in 0..=3 {
            for v4 in 0..=3 {
                assert_eq!(
                    with(v2, v4),
                    OffloadEnable::from_keywords(Some(v2), Some(v4))
                );
            }
        }
        assert!(with(0, 0).is_disabled());
        assert!(with(0, 2).allows(false, false, true));
        assert!(!with(0, 2).allows(true, false, true));
        assert!(with(1, 0).allows(true, true, false));
        assert!(!with(1, 0).allows(true, false, true));
    }
}
