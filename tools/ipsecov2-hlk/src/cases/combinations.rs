//! Group `combinations`: ESP+AH bundles, UDP-ESP, ESN, and transport mode over a tunnel.

use super::scenario::*;
use super::{ensure, eq, module_case};
use crate::target::{DatapathPair, PairAdapter};
use crate::tcpip::*;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::SplitMix64;

fn ttunnel<P: DatapathPair>(outer_v6: bool, inner_v6: bool, outer_udp: bool, seed: u64) -> Outcome {
    let mut rng = SplitMix64::new(seed);
    let esps = esp_algs();
    let te = esps.get(2).ok_or("alg")?;
    let pe = esps
        .iter()
        .find(|a| a.name == "aes256+sha256")
        .ok_or("alg")?;
    let mut p = P::open(&PairAdapter::default())?;
    let (t_spi, p_spi) = (0x7000, 0x7100);
    let tudp = if outer_udp {
        IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL
    } else {
        0
    };
    // A TCP/IP that puts the pair's UDP-ESP type on both SAs (docs/tcpip-reading.md, point 5).
    let (tudp, pudp) = if behaviour().udp_esp_both {
        pair_udp_types(outer_udp, false)
    } else {
        (tudp, 0)
    };
    let th = p.add_tx(&bundle(BundleSpec {
        esp: Some((te, t_spi)),
        v6: outer_v6,
        esn: true,
        udp: tudp,
        ..BundleSpec::default()
    }))?;
    let ph = p.add_tx(&bundle(BundleSpec {
        esp: Some((pe, p_spi)),
        v6: inner_v6,
        udp: pudp,
        ..BundleSpec::default()
    }))?;
    p.add_rx(&bundle(BundleSpec {
        esp: Some((te, t_spi)),
        v6: outer_v6,
        inbound: true,
        esn: true,
        udp: tudp,
        ..BundleSpec::default()
    }))?;
    p.add_rx(&bundle(BundleSpec {
        esp: Some((pe, p_spi)),
        v6: inner_v6,
        inbound: true,
        udp: pudp,
        ..BundleSpec::default()
    }))?;
    let f = frame_tunnel(
        &ip(outer_v6),
        &Layer {
            esp: Some((te.shape, t_spi)),
            ah: None,
            udp: outer_udp,
        },
        &ip(inner_v6),
        &Layer {
            esp: Some((pe.shape, p_spi)),
            ah: None,
            udp: false,
        },
        9,
        &rng.bytes(61),
    );
    let w = p.protect(&mut rng, &[&f], ph, th)?;
    check_wire(&w, std::slice::from_ref(&f))?;
    let got = p.receive(&mut rng, &w)?;
    check_received(&got, std::slice::from_ref(&f), true)?;
    p.finish()
}

pub fn combinations(v: &mut Vec<Case>) {
    const G: &str = "combinations";
    let esps = esp_algs();
    let ahs = ah_algs();
    let pairs = [
        ("gcm128/16", "sha256"),
        ("aes256+sha256", "sha1"),
        ("3des+sha1", "md5"),
        ("gmac256", "gmac128"),
        ("null+sha256", "gmac256"),
    ];
    let mut seed = 5000;
    for (e, a) in pairs {
        let ei = esps.iter().position(|x| x.name == e);
        let ai = ahs.iter().position(|x| x.name == a);
        for v6 in [false, true] {
            for tunnel in [false, true] {
                seed += 1;
                v.push(module_case(
                    G,
                    format!(
                        "esp-ah/{}+ah-{}/{}/{}",
                        slug(e),
                        slug(a),
                        if tunnel { "tunnel" } else { "transport" },
                        if v6 { "ipv6" } else { "ipv4" }
                    ),
                    "ESP then AH bundle: sealed, verified and decrypted by the peer",
                    move || {
                        ensure!(ei.is_some() && ai.is_some(), "algorithm missing");
                        roundtrip(Scn::new(ei, ai, v6, tunnel), seed)
                    },
                ));
            }
        }
    }
    v.push(module_case(
        G,
        "esp-ah/tampered-ah",
        "ESP+AH with a flipped payload byte: TRANSPORT_AH_AUTH_FAILED",
        || on_pair!(tampered_ah()),
    ));
    for (ov6, iv6) in [(false, false), (false, true), (true, false), (true, true)] {
        for udp in [false, true] {
            seed += 1;
            v.push(module_case(G, format!("transport-over-tunnel/{}-in-{}{}", if iv6 { "ipv6" } else { "ipv4" }, if ov6 { "ipv6" } else { "ipv4" }, if udp { "/udp-esp" } else { "" }), "two handles (transport + tunnel): both layers sealed; peer sets CryptoDone and NextCryptoDone", move || on_pair!(ttunnel(ov6, iv6, udp, seed))));
        }
    }
    v.push(module_case(
        G,
        "transport-over-tunnel/tunnel-sa-deleted",
        "tunnel SA deleted, transport SA kept: the pair's send completes with FAILURE",
        || on_pair!(tunnel_sa_deleted()),
    ));
    for name in ["gcm128/16", "aes128+sha1", "gmac128", "null+sha1"] {
        for v6 in [false, true] {
            for tunnel in [false, true] {
                seed += 1;
                let i = esps.iter().position(|x| x.name == name);
                v.push(module_case(
                    G,
                    format!(
                        "udp-esp/{}/{}/{}",
                        slug(name),
                        if tunnel { "tunnel" } else { "transport" },
                        if v6 { "ipv6" } else { "ipv4" }
                    ),
                    "ESP in UDP 4500: UDP length/checksum set by the filter, peer decrypts",
                    move || {
                        let mut s = Scn::new(i, None, v6, tunnel);
                        ensure!(i.is_some(), "algorithm missing");
                        s.udp = true;
                        roundtrip(s, seed)
                    },
                ));
            }
        }
    }
    for name in ["gcm256/12", "aes192+sha256", "des+md5", "gmac192"] {
        for v6 in [false, true] {
            seed += 1;
            let i = esps.iter().position(|x| x.name == name);
            v.push(module_case(
                G,
                format!("esn/{}/{}", slug(name), if v6 { "ipv6" } else { "ipv4" }),
                "ESN SA pair (high bits 7): round trip succeeds",
                move || {
                    let mut s = Scn::new(i, None, v6, false);
                    ensure!(i.is_some(), "algorithm missing");
                    s.esn = true;
                    roundtrip(s, seed)
                },
            ));
        }
    }
    v.push(module_case(
        G,
        "esn/ah-sha256-with-esp",
        "ESN on an ESP+AH bundle: round trip succeeds",
        || {
            let mut s = Scn::new(Some(23), Some(2), false, false);
            s.esn = true;
            roundtrip(s, 5200)
        },
    ));
    v.push(module_case(
        G,
        "esn/mismatched-high-bits",
        "peer ESN high bits differ (7 vs 8): ESP auth failure",
        || on_pair!(esn_mismatched_high_bits()),
    ));
}

fn tampered_ah<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(5100);
    let (mut p, _f, mut wire) =
        one_on::<P>(Scn::new(Some(2), Some(2), false, false), &mut rng, 40)?;
    let l = wire.len() - 1;
    wire[l] ^= 2;
    let got = p.receive(&mut rng, std::slice::from_ref(&wire))?;
    ensure!(got[0].0.crypto_done, "CryptoDone clear");
    eq(
        "CryptoStatus",
        got[0].0.status,
        CRYPTO_TRANSPORT_AH_AUTH_FAILED,
    )?;
    p.finish()
}

fn tunnel_sa_deleted<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(5300);
    let esps = esp_algs();
    let te = esps.get(2).ok_or("alg")?;
    let mut p = P::open(&PairAdapter::default())?;
    let th = p.add_tx(&bundle(BundleSpec::esp(te, 0x7200)))?;
    let ph = p.add_tx(&bundle(BundleSpec::esp(te, 0x7201)))?;
    let f = frame_tunnel(
        &ip(false),
        &Layer {
            esp: Some((te.shape, 0x7200)),
            ah: None,
            udp: false,
        },
        &ip(false),
        &Layer {
            esp: Some((te.shape, 0x7201)),
            ah: None,
            udp: false,
        },
        4,
        &rng.bytes(33),
    );
    p.protect(&mut rng, &[&f], ph, th)?;
    super::status("DELETE_SA", p.delete_tx(&[th])?, NDIS_STATUS_SUCCESS)?;
    let (statuses, wire) = p.send(vec![send_nbl(&mut rng, &[&f.frame], ph, th, f.header_info)])?;
    eq("send completion", statuses, vec![Some(NDIS_STATUS_FAILURE)])?;
    eq("frames on the wire", wire.len(), 0)?;
    p.finish()
}

fn esn_mismatched_high_bits<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(5201);
    let esps = esp_algs();
    let e = esps.get(2).ok_or("alg")?;
    let mut p = P::open(&PairAdapter::default())?;
    let h = p.add_tx(&bundle(BundleSpec::esp(e, 0x8000).esn()))?;
    let mut inb = bundle(BundleSpec::esp(e, 0x8000).inbound().esn());
    inb.sa[0].seq_high = 8;
    p.add_rx(&inb)?;
    let f = frame(
        &ip(false),
        &Layer {
            esp: Some((e.shape, 0x8000)),
            ah: None,
            udp: false,
        },
        1,
        &rng.bytes(10),
        6,
    );
    let w = p.protect(&mut rng, &[&f], h, 0)?;
    let got = p.receive(&mut rng, &w)?;
    ensure!(got[0].0.crypto_done, "CryptoDone clear");
    eq(
        "CryptoStatus",
        got[0].0.status,
        CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
    )?;
    p.finish()
}
