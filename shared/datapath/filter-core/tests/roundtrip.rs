//! Send through the filter core as TCP/IP would, receive the produced bytes as the peer through
//! another filter core, over real NBL chains with random MDL segmentation.
#![cfg(test)]

mod common;

use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_ndis_emu::SplitMix64;

const PAYLOAD_LENS: [usize; 4] = [0, 1, 37, 200];

struct Case<'a> {
    esp: Option<&'a EspAlg>,
    ah: Option<&'a AhAlg>,
    ip: Ip,
    udp: bool,
    esn: bool,
}

/// Sends one NBL of two NET_BUFFERs per payload length and checks everything on the way.
fn roundtrip(rng: &mut SplitMix64, c: &Case<'_>) {
    let tx = core();
    let rx = core();
    let spi_e = 0x0100_0000 | (rng.next_u64() as u32 & 0xffff);
    let spi_a = spi_e + 0x10_0000;
    let udp = if c.udp {
        IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
    } else {
        0
    };
    let e = c.esp.map(|a| (a, spi_e));
    let a = c.ah.map(|a| (a, spi_a));
    let h = add(
        &tx,
        &bundle(BundleSpec {
            esp: e,
            ah: a,
            v6: c.ip.v6,
            esn: c.esn,
            udp,
            ..BundleSpec::default()
        }),
    );
    assert_ne!(h, 0, "outbound SA offloaded");
    assert_ne!(
        add(
            &rx,
            &bundle(BundleSpec {
                esp: e,
                ah: a,
                v6: c.ip.v6,
                inbound: true,
                esn: c.esn,
                udp
            })
        ),
        0
    );
    let layer = Layer {
        esp: c.esp.map(|a| (a.shape, spi_e)),
        ah: c.ah.map(|a| (a.shape, spi_a)),
        udp: c.udp,
    };
    let pool = HostTxPool::new(8, 2048);
    for (k, &len) in PAYLOAD_LENS.iter().enumerate() {
        let frames: Vec<Framed> = (0..2)
            .map(|j| frame(&c.ip, &layer, 1 + (k * 2 + j) as u32, &rng.bytes(len), 6))
            .collect();
        let refs: Vec<&[u8]> = frames.iter().map(|f| f.frame.as_slice()).collect();
        let spec = send_nbl(rng, &refs, h, 0, frames[0].header_info);
        let (sent, owned) = send_through(&tx, &[spec], &pool);
        // TCP/IP's memory is never written.
        for (j, f) in frames.iter().enumerate() {
            assert_eq!(owned.read_nb(0, j).unwrap(), f.frame);
        }
        let Sent::Protected(packets) = &sent[0] else {
            panic!("not protected: {:?}", sent[0]);
        };
        assert_eq!(packets.len(), 2);
        assert_eq!(pool.free_count(), pool.count(), "buffers back in the pool");
        for (p, f) in packets.iter().zip(&frames) {
            assert_eq!(p.len(), f.frame.len());
            for &(s, e) in &f.encrypted {
                if e - s >= 8 {
                    assert_ne!(p[s..e], f.frame[s..e], "encrypted on the wire");
                }
            }
            assert_eq!(masked(p, &f.written).len(), p.len());
        }
        let got = receive_through(&rx, rng, packets, 0);
        for ((view, bytes), f) in got.iter().zip(&frames) {
            assert!(view.crypto_done, "{view:?}");
            assert!(!view.next_crypto_done);
            assert_eq!(view.status, CRYPTO_SUCCESS);
            match f.trailer {
                Some((nh, pad)) => {
                    assert!(view.header_set);
                    assert_eq!((view.next_header, view.pad), (nh, pad));
                }
                None => assert!(!view.header_set),
            }
            assert_eq!(
                masked(bytes, &f.written),
                masked(&f.frame, &f.written),
                "decrypted == original"
            );
        }
    }
}

fn ips() -> [Ip; 4] {
    [
        Ip {
            v6: false,
            extras: false,
        },
        Ip {
            v6: false,
            extras: true,
        },
        Ip {
            v6: true,
            extras: false,
        },
        Ip {
            v6: true,
            extras: true,
        },
    ]
}

#[test]
fn esp_every_algorithm_ipv4_ipv6_options_extension_headers_esn() {
    let mut rng = SplitMix64::new(1);
    let mut n = 0;
    for alg in &esp_algs() {
        for ip in ips() {
            for esn in [false, true] {
                roundtrip(
                    &mut rng,
                    &Case {
                        esp: Some(alg),
                        ah: None,
                        ip: ip.clone(),
                        udp: false,
                        esn,
                    },
                );
                n += 1;
            }
        }
    }
    assert_eq!(n, 240);
}

#[test]
fn ah_every_algorithm_ipv4_ipv6_options_extension_headers_esn() {
    let mut rng = SplitMix64::new(2);
    for alg in &ah_algs() {
        for ip in ips() {
            for esn in [false, true] {
                roundtrip(
                    &mut rng,
                    &Case {
                        esp: None,
                        ah: Some(alg),
                        ip: ip.clone(),
                        udp: false,
                        esn,
                    },
                );
            }
        }
    }
}

#[test]
fn esp_then_ah_every_combination() {
    let mut rng = SplitMix64::new(3);
    for (i, e) in esp_algs().iter().enumerate() {
        for (j, a) in ah_algs().iter().enumerate() {
            let ip = ips()[(i + j) % 4].clone();
            roundtrip(
                &mut rng,
                &Case {
                    esp: Some(e),
                    ah: Some(a),
                    ip,
                    udp: false,
                    esn: (i + j) % 2 == 0,
                },
            );
        }
    }
}

#[test]
fn udp_esp_every_esp_algorithm() {
    let mut rng = SplitMix64::new(4);
    for (i, e) in esp_algs().iter().enumerate() {
        for ip in ips() {
            roundtrip(
                &mut rng,
                &Case {
                    esp: Some(e),
                    ah: None,
                    ip,
                    udp: true,
                    esn: i % 2 == 1,
                },
            );
        }
    }
}

/// Transport over tunnel: tunnel SA in slot 11, transport SA in slot 1, offsets of the tunnel
/// headers in slot 12; both layers verified on receive (NextCryptoDone).
#[test]
fn transport_over_tunnel() {
    let mut rng = SplitMix64::new(5);
    let esps = esp_algs();
    let ahs = ah_algs();
    let mut n = 0;
    for (i, (outer_v6, inner_v6)) in [(false, false), (false, true), (true, false), (true, true)]
        .into_iter()
        .enumerate()
    {
        for (k, (outer_udp, inner_udp, outer_ah, inner_ah)) in [
            (false, false, false, false),
            (true, false, false, false),
            (false, true, false, false),
            (false, false, true, false),
            (false, false, false, true),
        ]
        .into_iter()
        .enumerate()
        {
            let te = &esps[(i * 7 + k * 3) % esps.len()];
            let pe = &esps[(i * 5 + k * 11 + 1) % esps.len()];
            let ta = &ahs[(i + k) % ahs.len()];
            let pa = &ahs[(i + k + 2) % ahs.len()];
            let tx = core();
            let rx = core();
            let (t_spi, p_spi, ta_spi, pa_spi) = (0x7000 + n, 0x8000 + n, 0x9000 + n, 0xa000 + n);
            // Tunnel endpoints are the outer addresses, transport endpoints the inner ones.
            let tunnel_udp = if outer_udp {
                IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL
            } else {
                0
            };
            let transport_udp = if inner_udp {
                IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL
            } else {
                0
            };
            let t_ah = outer_ah.then_some((ta, ta_spi));
            let p_ah = inner_ah.then_some((pa, pa_spi));
            let th = add(
                &tx,
                &bundle(BundleSpec {
                    esp: Some((te, t_spi)),
                    ah: t_ah,
                    v6: outer_v6,
                    esn: true,
                    udp: tunnel_udp,
                    ..BundleSpec::default()
                }),
            );
            let ph = add(
                &tx,
                &bundle(BundleSpec {
                    esp: Some((pe, p_spi)),
                    ah: p_ah,
                    v6: inner_v6,
                    udp: transport_udp,
                    ..BundleSpec::default()
                }),
            );
            assert!(th != 0 && ph != 0);
            assert_ne!(
                add(
                    &rx,
                    &bundle(BundleSpec {
                        esp: Some((te, t_spi)),
                        ah: t_ah,
                        v6: outer_v6,
                        inbound: true,
                        esn: true,
                        udp: tunnel_udp
                    })
                ),
                0
            );
            assert_ne!(
                add(
                    &rx,
                    &bundle(BundleSpec {
                        esp: Some((pe, p_spi)),
                        ah: p_ah,
                        v6: inner_v6,
                        inbound: true,
                        udp: transport_udp,
                        ..BundleSpec::default()
                    })
                ),
                0
            );
            let f = frame_tunnel(
                &Ip {
                    v6: outer_v6,
                    extras: k % 2 == 0,
                },
                &Layer {
                    esp: Some((te.shape, t_spi)),
                    ah: outer_ah.then_some((ta.shape, ta_spi)),
                    udp: outer_udp,
                },
                &Ip {
                    v6: inner_v6,
                    extras: k % 2 == 1,
                },
                &Layer {
                    esp: Some((pe.shape, p_spi)),
                    ah: inner_ah.then_some((pa.shape, pa_spi)),
                    udp: inner_udp,
                },
                9,
                &rng.bytes(61),
            );
            let pool = HostTxPool::new(2, 2048);
            let spec = send_nbl(&mut rng, &[&f.frame], ph, th, f.header_info);
            let (sent, owned) = send_through(&tx, &[spec], &pool);
            assert_eq!(owned.read_nb(0, 0).unwrap(), f.frame);
            let Sent::Protected(p) = &sent[0] else {
                panic!("{:?}", sent[0])
            };
            for &(s, e) in &f.encrypted {
                if e - s >= 8 && te.shape.encrypts {
                    assert_ne!(p[0][s..e], f.frame[s..e]);
                }
            }
            let got = receive_through(&rx, &mut rng, p, 0);
            let (view, bytes) = &got[0];
            assert!(
                view.crypto_done && view.next_crypto_done,
                "{view:?} case {i}/{k}"
            );
            assert_eq!(view.status, CRYPTO_SUCCESS);
            assert_eq!((view.next_header, view.pad), f.trailer.unwrap());
            assert_eq!(masked(bytes, &f.written), masked(&f.frame, &f.written));
            n += 1;
        }
    }
    assert_eq!(n, 20);
}

/// An inline 802.1Q tag in front of the IP header is skipped on both paths.
#[test]
fn vlan_tagged_frames() {
    let mut rng = SplitMix64::new(6);
    let alg = &esp_algs()[2];
    let tx = core();
    let rx = core();
    let h = add(&tx, &bundle(BundleSpec::esp(alg, 0x4242)));
    add(&rx, &bundle(BundleSpec::esp(alg, 0x4242).inbound()));
    let mut f = frame(
        &Ip {
            v6: false,
            extras: false,
        },
        &Layer {
            esp: Some((alg.shape, 0x4242)),
            ah: None,
            udp: false,
        },
        1,
        &rng.bytes(40),
        17,
    );
    f.frame.splice(12..12, [0x81, 0x00, 0x00, 0x05]);
    let written: Vec<(usize, usize)> = f.written.iter().map(|&(a, b)| (a + 4, b + 4)).collect();
    let pool = HostTxPool::new(1, 512);
    let (sent, _o) = send_through(
        &tx,
        &[send_nbl(&mut rng, &[&f.frame], h, 0, f.header_info)],
        &pool,
    );
    let Sent::Protected(p) = &sent[0] else {
        panic!()
    };
    let got = receive_through(&rx, &mut rng, p, 0);
    assert!(got[0].0.crypto_done);
    assert_eq!(got[0].0.status, CRYPTO_SUCCESS);
    assert_eq!(masked(&got[0].1, &written), masked(&f.frame, &written));
}

/// A long chain (more than three batches of `LOOKUP_BATCH` NBLs) mixing several SAs (ESP and
/// AH, IPv4 and IPv6, UDP-ESP), tampered packets, flipped header bits, an SA with a wildcard
/// destination and plain frames gives, NBL for NBL, exactly what receiving each NBL alone gives
/// (so any per-chain state of the receive path, e.g. batched lookups, must not leak between
/// NBLs).
#[test]
fn long_mixed_chain_equals_one_by_one() {
    let mut rng = SplitMix64::new(0x5eed_c4a1);
    let tx = core();
    let rx = core();
    let esp = esp_algs();
    let ah = ah_algs();
    let gcm = esp.iter().find(|a| a.name.starts_with("gcm128")).unwrap();
    let cbc = esp
        .iter()
        .find(|a| a.name.contains("aes128") && a.name.contains("sha1"))
        .unwrap();
    let sha = ah.iter().find(|a| a.name == "sha256").unwrap();
    let v4 = Ip {
        v6: false,
        extras: false,
    };
    let v6 = Ip {
        v6: true,
        extras: true,
    };
    // (ESP, AH, IP, UDP-ESP, SPI)
    let sas = [
        (Some(gcm), None, &v4, false, 0x0200_0001u32),
        (Some(cbc), None, &v6, false, 0x0200_0002),
        (None, Some(sha), &v4, false, 0x0200_0003),
        (Some(gcm), None, &v4, true, 0x0200_0004),
        (Some(cbc), Some(sha), &v6, false, 0x0200_0005),
    ];
    let mut sent = Vec::new();
    let pool = HostTxPool::new(4, 2048);
    for (n, (e, a, ip, udp, spi)) in sas.iter().enumerate() {
        let encap = if *udp {
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
        } else {
            0
        };
        let e = e.map(|x| (x, *spi));
        let a = a.map(|x| (x, *spi + 0x100));
        let h = add(
            &tx,
            &bundle(BundleSpec {
                esp: e,
                ah: a,
                v6: ip.v6,
                udp: encap,
                ..BundleSpec::default()
            }),
        );
        let mut inbound = bundle(BundleSpec {
            esp: e,
            ah: a,
            v6: ip.v6,
            inbound: true,
            udp: encap,
            ..BundleSpec::default()
        });
        if n == 2 {
            // Offloaded with a wildcard destination: found by the fallback lookup.
            inbound.dst = [0; 16];
        }
        assert_ne!(add(&rx, &inbound), 0);
        let layer = Layer {
            esp: e.map(|(x, s)| (x.shape, s)),
            ah: a.map(|(x, s)| (x.shape, s)),
            udp: *udp,
        };
        for k in 0..8u32 {
            let f = frame(ip, &layer, 1 + k, &rng.bytes(1 + 97 * k as usize), 6);
            let spec = send_nbl(&mut rng, &[&f.frame], h, 0, f.header_info);
            let (out, _) = send_through(&tx, &[spec], &pool);
            let Sent::Protected(mut p) = out.into_iter().next().unwrap() else {
                panic!("not protected");
            };
            sent.push(p.pop().unwrap());
        }
    }
    // Tampered copies (last byte), copies with a header bit flipped (an SPI, sequence number or
    // address byte, depending on the layout: unknown SA, failed ICV, or still valid) and plain
    // frames between them.
    let mut frames = Vec::new();
    for (i, p) in sent.iter().enumerate() {
        frames.push(p.clone());
        if i % 5 == 0 {
            let mut bad = p.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            frames.push(bad);
        }
        if i % 7 == 0 {
            let mut flipped = p.clone();
            let at = frames.len() % 3 + 34;
            flipped[at] ^= 0x80;
            frames.push(flipped);
        }
        if i % 9 == 0 {
            frames.push(vec![0u8; 60]);
        }
    }
    assert!(frames.len() > 3 * ipsecov2_satable::LOOKUP_BATCH);
    let together = receive_through(&rx, &mut rng, &frames, 0);
    for (i, f) in frames.iter().enumerate() {
        let alone = receive_through(&rx, &mut rng, std::slice::from_ref(f), 0);
        assert_eq!(together[i], alone[0], "NBL {i}");
    }
    let verified = together
        .iter()
        .filter(|(v, _)| v.crypto_done && v.status == CRYPTO_SUCCESS)
        .count();
    let failed = together
        .iter()
        .filter(|(v, _)| v.crypto_done && v.status != CRYPTO_SUCCESS)
        .count();
    let untouched = together.iter().filter(|(v, _)| !v.crypto_done).count();
    // Every packet sent verifies (a flipped address byte outside ESP's coverage may verify
    // too); every tampered one fails; plain frames and unknown SPIs go up untouched.
    assert!(verified >= sent.len(), "{verified}");
    assert!(failed >= sent.len() / 5, "{failed}");
    assert!(untouched >= sent.len() / 9, "{untouched}");
}
