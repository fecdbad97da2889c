//! The one boundary where the kernel's InformationBuffer pointer becomes a safe slice.

#![allow(unsafe_code)]

use crate::buffer::InfoBuffer;

/// Turns the InformationBuffer of a set request into an [`InfoBuffer`].
///
/// Returns `None` for a null pointer with a non-zero length. A zero length gives an empty buffer
/// whatever the pointer.
///
/// # Safety
/// `ptr` must be valid for reads and writes of `len` bytes for the lifetime `'a`, and nothing else
/// may access those bytes meanwhile. NDIS guarantees this for the InformationBuffer of an
/// NDIS_OID_REQUEST between the moment the request reaches the filter and its completion.
pub unsafe fn info_buffer_from_raw<'a>(ptr: *mut u8, len: u32) -> Option<InfoBuffer<'a>> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(InfoBuffer::new(&mut [], ptr as u64));
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is non-null and, by this function's contract, valid for reads and writes of
    // `len` bytes for `'a` with no other access meanwhile.
    let bytes = unsafe { core::slice::from_raw_parts_mut(ptr, len) };
    Some(InfoBuffer::new(bytes, ptr as u64))
}
