//! The NDIS/WDM structures of the host, and the reader of the reference they are checked against.

pub mod reference;
pub mod structs;

/// `ndis-core-layouts.md`, three directories above this crate's manifest (`../shared/reference`
/// beside the repository).
pub fn reference_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/ndis-core-layouts.md")
}
