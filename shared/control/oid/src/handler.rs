//! Set-request handling: decode, hand each SA to a backend (the SA table plus key preparation),
//! write the offload handles back, and choose the NDIS_STATUS — per the IPsecOV2 OID pages.

use alloc::vec::Vec;
use core::num::NonZeroU64;

use ipsecov2_abi::{NDIS_STATUS, NDIS_STATUS_SUCCESS};

use crate::buffer::InfoBuffer;
use crate::decode::{decode_add_sa, decode_add_sa_ex, decode_delete_sa, decode_update_sa};
use crate::error::{all_rejected_status, BackendError, RequestError, SaReject, UpdateError};
use crate::spec::{IpsecProtocol, SaSpec};

/// What the OID handler needs from the rest of the filter: the SA table with its key preparation.
///
/// Implementations prepare everything (key schedules, allocation) *before* taking the table's
/// exclusive lock, and make `add` all-or-nothing: an `Err` leaves no trace.
pub trait SaBackend {
    /// Prepares and installs one validated SA bundle; returns its (non-zero) offload handle.
    fn add(&self, sa: &SaSpec<'_>) -> Result<NonZeroU64, BackendError>;
    /// Deletes the bundle with this offload handle; false if there is none.
    fn delete(&self, handle: u64) -> bool;
    /// Sets the high-order sequence bits of the SA `protocol`/`spi` of the bundle `handle`.
    fn update_sequence_high(
        &self,
        handle: u64,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError>;
}

/// How a set request completes: what goes into the NDIS_OID_REQUEST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetCompletion {
    /// Completion status.
    pub status: NDIS_STATUS,
    /// `SET_INFORMATION.BytesRead`.
    pub bytes_read: u32,
    /// `SET_INFORMATION.BytesNeeded`.
    pub bytes_needed: u32,
}

impl SetCompletion {
    fn success(buf: &InfoBuffer<'_>) -> Self {
        Self {
            status: NDIS_STATUS_SUCCESS,
            bytes_read: u32::try_from(buf.len()).unwrap_or(u32::MAX),
            bytes_needed: 0,
        }
    }

    fn failed(status: NDIS_STATUS) -> Self {
        Self {
            status,
            bytes_read: 0,
            bytes_needed: 0,
        }
    }

    fn from_request_error(e: &RequestError) -> Self {
        let bytes_needed = match e {
            RequestError::BufferTooShort { needed } => u32::try_from(*needed).unwrap_or(u32::MAX),
            _ => 0,
        };
        Self {
            status: e.ndis_status(),
            bytes_read: 0,
            bytes_needed,
        }
    }
}

/// The result of an ADD_SA or ADD_SA_EX, for counters, logs and the HLK-style tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddSaReport {
    /// How the request completes.
    pub completion: SetCompletion,
    /// Why the whole request was refused, if it was.
    pub request_error: Option<RequestError>,
    /// Per element, in list order: the handle written back, or why NULL was written.
    pub elements: Vec<Result<NonZeroU64, SaReject>>,
}

impl AddSaReport {
    /// Number of SAs offloaded.
    pub fn offloaded(&self) -> usize {
        self.elements.iter().filter(|e| e.is_ok()).count()
    }
}

/// The result of a DELETE_SA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteSaReport {
    /// How the request completes.
    pub completion: SetCompletion,
    /// Why the whole request was refused, if it was.
    pub request_error: Option<RequestError>,
    /// Handles that were deleted.
    pub deleted: Vec<u64>,
    /// Handles that named no SA (reported, not an error for the request).
    pub unknown: Vec<u64>,
}

/// The result of an UPDATE_SA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateSaReport {
    /// How the request completes.
    pub completion: SetCompletion,
    /// Why the request was refused, if it was.
    pub error: Option<UpdateFailure>,
}

/// Why an UPDATE_SA failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateFailure {
    /// Malformed or short buffer.
    Request(RequestError),
    /// Refused by the table.
    Update(UpdateError),
}

/// A decoded ADD_SA/ADD_SA_EX run through the backend: per element, where its handle goes and
/// what it is.
struct Installed {
    handle_offsets: Vec<usize>,
    elements: Vec<Result<NonZeroU64, SaReject>>,
}

/// Runs the content results of a decoded ADD_SA/ADD_SA_EX through the backend.
///
/// Both lists are allocated (fallibly) *before* any SA is installed, so that no memory for them
/// refuses the request with nothing installed (an SA in the table whose handle TCP/IP never
/// learnt would live until detach).
fn install_all<B: SaBackend + ?Sized>(
    decoded: &[crate::decode::AddSaElement<'_>],
    backend: &B,
) -> Result<Installed, RequestError> {
    let mut handle_offsets = Vec::new();
    let mut elements = Vec::new();
    handle_offsets
        .try_reserve_exact(decoded.len())
        .map_err(|_| RequestError::NoMemory)?;
    elements
        .try_reserve_exact(decoded.len())
        .map_err(|_| RequestError::NoMemory)?;
    // Room for every element is reserved: the pushes below cannot allocate.
    for e in decoded {
        let result = match &e.sa {
            Ok(spec) => backend.add(spec).map_err(SaReject::Backend),
            Err(reject) => Err(*reject),
        };
        handle_offsets.push(e.handle_offset);
        elements.push(result);
    }
    Ok(Installed {
        handle_offsets,
        elements,
    })
}

/// Writes every handle back (NULL where not offloaded) and builds the report.
fn finish_add(buf: &mut InfoBuffer<'_>, installed: Installed) -> AddSaReport {
    let Installed {
        handle_offsets,
        elements,
    } = installed;
    for (handle_offset, result) in handle_offsets.iter().zip(&elements) {
        let value = result.as_ref().map_or(0, |h| h.get());
        // The offsets come from the structural pass, so the write always fits.
        let _ = buf.put_u64(*handle_offset, value);
    }
    let completion = if elements.iter().any(Result::is_ok) {
        SetCompletion::success(buf)
    } else {
        SetCompletion::failed(all_rejected_status(
            elements.iter().filter_map(|r| r.as_ref().err()),
        ))
    };
    AddSaReport {
        completion,
        request_error: None,
        elements,
    }
}

/// A structurally refused ADD_SA: NULL into the OffloadHandle of every element that can be
/// reached inside the buffer (aligned, its fixed part inside, not visited before), so that
/// TCP/IP never reads its own bytes back as a handle (docs/tcpip-reading.md, point 8).
fn null_reachable_handles(buf: &mut InfoBuffer<'_>) {
    use crate::layout::add_sa;
    let min = add_sa::SIZE_REVISION_1;
    // The first element always (its handle field alone may fit in a buffer too short for the
    // element); then only forward, aligned and whole, so that a cycle or an overlap ends the
    // walk and nothing but a handle field of an element is ever written.
    let _ = buf.put_u64(add_sa::OFFLOAD_HANDLE, 0);
    let mut offset = 0usize;
    while offset.saturating_add(min) <= buf.len() {
        let next = buf.u64_at(offset + add_sa::NEXT).unwrap_or(0);
        match (next != 0).then(|| buf.element_offset(next, min)).flatten() {
            Some(o) if o >= offset + min && buf.is_aligned(o) => offset = o,
            _ => return,
        }
        let _ = buf.put_u64(offset + add_sa::OFFLOAD_HANDLE, 0);
    }
}

fn refused_add(e: RequestError) -> AddSaReport {
    AddSaReport {
        completion: SetCompletion::from_request_error(&e),
        request_error: Some(e),
        elements: Vec::new(),
    }
}

/// OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA (set).
///
/// The request succeeds if at least one SA of the list was offloaded; each element that was not
/// gets a NULL OffloadHandle. If none was: NDIS_STATUS_RESOURCES when the table was full,
/// NDIS_STATUS_INVALID_DATA otherwise. A structurally malformed list is refused whole
/// (NDIS_STATUS_INVALID_DATA, or NDIS_STATUS_INVALID_LENGTH with BytesNeeded) and nothing is
/// installed or written.
pub fn set_add_sa<B: SaBackend + ?Sized>(buf: &mut InfoBuffer<'_>, backend: &B) -> AddSaReport {
    let installed = decode_add_sa(buf).and_then(|decoded| install_all(&decoded, backend));
    match installed {
        Ok(installed) => finish_add(buf, installed),
        Err(e) => {
            null_reachable_handles(buf);
            refused_add(e)
        }
    }
}

/// OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX (set): one element, same rules as ADD_SA.
pub fn set_add_sa_ex<B: SaBackend + ?Sized>(buf: &mut InfoBuffer<'_>, backend: &B) -> AddSaReport {
    let installed = decode_add_sa_ex(buf)
        .and_then(|element| install_all(core::slice::from_ref(&element), backend));
    match installed {
        Ok(installed) => finish_add(buf, installed),
        Err(e) => {
            // Where the handle goes, if the buffer reaches that far.
            let _ = buf.put_u64(crate::layout::add_sa_ex::OFFLOAD_HANDLE, 0);
            refused_add(e)
        }
    }
}

/// OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA (set): deletes every known handle of the list and
/// reports the unknown ones; succeeds when the list is well formed. With no memory for the
/// decoded list or the report, nothing is deleted and the request completes with
/// NDIS_STATUS_RESOURCES ([`RequestError::NoMemory`]).
pub fn set_delete_sa<B: SaBackend + ?Sized>(
    buf: &mut InfoBuffer<'_>,
    backend: &B,
) -> DeleteSaReport {
    match decode_delete_sa(buf).and_then(delete_all_prepared) {
        Ok((handles, mut deleted, mut unknown)) => {
            // Both lists hold room for every handle: the pushes below cannot allocate.
            for h in handles {
                if backend.delete(h) {
                    deleted.push(h);
                } else {
                    unknown.push(h);
                }
            }
            DeleteSaReport {
                completion: SetCompletion::success(buf),
                request_error: None,
                deleted,
                unknown,
            }
        }
        Err(e) => DeleteSaReport {
            completion: SetCompletion::from_request_error(&e),
            request_error: Some(e),
            deleted: Vec::new(),
            unknown: Vec::new(),
        },
    }
}

/// The decoded handles with the report's two lists, each with room for every handle, allocated
/// before anything is deleted.
#[allow(clippy::type_complexity)]
fn delete_all_prepared(handles: Vec<u64>) -> Result<(Vec<u64>, Vec<u64>, Vec<u64>), RequestError> {
    let mut deleted = Vec::new();
    let mut unknown = Vec::new();
    deleted
        .try_reserve_exact(handles.len())
        .map_err(|_| RequestError::NoMemory)?;
    unknown
        .try_reserve_exact(handles.len())
        .map_err(|_| RequestError::NoMemory)?;
    Ok((handles, deleted, unknown))
}

/// OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA (set): NDIS_STATUS_INVALID_PARAMETER when the SA is
/// unknown or does not use ESN.
pub fn set_update_sa<B: SaBackend + ?Sized>(
    buf: &mut InfoBuffer<'_>,
    backend: &B,
) -> UpdateSaReport {
    let update = match decode_update_sa(buf) {
        Ok(u) => u,
        Err(e) => {
            return UpdateSaReport {
                completion: SetCompletion::from_request_error(&e),
                error: Some(UpdateFailure::Request(e)),
            }
        }
    };
    match backend.update_sequence_high(update.handle, update.protocol, update.spi, update.seq_high)
    {
        Ok(()) => UpdateSaReport {
            completion: SetCompletion::success(buf),
            error: None,
        },
        Err(e) => UpdateSaReport {
            completion: SetCompletion::failed(e.ndis_status()),
            error: Some(UpdateFailure::Update(e)),
        },
    }
}
