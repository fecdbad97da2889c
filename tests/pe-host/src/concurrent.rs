//! Calls into one module of the loaded driver from several threads at once, as NDIS makes
//! them: sends at DISPATCH_LEVEL on many processors while SA OIDs arrive at PASSIVE_LEVEL. A
//! [`ModuleCalls`] is a copyable, thread-safe handle on a running module's handlers; every call
//! gets the checks of a callback (IRQL and locks on return, stack depth) on its own thread.

use core::ffi::c_void;

use crate::abi::structs::{NDIS_OBJECT_HEADER, NDIS_OID_REQUEST, NET_BUFFER_LIST};
use crate::driver::{after_callback, DriverHost};
use crate::fault::handler;
use crate::filter_module::ModuleError;
use crate::kernel::datapath::{self, AT_DISPATCH_LEVEL};
use crate::kernel::module::{self, NdisState};
use crate::kernel::status::NDIS_STATUS_PENDING;
use crate::kernel::{filter_driver, irql, oid};
use crate::oid_request::NDIS_OBJECT_TYPE_OID_REQUEST;
use crate::traffic::nbl_frames;

type SendFn = unsafe extern "win64" fn(usize, *mut NET_BUFFER_LIST, u32, u32);
type CompleteFn = unsafe extern "win64" fn(usize, *mut NET_BUFFER_LIST, u32);
type OidFn = unsafe extern "win64" fn(usize, *mut NDIS_OID_REQUEST) -> i32;

/// A running module's handlers, callable from any thread.
#[derive(Debug, Clone, Copy)]
pub struct ModuleCalls {
    filter_handle: usize,
    context: usize,
    send: usize,
    send_complete: usize,
    direct_oid: usize,
}

impl DriverHost {
    /// A thread-safe handle on the handlers of running module `filter_handle`.
    pub fn module_calls(&self, filter_handle: usize) -> Result<ModuleCalls, ModuleError> {
        let m = module::get(filter_handle).ok_or(ModuleError::NoModule)?;
        if m.state != NdisState::Running {
            return Err(ModuleError::WrongState(m.state));
        }
        let me = self.driver_object_address();
        let d = filter_driver::registered()
            .into_iter()
            .find(|d| d.driver_object == me)
            .ok_or(ModuleError::NotRegistered)?;
        let c = d.characteristics;
        let nonnull = |p: *const c_void, n: &'static str| {
            if p.is_null() {
                Err(ModuleError::NoHandler(n))
            } else {
                Ok(p as usize)
            }
        };
        Ok(ModuleCalls {
            filter_handle,
            context: m.context,
            send: nonnull(c.SendNetBufferListsHandler, "SendNetBufferListsHandler")?,
            send_complete: nonnull(
                c.SendNetBufferListsCompleteHandler,
                "SendNetBufferListsCompleteHandler",
            )?,
            direct_oid: nonnull(c.DirectOidRequestHandler, "DirectOidRequestHandler")?,
        })
    }
}

impl ModuleCalls {
    /// Prepares the calling thread (fault handler stack, PASSIVE_LEVEL).
    pub fn enter_thread(&self) -> std::io::Result<()> {
        irql::set(irql::PASSIVE_LEVEL);
        handler::arm_thread()
    }

    /// TCP/IP sends the chain at `head` at DISPATCH_LEVEL.
    ///
    /// # Safety
    /// `head` must be a valid NBL chain that stays alive until every NBL of it is completed back.
    pub unsafe fn send(&self, head: *mut NET_BUFFER_LIST) {
        // SAFETY: contract.
        let nbls = unsafe { datapath::chain(head, 1 << 20) };
        datapath::with(self.filter_handle, |l| l.sends_in_filter.extend(&nbls));
        // SAFETY: the driver's FILTER_SEND_NET_BUFFER_LISTS routine.
        let f: SendFn = unsafe { core::mem::transmute::<usize, SendFn>(self.send) };
        irql::set(irql::DISPATCH_LEVEL);
        // SAFETY: the module context; the chain per the contract.
        crate::stack::measure("FilterSendNetBufferLists", || unsafe {
            f(self.context, head, 0, AT_DISPATCH_LEVEL)
        });
        after_callback("FilterSendNetBufferLists", irql::DISPATCH_LEVEL);
        irql::set(irql::PASSIVE_LEVEL);
    }

    /// The miniport completes (successfully, at DISPATCH_LEVEL) whatever the filter has sent
    /// down so far; returns the frames it carried.
    pub fn complete_below(&self) -> Vec<Vec<Vec<u8>>> {
        let below = datapath::with(self.filter_handle, |l| core::mem::take(&mut l.below))
            .unwrap_or_default();
        if below.is_empty() {
            return Vec::new();
        }
        let mut frames = Vec::new();
        for w in below.windows(2) {
            // SAFETY: NBLs the filter sent down, owned by the miniport until completed.
            unsafe { (*(w[0] as *mut NET_BUFFER_LIST)).Next = w[1] as *mut NET_BUFFER_LIST };
        }
        for &n in &below {
            // SAFETY: as above.
            frames.push(unsafe { nbl_frames(n as *const NET_BUFFER_LIST) });
            // SAFETY: as above.
            unsafe { (*(n as *mut NET_BUFFER_LIST)).Status = 0 };
        }
        if let Some(&last) = below.last() {
            // SAFETY: as above.
            unsafe { (*(last as *mut NET_BUFFER_LIST)).Next = core::ptr::null_mut() };
        }
        // SAFETY: the driver's FILTER_SEND_NET_BUFFER_LISTS_COMPLETE routine.
        let f: CompleteFn =
            unsafe { core::mem::transmute::<usize, CompleteFn>(self.send_complete) };
        irql::set(irql::DISPATCH_LEVEL);
        let head = below[0] as *mut NET_BUFFER_LIST;
        // SAFETY: the filter's own NBLs, given back as one chain.
        crate::stack::measure("FilterSendNetBufferListsComplete", || unsafe {
            f(self.context, head, AT_DISPATCH_LEVEL)
        });
        after_callback("FilterSendNetBufferListsComplete", irql::DISPATCH_LEVEL);
        irql::set(irql::PASSIVE_LEVEL);
        frames
    }

    /// A set OID on the direct path at PASSIVE_LEVEL, finished synchronously (the SA OIDs);
    /// returns the status, or `None` if the driver pended it (then the request is leaked so that
    /// a later completion stays valid).
    pub fn direct_set(&self, oid_code: u32, buffer: &mut [u8]) -> Option<i32> {
        // SAFETY: an all-zero NDIS_OID_REQUEST is a valid value.
        let mut req: Box<NDIS_OID_REQUEST> = Box::new(unsafe { core::mem::zeroed() });
        req.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_OID_REQUEST,
            Revision: 2,
            Size: 0xF8,
        };
        req.RequestType = crate::oid_request::NDIS_REQUEST_SET_INFORMATION;
        req.Oid = oid_code;
        req.InformationBuffer = buffer.as_mut_ptr().cast();
        req.InformationBufferLength = buffer.len() as u32;
        let p: *mut NDIS_OID_REQUEST = &mut *req;
        oid::issue(self.filter_handle, p as usize, true);
        // SAFETY: the driver's FILTER_DIRECT_OID_REQUEST routine.
        let f: OidFn = unsafe { core::mem::transmute::<usize, OidFn>(self.direct_oid) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the module context; the request and buffer live across the call.
        let status =
            crate::stack::measure("FilterDirectOidRequest", || unsafe { f(self.context, p) });
        after_callback("FilterDirectOidRequest", irql::PASSIVE_LEVEL);
        if status == NDIS_STATUS_PENDING {
            Box::leak(req);
            return None;
        }
        oid::finish(p as usize);
        Some(status)
    }

    /// Sends of this module completed back so far (NBL, status), taken.
    pub fn take_completed(&self) -> Vec<(usize, i32)> {
        datapath::with(self.filter_handle, |l| core::mem::take(&mut l.completed_up))
            .unwrap_or_default()
    }
}
