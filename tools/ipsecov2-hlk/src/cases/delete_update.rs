//! Group `delete-update`: DELETE_SA and UPDATE_SA against known, unknown, deleted and inbound
//! handles, and what the send path does afterwards.

use super::oid_validity::gcm;
use super::{ensure, eq, module_case, status};
use crate::module_oids::{add, delete, module, module_pair, protect, send_frames, set, Module};
use crate::tcpip::{bundle, esp_algs, frame, BundleSpec, EspAlg, Framed, Ip, Layer};
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::SendDrop;
use ipsecov2_ndis_emu::oid_buffers::{self as build, AddSa};
use ipsecov2_ndis_emu::SplitMix64;

const V4: Ip = Ip {
    v6: false,
    extras: false,
};

fn cbc() -> Result<EspAlg, String> {
    esp_algs()
        .into_iter()
        .find(|a| a.name == "aes128+sha1")
        .ok_or_else(|| "no aes128+sha1".to_string())
}

/// Direction of an SA in the delete/update cases.
#[derive(Clone, Copy)]
enum Dir {
    In,
    Out,
}

/// Whether an SA uses extended sequence numbers.
#[derive(Clone, Copy)]
enum Esn {
    On,
    Off,
}

/// An IPv4 ESP-only ADD_SA element for transform `e` under `spi`.
fn esp_v4_sa(e: &EspAlg, spi: u32, dir: Dir, esn: Esn) -> AddSa {
    bundle(BundleSpec {
        esp: Some((e, spi)),
        inbound: matches!(dir, Dir::In),
        esn: matches!(esn, Esn::On),
        ..BundleSpec::default()
    })
}

/// An IPv4 transport frame protected by ESP transform `e` under `spi`, sequence 1, 40 random
/// bytes of TCP payload.
fn esp_v4_frame(e: &EspAlg, spi: u32, rng: &mut SplitMix64) -> Framed {
    let layer = Layer {
        esp: Some((e.shape, spi)),
        ah: None,
        udp: false,
    };
    frame(&V4, &layer, 1, &rng.bytes(40), 6)
}

/// TCP/IP sends `f` with handle `h`: the module completes it with NDIS_STATUS_FAILURE, puts
/// nothing on the wire and counts one send dropped for `reason`.
fn refused_send(m: &Module, rng: &mut SplitMix64, f: &Framed, h: u64, reason: SendDrop) -> Outcome {
    let before = m.view()?;
    let (status, wire) = send_frames(m, rng, &[f], h)?;
    eq("send completion", status, Some(NDIS_STATUS_FAILURE))?;
    eq("frames on the wire", wire.len(), 0)?;
    let after = m.view()?;
    eq(
        &format!("sends dropped as {reason:?}"),
        after.drops(reason),
        before.drops(reason) + 1,
    )?;
    eq(
        "sends dropped in all",
        after.send_drops.iter().sum::<u64>(),
        before.send_drops.iter().sum::<u64>() + 1,
    )
}

/// The CryptoStatus of the first NBL TCP/IP got.
fn first_status(got: Vec<(crate::tcpip::RecvView, Vec<u8>)>) -> Result<u16, String> {
    got.first()
        .map(|p| p.0.status)
        .ok_or_else(|| "nothing indicated up".to_string())
}

pub fn delete_update(v: &mut Vec<Case>) {
    const G: &str = "delete-update";
    v.push(module_case(
        G,
        "delete-known-stops-send",
        "send works, DELETE_SA, the same send completes with NDIS_STATUS_FAILURE",
        || {
            let mut rng = SplitMix64::new(40);
            let e = cbc()?;
            let tx = module()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::Out, Esn::Off))?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            protect(&tx, &mut rng, &[&f], h).map_err(|x| format!("before delete: {x}"))?;
            status("DELETE_SA", delete(&tx, &[h])?, NDIS_STATUS_SUCCESS)?;
            refused_send(&tx, &mut rng, &f, h, SendDrop::UnknownHandle)
                .map_err(|x| format!("after delete: {x}"))?;
            tx.finish()
        },
    ));
    v.push(module_case(
        G,
        "delete-unknown",
        "DELETE_SA of unknown handles (0x42 and a deleted one): SUCCESS, other SA unaffected",
        || {
            let mut rng = SplitMix64::new(41);
            let e = cbc()?;
            let tx = module()?;
            let keep = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::Out, Esn::Off))?;
            let gone = add(&tx, &gcm(0x4001))?;
            status("DELETE_SA", delete(&tx, &[gone])?, NDIS_STATUS_SUCCESS)?;
            status(
                "DELETE_SA unknown",
                delete(&tx, &[0x42, gone])?,
                NDIS_STATUS_SUCCESS,
            )?;
            eq("SA bundles in the table", tx.view()?.sa_count, 1)?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            protect(&tx, &mut rng, &[&f], keep).map_err(|x| format!("kept SA: {x}"))?;
            tx.finish()
        },
    ));
    v.push(module_case(
        G,
        "never-added-handle-send",
        "send with a handle never added: FAILURE",
        || {
            let mut rng = SplitMix64::new(42);
            let e = cbc()?;
            let tx = module()?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            refused_send(&tx, &mut rng, &f, 0x1234_5678, SendDrop::UnknownHandle)?;
            tx.finish()
        },
    ));
    v.push(module_case(
        G,
        "inbound-handle-send",
        "send with an inbound SA's handle: FAILURE",
        || {
            let mut rng = SplitMix64::new(43);
            let e = cbc()?;
            let tx = module()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::In, Esn::Off))?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            refused_send(&tx, &mut rng, &f, h, SendDrop::InboundSa)?;
            tx.finish()
        },
    ));
    v.push(module_case(
        G,
        "update-esn-high-bits-on-wire",
        "UPDATE_SA on the sender changes the ESN high bits in the ICV (7 to 9: not the neighbouring epoch the receiver also tries); peer needs the same update",
        || {
            let mut rng = SplitMix64::new(44);
            let e = cbc()?;
            let (tx, rx) = module_pair()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4100, Dir::Out, Esn::On))?;
            let ih = add(&rx, &esp_v4_sa(&e, 0x4100, Dir::In, Esn::On))?;
            let layer = Layer {
                esp: Some((e.shape, 0x4100)),
                ah: None,
                udp: false,
            };
            let f = frame(&V4, &layer, 1, &rng.bytes(30), 6);
            let w = protect(&tx, &mut rng, &[&f], h)?;
            eq(
                "before update",
                first_status(rx.receive(&mut rng, &w)?)?,
                CRYPTO_SUCCESS,
            )?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 9);
            status(
                "UPDATE_SA outbound",
                set(&tx, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_SUCCESS,
            )?;
            let w2 = protect(&tx, &mut rng, &[&f], h)?;
            let r = rx.receive(&mut rng, &w2)?;
            ensure!(r.first().is_some_and(|p| p.0.crypto_done), "CryptoDone clear");
            eq(
                "peer with old high bits",
                first_status(r)?,
                CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
            )?;
            let mut u = build::update_sa(ih, IPsecOffloadV2Esp, 0x4100, 9);
            status(
                "UPDATE_SA inbound",
                set(&rx, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_SUCCESS,
            )?;
            eq(
                "peer updated",
                first_status(rx.receive(&mut rng, &w2)?)?,
                CRYPTO_SUCCESS,
            )?;
            eq(
                "old packet after update",
                first_status(rx.receive(&mut rng, &w)?)?,
                CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
            )?;
            tx.finish()?;
            rx.finish()
        },
    ));
    v.push(module_case(
        G,
        "update-unknown-handle",
        "UPDATE_SA of an unknown handle: INVALID_PARAMETER",
        || {
            let m = module()?;
            let mut u = build::update_sa(0x4242, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "update-deleted-handle",
        "UPDATE_SA of a deleted ESN SA: INVALID_PARAMETER",
        || {
            let m = module()?;
            let mut a = gcm(0x4100);
            a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
            let h = add(&m, &a)?;
            status("DELETE_SA", delete(&m, &[h])?, NDIS_STATUS_SUCCESS)?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "update-non-esn",
        "UPDATE_SA on a non-ESN SA: INVALID_PARAMETER",
        || {
            let m = module()?;
            let h = add(&m, &gcm(0x4100))?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "update-wrong-spi-or-operation",
        "UPDATE_SA naming an SPI / operation not in the bundle: INVALID_PARAMETER",
        || {
            let m = module()?;
            let mut a = gcm(0x4100);
            a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
            let h = add(&m, &a)?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4101, 8);
            status(
                "UPDATE_SA wrong SPI",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )?;
            let mut u = build::update_sa(h, IPsecOffloadV2Ah, 0x4100, 8);
            status(
                "UPDATE_SA AH on ESP",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )?;
            m.finish()
        },
    ));
}
