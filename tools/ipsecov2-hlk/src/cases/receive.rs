//! Group `receive`: tampered, truncated, unknown-SPI and non-IPsec packets, protocol
//! mismatches, read-only NBLs and wildcard-destination SAs on the receive path.

use super::scenario::*;
use super::{ensure, eq, module_case};
use crate::target::{DatapathPair, PairAdapter};
use crate::tcpip::*;
use crate::{Case, Outcome};
use ipsec_engine::wire::{esp, IPV4_HEADER_LEN, IPV6_HEADER_LEN};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::SplitMix64;

pub fn receive(v: &mut Vec<Case>) {
    const G: &str = "receive";
    // Tampering: ICV, ciphertext, IV byte flipped for every ESP transform.
    for (i, e) in esp_algs().iter().enumerate() {
        v.push(module_case(G, format!("tampered-esp-{}", slug(e.name)), "payload, IV and ICV byte flips: CryptoDone, TRANSPORT_ESP_AUTH_FAILED, bytes untouched", move || on_pair!(tampered_esp(i))));
    }
    for (i, a) in ah_algs().iter().enumerate() {
        for tunnel in [false, true] {
            v.push(module_case(
                G,
                format!(
                    "tampered-ah-{}/{}",
                    slug(a.name),
                    if tunnel { "tunnel" } else { "transport" }
                ),
                "payload byte flipped under AH: CryptoDone, {TRANSPORT,TUNNEL}_AH_AUTH_FAILED",
                move || on_pair!(tampered_ah(i, tunnel)),
            ));
        }
    }
    for name in ["aes128+sha1", "3des+sha256", "gcm256/16", "null+md5"] {
        v.push(module_case(G, format!("truncated/{}", slug(name)), "ESP cut by 1/3/5/7 bytes (IP length fixed): CryptoDone, INVALID_PACKET_SYNTAX or auth failure, untouched bytes", move || on_pair!(truncated(name))));
    }
    v.push(module_case(
        G,
        "truncated/inside-esp-header",
        "cut inside the ESP header: untouched (no SA found)",
        || on_pair!(truncated_inside_esp_header()),
    ));
    for v6 in [false, true] {
        v.push(module_case(
            G,
            format!("unknown-spi/{}", if v6 { "ipv6" } else { "ipv4" }),
            "SPI of no inbound SA: indicated untouched, bytes unchanged",
            move || on_pair!(unknown_spi(v6)),
        ));
    }
    v.push(module_case(
        G,
        "non-ipsec-untouched",
        "plain UDP and ARP frames: untouched",
        || on_pair!(non_ipsec_untouched()),
    ));
    v.push(module_case(
        G,
        "read-only-not-processed",
        "NDIS_NBL_FLAGS_RECV_READ_ONLY: CryptoDone clear, bytes unchanged",
        || on_pair!(read_only_not_processed()),
    ));
    v.push(module_case(
        G,
        "protocol-mismatch-plain-esp-for-udp-sa",
        "plain ESP received on a UDP-ESP inbound SA: INVALID_PROTOCOL",
        || on_pair!(protocol_mismatch_plain_esp_for_udp_sa()),
    ));
    v.push(module_case(
        G,
        "protocol-mismatch-plain-esp-for-esp-ah-sa",
        "plain ESP received on an ESP+AH inbound bundle: INVALID_PROTOCOL",
        || on_pair!(protocol_mismatch_plain_esp_for_esp_ah_sa()),
    ));
    v.push(module_case(
        G,
        "wildcard-destination-sa",
        "inbound SA with an all-zero destination matches the packet",
        || on_pair!(wildcard_destination_sa()),
    ));
    v.push(module_case(
        G,
        "tunnel-esp-auth-failure-after-mode-known",
        "after a good tunnel packet, a tampered one: TUNNEL_ESP_AUTH_FAILED",
        || on_pair!(tunnel_esp_auth_failure_after_mode_known()),
    ));
}

/// ESP transform `i`: payload, IV and ICV byte flips fail authentication, bytes untouched.
fn tampered_esp<P: DatapathPair>(i: usize) -> Outcome {
    let mut rng = SplitMix64::new(3000 + i as u64);
    let s = Scn::new(Some(i), None, false, false);
    let (mut p, f, wire) = one_on::<P>(s, &mut rng, 48)?;
    let esp_at = ETH + IPV4_HEADER_LEN;
    let icv_at = wire.len() - 2;
    // Sequence number, first IV/payload bytes, a later payload byte, the ICV.
    let positions = [
        esp_at + esp::field::SEQ.start,
        esp_at + esp::field::PAYLOAD + 1,
        esp_at + esp::field::PAYLOAD + 20,
        icv_at,
    ];
    let frames: Vec<Vec<u8>> = positions
        .iter()
        .map(|&at| {
            let mut t = wire.clone();
            if let Some(b) = t.get_mut(at) {
                *b ^= 0x01;
            }
            t
        })
        .collect();
    let got = p.receive(&mut rng, &frames)?;
    for ((view, bytes), (sent, at)) in got.iter().zip(frames.iter().zip(positions)) {
        ensure!(view.crypto_done, "flip at {at}: CryptoDone clear");
        eq(
            &format!("flip at {at}: CryptoStatus"),
            view.status,
            CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
        )?;
        ensure!(
            !view.header_set,
            "flip at {at}: HeaderInfoSet on a failed packet"
        );
        ensure!(
            bytes == sent,
            "flip at {at}: failed packet's bytes modified"
        );
    }
    let _ = f;
    p.finish()
}

/// AH transform `i`: a payload byte flipped fails authentication in the packet's mode.
fn tampered_ah<P: DatapathPair>(i: usize, tunnel: bool) -> Outcome {
    let mut rng = SplitMix64::new(3100 + i as u64);
    let s = Scn::new(None, Some(i), false, tunnel);
    let (mut p, _f, mut wire) = one_on::<P>(s, &mut rng, 40)?;
    let last = wire.len() - 1;
    wire[last] ^= 0x80;
    let got = p.receive(&mut rng, std::slice::from_ref(&wire))?;
    ensure!(got[0].0.crypto_done, "CryptoDone clear");
    eq(
        "CryptoStatus",
        got[0].0.status,
        if tunnel {
            CRYPTO_TUNNEL_AH_AUTH_FAILED
        } else {
            CRYPTO_TRANSPORT_AH_AUTH_FAILED
        },
    )?;
    ensure!(got[0].1 == wire, "bytes modified");
    p.finish()
}

/// ESP transform `name` cut by 1, 3, 5 and 7 bytes: a syntax or authentication failure.
fn truncated<P: DatapathPair>(name: &str) -> Outcome {
    let mut rng = SplitMix64::new(3200);
    let i = esp_index(name).ok_or("no algorithm")?;
    let (mut p, _f, wire) = one_on::<P>(Scn::new(Some(i), None, false, false), &mut rng, 64)?;
    let cbc = name.starts_with("aes") || name.starts_with("3des");
    for cut in [1usize, 3, 5, 7] {
        let mut t = wire[..wire.len() - cut].to_vec();
        fix_ipv4_len(&mut t);
        let got = p.receive(&mut rng, std::slice::from_ref(&t))?;
        ensure!(got[0].0.crypto_done, "cut {cut}: CryptoDone clear");
        // A cut CBC body is no longer a block multiple: syntax. Otherwise the ICV no
        // longer verifies.
        let want = if cbc {
            CRYPTO_INVALID_PACKET_SYNTAX
        } else {
            CRYPTO_TRANSPORT_ESP_AUTH_FAILED
        };
        eq(&format!("cut {cut}: CryptoStatus"), got[0].0.status, want)?;
        ensure!(got[0].1 == t, "cut {cut}: bytes modified");
    }
    p.finish()
}

/// An SPI no inbound SA has: indicated untouched.
fn unknown_spi<P: DatapathPair>(v6: bool) -> Outcome {
    let mut rng = SplitMix64::new(3300);
    let (mut p, _f, mut wire) = one_on::<P>(Scn::new(Some(2), None, v6, false), &mut rng, 20)?;
    let ip_len = if v6 { IPV6_HEADER_LEN } else { IPV4_HEADER_LEN };
    let at = ETH + ip_len + esp::field::SPI.end - 1;
    wire[at] ^= 0x40;
    let got = p.receive(&mut rng, std::slice::from_ref(&wire))?;
    eq("indication", got[0].0, UNTOUCHED)?;
    ensure!(got[0].1 == wire, "bytes modified");
    p.finish()
}

fn truncated_inside_esp_header<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(3201);
    let i = esp_index("aes128+sha1").ok_or("no algorithm")?;
    let (mut p, _f, wire) = one_on::<P>(Scn::new(Some(i), None, false, false), &mut rng, 64)?;
    // Cut inside the ESP header: the SPI and half of the sequence number.
    let mut t = wire[..ETH + IPV4_HEADER_LEN + 6].to_vec();
    fix_ipv4_len(&mut t);
    let got = p.receive(&mut rng, std::slice::from_ref(&t))?;
    eq("indication", got[0].0, UNTOUCHED)?;
    ensure!(got[0].1 == t, "bytes modified");
    p.finish()
}

fn non_ipsec_untouched<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(3301);
    let (mut p, _, _) = peers_on::<P>(&Scn::new(Some(2), None, false, false), 0x300)?;
    let plain = frame(
        &ip(false),
        &Layer {
            esp: None,
            ah: None,
            udp: false,
        },
        1,
        &rng.bytes(20),
        17,
    )
    .frame;
    let mut arp = plain.clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let frames = vec![plain, arp];
    for ((view, bytes), sent) in p.receive(&mut rng, &frames)?.iter().zip(&frames) {
        eq("indication", *view, UNTOUCHED)?;
        ensure!(bytes == sent, "bytes modified");
    }
    p.finish()
}

fn read_only_not_processed<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(3302);
    let (mut p, _f, wire) = one_on::<P>(Scn::new(Some(2), None, false, false), &mut rng, 20)?;
    let got = p.receive_flagged(
        &mut rng,
        std::slice::from_ref(&wire),
        NDIS_NBL_FLAGS_RECV_READ_ONLY,
    )?;
    ensure!(!got[0].0.crypto_done, "CryptoDone set on a read-only NBL");
    ensure!(got[0].1 == wire, "bytes modified");
    p.finish()
}

/// What TCP/IP got of one NBL: its receive information and bytes.
type Got = (RecvView, Vec<u8>);

/// One packet of ESP AES-GCM-128 transport over IPv4 (SPI 0x0200_0000) protected by a sender,
/// received by a receiver that holds `inbound` instead of the matching SA: what TCP/IP got.
fn received_on<P: DatapathPair>(
    rng: &mut SplitMix64,
    inbound: &AddSa,
) -> Result<(P, Framed, Vec<Got>), String> {
    let s = Scn::new(Some(2), None, false, false);
    let (out, _, layer) = bundles(&s, 0x0200_0000)?;
    let mut p = P::open(&PairAdapter::default())?;
    let handle = p.add_tx(&out).map_err(|x| format!("outbound: {x}"))?;
    p.add_rx(inbound).map_err(|x| format!("inbound: {x}"))?;
    let f = frame_for(&s, &layer, 5, &rng.bytes(20));
    let wire = p.protect(rng, &[&f], handle, 0)?;
    let got = p.receive(rng, &wire)?;
    Ok((p, f, got))
}

fn protocol_mismatch_plain_esp_for_udp_sa<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(3303);
    let i = esp_index("gcm128/16").ok_or("no algorithm")?;
    let esps = esp_algs();
    let inbound = bundle(
        BundleSpec::esp(&esps[i], 0x0200_0000)
            .inbound()
            .udp(IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT),
    );
    let (p, _f, got) = received_on::<P>(&mut rng, &inbound)?;
    ensure!(got[0].0.crypto_done, "CryptoDone clear");
    eq("CryptoStatus", got[0].0.status, CRYPTO_INVALID_PROTOCOL)?;
    p.finish()
}

fn protocol_mismatch_plain_esp_for_esp_ah_sa<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(3305);
    let esps = esp_algs();
    let ahs = ah_algs();
    let inbound = bundle(
        BundleSpec::esp(&esps[2], 0x0200_0000)
            .with_ah(&ahs[1], 0x0200_0001)
            .inbound(),
    );
    let (p, _f, got) = received_on::<P>(&mut rng, &inbound)?;
    ensure!(got[0].0.crypto_done, "CryptoDone clear");
    eq("CryptoStatus", got[0].0.status, CRYPTO_INVALID_PROTOCOL)?;
    p.finish()
}

fn wildcard_destination_sa<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(3306);
    let esps = esp_algs();
    let mut sa = bundle(BundleSpec::esp(&esps[2], 0x0200_0000).inbound());
    sa.dst = [0; 16];
    let (p, f, got) = received_on::<P>(&mut rng, &sa)?;
    check_received(&got, std::slice::from_ref(&f), false)?;
    p.finish()
}

fn tunnel_esp_auth_failure_after_mode_known<P: DatapathPair>() -> Outcome {
    let mut rng = SplitMix64::new(3304);
    let s = Scn::new(Some(2), None, false, true);
    let (mut p, handle, layer) = peers_on::<P>(&s, 0x500)?;
    let f1 = frame_for(&s, &layer, 2, &rng.bytes(30));
    let f2 = frame_for(&s, &layer, 3, &rng.bytes(30));
    let w = p.protect(&mut rng, &[&f1, &f2], handle, 0)?;
    eq(
        "good tunnel packet",
        p.receive(&mut rng, &w[..1])?[0].0.status,
        CRYPTO_SUCCESS,
    )?;
    let mut bad = w[1].clone();
    let l = bad.len() - 1;
    bad[l] ^= 1;
    eq(
        "tampered tunnel packet",
        p.receive(&mut rng, &[bad])?[0].0.status,
        CRYPTO_TUNNEL_ESP_AUTH_FAILED,
    )?;
    p.finish()
}
