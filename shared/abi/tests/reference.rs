//! Cross-checks the crate against `shared/reference/ipsecov2-abi-x64.txt` when that file exists
//! beside the repository (three directories above this crate's manifest). Every recognised line
//! (`sizeof=`, `offset=`, `NDIS_SIZEOF_*`, bit positions, NBL slots, enum, status and OID lines)
//! is compared with the crate's value; unrecognised lines fail the test so that nothing in the
//! reference is silently skipped. When the file is absent the test prints a note and passes: the
//! compile-time assertions in the crate remain the real guarantee. The parsers and the crate's
//! values by reference name are in `support/`.
#![cfg(test)]
#![cfg(target_pointer_width = "64")]
#![allow(non_snake_case)]

mod support;

use support::{abi_file, core_file, read_reference};

#[test]
fn matches_reference_file() {
    let text = match read_reference("ipsecov2-abi-x64.txt") {
        Ok(t) => t,
        Err(why) => {
            println!("note: {why}; skipping (compile-time asserts still apply)");
            return;
        }
    };
    let found = abi_file::compare(&text);
    assert!(
        found.failures.is_empty(),
        "{} mismatches:\n{}",
        found.failures.len(),
        found.failures.join("\n")
    );
    // The reference currently yields 218 comparisons; a sharp drop means the parser lost lines.
    assert!(
        found.checks >= 200,
        "only {} comparisons made",
        found.checks
    );
    println!("{} reference values checked", found.checks);
}

/// Parses the constant tables of `ndis-core-layouts.md` (rows whose first cell is a backticked
/// name and whose value cell is a number) and compares the NDIS 6.80 value of every row the crate
/// defines. Also fails if a crate constant listed in `core_constant` never appears in the file.
#[test]
fn matches_core_reference_constants() {
    let text = match read_reference("ndis-core-layouts.md") {
        Ok(t) => t,
        Err(why) => {
            println!("note: {why}; skipping");
            return;
        }
    };
    let found = core_file::compare(&text);
    assert!(
        found.failures.is_empty(),
        "{} mismatches:\n{}",
        found.failures.len(),
        found.failures.join("\n")
    );
    println!("{} core constants checked", found.seen.len());
    let missing = found.missing();
    assert!(
        missing.is_empty(),
        "constants not found in the core reference: {missing:?}"
    );
}
