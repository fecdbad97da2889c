//! TCP/IP's memory behind an IPsecOV2 list's `Next` pointers, for the portable gathering
//! (`ipsecov2_oid::gather`, docs/tcpip-reading.md point 1): ADD_SA and DELETE_SA elements that
//! TCP/IP allocated outside the InformationBuffer are read (and their OffloadHandle written)
//! by address. The walk, its bounds, cycle detection and size checks are portable and tested on
//! the host; only the two copies below touch the pointers.

use ipsecov2_oid::ListMemory;

/// Kernel memory of the requester (TCP/IP runs in kernel mode and owns the elements until it
/// completes the request).
pub(super) struct RequesterMemory;

impl ListMemory for RequesterMemory {
    fn read(&mut self, address: u64, dst: &mut [u8]) -> bool {
        let Ok(at) = usize::try_from(address) else {
            return false;
        };
        if at == 0 || at.checked_add(dst.len()).is_none() {
            return false;
        }
        let src: *const u8 = core::ptr::with_exposed_provenance(at);
        // SAFETY: `address` came from a `Next` field of the list TCP/IP passed in this set
        // request: a kernel-mode pointer to the next structure (the OID pages), valid for reads
        // of the element, which the portable walk sizes from the element's own header and key
        // length, until the request completes. Non-null, no overflow (checked above); `dst` is
        // filter memory that cannot overlap TCP/IP's element.
        unsafe { core::ptr::copy_nonoverlapping(src, dst.as_mut_ptr(), dst.len()) };
        true
    }

    fn write(&mut self, address: u64, src: &[u8]) -> bool {
        let Ok(at) = usize::try_from(address) else {
            return false;
        };
        if at == 0 || at.checked_add(src.len()).is_none() {
            return false;
        }
        let dst: *mut u8 = core::ptr::with_exposed_provenance_mut(at);
        // SAFETY: `address` is the OffloadHandle field of an element that `read` copied whole
        // during this request (the portable write-back only writes inside gathered elements);
        // TCP/IP expects the filter to write it (the ADD_SA page) and reads it only after the
        // request completes.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) };
        true
    }
}
