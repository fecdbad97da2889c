//! NBL ownership between the host (the protocol above, the miniport below) and a filter module:
//! every NBL the host sends into the filter must come back through
//! `NdisFSendNetBufferListsComplete` exactly once, every NBL the filter sends down is held by the
//! miniport below until the host completes it, every NBL the host indicates into the filter must
//! come back through `NdisFReturnNetBufferLists` exactly once, and every NBL the filter indicates
//! up is held by the protocol until the host returns it. Anything else (a double give-back, an NBL
//! the host never handed over, an indication count that does not match the chain) is a violation.

use std::collections::HashMap;
use std::sync::Mutex;

use super::irql::{self, at_most, DISPATCH_LEVEL};
use super::verifier::violation;
use crate::abi::structs::NET_BUFFER_LIST;

/// `NDIS_SEND_FLAGS_DISPATCH_LEVEL` and its receive/return/complete counterparts (all 1).
pub const AT_DISPATCH_LEVEL: u32 = 1;

/// Bytes of an NBL poisoned when the filter gives it back (links, context, pool, reserved
/// areas, flags and status; the info slots from 0x90 stay for TCP/IP and the miniport to read).
pub const POISONED_HEADER: usize = 0x90;
/// The poison: a non-canonical address in every pointer field, so that a driver touching an
/// NBL after giving it back faults (reported with its function and offset).
pub const POISON: u8 = 0xDD;

/// Poisons the header of an NBL the host owns again.
///
/// # Safety
/// `nbl` must be a valid NBL owned by the host, no longer used through its header.
unsafe fn poison(nbl: usize) {
    // SAFETY: contract; the header is plain data.
    unsafe { (nbl as *mut u8).write_bytes(POISON, POISONED_HEADER) };
}

/// Per-module ledger.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    /// NBLs sent into the filter, not yet completed back.
    pub sends_in_filter: Vec<usize>,
    /// Send completions (NBL, status) the filter gave back up.
    pub completed_up: Vec<(usize, i32)>,
    /// NBLs the filter sent down, held below.
    pub below: Vec<usize>,
    /// NBLs indicated into the filter, not yet returned.
    pub receives_in_filter: Vec<usize>,
    /// NBLs the filter returned down.
    pub returned_down: Vec<usize>,
    /// NBLs the filter indicated up, held above.
    pub above: Vec<usize>,
    /// NBLs of indications with `NDIS_RECEIVE_FLAGS_RESOURCES` the filter indicated up (TCP/IP
    /// copied them during the call).
    pub copied_up: usize,
}

static LEDGERS: Mutex<Option<HashMap<usize, Ledger>>> = Mutex::new(None);

/// Runs `f` on the ledger of `filter_handle`.
pub fn with<T>(filter_handle: usize, f: impl FnOnce(&mut Ledger) -> T) -> Option<T> {
    let mut l = LEDGERS.lock().ok()?;
    Some(f(l
        .get_or_insert_with(HashMap::new)
        .entry(filter_handle)
        .or_default()))
}

/// Removes the ledger of a module (at detach).
pub fn forget(filter_handle: usize) -> Option<Ledger> {
    LEDGERS.lock().ok()?.as_mut()?.remove(&filter_handle)
}

/// The `Next` link of an NBL the host poisoned ([`POISON`] in every byte).
const POISONED_LINK: usize = usize::from_ne_bytes([POISON; core::mem::size_of::<usize>()]);

/// The NBLs of the chain starting at `head`, in order (at most `limit`, against a cycle). A
/// poisoned `Next` ends the chain: the NBL holding it was given back already, and a driver
/// handing it over again (a double return or completion) is reported by the ledger instead of
/// crashing the host on the non-canonical link.
///
/// # Safety
/// `head` must be NULL or the first NBL of a valid chain (or an NBL the host poisoned).
pub unsafe fn chain(head: *mut NET_BUFFER_LIST, limit: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut p = head;
    while !p.is_null() && p as usize != POISONED_LINK && out.len() < limit {
        out.push(p as usize);
        // SAFETY: `p` is an NBL of the chain (contract), or a poisoned one: its memory is the
        // host's and still mapped, only its contents are poison.
        p = unsafe { (*p).Next };
    }
    out
}

fn flag_irql(import: &str, flags: u32) {
    at_most(import, DISPATCH_LEVEL);
    let at_dispatch = irql::current() == DISPATCH_LEVEL;
    if (flags & AT_DISPATCH_LEVEL != 0) != at_dispatch {
        violation(format!(
            "{import}: the DISPATCH_LEVEL flag says {} but the IRQL is {}",
            flags & AT_DISPATCH_LEVEL,
            irql::current()
        ));
    }
}

/// `VOID NdisFSendNetBufferLists(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST NetBufferList,
/// NDIS_PORT_NUMBER PortNumber, ULONG SendFlags)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_f_send_net_buffer_lists(
    filter_handle: usize,
    nbl: *mut NET_BUFFER_LIST,
    _port: u32,
    flags: u32,
) {
    flag_irql("NdisFSendNetBufferLists", flags);
    // SAFETY: the driver passes a chain it owns.
    let nbls = unsafe { chain(nbl, 1 << 20) };
    if nbls.is_empty() {
        violation("NdisFSendNetBufferLists: empty chain".to_owned());
    }
    with(filter_handle, |l| {
        for n in nbls {
            if l.below.contains(&n) {
                violation(format!(
                    "NdisFSendNetBufferLists: NBL {n:#x} sent down twice"
                ));
            } else {
                l.below.push(n);
            }
        }
    });
}

/// `VOID NdisFSendNetBufferListsComplete(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST
/// NetBufferList, ULONG SendCompleteFlags)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_f_send_net_buffer_lists_complete(
    filter_handle: usize,
    nbl: *mut NET_BUFFER_LIST,
    flags: u32,
) {
    flag_irql("NdisFSendNetBufferListsComplete", flags);
    // SAFETY: the driver passes a chain it gives back.
    let nbls = unsafe { chain(nbl, 1 << 20) };
    with(filter_handle, |l| {
        for n in nbls {
            match l.sends_in_filter.iter().position(|&x| x == n) {
                Some(i) => {
                    l.sends_in_filter.remove(i);
                    // SAFETY: `n` is an NBL the host sent into the filter (still alive).
                    let status = unsafe { (*(n as *mut NET_BUFFER_LIST)).Status };
                    l.completed_up.push((n, status));
                    // SAFETY: the NBL is the host's again; nothing reads its header after this.
                    unsafe { poison(n) };
                }
                None if l.completed_up.iter().any(|c| c.0 == n) => violation(format!(
                    "NdisFSendNetBufferListsComplete: NBL {n:#x} completed twice"
                )),
                None => violation(format!(
                    "NdisFSendNetBufferListsComplete: NBL {n:#x} was not sent into this filter"
                )),
            }
        }
    });
}

/// `VOID NdisFIndicateReceiveNetBufferLists(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST
/// NetBufferLists, NDIS_PORT_NUMBER PortNumber, ULONG NumberOfNetBufferLists, ULONG
/// ReceiveFlags)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_f_indicate_receive_net_buffer_lists(
    filter_handle: usize,
    nbl: *mut NET_BUFFER_LIST,
    _port: u32,
    count: u32,
    flags: u32,
) {
    flag_irql("NdisFIndicateReceiveNetBufferLists", flags);
    // SAFETY: the driver passes a chain it indicates.
    let nbls = unsafe { chain(nbl, 1 << 20) };
    if nbls.len() != count as usize {
        violation(format!(
            "NdisFIndicateReceiveNetBufferLists: NumberOfNetBufferLists {count}, chain of {}",
            nbls.len()
        ));
    }
    with(filter_handle, |l| {
        for n in nbls {
            if l.above.contains(&n) {
                violation(format!(
                    "NdisFIndicateReceiveNetBufferLists: NBL {n:#x} indicated twice"
                ));
            } else {
                l.above.push(n);
            }
        }
    });
}

/// `VOID NdisFReturnNetBufferLists(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST
/// NetBufferLists, ULONG ReturnFlags)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_f_return_net_buffer_lists(
    filter_handle: usize,
    nbl: *mut NET_BUFFER_LIST,
    flags: u32,
) {
    flag_irql("NdisFReturnNetBufferLists", flags);
    // SAFETY: the driver passes a chain it gives back.
    let nbls = unsafe { chain(nbl, 1 << 20) };
    with(filter_handle, |l| {
        for n in nbls {
            match l.receives_in_filter.iter().position(|&x| x == n) {
                Some(i) => {
                    l.receives_in_filter.remove(i);
                    l.returned_down.push(n);
                    // SAFETY: the NBL is the host's again; nothing reads its header after this.
                    unsafe { poison(n) };
                }
                None if l.returned_down.contains(&n) => violation(format!(
                    "NdisFReturnNetBufferLists: NBL {n:#x} returned twice"
                )),
                None => violation(format!(
                    "NdisFReturnNetBufferLists: NBL {n:#x} was not indicated into this filter"
                )),
            }
        }
    });
}

/// `NDIS_STATUS NdisCopySendNetBufferListInfo(PNET_BUFFER_LIST DestNetBufferList,
/// PNET_BUFFER_LIST SrcNetBufferList)` — ≤ DISPATCH_LEVEL: the send information of the source
/// (its `NetBufferListInfo` slots) copied into the destination.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_copy_send_net_buffer_list_info(
    dest: *mut NET_BUFFER_LIST,
    src: *const NET_BUFFER_LIST,
) -> i32 {
    at_most("NdisCopySendNetBufferListInfo", DISPATCH_LEVEL);
    if dest.is_null() || src.is_null() || core::ptr::eq(dest, src) {
        violation("NdisCopySendNetBufferListInfo: NULL or identical NBLs".to_owned());
        return super::status::NDIS_STATUS_INVALID_PARAMETER;
    }
    // SAFETY: two distinct, valid NBLs (contract); the slots are plain pointer-sized values.
    let info = unsafe { (*src).NetBufferListInfo };
    // SAFETY: as above.
    unsafe { (*dest).NetBufferListInfo = info };
    super::status::NDIS_STATUS_SUCCESS
}
