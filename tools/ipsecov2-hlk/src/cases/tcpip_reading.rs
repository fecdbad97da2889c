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

// ------------------------------------------------------------------------------------------
// Point 1: list elements outside the InformationBuffer.
// ------------------------------------------------------------------------------------------

/// Two bundles in one ADD_SA whose second element is a separate allocation; then one DELETE_SA
/// of both, also with a separate second element.
fn list_separate_add_delete() -> Outcome {
    with(separate(), || {
        let g = esp_alg("gcm128/16")?;
        let s = esp_alg("aes256+sha256")?;
        let c = core()?;
        let (done, handles) = add_list(
            &c,
            &[
                bundle(BundleSpec::esp(&g, 0x1500)),
                bundle(BundleSpec::esp(&s, 0x1501).v6()),
            ],
        )?;
        status("ADD_SA", done.status, NDIS_STATUS_SUCCESS)?;
        ensure!(
            handles.iter().all(|&h| h != 0),
            "a NULL OffloadHandle for an element TCP/IP allocated separately: {handles:x?}"
        );
        eq("SAs installed", c.sas().table().len(), 2)?;
        status("DELETE_SA", delete(&c, &handles)?, NDIS_STATUS_SUCCESS)?;
        eq("SAs left after DELETE_SA", c.sas().table().len(), 0)
    })
}

/// Installed from an in-buffer list, deleted by a list with a separately allocated element.
fn list_separate_delete_only() -> Outcome {
    let g = esp_alg("gcm128/16")?;
    let c = core()?;
    let (done, handles) = add_list(
        &c,
        &[
            bundle(BundleSpec::esp(&g, 0x1510)),
            bundle(BundleSpec::esp(&g, 0x1511).inbound()),
        ],
    )?;
    status("ADD_SA", done.status, NDIS_STATUS_SUCCESS)?;
    with(separate(), || {
        status("DELETE_SA", delete(&c, &handles)?, NDIS_STATUS_SUCCESS)?;
        eq("SAs left (leaked table entries)", c.sas().table().len(), 0)
    })
}

/// A list whose separate elements link back to an earlier one: refused whole, nothing
/// installed, every OffloadHandle NULL.
fn list_separate_cycle() -> Outcome {
    with(separate(), || {
        let g = esp_alg("gcm128/16")?;
        let c = core()?;
        let sas: Vec<_> = (0..3)
            .map(|i| bundle(BundleSpec::esp(&g, 0x1520 + i)))
            .collect();
        let (bytes, offsets) = build::add_sa_list(&sas);
        let mut list = LinkedList::new(bytes, &offsets, add_sa_layout::NEXT);
        // The last element's Next back to the second one.
        let second = *list.elements.get(1).ok_or("no second element")?;
        let last = *list.elements.last().ok_or("no element")?;
        ensure!(
            list.memory
                .write(last + add_sa_layout::NEXT as u64, &second.to_le_bytes()),
            "emulation: the last element is not a separate allocation"
        );
        let oid = OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA;
        let done = list
            .with_view(oid, |b| c.oid(oid, NdisRequestSetInformation, b))
            .ok_or("ADD_SA not answered")?;
        status(
            "ADD_SA of a cyclic list",
            done.status,
            NDIS_STATUS_INVALID_DATA,
        )?;
        eq("SAs installed", c.sas().table().len(), 0)?;
        for i in 0..3 {
            eq(
                &format!("element {i}: OffloadHandle"),
                list.u64_of(i, add_sa_layout::OFFLOAD_HANDLE),
                0,
            )?;
        }
        Ok(())
    })
}

/// A separate element whose KeyLength reaches past its allocation: refused whole.
fn list_separate_key_past_allocation() -> Outcome {
    with(separate(), || {
        let g = esp_alg("gcm128/16")?;
        let c = core()?;
        let sas = [
            bundle(BundleSpec::esp(&g, 0x1530)),
            bundle(BundleSpec::esp(&g, 0x1531)),
        ];
        let (bytes, offsets) = build::add_sa_list(&sas);
        let mut list = LinkedList::new(bytes, &offsets, add_sa_layout::NEXT);
        let second = *list.elements.get(1).ok_or("no second element")?;
        ensure!(
            list.memory.write(
                second + add_sa_layout::KEY_LENGTH as u64,
                &0x4000u32.to_le_bytes()
            ),
            "emulation: the second element is not a separate allocation"
        );
        let oid = OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA;
        let done = list
            .with_view(oid, |b| c.oid(oid, NdisRequestSetInformation, b))
            .ok_or("ADD_SA not answered")?;
        ensure!(
            done.status != NDIS_STATUS_SUCCESS,
            "an element read past its allocation was accepted"
        );
        eq("SAs installed", c.sas().table().len(), 0)
    })
}

// ------------------------------------------------------------------------------------------
// Point 2: inbound bundles in processing order.
// ------------------------------------------------------------------------------------------

fn inbound_ah_esp(esp: &str, ah: &str, v6: bool, tunnel: bool, seed: u64) -> Outcome {
    let ei = esp_index(esp).ok_or("no ESP transform")?;
    let ai = ah_algs()
        .iter()
        .position(|a| a.name == ah)
        .ok_or("no AH transform")?;
    with(
        TcpipBehaviour {
            inbound_ah_first: true,
            ..TcpipBehaviour::default()
        },
        || roundtrip(Scn::new(Some(ei), Some(ai), v6, tunnel), seed),
    )
}

// ------------------------------------------------------------------------------------------
// Point 3: ESN across UPDATE_SA with both epochs in flight.
// ------------------------------------------------------------------------------------------

fn update(core: &Core, handle: u64, op: i32, spi: u32, high: u32) -> Outcome {
    let mut u = build::update_sa(handle, op, spi, high);
    status(
        "UPDATE_SA",
        set(core, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
        NDIS_STATUS_SUCCESS,
    )
}

/// Packets sealed just before and just after the sender's UPDATE_SA reach the receiver in the
/// wrong order relative to its own UPDATE_SA: both must verify.
fn esn_epochs_in_flight(esp: &str, with_ah: bool, seed: u64) -> Outcome {
    with(
        TcpipBehaviour {
            update_in_flight: true,
            ..TcpipBehaviour::default()
        },
        || {
            let mut rng = SplitMix64::new(seed);
            let e = esp_alg(esp)?;
            let a = ah_alg("sha256")?;
            let spi = 0x1600 + (seed as u32 & 0xff) * 2;
            let spec = |inbound: bool| {
                let mut b = BundleSpec::esp(&e, spi).esn();
                if with_ah {
                    b = b.with_ah(&a, spi + 1);
                }
                if inbound {
                    b = b.inbound();
                }
                bundle(b)
            };
            let tx = core()?;
            let rx = core()?;
            let th = add(&tx, &spec(false))?;
            let rh = add(&rx, &spec(true))?;
            let layer = Layer {
                esp: Some((e.shape, spi)),
                ah: with_ah.then_some((a.shape, spi + 1)),
                udp: false,
            };
            let ip = Ip {
                v6: false,
                extras: false,
            };
            // Epoch 7 (the ADD_SA's high bits): the last sequence numbers before the boundary.
            let old: Vec<Framed> = (0..2)
                .map(|i| frame(&ip, &layer, 0xffff_fffe + i, &rng.bytes(40), 6))
                .collect();
            let refs: Vec<&Framed> = old.iter().collect();
            let old_wire = protect(&tx, &mut rng, &refs, th, 0)?;
            // TCP/IP crosses the boundary on the sender: epoch 8.
            update(&tx, th, IPsecOffloadV2Esp, spi, 8)?;
            if with_ah {
                update(&tx, th, IPsecOffloadV2Ah, spi + 1, 8)?;
            }
            let new: Vec<Framed> = (0..2)
                .map(|i| frame(&ip, &layer, 1 + i, &rng.bytes(40), 6))
                .collect();
            let refs: Vec<&Framed> = new.iter().collect();
            let new_wire = protect(&tx, &mut rng, &refs, th, 0)?;
            // New-epoch packets arrive before the receiver's UPDATE_SA …
            let got = receive_through(&rx, &mut rng, &new_wire, 0)?;
            check_received(&got, &new, false)
                .map_err(|e| format!("epoch 8 before UPDATE_SA: {e}"))?;
            update(&rx, rh, IPsecOffloadV2Esp, spi, 8)?;
            if with_ah {
                update(&rx, rh, IPsecOffloadV2Ah, spi + 1, 8)?;
            }
            // … and old-epoch packets after it.
            let got = receive_through(&rx, &mut rng, &old_wire, 0)?;
            check_received(&got, &old, false).map_err(|e| format!("epoch 7 after UPDATE_SA: {e}"))
        },
    )
}

/// A tampered packet still fails after both neighbouring epochs were tried.
fn esn_tampered_still_fails() -> Outcome {
    let mut rng = SplitMix64::new(1650);
    let e = esp_alg("gcm128/16")?;
    let tx = core()?;
    let rx = core()?;
    let th = add(&tx, &bundle(BundleSpec::esp(&e, 0x1650).esn()))?;
    add(&rx, &bundle(BundleSpec::esp(&e, 0x1650).esn().inbound()))?;
    let layer = Layer {
        esp: Some((e.shape, 0x1650)),
        ah: None,
        udp: false,
    };
    let f = frame(&ip(false), &layer, 0xffff_ff00, &rng.bytes(40), 6);
    let mut w = protect(&tx, &mut rng, &[&f], th, 0)?;
    let last = w[0].len() - 1;
    w[0][last] ^= 1;
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    ensure!(got[0].0.crypto_done, "CryptoDone clear");
    eq(
        "CryptoStatus",
        got[0].0.status,
        CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
    )?;
    ensure!(
        got[0].1 == w[0],
        "bytes of a packet that failed authentication were changed"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Point 4: slot 12's offsets.
// ------------------------------------------------------------------------------------------

fn slot12(kind: Slot12Offsets, s: Scn, seed: u64) -> Outcome {
    with(
        TcpipBehaviour {
            slot12: kind,
            ..TcpipBehaviour::default()
        },
        || roundtrip(s, seed),
    )
}

/// The frame's ESP header carries another SA's SPI: refused, whatever slot 12 says.
fn slot12_other_sa_header() -> Outcome {
    let mut rng = SplitMix64::new(1700);
    let g = esp_alg("gcm128/16")?;
    let c = core()?;
    let h = add(&c, &bundle(BundleSpec::esp(&g, 0x1700)))?;
    add(&c, &bundle(BundleSpec::esp(&g, 0x1701)))?;
    let layer = Layer {
        esp: Some((g.shape, 0x1701)),
        ah: None,
        udp: false,
    };
    let f = frame(&ip(false), &layer, 3, &rng.bytes(30), 6);
    ensure!(
        protect(&c, &mut rng, &[&f], h, 0).is_err(),
        "a packet whose ESP header names another SA was sealed with this SA"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Point 5: UDP-ESP types of transport-over-tunnel pairs; also transport over tunnel with the
// slot-12 options (point 4).
// ------------------------------------------------------------------------------------------

fn pair(outer_udp: bool, inner_udp: bool, b: TcpipBehaviour, seed: u64) -> Outcome {
    with(b, || {
        let mut rng = SplitMix64::new(seed);
        let te = esp_alg("gcm128/16")?;
        let pe = esp_alg("aes256+sha256")?;
        let (t_udp, p_udp) = pair_udp_types(outer_udp, inner_udp);
        let (t_spi, p_spi) = (0x1800 + seed as u32 % 64 * 2, 0x1900 + seed as u32 % 64 * 2);
        let tx = core()?;
        let rx = core()?;
        let t = |inbound: bool| {
            let mut s = BundleSpec::esp(&te, t_spi).udp(t_udp);
            if inbound {
                s = s.inbound();
            }
            bundle(s)
        };
        let p = |inbound: bool| {
            let mut s = BundleSpec::esp(&pe, p_spi).udp(p_udp);
            if inbound {
                s = s.inbound();
            }
            bundle(s)
        };
        let th = add(&tx, &t(false))?;
        let ph = add(&tx, &p(false))?;
        add(&rx, &t(true))?;
        add(&rx, &p(true))?;
        let f = frame_tunnel(
            &ip(false),
            &Layer {
                esp: Some((te.shape, t_spi)),
                ah: None,
                udp: outer_udp,
            },
            &ip(false),
            &Layer {
                esp: Some((pe.shape, p_spi)),
                ah: None,
                udp: inner_udp,
            },
            9,
            &rng.bytes(61),
        );
        let w = protect(&tx, &mut rng, &[&f], ph, th)?;
        check_wire(&w, std::slice::from_ref(&f))?;
        let got = receive_through(&rx, &mut rng, &w, 0)?;
        check_received(&got, std::slice::from_ref(&f), true)
    })
}

fn both_types() -> TcpipBehaviour {
    TcpipBehaviour {
        udp_esp_both: true,
        ..TcpipBehaviour::default()
    }
}

// ------------------------------------------------------------------------------------------
// Point 6: ESP without integrity inside an AH bundle.
// ------------------------------------------------------------------------------------------

/// ESP with NULL encryption and no authentication algorithm.
fn esp_null_no_integrity() -> EspAlg {
    EspAlg {
        name: "null-no-integrity",
        sec: |spi| {
            (
                Sec {
                    operation: IPsecOffloadV2Esp,
                    spi,
                    enc: Alg {
                        id: IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
                        ..Alg::default()
                    },
                    ..Sec::default()
                },
                Vec::new(),
            )
        },
        shape: EspShape {
            iv: 0,
            block: 4,
            icv: 0,
            encrypts: false,
        },
    }
}

fn esp_null_under_ah(ah: &str, v6: bool, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let e = esp_null_no_integrity();
    let a = ah_alg(ah)?;
    let spi = 0x1a00 + seed as u32 % 64 * 2;
    let tx = core()?;
    let rx = core()?;
    let mut spec = BundleSpec::esp(&e, spi).with_ah(&a, spi + 1);
    if v6 {
        spec = spec.v6();
    }
    let h = add(&tx, &bundle(spec)).map_err(|x| format!("outbound ESP-NULL+AH: {x}"))?;
    add(&rx, &bundle(spec.inbound())).map_err(|x| format!("inbound ESP-NULL+AH: {x}"))?;
    let layer = Layer {
        esp: Some((e.shape, spi)),
        ah: Some((a.shape, spi + 1)),
        udp: false,
    };
    let frames: Vec<Framed> = [0usize, 33, 200]
        .iter()
        .enumerate()
        .map(|(i, &len)| frame(&ip(v6), &layer, 2 + i as u32, &rng.bytes(len), 6))
        .collect();
    // One NBL per frame: slot 12's trailer values belong to the NBL.
    let mut w = Vec::new();
    for f in &frames {
        w.extend(protect(&tx, &mut rng, &[f], h, 0)?);
    }
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    check_received(&got, &frames, false)?;
    // The ICV of AH covers the ESP packet: a flipped payload byte fails AH.
    let mut bad = w[0].clone();
    let l = bad.len() - 3;
    bad[l] ^= 4;
    let got = receive_through(&rx, &mut rng, &[bad], 0)?;
    eq(
        "tampered: CryptoStatus",
        got[0].0.status,
        CRYPTO_TRANSPORT_AH_AUTH_FAILED,
    )
}

fn esp_null_alone_refused() -> Outcome {
    let e = esp_null_no_integrity();
    let c = core()?;
    let (done, h) = add_list(&c, &[bundle(BundleSpec::esp(&e, 0x1a80))])?;
    ensure!(
        done.status != NDIS_STATUS_SUCCESS && h == [0],
        "ESP without encryption and integrity offloaded on its own"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Point 7: conventions the documents leave open.
// ------------------------------------------------------------------------------------------

/// An AES-GCM / GMAC transform whose `AdditionalInfo` (and authentication field) differ from
/// the catalogue's, with the same framing.
fn variant_roundtrip(alg: EspAlg, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let spi = 0x1b00 + seed as u32 % 64;
    let tx = core()?;
    let rx = core()?;
    let h = add(&tx, &bundle(BundleSpec::esp(&alg, spi)))?;
    add(&rx, &bundle(BundleSpec::esp(&alg, spi).inbound()))?;
    let layer = Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let f = frame(&ip(false), &layer, 4, &rng.bytes(50), 6);
    let w = protect(&tx, &mut rng, &[&f], h, 0)?;
    check_wire(&w, std::slice::from_ref(&f))?;
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    check_received(&got, std::slice::from_ref(&f), false)
}

fn gcm_with(additional: u32, auth: Alg, icv: usize) -> EspAlg {
    // fn pointers cannot capture: one per variant.
    let sec: fn(u32) -> (Sec, Vec<u8>) = match (additional, auth.id) {
        (128, 0) => |spi| gcm_sec(spi, 128, Alg::default()),
        (96, 0) => |spi| gcm_sec(spi, 96, Alg::default()),
        (64, 0) => |spi| gcm_sec(spi, 64, Alg::default()),
        _ => |spi| {
            gcm_sec(
                spi,
                16,
                Alg {
                    id: IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
                    key_len: 0,
                    key_off: 0,
                    additional: 0,
                },
            )
        },
    };
    EspAlg {
        name: "gcm128-variant",
        sec,
        shape: EspShape {
            iv: 8,
            block: 4,
            icv,
            encrypts: true,
        },
    }
}

fn gcm_sec(spi: u32, additional: u32, auth: Alg) -> (Sec, Vec<u8>) {
    (
        Sec {
            operation: IPsecOffloadV2Esp,
            spi,
            enc: Alg {
                id: IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128,
                key_len: 20,
                key_off: 0,
                additional,
            },
            auth,
            ..Sec::default()
        },
        build::key(20, spi as u8),
    )
}

fn gmac_bits() -> EspAlg {
    EspAlg {
        name: "gmac128-bits",
        sec: |spi| {
            (
                Sec {
                    operation: IPsecOffloadV2Esp,
                    spi,
                    enc: Alg {
                        id: IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
                        ..Alg::default()
                    },
                    auth: Alg {
                        id: IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128,
                        key_len: 20,
                        key_off: 0,
                        additional: 128,
                    },
                    ..Sec::default()
                },
                build::key(20, spi as u8),
            )
        },
        shape: EspShape {
            iv: 8,
            block: 4,
            icv: 16,
            encrypts: false,
        },
    }
}

// ------------------------------------------------------------------------------------------
// Point 8: smaller ones.
// ------------------------------------------------------------------------------------------

/// Transport over tunnel whose inner SA fails: CryptoDone and NextCryptoDone both set, the
/// transport failure reported.
fn inner_failure_next_crypto_done() -> Outcome {
    let mut rng = SplitMix64::new(1800);
    let te = esp_alg("gcm128/16")?;
    let pe = esp_alg("aes256+sha256")?;
    let tx = core()?;
    let rx = core()?;
    let th = add(&tx, &bundle(BundleSpec::esp(&te, 0x1c00)))?;
    let ph = add(&tx, &bundle(BundleSpec::esp(&pe, 0x1c01)))?;
    add(&rx, &bundle(BundleSpec::esp(&te, 0x1c00).inbound()))?;
    // The receiver's transport SA has other keys: its check fails.
    let mut inner = bundle(BundleSpec::esp(&pe, 0x1c01).inbound());
    if let Some(k) = inner.keys.last_mut() {
        *k ^= 0x80;
    }
    add(&rx, &inner)?;
    let f = frame_tunnel(
        &ip(false),
        &Layer {
            esp: Some((te.shape, 0x1c00)),
            ah: None,
            udp: false,
        },
        &ip(false),
        &Layer {
            esp: Some((pe.shape, 0x1c01)),
            ah: None,
            udp: false,
        },
        5,
        &rng.bytes(40),
    );
    let w = protect(&tx, &mut rng, &[&f], ph, th)?;
    let got = receive_through(&rx, &mut rng, &w, 0)?;
    let v = got[0].0;
    ensure!(v.crypto_done, "CryptoDone clear");
    ensure!(
        v.next_crypto_done,
        "NextCryptoDone clear although the transport layer was checked (and failed)"
    );
    eq("CryptoStatus", v.status, CRYPTO_TRANSPORT_ESP_AUTH_FAILED)
}

/// After OID_TCP_OFFLOAD_PARAMETERS disables IPsecOV2, a packet of an SA still installed goes
/// up without IPsec processing.
fn disabled_receive_untouched() -> Outcome {
    use super::hosts::{gcm, he, host, Xform};
    use ipsecov2_ndis_emu::host::Wire;
    let g = gcm()?;
    let x = Xform {
        esp: Some(g),
        ah: None,
        v6: false,
        esn: false,
        udp: 0,
    };
    let mut a = host(1900)?;
    let mut b = host(1901)?;
    let out = a.add_sa(&x.add_sa(0x1d00, false)).map_err(he)?;
    b.add_sa(&x.add_sa(0x1d00, true)).map_err(he)?;
    status(
        "disable on the receiver",
        b.set_offload_parameters(
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
            NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
        )
        .map_err(he)?,
        NDIS_STATUS_SUCCESS,
    )?;
    let f = frame(&ip(false), &x.layer(0x1d00), 3, &a.rng().bytes(44), 6);
    let spec = send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info);
    a.send(vec![spec]).map_err(he)?;
    let wire = a.miniport().wire.last().cloned().ok_or("nothing sent")?;
    Wire::pump(&mut a, &mut b).map_err(he)?;
    let r = b
        .protocol()
        .received
        .last()
        .ok_or("nothing indicated")?
        .clone();
    eq("receive slots", r.view, UNTOUCHED)?;
    ensure!(
        r.frame == wire,
        "a packet was decrypted after IPsecOV2 was disabled"
    );
    Ok(())
}

/// A structurally refused ADD_SA writes NULL into the OffloadHandle of every element it reached.
fn refused_request_null_handles() -> Outcome {
    let g = esp_alg("gcm128/16")?;
    let c = core()?;
    let sas = [
        bundle(BundleSpec::esp(&g, 0x1e00)),
        bundle(BundleSpec::esp(&g, 0x1e01)),
    ];
    let (mut bytes, offsets) = build::add_sa_list(&sas);
    let second = *offsets.get(1).ok_or("no second element")?;
    // The second element's header type is wrong: the whole request is refused.
    bytes[second] = 0;
    let done = set(&c, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, &mut bytes)?;
    status("ADD_SA", done.status, NDIS_STATUS_INVALID_DATA)?;
    eq("SAs installed", c.sas().table().len(), 0)?;
    for (i, &o) in offsets.iter().enumerate() {
        eq(
            &format!("element {i}: OffloadHandle"),
            build::handle_at(&bytes, o),
            0,
        )?;
    }
    let _ = BASE;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Groups under each option.
// ------------------------------------------------------------------------------------------

fn group_cases(group: &str) -> Vec<Case> {
    let mut v = Vec::new();
    match group {
        "send" => super::send::send(&mut v),
        "receive" => super::receive::receive(&mut v),
        "combinations" => super::combinations::combinations(&mut v),
        "two-hosts" => super::two_hosts::two_hosts_cases(&mut v),
        "churn" => super::churn::churn_cases(&mut v),
        _ => {}
    }
    v
}

/// Suspends `--pcap` for the rest of an `under/*` case: it reruns groups whose traffic is
/// captured under their own names, with SPIs that repeat from case to case (one capture could
/// not tell their SAs apart).
struct NoCapture(Option<crate::capture::Capture>);

impl Drop for NoCapture {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            crate::capture::install(c);
        }
    }
}

fn under(b: TcpipBehaviour, group: &'static str) -> Outcome {
    let _no_capture = NoCapture(crate::capture::uninstall());
    let cases = group_cases(group);
    ensure!(!cases.is_empty(), "no cases in group {group}");
    let mut failed = Vec::new();
    for c in &cases {
        if let Err(e) = with(b, || (c.run)()) {
            failed.push(format!("{}: {e}", c.name));
        }
    }
    ensure!(
        failed.is_empty(),
        "{} of {} cases failed: {}",
        failed.len(),
        cases.len(),
        failed.join("; ")
    );
    Ok(())
}

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
