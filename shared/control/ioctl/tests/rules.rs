//! One test per validation rule: the malformed request is refused with its fault and the control
//! plane is left exactly as it was.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{Action, Direction, EventLimit, RateLimit};
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::request::{InjectPath, OidKind};
use ipsecov2_ioctl::wire::{MAX_ARRAY, SA_LEN};
use ipsecov2_ioctl::{Completion, DispatchError, Fault, Field, Ioctl};

fn set_word(msg: &mut [u8], i: usize, v: u32) {
    msg[8 + 4 * i..12 + 4 * i].copy_from_slice(&v.to_le_bytes());
}

fn word(msg: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(msg[8 + 4 * i..12 + 4 * i].try_into().unwrap())
}

fn fix_len(msg: &mut [u8]) {
    let n = msg.len() as u32;
    msg[4..8].copy_from_slice(&n.to_le_bytes());
}

/// A populated rig, the request refused with `fault`, nothing changed.
fn refused(ioctl: Ioctl, msg: &[u8], expected: DispatchError) {
    let mut rig = Rig::new(true);
    rig.populate();
    let before = rig.snapshot();
    assert_eq!(rig.call(ioctl, msg), Err(expected), "{ioctl:?}");
    assert_eq!(
        rig.snapshot(),
        before,
        "{ioctl:?} changed the control plane"
    );
}

fn malformed(ioctl: Ioctl, msg: &[u8], fault: Fault) {
    refused(ioctl, msg, DispatchError::Malformed(fault));
}

fn policy_msg() -> Vec<u8> {
    client::policy_create(
        50,
        Action::Bypass,
        Direction::Outbound,
        &[any_sel()],
        &[1],
        &[1],
    )
}

#[test]
fn unknown_ioctl() {
    let mut rig = Rig::new(true);
    let code = 0x0012_0000 | (0x9FF << 2);
    assert_eq!(
        rig.disp
            .dispatch(&mut rig.plane, code, 0, &client::words(&[]), &mut [0; 64]),
        Err(DispatchError::UnknownIoctl(code))
    );
}

#[test]
fn shorter_than_the_header() {
    malformed(Ioctl::QueryAllSpds, &[1, 0, 0, 0], Fault::TooShort);
}

#[test]
fn shorter_than_the_fixed_body() {
    malformed(Ioctl::SpdCreate, &client::words(&[2, 1]), Fault::TooShort);
}

#[test]
fn header_length_is_not_the_input_length() {
    let mut m = client::words(&[1]);
    m[4] += 4;
    malformed(Ioctl::PolicyDestroy, &m, Fault::LengthMismatch);
}

#[test]
fn fixed_size_request_with_extra_bytes() {
    let mut m = client::words(&[1, 2]);
    fix_len(&mut m);
    malformed(Ioctl::PolicyDestroy, &m, Fault::LengthMismatch);
}

#[test]
fn unknown_version() {
    let mut m = client::words(&[]);
    m[0] = 2;
    malformed(Ioctl::QueryAllSpds, &m, Fault::Version(2));
    m[0] = 0;
    malformed(Ioctl::QueryAllSpds, &m, Fault::Version(0));
}

#[test]
fn header_reserved_bits() {
    let mut m = client::words(&[]);
    m[3] = 1;
    malformed(
        Ioctl::QueryAllSpds,
        &m,
        Fault::ReservedNotZero(Field::Header),
    );
}

#[test]
fn handshake_without_a_common_version() {
    malformed(
        Ioctl::Handshake,
        &client::handshake(2, 9),
        Fault::NoCommonVersion,
    );
    malformed(
        Ioctl::Handshake,
        &client::handshake(1, 0),
        Fault::NoCommonVersion,
    );
}

#[test]
fn count_above_the_protocol_maximum() {
    let mut m = client::spd_create(Direction::Inbound, 5, &[IF2]);
    set_word(&mut m, 2, MAX_ARRAY + 1);
    malformed(
        Ioctl::SpdCreate,
        &m,
        Fault::CountTooLarge(Field::Interfaces),
    );
}

#[test]
fn more_than_three_sas_in_a_bundle() {
    let sas = [esp(0x10), esp(0x11), esp(0x12), esp(0x13)];
    malformed(
        Ioctl::SaAdd,
        &sa_add(1, 5, &sas),
        Fault::CountTooLarge(Field::Sas),
    );
}

#[test]
fn array_past_the_end() {
    let mut m = client::spd_create(Direction::Inbound, 5, &[IF2]);
    set_word(&mut m, 2, 2);
    malformed(
        Ioctl::SpdCreate,
        &m,
        Fault::OffsetOutOfBounds(Field::Interfaces),
    );
    let mut m = client::spd_create(Direction::Inbound, 5, &[IF2]);
    set_word(&mut m, 3, u32::MAX - 3);
    malformed(
        Ioctl::SpdCreate,
        &m,
        Fault::OffsetOutOfBounds(Field::Interfaces),
    );
}

#[test]
fn array_inside_the_fixed_part() {
    let mut m = client::spd_create(Direction::Inbound, 5, &[IF2]);
    set_word(&mut m, 3, 8);
    malformed(
        Ioctl::SpdCreate,
        &m,
        Fault::OffsetOutOfBounds(Field::Interfaces),
    );
}

#[test]
fn empty_array_with_an_offset() {
    let mut m = client::spd_create(Direction::Inbound, 5, &[]);
    set_word(&mut m, 3, 24);
    malformed(
        Ioctl::SpdCreate,
        &m,
        Fault::OffsetOutOfBounds(Field::Interfaces),
    );
}

#[test]
fn misaligned_array() {
    let mut m = client::spd_create(Direction::Inbound, 5, &[IF2]);
    m.extend_from_slice(&[0, 0]);
    fix_len(&mut m);
    let off = word(&m, 3);
    set_word(&mut m, 3, off + 2);
    malformed(Ioctl::SpdCreate, &m, Fault::Misaligned(Field::Interfaces));
}

#[test]
fn overlapping_arrays() {
    let mut m = policy_msg();
    let spds_off = word(&m, 6);
    set_word(&mut m, 8, spds_off);
    // The message now ends before its last 4 bytes are referenced: drop them.
    m.truncate(m.len() - 4);
    fix_len(&mut m);
    malformed(Ioctl::PolicyCreate, &m, Fault::Overlap);
}

#[test]
fn trailing_bytes() {
    let mut m = policy_msg();
    m.extend_from_slice(&[0; 4]);
    fix_len(&mut m);
    malformed(Ioctl::PolicyCreate, &m, Fault::TrailingBytes);
}

#[test]
fn bad_direction() {
    let mut m = client::spd_create(Direction::Inbound, 5, &[IF2]);
    set_word(&mut m, 0, 3);
    malformed(Ioctl::SpdCreate, &m, Fault::BadEnum(Field::Direction));
}

#[test]
fn bad_action() {
    let mut m = policy_msg();
    set_word(&mut m, 1, 4);
    malformed(Ioctl::PolicyCreate, &m, Fault::BadEnum(Field::Action));
}

#[test]
fn bad_selector_fields() {
    let sel_off = word(&policy_msg(), 4) as usize;
    let mut m = policy_msg();
    m[sel_off + 1] = 5;
    malformed(Ioctl::PolicyCreate, &m, Fault::BadEnum(Field::IpVersion));
    let mut m = policy_msg();
    m[sel_off + 4] = 2;
    malformed(Ioctl::PolicyCreate, &m, Fault::BadEnum(Field::AddrType));
    let mut m = policy_msg();
    m[sel_off + 3] = 1;
    malformed(
        Ioctl::PolicyCreate,
        &m,
        Fault::ReservedNotZero(Field::Selectors),
    );
    // An IPv4 address with bytes beyond its four.
    let mut m = policy_msg();
    m[sel_off + 4 + 4 + 5] = 1;
    malformed(
        Ioctl::PolicyCreate,
        &m,
        Fault::ReservedNotZero(Field::Selectors),
    );
    // A prefix with a second address; a range with a prefix length.
    let mut m = policy_msg();
    m[sel_off + 4 + 20] = 1;
    malformed(
        Ioctl::PolicyCreate,
        &m,
        Fault::ReservedNotZero(Field::Selectors),
    );
    let mut m = policy_msg();
    m[sel_off + 40 + 1] = 8;
    malformed(
        Ioctl::PolicyCreate,
        &m,
        Fault::ReservedNotZero(Field::Selectors),
    );
}

#[test]
fn bad_boolean() {
    malformed(
        Ioctl::PolicyStats,
        &client::words(&[1, 2]),
        Fault::BadEnum(Field::Boolean),
    );
}

#[test]
fn bad_limit_type() {
    let mut m = client::rate_limit(&[EventLimit {
        event: 1,
        limit: RateLimit::EveryN(2),
    }]);
    let off = word(&m, 1) as usize;
    m[off + 4] = 3;
    malformed(Ioctl::EventRateLimit, &m, Fault::BadEnum(Field::LimitType));
    let mut m = client::rate_limit(&[EventLimit {
        event: 1,
        limit: RateLimit::None,
    }]);
    m[off + 8] = 1;
    malformed(
        Ioctl::EventRateLimit,
        &m,
        Fault::ReservedNotZero(Field::EventLimits),
    );
}

#[test]
fn reserved_body_word() {
    malformed(
        Ioctl::EventSetMask,
        &client::words(&[1, 1]),
        Fault::ReservedNotZero(Field::Body),
    );
    malformed(
        Ioctl::EventWait,
        &client::words(&[1, 1]),
        Fault::ReservedNotZero(Field::Body),
    );
}

#[test]
fn sa_record_rules() {
    let sas = [esp(0x20)];
    let base = sa_add(1, 5, &sas);
    let sa_off = word(&base, 3) as usize;
    let mut m = base.clone();
    m[sa_off + 14] = 1;
    malformed(Ioctl::SaAdd, &m, Fault::ReservedNotZero(Field::Sas));
    let mut m = base.clone();
    m[sa_off + 32] = 5;
    malformed(Ioctl::SaAdd, &m, Fault::BadEnum(Field::IpVersion));
    let mut m = base.clone();
    m[sa_off + 40] = 1; // transport mode with a tunnel address
    malformed(Ioctl::SaAdd, &m, Fault::ReservedNotZero(Field::Sas));
    let mut m = base.clone();
    m[sa_off + 72..sa_off + 74].copy_from_slice(&161u16.to_le_bytes());
    malformed(Ioctl::SaAdd, &m, Fault::KeyBits(Field::AuthKey));
    let mut m = base.clone();
    m[sa_off + 80..sa_off + 82].copy_from_slice(&1024u16.to_le_bytes());
    malformed(Ioctl::SaAdd, &m, Fault::OffsetOutOfBounds(Field::EncKey));
    // The encryption key placed over the SA record itself.
    let mut m = base.clone();
    m[sa_off + 76..sa_off + 80].copy_from_slice(&(sa_off as u32).to_le_bytes());
    malformed(Ioctl::SaAdd, &m, Fault::Overlap);
    // Direction of the SA_Add body.
    let mut m = base;
    set_word(&mut m, 8, 0);
    malformed(Ioctl::SaAdd, &m, Fault::BadEnum(Field::Direction));
    assert_eq!(SA_LEN, 84);
}

#[test]
fn batch_records_nested_arrays() {
    let sel = [any_sel()];
    let base = client::policy_batch_create(
        &[(60, Action::Bypass, &sel), (61, Action::Bypass, &sel)],
        1,
        Direction::Outbound,
        &[1, 2],
    );
    let recs = word(&base, 1) as usize;
    // Record 1's selectors made to be record 0's.
    let mut m = base.clone();
    let first_sel = m[recs + 12..recs + 16].to_vec();
    m[recs + 16 + 12..recs + 16 + 16].copy_from_slice(&first_sel);
    m.truncate(m.len() - 84);
    fix_len(&mut m);
    malformed(Ioctl::PolicyBatchCreate, &m, Fault::Overlap);
    // A record's selectors over the records themselves.
    let mut m = base.clone();
    m[recs + 12..recs + 16].copy_from_slice(&(recs as u32).to_le_bytes());
    malformed(Ioctl::PolicyBatchCreate, &m, Fault::Overlap);
    // A bad action inside a record.
    let mut m = base;
    m[recs + 4] = 9;
    malformed(Ioctl::PolicyBatchCreate, &m, Fault::BadEnum(Field::Action));
}

#[test]
fn output_too_small_runs_nothing() {
    let sel = [any_sel()];
    let mut rig = Rig::new(false);
    let (spd, _, _) = rig.populate();
    let m = client::policy_batch_create(
        &[(60, Action::Bypass, &sel), (61, Action::Bypass, &sel)],
        spd,
        Direction::Outbound,
        &[1, 2],
    );
    let before = rig.snapshot();
    assert_eq!(
        rig.call_with(Ioctl::PolicyBatchCreate, &m, 16 + 8),
        Err(DispatchError::OutputTooSmall { needed: 16 + 12 })
    );
    assert_eq!(rig.snapshot(), before);
    assert_eq!(
        rig.call_with(Ioctl::SpdDestroy, &client::list(&[spd]), 8),
        Err(DispatchError::OutputTooSmall { needed: 16 })
    );
    assert_eq!(rig.snapshot(), before);
    assert_eq!(
        rig.call_with(Ioctl::QueryAllSpds, &client::words(&[]), 16),
        Err(DispatchError::OutputTooSmall {
            needed: 16 + 4 + 12
        })
    );
    assert!(matches!(
        rig.call_with(Ioctl::PolicyBatchCreate, &m, 28),
        Ok(Completion::Done(28))
    ));
}

#[test]
fn test_request_rules() {
    let mut m = client::test_oid("eth0", 1, OidKind::Set, &[1, 2, 3, 4], 2);
    malformed(Ioctl::TestOid, &m, Fault::CountMismatch(Field::Payload));
    m = client::test_oid("eth0", 1, OidKind::Set, &[], 0);
    set_word(&mut m, 3, 7);
    malformed(Ioctl::TestOid, &m, Fault::BadEnum(Field::TestKind));
    let mut m = client::test_inject("eth0", InjectPath::Send, &[0; 60]);
    set_word(&mut m, 2, 2);
    malformed(Ioctl::TestInject, &m, Fault::BadEnum(Field::TestKind));
    let m = client::test_inject("", InjectPath::Send, &[0; 60]);
    malformed(
        Ioctl::TestInject,
        &m,
        Fault::CountTooLarge(Field::ModuleName),
    );
    let m = client::test_module_stats("");
    malformed(
        Ioctl::TestModuleStats,
        &m,
        Fault::CountTooLarge(Field::ModuleName),
    );
    let mut m = client::test_module_stats("eth0");
    m.extend_from_slice(&[0; 4]);
    fix_len(&mut m);
    malformed(Ioctl::TestModuleStats, &m, Fault::TrailingBytes);
    let mut m = client::test_module_stats("eth0");
    set_word(&mut m, 0, 300);
    malformed(
        Ioctl::TestModuleStats,
        &m,
        Fault::CountTooLarge(Field::ModuleName),
    );
    malformed(
        Ioctl::TestModuleStats,
        &client::words(&[4]),
        Fault::TooShort,
    );
}
