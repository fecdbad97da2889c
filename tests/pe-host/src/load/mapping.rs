//! The memory of a loaded image: one anonymous mapping of `SizeOfImage` bytes, written while
//! read+write, then protected section by section.

use std::io;

use crate::pe::PAGE;

/// Page protection of one range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// No access (gaps, the tail).
    None,
    /// Read only.
    Read,
    /// Read and write.
    ReadWrite,
    /// Read and execute (code).
    ReadExecute,
}

impl Protection {
    fn prot(self) -> libc::c_int {
        match self {
            Self::None => libc::PROT_NONE,
            Self::Read => libc::PROT_READ,
            Self::ReadWrite => libc::PROT_READ | libc::PROT_WRITE,
            Self::ReadExecute => libc::PROT_READ | libc::PROT_EXEC,
        }
    }
}

/// An anonymous private mapping, unmapped on drop.
#[derive(Debug)]
pub struct Mapping {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; nothing in it is tied to a thread.
unsafe impl Send for Mapping {}
// SAFETY: shared access only reads the base address and length.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes read+write, at an address other than `avoid` (the preferred base, so
    /// that relocation is always exercised).
    pub fn new(len: usize, avoid: u64) -> io::Result<Self> {
        let first = Self::map(len)?;
        if first.base as u64 != avoid {
            return Ok(first);
        }
        // The kernel handed out the preferred base: take another range, then release the first.
        let second = Self::map(len)?;
        drop(first);
        Ok(second)
    }

    fn map(len: usize) -> io::Result<Self> {
        // SAFETY: an anonymous private mapping at an address of the kernel's choice; no
        // existing memory is affected.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Self {
            base: p.cast(),
            len,
        })
    }

    /// Address of the first byte.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// Bytes mapped.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole mapping as bytes, while it is still read+write (before [`protect`](Self::protect)).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `base` is a live read+write mapping of `len` bytes owned by `self`, and
        // `&mut self` makes this the only reference to it.
        unsafe { core::slice::from_raw_parts_mut(self.base, self.len) }
    }

    /// Sets the protection of `[offset, offset + len)` rounded out to pages.
    pub fn protect(&mut self, offset: usize, len: usize, protection: Protection) -> io::Result<()> {
        let page = PAGE as usize;
        let start = offset & !(page - 1);
        let end = (offset + len).div_ceil(page) * page;
        if end > self.len || start >= end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "protect outside the mapping",
            ));
        }
        // SAFETY: `start` is page aligned and `[start, end)` lies inside this mapping.
        let at = unsafe { self.base.add(start) };
        // SAFETY: `at` and `end - start` describe pages of this mapping.
        let rc = unsafe { libc::mprotect(at.cast(), end - start, protection.prot()) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` is a mapping this value created and nobody else unmaps.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}
