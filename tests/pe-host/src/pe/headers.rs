//! DOS, COFF and PE32+ optional headers and the section table, read from the file bytes.

use super::bytes::{u16_at, u32_at, u64_at};
use super::PeError;

/// `IMAGE_FILE_MACHINE_AMD64`.
pub const MACHINE_AMD64: u16 = 0x8664;
/// `IMAGE_NT_OPTIONAL_HDR64_MAGIC`.
pub const PE32_PLUS: u16 = 0x20B;
/// Page size of the mapping (and the least section alignment accepted).
pub const PAGE: u32 = 0x1000;

/// `IMAGE_SCN_MEM_EXECUTE`.
pub const SCN_EXECUTE: u32 = 0x2000_0000;
/// `IMAGE_SCN_MEM_READ`.
pub const SCN_READ: u32 = 0x4000_0000;
/// `IMAGE_SCN_MEM_WRITE`.
pub const SCN_WRITE: u32 = 0x8000_0000;

/// Data directory indices (`IMAGE_DIRECTORY_ENTRY_*`).
pub mod dir {
    /// `IMAGE_DIRECTORY_ENTRY_EXPORT`.
    pub const EXPORT: usize = 0;
    /// `IMAGE_DIRECTORY_ENTRY_IMPORT`.
    pub const IMPORT: usize = 1;
    /// `IMAGE_DIRECTORY_ENTRY_BASERELOC`.
    pub const BASERELOC: usize = 5;
    /// `IMAGE_DIRECTORY_ENTRY_TLS`.
    pub const TLS: usize = 9;
}

/// One data directory: RVA and size (0, 0 when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DataDir {
    /// RVA of the directory.
    pub rva: u32,
    /// Its size in bytes.
    pub size: u32,
}

/// One section header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section's name (up to 8 bytes).
    pub name: String,
    /// `VirtualAddress` (its RVA).
    pub virtual_address: u32,
    /// `VirtualSize`.
    pub virtual_size: u32,
    /// `PointerToRawData`.
    pub raw_offset: u32,
    /// `SizeOfRawData`.
    pub raw_size: u32,
    /// `Characteristics` (`IMAGE_SCN_*`).
    pub characteristics: u32,
}

impl Section {
    /// Bytes the section occupies in memory (the larger of its virtual and raw sizes, as the
    /// Windows loader does when VirtualSize is 0).
    pub fn mapped_size(&self) -> u32 {
        if self.virtual_size == 0 {
            self.raw_size
        } else {
            self.virtual_size
        }
    }
    /// Whether `IMAGE_SCN_MEM_EXECUTE` is set.
    pub fn executable(&self) -> bool {
        self.characteristics & SCN_EXECUTE != 0
    }
    /// Whether `IMAGE_SCN_MEM_WRITE` is set.
    pub fn writable(&self) -> bool {
        self.characteristics & SCN_WRITE != 0
    }
}

/// What the host needs from the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    /// `ImageBase` (the preferred base).
    pub image_base: u64,
    /// `AddressOfEntryPoint`.
    pub entry_rva: u32,
    /// `SizeOfImage`.
    pub size_of_image: u32,
    /// `SizeOfHeaders`.
    pub size_of_headers: u32,
    /// `SectionAlignment`.
    pub section_alignment: u32,
    /// `Subsystem` (1 = native for a driver).
    pub subsystem: u16,
    /// `DllCharacteristics`.
    pub dll_characteristics: u16,
    /// The data directories.
    pub dirs: Vec<DataDir>,
    /// The section table.
    pub sections: Vec<Section>,
}

impl Headers {
    /// The directory `index`, or an empty one when the file has fewer.
    pub fn dir(&self, index: usize) -> DataDir {
        self.dirs.get(index).copied().unwrap_or_default()
    }

    /// Parses and checks the headers of `file`.
    pub fn parse(file: &[u8]) -> Result<Self, PeError> {
        if file.get(..2) != Some(b"MZ".as_slice()) {
            return Err(PeError::NoDosSignature);
        }
        let pe = u32_at(file, 0x3C, "e_lfanew")? as usize;
        if file.get(pe..pe.saturating_add(4)) != Some(b"PE\0\0".as_slice()) {
            return Err(PeError::NoPeSignature { offset: pe });
        }
        let coff = pe + 4;
        let machine = u16_at(file, coff, "COFF header")?;
        if machine != MACHINE_AMD64 {
            return Err(PeError::NotAmd64 { machine });
        }
        let nsections = u16_at(file, coff + 2, "COFF header")? as usize;
        let opt_size = u16_at(file, coff + 16, "COFF header")? as usize;
        let opt = coff + 20;
        let magic = u16_at(file, opt, "optional header")?;
        if magic != PE32_PLUS {
            return Err(PeError::NotPe32Plus { magic });
        }
        let entry_rva = u32_at(file, opt + 16, "optional header")?;
        let image_base = u64_at(file, opt + 24, "optional header")?;
        let section_alignment = u32_at(file, opt + 32, "optional header")?;
        let size_of_image = u32_at(file, opt + 56, "optional header")?;
        let size_of_headers = u32_at(file, opt + 60, "optional header")?;
        let subsystem = u16_at(file, opt + 68, "optional header")?;
        let dll_characteristics = u16_at(file, opt + 70, "optional header")?;
        let ndirs = u32_at(file, opt + 108, "optional header")?.min(16) as usize;
        if section_alignment == 0 || section_alignment % PAGE != 0 {
            return Err(PeError::SectionAlignment {
                alignment: section_alignment,
            });
        }
        let mut dirs = Vec::with_capacity(ndirs);
        for i in 0..ndirs {
            let at = opt + 112 + 8 * i;
            dirs.push(DataDir {
                rva: u32_at(file, at, "data directory")?,
                size: u32_at(file, at + 4, "data directory")?,
            });
        }
        let table = opt + opt_size;
        let mut sections: Vec<Section> = Vec::with_capacity(nsections);
        for i in 0..nsections {
            let s = table + 40 * i;
            let raw_name = file.get(s..s + 8).ok_or(PeError::Truncated {
                what: "section header",
                offset: s,
                len: 40,
            })?;
            let end = raw_name.iter().position(|&b| b == 0).unwrap_or(8);
            let name = String::from_utf8_lossy(&raw_name[..end]).into_owned();
            let section = Section {
                name,
                virtual_size: u32_at(file, s + 8, "section header")?,
                virtual_address: u32_at(file, s + 12, "section header")?,
                raw_size: u32_at(file, s + 16, "section header")?,
                raw_offset: u32_at(file, s + 20, "section header")?,
                characteristics: u32_at(file, s + 36, "section header")?,
            };
            check_section(
                &section,
                sections.last(),
                size_of_image,
                size_of_headers,
                file.len(),
            )?;
            sections.push(section);
        }
        if size_of_headers > size_of_image || size_of_headers as usize > file.len() {
            return Err(PeError::Truncated {
                what: "headers",
                offset: 0,
                len: size_of_headers as usize,
            });
        }
        Ok(Self {
            image_base,
            entry_rva,
            size_of_image,
            size_of_headers,
            section_alignment,
            subsystem,
            dll_characteristics,
            dirs,
            sections,
        })
    }
}

fn check_section(
    s: &Section,
    previous: Option<&Section>,
    size_of_image: u32,
    size_of_headers: u32,
    file_len: usize,
) -> Result<(), PeError> {
    let bad = |reason| {
        Err(PeError::BadSection {
            name: s.name.clone(),
            reason,
        })
    };
    if s.executable() && s.writable() {
        return Err(PeError::WritableAndExecutable {
            name: s.name.clone(),
        });
    }
    if !s.virtual_address.is_multiple_of(PAGE) {
        return bad("virtual address is not page aligned");
    }
    if s.virtual_address < size_of_headers {
        return bad("overlaps the headers");
    }
    let end = u64::from(s.virtual_address) + u64::from(s.mapped_size());
    if end > u64::from(size_of_image) {
        return bad("runs past SizeOfImage");
    }
    if let Some(p) = previous {
        if u64::from(p.virtual_address) + u64::from(p.mapped_size()) > u64::from(s.virtual_address)
        {
            return bad("overlaps the previous section or is out of order");
        }
    }
    if s.raw_size != 0 && u64::from(s.raw_offset) + u64::from(s.raw_size) > file_len as u64 {
        return bad("raw data runs past the end of the file");
    }
    Ok(())
}
