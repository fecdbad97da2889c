//! ADD_SA and DELETE_SA lists whose elements TCP/IP allocated outside the InformationBuffer.
//!
//! The OID pages define `Next` only as "a pointer to the next" structure; nothing says the
//! elements lie inside the InformationBuffer (docs/tcpip-reading.md, point 1). The driver shell
//! therefore gathers such a list into a filter-owned staging copy before the decoder sees it:
//! [`gather`] walks the list from the InformationBuffer, reads every element that lies outside
//! it through a "read at address" callback (the shell's only unsafe part: a pointer read), and
//! lays the elements out back to back in the copy with their `Next` fields rewritten. The
//! decoder then checks the copy exactly as it checks an in-buffer list; afterwards
//! [`Staged::write_back`] copies each element's OffloadHandle to where TCP/IP reads it.
//!
//! A list that lies wholly inside the buffer is not gathered ([`gather`] returns `None`) and
//! keeps the strict in-buffer checks. The walk is bounded ([`MAX_GATHERED_ELEMENTS`],
//! [`MAX_ELEMENT_BYTES`], [`MAX_STAGED_BYTES`]), refuses a revisited address (a cycle),
//! misaligned elements and elements that overlap, and reads each element's length from its
//! own header and KeyLength before reading the element itself.

use alloc::vec::Vec;

use ipsecov2_abi::{
    NDIS_OID, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
};

use crate::buffer::{InfoBuffer, ELEMENT_ALIGN};
use crate::decode::check_header;
use crate::error::RequestError;
use crate::layout::{add_sa, delete_sa};

/// The longest list gathered from outside the buffer.
pub const MAX_GATHERED_ELEMENTS: usize = 64;
/// The most bytes one element outside the buffer may occupy (fixed part and key data).
pub const MAX_ELEMENT_BYTES: usize = 4096;
/// The most bytes a staging copy may hold.
pub const MAX_STAGED_BYTES: usize = 64 * 1024;
/// The address the decoder sees the staging copy at (any 8-aligned value would do: the
/// decoder only subtracts it from the rewritten `Next` fields).
pub const STAGING_BASE: u64 = 0x0001_0000;

/// Which list an OID carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// `IPSEC_OFFLOAD_V2_ADD_SA` elements (key data after each).
    AddSa,
    /// `IPSEC_OFFLOAD_V2_DELETE_SA` elements.
    DeleteSa,
}

impl ListKind {
    /// The list an OID carries, if it carries one.
    #[must_use]
    pub fn of_oid(oid: NDIS_OID) -> Option<Self> {
        match oid {
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA => Some(Self::AddSa),
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA => Some(Self::DeleteSa),
            _ => None,
        }
    }

    fn min_size(self) -> usize {
        match self {
            Self::AddSa => add_sa::SIZE_REVISION_1,
            Self::DeleteSa => delete_sa::SIZE_REVISION_1,
        }
    }

    pub(crate) fn next_field(self) -> usize {
        match self {
            Self::AddSa => add_sa::NEXT,
            Self::DeleteSa => delete_sa::NEXT,
        }
    }

    /// Bytes the element whose first `min_size` bytes are `head` occupies: its header size, or
    /// for ADD_SA up to the end of its own key data.
    fn extent(self, head: &InfoBuffer<'_>, size: usize) -> Option<usize> {
        match self {
            Self::AddSa => {
                let key_len = usize::try_from(head.u32_at(add_sa::KEY_LENGTH)?).ok()?;
                Some(size.max(add_sa::KEY_DATA.checked_add(key_len)?))
            }
            Self::DeleteSa => Some(size),
        }
    }
}

/// Where one gathered element came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Origin {
    /// Its offset in the staging copy.
    staged: usize,
    /// Its address in TCP/IP's memory.
    address: u64,
    /// Its length.
    len: usize,
}

/// A list gathered into a filter-owned staging copy.
#[derive(Debug)]
pub struct Staged {
    kind: ListKind,
    bytes: Vec<u8>,
    origins: Vec<Origin>,
}

impl Staged {
    /// The staging copy as the decoder reads it (at [`STAGING_BASE`]).
    pub fn info_buffer(&mut self) -> InfoBuffer<'_> {
        InfoBuffer::new(&mut self.bytes, STAGING_BASE)
    }

    /// The staging copy's bytes and the address the decoder sees them at.
    pub fn bytes_mut(&mut self) -> (&mut [u8], u64) {
        (&mut self.bytes, STAGING_BASE)
    }

    /// Number of elements gathered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.origins.len()
    }

    /// True when nothing was gathered (never the case for a `Staged` [`gather`] returns).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// After an ADD_SA: copies every element's OffloadHandle (a handle or NULL) from the staging
    /// copy to the element TCP/IP allocated — in `buf` when it lies there, through `write`
    /// otherwise. Nothing for DELETE_SA. Returns false if a write failed.
    pub fn write_back(
        &self,
        buf: &mut InfoBuffer<'_>,
        write: &mut dyn FnMut(u64, &[u8]) -> bool,
    ) -> bool {
        if self.kind != ListKind::AddSa {
            return true;
        }
        let mut ok = true;
        for o in &self.origins {
            let at = o.staged.saturating_add(add_sa::OFFLOAD_HANDLE);
            let Some(handle) = self.bytes.get(at..at.saturating_add(8)) else {
                ok = false;
                continue;
            };
            let mut value = [0u8; 8];
            value.copy_from_slice(handle);
            let written = match buf.element_offset(o.address, o.len) {
                Some(off) => buf.put_u64(
                    off.saturating_add(add_sa::OFFLOAD_HANDLE),
                    u64::from_le_bytes(value),
                ),
                None => o
                    .address
                    .checked_add(add_sa::OFFLOAD_HANDLE as u64)
                    .is_some_and(|a| write(a, &value)),
            };
            ok &= written;
        }
        ok
    }
}

/// Gathers the `kind` list that starts at the beginning of `buf` into a staging copy if any of
/// its elements lies outside `buf`; `Ok(None)` when the whole list lies inside (the decoder's
/// strict in-buffer checks apply). `read(address, dst)` copies `dst.len()` bytes of TCP/IP's
/// memory at `address`, false if it cannot. Allocates (fallibly) on the OID path only.
///
/// # Errors
/// A structural fault: misaligned or unreadable element, a cycle, overlapping elements, a
/// malformed header, an element or list beyond the bounds (`ElementTooLarge`), or no memory for
/// the copy (`NoMemory`). The shell then hands the original buffer to the decoder, which refuses
/// the request as it refuses any list leaving the buffer.
pub fn gather(
    buf: &InfoBuffer<'_>,
    kind: ListKind,
    read: &mut dyn FnMut(u64, &mut [u8]) -> bool,
) -> Result<Option<Staged>, RequestError> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut origins: Vec<Origin> = Vec::new();
    if !walk(buf, kind, read, &mut bytes, &mut origins)? {
        return Ok(None);
    }
    Ok(Some(Staged {
        kind,
        bytes,
        origins,
    }))
}

/// The walk of [`gather`]: fills `bytes` and `origins` (every element read whole so far, also
/// when the walk then fails); returns whether an element lies outside `buf`.
fn walk(
    buf: &InfoBuffer<'_>,
    kind: ListKind,
    read: &mut dyn FnMut(u64, &mut [u8]) -> bool,
    bytes: &mut Vec<u8>,
    origins: &mut Vec<Origin>,
) -> Result<bool, RequestError> {
    let min = kind.min_size();
    if buf.len() < min {
        return Err(RequestError::BufferTooShort { needed: min });
    }
    let mut outside = false;
    let mut address = buf.base();
    let mut previous_next: Option<usize> = None;
    loop {
        let element = origins.len();
        if element >= MAX_GATHERED_ELEMENTS {
            return Err(RequestError::ListTooLong);
        }
        if !address.is_multiple_of(ELEMENT_ALIGN) {
            return Err(RequestError::Misaligned { element });
        }
        if origins.iter().any(|o| o.address == address) {
            return Err(RequestError::Cycle);
        }
        // The fixed part first: it gives the element's own length.
        let mut head_bytes = [0u8; add_sa::SIZE_REVISION_1];
        let head_slice = head_bytes
            .get_mut(..min)
            .ok_or(RequestError::ElementTooLarge { element })?;
        let inside = buf.element_offset(address, min);
        match inside.and_then(|off| buf.slice(off, min)) {
            Some(src) => head_slice.copy_from_slice(src),
            None => {
                if !read(address, head_slice) {
                    return Err(RequestError::ElementUnreadable { element });
                }
            }
        }
        let head = InfoBuffer::new(head_slice, 0);
        let size = check_header(&head, 0, min, element)?;
        let len = kind
            .extent(&head, size)
            .filter(|&l| l <= MAX_ELEMENT_BYTES)
            .ok_or(RequestError::ElementTooLarge { element })?;
        // Where the copy goes: 8-aligned, within the bounds, reserved fallibly.
        let staged = bytes.len().next_multiple_of(8);
        let end = staged
            .checked_add(len)
            .filter(|&e| e <= MAX_STAGED_BYTES)
            .ok_or(RequestError::ElementTooLarge { element })?;
        bytes
            .try_reserve(end - bytes.len())
            .map_err(|_| RequestError::NoMemory)?;
        bytes.resize(end, 0);
        let dst = bytes
            .get_mut(staged..end)
            .ok_or(RequestError::ElementTooLarge { element })?;
        match buf.element_offset(address, len) {
            Some(off) => dst.copy_from_slice(buf.slice(off, len).unwrap_or(&[])),
            None if inside.is_some() => {
                // Starts in the buffer but runs past its end.
                return Err(RequestError::BufferTooShort {
                    needed: inside.unwrap_or(0).saturating_add(len),
                });
            }
            None => {
                outside = true;
                if !read(address, dst) {
                    return Err(RequestError::ElementUnreadable { element });
                }
            }
        }
        // The predecessor now links to this copy.
        if let Some(at) = previous_next {
            let link = STAGING_BASE + staged as u64;
            if let Some(d) = bytes.get_mut(at..at + 8) {
                d.copy_from_slice(&link.to_le_bytes());
            }
        }
        origins.try_reserve(1).map_err(|_| RequestError::NoMemory)?;
        origins.push(Origin {
            staged,
            address,
            len,
        });
        let next_at = staged + kind.next_field();
        let next = bytes
            .get(next_at..next_at + 8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes);
        if next == 0 {
            break;
        }
        previous_next = Some(next_at);
        address = next;
    }
    check_disjoint(origins)?;
    Ok(outside)
}

/// TCP/IP's elements must not overlap (the handles written back would land in each other).
/// Pairwise: at most [`MAX_GATHERED_ELEMENTS`] elements, and no allocation.
fn check_disjoint(origins: &[Origin]) -> Result<(), RequestError> {
    let end = |o: &Origin| o.address.saturating_add(o.len as u64);
    for (i, a) in origins.iter().enumerate() {
        for b in origins.iter().skip(i + 1) {
            if a.address < end(b) && b.address < end(a) {
                return Err(RequestError::Overlap);
            }
        }
    }
    Ok(())
}

/// TCP/IP's memory as the driver shell reaches it: reads and writes at an address. The kernel
/// shell implements it with pointer copies (its only unsafe part here); the NDIS emulation
/// over the separate allocations of its emulated TCP/IP.
pub trait ListMemory {
    /// Copies `dst.len()` bytes at `address` into `dst`; false if it cannot.
    fn read(&mut self, address: u64, dst: &mut [u8]) -> bool;
    /// Copies `src` to `address`; false if it cannot.
    fn write(&mut self, address: u64, src: &[u8]) -> bool;
}

/// What the driver shell runs a set request through: `f` gets the InformationBuffer as the
/// decoder must see it — for an ADD_SA or DELETE_SA list with elements outside the buffer the
/// [`gather`]ed staging copy (then the handles written back through `memory`), otherwise the
/// buffer itself (`buffer` at `base`). A list that cannot be gathered is handed over as it is,
/// and the decoder refuses it.
pub fn with_list_view<R>(
    oid: NDIS_OID,
    set: bool,
    buffer: &mut [u8],
    base: u64,
    memory: &mut dyn ListMemory,
    f: impl FnOnce(&mut [u8], u64) -> R,
) -> R {
    let staged = match ListKind::of_oid(oid) {
        Some(kind) if set => {
            let view = InfoBuffer::new(&mut *buffer, base);
            let mut bytes = Vec::new();
            let mut origins = Vec::new();
            match walk(
                &view,
                kind,
                &mut |a, d| memory.read(a, d),
                &mut bytes,
                &mut origins,
            ) {
                Ok(true) => Some(Staged {
                    kind,
                    bytes,
                    origins,
                }),
                Ok(false) => None,
                Err(_) => {
                    // Refused whole: the elements outside the buffer that were read get a NULL
                    // OffloadHandle (the decoder writes those inside it).
                    if kind == ListKind::AddSa {
                        for o in origins
                            .iter()
                            .filter(|o| view.element_offset(o.address, o.len).is_none())
                        {
                            if let Some(a) = o.address.checked_add(add_sa::OFFLOAD_HANDLE as u64) {
                                memory.write(a, &[0; 8]);
                            }
                        }
                    }
                    None
                }
            }
        }
        _ => None,
    };
    let Some(mut staged) = staged else {
        return f(buffer, base);
    };
    let r = {
        let (bytes, at) = staged.bytes_mut();
        f(bytes, at)
    };
    let mut view = InfoBuffer::new(buffer, base);
    staged.write_back(&mut view, &mut |a, s| memory.write(a, s));
    r
}
