//! Loading: map, relocate, bind, protect.

mod error;
mod host_table;
mod mapping;

pub use error::LoadError;
pub use host_table::HostTable;
pub use mapping::{Mapping, Protection};

use crate::fault::registry::{self, ImageSymbols};
use crate::mapfile::MapFile;
use crate::pe::{PeImage, Section};

/// An image mapped into this process, relocated to its actual base, its imports bound to host
/// functions and its sections protected (code R+X, writable data RW, the rest R).
#[derive(Debug)]
pub struct LoadedImage {
    /// The parsed file.
    pub image: PeImage,
    mapping: Mapping,
}

/// The protection a section gets: never writable and executable (the parser already refused
/// such a section).
pub fn section_protection(s: &Section) -> Protection {
    if s.executable() {
        Protection::ReadExecute
    } else if s.writable() {
        Protection::ReadWrite
    } else {
        Protection::Read
    }
}

impl LoadedImage {
    /// Parses `file`, maps it away from its preferred base, applies its base relocations and
    /// binds every import to `host`. Refuses with [`LoadError::Unimplemented`] listing every
    /// import `host` lacks.
    pub fn load(file: &[u8], host: &HostTable) -> Result<Self, LoadError> {
        let image = PeImage::parse(file)?;
        let missing: Vec<String> = image
            .imports
            .iter()
            .filter(|i| host.get(&i.module, &i.name).is_none())
            .map(|i| format!("{}!{}", i.module, i.name))
            .collect();
        if !missing.is_empty() {
            return Err(LoadError::Unimplemented(missing));
        }
        let size = image.headers.size_of_image as usize;
        let mut mapping =
            Mapping::new(size, image.headers.image_base).map_err(|error| LoadError::Os {
                what: "mmap of the image",
                error,
            })?;
        let base = mapping.base() as u64;
        let delta = base.wrapping_sub(image.headers.image_base);
        let mem = mapping.bytes_mut();
        mem.copy_from_slice(image.layout.bytes());
        for &rva in &image.relocations {
            let at = rva as usize;
            let slot = mem
                .get_mut(at..at + 8)
                .ok_or(LoadError::RelocationOverflow { rva })?;
            let mut v = [0u8; 8];
            v.copy_from_slice(slot);
            let value = u64::from_le_bytes(v).wrapping_add(delta);
            slot.copy_from_slice(&value.to_le_bytes());
        }
        for i in &image.imports {
            let address = host.get(&i.module, &i.name).unwrap_or_default() as u64;
            let at = i.iat_rva as usize;
            let slot =
                mem.get_mut(at..at + 8)
                    .ok_or(LoadError::Pe(crate::pe::PeError::BadRva {
                        what: "IAT slot",
                        rva: i.iat_rva,
                    }))?;
            slot.copy_from_slice(&address.to_le_bytes());
        }
        let os = |error| LoadError::Os {
            what: "mprotect of the image",
            error,
        };
        // Everything not covered by a section (gaps) becomes inaccessible; headers read-only.
        mapping.protect(0, size, Protection::None).map_err(os)?;
        mapping
            .protect(0, image.headers.size_of_headers as usize, Protection::Read)
            .map_err(os)?;
        for s in &image.headers.sections {
            if s.mapped_size() == 0 {
                continue;
            }
            mapping
                .protect(
                    s.virtual_address as usize,
                    s.mapped_size() as usize,
                    section_protection(s),
                )
                .map_err(os)?;
        }
        Ok(Self { image, mapping })
    }

    /// Registers the image for fault and bug-check reports as `name`, symbolized by `map`
    /// (the linker's map file) or, without one, by its exports. False when the registry is full.
    pub fn register_symbols(&self, name: &str, map: Option<MapFile>) -> bool {
        let symbols = map.unwrap_or_else(|| {
            let exports = self
                .image
                .exports
                .iter()
                .map(|e| (e.rva, e.name.clone()))
                .collect();
            MapFile::from_symbols(self.image.headers.image_base, exports)
        });
        registry::register(ImageSymbols {
            name: name.to_owned(),
            base: self.base(),
            size: self.mapping.len(),
            symbols,
        })
    }

    /// Actual base address.
    pub fn base(&self) -> usize {
        self.mapping.base() as usize
    }

    /// Address of `rva` in this process.
    pub fn address(&self, rva: u32) -> usize {
        self.base() + rva as usize
    }

    /// Address of the named export.
    pub fn export(&self, name: &str) -> Option<usize> {
        self.image.export(name).map(|rva| self.address(rva))
    }

    /// The RVA of `address` when it lies inside the image.
    pub fn rva_of(&self, address: usize) -> Option<u32> {
        let off = address.checked_sub(self.base())?;
        (off < self.mapping.len()).then_some(off as u32)
    }

    /// Bytes of the mapped image: `None` unless `[rva, rva + len)` lies in the headers or in
    /// one section (every section is mapped readable).
    pub fn read(&self, rva: u32, len: usize) -> Option<Vec<u8>> {
        let start = rva as usize;
        let end = start.checked_add(len)?;
        let h = &self.image.headers;
        let readable = end <= h.size_of_headers as usize
            || h.sections.iter().any(|s| {
                let lo = s.virtual_address as usize;
                lo <= start && end <= lo + s.mapped_size() as usize
            });
        if !readable || end > self.mapping.len() {
            return None;
        }
        let mut out = vec![0u8; len];
        // SAFETY: `[start, end)` lies inside the headers or one section of the mapping, all
        // mapped readable.
        let src = unsafe { self.mapping.base().add(start) };
        // SAFETY: `src` is valid for `len` bytes (above) and `out` is a fresh, distinct buffer.
        unsafe { core::ptr::copy_nonoverlapping(src, out.as_mut_ptr(), len) };
        Some(out)
    }
}
