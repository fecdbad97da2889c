//! Support of the reference cross-checks (`tests/reference.rs`): where the reference files are,
//! how they write numbers, the crate's values by the reference's names, and one comparison per
//! file. A module folder, so cargo does not build it as a test crate of its own.

pub mod abi_file;
pub mod core_constants;
pub mod core_file;
pub mod lookup;
pub mod number;

use std::path::PathBuf;

/// `shared/reference/<name>` beside the repository (three directories above this crate's
/// manifest), as text; `Err` says why it could not be read.
pub fn read_reference(name: &str) -> Result<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference")
        .join(name);
    std::fs::read_to_string(&path)
        .map_err(|e| format!("reference file {} not readable ({e})", path.display()))
}
