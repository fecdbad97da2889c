//! SA specification parser: every accepted form and every error.
#![cfg(test)]

use std::net::IpAddr;

use ipsec_engine::alg::{AesKeySize, AhIntegrity, EspEncryption, EspIntegrity, GcmIcvLen};
use ipsecctl::spec::{
    parse, parse_key, parse_number, tokenize, Direction, Mode, Prefix, SaSpec, SpecError,
    SpecErrorKind, Transform, XfrmProto,
};

const GCM: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";
const AES: &str = "0x00112233445566778899aabbccddeeff";
const SHA1: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";
const SHA256: &str = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const MD5: &str = "0x00112233445566778899aabbccddeeff";
const ID: &str = "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000";

fn ok(s: &str) -> SaSpec {
    match parse(s) {
        Ok(v) => v,
        Err(e) => panic!("{s}: {e}"),
    }
}

fn err(s: &str) -> SpecError {
    match parse(s) {
        Ok(v) => panic!("{s}: accepted as {v:?}"),
        Err(e) => e,
    }
}

/// The error names the token at `pos` with text `tok`.
fn err_at(s: &str, pos: usize, tok: &str) -> SpecErrorKind {
    let e = err(s);
    assert_eq!(e.position, Some(pos), "{s}: {e}");
    assert_eq!(e.token.as_deref(), Some(tok), "{s}: {e}");
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("token {pos} {tok:?}: ")),
        "{shown}"
    );
    e.kind
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn esp(sa: &SaSpec) -> (EspEncryption, EspIntegrity, usize, usize) {
    match &sa.transform {
        Transform::Esp {
            enc,
            integ,
            enc_key,
            integ_key,
            ..
        } => (*enc, *integ, enc_key.len(), integ_key.len()),
        Transform::Ah { .. } => panic!("not ESP"),
    }
}

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

// ---------------------------------------------------------------- errors

#[test]
fn tokenizer_errors() {
    assert_eq!(err("src 'x").kind, SpecErrorKind::UnterminatedQuote('\''));
    assert_eq!(err("src \"x").kind, SpecErrorKind::UnterminatedQuote('"'));
    assert_eq!(err("src \"x\\").kind, SpecErrorKind::UnterminatedQuote('"'));
    assert_eq!(err("src x\\").kind, SpecErrorKind::TrailingBackslash);
    assert_eq!(err("").kind, SpecErrorKind::Empty);
    assert_eq!(err("ip xfrm state add").kind, SpecErrorKind::Empty);
}

#[test]
fn unknown_keyword_and_missing_values() {
    assert_eq!(
        err_at(&format!("{ID} frobnicate 1"), 9, "frobnicate"),
        SpecErrorKind::UnknownKeyword
    );
    assert_eq!(
        err_at("src", 1, "src"),
        SpecErrorKind::MissingValue("address")
    );
    assert_eq!(
        err_at("src 1.1.1.1 spi", 3, "spi"),
        SpecErrorKind::MissingValue("SPI")
    );
    assert_eq!(
        err_at(&format!("{ID} aead 'rfc4106(gcm(aes))' {GCM}"), 11, GCM),
        SpecErrorKind::MissingValue("ALGO-ICV-LEN (bits)")
    );
    assert_eq!(
        err_at(&format!("{ID} enc aes"), 10, "aes"),
        SpecErrorKind::MissingValue("ALGO-KEYMAT")
    );
    assert_eq!(
        err_at(&format!("{ID} encap espinudp 4500 4500"), 12, "4500"),
        SpecErrorKind::MissingValue("OADDR")
    );
    // "ip xfrm" without "state add" is not skipped: "ip" is named with what a command needs.
    let k = err_at("ip xfrm src 1.1.1.1", 1, "ip");
    assert!(
        matches!(&k, SpecErrorKind::Invalid(m) if m.contains("ip [-4|-6|-f FAMILY] xfrm state add|update")),
        "{k}"
    );
}

#[test]
fn number_errors() {
    assert_eq!(
        err_at("src 1.1.1.1 dst 2.2.2.2 proto esp spi xyz", 8, "xyz"),
        SpecErrorKind::BadNumber("SPI")
    );
    assert_eq!(
        err_at(
            "src 1.1.1.1 dst 2.2.2.2 proto esp spi 0x100000000",
            8,
            "0x100000000"
        ),
        SpecErrorKind::OutOfRange {
            what: "SPI",
            max: u64::from(u32::MAX)
        }
    );
    assert!(matches!(
        err_at("src 1.1.1.1 dst 2.2.2.2 proto esp spi 0", 8, "0"),
        SpecErrorKind::Invalid(_)
    ));
    assert_eq!(
        err_at(
            &format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 encap espinudp 70000 4500 0.0.0.0"),
            15,
            "70000"
        ),
        SpecErrorKind::OutOfRange {
            what: "SPORT",
            max: 65535
        }
    );
    assert_eq!(
        err_at(&format!("{ID} replay-window -1"), 10, "-1"),
        SpecErrorKind::BadNumber("SIZE")
    );
    assert_eq!(
        err_at(
            &format!("{ID} limit byte-soft 99999999999999999999"),
            11,
            "99999999999999999999"
        ),
        SpecErrorKind::OutOfRange {
            what: "byte-soft",
            max: u64::MAX
        }
    );
}

/// Issue 13, point 9: a number too large for its field is "out of range", not "not a number".
#[test]
fn numbers_too_large_are_out_of_range() {
    for (spec, pos, tok, what) in [
        (
            format!("{ID} limit time-hard 99999999999999999999"),
            11,
            "99999999999999999999",
            "time-hard",
        ),
        (
            format!("{ID} limit packet-hard 0x1ffffffffffffffff"),
            11,
            "0x1ffffffffffffffff",
            "packet-hard",
        ),
        (
            "src 1.1.1.1 dst 2.2.2.2 proto esp spi 99999999999999999999".to_string(),
            8,
            "99999999999999999999",
            "SPI",
        ),
    ] {
        let k = err_at(&spec, pos, tok);
        assert!(
            matches!(k, SpecErrorKind::OutOfRange { what: w, .. } if w == what),
            "{spec}: {k}"
        );
        let shown = err(&spec).to_string();
        assert!(shown.contains("is larger than"), "{shown}");
        assert!(!shown.contains("not a number"), "{shown}");
    }
}

/// Issue 13, point 4: a command pasted over several lines with backslash-newline (also CRLF)
/// parses like the one-line form.
#[test]
fn backslash_newline_continues_the_line() {
    let one = format!("ip xfrm state add {ID} mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128");
    let multi = format!(
        "ip xfrm state add \\\n    {ID} \\\n    mode tunnel \\\n    aead 'rfc4106(gcm(aes))' {GCM} 128"
    );
    let crlf = multi.replace('\n', "\r\n");
    let tail_space = multi.replace("\\\n", " \\\n");
    for s in [&multi, &crlf, &tail_space] {
        assert_eq!(tokenize(s).unwrap(), tokenize(&one).unwrap(), "{s:?}");
        assert_eq!(ok(s), ok(&one));
    }
    // A continuation inside a word joins it, as in a shell.
    assert_eq!(tokenize("mo\\\nde").unwrap(), vec!["mode".to_string()]);
}

/// Issue 13, point 9: `ip -6 …` / `ip -4 …` / `ip -f inet6 …` prefixes are skipped; another
/// command gets a hint instead of "unknown keyword".
#[test]
fn ip_family_options_in_the_command_prefix() {
    let sa = format!("{ID} mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128");
    let v6 = format!(
        "src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128"
    );
    assert_eq!(ok(&format!("ip -6 xfrm state add {v6}")), ok(&v6));
    assert_eq!(ok(&format!("ip -4 xfrm state update {sa}")), ok(&sa));
    assert_eq!(ok(&format!("ip -f inet6 xfrm state add {v6}")), ok(&v6));
    assert_eq!(ok(&format!("ip -family inet xfrm state add {sa}")), ok(&sa));
    let k = err_at(&format!("ip -6 xfrm state delete {v6}"), 1, "ip");
    assert!(
        matches!(&k, SpecErrorKind::Invalid(m) if m.contains("xfrm state add|update")),
        "{k}"
    );
}

#[test]
fn address_errors() {
    assert_eq!(
        err_at("src 1.1.1 dst 2.2.2.2", 2, "1.1.1"),
        SpecErrorKind::BadAddress("address")
    );
    assert_eq!(
        err_at(
            &format!(
                "src 1.1.1.1 dst 2001:db8::1 proto esp spi 1 aead 'rfc4106(gcm(aes))' {GCM} 128"
            ),
            4,
            "2001:db8::1"
        ),
        SpecErrorKind::FamilyMismatch("SA")
    );
    assert_eq!(
        err_at(&format!("{ID} sel src 10.0.0.0/33"), 11, "10.0.0.0/33"),
        SpecErrorKind::BadPrefixLength
    );
    assert_eq!(
        err_at(&format!("{ID} sel src 10.0.0.0/x"), 11, "10.0.0.0/x"),
        SpecErrorKind::BadPrefixLength
    );
    assert_eq!(
        err_at(&format!("{ID} sel src 10.0.0.0/+8"), 11, "10.0.0.0/+8"),
        SpecErrorKind::BadPrefixLength
    );
    assert_eq!(
        err_at(&format!("{ID} sel dst 10.0.0.0.1"), 11, "10.0.0.0.1"),
        SpecErrorKind::BadAddress("selector address")
    );
    assert_eq!(
        err_at(&format!("{ID} sel src 10.0.0.0/8 dst ::/0"), 13, "::/0"),
        SpecErrorKind::FamilyMismatch("sel")
    );
    assert_eq!(
        err_at(
            &format!("{ID} encap espinudp 4500 4500 nowhere"),
            13,
            "nowhere"
        ),
        SpecErrorKind::BadAddress("OADDR")
    );
    // Transport mode: the selector must be of the SA's family.
    let e = err(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 sel src 2001:db8::/32"
    ));
    assert!(matches!(e.kind, SpecErrorKind::Invalid(_)), "{e}");
}

#[test]
fn duplicates() {
    assert_eq!(
        err_at("src 1.1.1.1 src 1.1.1.2", 4, "1.1.1.2"),
        SpecErrorKind::Duplicate("src")
    );
    assert_eq!(
        err_at(
            &format!("{ID} enc aes {AES} enc aes {AES} auth sha1 {SHA1}"),
            12,
            "enc"
        ),
        SpecErrorKind::Duplicate("enc")
    );
    assert_eq!(
        err_at(
            &format!("{ID} enc aes {AES} auth sha1 {SHA1} auth-trunc md5 {MD5} 96"),
            15,
            "auth-trunc"
        ),
        SpecErrorKind::Duplicate("auth/auth-trunc")
    );
    assert_eq!(
        err_at(&format!("{ID} mode tunnel mode tunnel"), 12, "tunnel"),
        SpecErrorKind::Duplicate("mode")
    );
    assert_eq!(
        err_at(&format!("{ID} sel src 1.1.1.1 src 1.1.1.2"), 12, "src"),
        SpecErrorKind::Duplicate("sel src")
    );
    assert_eq!(
        err_at(&format!("{ID} sel proto tcp sport 1 sport 2"), 15, "2"),
        SpecErrorKind::Duplicate("sel sport")
    );
    assert_eq!(
        err_at(&format!("{ID} limit byte-soft 1 byte-soft 2"), 13, "2"),
        SpecErrorKind::Duplicate("byte-soft")
    );
    assert_eq!(
        err_at(&format!("{ID} replay-seq 1 replay-seq 2"), 12, "2"),
        SpecErrorKind::Duplicate("replay-seq")
    );
}

#[test]
fn missing_required_fields() {
    let alg = format!("aead 'rfc4106(gcm(aes))' {GCM} 128");
    assert_eq!(
        err(&format!("dst 1.1.1.1 proto esp spi 1 {alg}")).kind,
        SpecErrorKind::Missing("src ADDR")
    );
    assert_eq!(
        err(&format!("src 1.1.1.1 proto esp spi 1 {alg}")).kind,
        SpecErrorKind::Missing("dst ADDR")
    );
    assert_eq!(
        err(&format!("src 1.1.1.1 dst 2.2.2.2 spi 1 {alg}")).kind,
        SpecErrorKind::Missing("proto esp|ah")
    );
    assert_eq!(
        err(&format!("src 1.1.1.1 dst 2.2.2.2 proto esp {alg}")).kind,
        SpecErrorKind::Missing("spi SPI")
    );
    assert_eq!(
        err(ID).kind,
        SpecErrorKind::Missing("enc or aead for proto esp")
    );
    assert_eq!(
        err("src 1.1.1.1 dst 2.2.2.2 proto ah spi 1").kind,
        SpecErrorKind::Missing("auth or auth-trunc for proto ah")
    );
    let e = err(&format!("{ID} auth sha1 {SHA1}"));
    assert_eq!(e.kind, SpecErrorKind::Missing("enc or aead for proto esp"));
    assert_eq!(e.to_string(), "missing enc or aead for proto esp");
}

#[test]
fn key_errors() {
    assert!(matches!(
        err_at(&format!("{ID} enc aes 0xzz auth sha1 {SHA1}"), 11, "0xzz"),
        SpecErrorKind::BadKey(_)
    ));
    assert!(matches!(
        err_at(&format!("{ID} enc aes 0x auth sha1 {SHA1}"), 11, "0x"),
        SpecErrorKind::BadKey(_)
    ));
    let k = err_at(
        &format!("{ID} enc 'cbc(aes)' 0x0011 auth sha1 {SHA1}"),
        11,
        "0x0011",
    );
    assert_eq!(
        k,
        SpecErrorKind::KeyLength {
            alg: "cbc(aes)".into(),
            got: 2,
            expected: "16, 24 or 32"
        }
    );
    let k = err_at(&format!("{ID} aead 'rfc4106(gcm(aes))' {AES} 128"), 11, AES);
    assert!(
        matches!(k, SpecErrorKind::KeyLength { got: 16, .. }),
        "{k:?}"
    );
    let k = err_at(
        &format!("{ID} aead 'rfc4543(gcm(aes))' 0x{} 128", "00".repeat(25)),
        11,
        &format!("0x{}", "00".repeat(25)),
    );
    assert!(
        matches!(k, SpecErrorKind::KeyLength { got: 25, .. }),
        "{k:?}"
    );
    let k = err_at(
        &format!("{ID} enc aes {AES} auth sha1 0x0102"),
        14,
        "0x0102",
    );
    assert_eq!(
        k,
        SpecErrorKind::KeyLength {
            alg: "sha1".into(),
            got: 2,
            expected: "20"
        }
    );
    let k = err_at(
        &format!("{ID} enc aes {AES} auth-trunc hmac(sha256) {SHA1} 128"),
        14,
        SHA1,
    );
    assert!(
        matches!(
            k,
            SpecErrorKind::KeyLength {
                got: 20,
                expected: "32",
                ..
            }
        ),
        "{k:?}"
    );
    let k = err_at(
        &format!("{ID} enc des3_ede 0x0123456789abcdef auth sha1 {SHA1}"),
        11,
        "0x0123456789abcdef",
    );
    assert!(
        matches!(
            k,
            SpecErrorKind::KeyLength {
                got: 8,
                expected: "24",
                ..
            }
        ),
        "{k:?}"
    );
    let k = err_at(&format!("{ID} enc des {AES} auth sha1 {SHA1}"), 11, AES);
    assert!(
        matches!(
            k,
            SpecErrorKind::KeyLength {
                got: 16,
                expected: "8",
                ..
            }
        ),
        "{k:?}"
    );
    let k = err_at(
        &format!("{ID} enc cipher_null 0x00 auth sha1 {SHA1}"),
        11,
        "0x00",
    );
    assert!(
        matches!(k, SpecErrorKind::KeyLength { got: 1, .. }),
        "{k:?}"
    );
    let k = err_at(
        &format!("src 1.1.1.1 dst 2.2.2.2 proto ah spi 1 auth md5 {SHA1}"),
        11,
        SHA1,
    );
    assert!(
        matches!(
            k,
            SpecErrorKind::KeyLength {
                got: 20,
                expected: "16",
                ..
            }
        ),
        "{k:?}"
    );
}

#[test]
fn unknown_and_unsupported_algorithms() {
    assert_eq!(
        err_at(
            &format!("{ID} enc 'cbc(rot13)' {AES} auth sha1 {SHA1}"),
            10,
            "cbc(rot13)"
        ),
        SpecErrorKind::UnknownAlgorithm("encryption")
    );
    assert_eq!(
        err_at(
            &format!("{ID} enc aes {AES} auth 'hmac(crc)' {SHA1}"),
            13,
            "hmac(crc)"
        ),
        SpecErrorKind::UnknownAlgorithm("authentication")
    );
    assert_eq!(
        err_at(&format!("{ID} aead 'gcm(aes)' {GCM} 128"), 10, "gcm(aes)"),
        SpecErrorKind::UnknownAlgorithm("AEAD")
    );
    for (s, tok) in [
        (
            format!("{ID} enc 'cbc(cast5)' {AES} auth sha1 {SHA1}"),
            "cbc(cast5)",
        ),
        (
            format!("{ID} enc 'rfc3686(ctr(aes))' {GCM} auth sha1 {SHA1}"),
            "rfc3686(ctr(aes))",
        ),
        (
            format!("{ID} aead 'rfc4309(ccm(aes))' {GCM} 128"),
            "rfc4309(ccm(aes))",
        ),
        (
            format!("{ID} aead 'rfc7539esp(chacha20,poly1305)' {GCM} 128"),
            "rfc7539esp(chacha20,poly1305)",
        ),
    ] {
        assert!(
            matches!(err_at(&s, 10, tok), SpecErrorKind::Unsupported(_)),
            "{s}"
        );
    }
    assert!(matches!(
        err_at(
            &format!("{ID} enc aes {AES} auth-trunc 'hmac(sha512)' {SHA256} 256"),
            13,
            "hmac(sha512)"
        ),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at(&format!("{ID} comp deflate"), 9, "comp"),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at("src 1.1.1.1 dst 2.2.2.2 proto comp", 6, "comp"),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at("src 1.1.1.1 dst 2.2.2.2 proto route2", 6, "route2"),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at("src 1.1.1.1 dst 2.2.2.2 proto tcp", 6, "tcp"),
        SpecErrorKind::Invalid(_)
    ));
    for m in ["beet", "ro", "in_trigger"] {
        assert!(matches!(
            err_at(&format!("{ID} mode {m}"), 10, m),
            SpecErrorKind::Unsupported(_)
        ));
    }
    assert!(matches!(
        err_at(&format!("{ID} mode bogus"), 10, "bogus"),
        SpecErrorKind::Invalid(_)
    ));
}

#[test]
fn icv_length_errors() {
    let k = err_at(
        &format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 100"),
        12,
        "100",
    );
    assert_eq!(
        k,
        SpecErrorKind::IcvLength {
            alg: "rfc4106(gcm(aes))".into(),
            bits: 100,
            allowed: "64, 96 or 128"
        }
    );
    let k = err_at(&format!("{ID} aead 'rfc4543(gcm(aes))' {GCM} 96"), 12, "96");
    assert!(matches!(k, SpecErrorKind::IcvLength { bits: 96, .. }));
    let k = err_at(
        &format!("{ID} enc aes {AES} auth-trunc 'hmac(sha1)' {SHA1} 128"),
        15,
        "128",
    );
    assert!(matches!(
        k,
        SpecErrorKind::IcvLength {
            bits: 128,
            allowed: "96",
            ..
        }
    ));
    let k = err_at(
        &format!("{ID} enc aes {AES} auth-trunc 'hmac(sha256)' {SHA256} 96"),
        15,
        "96",
    );
    assert!(matches!(
        k,
        SpecErrorKind::IcvLength {
            bits: 96,
            allowed: "128",
            ..
        }
    ));
    let k = err_at(
        &format!("{ID} enc aes {AES} auth-trunc 'hmac(md5)' {MD5} 128"),
        15,
        "128",
    );
    assert!(matches!(k, SpecErrorKind::IcvLength { bits: 128, .. }));
}

#[test]
fn combination_errors() {
    let k = err_at(
        &format!("{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 auth sha1 {SHA1}"),
        13,
        "auth",
    );
    assert!(matches!(k, SpecErrorKind::Combination(_)), "{k:?}");
    let k = err_at(
        &format!("src 1.1.1.1 dst 2.2.2.2 proto ah spi 1 enc aes {AES} auth sha1 {SHA1}"),
        9,
        "enc",
    );
    assert!(matches!(k, SpecErrorKind::Combination(_)));
    let k = err_at(
        &format!("src 1.1.1.1 dst 2.2.2.2 proto ah spi 1 aead 'rfc4106(gcm(aes))' {GCM} 128"),
        9,
        "aead",
    );
    assert!(matches!(k, SpecErrorKind::Combination(_)));
    // Confidentiality-only ESP and NULL without integrity.
    let e = err(&format!("{ID} enc 'cbc(aes)' {AES}"));
    assert!(
        matches!(e.kind, SpecErrorKind::Combination(ref m) if m.contains("cbc(aes)")),
        "{e}"
    );
    let e = err(&format!("{ID} enc 'ecb(cipher_null)' ''"));
    assert!(matches!(e.kind, SpecErrorKind::Combination(_)), "{e}");
    let e = err(&format!("{ID} enc aes {AES} auth digest_null ''"));
    assert!(matches!(e.kind, SpecErrorKind::Combination(_)), "{e}");
    let k = err_at(
        "src 1.1.1.1 dst 2.2.2.2 proto ah spi 1 auth digest_null ''",
        10,
        "digest_null",
    );
    assert!(matches!(k, SpecErrorKind::Combination(_)));
    let e = err(&format!(
        "src 1.1.1.1 dst 2.2.2.2 proto ah spi 1 auth sha1 {SHA1} encap espinudp 4500 4500 0.0.0.0"
    ));
    assert!(matches!(e.kind, SpecErrorKind::Combination(_)), "{e}");
    let e = err(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 replay-oseq-hi 1"
    ));
    assert!(
        matches!(e.kind, SpecErrorKind::Combination(ref m) if m.contains("esn")),
        "{e}"
    );
    let e = err(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 replay-seq-hi 1"
    ));
    assert!(matches!(e.kind, SpecErrorKind::Combination(_)), "{e}");
}

#[test]
fn flag_errors() {
    assert_eq!(
        err_at(&format!("{ID} flag bogus"), 10, "bogus"),
        SpecErrorKind::UnknownFlag
    );
    assert_eq!(
        err_at(&format!("{ID} flag 0x1ff"), 10, "0x1ff"),
        SpecErrorKind::UnknownFlag
    );
    for f in ["noecn", "decap-dscp", "nopmtudisc"] {
        let k = err_at(&format!("{ID} flag esn {f}"), 11, f);
        assert!(
            matches!(k, SpecErrorKind::Unsupported(ref m) if m.contains(f)),
            "{k:?}"
        );
    }
    // 0x01 = noecn.
    assert!(matches!(
        err_at(&format!("{ID} flag 1"), 10, "1"),
        SpecErrorKind::Unsupported(_)
    ));
    for f in ["dont-encap-dscp", "oseq-may-wrap"] {
        assert!(matches!(
            err_at(&format!("{ID} extra-flag {f}"), 10, f),
            SpecErrorKind::Unsupported(_)
        ));
    }
    assert_eq!(
        err_at(&format!("{ID} extra-flag bogus"), 10, "bogus"),
        SpecErrorKind::UnknownFlag
    );
    // After `flag`, a non-flag word is the next keyword.
    assert_eq!(
        err_at(&format!("{ID} flag esn bogus"), 11, "bogus"),
        SpecErrorKind::UnknownKeyword
    );
}

#[test]
fn selector_upper_layer_errors() {
    let k = err_at(&format!("{ID} sel sport 80"), 11, "80");
    assert!(
        matches!(k, SpecErrorKind::Invalid(ref m) if m.contains("sport")),
        "{k:?}"
    );
    let k = err_at(&format!("{ID} sel proto icmp dport 80"), 13, "80");
    assert!(matches!(k, SpecErrorKind::Invalid(_)));
    let k = err_at(&format!("{ID} sel proto tcp type 8"), 13, "8");
    assert!(
        matches!(k, SpecErrorKind::Invalid(ref m) if m.contains("type")),
        "{k:?}"
    );
    let k = err_at(&format!("{ID} sel proto udp key 5"), 13, "5");
    assert!(
        matches!(k, SpecErrorKind::Invalid(ref m) if m.contains("gre")),
        "{k:?}"
    );
    let k = err_at(&format!("{ID} sel proto nonsense"), 11, "nonsense");
    assert!(matches!(k, SpecErrorKind::Invalid(_)));
    assert_eq!(
        err_at(&format!("{ID} sel proto 256"), 11, "256"),
        SpecErrorKind::Invalid("PROTO is not a protocol name or number 0..=255".into())
    );
    assert_eq!(
        err_at(&format!("{ID} sel proto icmp type 256"), 13, "256"),
        SpecErrorKind::OutOfRange {
            what: "TYPE",
            max: 255
        }
    );
    assert_eq!(
        err_at(&format!("{ID} sel proto gre key x"), 13, "x"),
        SpecErrorKind::BadNumber("GRE key")
    );
    assert_eq!(
        err_at(&format!("{ID} sel src 1.1.1.1 sel"), 12, "sel"),
        SpecErrorKind::Duplicate("sel")
    );
}

#[test]
fn other_option_errors() {
    assert!(matches!(
        err_at(&format!("{ID} limit lifetime 5"), 10, "lifetime"),
        SpecErrorKind::Invalid(_)
    ));
    let k = err_at(&format!("{ID} limit packet-hard 0"), 11, "0");
    assert!(
        matches!(k, SpecErrorKind::Invalid(ref m) if m.contains("packet-hard 0")),
        "{k:?}"
    );
    assert!(matches!(
        err_at(&format!("{ID} limit byte-soft 0"), 11, "0"),
        SpecErrorKind::Invalid(_)
    ));
    assert!(matches!(
        err_at(&format!("{ID} encap espintcp 1 2 0.0.0.0"), 10, "espintcp"),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at(
            &format!("{ID} encap espinudp-nonike 1 2 0.0.0.0"),
            10,
            "espinudp-nonike"
        ),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at(&format!("{ID} encap udp 1 2 0.0.0.0"), 10, "udp"),
        SpecErrorKind::Invalid(_)
    ));
    let e = err(&format!(
        "{ID} aead 'rfc4106(gcm(aes))' {GCM} 128 encap espinudp 0 4500 0.0.0.0"
    ));
    assert!(matches!(e.kind, SpecErrorKind::Invalid(_)), "{e}");
    assert!(matches!(
        err_at(&format!("{ID} coa 1.1.1.1"), 9, "coa"),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at(&format!("{ID} tfcpad 16"), 10, "16"),
        SpecErrorKind::Unsupported(_)
    ));
    assert!(matches!(
        err_at(&format!("{ID} dir both"), 10, "both"),
        SpecErrorKind::Invalid(_)
    ));
    assert_eq!(
        err_at(&format!("{ID} dir in dir out"), 12, "out"),
        SpecErrorKind::Duplicate("dir")
    );
}

#[test]
fn error_messages_are_readable() {
    let e = err(&format!("{ID} aead 'rfc4106(gcm(aes))' 0x0102 128"));
    assert_eq!(
        e.to_string(),
        "token 11 \"0x0102\": key for rfc4106(gcm(aes)) is 2 bytes, expected 20, 28 or 36 (AES key || 4-byte salt)"
    );
    let e = err(&format!("{ID} frob"));
    assert_eq!(e.to_string(), "token 9 \"frob\": unknown keyword");
}

#[test]
fn parser_never_panics_on_mutations() {
    // Every prefix, every token dropped, every token doubled, of a rich spec.
    let full = format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 \
         replay-window 64 flag esn replay-oseq 5 replay-oseq-hi 0x1 encap espinudp 4500 4500 0.0.0.0 \
         sel src 10.0.0.0/24 dst 10.0.1.0/24 proto tcp sport 1 dport 2 limit byte-soft 1 packet-hard 9 reqid 3"
    );
    let toks = tokenize(&full).unwrap();
    for n in 0..=toks.len() {
        let _ = ipsecctl::spec::parse_tokens(&toks[..n]);
        let mut dropped = toks.clone();
        if n < toks.len() {
            dropped.remove(n);
            let _ = ipsecctl::spec::parse_tokens(&dropped);
            let mut doubled = toks.clone();
            doubled.insert(n, toks[n].clone());
            let _ = ipsecctl::spec::parse_tokens(&doubled);
        }
    }
    for s in [
        "'",
        "\"",
        "\\",
        "0x",
        "sel",
        "flag",
        "limit",
        "encap",
        "\u{0}",
        "src \u{1F600}",
        "spi 0x",
    ] {
        let _ = parse(s);
    }
}
