//! What the filter reports as the adapter's task offload: the miniport's `NDIS_OFFLOAD` (from the
//! attach parameters, an `NDIS_STATUS_TASK_OFFLOAD_*` indication from below, or the completion of
//! an `OID_TCP_OFFLOAD_*` query) with `IPsecV2` replaced by the filter core's capabilities
//! ([`caps::with_ipsec_v2`](ipsecov2_filter_core::caps::with_ipsec_v2)); the current
//! configuration is further restricted by the `*IPsecOffloadV2*` keywords. Portable; the shell
//! copies the structure in and out of NDIS's buffers.
#![forbid(unsafe_code)]

use ipsecov2_abi::{
    NDIS_OBJECT_TYPE_OFFLOAD, NDIS_OFFLOAD, NDIS_OID, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1,
    NDIS_STATUS, NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
    NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES, OID_TCP_OFFLOAD_CURRENT_CONFIG,
    OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
};
use ipsecov2_filter_core::{with_ipsec_v2, CapabilityConfig};

use crate::config::FilterConfig;

/// Which offload report an `NDIS_OFFLOAD` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffloadReport {
    /// The currently enabled offloads (`OID_TCP_OFFLOAD_CURRENT_CONFIG`,
    /// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG`, the attach parameters'
    /// `DefaultOffloadConfiguration`): restricted by the keywords.
    CurrentConfig,
    /// What the adapter could do (`OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES`,
    /// `NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES`): everything the filter implements.
    HardwareCapabilities,
}

impl OffloadReport {
    /// The report a query OID completes with, if it is one of the two.
    #[must_use]
    pub const fn from_oid(oid: NDIS_OID) -> Option<Self> {
        match oid {
            OID_TCP_OFFLOAD_CURRENT_CONFIG => Some(Self::CurrentConfig),
            OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES => Some(Self::HardwareCapabilities),
            _ => None,
        }
    }

    /// The report a status indication carries, if it is one of the two.
    #[must_use]
    pub const fn from_status(code: NDIS_STATUS) -> Option<Self> {
        match code {
            NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG => Some(Self::CurrentConfig),
            NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES => Some(Self::HardwareCapabilities),
            _ => None,
        }
    }
}

/// Whether `valid` bytes read into `offload` (the rest zero) are an `NDIS_OFFLOAD` worth
/// rewriting: the header says `NDIS_OBJECT_TYPE_OFFLOAD` and at least the revision-1 members are
/// there. Anything else is passed on untouched.
#[must_use]
pub fn plausible(offload: &NDIS_OFFLOAD, valid: usize) -> bool {
    offload.Header.Type == NDIS_OBJECT_TYPE_OFFLOAD
        && valid >= usize::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1)
        && usize::from(offload.Header.Size) >= usize::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1)
}

/// The miniport's `NDIS_OFFLOAD` as this filter reports it upwards (`Header.Size` of the result
/// is the number of bytes to write).
#[must_use]
pub fn advertised(
    miniport: &NDIS_OFFLOAD,
    cfg: &FilterConfig,
    report: OffloadReport,
) -> NDIS_OFFLOAD {
    let caps = CapabilityConfig {
        sa_offload_capacity: cfg.sa_offload_capacity,
    };
    let mut out = with_ipsec_v2(miniport, &caps);
    if report == OffloadReport::CurrentConfig {
        cfg.restrict_current(&mut out.IPsecV2);
    }
    out
}

/// Bytes of a caller's buffer the rewritten structure needs: `Some(size)` when `buffer_len` can
/// hold it, `None` when the buffer is too small (the miniport's answer is then left as it is).
#[must_use]
pub fn fits(out: &NDIS_OFFLOAD, buffer_len: usize) -> Option<usize> {
    let size = usize::from(out.Header.Size);
    (size <= buffer_len && size <= core::mem::size_of::<NDIS_OFFLOAD>()).then_some(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KeywordValues;
    use ipsecov2_abi::{
        FALSE, NDIS_OBJECT_HEADER, NDIS_OFFLOAD_REVISION_1, NDIS_OFFLOAD_REVISION_2,
        NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2, TRUE,
    };

    fn miniport_rev1() -> NDIS_OFFLOAD {
        let mut o = NDIS_OFFLOAD {
            Header: NDIS_OBJECT_HEADER::new(
                NDIS_OBJECT_TYPE_OFFLOAD,
                NDIS_OFFLOAD_REVISION_1,
                NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1,
            ),
            ..NDIS_OFFLOAD::default()
        };
        o.Checksum.IPv4Transmit.Encapsulation = 1;
        o
    }

    #[test]
    fn classifies_oids_and_statuses() {
        assert_eq!(
            OffloadReport::from_oid(OID_TCP_OFFLOAD_CURRENT_CONFIG),
            Some(OffloadReport::CurrentConfig)
        );
        assert_eq!(
            OffloadReport::from_oid(OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES),
            Some(OffloadReport::HardwareCapabilities)
        );
        assert_eq!(OffloadReport::from_oid(0x0001_0101), None);
        assert_eq!(
            OffloadReport::from_status(NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG),
            Some(OffloadReport::CurrentConfig)
        );
        assert_eq!(
            OffloadReport::from_status(NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES),
            Some(OffloadReport::HardwareCapabilities)
        );
        assert_eq!(OffloadReport::from_status(0), None);
    }

    #[test]
    fn rewrites_and_upgrades() {
        let m = miniport_rev1();
        assert!(plausible(&m, 0x70));
        assert!(!plausible(&m, 4));
        let mut junk = m;
        junk.Header.Type = 0x80;
        assert!(!plausible(&junk, 0x70));
        let cfg = FilterConfig::default();
        let out = advertised(&m, &cfg, OffloadReport::CurrentConfig);
        assert_eq!(out.Header.Revision, NDIS_OFFLOAD_REVISION_2);
        assert_eq!(out.Header.Size, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2);
        assert_eq!(out.Checksum, m.Checksum);
        assert_eq!((out.IPsecV2.Ah, out.IPsecV2.Esp), (TRUE, TRUE));
        assert_eq!(out.IPsecV2.SaOffloadCapacity, 4096);
        assert_eq!(fits(&out, 0x70), None);
        assert_eq!(fits(&out, 0x200), Some(0x90));
    }

    #[test]
    fn keywords_restrict_only_the_current_config() {
        let cfg = FilterConfig::from_keywords(&KeywordValues {
            ipsec_offload_v2: Some(0),
            ipsec_offload_v2_ipv4: Some(0),
            sa_offload_capacity: Some(16),
            ..KeywordValues::default()
        });
        let m = miniport_rev1();
        let cur = advertised(&m, &cfg, OffloadReport::CurrentConfig);
        assert_eq!((cur.IPsecV2.Ah, cur.IPsecV2.Esp), (FALSE, FALSE));
        let hw = advertised(&m, &cfg, OffloadReport::HardwareCapabilities);
        assert_eq!((hw.IPsecV2.Ah, hw.IPsecV2.Esp), (TRUE, TRUE));
        assert_eq!(hw.IPsecV2.SaOffloadCapacity, 16);
    }
}
