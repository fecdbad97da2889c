//! Sets `cfg(ipsecov2_asan)` when the crate is compiled with `-Zsanitizer=address`, so that the
//! test proving AddressSanitizer is active exists exactly in the ASan build.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ipsecov2_asan)");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let sanitize = std::env::var("CARGO_CFG_SANITIZE").unwrap_or_default();
    let asan = sanitize.split(',').any(|s| s == "address")
        || flags
            .split('\u{1f}')
            .any(|f| f == "-Zsanitizer=address" || f == "sanitizer=address");
    if asan {
        println!("cargo::rustc-cfg=ipsecov2_asan");
    }
}
