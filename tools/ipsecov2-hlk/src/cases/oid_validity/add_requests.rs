//! ADD_SA and ADD_SA_EX: valid requests, lengths, the `Next` chain, element headers and
//! contents, bundles.

use super::{add_expect, gcm, put_u64};
use crate::cases::{ensure, eq, status};
use crate::module_oids::{module, names_an_sa, sa_count, set};
use crate::Outcome;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{self as build, AddSa, BASE};
use ipsecov2_oid::layout::{add_sa, add_sa_ex};

pub(super) fn add_sa_valid_single() -> Outcome {
    add_expect(
        &[gcm(0x1000)],
        |_, _| {},
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[true]),
    )
}

pub(super) fn add_sa_valid_list() -> Outcome {
    let list = [
        gcm(0x1000),
        build::esp_cbc(
            0x1001,
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
        ),
        build::ah(0x1002, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256, 32),
        build::esp_ah(0x1003, 0x1004),
        build::esp_gmac(0x1005, 128),
    ];
    add_expect(
        &list,
        |_, _| {},
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[true; 5]),
    )
}

pub(super) fn add_sa_ex_valid() -> Outcome {
    let m = module()?;
    let mut ex = build::add_sa_ex(&build::ah(
        0x3333,
        IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
        32,
    ));
    let c = set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX, &mut ex)?;
    status("ADD_SA_EX", c.status, NDIS_STATUS_SUCCESS)?;
    let h = ex
        .get(add_sa_ex::OFFLOAD_HANDLE..add_sa_ex::OFFLOAD_HANDLE + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes);
    ensure!(h != 0, "NULL handle");
    eq("SA bundles in the table", sa_count(&m)?, 1)?;
    ensure!(
        names_an_sa(&m, h)?,
        "handle {h:#x} names no SA in the table"
    );
    m.finish()
}

pub(super) fn add_sa_ex_short() -> Outcome {
    let m = module()?;
    let mut ex = build::add_sa_ex(&gcm(0x1000));
    ex.truncate(169);
    let c = set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX, &mut ex)?;
    status("ADD_SA_EX", c.status, NDIS_STATUS_INVALID_LENGTH)?;
    eq("BytesNeeded", c.bytes_needed, 170)?;
    eq("SA bundles in the table", sa_count(&m)?, 0)?;
    m.finish()
}

pub(super) fn add_sa_short() -> Outcome {
    add_expect(
        &[gcm(0x1000)],
        |b, _| b.truncate(100),
        NDIS_STATUS_INVALID_LENGTH,
        Some(169),
        None,
    )
}

pub(super) fn add_sa_key_data_past_end() -> Outcome {
    let e = gcm(0x1000);
    let end = (add_sa::KEY_DATA + e.keys.len()) as u32;
    add_expect(
        &[e],
        move |b, _| b.truncate(end as usize - 1),
        NDIS_STATUS_INVALID_LENGTH,
        Some(end),
        None,
    )
}

pub(super) fn add_sa_next_element_does_not_fit() -> Outcome {
    add_expect(
        &[gcm(0x1000), gcm(0x1001)],
        |b, o| b.truncate(o[1] + 100),
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

pub(super) fn add_sa_second_key_data_past_end() -> Outcome {
    let e = gcm(0x1001);
    let first = gcm(0x1000).stride();
    let end = first + add_sa::KEY_DATA + e.keys.len();
    add_expect(
        &[gcm(0x1000), e],
        move |b, _| b.truncate(end - 1),
        NDIS_STATUS_INVALID_LENGTH,
        Some(end as u32),
        None,
    )
}

pub(super) fn add_sa_next_misaligned() -> Outcome {
    add_expect(
        &[gcm(0x1000), gcm(0x1001)],
        |b, o| put_u64(b, add_sa::NEXT, BASE + o[1] as u64 + 4),
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

pub(super) fn add_sa_next_before_buffer() -> Outcome {
    add_expect(
        &[gcm(0x1000), gcm(0x1001)],
        |b, _| put_u64(b, add_sa::NEXT, BASE - 0x100),
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

pub(super) fn add_sa_next_past_end() -> Outcome {
    add_expect(
        &[gcm(0x1000), gcm(0x1001)],
        |b, _| {
            let l = b.len() as u64;
            put_u64(b, add_sa::NEXT, BASE + l + 8)
        },
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

pub(super) fn add_sa_next_cycle() -> Outcome {
    add_expect(
        &[gcm(0x1000), gcm(0x1001), gcm(0x1002)],
        |b, o| put_u64(b, o[2] + add_sa::NEXT, BASE),
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

pub(super) fn add_sa_next_self() -> Outcome {
    add_expect(
        &[gcm(0x1000)],
        |b, _| put_u64(b, add_sa::NEXT, BASE),
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

pub(super) fn add_sa_next_overlap() -> Outcome {
    add_expect(
        &[gcm(0x1000), gcm(0x1001), gcm(0x1002)],
        |b, o| put_u64(b, o[1] + add_sa::NEXT, BASE + o[1] as u64 + 8),
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

pub(super) fn add_sa_all_refused() -> Outcome {
    let mut a = gcm(0x1000);
    a.sa[0].enc.key_len = 16;
    let mut b = gcm(0x1001);
    b.num_ext_hdrs = 0;
    add_expect(
        &[a, b],
        |_, _| {},
        NDIS_STATUS_INVALID_DATA,
        None,
        Some(&[false, false]),
    )
}

pub(super) fn add_sa_confidentiality_only_esp() -> Outcome {
    add_expect(
        &[build::esp_cbc(
            0x1000,
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
            16,
            0,
            0,
        )],
        |_, _| {},
        NDIS_STATUS_INVALID_DATA,
        None,
        Some(&[false]),
    )
}

pub(super) fn add_sa_udp_esp_on_ah() -> Outcome {
    let mut a = build::ah(0x1000, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1, 20);
    a.udp_esp = IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT;
    add_expect(
        &[a, gcm(0x1001)],
        |_, _| {},
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[false, true]),
    )
}

pub(super) fn add_sa_duplicate_inbound() -> Outcome {
    let mut a = gcm(0x1000);
    a.flags = IPSEC_OFFLOAD_V2_INBOUND;
    add_expect(
        &[a.clone(), a],
        |_, _| {},
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[true, false]),
    )
}

pub(super) fn add_sa_weak_des_key() -> Outcome {
    let mut a = build::esp_cbc(
        0x1000,
        IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC,
        8,
        IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
        20,
    );
    for k in &mut a.keys[..8] {
        *k = 1;
    }
    add_expect(
        &[a, gcm(0x1001)],
        |_, _| {},
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[false, true]),
    )
}

/// The second of two elements with its header broken by `tweak`: the whole request is refused.
pub(super) fn add_sa_bad_header(tweak: fn(&mut AddSa)) -> Outcome {
    let mut b = gcm(0x1001);
    tweak(&mut b);
    add_expect(
        &[gcm(0x1000), b],
        |_, _| {},
        NDIS_STATUS_INVALID_DATA,
        None,
        None,
    )
}

/// The middle one of three elements with its content broken by `tweak`: only it gets NULL.
pub(super) fn add_sa_bad_content(tweak: fn(&mut AddSa)) -> Outcome {
    let mut b = gcm(0x1001);
    tweak(&mut b);
    add_expect(
        &[gcm(0x1000), b, gcm(0x1002)],
        |_, _| {},
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[true, false, true]),
    )
}
