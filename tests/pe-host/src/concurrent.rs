//! Calls into one module of the loaded driver from several threads at once, as NDIS makes
//! them: sends at DISPATCH_LEVEL on many processors while SA OIDs arrive at PASSIVE_LEVEL. A
//! [`ModuleCalls`] is a copyable, thread-safe handle on a running module's handlers; every call
//! gets the checks of a callback (IRQL and locks on return, stack depth) on its own thread.

use core::ffi::c_void;
use std::time::{Duration, Instant};

use ipsecov2_ndis_emu::tcpip::{recv_view, RecvView};
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain};

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
type ReceiveFn = unsafe extern "win64" fn(usize, *mut NET_BUFFER_LIST, u32, u32, u32);

/// A running module's handlers, callable from any thread.
#[derive(Debug, Clone, Copy)]
pub struct ModuleCalls {
    filter_handle: usize,
    context: usize,
    send: usize,
    send_complete: usize,
    receive: usize,
    return_nbls: usize,
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
            receive: nonnull(
                c.ReceiveNetBufferListsHandler,
                "ReceiveNetBufferListsHandler",
            )?,
            return_nbls: nonnull(c.ReturnNetBufferListsHandler, "ReturnNetBufferListsHandler")?,
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

    /// The miniport indicates the chain at `head` (`count` NBLs) at DISPATCH_LEVEL.
    ///
    /// # Safety
    /// `head` must be a valid chain of `count` NBLs that stays alive until returned.
    pub unsafe fn receive(&self, head: *mut NET_BUFFER_LIST, count: u32) {
        // SAFETY: contract.
        let nbls = unsafe { datapath::chain(head, 1 << 20) };
        datapath::with(self.filter_handle, |l| l.receives_in_filter.extend(&nbls));
        // SAFETY: the driver's FILTER_RECEIVE_NET_BUFFER_LISTS routine.
        let f: ReceiveFn = unsafe { core::mem::transmute::<usize, ReceiveFn>(self.receive) };
        irql::set(irql::DISPATCH_LEVEL);
        // SAFETY: the module context; the chain per the contract.
        crate::stack::measure("FilterReceiveNetBufferLists", || unsafe {
            f(self.context, head, 0, count, AT_DISPATCH_LEVEL)
        });
        after_callback("FilterReceiveNetBufferLists", irql::DISPATCH_LEVEL);
        irql::set(irql::PASSIVE_LEVEL);
    }

    /// TCP/IP returns (at DISPATCH_LEVEL) whatever the filter has indicated up so far; returns
    /// each NBL's address and frames, read before the return.
    pub fn return_above(&self) -> Vec<(usize, Vec<Vec<u8>>)> {
        let above = datapath::with(self.filter_handle, |l| core::mem::take(&mut l.above))
            .unwrap_or_default();
        let Some(&first) = above.first() else {
            return Vec::new();
        };
        let mut got = Vec::new();
        for w in above.windows(2) {
            // SAFETY: NBLs indicated up, owned by TCP/IP until returned.
            unsafe { (*(w[0] as *mut NET_BUFFER_LIST)).Next = w[1] as *mut NET_BUFFER_LIST };
        }
        for &n in &above {
            // SAFETY: as above.
            got.push((n, unsafe { nbl_frames(n as *const NET_BUFFER_LIST) }));
        }
        if let Some(&last) = above.last() {
            // SAFETY: as above.
            unsafe { (*(last as *mut NET_BUFFER_LIST)).Next = core::ptr::null_mut() };
        }
        // SAFETY: the driver's FILTER_RETURN_NET_BUFFER_LISTS routine.
        let f: CompleteFn = unsafe { core::mem::transmute::<usize, CompleteFn>(self.return_nbls) };
        irql::set(irql::DISPATCH_LEVEL);
        // SAFETY: what the filter indicated, given back as one chain.
        crate::stack::measure("FilterReturnNetBufferLists", || unsafe {
            f(
                self.context,
                first as *mut NET_BUFFER_LIST,
                AT_DISPATCH_LEVEL,
            )
        });
        after_callback("FilterReturnNetBufferLists", irql::DISPATCH_LEVEL);
        irql::set(irql::PASSIVE_LEVEL);
        got
    }

    /// NBLs indicated into this module that the filter returned so far, taken.
    pub fn take_returned(&self) -> Vec<usize> {
        datapath::with(self.filter_handle, |l| {
            core::mem::take(&mut l.returned_down)
        })
        .unwrap_or_default()
    }

    /// TCP/IP sends `specs` as one chain at DISPATCH_LEVEL on the calling thread, and the
    /// miniport completes what the filter has sent down (this thread's copies, or another's)
    /// until every NBL of the chain is back. Returns each NBL's completion status in chain order
    /// and the frames the miniport put on the wire during the call; an error (the chain then
    /// stays allocated, as the driver may still own it) when the chain is not back within
    /// `patience`.
    #[allow(clippy::type_complexity)]
    pub fn send_completed(
        &self,
        specs: &[NblSpec],
        patience: Duration,
    ) -> Result<(Vec<i32>, Vec<Vec<u8>>), String> {
        let (owned, mine, head) = chain_of(specs)?;
        // SAFETY: `owned` lives until every NBL of it is completed back (or is leaked by `wait_back`).
        unsafe { self.send(head) };
        let mut wire = Vec::new();
        let mut done: Vec<(usize, i32)> = Vec::new();
        let _owned = wait_back(owned, patience, mine.len(), "completed back", || {
            wire.extend(self.complete_below().into_iter().flatten());
            done.extend(self.take_completed_of(&mine));
            done.len()
        })?;
        let statuses = mine
            .iter()
            .map(|n| {
                done.iter()
                    .find(|(x, _)| x == n)
                    .map_or(NDIS_STATUS_PENDING, |d| d.1)
            })
            .collect();
        Ok((statuses, wire))
    }

    /// The miniport indicates `specs` as one chain at DISPATCH_LEVEL on the calling thread and
    /// TCP/IP returns what the filter indicates up, until every NBL of the chain is back with
    /// the miniport. Returns what TCP/IP got of each NBL of the chain (its receive information
    /// and frame), in chain order; an error (the chain stays allocated) when the filter keeps
    /// one beyond `patience`. Only one thread at a time may receive through a module.
    pub fn receive_returned(
        &self,
        specs: &[NblSpec],
        patience: Duration,
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        let (owned, mine, head) = chain_of(specs)?;
        let count = u32::try_from(mine.len()).unwrap_or(u32::MAX);
        // SAFETY: `owned` lives until every NBL of it is returned (or is leaked by `wait_back`).
        unsafe { self.receive(head, count) };
        let mut up: Vec<(usize, Vec<Vec<u8>>)> = Vec::new();
        let mut back: Vec<usize> = Vec::new();
        let owned = wait_back(
            owned,
            patience,
            mine.len(),
            "returned to the miniport",
            || {
                up.extend(self.return_above());
                back.extend(
                    datapath::with(self.filter_handle, |l| {
                        let (m, rest): (Vec<usize>, Vec<usize>) =
                            l.returned_down.drain(..).partition(|n| mine.contains(n));
                        l.returned_down = rest;
                        m
                    })
                    .unwrap_or_default(),
                );
                back.len()
            },
        )?;
        let mut got = Vec::new();
        for (i, n) in mine.iter().enumerate() {
            let frame = up
                .iter()
                .find(|(a, _)| a == n)
                .and_then(|(_, f)| f.first().cloned())
                .ok_or_else(|| format!("NBL {i} of the chain never indicated up"))?;
            got.push((recv_view(&owned, i), frame));
        }
        Ok(got)
    }

    /// Completions of the NBLs `mine` taken from this module's ledger (others left for the
    /// threads that sent them).
    fn take_completed_of(&self, mine: &[usize]) -> Vec<(usize, i32)> {
        datapath::with(self.filter_handle, |l| {
            let all = core::mem::take(&mut l.completed_up);
            let (m, rest) = all.into_iter().partition(|(n, _)| mine.contains(n));
            l.completed_up = rest;
            m
        })
        .unwrap_or_default()
    }

    /// Sends of this module completed back so far (NBL, status), taken.
    pub fn take_completed(&self) -> Vec<(usize, i32)> {
        datapath::with(self.filter_handle, |l| core::mem::take(&mut l.completed_up))
            .unwrap_or_default()
    }
}

/// The chain of `specs` built in the emulation: the chain, the address of each of its NBLs in
/// chain order, and its head.
#[allow(clippy::type_complexity)]
fn chain_of(
    specs: &[NblSpec],
) -> Result<(OwnedNblChain, Vec<usize>, *mut NET_BUFFER_LIST), String> {
    let owned = OwnedNblChain::build(specs).map_err(|e| e.to_string())?;
    let mine: Vec<usize> = (0..owned.nbl_count())
        .map(|i| owned.nbl_ptr(i).map_or(0, |p| p as usize))
        .collect();
    let head = owned
        .nbl_ptr(0)
        .ok_or("an empty chain")?
        .cast::<NET_BUFFER_LIST>();
    Ok((owned, mine, head))
}

/// Polls `step` (how many of the chain's `want` NBLs are back so far) until all are back, and
/// gives the chain back; past `patience` the chain is leaked (the driver may still own its
/// NBLs) and the error says how many are not `what`.
fn wait_back(
    owned: OwnedNblChain,
    patience: Duration,
    want: usize,
    what: &str,
    mut step: impl FnMut() -> usize,
) -> Result<OwnedNblChain, String> {
    let deadline = Instant::now() + patience;
    loop {
        let back = step();
        if back >= want {
            return Ok(owned);
        }
        if Instant::now() > deadline {
            core::mem::forget(owned);
            return Err(format!("{} of {want} NBLs not {what}", want - back));
        }
        std::thread::yield_now();
    }
}
