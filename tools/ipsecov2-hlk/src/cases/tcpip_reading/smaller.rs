//! Point 8 of issue 15: smaller ones.

use super::*;

/// Transport over tunnel whose inner SA fails: CryptoDone and NextCryptoDone both set, the
/// transport failure reported.
pub(super) fn inner_failure_next_crypto_done() -> Outcome {
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
pub(super) fn disabled_receive_untouched() -> Outcome {
    use super::super::hosts::{gcm, he, host, Xform};
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
pub(super) fn refused_request_null_handles() -> Outcome {
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
