//! Group `tcpip`: IPsecOV2 as Windows TCP/IP may exercise it where the documents leave room
//! (issue 15, docs/tcpip-reading.md): one or more cases per point, then the `send`, `receive`,
//! `combinations`, `two-hosts` and `churn` groups run again under each alternative behaviour
//! of the emulated TCP/IP (`under/<option>/<group>`).

use super::scenario::*;
use super::{case, ensure, eq, status};
use crate::tcpip::*;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{self as build, Alg, Sec, BASE};
use ipsecov2_ndis_emu::SplitMix64;
use ipsecov2_oid::layout::add_sa as add_sa_layout;

const G: &str = "tcpip";

fn with(b: TcpipBehaviour, f: impl FnOnce() -> Outcome) -> Outcome {
    with_behaviour(b, f)
}

fn separate() -> TcpipBehaviour {
    TcpipBehaviour {
        separate_elements: true,
        ..TcpipBehaviour::default()
    }
}

fn esp_alg(name: &str) -> Result<EspAlg, String> {
    esp_algs()
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| format!("no ESP transform {name}"))
}

fn ah_alg(name: &str) -> Result<AhAlg, String> {
    ah_algs()
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| format!("no AH transform {name}"))
}

mod conventions;
mod esn_epochs;
mod esp_null;
mod inbound_bundles;
mod list_elements;
mod slot12;
mod smaller;
mod udp_esp_types;
mod under;

use conventions::*;
use esn_epochs::*;
use esp_null::*;
use inbound_bundles::*;
use list_elements::*;
use slot12::*;
use smaller::*;
use udp_esp_types::*;
use under::*;

pub fn tcpip_reading(v: &mut Vec<Case>) {
    v.push(case(G, "list/add-and-delete-separate-elements", "ADD_SA and DELETE_SA lists whose second element TCP/IP allocated separately: both offloaded, both deleted", list_separate_add_delete));
    v.push(case(
        G,
        "list/delete-separate-elements",
        "DELETE_SA with a separately allocated element: no table entry leaks",
        list_separate_delete_only,
    ));
    v.push(case(
        G,
        "list/separate-elements-cycle-refused",
        "separate elements linked in a cycle: INVALID_DATA, nothing installed, NULL handles",
        list_separate_cycle,
    ));
    v.push(case(
        G,
        "list/separate-element-key-past-allocation-refused",
        "a separate element's KeyLength beyond its allocation: refused, nothing installed",
        list_separate_key_past_allocation,
    ));
    let mut seed = 15_000;
    for (e, a, v6, tunnel) in [
        ("gcm128/16", "sha256", false, false),
        ("aes256+sha256", "sha1", true, false),
        ("gcm128/16", "gmac128", false, true),
    ] {
        seed += 1;
        v.push(case(
            G,
            format!(
                "bundle/inbound-ah-esp-order/{}+ah-{}/{}/{}",
                slug(e),
                a,
                if tunnel { "tunnel" } else { "transport" },
                if v6 { "ipv6" } else { "ipv4" }
            ),
            "inbound ESP+AH listed [AH, ESP] (seed 004: the order of operations): offloaded, verified and decrypted",
            move || inbound_ah_esp(e, a, v6, tunnel, seed),
        ));
    }
    for (e, ah) in [
        ("gcm128/16", false),
        ("aes128+sha1", false),
        ("aes256+sha256", true),
    ] {
        seed += 1;
        v.push(case(
            G,
            format!("esn/update-sa-both-epochs-in-flight/{}{}", slug(e), if ah { "+ah-sha256" } else { "" }),
            "ESN across 2^32: packets of the new epoch before the receiver's UPDATE_SA and of the old one after it verify",
            move || esn_epochs_in_flight(e, ah, seed),
        ));
    }
    v.push(case(
        G,
        "esn/tampered-fails-after-neighbours-tried",
        "ESN: a tampered packet fails (both neighbouring epochs tried), bytes untouched",
        esn_tampered_still_fails,
    ));
    for (kind, kname) in [
        (Slot12Offsets::Zero, "zero-offsets"),
        (Slot12Offsets::Wrong, "wrong-offsets"),
    ] {
        for (what, e, a, tunnel) in [
            ("esp", Some("gcm128/16"), None, false),
            ("ah", None, Some("sha256"), false),
            ("esp-ah", Some("aes128+sha1"), Some("sha1"), false),
            ("esp-tunnel", Some("aes256+sha256"), None, true),
        ] {
            seed += 1;
            v.push(case(
                G,
                format!("slot12/{kname}/{what}"),
                "slot 12 offsets zero or wrong: headers located by parsing, sealed, verified by the peer",
                move || {
                    let ei = e.and_then(esp_index);
                    let ai = a.and_then(|n| ah_algs().iter().position(|x| x.name == n));
                    ensure!(e.is_none() || ei.is_some(), "no ESP transform");
                    ensure!(a.is_none() || ai.is_some(), "no AH transform");
                    slot12(kind, Scn::new(ei, ai, false, tunnel), seed)
                },
            ));
        }
        seed += 1;
        v.push(case(
            G,
            format!("slot12/{kname}/transport-over-tunnel"),
            "transport over tunnel with slot 12 offsets zero or wrong: both layers sealed and verified",
            move || pair(false, false, TcpipBehaviour { slot12: kind, ..TcpipBehaviour::default() }, seed),
        ));
    }
    v.push(case(
        G,
        "slot12/header-of-another-sa-refused",
        "the ESP header at the offset carries another SA's SPI: refused",
        slot12_other_sa_header,
    ));
    for (name, outer, inner) in [
        ("transport-over-udp-esp-tunnel", true, false),
        ("udp-esp-transport-over-tunnel", false, true),
    ] {
        seed += 1;
        v.push(case(G, format!("udp-esp/{name}/type-on-both-sas"), "the pair's UDP-ESP type on both SAs: each layer framed per the type's definition, both verified", move || pair(outer, inner, both_types(), seed)));
        seed += 1;
        v.push(case(
            G,
            format!("udp-esp/{name}/type-on-its-layer"),
            "the pair's UDP-ESP type only on the encapsulated layer's SA: both verified",
            move || pair(outer, inner, TcpipBehaviour::default(), seed),
        ));
    }
    for (a, v6) in [("sha256", false), ("sha1", true), ("gmac128", false)] {
        seed += 1;
        v.push(case(
            G,
            format!("bundle/esp-null-without-integrity-under-ah/{a}/{}", if v6 { "ipv6" } else { "ipv4" }),
            "ESP with NULL encryption and no integrity inside an AH bundle: offloaded, AH protects it",
            move || esp_null_under_ah(a, v6, seed),
        ));
    }
    v.push(case(
        G,
        "bundle/esp-null-without-integrity-alone-refused",
        "ESP without encryption and integrity on its own: not offloaded",
        esp_null_alone_refused,
    ));
    v.push(case(
        G,
        "alg/gcm-icv-length-in-bits/128",
        "AES-GCM with AdditionalInfo 128 (bits): ICV 16",
        || variant_roundtrip(gcm_with(128, Alg::default(), 16), 15_101),
    ));
    v.push(case(
        G,
        "alg/gcm-icv-length-in-bits/96",
        "AES-GCM with AdditionalInfo 96 (bits): ICV 12",
        || variant_roundtrip(gcm_with(96, Alg::default(), 12), 15_102),
    ));
    v.push(case(
        G,
        "alg/gcm-icv-length-in-bits/64",
        "AES-GCM with AdditionalInfo 64 (bits): ICV 8",
        || variant_roundtrip(gcm_with(64, Alg::default(), 8), 15_103),
    ));
    v.push(case(
        G,
        "alg/gcm-authentication-field-ignored",
        "AES-GCM with an unrelated AuthenticationAlgorithm (\"should not be used\"): offloaded",
        || {
            variant_roundtrip(
                gcm_with(
                    16,
                    Alg {
                        id: IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
                        ..Alg::default()
                    },
                    16,
                ),
                15_104,
            )
        },
    ));
    v.push(case(
        G,
        "alg/gmac-icv-length-in-bits",
        "ESP AES-GMAC with AdditionalInfo 128 (bits): offloaded",
        || variant_roundtrip(gmac_bits(), 15_105),
    ));
    v.push(case(G, "recv/next-crypto-done-when-inner-check-fails", "transport over tunnel, the inner check fails: NextCryptoDone set with the transport failure", inner_failure_next_crypto_done));
    v.push(case(G, "recv/offload-disabled-packets-untouched", "after OFFLOAD_PARAMETERS disables IPsecOV2, received packets go up without IPsec processing", disabled_receive_untouched));
    v.push(case(
        G,
        "oid/refused-request-null-handles",
        "a structurally refused ADD_SA list: NULL in every element's OffloadHandle",
        refused_request_null_handles,
    ));
    for (oname, b) in behaviour_options() {
        for group in ["send", "receive", "combinations", "two-hosts", "churn"] {
            v.push(case(
                G,
                format!("under/{oname}/{group}"),
                format!("every case of group {group} with the emulated TCP/IP option {oname}"),
                move || under(b, group),
            ));
        }
    }
}
