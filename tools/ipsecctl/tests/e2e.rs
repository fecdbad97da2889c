//! End-to-end: the built binary on generated captures, round trips (the drops and failures
//! are in `e2e_drops.rs`, lifetimes, selectors and odd captures in `e2e_cases.rs`).
#![cfg(test)]

mod common;
#[path = "common/e2e.rs"]
mod e2e_common;

use common::*;
use e2e_common::*;

#[test]
fn gcm_tunnel_ipv4_round_trip() {
    let frames = v4_traffic();
    let mut all = frames.clone();
    // One packet outside the selector: passes unchanged both ways.
    all.push(ipv4(
        v4("10.9.9.9"),
        v4("10.0.1.1"),
        17,
        &udp(1, 2, b"outside"),
        99,
    ));
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 1 mode tunnel \
         aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 \
         sel src 10.0.0.0/24 dst 10.0.1.0/24"
    );
    let (enc, r1, r2) = round_trip("gcm-tunnel", 101, &all, &[&sa]);
    for (i, f) in enc.iter().enumerate().take(6) {
        assert_eq!(f[0] >> 4, 4);
        assert_eq!(f[9], 50, "packet {i} is ESP");
        assert_eq!(&f[12..16], &[192, 0, 2, 1]);
        assert_eq!(&f[16..20], &[192, 0, 2, 2]);
        assert_eq!(&f[20..24], &[0, 0, 0x10, 0]);
        assert_eq!(
            u32::from_be_bytes(f[24..28].try_into().unwrap()),
            i as u32 + 1
        );
    }
    assert_eq!(enc[6], all[6], "outside the selector: unchanged");
    let plain_bytes: usize = frames.iter().map(Vec::len).sum();
    let wire_bytes: usize = enc.iter().take(6).map(Vec::len).sum();
    assert_eq!(r1["command"], "encrypt");
    assert_eq!(r1["packets"]["read"], 7);
    assert_eq!(r1["packets"]["transformed"], 6);
    assert_eq!(r1["packets"]["passed"], 1);
    assert_eq!(r1["packets"]["dropped"], 0);
    assert_eq!(r1["sas"][0]["dir"], "out");
    assert_eq!(r1["sas"][0]["packets"], 6);
    assert_eq!(r1["sas"][0]["bytes"], plain_bytes);
    assert_eq!(r1["sas"][0]["wire_bytes"], wire_bytes);
    assert_eq!(r1["sas"][0]["last_seq"], 6);
    assert_eq!(r2["sas"][0]["dir"], "in");
    assert_eq!(r2["sas"][0]["packets"], 6);
    assert_eq!(r2["sas"][0]["bytes"], plain_bytes);
    assert_eq!(r2["sas"][0]["wire_bytes"], wire_bytes);
    assert_eq!(r2["packets"]["transformed"], 6);
    assert_eq!(r2["packets"]["passed"], 1);
}

#[test]
fn cbc_sha256_transport_ipv6_over_vlan_ethernet_round_trip() {
    let frames: Vec<Vec<u8>> = v6_traffic(5).iter().map(|p| ether(p, Some(42))).collect();
    let sa = format!(
        "src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x2000 mode transport \
         enc 'cbc(aes)' {CBC_KEY} auth-trunc 'hmac(sha256)' {SHA256_KEY} 128 replay-window 128"
    );
    let (enc, r1, r2) = round_trip("cbc-v6", 1, &frames, &[&sa]);
    for f in &enc {
        // MAC header and VLAN tag kept, EtherType IPv6, next header ESP.
        assert_eq!(&f[..18], &frames[0][..18]);
        assert_eq!(f[18] >> 4, 6);
        assert_eq!(f[18 + 6], 50);
        // CBC: 16-byte IV, payload padded to the block, 16-byte ICV.
        let esp_len = f.len() - 18 - 40;
        assert_eq!((esp_len - 8 - 16 - 16) % 16, 0);
    }
    assert_eq!(r1["sas"][0]["packets"], 5);
    assert_eq!(r2["sas"][0]["packets"], 5);
    assert_eq!(r1["sas"][0]["algorithms"], "cbc(aes)+hmac(sha256)");
}

#[test]
fn ah_transport_round_trip() {
    let frames = v4_traffic();
    // Transport mode without sel: the SA's own src/dst select the packets.
    let sa = format!(
        "src 10.0.0.1 dst 10.0.1.1 proto ah spi 0x3000 auth-trunc 'hmac(sha1)' {SHA1_KEY} 96"
    );
    let (enc, r1, _) = round_trip("ah", 101, &frames, &[&sa]);
    for (e, p) in enc.iter().zip(&frames) {
        assert_eq!(e[9], 51, "AH");
        // AH with HMAC-SHA1-96 in IPv4: 12 + 12 = 24 bytes.
        assert_eq!(e.len(), p.len() + 24);
        // Payload after AH is in the clear.
        assert_eq!(&e[20 + 24..], &p[20..]);
    }
    assert_eq!(r1["sas"][0]["proto"], "ah");
}

#[test]
fn esp_ah_bundle_round_trip() {
    let frames = v4_traffic();
    let esp = format!(
        "src 10.0.0.1 dst 10.0.1.1 proto esp spi 0x4001 enc 'cbc(aes)' {CBC_KEY} auth 'hmac(sha1)' {SHA1_KEY}"
    );
    let ah = format!("src 10.0.0.1 dst 10.0.1.1 proto ah spi 0x4002 auth 'hmac(md5)' {CBC_KEY}");
    let (enc, r1, r2) = round_trip("bundle", 101, &frames, &[&ah, &esp]);
    for e in &enc {
        assert_eq!(e[9], 51, "AH outside");
        assert_eq!(e[20], 50, "ESP inside AH");
        assert_eq!(&e[24..28], &[0, 0, 0x40, 0x02]);
        assert_eq!(&e[20 + 24..20 + 28], &[0, 0, 0x40, 0x01]);
    }
    for r in [&r1, &r2] {
        assert_eq!(r["sas"][0]["bundle_with"], 2);
        assert_eq!(r["sas"][1]["bundle_with"], 1);
        assert_eq!(r["sas"][0]["packets"], 6);
        assert_eq!(r["sas"][1]["packets"], 6);
    }
}

#[test]
fn udp_encap_tunnel_round_trip() {
    let frames: Vec<Vec<u8>> = v4_traffic().iter().map(|p| ether(p, None)).collect();
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x5000 mode tunnel \
         aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 encap espinudp 4500 4500 0.0.0.0"
    );
    let (enc, r1, r2) = round_trip("udp-encap", 1, &frames, &[&sa]);
    for e in &enc {
        let ip = &e[14..];
        assert_eq!(ip[9], 17, "UDP");
        assert_eq!(&ip[20..24], &[0x11, 0x94, 0x11, 0x94], "ports 4500 -> 4500");
        assert_eq!(&ip[28..32], &[0, 0, 0x50, 0], "SPI after the UDP header");
    }
    assert_eq!(r1["sas"][0]["encap"], "espinudp 4500 4500");
    assert_eq!(r2["sas"][0]["packets"], 6);
}

#[test]
fn esn_with_replay_oseq_hi_round_trip() {
    let frames = v4_traffic();
    // Last sent 0x1_fffffffd: the packets carry 0x1_fffffffe .. 0x2_00000003,
    // the low half wraps on the wire. The receiver has seen up to 0x1_fffffff0.
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x6000 mode tunnel \
         aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64 flag esn \
         replay-oseq 0xfffffffd replay-oseq-hi 0x1 replay-seq 0xfffffff0 replay-seq-hi 1"
    );
    let (enc, r1, r2) = round_trip("esn", 101, &frames, &[&sa]);
    let lows: Vec<u32> = enc
        .iter()
        .map(|e| u32::from_be_bytes(e[24..28].try_into().unwrap()))
        .collect();
    assert_eq!(lows, vec![0xffff_fffe, 0xffff_ffff, 0, 1, 2, 3]);
    assert_eq!(r1["sas"][0]["last_seq"], 0x2_0000_0003u64);
    assert_eq!(r2["sas"][0]["last_seq"], 0x2_0000_0003u64);
    assert_eq!(r1["sas"][0]["esn"], true);
}

#[test]
fn every_algorithm_round_trips() {
    let frames = v4_traffic();
    let cases = [
        format!("aead 'rfc4106(gcm(aes))' {GCM_KEY} 64"),
        format!("aead 'rfc4106(gcm(aes))' {GCM_KEY} 96"),
        "aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3 128".to_string(),
        format!("aead 'rfc4543(gcm(aes))' {GCM_KEY} 128"),
        format!("enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f1011121314151617 auth 'hmac(md5)' {CBC_KEY}"),
        format!("enc 'cbc(des3_ede)' 0x0123456789abcdef23456789abcdef01456789abcdef0123 auth 'hmac(sha1)' {SHA1_KEY}"),
        format!("enc 'cbc(des)' 0x0123456789abcdef auth-trunc 'hmac(md5)' {CBC_KEY} 96"),
        format!("enc 'ecb(cipher_null)' '' auth 'hmac(sha1)' {SHA1_KEY}"),
        format!("enc aes 'sixteen byte key' auth-trunc sha256 {SHA256_KEY} 128 flag align4"),
    ];
    for (i, algs) in cases.iter().enumerate() {
        for mode in ["transport", "tunnel"] {
            let sa = format!(
                "src 10.0.0.1 dst 10.0.1.1 proto esp spi {} mode {mode} {algs}",
                0x7000 + i
            );
            let (enc, r1, r2) = round_trip(&format!("alg-{i}-{mode}"), 101, &frames, &[&sa]);
            assert!(enc.iter().all(|e| e[9] == 50), "{algs}");
            assert_eq!(r1["sas"][0]["packets"], 6, "{algs}");
            assert_eq!(r2["sas"][0]["packets"], 6, "{algs}");
        }
    }
}
