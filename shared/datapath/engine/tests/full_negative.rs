//! Negative inbound cases of the full face: truncation at every length,
//! CBC length not a block multiple, bad pad length and padding bytes, dummy
//! packets, one-bit flips in every ESP/AH field, NAT-T keepalives and IKE.
#![cfg(test)]

mod common;

use common::full::*;
use ipsec_engine::full::{DropReason, InboundSa, Mode, Protocol, SaConfig, UdpEncap};
use ipsec_engine::wire;
use ipsec_engine::{AesKeySize, EspEncryption, EspIntegrity};

fn deliver(i: &mut InboundSa, p: &[u8]) -> Result<u64, DropReason> {
    i.decapsulate(&mut p.to_vec()).map(|d| d.seq)
}

fn configs() -> Vec<SaConfig> {
    let mut v = Vec::new();
    for t in esp_transforms_short() {
        for mode in [Mode::Transport, tunnel_v4(), tunnel_v6()] {
            v.push(SaConfig::new(Protocol::Esp(t), mode));
            let mut u = SaConfig::new(Protocol::Esp(t), mode);
            u.udp_encap = Some(UdpEncap {
                src_port: 4500,
                dst_port: 4500,
            });
            u.esn = true;
            v.push(u);
        }
    }
    for a in ah_algs() {
        v.push(SaConfig::new(Protocol::Ah(ah(a)), Mode::Transport));
        v.push(SaConfig::new(Protocol::Ah(ah(a)), tunnel_v6()));
    }
    v.push(SaConfig::new(
        Protocol::EspAh {
            esp: esp_transforms_short()[3],
            ah: ah(ah_algs()[5]),
        },
        tunnel_v4(),
    ));
    v
}

#[test]
fn truncated_at_every_length() {
    for (n, c) in configs().iter().enumerate() {
        let (mut o, mut i) = pair(c, n as u64);
        for inner in [&inner_packets_v4()[1], &inner_packets_v6()[2]] {
            let p = burst(&mut o, inner, 1).remove(0);
            for len in 0..p.len() {
                // The buffer ends early: the IP length field no longer fits.
                assert_eq!(
                    deliver(&mut i, &p[..len]),
                    Err(DropReason::Truncated),
                    "{c:?} len {len}"
                );
                // The packet itself is shorter (length fields made consistent).
                if len >= 40 || (len >= 20 && p[0] >> 4 == 4) {
                    let mut q = p[..len].to_vec();
                    fix_ip_length(&mut q);
                    if let Ok(loc) = wire::locate_ipsec(&q) {
                        if let wire::IpsecKind::UdpEsp { udp_offset } = loc.kind {
                            let l = (q.len() - udp_offset) as u16;
                            q[udp_offset + 4..udp_offset + 6].copy_from_slice(&l.to_be_bytes());
                        }
                    }
                    assert!(deliver(&mut i, &q).is_err(), "{c:?} len {len}");
                }
            }
            // Nothing moved the window: the intact packet is accepted.
            assert!(deliver(&mut i, &p).is_ok(), "{c:?}");
        }
    }
}

#[test]
fn cbc_ciphertext_not_a_block_multiple() {
    for enc in [
        EspEncryption::AesCbc(AesKeySize::Aes128),
        EspEncryption::DesCbc,
        EspEncryption::TripleDesCbc,
    ] {
        let t = ipsec_engine::full::EspTransform {
            spi: SPI_ESP,
            encryption: enc,
            integrity: EspIntegrity::HmacSha1_96,
        };
        let c = SaConfig::new(Protocol::Esp(t), Mode::Transport);
        let (mut o, mut i) = pair(&c, 3);
        let p = burst(&mut o, &inner_packets_v4()[1], 1).remove(0);
        let bs = enc.block_size();
        for k in 1..bs {
            // Remove k bytes of ciphertext in front of the ICV.
            let icv_at = p.len() - 12;
            let mut q = p[..icv_at - k].to_vec();
            q.extend(&p[icv_at..]);
            fix_ip_length(&mut q);
            assert_eq!(
                deliver(&mut i, &q),
                Err(DropReason::NotBlockMultiple),
                "{enc:?} k={k}"
            );
        }
        assert_eq!(deliver(&mut i, &p), Ok(1));
    }
}

#[test]
fn pad_length_larger_than_payload() {
    let t = esp_transforms_short()[3]; // AES-CBC
    let c = SaConfig::new(Protocol::Esp(t), Mode::Transport);
    let (_, mut i) = pair(&c, 3);
    // 16-byte body: 14 payload bytes, pad length 15 > 14.
    let mut body = vec![0x41u8; 14];
    body.extend([15, 17]);
    let p = hand_framed_esp(&c, 3, 1, &body);
    assert_eq!(deliver(&mut i, &p), Err(DropReason::PadLengthTooLarge));
    // Pad length 255 in a 4-byte GCM body.
    let t = esp_transforms_short()[4];
    let c = SaConfig::new(Protocol::Esp(t), Mode::Transport);
    let (_, mut i) = pair(&c, 3);
    let p = hand_framed_esp(&c, 3, 1, &[1, 2, 255, 17]);
    assert_eq!(deliver(&mut i, &p), Err(DropReason::PadLengthTooLarge));
    // A failed trailer check does not move the window (and is not a replay).
    let p = hand_framed_esp(&c, 3, 1, &[1, 2, 0, 17]);
    assert_eq!(deliver(&mut i, &p), Ok(1));
}

#[test]
fn wrong_padding_bytes() {
    let t = esp_transforms_short()[3]; // AES-CBC
    let c = SaConfig::new(Protocol::Esp(t), Mode::Transport);
    let (_, mut i) = pair(&c, 3);
    for bad in [[1u8, 2, 3, 5], [0, 2, 3, 4], [1, 1, 1, 1], [4, 3, 2, 1]] {
        let mut body = vec![0x41u8; 10];
        body.extend(bad);
        body.extend([4, 17]);
        let p = hand_framed_esp(&c, 3, 1, &body);
        assert_eq!(deliver(&mut i, &p), Err(DropReason::BadPadding), "{bad:?}");
    }
    let mut body = vec![0x41u8; 10];
    body.extend([1, 2, 3, 4, 4, 17]);
    let p = hand_framed_esp(&c, 3, 1, &body);
    assert_eq!(deliver(&mut i, &p), Ok(1));
}

#[test]
fn dummy_packets_are_dropped_silently() {
    for mode in [Mode::Transport, tunnel_v4()] {
        let t = esp_transforms_short()[4];
        let c = SaConfig::new(Protocol::Esp(t), mode);
        let (_, mut i) = pair(&c, 3);
        let p = hand_framed_esp(&c, 3, 7, &[0xde, 0xad, 0, 59]);
        assert_eq!(deliver(&mut i, &p), Err(DropReason::DummyPacket));
        assert!(!DropReason::DummyPacket.is_error());
        assert_eq!(DropReason::DummyPacket.as_str(), "dummy_packet");
        // The dummy was authentic: its number is used up, nothing counted.
        assert_eq!(deliver(&mut i, &p), Err(DropReason::Replayed));
        assert_eq!(i.usage().packets, 0);
        // A forged dummy is an ICV failure, not a dummy.
        let mut f = hand_framed_esp(&c, 3, 8, &[0xde, 0xad, 0, 59]);
        let l = f.len() - 1;
        f[l] ^= 1;
        assert_eq!(deliver(&mut i, &f), Err(DropReason::IcvMismatch));
    }
}

#[test]
fn next_header_must_be_ip_in_tunnel_mode() {
    let t = esp_transforms_short()[4];
    let c = SaConfig::new(Protocol::Esp(t), tunnel_v4());
    let (_, mut i) = pair(&c, 3);
    let p = hand_framed_esp(&c, 3, 1, &[1, 2, 3, 4, 0, 17]);
    assert_eq!(deliver(&mut i, &p), Err(DropReason::BadNextHeader));
    // Next header 4 but not an IPv4 packet inside.
    let p = hand_framed_esp(&c, 3, 2, &[0x60, 2, 3, 4, 0, 4]);
    assert_eq!(deliver(&mut i, &p), Err(DropReason::BadInnerPacket));
    let p = hand_framed_esp(&c, 3, 3, &[0x45, 0, 0, 200, 0, 4]);
    assert_eq!(deliver(&mut i, &p), Err(DropReason::BadInnerPacket));
}

/// Flip every bit of `range` in `p`; each copy must fail with `want`.
fn flip_all(
    i: &mut InboundSa,
    p: &[u8],
    range: core::ops::Range<usize>,
    want: DropReason,
    what: &str,
) {
    for byte in range {
        for bit in 0..8 {
            let mut q = p.to_vec();
            q[byte] ^= 1 << bit;
            assert_eq!(deliver(i, &q), Err(want), "{what}: byte {byte} bit {bit}");
        }
    }
}

#[test]
fn one_bit_flips_in_every_esp_field() {
    for (n, t) in esp_transforms().into_iter().enumerate() {
        for esn in [false, true] {
            let mut c = SaConfig::new(Protocol::Esp(t), Mode::Transport);
            c.esn = esn;
            let (mut o, mut i) = pair(&c, n as u64);
            let pk = burst(&mut o, &inner_packets_v4()[0], 6);
            let p = &pk[5]; // sequence 6: no flip of it gives 0 or a seen number
            let esp = 20;
            let iv = t.encryption.iv_len();
            let icv = match t.encryption {
                EspEncryption::AesGcm(_, l) => l.bytes(),
                EspEncryption::AesGmac(_) => 16,
                _ => t.integrity.icv_len(),
            };
            let what = format!("{t:?} esn={esn}");
            flip_all(&mut i, p, esp..esp + 4, DropReason::SpiMismatch, &what);
            flip_all(&mut i, p, esp + 4..esp + 8, DropReason::IcvMismatch, &what);
            flip_all(
                &mut i,
                p,
                esp + 8..esp + 8 + iv,
                DropReason::IcvMismatch,
                &what,
            );
            let ct = esp + 8 + iv..p.len() - icv;
            let ct_sample = [ct.start, ct.start + 7, ct.end - 2, ct.end - 1];
            for b in ct_sample {
                flip_all(&mut i, p, b..b + 1, DropReason::IcvMismatch, &what);
            }
            flip_all(
                &mut i,
                p,
                p.len() - icv..p.len(),
                DropReason::IcvMismatch,
                &what,
            );
            // Nothing moved the window.
            assert_eq!(deliver(&mut i, p), Ok(6), "{what}");
        }
    }
}

#[test]
fn one_bit_flips_in_ah_fields_and_mutable_header_fields() {
    for (n, a) in ah_algs().into_iter().enumerate() {
        for v6 in [false, true] {
            let c = SaConfig::new(Protocol::Ah(ah(a)), Mode::Transport);
            let (mut o, mut i) = pair(&c, n as u64);
            let inner = if v6 {
                inner_packets_v6()[0].clone()
            } else {
                inner_packets_v4()[0].clone()
            };
            let pk = burst(&mut o, &inner, 7);
            let p = &pk[5];
            let ah_at = if v6 { 40 } else { 20 };
            let ah_len = (usize::from(p[ah_at + 1]) + 2) * 4;
            let what = format!("{a:?} v6={v6}");
            flip_all(
                &mut i,
                p,
                ah_at + 4..ah_at + 8,
                DropReason::SpiMismatch,
                &what,
            );
            flip_all(
                &mut i,
                p,
                ah_at + 8..ah_at + 12,
                DropReason::IcvMismatch,
                &what,
            );
            flip_all(
                &mut i,
                p,
                ah_at + 12..ah_at + 12 + a.iv_len() + a.icv_len(),
                DropReason::IcvMismatch,
                &what,
            );
            flip_all(
                &mut i,
                p,
                ah_at + ah_len..p.len(),
                DropReason::IcvMismatch,
                &what,
            );
            // Immutable header field: source address.
            let src = if v6 { 8..24 } else { 12..16 };
            let mut q = p.clone();
            q[src.start] ^= 1;
            if !v6 {
                fix_ip_length(&mut q);
            }
            assert_eq!(deliver(&mut i, &q), Err(DropReason::IcvMismatch), "{what}");
            assert_eq!(deliver(&mut i, p), Ok(6), "{what}");
            // Mutable field (TTL / hop limit) changed en route: still valid.
            let mut q = pk[6].clone();
            if v6 {
                q[7] -= 1;
            } else {
                q[8] -= 1;
                fix_ip_length(&mut q);
            }
            let d = i.decapsulate(&mut q).unwrap();
            assert_eq!(d.seq, 7);
        }
    }
}

#[test]
fn nat_keepalive_and_ike_on_the_encapsulation_port_are_not_ipsec() {
    let t = esp_transforms_short()[4];
    let mut c = SaConfig::new(Protocol::Esp(t), Mode::Transport);
    c.udp_encap = Some(UdpEncap {
        src_port: 4500,
        dst_port: 4500,
    });
    let (_, mut i) = pair(&c, 1);
    let keepalive = ipv4(
        17,
        &[],
        0,
        false,
        &[0x11, 0x94, 0x11, 0x94, 0, 9, 0, 0, 0xff],
    );
    assert_eq!(deliver(&mut i, &keepalive), Err(DropReason::NotIpsec));
    let mut ike = vec![0x11, 0x94, 0x11, 0x94, 0, 40, 0, 0, 0, 0, 0, 0];
    ike.extend([0x77; 28]);
    let ike = ipv4(17, &[], 0, false, &ike);
    assert_eq!(deliver(&mut i, &ike), Err(DropReason::NotIpsec));
    assert!(!DropReason::NotIpsec.is_error());
}

#[test]
fn drop_reason_names_are_distinct_and_stable() {
    let mut names: Vec<&str> = DropReason::ALL.iter().map(|r| r.as_str()).collect();
    assert!(names
        .iter()
        .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    assert_eq!(DropReason::IcvMismatch.as_str(), "icv_mismatch");
    assert_eq!(
        DropReason::HardLifetimeExpired.as_str(),
        "hard_lifetime_expired"
    );
    assert_eq!(DropReason::Replayed.to_string(), "replayed");
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate names");
    assert!(DropReason::ALL.iter().filter(|r| !r.is_error()).count() == 2);
}
