//! SA specification parser errors: algorithms, ICV lengths, combinations, flags, selectors,
//! other options; readable messages and a mutation sweep that must not panic.
#![cfg(test)]

#[path = "common/spec.rs"]
mod spec_common;

use ipsecctl::spec::{parse, tokenize, SpecErrorKind};

use spec_common::*;

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
