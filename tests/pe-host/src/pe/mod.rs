//! PE32+ parsing: everything the loader needs, checked, without mapping anything.

pub mod build;
mod bytes;
mod error;
pub mod exports;
mod headers;
pub mod imports;
mod layout;
pub mod relocs;

pub use error::PeError;
pub use exports::Export;
pub use headers::{
    dir, DataDir, Headers, Section, MACHINE_AMD64, PAGE, PE32_PLUS, SCN_EXECUTE, SCN_READ,
    SCN_WRITE,
};
pub use imports::Import;
pub use layout::Layout;

/// A parsed AMD64 PE32+ image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeImage {
    /// The headers.
    pub headers: Headers,
    /// The image laid out by RVA, not yet relocated nor bound.
    pub layout: Layout,
    /// Every import, by module and name.
    pub imports: Vec<Import>,
    /// Every export.
    pub exports: Vec<Export>,
    /// RVAs of the DIR64 base relocations.
    pub relocations: Vec<u32>,
}

impl PeImage {
    /// Parses and checks a PE32+ file.
    pub fn parse(file: &[u8]) -> Result<Self, PeError> {
        let headers = Headers::parse(file)?;
        if headers.dir(dir::TLS).rva != 0 {
            return Err(PeError::TlsDirectory);
        }
        let layout = Layout::new(file, &headers)?;
        let imports = imports::parse(&layout, headers.dir(dir::IMPORT).rva)?;
        let exports = exports::parse(&layout, headers.dir(dir::EXPORT).rva)?;
        let reloc = headers.dir(dir::BASERELOC);
        let relocations = relocs::parse(&layout, reloc.rva, reloc.size)?;
        Ok(Self {
            headers,
            layout,
            imports,
            exports,
            relocations,
        })
    }

    /// RVA of the named export.
    pub fn export(&self, name: &str) -> Option<u32> {
        self.exports.iter().find(|e| e.name == name).map(|e| e.rva)
    }
}
