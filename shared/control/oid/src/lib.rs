//! Validated decoding of the IPsecOV2 OIDs and write-back of their results.
//!
//! `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`, `_ADD_SA_EX`, `_DELETE_SA` and `_UPDATE_SA` arrive as
//! set requests whose InformationBuffer holds `#[repr(C)]` structures, ADD_SA and DELETE_SA chained
//! through `Next` pointers holding real kernel addresses. This crate reads them as bytes, never as
//! pointers: [`InfoBuffer`] pairs the bytes with their base address, the [`decode`] functions
//! validate structure and content into typed [`spec`] values, and the [`handler`] functions run a
//! whole set request against an [`SaBackend`] and say how it completes (NDIS_STATUS, BytesRead,
//! BytesNeeded, NULL handles) — the rules are in docs/oid-decoding.md.
//!
//! The only unsafe code is [`raw::info_buffer_from_raw`], the boundary the driver calls with the
//! request's pointer and length.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

pub mod buffer;
pub mod decode;
pub mod error;
pub mod gather;
pub mod handler;
pub mod layout;
pub mod raw;
pub mod rebase;
pub mod spec;

pub use buffer::InfoBuffer;
pub use decode::{
    decode_add_sa, decode_add_sa_ex, decode_delete_sa, decode_update_sa, spi_from_field,
    AddSaElement, UpdateSa, MAX_LIST_ELEMENTS,
};
pub use error::{BackendError, HeaderFault, RequestError, SaReject, UpdateError};
pub use gather::{gather, with_list_view, ListKind, ListMemory, Staged};
pub use handler::{
    set_add_sa, set_add_sa_ex, set_delete_sa, set_update_sa, AddSaReport, DeleteSaReport,
    SaBackend, SetCompletion, UpdateFailure, UpdateSaReport,
};
pub use spec::{
    Address, AesKeySize, Bundle, Encryption, Integrity, IpVersion, IpsecProtocol, SaSpec,
    SecAssocSpec, UdpEspEncapsulation, GCM_SALT_BYTES,
};
