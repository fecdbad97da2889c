//! Interoperability: ESP packets written by `ipsecctl pcap encrypt` are
//! opened with independent RustCrypto implementations (aes-gcm; cbc + hmac),
//! following RFC 4303 / RFC 4106 / RFC 2404 by hand: the wire format, the
//! tunnel-mode inner packet, the padding and the next header are standard.
#![cfg(test)]

mod common;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce, Tag};
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use common::*;
use hmac::Mac;

fn encrypt(name: &str, frames: &[Vec<u8>], sa: &str) -> Vec<Vec<u8>> {
    let dir = tempdir(name);
    let input = dir.join("in.pcap");
    let out = dir.join("out.pcap");
    std::fs::write(&input, pcap_bytes(101, frames, false, false)).unwrap();
    json_report(&run_pcap("encrypt", &[sa], &input, &out, true));
    let r = read_capture(&out)
        .packets
        .into_iter()
        .map(|p| p.data)
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// Check the RFC 4303 trailer and return the payload and next header.
fn strip_trailer(plain: &[u8]) -> (&[u8], u8) {
    let nh = plain[plain.len() - 1];
    let pad = usize::from(plain[plain.len() - 2]);
    let body = &plain[..plain.len() - 2 - pad];
    let padding = &plain[plain.len() - 2 - pad..plain.len() - 2];
    assert!(
        padding
            .iter()
            .enumerate()
            .all(|(i, b)| usize::from(*b) == i + 1),
        "padding 1, 2, 3, ..."
    );
    (body, nh)
}

fn traffic() -> Vec<Vec<u8>> {
    (0..5)
        .map(|i| {
            ipv4(
                "10.0.0.1".parse().unwrap(),
                "10.0.1.1".parse().unwrap(),
                17,
                &udp(1000, 53, &payload(i, 3 + i * 29)),
                i as u16,
            )
        })
        .collect()
}

#[test]
fn gcm_tunnel_packets_open_with_aes_gcm() {
    let key = hex16(0x01);
    let salt = [0xa0, 0xa1, 0xa2, 0xa3];
    let sa = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x01020304 mode tunnel aead 'rfc4106(gcm(aes))' 0x{}{} 128",
        hex(&key),
        hex(&salt)
    );
    let frames = traffic();
    let enc = encrypt("interop-gcm", &frames, &sa);
    let aead = Aes128Gcm::new_from_slice(&key).unwrap();
    for (i, (e, p)) in enc.iter().zip(&frames).enumerate() {
        assert_eq!(e[9], 50);
        let esp = &e[20..];
        let aad = &esp[..8];
        assert_eq!(&aad[..4], &[1, 2, 3, 4]);
        assert_eq!(
            u32::from_be_bytes(aad[4..8].try_into().unwrap()),
            i as u32 + 1
        );
        let iv = &esp[8..16];
        let mut nonce = salt.to_vec();
        nonce.extend_from_slice(iv);
        let (ct, tag) = esp[16..].split_at(esp.len() - 16 - 16);
        let mut buf = ct.to_vec();
        aead.decrypt_in_place_detached(
            Nonce::from_slice(&nonce),
            aad,
            &mut buf,
            Tag::from_slice(tag),
        )
        .unwrap();
        let (inner, nh) = strip_trailer(&buf);
        assert_eq!(nh, 4, "tunnel mode: next header IPv4");
        assert_eq!(inner, &p[..]);
        // Outer header: a valid IPv4 header checksum.
        assert_eq!(ip_checksum(&e[..20]), 0);
    }
}

#[test]
fn cbc_hmac_sha1_transport_packets_open_with_cbc_and_hmac() {
    let key = hex16(0x11);
    let auth: Vec<u8> = (0..20).map(|i| 0x40 + i as u8).collect();
    let sa = format!(
        "src 10.0.0.1 dst 10.0.1.1 proto esp spi 0x99 enc 'cbc(aes)' 0x{} auth 'hmac(sha1)' 0x{}",
        hex(&key),
        hex(&auth)
    );
    let frames = traffic();
    let enc = encrypt("interop-cbc", &frames, &sa);
    for (e, p) in enc.iter().zip(&frames) {
        assert_eq!(e[9], 50, "transport: protocol ESP");
        assert_eq!(&e[12..20], &p[12..20], "addresses kept");
        assert_eq!(ip_checksum(&e[..20]), 0);
        let esp = &e[20..];
        let (signed, icv) = esp.split_at(esp.len() - 12);
        let mut mac = <hmac::Hmac<sha1::Sha1> as Mac>::new_from_slice(&auth).unwrap();
        mac.update(signed);
        assert_eq!(
            &mac.finalize().into_bytes()[..12],
            icv,
            "HMAC-SHA1-96 over SPI..ciphertext"
        );
        let iv = &signed[8..24];
        let mut body = signed[24..].to_vec();
        assert_eq!(body.len() % 16, 0);
        let mut dec = cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, iv).unwrap();
        for block in body.chunks_mut(16) {
            dec.decrypt_block_mut(aes::Block::from_mut_slice(block));
        }
        let (l4, nh) = strip_trailer(&body);
        assert_eq!(nh, 17, "transport mode: next header UDP");
        assert_eq!(l4, &p[20..]);
    }
}

fn hex16(start: u8) -> Vec<u8> {
    (0..16).map(|i| start.wrapping_add(i)).collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn ip_checksum(h: &[u8]) -> u16 {
    let mut s: u32 = h
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}
