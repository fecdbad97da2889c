//! DELETE_SA, UPDATE_SA, queries of the four OIDs, and OIDs the filter does not answer.

use super::{gcm, put_u64};
use crate::cases::{ensure, eq, status};
use crate::tcpip::*;
use crate::Outcome;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{self as build, BASE};
use ipsecov2_oid::layout::delete_sa;
use ipsecov2_oid::InfoBuffer;

pub(super) fn delete_sa_valid() -> Outcome {
    let m = core()?;
    let h1 = add(&m, &gcm(0x1000))?;
    let h2 = add(&m, &gcm(0x1001))?;
    status("DELETE_SA", delete(&m, &[h1, h2])?, NDIS_STATUS_SUCCESS)?;
    for h in [h1, h2] {
        let found = ipsecov2_satable::OffloadHandle::from_u64(h)
            .and_then(|oh| m.sas().table().get(oh))
            .is_some();
        ensure!(!found, "handle {h:#x} still in the table");
    }
    Ok(())
}

pub(super) fn delete_sa_cycle() -> Outcome {
    let m = core()?;
    let h1 = add(&m, &gcm(0x1000))?;
    let mut d = build::delete_sa_list(&[h1, h1]);
    put_u64(&mut d, delete_sa::SIZE_REVISION_1 + delete_sa::NEXT, BASE);
    status(
        "DELETE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut d)?.status,
        NDIS_STATUS_INVALID_DATA,
    )?;
    let found = ipsecov2_satable::OffloadHandle::from_u64(h1)
        .and_then(|oh| m.sas().table().get(oh))
        .is_some();
    ensure!(found, "SA deleted by a refused request");
    Ok(())
}

pub(super) fn delete_sa_bad_header() -> Outcome {
    let m = core()?;
    let h1 = add(&m, &gcm(0x1000))?;
    let mut d = build::delete_sa_list(&[h1]);
    d[0] = 0x81;
    status(
        "DELETE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut d)?.status,
        NDIS_STATUS_INVALID_DATA,
    )
}

pub(super) fn update_sa_valid_esn() -> Outcome {
    let m = core()?;
    let mut a = gcm(0x1000);
    a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    let h = add(&m, &a)?;
    let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x1000, 9);
    status(
        "UPDATE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
        NDIS_STATUS_SUCCESS,
    )
}

pub(super) fn update_sa_bad_operation() -> Outcome {
    let m = core()?;
    let mut a = gcm(0x1000);
    a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    let h = add(&m, &a)?;
    let mut u = build::update_sa(h, 7, 0x1000, 9);
    status(
        "UPDATE_SA",
        set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
        NDIS_STATUS_INVALID_DATA,
    )
}

pub(super) fn query_not_supported() -> Outcome {
    let m = core()?;
    for oid in [
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
    ] {
        let mut b = vec![0u8; 256];
        let c = m
            .oid(
                oid,
                NdisRequestQueryInformation,
                &mut InfoBuffer::new(&mut b, BASE),
            )
            .ok_or_else(|| format!("query of {oid:#x} passed down"))?;
        status(
            &format!("query {oid:#x}"),
            c.status,
            NDIS_STATUS_NOT_SUPPORTED,
        )?;
    }
    Ok(())
}

pub(super) fn other_oids_passed_down() -> Outcome {
    let m = core()?;
    for oid in [OID_TCP_OFFLOAD_CURRENT_CONFIG, 0x0001_0101, 0] {
        let mut b = vec![0u8; 64];
        ensure!(
            m.oid(
                oid,
                NdisRequestSetInformation,
                &mut InfoBuffer::new(&mut b, BASE)
            )
            .is_none(),
            "OID {oid:#x} answered"
        );
    }
    Ok(())
}

/// A DELETE_SA or UPDATE_SA (`oid`) buffer one byte below its revision-1 size `min`.
pub(super) fn short_buffer(oid: u32, name: &str, min: u32) -> Outcome {
    let m = core()?;
    let mut b = vec![0u8; min as usize - 1];
    let c = set(&m, oid, &mut b)?;
    status(name, c.status, NDIS_STATUS_INVALID_LENGTH)?;
    eq("BytesNeeded", c.bytes_needed, min)
}
