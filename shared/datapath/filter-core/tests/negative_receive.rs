//! Failures on the receive path: tampered, truncated and unknown-SPI packets, read-only NBLs,
//! protocol mismatches, wildcard destinations, ESN high bits, the tunnel ESP failure code and
//! transport over tunnel whose inner layer fails.
#![cfg(test)]

mod common;

use common::pair::*;
use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::{DatapathCounters, HostTxPool};
use ipsecov2_ndis_emu::SplitMix64;

/// Every byte of the ESP part (SPI excepted) and a sample of the ICV flipped: the packet is
/// indicated with CryptoDone and the ESP auth failure, and its bytes are left as received.
#[test]
fn tampered_esp_is_indicated_with_auth_failure_and_not_modified() {
    let mut rng = SplitMix64::new(10);
    for alg in [esp_gcm(), esp_cbc()] {
        let p = pair(Some(&alg), None, false);
        let f = frame(&V4, &p.layer, 5, &rng.bytes(48), 6);
        let wire = protect(&mut rng, &p, &f);
        let esp_at = ETH + 20;
        let mut frames = Vec::new();
        for i in (esp_at + 4)..wire.len() {
            let mut t = wire.clone();
            t[i] ^= 0x01;
            frames.push(t);
        }
        let got = receive_through(&p.rx, &mut rng, &frames, 0);
        for ((view, bytes), sent) in got.iter().zip(&frames) {
            assert!(view.crypto_done);
            assert_eq!(
                view.status, CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
                "{}",
                alg.name
            );
            assert!(!view.header_set);
            assert_eq!(bytes, sent, "nothing written on failure");
        }
        assert_eq!(
            DatapathCounters::get(&p.rx.counters.recv_failures[2]),
            frames.len() as u64
        );
    }
}

#[test]
fn tampered_ah_transport_and_tunnel() {
    let mut rng = SplitMix64::new(11);
    let a = ah_sha1();
    let p = pair(None, Some(&a), false);
    for (proto, status) in [
        (6u8, CRYPTO_TRANSPORT_AH_AUTH_FAILED),
        (4, CRYPTO_TUNNEL_AH_AUTH_FAILED),
    ] {
        let inner = if proto == 4 {
            // A small IPv4 packet as the tunnel payload.
            inner_ipv4()
        } else {
            rng.bytes(30)
        };
        let f = frame(&V4, &p.layer, 5, &inner, proto);
        let mut wire = protect(&mut rng, &p, &f);
        let ok = receive_through(&p.rx, &mut rng, std::slice::from_ref(&wire), 0);
        assert_eq!(ok[0].0.status, CRYPTO_SUCCESS);
        let last = wire.len() - 1;
        wire[last] ^= 0x80;
        let got = receive_through(&p.rx, &mut rng, &[wire.clone()], 0);
        assert!(got[0].0.crypto_done);
        assert_eq!(got[0].0.status, status);
        assert_eq!(got[0].1, wire);
        // A mutable field (TTL) may change in flight: AH still verifies.
        wire[last] ^= 0x80;
        wire[ETH + 8] = 3;
        let got = receive_through(&p.rx, &mut rng, &[wire], 0);
        assert_eq!(got[0].0.status, CRYPTO_SUCCESS);
    }
}

/// A CBC packet cut short (IP length fixed, so it still parses): invalid packet syntax.
#[test]
fn truncated_packets() {
    let mut rng = SplitMix64::new(12);
    let alg = esp_cbc();
    let p = pair(Some(&alg), None, false);
    let f = frame(&V4, &p.layer, 5, &rng.bytes(64), 6);
    let wire = protect(&mut rng, &p, &f);
    let mut frames = Vec::new();
    for cut in [1usize, 3, 5, 7] {
        let mut t = wire[..wire.len() - cut].to_vec();
        let tl = (t.len() - ETH) as u16;
        t[ETH + 2..ETH + 4].copy_from_slice(&tl.to_be_bytes());
        frames.push(t);
    }
    for (view, _) in receive_through(&p.rx, &mut rng, &frames, 0) {
        assert!(view.crypto_done);
        assert_eq!(view.status, CRYPTO_INVALID_PACKET_SYNTAX);
    }
    // Cut inside the ESP header: no SA can be found from it: untouched.
    let mut t = wire[..ETH + 20 + 6].to_vec();
    t[ETH + 2..ETH + 4].copy_from_slice(&26u16.to_be_bytes());
    // Cut without fixing the IP length: not a valid datagram: untouched.
    let short = wire[..wire.len() - 4].to_vec();
    for (view, bytes) in receive_through(&p.rx, &mut rng, &[t.clone(), short.clone()], 0) {
        assert_eq!(view, UNTOUCHED);
        assert!(bytes == t || bytes == short);
    }
}

#[test]
fn unknown_spi_and_non_ipsec_go_up_untouched() {
    let mut rng = SplitMix64::new(13);
    let alg = esp_gcm();
    let p = pair(Some(&alg), None, false);
    let f = frame(&V4, &p.layer, 5, &rng.bytes(20), 6);
    let mut wire = protect(&mut rng, &p, &f);
    wire[ETH + 20 + 3] ^= 0x40; // SPI
    let plain = frame(&V4, &PLAIN, 1, &rng.bytes(20), 17).frame;
    let arp = {
        let mut a = plain.clone();
        a[12..14].copy_from_slice(&[0x08, 0x06]);
        a
    };
    let frames = vec![wire, plain, arp];
    for ((view, bytes), sent) in receive_through(&p.rx, &mut rng, &frames, 0)
        .iter()
        .zip(&frames)
    {
        assert_eq!(*view, UNTOUCHED);
        assert_eq!(bytes, sent);
    }
    assert_eq!(DatapathCounters::get(&p.rx.counters.recv_untouched), 3);
}

/// A read-only receive NBL is left to TCP/IP (no CryptoDone), bytes untouched.
#[test]
fn read_only_receive_is_not_processed() {
    let mut rng = SplitMix64::new(14);
    let alg = esp_cbc();
    let p = pair(Some(&alg), None, false);
    let f = frame(&V4, &p.layer, 5, &rng.bytes(20), 6);
    let wire = protect(&mut rng, &p, &f);
    let got = receive_through(
        &p.rx,
        &mut rng,
        std::slice::from_ref(&wire),
        NDIS_NBL_FLAGS_RECV_READ_ONLY,
    );
    assert_eq!(got[0].0, UNTOUCHED);
    assert_eq!(got[0].1, wire);
    assert_eq!(DatapathCounters::get(&p.rx.counters.recv_not_processed), 1);
}

/// Plain ESP arriving for an ESP+AH bundle, and UDP-ESP for a plain ESP SA: invalid protocol.
#[test]
fn protocol_mismatch() {
    let mut rng = SplitMix64::new(15);
    let e = esp_cbc();
    let a = ah_sha1();
    // Sender: ESP only; receiver: ESP+AH with the same ESP SPI.
    let tx = core();
    let rx = core();
    let h = add(&tx, &bundle(BundleSpec::esp(&e, 0x5000)));
    add(
        &rx,
        &bundle(BundleSpec::esp(&e, 0x5000).with_ah(&a, 0x5001).inbound()),
    );
    let w = &protect_small(&tx, &mut rng, &esp_layer(e.shape, 0x5000), h);
    let got = receive_through(&rx, &mut rng, w, 0);
    assert_eq!(got[0].0.status, CRYPTO_INVALID_PROTOCOL);
    assert!(got[0].0.crypto_done);
    // UDP-ESP for an SA without UDP encapsulation.
    let tx = core();
    let rx = core();
    let h = add(
        &tx,
        &bundle(BundleSpec::esp(&e, 0x6000).udp(IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT)),
    );
    add(&rx, &bundle(BundleSpec::esp(&e, 0x6000).inbound()));
    let layer = Layer {
        udp: true,
        ..esp_layer(e.shape, 0x6000)
    };
    let w = &protect_small(&tx, &mut rng, &layer, h);
    assert_eq!(
        receive_through(&rx, &mut rng, w, 0)[0].0.status,
        CRYPTO_INVALID_PROTOCOL
    );
}

/// An inbound SA offloaded with a wildcard (all-zero) destination matches any destination.
#[test]
fn wildcard_destination_inbound_sa() {
    let mut rng = SplitMix64::new(16);
    let e = esp_gcm();
    let tx = core();
    let rx = core();
    let h = add(&tx, &bundle(BundleSpec::esp(&e, 0x6100)));
    let mut inbound = bundle(BundleSpec::esp(&e, 0x6100).inbound());
    inbound.dst = [0; 16];
    assert_ne!(add(&rx, &inbound), 0);
    let w = &protect_small(&tx, &mut rng, &esp_layer(e.shape, 0x6100), h);
    let got = receive_through(&rx, &mut rng, w, 0);
    assert_eq!(got[0].0.status, CRYPTO_SUCCESS);
    assert!(got[0].0.crypto_done);
}

/// ESN: a receiver whose high bits differ fails the ICV; UPDATE_SA fixes it.
#[test]
fn esn_high_bits_enter_the_icv_and_update_sa_changes_them() {
    let mut rng = SplitMix64::new(17);
    let e = esp_cbc();
    let tx = core();
    let rx = core();
    let h = add(&tx, &bundle(BundleSpec::esp(&e, 0x6200).esn()));
    let mut inbound = bundle(BundleSpec::esp(&e, 0x6200).inbound().esn());
    inbound.sa[0].seq_high = 8;
    let ih = add(&rx, &inbound);
    let w = &protect_small(&tx, &mut rng, &esp_layer(e.shape, 0x6200), h);
    assert_eq!(
        receive_through(&rx, &mut rng, w, 0)[0].0.status,
        CRYPTO_TRANSPORT_ESP_AUTH_FAILED
    );
    let mut upd = build::update_sa(ih, IPsecOffloadV2Esp, 0x6200, 7);
    let c = rx
        .oid(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
            NdisRequestSetInformation,
            &mut ipsecov2_oid::InfoBuffer::new(&mut upd, build::BASE),
        )
        .unwrap();
    assert_eq!(c.status, NDIS_STATUS_SUCCESS);
    assert_eq!(
        receive_through(&rx, &mut rng, w, 0)[0].0.status,
        CRYPTO_SUCCESS
    );
}

/// ESP hides the mode until decrypted: an SA seen carrying tunnel traffic reports tunnel ESP
/// authentication failures; before that, transport.
#[test]
fn esp_tunnel_auth_failure_code_after_the_mode_is_known() {
    let mut rng = SplitMix64::new(22);
    let e = esp_cbc();
    let p = pair(Some(&e), None, false);
    let f = frame(&V4, &p.layer, 5, &inner_ipv4(), 4);
    let wire = protect(&mut rng, &p, &f);
    let mut bad = wire.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let got = receive_through(&p.rx, &mut rng, std::slice::from_ref(&bad), 0);
    assert_eq!(got[0].0.status, CRYPTO_TRANSPORT_ESP_AUTH_FAILED);
    let got = receive_through(&p.rx, &mut rng, &[wire, bad], 0);
    assert_eq!(got[0].0.status, CRYPTO_SUCCESS);
    assert_eq!(got[0].0.next_header, 4);
    assert_eq!(got[1].0.status, CRYPTO_TUNNEL_ESP_AUTH_FAILED);
}

/// Transport over tunnel whose inner layer fails (the receiver's transport SA has other ESN
/// high bits): CryptoDone for the tunnel layer, no NextCryptoDone, the transport failure code,
/// counted once.
#[test]
fn transport_over_tunnel_inner_failure() {
    let mut rng = SplitMix64::new(23);
    let (t, pe) = (esp_gcm(), esp_cbc());
    let tx = core();
    let rx = core();
    let th = add(&tx, &bundle(BundleSpec::esp(&t, 0xb000)));
    let ph = add(&tx, &bundle(BundleSpec::esp(&pe, 0xb001).v6().esn()));
    add(&rx, &bundle(BundleSpec::esp(&t, 0xb000).inbound()));
    let mut inner_sa = bundle(BundleSpec::esp(&pe, 0xb001).v6().inbound().esn());
    inner_sa.sa[0].seq_high = 99;
    add(&rx, &inner_sa);
    let f = frame_tunnel(
        &V4,
        &esp_layer(t.shape, 0xb000),
        &Ip {
            v6: true,
            extras: true,
        },
        &esp_layer(pe.shape, 0xb001),
        4,
        &rng.bytes(33),
    );
    let pool = HostTxPool::new(1, 1024);
    let w = &protected(&tx, &mut rng, &f, (ph, th), &pool);
    let got = receive_through(&rx, &mut rng, w, 0);
    let v = got[0].0;
    // The transport layer was checked (and failed): NextCryptoDone is set
    // (docs/tcpip-reading.md, point 8).
    assert!(v.crypto_done && v.next_crypto_done);
    assert_eq!(v.status, CRYPTO_TRANSPORT_ESP_AUTH_FAILED);
    assert_eq!(DatapathCounters::get(&rx.counters.recv_failures[2]), 1);
    assert_eq!(DatapathCounters::get(&rx.counters.recv_packets), 0);
}
