//! The image as it sits in memory (headers and every section at its RVA, the rest zero),
//! built from the file once so that every later read is by RVA.

use super::bytes::{u16_at, u32_at, u64_at};
use super::{Headers, PeError};

/// `SizeOfImage` bytes laid out by RVA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    bytes: Vec<u8>,
}

impl Layout {
    /// Lays the file out by RVA, `SizeOfImage` bytes, headers and sections copied.
    pub fn new(file: &[u8], headers: &Headers) -> Result<Self, PeError> {
        let mut bytes = vec![0u8; headers.size_of_image as usize];
        let h = headers.size_of_headers as usize;
        bytes[..h].copy_from_slice(&file[..h]);
        for s in &headers.sections {
            let len = s.raw_size.min(s.mapped_size()) as usize;
            let src = file
                .get(s.raw_offset as usize..s.raw_offset as usize + len)
                .ok_or(PeError::BadSection {
                    name: s.name.clone(),
                    reason: "raw data outside the file",
                })?;
            let at = s.virtual_address as usize;
            let dst = bytes.get_mut(at..at + len).ok_or(PeError::BadSection {
                name: s.name.clone(),
                reason: "runs past SizeOfImage",
            })?;
            dst.copy_from_slice(src);
        }
        Ok(Self { bytes })
    }

    /// The image as laid out.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The little-endian u16 at `rva`, or `BadRva` naming `what`.
    pub fn u16(&self, rva: u32, what: &'static str) -> Result<u16, PeError> {
        u16_at(&self.bytes, rva as usize, what).map_err(|_| PeError::BadRva { what, rva })
    }

    /// The little-endian u32 at `rva`, or `BadRva` naming `what`.
    pub fn u32(&self, rva: u32, what: &'static str) -> Result<u32, PeError> {
        u32_at(&self.bytes, rva as usize, what).map_err(|_| PeError::BadRva { what, rva })
    }

    /// The little-endian u64 at `rva`, or `BadRva` naming `what`.
    pub fn u64(&self, rva: u32, what: &'static str) -> Result<u64, PeError> {
        u64_at(&self.bytes, rva as usize, what).map_err(|_| PeError::BadRva { what, rva })
    }

    /// The NUL-terminated UTF-8 string at `rva`.
    pub fn cstr(&self, rva: u32, what: &'static str) -> Result<&str, PeError> {
        let tail = self
            .bytes
            .get(rva as usize..)
            .ok_or(PeError::BadRva { what, rva })?;
        let end = tail
            .iter()
            .position(|&b| b == 0)
            .ok_or(PeError::BadString { what, rva })?;
        core::str::from_utf8(&tail[..end]).map_err(|_| PeError::BadString { what, rva })
    }

    /// Checks that `[rva, rva + len)` is inside the image.
    pub fn range(&self, rva: u32, len: u32, what: &'static str) -> Result<(), PeError> {
        let end = u64::from(rva) + u64::from(len);
        if end > self.bytes.len() as u64 {
            return Err(PeError::BadRva { what, rva });
        }
        Ok(())
    }
}
