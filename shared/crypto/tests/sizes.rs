//! Key objects stay small: the XMM tier keeps compact round keys inline (no 704–960-byte
//! software schedule), the portable fallback boxes the RustCrypto state.
#![allow(clippy::unwrap_used)]

use core::mem::size_of;

use ipsecov2_crypto::{AesCbc, AesGcm, HmacSha1, HmacSha256};

#[test]
fn key_object_sizes() {
    let sizes = [
        ("AesGcm", size_of::<AesGcm>()),
        ("AesCbc", size_of::<AesCbc>()),
        ("HmacSha1", size_of::<HmacSha1>()),
        ("HmacSha256", size_of::<HmacSha256>()),
    ];
    for (n, s) in sizes {
        println!("{n}: {s} bytes");
    }
    // GCM: 15 round keys (240 B, AES-256 included) + H..H^8 (128 B) + the round count.
    assert!(size_of::<AesGcm>() <= 384, "{sizes:?}");
    // CBC: both directions at most (2 x 240 B + round counts).
    assert!(size_of::<AesCbc>() <= 512, "{sizes:?}");
    assert_eq!(size_of::<HmacSha1>(), 40);
    assert_eq!(size_of::<HmacSha256>(), 64);
    // GCM on AES-256 + HMAC-SHA-256 (CBC both ways) fit well under 1 KiB together.
    assert!(size_of::<AesCbc>() + size_of::<HmacSha256>() <= 600);
}
