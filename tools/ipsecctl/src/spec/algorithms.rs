//! The `enc`, `auth`, `auth-trunc` and `aead` items as written, and their resolution into the
//! engine's transform.

use ipsec_engine::alg::{AesKeySize, AhIntegrity, EspEncryption, EspIntegrity, GcmIcvLen};

use super::error::{SpecError, SpecErrorKind};
use super::model::{Transform, XfrmProto};

/// One `enc|auth|auth-trunc|aead|comp` item as written.
pub(super) struct AlgoItem {
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) name_pos: usize,
    pub(super) key: Vec<u8>,
    pub(super) key_pos: usize,
    pub(super) bits: Option<(u32, usize)>,
}

fn item_err(tokens: &[String], pos: usize, kind: SpecErrorKind) -> SpecError {
    SpecError {
        position: Some(pos),
        token: tokens.get(pos.saturating_sub(1)).cloned(),
        kind,
    }
}

fn aes_size(len: usize) -> Option<AesKeySize> {
    match len {
        16 => Some(AesKeySize::Aes128),
        24 => Some(AesKeySize::Aes192),
        32 => Some(AesKeySize::Aes256),
        _ => None,
    }
}

/// Linux algorithm names (and their compatibility aliases) that the engine
/// does not implement.
const KNOWN_UNIMPLEMENTED: &[&str] = &[
    "cbc(cast5)",
    "cast5",
    "cbc(blowfish)",
    "blowfish",
    "cbc(serpent)",
    "serpent",
    "cbc(camellia)",
    "camellia",
    "cbc(twofish)",
    "twofish",
    "rfc3686(ctr(aes))",
    "cbc(sm4)",
    "sm4",
    "hmac(sha384)",
    "sha384",
    "hmac(sha512)",
    "sha512",
    "hmac(rmd160)",
    "rmd160",
    "xcbc(aes)",
    "cmac(aes)",
    "hmac(sm3)",
    "sm3",
    "rfc4309(ccm(aes))",
    "rfc7539esp(chacha20,poly1305)",
];

fn resolve_integ(item: &AlgoItem, tokens: &[String]) -> Result<(EspIntegrity, usize), SpecError> {
    // Linux's default truncation for `auth` (xfrm_algo.c icv_truncbits):
    // md5 96, sha1 96, sha256 96 (kept for compatibility with old kernels).
    let (integ, default_bits, allowed_bits, allowed) = match item.name.as_str() {
        "hmac(md5)" | "md5" => (EspIntegrity::HmacMd5_96, 96, 96, "96"),
        "hmac(sha1)" | "sha1" => (EspIntegrity::HmacSha1_96, 96, 96, "96"),
        "hmac(sha256)" | "sha256" => (EspIntegrity::HmacSha256_128, 96, 128, "128"),
        "digest_null" => (EspIntegrity::None, 0, 0, "0"),
        n if KNOWN_UNIMPLEMENTED.contains(&n) => {
            return Err(item_err(
                tokens,
                item.name_pos,
                SpecErrorKind::Unsupported(format!("{n} is not implemented by the engine")),
            ))
        }
        _ => {
            return Err(item_err(
                tokens,
                item.name_pos,
                SpecErrorKind::UnknownAlgorithm("authentication"),
            ))
        }
    };
    let bits = match item.bits {
        Some((b, pos)) => {
            if b != allowed_bits {
                return Err(item_err(
                    tokens,
                    pos,
                    SpecErrorKind::IcvLength {
                        alg: item.name.clone(),
                        bits: b,
                        allowed,
                    },
                ));
            }
            b
        }
        None => default_bits,
    };
    if bits != allowed_bits {
        // `auth hmac(sha256)`: Linux truncates to 96 bits (pre-RFC 4868 draft).
        return Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::Unsupported(format!(
                "auth {} means {}-bit truncation in Linux, which the engine does not implement; \
                 use auth-trunc '{}' KEY {} (RFC 4868)",
                item.name, default_bits, item.name, allowed_bits
            )),
        ));
    }
    if item.key.len() != integ.key_len() {
        return Err(item_err(
            tokens,
            item.key_pos,
            SpecErrorKind::KeyLength {
                alg: item.name.clone(),
                got: item.key.len(),
                expected: match integ {
                    EspIntegrity::None => "0 (digest_null takes '')",
                    EspIntegrity::HmacMd5_96 => "16",
                    EspIntegrity::HmacSha1_96 => "20",
                    EspIntegrity::HmacSha256_128 => "32",
                },
            },
        ));
    }
    Ok((integ, item.key.len()))
}

fn resolve_enc(item: &AlgoItem, tokens: &[String]) -> Result<EspEncryption, SpecError> {
    let len = item.key.len();
    let key_err = |expected| {
        item_err(
            tokens,
            item.key_pos,
            SpecErrorKind::KeyLength {
                alg: item.name.clone(),
                got: len,
                expected,
            },
        )
    };
    match item.name.as_str() {
        "cbc(aes)" | "aes" => aes_size(len)
            .map(EspEncryption::AesCbc)
            .ok_or_else(|| key_err("16, 24 or 32")),
        "cbc(des3_ede)" | "des3_ede" => {
            if len == 24 {
                Ok(EspEncryption::TripleDesCbc)
            } else {
                Err(key_err("24"))
            }
        }
        "cbc(des)" | "des" => {
            if len == 8 {
                Ok(EspEncryption::DesCbc)
            } else {
                Err(key_err("8"))
            }
        }
        "ecb(cipher_null)" | "cipher_null" => {
            if len == 0 {
                Ok(EspEncryption::Null)
            } else {
                Err(key_err("0 (give '')"))
            }
        }
        n if KNOWN_UNIMPLEMENTED.contains(&n) => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::Unsupported(format!("{n} is not implemented by the engine")),
        )),
        _ => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::UnknownAlgorithm("encryption"),
        )),
    }
}

fn resolve_aead(item: &AlgoItem, tokens: &[String]) -> Result<EspEncryption, SpecError> {
    let len = item.key.len();
    let size = || {
        len.checked_sub(4).and_then(aes_size).ok_or_else(|| {
            item_err(
                tokens,
                item.key_pos,
                SpecErrorKind::KeyLength {
                    alg: item.name.clone(),
                    got: len,
                    expected: "20, 28 or 36 (AES key || 4-byte salt)",
                },
            )
        })
    };
    let (bits, bits_pos) = item.bits.unwrap_or((0, item.key_pos));
    match item.name.as_str() {
        "rfc4106(gcm(aes))" => {
            let icv = match bits {
                64 => GcmIcvLen::Icv8,
                96 => GcmIcvLen::Icv12,
                128 => GcmIcvLen::Icv16,
                _ => {
                    return Err(item_err(
                        tokens,
                        bits_pos,
                        SpecErrorKind::IcvLength {
                            alg: item.name.clone(),
                            bits,
                            allowed: "64, 96 or 128",
                        },
                    ))
                }
            };
            Ok(EspEncryption::AesGcm(size()?, icv))
        }
        "rfc4543(gcm(aes))" => {
            if bits != 128 {
                return Err(item_err(
                    tokens,
                    bits_pos,
                    SpecErrorKind::IcvLength {
                        alg: item.name.clone(),
                        bits,
                        allowed: "128",
                    },
                ));
            }
            Ok(EspEncryption::AesGmac(size()?))
        }
        n if KNOWN_UNIMPLEMENTED.contains(&n) => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::Unsupported(format!("{n} is not implemented by the engine")),
        )),
        _ => Err(item_err(
            tokens,
            item.name_pos,
            SpecErrorKind::UnknownAlgorithm("AEAD"),
        )),
    }
}

pub(super) fn resolve_transform(
    proto: XfrmProto,
    algos: &[AlgoItem],
    tokens: &[String],
) -> Result<Transform, SpecError> {
    let mut enc: Option<&AlgoItem> = None;
    let mut auth: Option<&AlgoItem> = None;
    let mut aead: Option<&AlgoItem> = None;
    for a in algos {
        let slot = match a.kind {
            "enc" => &mut enc,
            "aead" => &mut aead,
            _ => &mut auth,
        };
        if slot.is_some() {
            let what = match a.kind {
                "enc" => "enc",
                "aead" => "aead",
                _ => "auth/auth-trunc",
            };
            return Err(item_err(
                tokens,
                a.name_pos - 1,
                SpecErrorKind::Duplicate(what),
            ));
        }
        *slot = Some(a);
    }
    match proto {
        XfrmProto::Ah => {
            if let Some(a) = enc.or(aead) {
                return Err(item_err(
                    tokens,
                    a.name_pos - 1,
                    SpecErrorKind::Combination(format!("{} is not allowed with proto ah", a.kind)),
                ));
            }
            let a = auth.ok_or_else(|| {
                SpecError::whole(SpecErrorKind::Missing("auth or auth-trunc for proto ah"))
            })?;
            let (integ, _) = resolve_integ(a, tokens)?;
            let alg = match integ {
                EspIntegrity::HmacMd5_96 => AhIntegrity::HmacMd5_96,
                EspIntegrity::HmacSha1_96 => AhIntegrity::HmacSha1_96,
                EspIntegrity::HmacSha256_128 => AhIntegrity::HmacSha256_128,
                EspIntegrity::None => {
                    return Err(item_err(
                        tokens,
                        a.name_pos,
                        SpecErrorKind::Combination(
                            "AH needs a real integrity algorithm, not digest_null".into(),
                        ),
                    ))
                }
            };
            Ok(Transform::Ah {
                alg,
                key: a.key.clone(),
                names: a.name.clone(),
            })
        }
        XfrmProto::Esp => {
            if let Some(a) = aead {
                if let Some(other) = enc.or(auth) {
                    return Err(item_err(
                        tokens,
                        other.name_pos - 1,
                        SpecErrorKind::Combination(format!(
                            "{} is not allowed together with aead",
                            other.kind
                        )),
                    ));
                }
                let e = resolve_aead(a, tokens)?;
                return Ok(Transform::Esp {
                    enc: e,
                    integ: EspIntegrity::None,
                    enc_key: a.key.clone(),
                    integ_key: Vec::new(),
                    names: a.name.clone(),
                });
            }
            let e = enc.ok_or_else(|| {
                SpecError::whole(SpecErrorKind::Missing("enc or aead for proto esp"))
            })?;
            let enc_alg = resolve_enc(e, tokens)?;
            let (integ, integ_key, names) = match auth {
                Some(a) => {
                    let (i, _) = resolve_integ(a, tokens)?;
                    (i, a.key.clone(), format!("{}+{}", e.name, a.name))
                }
                None => (EspIntegrity::None, Vec::new(), e.name.clone()),
            };
            if integ == EspIntegrity::None && enc_alg != EspEncryption::Null {
                return Err(SpecError::whole(SpecErrorKind::Combination(format!(
                    "ESP with {} needs an auth or auth-trunc algorithm: the engine refuses \
                     confidentiality-only ESP (without an ICV the padding check is an oracle)",
                    e.name
                ))));
            }
            if integ == EspIntegrity::None && enc_alg == EspEncryption::Null {
                return Err(SpecError::whole(SpecErrorKind::Combination(
                    "ESP with NULL encryption needs an auth or auth-trunc algorithm".into(),
                )));
            }
            Ok(Transform::Esp {
                enc: enc_alg,
                integ,
                enc_key: e.key.clone(),
                integ_key,
                names,
            })
        }
    }
}
