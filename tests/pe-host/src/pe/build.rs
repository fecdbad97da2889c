//! A small PE32+ writer, for the loader's own tests: a `.text` (R+X), `.rdata` (R: import
//! address table, import descriptors and names, export directory), `.data` (RW) and `.reloc`,
//! laid out the way lld-link lays out a driver. Not a general linker: one page per section
//! at most for `.rdata` tables, code and data as given.

use super::{PAGE, SCN_EXECUTE, SCN_READ, SCN_WRITE};

/// Preferred base of built images (the default of lld-link for a /DRIVER image).
pub const BUILT_IMAGE_BASE: u64 = 0x1_4000_0000;
/// RVA of `.text`.
pub const TEXT_RVA: u32 = 0x1000;
const FILE_ALIGN: u32 = 0x200;
const HEADERS_SIZE: u32 = 0x400;
const SCN_CODE: u32 = 0x20;
const SCN_INITIALIZED: u32 = 0x40;

/// Builds one PE32+ image.
#[derive(Debug, Default, Clone)]
pub struct PeBuilder {
    text: Vec<u8>,
    data: Vec<u8>,
    imports: Vec<(String, String)>,
    exports: Vec<(String, u32)>,
    dir64: Vec<(u32, u32)>,
    entry: u32,
}

fn pages(len: u32) -> u32 {
    len.div_ceil(PAGE).max(1) * PAGE
}

fn put_u16(v: &mut [u8], at: usize, x: u16) {
    v[at..at + 2].copy_from_slice(&x.to_le_bytes());
}
fn put_u32(v: &mut [u8], at: usize, x: u32) {
    v[at..at + 4].copy_from_slice(&x.to_le_bytes());
}
fn put_u64(v: &mut [u8], at: usize, x: u64) {
    v[at..at + 8].copy_from_slice(&x.to_le_bytes());
}

impl PeBuilder {
    /// An image with no section yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The rel32 displacement from the end of an instruction at `next_rva` to `target_rva`.
    pub fn rel32(next_rva: u32, target_rva: u32) -> [u8; 4] {
        (target_rva.wrapping_sub(next_rva) as i32).to_le_bytes()
    }

    /// Declares an import; returns the RVA of its IAT slot. Imports of one module must be
    /// declared one after the other (each run of one module gets its own null-terminated IAT).
    pub fn import(&mut self, module: &str, name: &str) -> u32 {
        let mut slot = 0u32;
        let mut previous: Option<&str> = None;
        for (m, _) in &self.imports {
            if previous.is_some_and(|p| p != m) {
                slot += 1;
            }
            previous = Some(m);
            slot += 1;
        }
        if previous.is_some_and(|p| p != module) {
            slot += 1;
        }
        self.imports.push((module.to_owned(), name.to_owned()));
        self.rdata_rva() + 8 * slot
    }

    /// Appends code to `.text`; returns its RVA.
    pub fn code(&mut self, bytes: &[u8]) -> u32 {
        let rva = TEXT_RVA + self.text.len() as u32;
        self.text.extend_from_slice(bytes);
        rva
    }

    /// RVA the next [`code`](Self::code) call will return.
    pub fn next_code_rva(&self) -> u32 {
        TEXT_RVA + self.text.len() as u32
    }

    /// Appends bytes to `.data`; returns their RVA.
    pub fn data(&mut self, bytes: &[u8]) -> u32 {
        let rva = self.data_rva() + self.data.len() as u32;
        self.data.extend_from_slice(bytes);
        rva
    }

    /// Stores the preferred-base address of `target_rva` at `at_rva` (in `.data`) with a DIR64
    /// base relocation.
    pub fn dir64(&mut self, at_rva: u32, target_rva: u32) {
        self.dir64.push((at_rva, target_rva));
    }

    /// Names a `.text` RVA as an export.
    pub fn export(&mut self, name: &str, rva: u32) {
        self.exports.push((name.to_owned(), rva));
    }

    /// Sets the entry point's RVA.
    pub fn entry(&mut self, rva: u32) {
        self.entry = rva;
    }

    fn text_size(&self) -> u32 {
        pages(self.text.len() as u32)
    }
    fn rdata_rva(&self) -> u32 {
        // Code is declared after imports in most tests, so .rdata sits at a fixed RVA: .text
        // gets 16 pages of room.
        TEXT_RVA + 16 * PAGE
    }
    fn data_rva(&self) -> u32 {
        self.rdata_rva() + PAGE
    }
    fn reloc_rva(&self) -> u32 {
        self.data_rva() + pages(self.data.len() as u32)
    }

    /// The `.rdata` page: IAT, import descriptors, lookup tables, names, export directory.
    /// Returns it with the (rva, size) of the import and export directories.
    fn rdata(&self) -> (Vec<u8>, (u32, u32), (u32, u32)) {
        let base = self.rdata_rva();
        let mut r = vec![0u8; PAGE as usize];
        // Runs of one module.
        let mut runs: Vec<(String, Vec<String>)> = Vec::new();
        for (m, n) in &self.imports {
            match runs.last_mut() {
                Some((lm, names)) if lm == m => names.push(n.clone()),
                _ => runs.push((m.clone(), vec![n.clone()])),
            }
        }
        let slots: usize = runs.iter().map(|(_, n)| n.len() + 1).sum();
        let iat_len = 8 * slots;
        let desc_at = iat_len;
        let desc_len = 20 * (runs.len() + 1);
        let ilt_at = desc_at + desc_len;
        let mut strings_at = ilt_at + iat_len;
        let mut slot = 0usize;
        for (i, (module, names)) in runs.iter().enumerate() {
            let d = desc_at + 20 * i;
            put_u32(&mut r, d, base + (ilt_at + 8 * slot) as u32);
            put_u32(&mut r, d + 16, base + (8 * slot) as u32);
            put_u32(&mut r, d + 12, base + strings_at as u32);
            r[strings_at..strings_at + module.len()].copy_from_slice(module.as_bytes());
            strings_at += module.len() + 1;
            for name in names {
                strings_at += strings_at % 2;
                let hint_name = u64::from(base + strings_at as u32);
                put_u64(&mut r, 8 * slot, hint_name);
                put_u64(&mut r, ilt_at + 8 * slot, hint_name);
                r[strings_at + 2..strings_at + 2 + name.len()].copy_from_slice(name.as_bytes());
                strings_at += 2 + name.len() + 1;
                slot += 1;
            }
            slot += 1;
        }
        let import_dir = if runs.is_empty() {
            (0, 0)
        } else {
            (base + desc_at as u32, desc_len as u32)
        };
        // Export directory: names sorted, as the loader's binary search expects.
        let mut exports = self.exports.clone();
        exports.sort();
        let export_dir = if exports.is_empty() {
            (0, 0)
        } else {
            let e = (strings_at + 3) & !3;
            let n = exports.len();
            let funcs = e + 40;
            let names = funcs + 4 * n;
            let ords = names + 4 * n;
            let mut s = ords + 2 * n;
            put_u32(&mut r, e + 20, n as u32);
            put_u32(&mut r, e + 24, n as u32);
            put_u32(&mut r, e + 28, base + funcs as u32);
            put_u32(&mut r, e + 32, base + names as u32);
            put_u32(&mut r, e + 36, base + ords as u32);
            put_u32(&mut r, e + 16, 1);
            for (i, (name, rva)) in exports.iter().enumerate() {
                put_u32(&mut r, funcs + 4 * i, *rva);
                put_u32(&mut r, names + 4 * i, base + s as u32);
                put_u16(&mut r, ords + 2 * i, i as u16);
                r[s..s + name.len()].copy_from_slice(name.as_bytes());
                s += name.len() + 1;
            }
            (base + e as u32, (s - e) as u32)
        };
        (r, import_dir, export_dir)
    }

    /// The `.reloc` section: one block per page touched.
    fn reloc(&self) -> Vec<u8> {
        let mut by_page: Vec<(u32, Vec<u16>)> = Vec::new();
        for &(at, _) in &self.dir64 {
            let page = at & !(PAGE - 1);
            let entry = (10u16 << 12) | (at & (PAGE - 1)) as u16;
            match by_page.iter_mut().find(|(p, _)| *p == page) {
                Some((_, e)) => e.push(entry),
                None => by_page.push((page, vec![entry])),
            }
        }
        let mut out = Vec::new();
        for (page, mut entries) in by_page {
            if entries.len() % 2 == 1 {
                entries.push(0); // ABSOLUTE padding keeps blocks 4-byte aligned
            }
            out.extend_from_slice(&page.to_le_bytes());
            out.extend_from_slice(&(8 + 2 * entries.len() as u32).to_le_bytes());
            for e in entries {
                out.extend_from_slice(&e.to_le_bytes());
            }
        }
        out
    }

    /// The file.
    pub fn build(&self) -> Vec<u8> {
        let (rdata, import_dir, export_dir) = self.rdata();
        let mut data = self.data.clone();
        for &(at, target) in &self.dir64 {
            let off = (at - self.data_rva()) as usize;
            put_u64(&mut data, off, BUILT_IMAGE_BASE + u64::from(target));
        }
        let reloc = self.reloc();
        let mut sections: Vec<(&str, u32, Vec<u8>, u32)> = vec![
            (
                ".text",
                TEXT_RVA,
                self.text.clone(),
                SCN_CODE | SCN_EXECUTE | SCN_READ,
            ),
            (
                ".rdata",
                self.rdata_rva(),
                rdata,
                SCN_INITIALIZED | SCN_READ,
            ),
            (
                ".data",
                self.data_rva(),
                data,
                SCN_INITIALIZED | SCN_READ | SCN_WRITE,
            ),
        ];
        if !reloc.is_empty() {
            sections.push((
                ".reloc",
                self.reloc_rva(),
                reloc.clone(),
                SCN_INITIALIZED | SCN_READ,
            ));
        }
        let last = sections
            .last()
            .map(|s| s.1 + pages(s.2.len() as u32))
            .unwrap_or(PAGE);
        let size_of_image = last;
        assert!(
            self.text_size() <= 16 * PAGE,
            "test PE: .text over 16 pages"
        );

        let mut file = vec![0u8; HEADERS_SIZE as usize];
        file[0..2].copy_from_slice(b"MZ");
        let pe = 0x80usize;
        put_u32(&mut file, 0x3C, pe as u32);
        file[pe..pe + 4].copy_from_slice(b"PE\0\0");
        let coff = pe + 4;
        put_u16(&mut file, coff, super::MACHINE_AMD64);
        put_u16(&mut file, coff + 2, sections.len() as u16);
        put_u16(&mut file, coff + 16, 240);
        put_u16(&mut file, coff + 18, 0x22); // executable, large address aware
        let opt = coff + 20;
        put_u16(&mut file, opt, super::PE32_PLUS);
        put_u32(&mut file, opt + 16, self.entry);
        put_u64(&mut file, opt + 24, BUILT_IMAGE_BASE);
        put_u32(&mut file, opt + 32, PAGE);
        put_u32(&mut file, opt + 36, FILE_ALIGN);
        put_u32(&mut file, opt + 56, size_of_image);
        put_u32(&mut file, opt + 60, HEADERS_SIZE);
        put_u16(&mut file, opt + 68, 1); // native
        put_u16(&mut file, opt + 70, 0x160); // high-entropy VA, dynamic base, NX compatible
        put_u32(&mut file, opt + 108, 16);
        let dirs = opt + 112;
        put_u32(&mut file, dirs, export_dir.0);
        put_u32(&mut file, dirs + 4, export_dir.1);
        put_u32(&mut file, dirs + 8, import_dir.0);
        put_u32(&mut file, dirs + 12, import_dir.1);
        if !reloc.is_empty() {
            put_u32(&mut file, dirs + 40, self.reloc_rva());
            put_u32(&mut file, dirs + 44, reloc.len() as u32);
        }
        let table = opt + 240;
        for (i, (name, rva, bytes, chars)) in sections.iter_mut().enumerate() {
            let s = table + 40 * i;
            file[s..s + name.len()].copy_from_slice(name.as_bytes());
            let raw_size = (bytes.len() as u32).div_ceil(FILE_ALIGN) * FILE_ALIGN;
            let raw_offset = file.len() as u32;
            put_u32(&mut file, s + 8, bytes.len() as u32);
            put_u32(&mut file, s + 12, *rva);
            put_u32(&mut file, s + 16, raw_size);
            put_u32(&mut file, s + 20, raw_offset);
            put_u32(&mut file, s + 36, *chars);
            bytes.resize(raw_size as usize, 0);
            file.extend_from_slice(bytes);
        }
        file
    }
}

/// File offset of the characteristics of section `index` in a built image.
pub fn section_characteristics_offset(index: usize) -> usize {
    0x80 + 4 + 20 + 240 + 40 * index + 36
}
