//! Build script. Default builds (Linux cross-check, plain `cargo build` on Windows) need nothing:
//! the imports are `raw-dylib`. With the `wdk` feature (Windows host with the WDK only), let
//! wdk-build configure the driver link (`/DRIVER`, `/SUBSYSTEM:NATIVE`, `/ENTRY:DriverEntry`, the
//! WDK libraries) and link ndis.lib.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "wdk")]
    {
        if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
            wdk_build::configure_wdk_binary_build()?;
            println!("cargo:rustc-link-lib=ndis");
        }
    }
    Ok(())
}
