//! A safe view of an OID InformationBuffer: the bytes plus the address they live at.
//!
//! IPsecOV2 chains ADD_SA and DELETE_SA elements through a `Next` field that holds a real kernel
//! virtual address. The decoder never dereferences it: it subtracts the buffer's base address and
//! accepts the result only if the whole element lies inside the buffer and is aligned.

/// Alignment every chained element must have (the structures contain pointers).
pub const ELEMENT_ALIGN: u64 = 8;

/// The InformationBuffer of a set request, as bytes, with the virtual address of its first byte.
#[derive(Debug)]
pub struct InfoBuffer<'a> {
    bytes: &'a mut [u8],
    base: u64,
}

impl<'a> InfoBuffer<'a> {
    /// Wraps `bytes`, which the requester sees at virtual address `base`.
    ///
    /// In the kernel `base` is the InformationBuffer pointer itself; in tests it may be any value,
    /// which lets them place a buffer at awkward addresses (near the top of the address space,
    /// misaligned) without unsafe code.
    pub fn new(bytes: &'a mut [u8], base: u64) -> Self {
        Self { bytes, base }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Virtual address of the first byte.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The bytes, read-only.
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    /// Converts a pointer value found in the buffer into an offset of an element of `size` bytes,
    /// if and only if the element lies wholly inside the buffer and is aligned.
    pub fn element_offset(&self, address: u64, size: usize) -> Option<usize> {
        if !address.is_multiple_of(ELEMENT_ALIGN) {
            return None;
        }
        let offset = usize::try_from(address.checked_sub(self.base)?).ok()?;
        let end = offset.checked_add(size)?;
        (end <= self.bytes.len()).then_some(offset)
    }

    /// True when the element at `offset` is aligned in the requester's address space.
    pub fn is_aligned(&self, offset: usize) -> bool {
        u64::try_from(offset)
            .ok()
            .and_then(|o| self.base.checked_add(o))
            .is_some_and(|a| a % ELEMENT_ALIGN == 0)
    }

    /// `len` bytes at `offset`, if inside the buffer.
    pub fn slice(&self, offset: usize, len: usize) -> Option<&[u8]> {
        self.bytes.get(offset..offset.checked_add(len)?)
    }

    /// Little-endian `u8` at `offset`.
    pub fn u8_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(offset).copied()
    }

    /// Little-endian `u16` at `offset`.
    pub fn u16_at(&self, offset: usize) -> Option<u16> {
        self.array_at(offset).map(u16::from_le_bytes)
    }

    /// Little-endian `u32` at `offset`.
    pub fn u32_at(&self, offset: usize) -> Option<u32> {
        self.array_at(offset).map(u32::from_le_bytes)
    }

    /// Little-endian `u64` at `offset`.
    pub fn u64_at(&self, offset: usize) -> Option<u64> {
        self.array_at(offset).map(u64::from_le_bytes)
    }

    /// `N` bytes at `offset`.
    pub fn array_at<const N: usize>(&self, offset: usize) -> Option<[u8; N]> {
        self.slice(offset, N)?.try_into().ok()
    }

    /// Writes a little-endian `u64` at `offset`; false if it does not fit.
    pub fn put_u64(&mut self, offset: usize, value: u64) -> bool {
        let Some(end) = offset.checked_add(8) else {
            return false;
        };
        match self.bytes.get_mut(offset..end) {
            Some(dst) => {
                dst.copy_from_slice(&value.to_le_bytes());
                true
            }
            None => false,
        }
    }
}
