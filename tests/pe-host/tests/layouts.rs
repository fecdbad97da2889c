//! Every structure the host builds or reads, field by field against `ndis-core-layouts.md`.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use ipsecov2_pe_host::abi::{reference, reference_path, structs::LAYOUTS};

#[test]
fn host_structures_match_the_reference_field_by_field() {
    let path = reference_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        // The compile-time assertions in abi/structs.rs remain.
        eprintln!(
            "note: {} not found; reference comparison skipped",
            path.display()
        );
        return;
    };
    let refs = reference::parse(&text);
    let mut errors = Vec::new();
    for l in LAYOUTS {
        let Some(r) = refs.get(l.name) else {
            errors.push(format!("{}: not in the reference", l.name));
            continue;
        };
        if r.size != Some(l.size) {
            errors.push(format!(
                "{}: sizeof {:#x}, reference {:?}",
                l.name, l.size, r.size
            ));
        }
        if r.align != Some(l.align) {
            errors.push(format!(
                "{}: alignof {:#x}, reference {:?}",
                l.name, l.align, r.align
            ));
        }
        for &(f, off, size) in l.fields {
            match r.fields.get(f) {
                Some(&(ro, rs)) if ro == off && rs == size => {}
                Some(&(ro, rs)) => errors.push(format!(
                    "{}.{f}: offset {off:#x} size {size:#x}, reference {ro:#x}/{rs:#x}",
                    l.name
                )),
                None => errors.push(format!("{}.{f}: not in the reference", l.name)),
            }
        }
        for &(f, off, size) in l.aliases {
            if r.fields.get(f) != Some(&(off, size)) {
                errors.push(format!(
                    "{}.{f} (union member): {off:#x}/{size:#x}, reference {:?}",
                    l.name,
                    r.fields.get(f)
                ));
            }
        }
        // Every field of the reference is in the host structure.
        for f in r.fields.keys() {
            if !l.fields.iter().chain(l.aliases).any(|x| x.0 == f) {
                errors.push(format!(
                    "{}.{f}: in the reference, missing in the host",
                    l.name
                ));
            }
        }
    }
    assert!(
        errors.is_empty(),
        "layout differences:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_reader_sees_a_wrong_offset() {
    let text = "**`X`**\n\n| Field | C type | Offset | Size |\n|---|---|---|---|\n| `A` | `ULONG` | 0x4 | 0x4 |\n| **sizeof** | | 0x8 | |\n";
    let refs = reference::parse(text);
    let x = &refs["X"];
    assert_eq!(x.fields["A"], (4, 4));
    assert_eq!(x.size, Some(8));
    // The NDIS 6.80 column is chosen when a table has one per version.
    let text = "**`Y`**\n| Field | C type | Offset 6.30 | Offset 6.80 | Size |\n|---|---|---|---|---|\n| `B` | `P` | — | 0xE0 | 0x8 |\n| **sizeof** | | 0xE0 | 0xF0 | |\n";
    let y = &reference::parse(text)["Y"];
    assert_eq!(y.fields["B"], (0xE0, 8));
    let text = "**`Z`**\n| Field | C type | Offset 6.30 | Offset 6.80 | Size |\n|---|---|---|---|---|\n| `I` | `P[]` | 0x90 | 0x90 | 0xC0 / 0xD8 |\n";
    assert_eq!(reference::parse(text)["Z"].fields["I"], (0x90, 0xD8));
    assert_eq!(y.size, Some(0xF0));
}
