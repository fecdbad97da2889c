//! Traffic through a module of the loaded driver: the host is TCP/IP above (it sends NBL
//! chains into `FilterSendNetBufferLists` and returns what is indicated up) and the miniport
//! below (it holds what the filter sends down, reads the frames, completes them through
//! `FilterSendNetBufferListsComplete`, and indicates receives into
//! `FilterReceiveNetBufferLists`). Ownership is kept in [`crate::kernel::datapath`].

use core::ffi::c_void;

use crate::abi::structs::{MDL, NET_BUFFER, NET_BUFFER_LIST};
use crate::driver::DriverHost;
use crate::filter_module::ModuleError;
use crate::kernel::datapath::{self, AT_DISPATCH_LEVEL};
use crate::kernel::module::{self, NdisState};
use crate::kernel::{filter_driver, irql};

type SendFn = unsafe extern "win64" fn(usize, *mut NET_BUFFER_LIST, u32, u32);
type CompleteFn = unsafe extern "win64" fn(usize, *mut NET_BUFFER_LIST, u32);
type ReceiveFn = unsafe extern "win64" fn(usize, *mut NET_BUFFER_LIST, u32, u32, u32);

/// The bytes of one NET_BUFFER (DataLength bytes from CurrentMdl at CurrentMdlOffset), `None`
/// when its MDL chain is shorter than its DataLength.
///
/// # Safety
/// `nb` must point to a valid NET_BUFFER whose MDLs describe readable memory.
pub unsafe fn nb_bytes(nb: *const NET_BUFFER) -> Option<Vec<u8>> {
    // SAFETY: contract.
    let nb = unsafe { nb.as_ref() }?;
    let mut left = nb.DataLength as u32 as usize;
    let mut out = Vec::with_capacity(left);
    let mut mdl: *const MDL = nb.CurrentMdl;
    let mut offset = nb.CurrentMdlOffset as usize;
    while left > 0 {
        // SAFETY: an MDL of the chain (contract).
        let m = unsafe { mdl.as_ref() }?;
        let va = (m.StartVa as usize + m.ByteOffset as usize) as *const u8;
        let count = m.ByteCount as usize;
        if offset < count {
            let n = (count - offset).min(left);
            let from = va.wrapping_add(offset);
            // SAFETY: the MDL describes `count` readable bytes at `va`; `offset + n <= count`.
            out.extend_from_slice(unsafe { core::slice::from_raw_parts(from, n) });
            left -= n;
        }
        offset = offset.saturating_sub(count);
        mdl = m.Next;
    }
    Some(out)
}

/// The frames (one per NET_BUFFER) of an NBL.
///
/// # Safety
/// `nbl` must point to a valid NBL.
pub unsafe fn nbl_frames(nbl: *const NET_BUFFER_LIST) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // SAFETY: contract.
    let mut nb = unsafe { nbl.as_ref() }
        .map_or(core::ptr::null(), |n| n.FirstNetBuffer as *const NET_BUFFER);
    while !nb.is_null() {
        // SAFETY: an NB of the NBL.
        out.push(unsafe { nb_bytes(nb) }.unwrap_or_default());
        // SAFETY: as above.
        nb = unsafe { (*nb).Next };
    }
    out
}

/// Links `nbls` into one chain (through their `Next`) and returns its head.
///
/// # Safety
/// Every entry must be a valid NBL the caller may relink.
unsafe fn link(nbls: &[usize]) -> *mut NET_BUFFER_LIST {
    for w in nbls.windows(2) {
        // SAFETY: contract.
        unsafe { (*(w[0] as *mut NET_BUFFER_LIST)).Next = w[1] as *mut NET_BUFFER_LIST };
    }
    if let Some(&last) = nbls.last() {
        // SAFETY: contract.
        unsafe { (*(last as *mut NET_BUFFER_LIST)).Next = core::ptr::null_mut() };
    }
    nbls.first()
        .map_or(core::ptr::null_mut(), |&h| h as *mut NET_BUFFER_LIST)
}

/// `NDIS_RECEIVE_FLAGS_RESOURCES`.
pub const RECEIVE_FLAGS_RESOURCES: u32 = 2;

/// After an indication with `NDIS_RECEIVE_FLAGS_RESOURCES`: the NBLs are the miniport's again
/// (TCP/IP copied any indicated up during the call); one the filter returned is a violation.
fn resources_back(filter_handle: usize, nbls: &[usize]) {
    datapath::with(filter_handle, |l| {
        for n in nbls {
            l.receives_in_filter.retain(|x| x != n);
            if l.returned_down.contains(n) {
                crate::kernel::verifier::violation(format!(
                    "NdisFReturnNetBufferLists of NBL {n:#x} indicated with NDIS_RECEIVE_FLAGS_RESOURCES"
                ));
            }
            // Indicated up with the flag: TCP/IP copied what it needed during the call.
            if l.above.contains(n) {
                l.above.retain(|x| x != n);
                l.copied_up += 1;
            }
        }
    });
}

/// An NBL returned by TCP/IP: its address and its frames as TCP/IP saw them.
pub type Returned = (usize, Vec<Vec<u8>>);

fn level(dispatch: bool) -> (u8, u32) {
    if dispatch {
        (irql::DISPATCH_LEVEL, AT_DISPATCH_LEVEL)
    } else {
        (irql::PASSIVE_LEVEL, 0)
    }
}

impl DriverHost {
    fn running(
        &self,
        filter_handle: usize,
        allowed: &[NdisState],
    ) -> Result<
        (
            usize,
            crate::abi::structs::NDIS_FILTER_DRIVER_CHARACTERISTICS,
        ),
        ModuleError,
    > {
        let m = module::get(filter_handle).ok_or(ModuleError::NoModule)?;
        if !allowed.contains(&m.state) {
            return Err(ModuleError::WrongState(m.state));
        }
        let me = self.driver_object_address();
        let d = filter_driver::registered()
            .into_iter()
            .find(|d| d.driver_object == me)
            .ok_or(ModuleError::NotRegistered)?;
        Ok((m.context, d.characteristics))
    }

    fn handler(p: *const c_void, name: &'static str) -> Result<usize, ModuleError> {
        if p.is_null() {
            Err(ModuleError::NoHandler(name))
        } else {
            Ok(p as usize)
        }
    }

    /// TCP/IP sends the chain at `head` (owned by the caller until completed back).
    ///
    /// # Safety
    /// `head` must be a valid NBL chain that stays alive and untouched until every NBL of it has
    /// been completed back.
    pub unsafe fn send(
        &mut self,
        filter_handle: usize,
        head: *mut NET_BUFFER_LIST,
        dispatch: bool,
    ) -> Result<(), ModuleError> {
        let (context, c) = self.running(
            filter_handle,
            &[NdisState::Running, NdisState::Pausing, NdisState::Paused],
        )?;
        let f = Self::handler(c.SendNetBufferListsHandler, "SendNetBufferListsHandler")?;
        // SAFETY: contract.
        let nbls = unsafe { datapath::chain(head, 1 << 20) };
        datapath::with(filter_handle, |l| l.sends_in_filter.extend(&nbls));
        let (irql_level, flags) = level(dispatch);
        // SAFETY: the driver's FILTER_SEND_NET_BUFFER_LISTS routine.
        let f: SendFn = unsafe { core::mem::transmute::<usize, SendFn>(f) };
        irql::set(irql_level);
        // SAFETY: the module context from NdisFSetAttributes; the chain per the contract.
        crate::stack::measure("FilterSendNetBufferLists", || unsafe {
            f(context, head, 0, flags)
        });
        self.after_callback("FilterSendNetBufferLists", irql_level);
        irql::set(irql::PASSIVE_LEVEL);
        Ok(())
    }

    /// The miniport below completes everything the filter sent down with `status`; returns the
    /// frames of each NBL (read before completion).
    pub fn complete_below(
        &mut self,
        filter_handle: usize,
        status: i32,
        dispatch: bool,
    ) -> Result<Vec<Vec<Vec<u8>>>, ModuleError> {
        let (context, c) = self.running(
            filter_handle,
            &[NdisState::Running, NdisState::Pausing, NdisState::Paused],
        )?;
        let f = Self::handler(
            c.SendNetBufferListsCompleteHandler,
            "SendNetBufferListsCompleteHandler",
        )?;
        let below =
            datapath::with(filter_handle, |l| core::mem::take(&mut l.below)).unwrap_or_default();
        if below.is_empty() {
            return Ok(Vec::new());
        }
        let mut frames = Vec::new();
        for &n in &below {
            // SAFETY: NBLs the filter sent down are valid until completed.
            frames.push(unsafe { nbl_frames(n as *const NET_BUFFER_LIST) });
            // SAFETY: as above; the miniport sets the completion status.
            unsafe { (*(n as *mut NET_BUFFER_LIST)).Status = status };
        }
        // SAFETY: the miniport owns these NBLs until it completes them and may relink them.
        let head = unsafe { link(&below) };
        let (irql_level, flags) = level(dispatch);
        // SAFETY: the driver's FILTER_SEND_NET_BUFFER_LISTS_COMPLETE routine.
        let f: CompleteFn = unsafe { core::mem::transmute::<usize, CompleteFn>(f) };
        irql::set(irql_level);
        // SAFETY: the chain is the filter's own NBLs, given back.
        crate::stack::measure("FilterSendNetBufferListsComplete", || unsafe {
            f(context, head, flags)
        });
        self.after_callback("FilterSendNetBufferListsComplete", irql_level);
        irql::set(irql::PASSIVE_LEVEL);
        Ok(frames)
    }

    /// The miniport indicates the chain at `head` (`count` NBLs) into the filter.
    ///
    /// # Safety
    /// `head` must be a valid chain of `count` NBLs that stays alive until returned.
    pub unsafe fn receive(
        &mut self,
        filter_handle: usize,
        head: *mut NET_BUFFER_LIST,
        count: u32,
        dispatch: bool,
    ) -> Result<(), ModuleError> {
        // SAFETY: contract.
        unsafe { self.receive_flagged(filter_handle, head, count, dispatch, 0) }
    }

    /// [`DriverHost::receive`] with the receive flags `extra` besides the DISPATCH_LEVEL one:
    /// with `NDIS_RECEIVE_FLAGS_RESOURCES` (2) the chain is the miniport's again when the call
    /// returns (the filter must not return it, nor keep it indicated above).
    ///
    /// # Safety
    /// As for [`DriverHost::receive`].
    pub unsafe fn receive_flagged(
        &mut self,
        filter_handle: usize,
        head: *mut NET_BUFFER_LIST,
        count: u32,
        dispatch: bool,
        extra: u32,
    ) -> Result<(), ModuleError> {
        let (context, c) =
            self.running(filter_handle, &[NdisState::Running, NdisState::Pausing])?;
        let f = Self::handler(
            c.ReceiveNetBufferListsHandler,
            "ReceiveNetBufferListsHandler",
        )?;
        // SAFETY: contract.
        let nbls = unsafe { datapath::chain(head, 1 << 20) };
        datapath::with(filter_handle, |l| l.receives_in_filter.extend(&nbls));
        let (irql_level, flags) = level(dispatch);
        // SAFETY: the driver's FILTER_RECEIVE_NET_BUFFER_LISTS routine.
        let f: ReceiveFn = unsafe { core::mem::transmute::<usize, ReceiveFn>(f) };
        irql::set(irql_level);
        // SAFETY: the module context; the chain per the contract.
        crate::stack::measure("FilterReceiveNetBufferLists", || unsafe {
            f(context, head, 0, count, flags | extra)
        });
        self.after_callback("FilterReceiveNetBufferLists", irql_level);
        irql::set(irql::PASSIVE_LEVEL);
        if extra & RECEIVE_FLAGS_RESOURCES != 0 {
            resources_back(filter_handle, &nbls);
        }
        Ok(())
    }

    /// TCP/IP returns everything the filter indicated up; returns each NBL's address and frames
    /// (read before the return).
    pub fn return_above(
        &mut self,
        filter_handle: usize,
        dispatch: bool,
    ) -> Result<Vec<Returned>, ModuleError> {
        let (context, c) = self.running(
            filter_handle,
            &[NdisState::Running, NdisState::Pausing, NdisState::Paused],
        )?;
        let f = Self::handler(c.ReturnNetBufferListsHandler, "ReturnNetBufferListsHandler")?;
        let above =
            datapath::with(filter_handle, |l| core::mem::take(&mut l.above)).unwrap_or_default();
        if above.is_empty() {
            return Ok(Vec::new());
        }
        // SAFETY: NBLs indicated up are valid until returned.
        let got = above
            .iter()
            .map(|&n| (n, unsafe { nbl_frames(n as *const NET_BUFFER_LIST) }))
            .collect();
        // SAFETY: TCP/IP owns the indicated NBLs until it returns them and may relink them.
        let head = unsafe { link(&above) };
        let (irql_level, flags) = level(dispatch);
        // SAFETY: the driver's FILTER_RETURN_NET_BUFFER_LISTS routine.
        let f: CompleteFn = unsafe { core::mem::transmute::<usize, CompleteFn>(f) };
        irql::set(irql_level);
        // SAFETY: the chain is what the filter indicated, given back.
        crate::stack::measure("FilterReturnNetBufferLists", || unsafe {
            f(context, head, flags)
        });
        self.after_callback("FilterReturnNetBufferLists", irql_level);
        irql::set(irql::PASSIVE_LEVEL);
        Ok(got)
    }
}
