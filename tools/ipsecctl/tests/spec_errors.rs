//! SA specification parser errors: tokens, keywords, numbers, addresses, duplicates,
//! missing fields and keys.
#![cfg(test)]

#[path = "common/spec.rs"]
mod spec_common;

use ipsecctl::spec::{tokenize, SpecErrorKind};

use spec_common::*;

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
