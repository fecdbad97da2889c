//! SA specification parser: every accepted form (the errors are in `spec_errors.rs` and
//! `spec_algorithm_errors.rs`).
#![cfg(test)]

#[path = "common/spec.rs"]
mod spec_common;

use ipsec_engine::alg::{AesKeySize, AhIntegrity, EspEncryption, EspIntegrity, GcmIcvLen};
use ipsecctl::spec::{
    parse_key, parse_number, tokenize, Direction, Mode, Prefix, SpecErrorKind, Transform, XfrmProto,
};

use spec_common::*;

#[test]
fn the_full_gcm_tunnel_example() {
    let s = ok(&format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 \
         replay-window 64 flag esn replay-oseq 5 replay-oseq-hi 0x1 encap espinudp 4500 4500 0.0.0.0"
    ));
    assert_eq!(s.src, ip("192.0.2.1"));
    assert_eq!(s.dst, ip("192.0.2.2"));
    assert_eq!(s.proto, XfrmProto::Esp);
    assert_eq!(s.spi, 0x1000);
    assert_eq!(s.mode, Mode::Tunnel);
    assert_eq!(
        esp(&s),
        (
            EspEncryption::AesGcm(AesKeySize::Aes128, GcmIcvLen::Icv16),
            EspIntegrity::None,
            20,
            0
        )
    );
    assert_eq!(s.replay_window, 64);
    assert!(s.flags.esn);
    assert_eq!((s.replay_oseq, s.replay_oseq_hi), (5, 1));
    let e = s.encap.unwrap();
    assert_eq!((e.sport, e.dport, e.oaddr), (4500, 4500, ip("0.0.0.0")));
    assert_eq!(s.transform.names(), "rfc4106(gcm(aes))");
}

#[test]
fn cbc_aes_with_auth_trunc_sha256_128() {
    let s = ok(&format!(
        "{ID} enc 'cbc(aes)' {AES} auth-trunc 'hmac(sha256)' {SHA256} 128"
    ));
    assert_eq!(
        esp(&s),
        (
            EspEncryption::AesCbc(AesKeySize::Aes128),
            EspIntegrity::HmacSha256_128,
            16,
            32
        )
    );
    assert_eq!(s.mode, Mode::Transport, "transport is the default");
    assert_eq!(s.transform.names(), "cbc(aes)+hmac(sha256)");
    // 24- and 32-byte AES keys.
    let s = ok(&format!(
        "{ID} enc aes 0x{} auth sha1 {SHA1}",
        "11".repeat(24)
    ));
    assert_eq!(esp(&s).0, EspEncryption::AesCbc(AesKeySize::Aes192));
    let s = ok(&format!(
        "{ID} enc aes 0x{} auth sha1 {SHA1}",
        "11".repeat(32)
    ));
    assert_eq!(esp(&s).0, EspEncryption::AesCbc(AesKeySize::Aes256));
}

#[test]
fn auth_without_trunc_uses_linux_default_truncation() {
    let s = ok(&format!(
        "{ID} enc 'cbc(aes)' {AES} auth 'hmac(sha1)' {SHA1}"
    ));
    assert_eq!(esp(&s).1, EspIntegrity::HmacSha1_96);
    let s = ok(&format!("{ID} enc 'cbc(aes)' {AES} auth 'hmac(md5)' {MD5}"));
    assert_eq!(esp(&s).1, EspIntegrity::HmacMd5_96);
    // Linux: `auth hmac(sha256)` truncates to 96 bits, which the engine lacks.
    let k = err_at(
        &format!("{ID} enc 'cbc(aes)' {AES} auth 'hmac(sha256)' {SHA256}"),
        13,
        "hmac(sha256)",
    );
    let SpecErrorKind::Unsupported(m) = k else {
        panic!("{k:?}")
    };
    assert!(
        m.contains("96-bit") && m.contains("auth-trunc 'hmac(sha256)' KEY 128"),
        "{m}"
    );
}

#[test]
fn ah_forms() {
    let s = ok(&format!(
        "src 10.0.0.1 dst 10.0.0.2 proto ah spi 0x3000 auth-trunc 'hmac(sha1)' {SHA1} 96"
    ));
    assert_eq!(s.proto, XfrmProto::Ah);
    let Transform::Ah { alg, key, .. } = &s.transform else {
        panic!()
    };
    assert_eq!((*alg, key.len()), (AhIntegrity::HmacSha1_96, 20));
    let s = ok(&format!(
        "src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 auth-trunc 'hmac(md5)' {MD5} 96"
    ));
    assert!(matches!(
        s.transform,
        Transform::Ah {
            alg: AhIntegrity::HmacMd5_96,
            ..
        }
    ));
    let s = ok(&format!(
        "src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 auth-trunc sha256 {SHA256} 128"
    ));
    assert!(matches!(
        s.transform,
        Transform::Ah {
            alg: AhIntegrity::HmacSha256_128,
            ..
        }
    ));
}

#[test]
fn esp_with_md5_truncated_and_null_encryption() {
    let s = ok(&format!(
        "{ID} enc 'cbc(aes)' {AES} auth-trunc 'hmac(md5)' {MD5} 96"
    ));
    assert_eq!(esp(&s).1, EspIntegrity::HmacMd5_96);
    let s = ok(&format!(
        "{ID} enc 'ecb(cipher_null)' '' auth 'hmac(sha1)' {SHA1}"
    ));
    assert_eq!(
        esp(&s),
        (EspEncryption::Null, EspIntegrity::HmacSha1_96, 0, 20)
    );
    let s = ok(&format!("{ID} enc cipher_null \"\" auth sha1 {SHA1}"));
    assert_eq!(esp(&s).0, EspEncryption::Null);
}

#[test]
fn aead_forms() {
    let s = ok(&format!("{ID} aead 'rfc4543(gcm(aes))' {GCM} 128"));
    assert_eq!(esp(&s).0, EspEncryption::AesGmac(AesKeySize::Aes128));
    let s = ok(&format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 64"));
    assert_eq!(
        esp(&s).0,
        EspEncryption::AesGcm(AesKeySize::Aes128, GcmIcvLen::Icv8)
    );
    let s = ok(&format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 96"));
    assert_eq!(
        esp(&s).0,
        EspEncryption::AesGcm(AesKeySize::Aes128, GcmIcvLen::Icv12)
    );
    let s = ok(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' 0x{} 128",
        "ab".repeat(28)
    ));
    assert_eq!(
        esp(&s).0,
        EspEncryption::AesGcm(AesKeySize::Aes192, GcmIcvLen::Icv16)
    );
    let s = ok(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' 0x{} 0x80",
        "ab".repeat(36)
    ));
    assert_eq!(
        esp(&s).0,
        EspEncryption::AesGcm(AesKeySize::Aes256, GcmIcvLen::Icv16)
    );
}

#[test]
fn des_and_3des() {
    let s = ok(&format!(
        "{ID} enc 'cbc(des3_ede)' 0x{} auth sha1 {SHA1}",
        "0123456789abcdef".repeat(3)
    ));
    assert_eq!(esp(&s).0, EspEncryption::TripleDesCbc);
    let s = ok(&format!(
        "{ID} enc 'cbc(des)' 0x0123456789abcdef auth sha1 {SHA1}"
    ));
    assert_eq!(esp(&s).0, EspEncryption::DesCbc);
    let s = ok(&format!(
        "{ID} enc des3_ede 0x{} auth md5 {MD5}",
        "fe".repeat(24)
    ));
    assert_eq!(esp(&s).0, EspEncryption::TripleDesCbc);
}

#[test]
fn selectors() {
    let s = ok(&format!(
        "{ID} mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 sel src 10.0.0.0/24 dst 10.0.1.0/24"
    ));
    let sel = s.sel.unwrap();
    assert_eq!(
        sel.src,
        Some(Prefix {
            addr: ip("10.0.0.0"),
            len: 24
        })
    );
    assert_eq!(
        sel.dst,
        Some(Prefix {
            addr: ip("10.0.1.0"),
            len: 24
        })
    );
    assert_eq!(sel.upper.proto, None);
    let s = ok(&format!(
        "{ID} mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 sel src 10.0.0.1 dst any proto tcp sport 1000 dport 0x50 dev eth0"
    ));
    let sel = s.sel.unwrap();
    assert_eq!(
        sel.src,
        Some(Prefix {
            addr: ip("10.0.0.1"),
            len: 32
        })
    );
    assert_eq!(sel.dst, None);
    assert_eq!(
        (sel.upper.proto, sel.upper.sport, sel.upper.dport),
        (Some(6), Some(1000), Some(80))
    );
    let s = ok(&format!(
        "{ID} mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 sel proto icmp type 8 code 0"
    ));
    let u = s.sel.unwrap().upper;
    assert_eq!((u.proto, u.sport, u.dport), (Some(1), Some(8), Some(0)));
    let s = ok(&format!(
        "{ID} mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 sel proto 47 key 10.0.0.1"
    ));
    assert_eq!(s.sel.unwrap().upper.gre_key, Some(0x0a00_0001));
    let s = ok(&format!(
        "{ID} mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 sel proto gre key 7"
    ));
    assert_eq!(s.sel.unwrap().upper.gre_key, Some(7));
    let s = ok(&format!(
        "src 2001:db8::1 dst 2001:db8::2 proto esp spi 5 mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 \
         sel src 2001:db8:1::/48 dst 2001:db8:2::/64 proto ipv6-icmp type 128"
    ));
    let sel = s.sel.unwrap();
    assert_eq!(
        sel.src,
        Some(Prefix {
            addr: ip("2001:db8:1::"),
            len: 48
        })
    );
    assert_eq!(sel.upper.proto, Some(58));
    // Selector keywords end at the first non-selector keyword.
    let s = ok(&format!(
        "{ID} sel src 192.0.2.1 reqid 7 enc aes {AES} auth sha1 {SHA1}"
    ));
    assert_eq!(s.reqid, 7);
}

#[test]
fn prefix_matching() {
    let p = Prefix {
        addr: ip("10.0.0.77"),
        len: 24,
    };
    assert!(p.contains(ip("10.0.0.1")) && !p.contains(ip("10.0.1.1")) && !p.contains(ip("::1")));
    let all = Prefix {
        addr: ip("0.0.0.0"),
        len: 0,
    };
    assert!(all.contains(ip("255.1.2.3")));
    let p6 = Prefix {
        addr: ip("2001:db8::"),
        len: 32,
    };
    assert!(p6.contains(ip("2001:db8:ffff::1")) && !p6.contains(ip("2001:db9::1")));
    let host = Prefix {
        addr: ip("2001:db8::1"),
        len: 128,
    };
    assert!(host.contains(ip("2001:db8::1")) && !host.contains(ip("2001:db8::2")));
}

#[test]
fn reqid_flags_and_ignored_options() {
    let s = ok(&format!(
        "{ID} reqid 0x10 aead 'rfc4106(gcm(aes))' {GCM} 128 replay-window 32 flag align4 icmp af-unspec esn wildrecv \
         mark 7 mask 0xff output-mark 3 if_id 9 ctx foo seq 3 offload crypto dev eth0 dir in"
    ));
    assert_eq!(s.reqid, 16);
    assert!(s.flags.esn && s.flags.wildrecv);
    assert_eq!(s.dir, Some(Direction::In));
    for i in [
        "align4",
        "icmp",
        "af-unspec",
        "mark",
        "output-mark",
        "if_id",
        "ctx",
        "seq",
        "offload",
    ] {
        assert!(s.ignored.iter().any(|x| x == i), "{i} in {:?}", s.ignored);
    }
    // Hex flag value (iproute2 get_u8 base 16): 0x80 = esn, 0x48 = wildrecv + align4.
    let s = ok(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 flag 0x80"
    ));
    assert!(s.flags.esn && !s.flags.wildrecv);
    let s = ok(&format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 flag 48"));
    assert!(s.flags.wildrecv && !s.flags.esn && s.ignored == ["align4"]);
    let s = ok(&format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 dir out"));
    assert_eq!(s.dir, Some(Direction::Out));
    let s = ok(&format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 tfcpad 0"));
    assert!(s.ignored.is_empty());
}

#[test]
fn limits_and_replay_state() {
    let s = ok(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 limit byte-soft 1000 byte-hard 2000 packet-soft 10 packet-hard 20 \
         limit time-soft 30 limit time-hard 0x40 limit time-use-soft 5 time-use-hard 0 \
         replay-seq 0x20 replay-seq-hi 2 replay-oseq 7 replay-oseq-hi 3 flag esn"
    ));
    let l = s.limits;
    assert_eq!(
        (l.byte_soft, l.byte_hard, l.packet_soft, l.packet_hard),
        (Some(1000), Some(2000), Some(10), Some(20))
    );
    assert_eq!(
        (l.time_soft, l.time_hard, l.time_use_soft, l.time_use_hard),
        (Some(30), Some(64), Some(5), None)
    );
    assert_eq!(
        (
            s.replay_seq,
            s.replay_seq_hi,
            s.replay_oseq,
            s.replay_oseq_hi
        ),
        (0x20, 2, 7, 3)
    );
    let s = ok(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 limit byte-hard inf"
    ));
    assert_eq!(s.limits.byte_hard, None);
}

#[test]
fn ipv6_sa() {
    let s = ok(&format!(
        "src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x2000 mode transport enc 'cbc(aes)' {AES} \
         auth-trunc 'hmac(sha256)' {SHA256} 128"
    ));
    assert_eq!(s.src, ip("2001:db8::1"));
    assert_eq!(s.dst, ip("2001:db8::2"));
}

#[test]
fn keys_hex_string_and_odd_length() {
    assert_eq!(parse_key("0x0102").unwrap(), vec![1, 2]);
    assert_eq!(parse_key("0XaBcD").unwrap(), vec![0xab, 0xcd]);
    assert_eq!(
        parse_key("0x123").unwrap(),
        vec![0x01, 0x23],
        "odd: leading zero as iproute2"
    );
    assert_eq!(parse_key("").unwrap(), Vec::<u8>::new());
    assert_eq!(parse_key("secret").unwrap(), b"secret".to_vec());
    assert!(parse_key("0x").is_err());
    assert!(parse_key("0x12g4").unwrap_err().contains("hex digit 3"));
    // A 20-byte string key for HMAC-SHA1 and a 16-byte string AES key.
    let s = ok(&format!(
        "{ID} enc aes 'sixteen byte key' auth sha1 \"twenty byte key here\""
    ));
    assert_eq!(esp(&s).2, 16);
    assert_eq!(esp(&s).3, 20);
}

#[test]
fn numbers_like_strtoul_base_0() {
    assert_eq!(parse_number("4096"), Some(4096));
    assert_eq!(parse_number("0x1000"), Some(4096));
    assert_eq!(parse_number("010000"), Some(4096));
    assert_eq!(parse_number("0"), Some(0));
    for bad in ["", "0x", "+5", "-1", "08", "1e3", " 1", "0xg"] {
        assert_eq!(parse_number(bad), None, "{bad:?}");
    }
    assert_eq!(
        ok(&format!(
            "src 1.1.1.1 dst 2.2.2.2 proto esp spi 010000 aead 'rfc4106(gcm(aes))' {GCM} 128"
        ))
        .spi,
        4096
    );
    assert_eq!(
        ok(&format!(
            "src 1.1.1.1 dst 2.2.2.2 proto esp spi 4294967295 aead 'rfc4106(gcm(aes))' {GCM} 128"
        ))
        .spi,
        u32::MAX
    );
}

#[test]
fn pasted_command_line_and_quoting() {
    let s = ok(&format!(
        "ip xfrm state add {ID} aead 'rfc4106(gcm(aes))' {GCM} 128"
    ));
    assert_eq!(s.spi, 0x1000);
    let s = ok(&format!(
        "ip xfrm state update {ID} aead rfc4106\\(gcm\\(aes\\)\\) {GCM} 128"
    ));
    assert_eq!(s.transform.names(), "rfc4106(gcm(aes))");
    assert_eq!(
        tokenize(r#"a 'b c' "d \"e\" \\ \$" f\ g '' """#).unwrap(),
        vec!["a", "b c", "d \"e\" \\ $", "f g", "", ""]
    );
    assert_eq!(tokenize("  \t\n ").unwrap(), Vec::<String>::new());
}
