//! Group `offload-config`: the offload keywords, OID_TCP_OFFLOAD_PARAMETERS, status
//! indications and queries rewritten, OID pass-down and completion.

use super::hosts::*;
use super::{case, ensure, eq, status};
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::module::StatusIndication;
use ipsecov2_ndis_emu::host::{nic_offload, HostConfig, OID_GEN_MAXIMUM_FRAME_SIZE};
use ipsecov2_ndis_emu::oid_buffers::BASE;
use ipsecov2_ndis_emu::tcpip::{ah_algs, bundle, BundleSpec};

/// What a keyword pair must allow: ESP and AH over IPv4, ESP and AH over IPv6.
#[derive(Clone, Copy)]
struct Allowed {
    esp_v4: bool,
    ah_v4: bool,
    esp_v6: bool,
    ah_v6: bool,
}

fn keyword_case(v2: Option<u32>, v4: Option<u32>, want: Allowed) -> Outcome {
    let Allowed {
        esp_v4,
        ah_v4,
        esp_v6,
        ah_v6,
    } = want;
    let mut h = running(HostConfig {
        ipsec_offload_v2: v2,
        ipsec_offload_v2_ipv4: v4,
        ..HostConfig::default()
    })?;
    let c = h
        .query_offload(OID_TCP_OFFLOAD_CURRENT_CONFIG)
        .map_err(he)?
        .IPsecV2;
    eq("Esp reported", c.Esp == TRUE, esp_v4 || esp_v6)?;
    eq("Ah reported", c.Ah == TRUE, ah_v4 || ah_v6)?;
    eq(
        "IPv6Supported reported",
        c.IPv6Supported == TRUE,
        esp_v6 || ah_v6,
    )?;
    let hw = h
        .query_offload(OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES)
        .map_err(he)?
        .IPsecV2;
    eq("hardware capabilities", hw, full_caps(64))?;
    let g = gcm()?;
    let ah = ah_algs().into_iter().next().ok_or("no AH transform")?;
    eq(
        "ESP IPv4 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::esp(&g, 0x301))).is_ok(),
        esp_v4,
    )?;
    eq(
        "AH IPv4 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::ah(&ah, 0x302))).is_ok(),
        ah_v4,
    )?;
    eq(
        "ESP IPv6 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::esp(&g, 0x303).v6())).is_ok(),
        esp_v6,
    )?;
    eq(
        "AH IPv6 ADD_SA accepted",
        h.add_sa(&bundle(BundleSpec::ah(&ah, 0x304).v6())).is_ok(),
        ah_v6,
    )
}

fn params_disable_enable() -> Outcome {
    let mut h = host(21)?;
    let g = gcm()?;
    let n = h.protocol().statuses.len();
    status(
        "disable",
        h.set_offload_parameters(
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
        )
        .map_err(he)?,
        NDIS_STATUS_SUCCESS,
    )?;
    let seen = h
        .miniport()
        .oids
        .last()
        .cloned()
        .ok_or("OID_TCP_OFFLOAD_PARAMETERS not passed down")?;
    eq("OID below", seen.oid, OID_TCP_OFFLOAD_PARAMETERS)?;
    let at = std::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2);
    eq(
        "IPsecV2/IPsecV2IPv4 as the miniport saw them",
        seen.buffer.get(at..at + 2),
        Some(
            &[
                NDIS_OFFLOAD_PARAMETERS_NO_CHANGE,
                NDIS_OFFLOAD_PARAMETERS_NO_CHANGE,
            ][..],
        ),
    )?;
    let st = &h.protocol().statuses[n..];
    eq("indications", st.len(), 1)?;
    eq(
        "indication",
        st[0].status,
        NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
    )?;
    let o = st[0].offload.ok_or("no NDIS_OFFLOAD")?;
    eq(
        "IPsecV2 after disable",
        o.IPsecV2,
        NDIS_IPSEC_OFFLOAD_V2::default(),
    )?;
    same_but_ipsec(&o, &nic_offload())?;
    ensure!(
        h.add_sa(&bundle(BundleSpec::esp(&g, 0x400))).is_err(),
        "ADD_SA accepted while the offload is disabled"
    );
    status(
        "enable",
        h.set_offload_parameters(NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED, 0)
            .map_err(he)?,
        NDIS_STATUS_SUCCESS,
    )?;
    let last = h.protocol().statuses.last().and_then(|s| s.offload);
    eq(
        "IPsecV2 after enable",
        last.map(|o| o.IPsecV2),
        Some(full_caps(64)),
    )?;
    h.add_sa(&bundle(BundleSpec::esp(&g, 0x401).v6()))
        .map_err(he)?;
    Ok(())
}

fn params_invalid() -> Outcome {
    let mut h = host(23)?;
    let below = h.miniport().oids.len();
    status(
        "IPsecV2 = 9",
        h.set_offload_parameters(9, 0).map_err(he)?,
        NDIS_STATUS_INVALID_PARAMETER,
    )?;
    eq("OIDs passed down", h.miniport().oids.len(), below)?;
    eq(
        "capabilities unchanged",
        h.module().map_err(he)?.current_capabilities(),
        full_caps(64),
    )
}

fn indication_rewritten() -> Outcome {
    let mut h = host(25)?;
    let mut changed = nic_offload();
    changed.Checksum.IPv4Transmit.set_udp_checksum(0);
    changed.LsoV2.IPv4.MaxOffLoadSize = 32_768;
    for code in [
        NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
        NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
    ] {
        h.miniport_status(&StatusIndication::Offload {
            status: code,
            offload: &changed,
        })
        .map_err(he)?;
        let up = h
            .protocol()
            .statuses
            .last()
            .cloned()
            .ok_or("nothing indicated up")?;
        eq("status code", up.status, code)?;
        let o = up.offload.ok_or("no NDIS_OFFLOAD")?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &changed)?;
    }
    h.miniport_status(&StatusIndication::Other {
        status: 0x4001_000B,
        buffer: &[1, 2, 3],
    })
    .map_err(he)?;
    let last = h.protocol().statuses.last().cloned().ok_or("nothing")?;
    eq(
        "other indication passed unchanged",
        (last.status, last.buffer),
        (0x4001_000B, vec![1u8, 2, 3]),
    )
}

fn query_rewritten() -> Outcome {
    let mut h = host(27)?;
    for oid in [
        OID_TCP_OFFLOAD_CURRENT_CONFIG,
        OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
    ] {
        let o = h.query_offload(oid).map_err(he)?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &nic_offload())?;
    }
    Ok(())
}

fn oid_pass_down() -> Outcome {
    let mut h = host(29)?;
    // Synchronous: the clone's results come back in the original.
    let out = h
        .oid_now(
            NdisRequestQueryInformation,
            OID_GEN_MAXIMUM_FRAME_SIZE,
            vec![0u8; 4],
            BASE,
        )
        .map_err(he)?;
    status("query", out.status, NDIS_STATUS_SUCCESS)?;
    eq("BytesWritten", out.bytes_written, 4)?;
    ensure!(
        out.buffer.iter().any(|&b| b != 0),
        "the miniport's answer did not reach the original buffer"
    );
    // Pending below: completed up later, with the results.
    h.miniport_mut().hold_oids = true;
    let (id, st) = h
        .oid(
            NdisRequestQueryInformation,
            OID_GEN_MAXIMUM_FRAME_SIZE,
            vec![0u8; 4],
            BASE,
        )
        .map_err(he)?;
    status("pended", st, NDIS_STATUS_PENDING)?;
    ensure!(h.oid_outcome(id).is_none(), "pending OID already complete");
    h.release_oids().map_err(he)?;
    let done = h.oid_outcome(id).ok_or("never completed up")?;
    status("completed", done.status, NDIS_STATUS_SUCCESS)?;
    eq("BytesWritten", done.bytes_written, 4)?;
    eq("buffer", done.buffer, out.buffer)?;
    // The IPsecOV2 OIDs never go below.
    h.miniport_mut().hold_oids = false;
    let g = gcm()?;
    let below = h.miniport().oids.len();
    let handle = h.add_sa(&bundle(BundleSpec::esp(&g, 0x500))).map_err(he)?;
    h.delete_sa(&[handle]).map_err(he)?;
    eq("IPsecOV2 OIDs passed down", h.miniport().oids.len(), below)?;
    let s = h.snapshot().map_err(he)?;
    ensure!(
        s.oids_answered >= 2 && s.oids_passed_down >= 2,
        "OID counters: answered {}, passed down {}",
        s.oids_answered,
        s.oids_passed_down
    );
    Ok(())
}

pub fn offload_config(v: &mut Vec<Case>) {
    const G: &str = "offload-config";
    let a = |esp_v4, ah_v4, esp_v6, ah_v6| Allowed {
        esp_v4,
        ah_v4,
        esp_v6,
        ah_v6,
    };
    for (name, v2, v4, want) in [
        ("keywords/absent", None, None, a(true, true, true, true)),
        (
            "keywords/both-0",
            Some(0),
            Some(0),
            a(false, false, false, false),
        ),
        (
            "keywords/v2-esp",
            Some(2),
            Some(0),
            a(true, false, true, false),
        ),
        (
            "keywords/v2-ah",
            Some(1),
            Some(0),
            a(false, true, false, true),
        ),
        (
            "keywords/ipv4-only-3",
            Some(0),
            Some(3),
            a(true, true, false, false),
        ),
        (
            "keywords/v2-ah-ipv4-esp",
            Some(1),
            Some(2),
            a(true, true, false, true),
        ),
        (
            "keywords/out-of-range-7",
            Some(7),
            None,
            a(true, true, true, true),
        ),
    ] {
        v.push(case(
            G,
            name,
            "*IPsecOffloadV2 / *IPsecOffloadV2IPv4 set the reported offload and what ADD_SA accepts",
            move || keyword_case(v2, v4, want),
        ));
    }
    v.push(case(
        G,
        "parameters/disable-enable",
        "OID_TCP_OFFLOAD_PARAMETERS IPsecV2 off and on: indicated up, ADD_SA refused then accepted, hidden from the miniport",
        params_disable_enable,
    ));
    v.push(case(
        G,
        "parameters/invalid-value",
        "an IPsecV2 value outside the list fails NDIS_STATUS_INVALID_PARAMETER and is not passed down",
        params_invalid,
    ));
    v.push(case(
        G,
        "indication/rewritten",
        "TASK_OFFLOAD_* indications from below carry IPsecOV2 up, every other member untouched",
        indication_rewritten,
    ));
    v.push(case(
        G,
        "query/rewritten",
        "OID_TCP_OFFLOAD_CURRENT_CONFIG / _HARDWARE_CAPABILITIES answers carry IPsecOV2, other members untouched",
        query_rewritten,
    ));
    v.push(case(
        G,
        "oid/pass-down-and-complete",
        "other OIDs are cloned and passed down (inline and pending) with results copied back; IPsecOV2 OIDs never go below",
        oid_pass_down,
    ));
}
