//! Group `offload-config`: the offload keywords, OID_TCP_OFFLOAD_PARAMETERS, status
//! indications and queries rewritten, OID pass-down and completion.

use super::hosts::*;
use super::{ensure, eq, module_case, status};
use crate::target_requests::ModuleRequests;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::host::{nic_offload, offload_bytes, OID_GEN_MAXIMUM_FRAME_SIZE};
use ipsecov2_ndis_emu::tcpip::{ah_algs, bundle, BundleSpec};

/// What a keyword pair must allow: ESP and AH over IPv4, ESP and AH over IPv6.
#[derive(Clone, Copy)]
struct Allowed {
    esp_v4: bool,
    ah_v4: bool,
    esp_v6: bool,
    ah_v6: bool,
}

fn keyword_case<M: ModuleRequests>(v2: Option<u32>, v4: Option<u32>, want: Allowed) -> Outcome {
    let Allowed {
        esp_v4,
        ah_v4,
        esp_v6,
        ah_v6,
    } = want;
    let (mut h, b) = M::pair_with(31, (v2, v4))?;
    let c = h.query_offload(OID_TCP_OFFLOAD_CURRENT_CONFIG)?.IPsecV2;
    eq("Esp reported", c.Esp == TRUE, esp_v4 || esp_v6)?;
    eq("Ah reported", c.Ah == TRUE, ah_v4 || ah_v6)?;
    eq(
        "IPv6Supported reported",
        c.IPv6Supported == TRUE,
        esp_v6 || ah_v6,
    )?;
    let hw = h
        .query_offload(OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES)?
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
    )?;
    M::finish(h, b)
}

fn params_disable_enable<M: ModuleRequests>() -> Outcome {
    let (mut h, b) = M::pair(21)?;
    let g = gcm()?;
    let n = h.indications().len();
    status(
        "disable",
        h.set_offload_parameters(
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
        )?,
        NDIS_STATUS_SUCCESS,
    )?;
    let (oid, buffer) = h
        .oids_below()
        .last()
        .cloned()
        .ok_or("OID_TCP_OFFLOAD_PARAMETERS not passed down")?;
    eq("OID below", oid, OID_TCP_OFFLOAD_PARAMETERS)?;
    let at = std::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2);
    eq(
        "IPsecV2/IPsecV2IPv4 as the miniport saw them",
        buffer.get(at..at + 2),
        Some(
            &[
                NDIS_OFFLOAD_PARAMETERS_NO_CHANGE,
                NDIS_OFFLOAD_PARAMETERS_NO_CHANGE,
            ][..],
        ),
    )?;
    let all = h.indications();
    let st = all.get(n..).unwrap_or_default();
    eq("indications", st.len(), 1)?;
    eq(
        "indication",
        st[0].0,
        NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
    )?;
    let o = st[0].1.ok_or("no NDIS_OFFLOAD")?;
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
        h.set_offload_parameters(NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED, 0)?,
        NDIS_STATUS_SUCCESS,
    )?;
    let last = h.indications().last().and_then(|s| s.1);
    eq(
        "IPsecV2 after enable",
        last.map(|o| o.IPsecV2),
        Some(full_caps(64)),
    )?;
    h.add_sa(&bundle(BundleSpec::esp(&g, 0x401).v6()))?;
    M::finish(h, b)
}

fn params_invalid<M: ModuleRequests>() -> Outcome {
    let (mut h, b) = M::pair(23)?;
    let below = h.oids_below().len();
    status(
        "IPsecV2 = 9",
        h.set_offload_parameters(9, 0)?,
        NDIS_STATUS_INVALID_PARAMETER,
    )?;
    eq("OIDs passed down", h.oids_below().len(), below)?;
    eq(
        "capabilities unchanged",
        h.query_offload(OID_TCP_OFFLOAD_CURRENT_CONFIG)?.IPsecV2,
        full_caps(64),
    )?;
    M::finish(h, b)
}

fn indication_rewritten<M: ModuleRequests>() -> Outcome {
    let (mut h, b) = M::pair(25)?;
    let mut changed = nic_offload();
    changed.Checksum.IPv4Transmit.set_udp_checksum(0);
    changed.LsoV2.IPv4.MaxOffLoadSize = 32_768;
    for code in [
        NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
        NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
    ] {
        h.status_from_below(code, &offload_bytes(&changed))?;
        let up = h.indications().pop().ok_or("nothing indicated up")?;
        eq("status code", up.0, code)?;
        let o = up.1.ok_or("no NDIS_OFFLOAD")?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &changed)?;
    }
    h.status_from_below(0x4001_000B, &[1, 2, 3])?;
    let last = h.indications().pop().ok_or("nothing")?;
    eq(
        "other indication passed unchanged",
        (last.0, last.2),
        (0x4001_000B, vec![1u8, 2, 3]),
    )?;
    M::finish(h, b)
}

fn query_rewritten<M: ModuleRequests>() -> Outcome {
    let (mut h, b) = M::pair(27)?;
    for oid in [
        OID_TCP_OFFLOAD_CURRENT_CONFIG,
        OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
    ] {
        let o = h.query_offload(oid)?;
        eq("IPsecV2", o.IPsecV2, full_caps(64))?;
        same_but_ipsec(&o, &nic_offload())?;
    }
    M::finish(h, b)
}

fn oid_pass_down<M: ModuleRequests>() -> Outcome {
    let (mut h, b) = M::pair(29)?;
    // Answered at once below: the clone's results come back in the original.
    let out = h.oid_now(
        NdisRequestQueryInformation,
        OID_GEN_MAXIMUM_FRAME_SIZE,
        vec![0u8; 4],
    )?;
    status("query", out.status, NDIS_STATUS_SUCCESS)?;
    eq("BytesWritten", out.bytes_written, 4)?;
    ensure!(
        out.buffer.iter().any(|&b| b != 0),
        "the miniport's answer did not reach the original buffer"
    );
    // Held below: completed up later, with the results.
    h.hold_oids(true);
    let id = h.oid(
        NdisRequestQueryInformation,
        OID_GEN_MAXIMUM_FRAME_SIZE,
        vec![0u8; 4],
    )?;
    ensure!(h.oid_outcome(id).is_none(), "pending OID already complete");
    h.release_oids()?;
    let done = h.oid_outcome(id).ok_or("never completed up")?;
    status("completed", done.status, NDIS_STATUS_SUCCESS)?;
    eq("BytesWritten", done.bytes_written, 4)?;
    eq("buffer", done.buffer, out.buffer)?;
    // The IPsecOV2 OIDs never go below.
    h.hold_oids(false);
    let g = gcm()?;
    let below = h.oids_below().len();
    let handle = h.add_sa(&bundle(BundleSpec::esp(&g, 0x500)))?;
    status("DELETE_SA", h.delete_sa(&[handle])?, NDIS_STATUS_SUCCESS)?;
    eq("IPsecOV2 OIDs passed down", h.oids_below().len(), below)?;
    let s = h.stats()?;
    ensure!(
        s.oids_answered >= 2 && s.oids_passed_down >= 2,
        "OID counters: answered {}, passed down {}",
        s.oids_answered,
        s.oids_passed_down
    );
    M::finish(h, b)
}

/// Runs `f::<M>(args)` on the current target's [`ModuleRequests`].
macro_rules! on_module {
    ($f:ident($($a:expr),*)) => {
        match crate::target::current() {
            crate::target::Target::Emulated => $f::<ipsecov2_ndis_emu::host::Host>($($a),*),
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            crate::target::Target::Sys(_) => $f::<crate::target_sys::SysModule>($($a),*),
            #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
            crate::target::Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
            // Not run there (`target::why_not_device`).
            crate::target::Target::Device(_) => Err(format!(
                "sys only: {}",
                crate::target::why_not_device("offload-config", "").unwrap_or_default()
            )),
        }
    };
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
        v.push(module_case(
            G,
            name,
            "*IPsecOffloadV2 / *IPsecOffloadV2IPv4 set the reported offload and what ADD_SA accepts",
            move || on_module!(keyword_case(v2, v4, want)),
        ));
    }
    v.push(module_case(
        G,
        "parameters/disable-enable",
        "OID_TCP_OFFLOAD_PARAMETERS IPsecV2 off and on: indicated up, ADD_SA refused then accepted, hidden from the miniport",
        || on_module!(params_disable_enable()),
    ));
    v.push(module_case(
        G,
        "parameters/invalid-value",
        "an IPsecV2 value outside the list fails NDIS_STATUS_INVALID_PARAMETER and is not passed down",
        || on_module!(params_invalid()),
    ));
    v.push(module_case(
        G,
        "indication/rewritten",
        "TASK_OFFLOAD_* indications from below carry IPsecOV2 up, every other member untouched",
        || on_module!(indication_rewritten()),
    ));
    v.push(module_case(
        G,
        "query/rewritten",
        "OID_TCP_OFFLOAD_CURRENT_CONFIG / _HARDWARE_CAPABILITIES answers carry IPsecOV2, other members untouched",
        || on_module!(query_rewritten()),
    ));
    v.push(module_case(
        G,
        "oid/pass-down-and-complete",
        "other OIDs are cloned and passed down (inline and pending) with results copied back; IPsecOV2 OIDs never go below",
        || on_module!(oid_pass_down()),
    ));
}
