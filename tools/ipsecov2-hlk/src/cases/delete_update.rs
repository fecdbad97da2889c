//! Group `delete-update`: DELETE_SA and UPDATE_SA against known, unknown, deleted and inbound
//! handles, and what the send path does afterwards.

use super::oid_validity::gcm;
use super::{case, ensure, eq, status};
use crate::tcpip::*;
use crate::Case;
use ipsecov2_abi::*;
use ipsecov2_filter_core::{HostTxPool, SendDrop};
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

fn send_one(core: &Core, rng: &mut SplitMix64, f: &Framed, h: u64) -> Result<Sent, String> {
    let pool = HostTxPool::new(1, 4096);
    let (sent, _o) = send_through(
        core,
        &[send_nbl(rng, &[&f.frame], h, 0, f.header_info)],
        &pool,
    )?;
    sent.into_iter()
        .next()
        .ok_or_else(|| "nothing reported".into())
}

pub fn delete_update(v: &mut Vec<Case>) {
    const G: &str = "delete-update";
    v.push(case(
        G,
        "delete-known-stops-send",
        "send works, DELETE_SA, the same send completes with NDIS_STATUS_FAILURE",
        || {
            let mut rng = SplitMix64::new(40);
            let e = cbc()?;
            let tx = core()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::Out, Esn::Off))?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            ensure!(
                matches!(send_one(&tx, &mut rng, &f, h)?, Sent::Protected(_)),
                "not protected before delete"
            );
            status("DELETE_SA", delete(&tx, &[h])?, NDIS_STATUS_SUCCESS)?;
            eq(
                "after delete",
                send_one(&tx, &mut rng, &f, h)?,
                Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::UnknownHandle),
            )
        },
    ));
    v.push(case(
        G,
        "delete-unknown",
        "DELETE_SA of unknown handles (0x42 and a deleted one): SUCCESS, other SA unaffected",
        || {
            let mut rng = SplitMix64::new(41);
            let e = cbc()?;
            let tx = core()?;
            let keep = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::Out, Esn::Off))?;
            let gone = add(&tx, &gcm(0x4001))?;
            status("DELETE_SA", delete(&tx, &[gone])?, NDIS_STATUS_SUCCESS)?;
            status(
                "DELETE_SA unknown",
                delete(&tx, &[0x42, gone])?,
                NDIS_STATUS_SUCCESS,
            )?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            ensure!(
                matches!(send_one(&tx, &mut rng, &f, keep)?, Sent::Protected(_)),
                "kept SA no longer sends"
            );
            Ok(())
        },
    ));
    v.push(case(
        G,
        "never-added-handle-send",
        "send with a handle never added: FAILURE",
        || {
            let mut rng = SplitMix64::new(42);
            let e = cbc()?;
            let tx = core()?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            eq(
                "send",
                send_one(&tx, &mut rng, &f, 0x1234_5678)?,
                Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::UnknownHandle),
            )
        },
    ));
    v.push(case(
        G,
        "inbound-handle-send",
        "send with an inbound SA's handle: FAILURE",
        || {
            let mut rng = SplitMix64::new(43);
            let e = cbc()?;
            let tx = core()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::In, Esn::Off))?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            eq(
                "send",
                send_one(&tx, &mut rng, &f, h)?,
                Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::InboundSa),
            )
        },
    ));
    v.push(case(
        G,
        "update-esn-high-bits-on-wire",
        "UPDATE_SA on the sender changes the ESN high bits in the ICV (7 to 9: not the neighbouring epoch the receiver also tries); peer needs the same update",
        || {
            let mut rng = SplitMix64::new(44);
            let e = cbc()?;
            let tx = core()?;
            let rx = core()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4100, Dir::Out, Esn::On))?;
            let ih = add(&rx, &esp_v4_sa(&e, 0x4100, Dir::In, Esn::On))?;
            let layer = Layer {
                esp: Some((e.shape, 0x4100)),
                ah: None,
                udp: false,
            };
            let f = frame(&V4, &layer, 1, &rng.bytes(30), 6);
            let w = protect(&tx, &mut rng, &[&f], h, 0)?;
            eq(
                "before update",
                receive_through(&rx, &mut rng, &w, 0)?[0].0.status,
                CRYPTO_SUCCESS,
            )?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 9);
            status(
                "UPDATE_SA outbound",
                set(&tx, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_SUCCESS,
            )?;
            let w2 = protect(&tx, &mut rng, &[&f], h, 0)?;
            let r = receive_through(&rx, &mut rng, &w2, 0)?;
            ensure!(r[0].0.crypto_done, "CryptoDone clear");
            eq(
                "peer with old high bits",
                r[0].0.status,
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
                receive_through(&rx, &mut rng, &w2, 0)?[0].0.status,
                CRYPTO_SUCCESS,
            )?;
            eq(
                "old packet after update",
                receive_through(&rx, &mut rng, &w, 0)?[0].0.status,
                CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
            )
        },
    ));
    v.push(case(
        G,
        "update-unknown-handle",
        "UPDATE_SA of an unknown handle: INVALID_PARAMETER",
        || {
            let m = core()?;
            let mut u = build::update_sa(0x4242, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )
        },
    ));
    v.push(case(
        G,
        "update-deleted-handle",
        "UPDATE_SA of a deleted ESN SA: INVALID_PARAMETER",
        || {
            let m = core()?;
            let mut a = gcm(0x4100);
            a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
            let h = add(&m, &a)?;
            status("DELETE_SA", delete(&m, &[h])?, NDIS_STATUS_SUCCESS)?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )
        },
    ));
    v.push(case(
        G,
        "update-non-esn",
        "UPDATE_SA on a non-ESN SA: INVALID_PARAMETER",
        || {
            let m = core()?;
            let h = add(&m, &gcm(0x4100))?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )
        },
    ));
    v.push(case(
        G,
        "update-wrong-spi-or-operation",
        "UPDATE_SA naming an SPI / operation not in the bundle: INVALID_PARAMETER",
        || {
            let m = core()?;
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
            )
        },
    ));
}
