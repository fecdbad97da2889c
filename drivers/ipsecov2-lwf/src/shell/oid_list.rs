//! TCP/IP's memory behind an IPsecOV2 list's `Next` pointers, for the portable gathering
//! (`ipsecov2_oid::gather`, docs/tcpip-reading.md point 1): ADD_SA and DELETE_SA elements that
//! TCP/IP allocated outside the InformationBuffer are read (and their OffloadHandle written)
//! by address. The walk, its bounds, cycle detection and size checks are portable and tested on
//! the host; only the two copies below touch the pointers.

use ipsecov2_oid::ListMemory;

/// Kernel memory of the requester (TCP/IP runs in kernel mode and owns the elements until it
/// completes the request).
pub(super) struct RequesterMemory;

/// The lowest x64 kernel-mode address: a `Next` below it is not TCP/IP's memory and is never
/// dereferenced (the list is then refused whole).
const KERNEL_SPACE_START: usize = 0xFFFF_8000_0000_0000;

/// `address` as a pointer value if `len` bytes there lie in kernel space.
fn kernel_range(address: u64, len: usize) -> Option<usize> {
    let at = usize::try_from(address).ok()?;
    at.checked_add(len)?;
    (at >= KERNEL_SPACE_START).then_some(at)
}

impl ListMemory for RequesterMemory {
    fn read(&mut self, address: u64, dst: &mut [u8]) -> bool {
        let Some(at) = kernel_range(address, dst.len()) else {
            return false;
        };
        let src: *const u8 = core::ptr::with_exposed_provenance(at);
        // SAFETY: `address` came from a `Next` field of the list TCP/IP passed in this set
        // request: a kernel-mode pointer to the next structure (the OID pages), valid for reads
        // of the element, which the portable walk sizes from the element's own header and key
        // length, until the request completes. In kernel space, no overflow (checked above); `dst` is
        // filter memory that cannot overlap TCP/IP's element.
        unsafe { core::ptr::copy_nonoverlapping(src, dst.as_mut_ptr(), dst.len()) };
        true
    }

    fn write(&mut self, address: u64, src: &[u8]) -> bool {
        let Some(at) = kernel_range(address, src.len()) else {
            return false;
        };
        let dst: *mut u8 = core::ptr::with_exposed_provenance_mut(at);
        // SAFETY: `address` is the OffloadHandle field of an element that `read` copied whole
        // during this request (the portable write-back only writes inside gathered elements);
        // TCP/IP expects the filter to write it (the ADD_SA page) and reads it only after the
        // request completes.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) };
        true
    }
}
