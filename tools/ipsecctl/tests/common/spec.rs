//! Helpers of the SA specification tests: parse or fail with the input named, the error's
//! token, ESP's algorithms and key lengths.
#![cfg(test)]
#![allow(dead_code)]

use std::net::IpAddr;

use ipsec_engine::alg::{EspEncryption, EspIntegrity};
use ipsecctl::spec::{parse, SaSpec, SpecError, SpecErrorKind, Transform};

pub const GCM: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";
pub const AES: &str = "0x00112233445566778899aabbccddeeff";
pub const SHA1: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";
pub const SHA256: &str = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
pub const MD5: &str = "0x00112233445566778899aabbccddeeff";
pub const ID: &str = "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000";

pub fn ok(s: &str) -> SaSpec {
    match parse(s) {
        Ok(v) => v,
        Err(e) => panic!("{s}: {e}"),
    }
}

pub fn err(s: &str) -> SpecError {
    match parse(s) {
        Ok(v) => panic!("{s}: accepted as {v:?}"),
        Err(e) => e,
    }
}

/// The error names the token at `pos` with text `tok`.
pub fn err_at(s: &str, pos: usize, tok: &str) -> SpecErrorKind {
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

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn esp(sa: &SaSpec) -> (EspEncryption, EspIntegrity, usize, usize) {
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
