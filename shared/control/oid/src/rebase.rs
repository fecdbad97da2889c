//! Rebasing a list's `Next` links from one address of its buffer to another.
//!
//! The `Next` fields of an ADD_SA or DELETE_SA list are absolute addresses. A list built at one
//! address and handed to the filter at another (the control device's test family: a client
//! builds the InformationBuffer in its own memory, the driver runs it from a copy in its own)
//! must have them moved by the distance between the two, or every list would leave its buffer.
//! [`rebase`] walks the list the way the decoder does, from the first element, and moves each
//! link that points inside the buffer; the list's faults are kept as they are, so that the
//! decoder refuses a malformed list after the move exactly as it would have before it: a link
//! that is misaligned, points back (a cycle) or into an element is moved and the walk stops
//! there. A link that leaves the buffer cannot be moved (there is nothing behind it in the
//! copy) and is refused ([`RebaseError`]): a test request cannot make the driver read memory
//! outside what it was given.

use ipsecov2_abi::NDIS_OID;

use crate::buffer::ELEMENT_ALIGN;
use crate::gather::ListKind;

/// Why a list could not be rebased.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebaseError {
    /// The `Next` field at this offset of the buffer points outside it.
    LeavesBuffer {
        /// Offset of the `Next` field.
        at: usize,
    },
}

/// Moves the `Next` links of the `oid`'s list in `buf`, built at address `from`, to address
/// `to`. Nothing for an OID without a list, or a buffer too short for its first element (the
/// decoder refuses it as it is).
///
/// # Errors
/// [`RebaseError::LeavesBuffer`]: a link outside `[from, from + buf.len())` (the buffer is
/// left partly moved; the request is then not run).
pub fn rebase(oid: NDIS_OID, buf: &mut [u8], from: u64, to: u64) -> Result<(), RebaseError> {
    let Some(kind) = ListKind::of_oid(oid) else {
        return Ok(());
    };
    let len = buf.len() as u64;
    let mut element = 0usize;
    // Each step moves forward by at least one aligned element, so the walk ends.
    loop {
        let at = element.saturating_add(kind.next_field());
        let Some(field) = buf.get_mut(at..at.saturating_add(8)) else {
            return Ok(());
        };
        let mut b = [0u8; 8];
        b.copy_from_slice(field);
        let next = u64::from_le_bytes(b);
        if next == 0 {
            return Ok(());
        }
        let rel = next.wrapping_sub(from);
        if rel >= len {
            return Err(RebaseError::LeavesBuffer { at });
        }
        field.copy_from_slice(&to.wrapping_add(rel).to_le_bytes());
        let aligned = rel.is_multiple_of(ELEMENT_ALIGN);
        let rel = usize::try_from(rel).unwrap_or(usize::MAX);
        if rel <= element || !aligned {
            return Ok(());
        }
        element = rel;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use ipsecov2_abi::{
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
    };

    const ADD: NDIS_OID = OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA;

    fn next_at(buf: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(buf[at..at + 8].try_into().unwrap_or_default())
    }

    fn set_next(buf: &mut [u8], at: usize, v: u64) {
        buf[at + 8..at + 16].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn moves_every_link_of_a_chain() {
        let mut buf = vec![0u8; 0x300];
        set_next(&mut buf, 0, 0x1000 + 0x100);
        set_next(&mut buf, 0x100, 0x1000 + 0x200);
        assert_eq!(rebase(ADD, &mut buf, 0x1000, 0x9000), Ok(()));
        assert_eq!(next_at(&buf, 8), 0x9100);
        assert_eq!(next_at(&buf, 0x108), 0x9200);
        assert_eq!(next_at(&buf, 0x208), 0);
        // And back.
        assert_eq!(rebase(ADD, &mut buf, 0x9000, 0x1000), Ok(()));
        assert_eq!(next_at(&buf, 8), 0x1100);
    }

    #[test]
    fn faults_are_kept() {
        // A cycle back to the first element: moved, the walk stops.
        let mut buf = vec![0u8; 0x200];
        set_next(&mut buf, 0, 0x1000 + 0x100);
        set_next(&mut buf, 0x100, 0x1000);
        assert_eq!(rebase(ADD, &mut buf, 0x1000, 0x9000), Ok(()));
        assert_eq!((next_at(&buf, 8), next_at(&buf, 0x108)), (0x9100, 0x9000));
        // Misaligned: moved, stays misaligned by the same amount.
        let mut buf = vec![0u8; 0x200];
        set_next(&mut buf, 0, 0x1000 + 0x101);
        assert_eq!(rebase(ADD, &mut buf, 0x1000, 0x9000), Ok(()));
        assert_eq!(next_at(&buf, 8), 0x9101);
    }

    #[test]
    fn a_link_leaving_the_buffer_is_refused() {
        let mut buf = vec![0u8; 0x200];
        set_next(&mut buf, 0, 0x1000 + 0x200);
        assert_eq!(
            rebase(ADD, &mut buf, 0x1000, 0x9000),
            Err(RebaseError::LeavesBuffer { at: 8 })
        );
        set_next(&mut buf, 0, 0x0800);
        assert_eq!(
            rebase(
                OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
                &mut buf,
                0x1000,
                0x9000
            ),
            Err(RebaseError::LeavesBuffer { at: 8 })
        );
    }

    #[test]
    fn other_oids_and_short_buffers_are_untouched() {
        let mut buf = vec![0xFFu8; 12];
        assert_eq!(rebase(0x0101_0101, &mut buf, 1, 2), Ok(()));
        assert_eq!(rebase(ADD, &mut buf, 1, 2), Ok(()));
        assert_eq!(buf, vec![0xFF; 12]);
    }
}
