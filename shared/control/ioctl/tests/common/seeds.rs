//! One valid request per IOCTL, naming the populated rig's handles: the fuzz seeds and the
//! starting points of the property tests.

use super::{any_sel, esp, sa_add, IF1, IF2};
use ipsecov2_control_plane::{Action, Direction, EventLimit, RateLimit};
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::request::{InjectPath, OidKind};
use ipsecov2_ioctl::Ioctl;

/// The populated rig's handles: SPD 0x10001, policy 0x10001, SA 0x10001.
pub const H: u32 = 0x0001_0001;

pub fn seeds() -> Vec<(Ioctl, Vec<u8>)> {
    let sel = [any_sel()];
    let sas = [esp(0x2000), {
        let mut a = esp(0x2001);
        a.flags = ipsecov2_control_plane::sa_flags::PROTOCOL_AH
            | ipsecov2_control_plane::sa_flags::MODE_TRANSPORT;
        a.enc_algo = 0;
        a.enc_key = &[];
        a.enc_key_bits = 0;
        a
    }];
    vec![
        (Ioctl::Handshake, client::handshake(1, 1)),
        (
            Ioctl::SpdCreate,
            client::spd_create(Direction::Inbound, 2, &[IF1, IF2]),
        ),
        (Ioctl::SpdDestroy, client::list(&[H])),
        (Ioctl::SpdBind, client::handle_and_list(H, &[IF2])),
        (Ioctl::SpdUnbind, client::handle_and_list(H, &[IF1])),
        (Ioctl::SpdFlush, client::list(&[H])),
        (
            Ioctl::PolicyCreate,
            client::policy_create(5, Action::Discard, Direction::Outbound, &sel, &[H], &[3]),
        ),
        (Ioctl::PolicyDestroy, client::words(&[H])),
        (
            Ioctl::PolicyBatchCreate,
            client::policy_batch_create(
                &[(6, Action::Bypass, &sel), (7, Action::Protect, &sel)],
                H,
                Direction::Outbound,
                &[1, 2],
            ),
        ),
        (Ioctl::PolicyBatchDestroy, client::list(&[H])),
        (Ioctl::PolicyBind, client::policy_bind(H, &[], &[4])),
        (Ioctl::PolicyUnbind, client::handle_and_list(H, &[H])),
        (
            Ioctl::PolicyBatchBind,
            client::policy_batch_bind(&[H], 0, Direction::Outbound, &[1]),
        ),
        (
            Ioctl::PolicyBatchUnbind,
            client::policy_batch_unbind(&[H], H),
        ),
        (Ioctl::PolicyChangePriority, client::words(&[H, H, 9])),
        (Ioctl::SaAdd, sa_add(H, 7, &sas)),
        (Ioctl::SaRemove, client::words(&[H, H])),
        (Ioctl::SpiReserve, client::spi_reserve(H, &sel)),
        (Ioctl::SpiRelease, client::words(&[H, 0x1000])),
        (Ioctl::PolicyStats, client::words(&[H, 1])),
        (Ioctl::SaStats, client::words(&[H, H, 0])),
        (Ioctl::GlobalStats, client::words(&[])),
        (Ioctl::QueryAllSpds, client::words(&[])),
        (Ioctl::QuerySpdBindings, client::words(&[H])),
        (Ioctl::QueryAllPolicies, client::words(&[H])),
        (Ioctl::QueryPolicyBindings, client::words(&[H])),
        (Ioctl::QueryAllSas, client::words(&[H])),
        (Ioctl::QueryPolicyData, client::words(&[H])),
        (Ioctl::QuerySaData, client::words(&[H])),
        (Ioctl::QuerySpdHandle, client::list(&[1, 2])),
        (Ioctl::QueryPolicyHandle, client::list(&[10])),
        (Ioctl::QuerySaHandle, client::handle_and_list(H, &[100])),
        (Ioctl::EventSetMask, client::words(&[u32::MAX, 0])),
        (
            Ioctl::EventRateLimit,
            client::rate_limit(&[EventLimit {
                event: 10,
                limit: RateLimit::PerSecond(5),
            }]),
        ),
        (Ioctl::EventWait, client::words(&[0, 0])),
        (
            Ioctl::TestOid,
            client::test_oid("lwf0", 0x0101_0101, OidKind::Query, &[1, 2], 8),
        ),
        (
            Ioctl::TestInject,
            client::test_inject("lwf0", InjectPath::Receive, &[0x45; 40]),
        ),
        (Ioctl::TestModuleStats, client::test_module_stats("lwf0")),
    ]
}
