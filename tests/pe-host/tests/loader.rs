//! The loader on small PE32+ images built here (no .sys needed).
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use ipsecov2_pe_host::load::{HostTable, LoadError, LoadedImage};
use ipsecov2_pe_host::pe::build::{section_characteristics_offset, PeBuilder, BUILT_IMAGE_BASE};
use ipsecov2_pe_host::pe::{PeError, PeImage, SCN_WRITE};

extern "win64" fn host_mix(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    a + 10 * b + 100 * c + 1000 * d + 10000 * e
}

extern "win64" fn host_other() -> u64 {
    7
}

const CONSTANT: u64 = 0x1122_3344_5566_7788;

/// An image with two imports from two modules, an export that tail-calls the first import, and
/// an export that loads a constant through a relocated pointer in `.data`.
struct Built {
    file: Vec<u8>,
    ptr_rva: u32,
    const_rva: u32,
}

fn built() -> Built {
    let mut b = PeBuilder::new();
    let mix = b.import("ndis.sys", "HostMix");
    b.import("ntoskrnl.exe", "HostOther");
    // CallMix: jmp qword [rip + (mix slot)]
    let at = b.next_code_rva();
    let mut code = vec![0xFF, 0x25];
    code.extend_from_slice(&PeBuilder::rel32(at + 6, mix));
    b.code(&code);
    b.export("CallMix", at);
    // LoadConstant: mov rax, [rip + ptr]; mov rax, [rax]; ret
    let const_rva = b.data(&CONSTANT.to_le_bytes());
    let ptr_rva = b.data(&[0; 8]);
    b.dir64(ptr_rva, const_rva);
    let at = b.next_code_rva();
    let mut code = vec![0x48, 0x8B, 0x05];
    code.extend_from_slice(&PeBuilder::rel32(at + 7, ptr_rva));
    code.extend_from_slice(&[0x48, 0x8B, 0x00, 0xC3]);
    b.code(&code);
    b.export("LoadConstant", at);
    b.entry(at);
    Built {
        file: b.build(),
        ptr_rva,
        const_rva,
    }
}

fn host() -> HostTable {
    let mut t = HostTable::new();
    t.add("NDIS.SYS", "HostMix", host_mix as *const () as usize);
    t.add(
        "ntoskrnl.exe",
        "HostOther",
        host_other as *const () as usize,
    );
    t
}

#[test]
fn parses_imports_exports_and_relocations() {
    let b = built();
    let pe = PeImage::parse(&b.file).expect("parse");
    let imports: Vec<String> = pe
        .imports
        .iter()
        .map(|i| format!("{}!{}", i.module, i.name))
        .collect();
    assert_eq!(imports, ["ndis.sys!HostMix", "ntoskrnl.exe!HostOther"]);
    assert_eq!(pe.exports.len(), 2);
    assert!(pe.export("CallMix").is_some());
    assert_eq!(pe.relocations, [b.ptr_rva]);
    assert_eq!(pe.headers.image_base, BUILT_IMAGE_BASE);
}

#[test]
fn maps_away_from_the_preferred_base_and_relocates() {
    let b = built();
    let img = LoadedImage::load(&b.file, &host()).expect("load");
    assert_ne!(img.base() as u64, BUILT_IMAGE_BASE);
    let slot = img.read(b.ptr_rva, 8).expect("read .data");
    let value = u64::from_le_bytes(slot.try_into().expect("8 bytes"));
    assert_eq!(value, img.address(b.const_rva) as u64);
    let f = img.export("LoadConstant").expect("export");
    // SAFETY: LoadConstant is `mov rax,[rip+ptr]; mov rax,[rax]; ret` in the mapped image.
    let f: extern "win64" fn() -> u64 = unsafe { core::mem::transmute(f) };
    assert_eq!(f(), CONSTANT);
}

#[test]
fn imports_reach_host_functions_with_the_win64_convention() {
    let img = LoadedImage::load(&built().file, &host()).expect("load");
    let f = img.export("CallMix").expect("export");
    // SAFETY: CallMix tail-calls the IAT slot bound to `host_mix`, same signature.
    let f: extern "win64" fn(u64, u64, u64, u64, u64) -> u64 = unsafe { core::mem::transmute(f) };
    // The fifth argument travels on the stack above the 32-byte home area.
    assert_eq!(f(1, 2, 3, 4, 5), 54321);
}

/// Permissions of the mappings inside `[lo, hi)` from /proc/self/maps.
fn protections(lo: usize, hi: usize) -> Vec<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
    let mut out = Vec::new();
    for line in maps.lines() {
        let mut it = line.split_whitespace();
        let (Some(range), Some(perms)) = (it.next(), it.next()) else {
            continue;
        };
        let (a, b) = range.split_once('-').expect("range");
        let a = usize::from_str_radix(a, 16).expect("hex");
        let b = usize::from_str_radix(b, 16).expect("hex");
        if a < hi && b > lo {
            out.push(format!(
                "{:#x}+{:#x} {}",
                a.max(lo) - lo,
                b.min(hi) - a.max(lo),
                &perms[..3]
            ));
        }
    }
    out
}

#[test]
fn each_section_has_its_own_protection_and_none_is_writable_and_executable() {
    let b = built();
    let img = LoadedImage::load(&b.file, &host()).expect("load");
    let size = img.image.headers.size_of_image as usize;
    let p = protections(img.base(), img.base() + size);
    // headers r, .text r-x, gap, .rdata r, .data rw, .reloc r
    assert_eq!(
        p,
        [
            "0x0+0x1000 r--",
            "0x1000+0x1000 r-x",
            "0x2000+0xf000 ---",
            "0x11000+0x1000 r--",
            "0x12000+0x1000 rw-",
            "0x13000+0x1000 r--"
        ],
        "{p:?}"
    );
    assert!(!p.iter().any(|l| l.ends_with("-wx") || l.ends_with("rwx")));
}

#[test]
fn refuses_to_load_listing_every_unimplemented_import() {
    let b = built();
    let err = LoadedImage::load(&b.file, &HostTable::new()).expect_err("no import implemented");
    assert!(
        matches!(&err, LoadError::Unimplemented(names) if names == &["ndis.sys!HostMix", "ntoskrnl.exe!HostOther"]),
        "{err:?}"
    );
    let mut partial = HostTable::new();
    partial.add(
        "ntoskrnl.exe",
        "HostOther",
        host_other as *const () as usize,
    );
    let err = LoadedImage::load(&b.file, &partial).expect_err("one import missing");
    assert_eq!(
        err.to_string(),
        "1 import(s) not implemented by the host: ndis.sys!HostMix"
    );
}

fn parse_err(file: &[u8]) -> PeError {
    PeImage::parse(file).expect_err("malformed image parsed")
}

#[test]
fn refuses_malformed_headers() {
    let good = built().file;
    let mut f = good.clone();
    f[0] = b'X';
    assert_eq!(parse_err(&f), PeError::NoDosSignature);
    let mut f = good.clone();
    f[0x80] = b'X';
    assert_eq!(parse_err(&f), PeError::NoPeSignature { offset: 0x80 });
    let mut f = good.clone();
    f[0x84] = 0x4C;
    f[0x85] = 0x01;
    assert_eq!(parse_err(&f), PeError::NotAmd64 { machine: 0x14C });
    let mut f = good.clone();
    f[0x98] = 0x0B;
    f[0x99] = 0x01;
    assert_eq!(parse_err(&f), PeError::NotPe32Plus { magic: 0x10B });
    assert!(matches!(
        parse_err(&good[..0x90]),
        PeError::Truncated { .. }
    ));
    // Section raw data cut off.
    assert!(matches!(
        parse_err(&good[..good.len() - 0x200]),
        PeError::BadSection { .. }
    ));
}

#[test]
fn refuses_a_writable_and_executable_section() {
    let mut f = built().file;
    let at = section_characteristics_offset(0);
    let chars = u32::from_le_bytes(f[at..at + 4].try_into().expect("4")) | SCN_WRITE;
    f[at..at + 4].copy_from_slice(&chars.to_le_bytes());
    assert_eq!(
        parse_err(&f),
        PeError::WritableAndExecutable {
            name: ".text".into()
        }
    );
}

#[test]
fn refuses_unsupported_relocations_and_imports_by_ordinal() {
    let b = built();
    let pe = PeImage::parse(&b.file).expect("parse");
    // The .reloc section is the last one; its first entry sits 8 bytes into its raw data.
    let reloc = pe.headers.sections.last().expect("reloc");
    let at = reloc.raw_offset as usize + 8;
    let mut f = b.file.clone();
    f[at + 1] = (3 << 4) | (f[at + 1] & 0x0F); // IMAGE_REL_BASED_HIGHLOW
    assert!(matches!(
        parse_err(&f),
        PeError::UnsupportedRelocation { kind: 3, .. }
    ));
    // First ILT entry with the ordinal bit.
    let rdata = &pe.headers.sections[1];
    let ilt_rva = u32::from_le_bytes(
        pe.layout.bytes()[pe.headers.dir(1).rva as usize..][..4]
            .try_into()
            .expect("4"),
    );
    let at = (ilt_rva - rdata.virtual_address + rdata.raw_offset) as usize;
    let mut f = b.file;
    f[at..at + 8].copy_from_slice(&((1u64 << 63) | 12).to_le_bytes());
    assert_eq!(
        parse_err(&f),
        PeError::ImportByOrdinal {
            module: "ndis.sys".into(),
            ordinal: 12
        }
    );
}
