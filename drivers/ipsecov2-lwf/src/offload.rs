//! The one check the shell makes on an `NDIS_OFFLOAD` it copies out of NDIS (the attach
//! parameters' `DefaultOffloadConfiguration`, the `StatusBuffer` of an
//! `NDIS_STATUS_TASK_OFFLOAD_*` indication from below) before handing it to the filter core's
//! module, which does the capability rewriting (`ipsecov2_filter_core::module`). Portable.
#![forbid(unsafe_code)]

use ipsecov2_abi::{NDIS_OBJECT_TYPE_OFFLOAD, NDIS_OFFLOAD, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1};

/// Whether `valid` bytes read into `offload` (the rest zero) are an `NDIS_OFFLOAD` worth
/// rewriting: the header says `NDIS_OBJECT_TYPE_OFFLOAD` and at least the revision-1 members are
/// there. Anything else is passed on untouched.
#[must_use]
pub fn plausible(offload: &NDIS_OFFLOAD, valid: usize) -> bool {
    offload.Header.Type == NDIS_OBJECT_TYPE_OFFLOAD
        && valid >= usize::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1)
        && usize::from(offload.Header.Size) >= usize::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1)
}

/// What the filter assumes of a miniport whose attach parameters carry no (plausible)
/// `DefaultOffloadConfiguration`: a revision-1 `NDIS_OFFLOAD` with nothing offloaded.
#[must_use]
pub fn none_offloaded() -> NDIS_OFFLOAD {
    NDIS_OFFLOAD {
        Header: ipsecov2_abi::NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_OFFLOAD,
            ipsecov2_abi::NDIS_OFFLOAD_REVISION_1,
            NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1,
        ),
        ..NDIS_OFFLOAD::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipsecov2_abi::{NDIS_OBJECT_HEADER, NDIS_OFFLOAD_REVISION_1};

    fn miniport_rev1() -> NDIS_OFFLOAD {
        let mut o = NDIS_OFFLOAD {
            Header: NDIS_OBJECT_HEADER::new(
                NDIS_OBJECT_TYPE_OFFLOAD,
                NDIS_OFFLOAD_REVISION_1,
                NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1,
            ),
            ..NDIS_OFFLOAD::default()
        };
        o.Checksum.IPv4Transmit.Encapsulation = 1;
        o
    }

    #[test]
    fn plausibility() {
        let m = miniport_rev1();
        assert!(plausible(&m, 0x70));
        assert!(!plausible(&m, 4));
        let mut junk = m;
        junk.Header.Type = 0x80;
        assert!(!plausible(&junk, 0x70));
        let mut short = m;
        short.Header.Size = 8;
        assert!(!plausible(&short, 0x70));
        let none = none_offloaded();
        assert!(plausible(&none, usize::from(none.Header.Size)));
        assert_eq!(none.Checksum, NDIS_OFFLOAD::default().Checksum);
    }
}
