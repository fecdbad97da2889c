//! Issuing OID requests to a module of the loaded driver through the real NDIS_OID_REQUEST
//! path: the request built in the WDK layout around the caller's information buffer, handed to
//! `FilterOidRequest` or `FilterDirectOidRequest` at PASSIVE_LEVEL, and finished by the returned
//! status or one completion.

use core::ffi::c_void;

use crate::abi::structs::{NDIS_OBJECT_HEADER, NDIS_OID_REQUEST};
use crate::driver::DriverHost;
use crate::filter_module::ModuleError;
use crate::kernel::module::{self, NdisState};
use crate::kernel::status::NDIS_STATUS_PENDING;
use crate::kernel::{filter_driver, irql, oid, verifier};

/// `NDIS_OBJECT_TYPE_OID_REQUEST`.
pub const NDIS_OBJECT_TYPE_OID_REQUEST: u8 = 0x96;
/// `NdisRequestQueryInformation`.
pub const NDIS_REQUEST_QUERY_INFORMATION: i32 = 0;
/// `NdisRequestSetInformation`.
pub const NDIS_REQUEST_SET_INFORMATION: i32 = 1;

type OidFn = unsafe extern "win64" fn(usize, *mut NDIS_OID_REQUEST) -> i32;
type CompleteFn = unsafe extern "win64" fn(usize, *mut NDIS_OID_REQUEST, i32);

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OidResult {
    /// The request (to ask [`DriverHost::oid_result`] about a pending one).
    pub request: usize,
    /// Final status (returned, or given to the completion after NDIS_STATUS_PENDING); `None`
    /// when the request is still pending.
    pub status: Option<i32>,
    /// BytesRead (set) / BytesWritten (query).
    pub bytes_done: u32,
    /// `BytesNeeded` when the buffer was too short.
    pub bytes_needed: u32,
}

impl DriverHost {
    /// Issues `oid` (`request_type` query or set) with `buffer` as InformationBuffer to the
    /// module, on the direct path when `direct`.
    pub fn oid_request(
        &mut self,
        filter_handle: usize,
        direct: bool,
        request_type: i32,
        oid_code: u32,
        buffer: &mut [u8],
    ) -> Result<OidResult, ModuleError> {
        let m = module::get(filter_handle).ok_or(ModuleError::NoModule)?;
        if !matches!(m.state, NdisState::Running | NdisState::Paused) {
            return Err(ModuleError::WrongState(m.state));
        }
        let me = self.driver_object_address();
        let d = filter_driver::registered()
            .into_iter()
            .find(|d| d.driver_object == me)
            .ok_or(ModuleError::NotRegistered)?;
        let (handler, name) = if direct {
            (
                d.characteristics.DirectOidRequestHandler,
                "DirectOidRequestHandler",
            )
        } else {
            (d.characteristics.OidRequestHandler, "OidRequestHandler")
        };
        if handler.is_null() {
            return Err(ModuleError::NoHandler(name));
        }
        // SAFETY: an all-zero NDIS_OID_REQUEST is a valid value (integers, NULL pointers).
        let mut req: Box<NDIS_OID_REQUEST> = Box::new(unsafe { core::mem::zeroed() });
        req.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_OID_REQUEST,
            Revision: 2,
            Size: 0xF8,
        };
        req.RequestType = request_type;
        req.RequestId = 0x1D00_0000_usize
            .wrapping_add(&*req as *const NDIS_OID_REQUEST as usize & 0xFFFF)
            as *mut c_void;
        req.RequestHandle = 0x4E44_5248 as *mut c_void;
        req.Oid = oid_code;
        req.InformationBuffer = if buffer.is_empty() {
            core::ptr::null_mut()
        } else {
            buffer.as_mut_ptr().cast()
        };
        req.InformationBufferLength = buffer.len() as u32;
        let req_ptr: *mut NDIS_OID_REQUEST = &mut *req;
        oid::issue(filter_handle, req_ptr as usize, direct);
        // SAFETY: the driver's FILTER_(DIRECT_)OID_REQUEST routine (checked in the image).
        let f: OidFn = unsafe { core::mem::transmute::<*const c_void, OidFn>(handler) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the module context came from NdisFSetAttributes; the request and its buffer
        // live until the request is finished (below, or the caller keeps them while pending).
        let status = crate::stack::measure(
            if direct {
                "FilterDirectOidRequest"
            } else {
                "FilterOidRequest"
            },
            || unsafe { f(m.context, req_ptr) },
        );
        self.after_callback(
            if direct {
                "FilterDirectOidRequest"
            } else {
                "FilterOidRequest"
            },
            irql::PASSIVE_LEVEL,
        );
        let record = oid::get(req_ptr as usize);
        if status == NDIS_STATUS_PENDING {
            self.pending_oids.push(req);
            return Ok(self.oid_result(req_ptr as usize).unwrap_or(OidResult {
                request: req_ptr as usize,
                status: None,
                bytes_done: 0,
                bytes_needed: 0,
            }));
        }
        if record.is_some_and(|r| r.completions > 0) {
            verifier::violation(format!("OID {oid_code:#x}: the handler returned {status:#x} and also completed the request"));
        }
        oid::finish(req_ptr as usize);
        Ok(OidResult {
            request: req_ptr as usize,
            status: Some(status),
            bytes_done: req.BytesWritten,
            bytes_needed: req.BytesNeeded,
        })
    }

    /// The result of a request the driver pended: `None` while not completed.
    pub fn oid_result(&mut self, request: usize) -> Option<OidResult> {
        let status = oid::get(request)?.completed_status?;
        oid::finish(request);
        let i = self
            .pending_oids
            .iter()
            .position(|r| &**r as *const NDIS_OID_REQUEST as usize == request)?;
        let req = self.pending_oids.remove(i);
        Some(OidResult {
            request,
            status: Some(status),
            bytes_done: req.BytesWritten,
            bytes_needed: req.BytesNeeded,
        })
    }

    /// The miniport below answers every request the filter passed down to it: `answer` gets the
    /// OID, the request type and the information buffer, and returns (status, bytes written or
    /// read, bytes needed); then the filter's (direct) OID-complete handler runs. Returns how
    /// many requests were answered.
    pub fn complete_oids_below(
        &mut self,
        filter_handle: usize,
        mut answer: impl FnMut(u32, i32, &mut [u8]) -> (i32, u32, u32),
    ) -> Result<usize, ModuleError> {
        let m = module::get(filter_handle).ok_or(ModuleError::NoModule)?;
        let me = self.driver_object_address();
        let d = filter_driver::registered()
            .into_iter()
            .find(|d| d.driver_object == me)
            .ok_or(ModuleError::NotRegistered)?;
        let below = oid::take_below(filter_handle);
        for &(request, direct) in &below {
            let handler = if direct {
                d.characteristics.DirectOidRequestCompleteHandler
            } else {
                d.characteristics.OidRequestCompleteHandler
            };
            if handler.is_null() {
                return Err(ModuleError::NoHandler("OidRequestCompleteHandler"));
            }
            let req = request as *mut NDIS_OID_REQUEST;
            // SAFETY: a request the filter passed down; valid until the filter's completion
            // handler has run.
            let r = unsafe { &mut *req };
            let len = r.InformationBufferLength as usize;
            let mut empty: [u8; 0] = [];
            let buffer: &mut [u8] = if r.InformationBuffer.is_null() || len == 0 {
                &mut empty
            } else {
                // SAFETY: the request's information buffer holds InformationBufferLength bytes.
                unsafe { core::slice::from_raw_parts_mut(r.InformationBuffer.cast::<u8>(), len) }
            };
            let (status, done, needed) = answer(r.Oid, r.RequestType, buffer);
            r.BytesWritten = done;
            r.BytesNeeded = needed;
            // SAFETY: the driver's FILTER_(DIRECT_)OID_REQUEST_COMPLETE routine.
            let f: CompleteFn =
                unsafe { core::mem::transmute::<*const c_void, CompleteFn>(handler) };
            irql::set(irql::PASSIVE_LEVEL);
            // SAFETY: the module context; the request is the filter's clone, given back.
            crate::stack::measure("FilterOidRequestComplete", || unsafe {
                f(m.context, req, status)
            });
            self.after_callback("FilterOidRequestComplete", irql::PASSIVE_LEVEL);
        }
        Ok(below.len())
    }
}
