//! DELETE_SA, UPDATE_SA, queries of the four OIDs, and OIDs the filter does not answer.

use super::{gcm, put_u64};
use crate::cases::{ensure, eq, status};
use crate::module_oids::{add, delete, module, names_an_sa, sa_count, set, OidAnswer, RequestKind};
use crate::Outcome;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{self as build, BASE};
use ipsecov2_oid::layout::delete_sa;

pub(super) fn delete_sa_valid() -> Outcome {
    let m = module()?;
    let h1 = add(&m, &gcm(0x1000))?;
    let h2 = add(&m, &gcm(0x1001))?;
    let keep = add(&m, &gcm(0x1002))?;
    eq("SA bundles before", sa_count(&m)?, 3)?;
    status("DELETE_SA", delete(&m, &[h1, h2])?, NDIS_STATUS_SUCCESS)?;
    eq("SA bundles after", sa_count(&m)?, 1)?;
    for h in [h1, h2] {
        ensure!(!names_an_sa(&m, h)?, "handle {h:#x} still in the table");
    }
    ensure!(
        names_an_sa(&m, keep)?,
        "the third SA went with the other two"
    );
    m.finish()
}

pub(super) fn delete_sa_cycle() -> Outcome {
    let m = module()?;
    let h1 = add(&m, &gcm(0x1000))?;
    let mut d = build::delete_sa_list(&[h1, h1]);
    put_u64(&mut d, delete_sa::SIZE_REVISION_1 + delete_sa::NEXT, BASE);
    status(
        "DELETE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut d)?.status,
        NDIS_STATUS_INVALID_DATA,
    )?;
    eq("SA bundles after the refused request", sa_count(&m)?, 1)?;
    ensure!(names_an_sa(&m, h1)?, "SA deleted by a refused request");
    m.finish()
}

pub(super) fn delete_sa_bad_header() -> Outcome {
    let m = module()?;
    let h1 = add(&m, &gcm(0x1000))?;
    let mut d = build::delete_sa_list(&[h1]);
    d[0] = 0x81;
    status(
        "DELETE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut d)?.status,
        NDIS_STATUS_INVALID_DATA,
    )?;
    eq("SA bundles after the refused request", sa_count(&m)?, 1)?;
    m.finish()
}

pub(super) fn update_sa_valid_esn() -> Outcome {
    let m = module()?;
    let mut a = gcm(0x1000);
    a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    let h = add(&m, &a)?;
    let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x1000, 9);
    status(
        "UPDATE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
        NDIS_STATUS_SUCCESS,
    )?;
    m.finish()
}

pub(super) fn update_sa_bad_operation() -> Outcome {
    let m = module()?;
    let mut a = gcm(0x1000);
    a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    let h = add(&m, &a)?;
    let mut u = build::update_sa(h, 7, 0x1000, 9);
    status(
        "UPDATE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
        NDIS_STATUS_INVALID_DATA,
    )?;
    m.finish()
}

pub(super) fn query_not_supported() -> Outcome {
    let m = module()?;
    for oid in [
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
    ] {
        for kind in [RequestKind::Query, RequestKind::Method] {
            let mut b = vec![0u8; 256];
            match m.request(kind, oid, &mut b)? {
                OidAnswer::PassedDown => {
                    return Err(format!("{kind:?} of {oid:#x} passed down"));
                }
                OidAnswer::Completed(c) => {
                    status(
                        &format!("{kind:?} {oid:#x}"),
                        c.status,
                        NDIS_STATUS_NOT_SUPPORTED,
                    )?;
                    eq("BytesWritten", c.bytes_written, 0)?;
                }
            }
        }
    }
    eq("SA bundles in the table", sa_count(&m)?, 0)?;
    m.finish()
}

pub(super) fn other_oids_passed_down() -> Outcome {
    let m = module()?;
    for oid in [OID_TCP_OFFLOAD_CURRENT_CONFIG, 0x0001_0101, 0] {
        let mut b = vec![0u8; 64];
        ensure!(
            m.request(RequestKind::Set, oid, &mut b)? == OidAnswer::PassedDown,
            "OID {oid:#x} answered"
        );
    }
    m.finish()
}

/// A DELETE_SA or UPDATE_SA (`oid`) buffer one byte below its revision-1 size `min`.
pub(super) fn short_buffer(oid: u32, name: &str, min: u32) -> Outcome {
    let m = module()?;
    let mut b = vec![0u8; min as usize - 1];
    let c = set(&m, oid, &mut b)?;
    status(name, c.status, NDIS_STATUS_INVALID_LENGTH)?;
    eq("BytesNeeded", c.bytes_needed, min)?;
    m.finish()
}
