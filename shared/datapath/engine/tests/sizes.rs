//! Reports (with `--nocapture`) and bounds the prepared-state sizes.
#![cfg(test)]

#[test]
fn prepared_state_sizes() {
    let sizes = ipsec_engine::prepared_state_sizes();
    for (name, n) in sizes {
        println!("{name:45} {n:5} bytes");
    }
    let get = |k: &str| {
        sizes
            .iter()
            .find(|(n, _)| n.starts_with(k))
            .map(|(_, s)| *s)
            .unwrap_or(0)
    };
    // HMAC state is two 32-byte chaining values plus the algorithm tag.
    assert!(get("HMAC") <= 80);
    // Whole SAs stay around 1 KiB even with the largest (AES-256 with the
    // software fallback schedule) cipher inline.
    assert!(get("EspSa") <= 1152, "EspSa {}", get("EspSa"));
    assert!(get("AhSa") <= 1152, "AhSa {}", get("AhSa"));
}
