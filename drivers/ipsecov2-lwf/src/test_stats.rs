//! The test family's `TestModuleStats`, portable and without `unsafe`: a module's counters
//! (`FilterModule::module_counters`, which does not allocate) and the SA bundles in its table
//! as the IOCTL protocol's record ([`record`]), encoded into the response's data bytes.
#![forbid(unsafe_code)]

use ipsecov2_filter_core::config::IpsecOffloadSetting;
use ipsecov2_filter_core::state::FilterState;
use ipsecov2_filter_core::ModuleStats;
use ipsecov2_ioctl::module_stats::{Enabled, ModuleCounts, ModuleState, ModuleStatsRecord};

/// The protocol's state of a filter state.
#[must_use]
pub const fn state(s: FilterState) -> ModuleState {
    match s {
        FilterState::Attaching => ModuleState::Attaching,
        FilterState::Paused => ModuleState::Paused,
        FilterState::Restarting => ModuleState::Restarting,
        FilterState::Running => ModuleState::Running,
        FilterState::Pausing => ModuleState::Pausing,
        FilterState::Detached => ModuleState::Detached,
    }
}

/// A setting as its keyword value (0 none, 1 AH, 2 ESP, 3 both).
const fn keyword(s: IpsecOffloadSetting) -> u8 {
    (s.ah as u8) | ((s.esp as u8) << 1)
}

/// The record of a module whose counters are `s` and whose table holds `sa_count` bundles.
#[must_use]
pub fn record(s: &ModuleStats, sa_count: usize) -> ModuleStatsRecord<'_> {
    ModuleStatsRecord {
        state: state(s.state),
        sa_count: u32::try_from(sa_count).unwrap_or(u32::MAX),
        enabled: Enabled {
            ipsec_v2: keyword(s.enable.ipsec_v2),
            ipsec_v2_ipv4: keyword(s.enable.ipsec_v2_ipv4),
        },
        counts: ModuleCounts {
            sends_outstanding: s.sends_outstanding,
            receives_outstanding: s.receives_outstanding,
            send_passed: s.send_passed,
            send_protected_nbls: s.send_protected_nbls,
            send_packets: s.send_packets,
            send_bytes: s.send_bytes,
            recv_untouched: s.recv_untouched,
            recv_not_processed: s.recv_not_processed,
            recv_packets: s.recv_packets,
            recv_bytes: s.recv_bytes,
            recv_delete_requests: s.recv_delete_requests,
            send_paused: s.send_paused,
            recv_returned_paused: s.recv_returned_paused,
            recv_dropped_paused: s.recv_dropped_paused,
            state_errors: s.state_errors,
            oids_answered: s.oids_answered,
            oids_passed_down: s.oids_passed_down,
        },
        send_drops: &s.send_drops,
        recv_failures: &s.recv_failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use ipsecov2_filter_core::config::OffloadEnable;
    use ipsecov2_filter_core::{RecvFailure, SendDrop};
    use ipsecov2_ioctl::module_stats::read;

    fn stats() -> ModuleStats {
        ModuleStats {
            state: FilterState::Pausing,
            sends_outstanding: 1,
            receives_outstanding: 2,
            enable: OffloadEnable {
                ipsec_v2: IpsecOffloadSetting {
                    ah: false,
                    esp: true,
                },
                ipsec_v2_ipv4: IpsecOffloadSetting::AH_AND_ESP,
            },
            send_passed: 3,
            send_protected_nbls: 4,
            send_packets: 5,
            send_bytes: 6,
            send_drops: core::array::from_fn(|i| 100 + i as u64),
            recv_untouched: 7,
            recv_not_processed: 8,
            recv_packets: 9,
            recv_bytes: 10,
            recv_failures: core::array::from_fn(|i| 200 + i as u64),
            recv_delete_requests: 11,
            send_paused: 12,
            recv_returned_paused: 13,
            recv_dropped_paused: 14,
            state_errors: 15,
            oids_answered: 16,
            oids_passed_down: 17,
            sas: Vec::new(),
        }
    }

    #[test]
    fn every_counter_reaches_the_record_and_reads_back() {
        let s = stats();
        let r = record(&s, 5);
        let mut out = vec![0u8; r.len()];
        assert_eq!(r.encode(&mut out), Ok(r.len()));
        let back = read(&out).unwrap();
        assert_eq!(back.state, ModuleState::Pausing);
        assert_eq!(back.sa_count, 5);
        assert_eq!((back.enabled.ipsec_v2, back.enabled.ipsec_v2_ipv4), (2, 3));
        let c = back.counts;
        assert_eq!(
            [
                c.sends_outstanding,
                c.receives_outstanding,
                c.send_passed,
                c.send_protected_nbls,
                c.send_packets,
                c.send_bytes,
                c.recv_untouched,
                c.recv_not_processed,
                c.recv_packets,
                c.recv_bytes,
                c.recv_delete_requests,
                c.send_paused,
                c.recv_returned_paused,
                c.recv_dropped_paused,
                c.state_errors,
                c.oids_answered,
                c.oids_passed_down,
            ],
            core::array::from_fn::<u64, 17, _>(|i| i as u64 + 1)
        );
        assert_eq!(back.send_drops.len(), SendDrop::BUCKETS);
        assert_eq!(back.recv_failures.len(), RecvFailure::BUCKETS);
        assert_eq!(
            back.send_drops[SendDrop::UnknownHandle.bucket()],
            100 + SendDrop::UnknownHandle.bucket() as u64
        );
        assert_eq!(back.recv_failures, s.recv_failures);
    }

    #[test]
    fn every_state_has_its_own_code() {
        let all = [
            FilterState::Attaching,
            FilterState::Paused,
            FilterState::Restarting,
            FilterState::Running,
            FilterState::Pausing,
            FilterState::Detached,
        ];
        let codes: Vec<u32> = all.iter().map(|&s| state(s) as u32).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5]);
    }
}
