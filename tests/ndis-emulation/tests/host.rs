//! The filter module between the emulated miniport and protocol: state gating, pause waiting
//! for outstanding NBLs, capability rewriting, offload parameters and keywords, OID pass-down,
//! two hosts back to back, detach with SAs installed.
#![cfg(test)]

use ipsecov2_abi::*;
use ipsecov2_filter_core::module::StatusIndication;
use ipsecov2_filter_core::state::{FilterState, PauseStart};
use ipsecov2_filter_core::{caps, CapabilityConfig};
use ipsecov2_ndis_emu::host::{
    nic_offload, offload_parameters, Host, HostConfig, Wire, OID_GEN_MAXIMUM_FRAME_SIZE,
};
use ipsecov2_ndis_emu::oid_buffers::BASE;
use ipsecov2_ndis_emu::tcpip::{
    ah_algs, bundle, esp_algs, frame, send_nbl, BundleSpec, Framed, Ip, Layer,
};

type R = Result<(), Box<dyn std::error::Error>>;

fn running(seed: u64) -> Result<Host, Box<dyn std::error::Error>> {
    let mut h = Host::new(HostConfig {
        seed,
        ..HostConfig::default()
    });
    h.attach()?;
    h.restart()?;
    Ok(h)
}

fn plain_frame() -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    f
}

fn full_caps() -> NDIS_IPSEC_OFFLOAD_V2 {
    caps::ipsec_v2_capabilities(&CapabilityConfig {
        sa_offload_capacity: 64,
    })
}

/// Everything of `a` but `IPsecV2` equals `b` (same revision and size).
/// `a` (the miniport's) and `b` (reported up) agree but for `IPsecV2` and the checksum
/// coexistence flags, which the filter reports with its IPsecOV2.
fn same_but_ipsec(a: &NDIS_OFFLOAD, b: &NDIS_OFFLOAD) -> bool {
    let coexistence = IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE
        | IPSEC_OFFLOAD_V2_AND_UDP_CHECKSUM_COEXISTENCE;
    let mut x = *a;
    x.IPsecV2 = b.IPsecV2;
    x.Flags = (a.Flags & !coexistence) | (b.Flags & coexistence);
    x == *b
}

#[test]
fn sends_complete_paused_unless_running() -> R {
    let mut h = Host::new(HostConfig::default());
    h.attach()?;
    assert_eq!(h.state(), FilterState::Paused);
    let spec = send_nbl(h.rng(), &[&plain_frame()], 0, 0, 0);
    let ids = h.send(vec![spec.clone(), spec.clone()])?;
    for id in &ids {
        assert_eq!(h.protocol().send_status(*id), Some(NDIS_STATUS_PAUSED));
    }
    assert!(h.miniport().wire.is_empty());
    h.restart()?;
    let id = h.send(vec![spec])?[0];
    assert_eq!(h.protocol().send_status(id), Some(NDIS_STATUS_SUCCESS));
    assert_eq!(h.miniport().wire.len(), 1);
    assert_eq!(h.snapshot()?.send_paused, 2);
    assert_eq!(h.protocol().bad_completions, 0);
    Ok(())
}

#[test]
fn pause_waits_for_held_sends_and_receives() -> R {
    let mut h = running(3)?;
    h.miniport_mut().hold_sends = true;
    h.protocol_mut().hold_receives = true;
    let spec = send_nbl(h.rng(), &[&plain_frame()], 0, 0, 0);
    let ids = h.send(vec![spec.clone(), spec])?;
    h.receive(&[plain_frame(), plain_frame()])?;
    assert_eq!(h.protocol().receives_held(), 1);
    assert_eq!(h.pause()?, PauseStart::Pending);
    assert_eq!(h.state(), FilterState::Pausing);
    // While pausing: sends complete PAUSED, receives go straight back (or are dropped).
    let late = send_nbl(h.rng(), &[&plain_frame()], 0, 0, 0);
    let late_id = h.send(vec![late])?[0];
    assert_eq!(h.protocol().send_status(late_id), Some(NDIS_STATUS_PAUSED));
    let before = h.protocol().received.len();
    h.receive(&[plain_frame()])?;
    h.miniport_mut().resources = true;
    h.receive(&[plain_frame()])?;
    assert_eq!(h.protocol().received.len(), before);
    let s = h.snapshot()?;
    assert_eq!((s.recv_returned_paused, s.recv_dropped_paused), (1, 1));
    assert_eq!((s.sends_outstanding, s.receives_outstanding), (2, 2));
    h.release_sends()?;
    assert_eq!(h.state(), FilterState::Pausing);
    assert_eq!(h.protocol().pause_completes, 0);
    for id in ids {
        assert_eq!(h.protocol().send_status(id), Some(NDIS_STATUS_SUCCESS));
    }
    h.release_receives()?;
    assert_eq!(h.state(), FilterState::Paused);
    assert_eq!(h.protocol().pause_completes, 1);
    assert_eq!(h.miniport().receives_outstanding, 0);
    assert_eq!(h.protocol().sends_outstanding(), 0);
    assert_eq!(h.protocol().bad_completions, 0);
    // Pause with nothing outstanding completes at once; detach only from Paused.
    h.restart()?;
    assert!(h.detach().is_err());
    assert_eq!(h.pause()?, PauseStart::Completed);
    assert_eq!(h.protocol().pause_completes, 1);
    assert_eq!(h.snapshot()?.state_errors, 1);
    h.detach()?;
    Ok(())
}

#[test]
fn capabilities_rewritten_on_indication_and_query() -> R {
    let mut h = running(4)?;
    // Restart indicated hardware capabilities then the current configuration.
    let st = &h.protocol().statuses;
    assert_eq!(st.len(), 2);
    assert_eq!(st[0].status, NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES);
    assert_eq!(st[1].status, NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG);
    let nic = nic_offload();
    for s in st {
        let o = s.offload.unwrap();
        assert_eq!(o.IPsecV2, full_caps());
        assert!(same_but_ipsec(&nic, &o));
    }
    // An indication from below: IPsecV2 replaced, the rest (a changed checksum) kept.
    let mut changed = nic_offload();
    changed.Checksum.IPv4Transmit.set_udp_checksum(0);
    changed.LsoV2.IPv4.MaxOffLoadSize = 32_768;
    h.miniport_status(&StatusIndication::Offload {
        status: NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
        offload: &changed,
    })?;
    let up = h.protocol().statuses.last().unwrap().offload.unwrap();
    assert_eq!(up.IPsecV2, full_caps());
    assert!(same_but_ipsec(&changed, &up));
    // Other indications pass unchanged.
    h.miniport_status(&StatusIndication::Other {
        status: 0x4001_000B,
        buffer: &[1, 2, 3],
    })?;
    let last = h.protocol().statuses.last().unwrap();
    assert_eq!(
        (last.status, last.buffer.as_slice()),
        (0x4001_000B, &[1u8, 2, 3][..])
    );
    // Queries passed down come back with IPsecV2 filled in, other members untouched.
    for oid in [
        OID_TCP_OFFLOAD_CURRENT_CONFIG,
        OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
    ] {
        let o = h.query_offload(oid)?;
        assert_eq!(o.IPsecV2, full_caps(), "{oid:#x}");
        assert!(same_but_ipsec(&nic, &o));
    }
    // A revision-1 miniport: the reply is upgraded to revision 2.
    let mut old = nic_offload();
    old.Header.Revision = NDIS_OFFLOAD_REVISION_1;
    old.Header.Size = NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1;
    h.miniport_mut().offload = old;
    let out = h.oid_now(
        NdisRequestQueryInformation,
        OID_TCP_OFFLOAD_CURRENT_CONFIG,
        vec![0u8; 0x200],
        BASE,
    )?;
    assert_eq!(
        out.bytes_written,
        u32::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2)
    );
    assert_eq!(&out.buffer[..4], &[NDIS_OBJECT_TYPE_OFFLOAD, 2, 0x90, 0]);
    Ok(())
}

#[test]
fn offload_parameters_enable_and_disable() -> R {
    let mut h = running(5)?;
    let gcm = &esp_algs()[2];
    let n = h.protocol().statuses.len();
    // Disable everything: indicated up with no IPsecOV2, ADD_SA refused, the miniport never
    // sees the IPsecOV2 members.
    let st = h.set_offload_parameters(
        NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
        NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED,
    )?;
    assert_eq!(st, NDIS_STATUS_SUCCESS);
    let seen = h.miniport().oids.last().unwrap().clone();
    assert_eq!(seen.oid, OID_TCP_OFFLOAD_PARAMETERS);
    assert_eq!(&seen.buffer[0x14..0x16], &[0, 0]);
    let statuses = &h.protocol().statuses[n..];
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].status, NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG);
    let o = statuses[0].offload.unwrap();
    assert_eq!(o.IPsecV2, NDIS_IPSEC_OFFLOAD_V2::default());
    assert!(same_but_ipsec(&nic_offload(), &o));
    assert_eq!(
        h.query_offload(OID_TCP_OFFLOAD_CURRENT_CONFIG)?.IPsecV2,
        NDIS_IPSEC_OFFLOAD_V2::default()
    );
    assert_eq!(
        h.query_offload(OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES)?
            .IPsecV2,
        full_caps()
    );
    assert!(h.add_sa(&bundle(BundleSpec::esp(gcm, 0x610))).is_err());
    // The same setting again: no new indication.
    h.set_offload_parameters(NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED, 0)?;
    assert_eq!(h.protocol().statuses.len(), n + 1);
    // ESP only for IPv4: ESP IPv4 accepted, AH and IPv6 refused.
    h.set_offload_parameters(0, NDIS_OFFLOAD_PARAMETERS_IPSECV2_ESP_ENABLED)?;
    let c = h
        .protocol()
        .statuses
        .last()
        .unwrap()
        .offload
        .unwrap()
        .IPsecV2;
    assert_eq!(
        (c.Esp, c.Ah, c.AhEspCombined, c.IPv6Supported),
        (TRUE, FALSE, FALSE, FALSE)
    );
    assert!(h.add_sa(&bundle(BundleSpec::esp(gcm, 0x611))).is_ok());
    assert!(h.add_sa(&bundle(BundleSpec::esp(gcm, 0x612).v6())).is_err());
    assert!(h
        .add_sa(&bundle(BundleSpec::ah(&ah_algs()[0], 0x613)))
        .is_err());
    // Everything again.
    h.set_offload_parameters(NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED, 0)?;
    assert_eq!(
        h.protocol()
            .statuses
            .last()
            .unwrap()
            .offload
            .unwrap()
            .IPsecV2,
        full_caps()
    );
    assert!(h
        .add_sa(&bundle(
            BundleSpec::esp(gcm, 0x614)
                .with_ah(&ah_algs()[0], 0x615)
                .v6()
        ))
        .is_ok());
    // Invalid values are refused by the filter (not passed down).
    let below = h.miniport().oids.len();
    assert_eq!(
        h.set_offload_parameters(9, 0)?,
        NDIS_STATUS_INVALID_PARAMETER
    );
    assert_eq!(h.miniport().oids.len(), below);
    // A revision-1 structure has no IPsecOV2 members: passed down, nothing changes.
    let mut r1 = offload_parameters(NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED, 0);
    r1[1] = NDIS_OFFLOAD_PARAMETERS_REVISION_1;
    let out = h.oid_now(
        NdisRequestSetInformation,
        OID_TCP_OFFLOAD_PARAMETERS,
        r1,
        BASE,
    )?;
    assert_eq!(out.status, NDIS_STATUS_SUCCESS);
    assert_eq!(h.module()?.current_capabilities(), full_caps());
    Ok(())
}

#[test]
fn keywords_set_the_initial_state() -> R {
    for (v2, v4, esp_v4, ah_v4, esp_v6) in [
        (None, None, true, true, true),
        (Some(0), Some(0), false, false, false),
        (Some(2), Some(0), true, false, true),
        (Some(1), Some(0), false, true, false),
        (Some(0), Some(3), true, true, false),
        (Some(7), None, true, true, true),
    ] {
        let mut h = Host::new(HostConfig {
            ipsec_offload_v2: v2,
            ipsec_offload_v2_ipv4: v4,
            ..HostConfig::default()
        });
        h.attach()?;
        h.restart()?;
        let c = h.protocol().statuses[1].offload.unwrap().IPsecV2;
        assert_eq!(c.Esp == TRUE, esp_v4 || esp_v6, "{v2:?} {v4:?}");
        assert_eq!(
            c.IPv6Supported == TRUE,
            esp_v6 || (v2 == Some(1)),
            "{v2:?} {v4:?}"
        );
        let gcm = &esp_algs()[2];
        let ah = &ah_algs()[0];
        assert_eq!(
            h.add_sa(&bundle(BundleSpec::esp(gcm, 0x301))).is_ok(),
            esp_v4
        );
        assert_eq!(h.add_sa(&bundle(BundleSpec::ah(ah, 0x302))).is_ok(), ah_v4);
        assert_eq!(
            h.add_sa(&bundle(BundleSpec::esp(gcm, 0x303).v6())).is_ok(),
            esp_v6
        );
    }
    Ok(())
}

#[test]
fn oids_cloned_down_and_results_copied_back() -> R {
    let mut h = running(6)?;
    // Answered below, synchronously.
    let out = h.oid_now(
        NdisRequestQueryInformation,
        OID_GEN_MAXIMUM_FRAME_SIZE,
        vec![0; 8],
        BASE,
    )?;
    assert_eq!((out.status, out.bytes_written), (NDIS_STATUS_SUCCESS, 4));
    assert_eq!(&out.buffer[..4], &1500u32.to_le_bytes());
    let seen = h.miniport().oids.last().unwrap().clone();
    assert_eq!(seen.request_id, 0x1000);
    assert_eq!(seen.original, 1);
    // Too short: BytesNeeded copied back.
    let out = h.oid_now(
        NdisRequestQueryInformation,
        OID_GEN_MAXIMUM_FRAME_SIZE,
        vec![0; 2],
        BASE,
    )?;
    assert_eq!(
        (out.status, out.bytes_needed),
        (NDIS_STATUS_BUFFER_TOO_SHORT, 4)
    );
    let out = h.oid_now(NdisRequestQueryInformation, 0x0001_0999, vec![0; 4], BASE)?;
    assert_eq!(out.status, NDIS_STATUS_NOT_SUPPORTED);
    // Pending below: completed up later with the results copied back.
    h.miniport_mut().hold_oids = true;
    let (q, st) = h.oid(
        NdisRequestQueryInformation,
        OID_TCP_OFFLOAD_CURRENT_CONFIG,
        vec![0; 0x100],
        BASE,
    )?;
    assert_eq!(st, NDIS_STATUS_PENDING);
    let (s, st) = h.oid(
        NdisRequestSetInformation,
        OID_TCP_OFFLOAD_PARAMETERS,
        offload_parameters(0, 0),
        BASE,
    )?;
    assert_eq!(st, NDIS_STATUS_PENDING);
    assert!(h.oid_outcome(q).is_none());
    h.release_oids()?;
    let oq = h.oid_outcome(q).unwrap();
    assert_eq!(
        (oq.status, oq.bytes_written),
        (
            NDIS_STATUS_SUCCESS,
            u32::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5)
        )
    );
    let o = ipsecov2_ndis_emu::host::offload_from_bytes(&oq.buffer).unwrap();
    assert_eq!(o.IPsecV2, full_caps());
    let os = h.oid_outcome(s).unwrap();
    assert_eq!(
        (os.status, os.bytes_read),
        (
            NDIS_STATUS_SUCCESS,
            u32::from(NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2)
        )
    );
    assert_eq!(
        h.protocol().oid_completions,
        vec![(q, NDIS_STATUS_SUCCESS), (s, NDIS_STATUS_SUCCESS)]
    );
    // The IPsecOV2 OIDs never go down, pending or not.
    let below = h.miniport().oids.len();
    let gcm = &esp_algs()[2];
    let handle = h.add_sa(&bundle(BundleSpec::esp(gcm, 0x509)))?;
    assert_eq!(h.delete_sa(&[handle])?, NDIS_STATUS_SUCCESS);
    assert_eq!(h.miniport().oids.len(), below);
    let s = h.snapshot()?;
    assert_eq!((s.oids_answered, s.oids_passed_down), (2, 5));
    Ok(())
}

fn exchange(a: &mut Host, b: &mut Host, framed: &[Framed], handle: u64) -> R {
    let frames: Vec<&[u8]> = framed.iter().map(|f| f.frame.as_slice()).collect();
    let spec = send_nbl(a.rng(), &frames[..1], handle, 0, framed[0].header_info);
    let spec2 = send_nbl(a.rng(), &frames[1..], handle, 0, framed[1].header_info);
    let before = b.protocol().received.len();
    let ids = a.send(vec![spec, spec2])?;
    let delivered = Wire::pump(a, b)?;
    assert_eq!(delivered, framed.len());
    for id in ids {
        assert_eq!(a.protocol().send_status(id), Some(NDIS_STATUS_SUCCESS));
    }
    let got = &b.protocol().received[before..];
    assert_eq!(got.len(), framed.len());
    for (g, f) in got.iter().zip(framed) {
        assert!(g.view.crypto_done, "{:?}", g.view);
        assert_eq!(g.view.status, CRYPTO_SUCCESS);
        if let Some((nh, pad)) = f.trailer {
            assert_eq!((g.view.next_header, g.view.pad), (nh, pad));
        }
        let masked = ipsecov2_ndis_emu::tcpip::masked(&g.frame, &f.written);
        assert_eq!(
            masked,
            ipsecov2_ndis_emu::tcpip::masked(&f.frame, &f.written)
        );
    }
    Ok(())
}

#[test]
fn two_hosts_round_trip_esp_and_ah() -> R {
    let mut a = running(10)?;
    let mut b = running(11)?;
    let esps = esp_algs();
    let ahs = ah_algs();
    let mut spi = 0x1000u32;
    for (i, e) in esps.iter().enumerate().step_by(3) {
        for v6 in [false, true] {
            spi += 1;
            let ah = (i % 2 == 0).then(|| &ahs[i % ahs.len()]);
            let out = a.add_sa(&bundle(BundleSpec {
                esp: Some((e, spi)),
                ah: ah.map(|x| (x, spi + 0x100)),
                v6,
                ..BundleSpec::default()
            }))?;
            b.add_sa(&bundle(BundleSpec {
                esp: Some((e, spi)),
                ah: ah.map(|x| (x, spi + 0x100)),
                v6,
                inbound: true,
                ..BundleSpec::default()
            }))?;
            let layer = Layer {
                esp: Some((e.shape, spi)),
                ah: ah.map(|x| (x.shape, spi + 0x100)),
                udp: false,
            };
            let ip = Ip { v6, extras: v6 };
            let framed = [
                frame(&ip, &layer, 1, &[0xAB; 40], 6),
                frame(&ip, &layer, 2, &[0xCD; 301], 17),
            ];
            b.miniport_mut().resources = spi.is_multiple_of(2);
            exchange(&mut a, &mut b, &framed, out).map_err(|e| format!("{}: {e}", esps[i].name))?;
        }
    }
    for (i, x) in ahs.iter().enumerate() {
        spi += 1;
        let out = b.add_sa(&bundle(BundleSpec::ah(x, spi)))?;
        a.add_sa(&bundle(BundleSpec::ah(x, spi).inbound()))?;
        let layer = Layer {
            esp: None,
            ah: Some((x.shape, spi)),
            udp: false,
        };
        let ip = Ip {
            v6: false,
            extras: i % 2 == 0,
        };
        let framed = [
            frame(&ip, &layer, 1, &[1; 33], 6),
            frame(&ip, &layer, 2, &[2; 64], 6),
        ];
        exchange(&mut b, &mut a, &framed, out).map_err(|e| format!("{}: {e}", x.name))?;
    }
    // The wire carried ciphertext; copies all came back; counters per module and per SA.
    let sa = a.snapshot()?;
    assert!(sa.send_packets > 0 && sa.recv_packets > 0);
    assert!(sa.sas.iter().any(|s| !s.inbound && s.packets == 2));
    assert!(sa.sas.iter().filter(|s| s.inbound).all(|s| s.packets == 2));
    assert_eq!(a.port().copies_outstanding, 0);
    assert_eq!(a.pool().free_count(), a.pool().count());
    assert_eq!(
        b.protocol().bad_completions + a.protocol().bad_completions,
        0
    );
    assert_eq!(b.miniport().receives_outstanding, 0);
    Ok(())
}

#[test]
fn protected_originals_complete_when_the_copy_completes() -> R {
    let mut a = running(12)?;
    let gcm = &esp_algs()[2];
    let out = a.add_sa(&bundle(BundleSpec::esp(gcm, 0x777)))?;
    let layer = Layer {
        esp: Some((gcm.shape, 0x777)),
        ah: None,
        udp: false,
    };
    let f = frame(
        &Ip {
            v6: false,
            extras: false,
        },
        &layer,
        1,
        &[3; 100],
        6,
    );
    a.miniport_mut().hold_sends = true;
    a.miniport_mut().send_status = NDIS_STATUS_RESOURCES;
    let specs = vec![
        send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info),
        send_nbl(a.rng(), &[&plain_frame()], 0, 0, 0),
        send_nbl(a.rng(), &[&f.frame], 0xdead, 0, f.header_info),
    ];
    let ids = a.send(specs)?;
    // The unknown handle completed at once; the others wait for the miniport.
    assert_eq!(
        a.protocol().completions,
        vec![(ids[2], NDIS_STATUS_FAILURE)]
    );
    assert_eq!(a.port().copies_outstanding, 1);
    assert_eq!(a.pool().free_count(), a.pool().count() - 1);
    assert_eq!(a.pause()?, PauseStart::Pending);
    a.release_sends()?;
    assert_eq!(
        a.protocol().send_status(ids[0]),
        Some(NDIS_STATUS_RESOURCES)
    );
    assert_eq!(
        a.protocol().send_status(ids[1]),
        Some(NDIS_STATUS_RESOURCES)
    );
    assert_eq!(a.protocol().completions.len(), 3);
    assert_eq!(a.protocol().pause_completes, 1);
    assert_eq!(a.pool().free_count(), a.pool().count());
    Ok(())
}

#[test]
fn detach_with_sas_installed_frees_them() -> R {
    let mut h = running(13)?;
    let gcm = &esp_algs()[2];
    let mut weak = Vec::new();
    for spi in 0x401..=0x405 {
        let handle = h.add_sa(&bundle(BundleSpec {
            esp: Some((gcm, spi)),
            inbound: spi % 2 == 0,
            ..BundleSpec::default()
        }))?;
        let sa = h
            .module()?
            .core()
            .sas()
            .table()
            .get(ipsecov2_satable::OffloadHandle::from_u64(handle).unwrap())
            .unwrap();
        weak.push(ipsecov2_satable::Arc::downgrade(&sa));
    }
    assert_eq!(h.snapshot()?.sas.len(), 5);
    assert_eq!(h.pause()?, PauseStart::Completed);
    assert_eq!(h.detach()?, 5);
    assert_eq!(h.state(), FilterState::Detached);
    assert!(weak.iter().all(|w| w.upgrade().is_none()));
    assert!(h.module().is_err());
    Ok(())
}
