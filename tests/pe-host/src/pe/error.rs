//! Why a file is not a PE32+ image this host can load.

use core::fmt;

/// A malformed or unsupported PE32+ file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeError {
    /// A structure at `offset` (file offset) of `len` bytes runs past the end of the file.
    Truncated {
        /// What structure it is.
        what: &'static str,
        /// Its file offset.
        offset: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// No `MZ` at offset 0.
    NoDosSignature,
    /// No `PE\0\0` at `e_lfanew`.
    NoPeSignature {
        /// `e_lfanew`.
        offset: usize,
    },
    /// COFF machine is not AMD64 (0x8664).
    NotAmd64 {
        /// The COFF `Machine` found.
        machine: u16,
    },
    /// Optional header magic is not PE32+ (0x20B).
    NotPe32Plus {
        /// The optional header's `Magic` found.
        magic: u16,
    },
    /// Section alignment is not a multiple of the 4 KiB page (each section gets its own pages).
    SectionAlignment {
        /// The `SectionAlignment` found.
        alignment: u32,
    },
    /// A section lies outside `SizeOfImage`, is not aligned, or overlaps the previous one.
    BadSection {
        /// The section's name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A section is both writable and executable.
    WritableAndExecutable {
        /// The section's name.
        name: String,
    },
    /// An RVA (of a directory, a name, a table) is not inside the image or runs past it.
    BadRva {
        /// What was read there.
        what: &'static str,
        /// The RVA.
        rva: u32,
    },
    /// A string (import or export name) is not NUL-terminated inside the image, or not UTF-8.
    BadString {
        /// What string it is.
        what: &'static str,
        /// Its RVA.
        rva: u32,
    },
    /// An import by ordinal (the host resolves by name only).
    ImportByOrdinal {
        /// The module imported from.
        module: String,
        /// The ordinal.
        ordinal: u16,
    },
    /// A base relocation of a type other than ABSOLUTE (padding) and DIR64.
    UnsupportedRelocation {
        /// The relocation type (`IMAGE_REL_BASED_*`).
        kind: u8,
        /// RVA of the fixup.
        rva: u32,
    },
    /// A base relocation block that is malformed (size below 8, odd, past the directory).
    BadRelocationBlock {
        /// Offset of the block inside the directory.
        offset: u32,
    },
    /// A TLS directory: kernel drivers have none and the host cannot run TLS callbacks.
    TlsDirectory,
}

impl fmt::Display for PeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { what, offset, len } => {
                write!(
                    f,
                    "{what} at file offset {offset:#x} ({len} bytes) runs past the end of the file"
                )
            }
            Self::NoDosSignature => write!(f, "no MZ signature"),
            Self::NoPeSignature { offset } => write!(f, "no PE signature at {offset:#x}"),
            Self::NotAmd64 { machine } => write!(f, "machine {machine:#x} is not AMD64 (0x8664)"),
            Self::NotPe32Plus { magic } => {
                write!(f, "optional header magic {magic:#x} is not PE32+ (0x20b)")
            }
            Self::SectionAlignment { alignment } => {
                write!(
                    f,
                    "section alignment {alignment:#x} is not a multiple of 4 KiB"
                )
            }
            Self::BadSection { name, reason } => write!(f, "section {name}: {reason}"),
            Self::WritableAndExecutable { name } => {
                write!(f, "section {name} is both writable and executable")
            }
            Self::BadRva { what, rva } => write!(f, "{what}: RVA {rva:#x} is outside the image"),
            Self::BadString { what, rva } => {
                write!(f, "{what}: no NUL-terminated UTF-8 string at RVA {rva:#x}")
            }
            Self::ImportByOrdinal { module, ordinal } => {
                write!(
                    f,
                    "import by ordinal {module}#{ordinal} (only imports by name are supported)"
                )
            }
            Self::UnsupportedRelocation { kind, rva } => {
                write!(
                    f,
                    "base relocation of type {kind} at RVA {rva:#x} (only DIR64 is supported)"
                )
            }
            Self::BadRelocationBlock { offset } => {
                write!(
                    f,
                    "malformed base relocation block at directory offset {offset:#x}"
                )
            }
            Self::TlsDirectory => write!(f, "a TLS directory (not supported in drivers)"),
        }
    }
}

impl std::error::Error for PeError {}
