//! AH (RFC 4302) tests: ICV cross-checked against an independent HMAC over
//! a copy of the packet with the RFC 4302 Appendix A mutable fields zeroed;
//! in-transit mutation of mutable fields is tolerated, of immutable fields
//! detected; IPv4 options (incl. source route), IPv6 options with the
//! "may change" bit, IPv6 type 0 routing header, GMAC, ESN, the ESP-then-AH
//! bundle.
#![cfg(test)]

mod common;

use common::{frame, key_bytes};
use hmac::{Hmac, Mac};
use ipsec_engine::ah::{open_ah_then_esp, seal_esp_then_ah};
use ipsec_engine::{
    AesKeySize, AhIntegrity, AhSa, EspConfig, EspEncryption, EspIntegrity, EspSa, GcmIcvLen,
    PacketError,
};
use proptest::prelude::*;

fn ipv4_checksum(h: &mut [u8]) {
    h[10] = 0;
    h[11] = 0;
    let mut s: u32 = 0;
    for c in h.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    let c = !(s as u16);
    h[10..12].copy_from_slice(&c.to_be_bytes());
}

/// IPv4 | options | AH | payload, for `alg`; returns (packet, ah_offset).
fn ipv4_packet(alg: AhIntegrity, options: &[u8], payload: &[u8]) -> (Vec<u8>, usize) {
    assert_eq!(options.len() % 4, 0);
    let ihl = 20 + options.len();
    let ah_len = (12 + alg.iv_len() + alg.icv_len()).next_multiple_of(4);
    let total = ihl + ah_len + payload.len();
    let mut p = vec![0u8; total];
    p[0] = 0x40 | (ihl / 4) as u8;
    p[1] = 0xb8; // DSCP EF + ECN
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[4..6].copy_from_slice(&0x1234u16.to_be_bytes());
    p[6] = 0x40; // DF
    p[8] = 64;
    p[9] = 51;
    p[12..16].copy_from_slice(&[192, 0, 2, 1]);
    p[16..20].copy_from_slice(&[198, 51, 100, 7]);
    p[20..ihl].copy_from_slice(options);
    p[ihl] = 6; // next header TCP
    p[ihl + 1] = (ah_len / 4 - 2) as u8;
    p[ihl + 4..ihl + 8].copy_from_slice(&0x0102_0304u32.to_be_bytes());
    p[ihl + 8..ihl + 12].copy_from_slice(&42u32.to_be_bytes());
    p[ihl + ah_len..].copy_from_slice(payload);
    ipv4_checksum(&mut p[..ihl]);
    (p, ihl)
}

fn hmac_ref(alg: AhIntegrity, key: &[u8], data: &[u8]) -> Vec<u8> {
    match alg {
        AhIntegrity::HmacMd5_96 => {
            let mut m = Hmac::<md5::Md5>::new_from_slice(key).unwrap();
            m.update(data);
            m.finalize().into_bytes()[..12].to_vec()
        }
        AhIntegrity::HmacSha1_96 => {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
            m.update(data);
            m.finalize().into_bytes()[..12].to_vec()
        }
        AhIntegrity::HmacSha256_128 => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            m.update(data);
            m.finalize().into_bytes()[..16].to_vec()
        }
        AhIntegrity::AesGmac(_) => unreachable!(),
    }
}

// Router Alert (immutable), Record Route (mutable), NOP (immutable), EOL.
const OPTS: [u8; 12] = [148, 4, 0, 0, 7, 7, 4, 10, 0, 0, 1, 1];

#[test]
fn ipv4_icv_matches_independent_computation() {
    for alg in [
        AhIntegrity::HmacMd5_96,
        AhIntegrity::HmacSha1_96,
        AhIntegrity::HmacSha256_128,
    ] {
        for esn in [false, true] {
            let key = key_bytes(alg.key_len(), 3);
            let sa = AhSa::new(alg, esn, &key).unwrap();
            let (mut p, ah) = ipv4_packet(alg, &OPTS, b"tcp segment bytes");
            sa.seal(&mut p, ah, 0xaabb_ccdd).unwrap();
            // Independent: zero TOS, flags/frag, TTL, checksum, the whole
            // Record Route option and the ICV field.
            let mut z = p.clone();
            z[1] = 0;
            z[6] = 0;
            z[7] = 0;
            z[8] = 0;
            z[10] = 0;
            z[11] = 0;
            z[24..31].fill(0);
            z[ah + 12..ah + 12 + alg.icv_len()].fill(0);
            if esn {
                z.extend(0xaabb_ccddu32.to_be_bytes());
            }
            assert_eq!(
                p[ah + 12..ah + 12 + alg.icv_len()],
                hmac_ref(alg, &key, &z)[..],
                "{alg:?}"
            );
            // In-transit changes of mutable fields are tolerated.
            let mut q = p.clone();
            q[8] -= 3; // TTL
            q[1] = 0x02; // ECN CE-ish
            q[6] = 0; // DF cleared
            q[27..31].copy_from_slice(&[10, 9, 8, 7]); // Record Route data
            q[26] = 8; // Record Route pointer
            ipv4_checksum(&mut q[..ah]);
            let o = sa.open(&q, ah, 0xaabb_ccdd).unwrap();
            assert_eq!((o.next_header, o.spi, o.seq), (6, 0x0102_0304, 42));
            // Immutable changes are detected.
            for i in [
                0usize,
                2,
                5,
                9,
                13,
                17,
                20,
                22,
                ah,
                ah + 4,
                ah + 9,
                p.len() - 1,
            ] {
                let mut r = p.clone();
                r[i] ^= 0x01;
                assert!(
                    sa.open(&r, ah, 0xaabb_ccdd).is_err(),
                    "byte {i} not covered"
                );
            }
            if esn {
                assert_eq!(sa.open(&p, ah, 0xaabb_ccdc), Err(PacketError::IcvMismatch));
            }
        }
    }
}

#[test]
fn ipv4_loose_source_route_predicts_final_destination() {
    let alg = AhIntegrity::HmacSha1_96;
    let sa = AhSa::new(alg, false, &key_bytes(20, 9)).unwrap();
    let r1 = [10, 0, 0, 1];
    let r2 = [10, 0, 0, 2];
    let d = [10, 0, 0, 3];
    // LSRR: type 131, len 11, ptr 4, route [R2, D]; then EOL padding.
    let mut opts = vec![131, 11, 4];
    opts.extend(r2);
    opts.extend(d);
    opts.push(0);
    let (mut p, ah) = ipv4_packet(alg, &opts, b"data");
    p[16..20].copy_from_slice(&r1);
    ipv4_checksum(&mut p[..ah]);
    sa.seal(&mut p, ah, 0).unwrap();
    // Hop at R1: dst := R2, record R1' in slot 0, ptr 8.
    p[16..20].copy_from_slice(&r2);
    p[23..27].copy_from_slice(&[172, 16, 0, 1]);
    p[22] = 8;
    p[8] -= 1;
    // Hop at R2: dst := D, record R2' in slot 1, ptr 12 (route exhausted).
    p[16..20].copy_from_slice(&d);
    p[27..31].copy_from_slice(&[172, 16, 0, 2]);
    p[22] = 12;
    p[8] -= 1;
    ipv4_checksum(&mut p[..ah]);
    sa.open(&p, ah, 0).unwrap();
    // A different final destination is detected.
    p[19] = 99;
    assert_eq!(sa.open(&p, ah, 0), Err(PacketError::IcvMismatch));
}

#[test]
fn ipv4_fragments_and_garbage_are_rejected() {
    let alg = AhIntegrity::HmacSha1_96;
    let sa = AhSa::new(alg, false, &key_bytes(20, 1)).unwrap();
    let (mut p, ah) = ipv4_packet(alg, &[], b"x");
    p[6] = 0x20; // MF
    assert_eq!(sa.seal(&mut p, ah, 0), Err(PacketError::Fragment));
    let (mut p, ah) = ipv4_packet(alg, &[], b"x");
    p[ah + 1] = 1; // AH too short for the ICV
    assert_eq!(sa.seal(&mut p, ah, 0), Err(PacketError::BadLength));
    let (mut p, _) = ipv4_packet(alg, &[], b"x");
    assert!(sa.seal(&mut p, 7, 0).is_err());
    assert!(sa.open(&p, 19, 0).is_err());
    assert_eq!(sa.open(&[0x45, 0, 0], 0, 0), Err(PacketError::Truncated));
}

/// IPv6 | HBH (option 0x3e with the change bit, PadN) | RH0 (2 addrs, 1 left) |
/// AH | DstOpts (0x3e) | payload.
fn ipv6_packet(alg: AhIntegrity) -> (Vec<u8>, usize) {
    let mut p = vec![0u8; 40];
    p[0] = 0x6a; // version 6, TC high nibble
    p[1] = 0xbc;
    p[2] = 0xde;
    p[3] = 0xf0;
    p[6] = 0; // HBH
    p[7] = 64;
    p[8..24].copy_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    p[24..40].copy_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa1]);
    // HBH: next = routing (43), len 0 (8 bytes): opt 0x3e len 2 data, PadN? 2+4 = 6 -> exact.
    p.extend([43, 0, 0x3e, 2, 0x11, 0x22, 0x01, 0x00]);
    // RH0: next = AH, len 4 (2 addresses), type 0, segments left 1.
    p.extend([51, 4, 0, 1, 0, 0, 0, 0]);
    p.extend([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa2]);
    p.extend([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xdd]);
    let ah = p.len();
    let ah_len = (12 + alg.iv_len() + alg.icv_len()).next_multiple_of(8);
    let mut a = vec![0u8; ah_len];
    a[0] = 60;
    a[1] = (ah_len / 4 - 2) as u8;
    a[4..8].copy_from_slice(&0x0bad_cafeu32.to_be_bytes());
    a[8..12].copy_from_slice(&7u32.to_be_bytes());
    p.extend(a);
    // DstOpts after AH: next = 59 (none), opt 0x3e (change bit) len 2, then 0x1e (no change) len 0... fill to 8.
    p.extend([59, 0, 0x3e, 2, 0x33, 0x44, 0x1e, 0]);
    p.extend(b"upper layer data");
    let pl = (p.len() - 40) as u16;
    p[4..6].copy_from_slice(&pl.to_be_bytes());
    (p, ah)
}

/// Apply what the network may do in transit (including RH0 processing at the
/// intermediate node).
fn ipv6_in_transit(p: &mut [u8]) {
    p[1] = 0x00;
    p[2] = 0x12;
    p[3] = 0x34;
    p[7] -= 1;
    p[44] = 0x99; // HBH option data with change bit
                  // RH0 processing: swap dst with address[n - left] = address[1] (0-based: n=2,left=1 -> idx 1)
    let idx = 48 + 8 + 16;
    let mut dst = [0u8; 16];
    dst.copy_from_slice(&p[24..40]);
    let mut next = [0u8; 16];
    next.copy_from_slice(&p[idx..idx + 16]);
    p[24..40].copy_from_slice(&next);
    p[idx..idx + 16].copy_from_slice(&dst);
    p[48 + 3] = 0;
}

#[test]
fn ipv6_mutable_fields_options_and_routing_header() {
    for alg in [
        AhIntegrity::HmacSha256_128,
        AhIntegrity::HmacMd5_96,
        AhIntegrity::AesGmac(AesKeySize::Aes256),
    ] {
        let sa = AhSa::new(alg, true, &key_bytes(alg.key_len(), 4)).unwrap();
        let (mut p, ah) = ipv6_packet(alg);
        sa.seal(&mut p, ah, 5).unwrap();
        let mut q = p.clone();
        ipv6_in_transit(&mut q);
        let dst_opts = ah + (usize::from(q[ah + 1]) + 2) * 4;
        q[dst_opts + 4] = 0x55; // change-bit option after AH
        let o = sa.open(&q, ah, 5).unwrap();
        assert_eq!(o.next_header, 60);
        if let AhIntegrity::HmacSha256_128 | AhIntegrity::HmacMd5_96 = alg {
            // Independent ICV over the packet as it arrives, with mutable
            // parts zeroed: TC, flow label, hop limit, change-bit option data.
            let mut z = q.clone();
            z[0] &= 0xf0;
            z[1..4].fill(0);
            z[7] = 0;
            z[44..46].fill(0);
            z[dst_opts + 4..dst_opts + 6].fill(0);
            let n = alg.icv_len();
            z[ah + 12..ah + 12 + n].fill(0);
            z.extend(5u32.to_be_bytes());
            let key = key_bytes(alg.key_len(), 4);
            assert_eq!(q[ah + 12..ah + 12 + n], hmac_ref(alg, &key, &z)[..]);
        }
        // Immutable data (non-change option, address list, payload) is covered.
        for i in [dst_opts + 6, q.len() - 1, 8, 48 + 8 + 3, ah + 5] {
            let mut r = q.clone();
            r[i] ^= 0x10;
            assert_eq!(
                sa.open(&r, ah, 5),
                Err(PacketError::IcvMismatch),
                "byte {i}"
            );
        }
    }
}

#[test]
fn ah_gmac_matches_aes_gcm_crate() {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    let alg = AhIntegrity::AesGmac(AesKeySize::Aes128);
    let km = key_bytes(20, 77);
    let sa = AhSa::new(alg, false, &km).unwrap();
    let (mut p, ah) = ipv4_packet(alg, &[], b"gmac protected payload");
    sa.seal(&mut p, ah, 0).unwrap();
    let iv = p[ah + 12..ah + 20].to_vec();
    let mut z = p.clone();
    z[1] = 0;
    z[6..9].fill(0);
    z[10..12].fill(0);
    z[ah + 20..ah + 36].fill(0);
    let mut nonce = km[16..].to_vec();
    nonce.extend(&iv);
    let tag = aes_gcm::Aes128Gcm::new_from_slice(&km[..16])
        .unwrap()
        .encrypt_in_place_detached(nonce.as_slice().into(), &z, &mut [])
        .unwrap();
    assert_eq!(&p[ah + 20..ah + 36], &tag[..]);
    sa.open(&p, ah, 0).unwrap();
    // IVs are fresh per packet.
    let (mut p2, _) = ipv4_packet(alg, &[], b"gmac protected payload");
    sa.seal(&mut p2, ah, 0).unwrap();
    assert_ne!(p2[ah + 12..ah + 20], iv[..]);
}

#[test]
fn esp_then_ah_bundle() {
    let ecfg = EspConfig {
        encryption: EspEncryption::AesGcm(AesKeySize::Aes128, GcmIcvLen::Icv16),
        integrity: EspIntegrity::None,
        esn: false,
    };
    let esp = EspSa::new(ecfg, &key_bytes(20, 1), &[]).unwrap();
    let alg = AhIntegrity::HmacSha256_128;
    let ah = AhSa::new(alg, false, &key_bytes(32, 2)).unwrap();
    let inner = frame(&ecfg, 0x5555, 1, b"bundle payload", 6);
    let (mut p, ah_off) = ipv4_packet(alg, &[], &inner);
    p[ah_off] = 50; // AH next header = ESP
    let esp_off = ah_off + 28;
    let esp_len = inner.len();
    seal_esp_then_ah(&esp, &ah, &mut p, ah_off, esp_off, esp_len, (0, 0)).unwrap();
    assert_ne!(&p[esp_off + 16..esp_off + 30], b"bundle payload");
    let mut q = p.clone();
    q[8] -= 1;
    ipv4_checksum(&mut q[..20]);
    let (a, e) = open_ah_then_esp(&ah, &esp, &mut q, ah_off, esp_off, esp_len, (0, 0)).unwrap();
    assert_eq!((a.next_header, e.next_header), (50, 6));
    assert_eq!(
        &q[esp_off + e.payload_offset..][..e.payload_len],
        b"bundle payload"
    );
    // Tampering with the ESP ciphertext is caught by AH first.
    let mut r = p.clone();
    r[esp_off + 20] ^= 1;
    assert_eq!(
        open_ah_then_esp(&ah, &esp, &mut r, ah_off, esp_off, esp_len, (0, 0)).unwrap_err(),
        PacketError::IcvMismatch
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn ah_garbage_and_mutation_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..200),
        off in 0usize..220,
        pos in any::<usize>(),
        flip in 1u8..,
        v6 in any::<bool>(),
    ) {
        let alg = AhIntegrity::HmacSha1_96;
        let sa = AhSa::new(alg, false, &key_bytes(20, 8)).unwrap();
        let mut d = data.clone();
        let _ = sa.seal(&mut d, off, 0);
        let _ = sa.open(&data, off, 0);
        let (mut p, ah) = if v6 { ipv6_packet(alg) } else { ipv4_packet(alg, &OPTS, b"abc") };
        sa.seal(&mut p, ah, 0).unwrap();
        let i = pos % p.len();
        p[i] ^= flip;
        // Must not panic; mutable bytes may legitimately still verify.
        let _ = sa.open(&p, ah, 0);
    }
}

#[test]
fn routing_header_after_ah_with_bad_segments_left_is_malformed() {
    let alg = AhIntegrity::HmacSha1_96;
    let sa = AhSa::new(alg, false, &key_bytes(20, 2)).unwrap();
    let mut p = vec![0u8; 40];
    p[0] = 0x60;
    p[6] = 51;
    let ah = 40;
    let mut a = vec![0u8; 24];
    a[0] = 43; // next: routing
    a[1] = 4;
    p.extend(a);
    p.extend([59, 0, 0, 5, 0, 0, 0, 0]); // type 0, segments left 5, no addresses
    let pl = (p.len() - 40) as u16;
    p[4..6].copy_from_slice(&pl.to_be_bytes());
    assert_eq!(sa.seal(&mut p, ah, 0), Err(PacketError::Malformed));
    assert_eq!(sa.open(&p, ah, 0), Err(PacketError::Malformed));
}
