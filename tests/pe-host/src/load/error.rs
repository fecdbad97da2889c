//! Why an image could not be loaded.

use core::fmt;

use crate::pe::PeError;

/// A load failure.
#[derive(Debug)]
pub enum LoadError {
    /// The file is not a loadable PE32+ image.
    Pe(PeError),
    /// mmap / mprotect failed.
    Os {
        /// The call that failed.
        what: &'static str,
        /// Its OS error.
        error: std::io::Error,
    },
    /// Every import with no host function, as `module!name`, in import order.
    Unimplemented(Vec<String>),
    /// A DIR64 relocation whose target leaves the 64-bit address space after rebasing.
    RelocationOverflow {
        /// RVA of the relocation.
        rva: u32,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pe(e) => write!(f, "not a loadable PE32+: {e}"),
            Self::Os { what, error } => write!(f, "{what}: {error}"),
            Self::Unimplemented(names) => {
                write!(
                    f,
                    "{} import(s) not implemented by the host: {}",
                    names.len(),
                    names.join(", ")
                )
            }
            Self::RelocationOverflow { rva } => {
                write!(f, "DIR64 relocation at RVA {rva:#x} overflows")
            }
        }
    }
}

impl std::error::Error for LoadError {}

impl From<PeError> for LoadError {
    fn from(e: PeError) -> Self {
        Self::Pe(e)
    }
}
