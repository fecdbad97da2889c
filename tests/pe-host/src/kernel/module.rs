//! Filter modules as NDIS sees them: each attach gets an `NdisFilterHandle` and a record of the
//! module's NDIS-side state, its keywords (the per-adapter registry dictionary the test sets),
//! the context the driver registers with `NdisFSetAttributes`, the status indications it makes
//! and its pause completions. Imports called out of order (attributes after attach, a pause
//! completed twice or while not pausing, an indication from a detached module) are violations.

use core::ffi::c_void;
use std::sync::Mutex;

use super::irql::{at_most, exactly, DISPATCH_LEVEL, PASSIVE_LEVEL};
use super::status::*;
use super::verifier::violation;
use crate::abi::structs::{NDIS_FILTER_ATTRIBUTES, NDIS_STATUS_INDICATION};

/// `NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES`.
pub const NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES: u8 = 0x8D;
/// `NDIS_OBJECT_TYPE_STATUS_INDICATION`.
pub const NDIS_OBJECT_TYPE_STATUS_INDICATION: u8 = 0x98;

/// NDIS's view of a module's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdisState {
    /// FilterAttach is running.
    Attaching,
    /// Attached (or paused) and not running.
    Paused,
    /// FilterRestart is running.
    Restarting,
    /// Restarted: traffic and OIDs flow.
    Running,
    /// FilterPause returned NDIS_STATUS_PENDING: NdisFPauseComplete is due.
    Pausing,
    /// FilterDetach has run.
    Detached,
}

/// A status indication the driver made (`NdisFIndicateStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indication {
    /// `StatusCode`.
    pub status: i32,
    /// `StatusBuffer`, copied.
    pub buffer: Vec<u8>,
}

/// One filter module.
#[derive(Debug, Clone)]
pub struct ModuleRecord {
    /// `NdisFilterHandle` given to FilterAttach.
    pub filter_handle: usize,
    /// The filter driver's handle.
    pub driver_handle: usize,
    /// Where NDIS's state machine is.
    pub state: NdisState,
    /// FilterModuleContext from NdisFSetAttributes (0 until set).
    pub context: usize,
    /// The adapter's keywords served by `NdisReadConfiguration`.
    pub keywords: Vec<(String, u32)>,
    /// Every status indication, in order.
    pub indications: Vec<Indication>,
    /// How many times `NdisFPauseComplete` was called.
    pub pause_completions: u32,
}

static MODULES: Mutex<Vec<ModuleRecord>> = Mutex::new(Vec::new());
static NEXT_HANDLE: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(0x4d4f_0000);

/// Creates the record of a module about to be attached.
pub fn create(driver_handle: usize, keywords: Vec<(String, u32)>) -> usize {
    let filter_handle = NEXT_HANDLE.fetch_add(0x100, core::sync::atomic::Ordering::Relaxed);
    if let Ok(mut m) = MODULES.lock() {
        m.push(ModuleRecord {
            filter_handle,
            driver_handle,
            state: NdisState::Attaching,
            context: 0,
            keywords,
            indications: Vec::new(),
            pause_completions: 0,
        });
    }
    filter_handle
}

/// Runs `f` on the record of `filter_handle`.
pub fn with<T>(filter_handle: usize, f: impl FnOnce(&mut ModuleRecord) -> T) -> Option<T> {
    let mut m = MODULES.lock().ok()?;
    m.iter_mut()
        .find(|r| r.filter_handle == filter_handle)
        .map(f)
}

/// A copy of the record of `filter_handle`.
pub fn get(filter_handle: usize) -> Option<ModuleRecord> {
    with(filter_handle, |r| r.clone())
}

/// Removes the record (after detach, or a failed attach).
pub fn remove(filter_handle: usize) {
    if let Ok(mut m) = MODULES.lock() {
        m.retain(|r| r.filter_handle != filter_handle);
    }
}

/// Records of modules not detached.
pub fn live() -> Vec<ModuleRecord> {
    MODULES
        .lock()
        .map(|m| {
            m.iter()
                .filter(|r| r.state != NdisState::Detached)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// `NDIS_STATUS NdisFSetAttributes(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE
/// FilterModuleContext, PNDIS_FILTER_ATTRIBUTES FilterAttributes)` — PASSIVE_LEVEL, from
/// FilterAttach only.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_f_set_attributes(
    filter_handle: usize,
    context: *mut c_void,
    attributes: *const NDIS_FILTER_ATTRIBUTES,
) -> i32 {
    exactly("NdisFSetAttributes", PASSIVE_LEVEL);
    // SAFETY: the driver's attributes structure or NULL.
    let Some(a) = (unsafe { attributes.as_ref() }) else {
        violation("NdisFSetAttributes: NULL attributes".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    if a.Header.Type != NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES
        || a.Header.Revision != 1
        || a.Header.Size < 8
    {
        violation(format!("NdisFSetAttributes: bad header {:?}", a.Header));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    if context.is_null() {
        violation("NdisFSetAttributes: NULL FilterModuleContext".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    let outcome = with(filter_handle, |r| {
        if r.state != NdisState::Attaching {
            return Err(format!(
                "NdisFSetAttributes outside FilterAttach (module {:?})",
                r.state
            ));
        }
        if r.context != 0 {
            return Err("NdisFSetAttributes called twice".to_owned());
        }
        r.context = context as usize;
        Ok(())
    });
    match outcome {
        Some(Ok(())) => NDIS_STATUS_SUCCESS,
        Some(Err(e)) => {
            violation(e);
            NDIS_STATUS_FAILURE
        }
        None => {
            violation(format!(
                "NdisFSetAttributes: {filter_handle:#x} is not a filter module handle"
            ));
            NDIS_STATUS_INVALID_PARAMETER
        }
    }
}

/// `VOID NdisFIndicateStatus(NDIS_HANDLE NdisFilterHandle, PNDIS_STATUS_INDICATION
/// StatusIndication)` — ≤ DISPATCH_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_f_indicate_status(
    filter_handle: usize,
    indication: *const NDIS_STATUS_INDICATION,
) {
    at_most("NdisFIndicateStatus", DISPATCH_LEVEL);
    // SAFETY: the driver's indication or NULL.
    let Some(s) = (unsafe { indication.as_ref() }) else {
        violation("NdisFIndicateStatus: NULL indication".to_owned());
        return;
    };
    if s.Header.Type != NDIS_OBJECT_TYPE_STATUS_INDICATION
        || s.Header.Revision != 1
        || s.Header.Size < 0x70
    {
        violation(format!("NdisFIndicateStatus: bad header {:?}", s.Header));
        return;
    }
    // A filter originating an indication names itself; one passing on the miniport's keeps its
    // SourceHandle (NdisFIndicateStatus with the structure FilterStatus received).
    if s.SourceHandle as usize != filter_handle
        && s.SourceHandle as usize != crate::events::MINIPORT_HANDLE
    {
        violation(format!(
            "NdisFIndicateStatus: SourceHandle {:p} is not the filter handle {filter_handle:#x}",
            s.SourceHandle
        ));
    }
    let buffer = if s.StatusBuffer.is_null() || s.StatusBufferSize == 0 {
        Vec::new()
    } else {
        // SAFETY: StatusBuffer holds StatusBufferSize bytes for the duration of the call.
        unsafe {
            core::slice::from_raw_parts(s.StatusBuffer.cast::<u8>(), s.StatusBufferSize as usize)
        }
        .to_vec()
    };
    let ok = with(filter_handle, |r| {
        if matches!(r.state, NdisState::Detached | NdisState::Attaching) {
            return Err(format!(
                "NdisFIndicateStatus from a module in state {:?}",
                r.state
            ));
        }
        r.indications.push(Indication {
            status: s.StatusCode,
            buffer,
        });
        Ok(())
    });
    match ok {
        Some(Ok(())) => {}
        Some(Err(e)) => violation(e),
        None => violation(format!(
            "NdisFIndicateStatus: {filter_handle:#x} is not a filter module handle"
        )),
    }
}

/// `VOID NdisFPauseComplete(NDIS_HANDLE NdisFilterHandle)` — ≤ DISPATCH_LEVEL, once per pending
/// pause.
pub extern "win64" fn ndis_f_pause_complete(filter_handle: usize) {
    at_most("NdisFPauseComplete", DISPATCH_LEVEL);
    let ok = with(filter_handle, |r| {
        if r.state != NdisState::Pausing {
            return Err(format!(
                "NdisFPauseComplete while the module is {:?} (no pause pending)",
                r.state
            ));
        }
        r.state = NdisState::Paused;
        r.pause_completions += 1;
        Ok(())
    });
    let held = super::datapath::with(filter_handle, |l| {
        l.sends_in_filter.len() + l.receives_in_filter.len()
    })
    .unwrap_or(0);
    if held != 0 {
        violation(format!(
            "NdisFPauseComplete with {held} NBL(s) still in the filter"
        ));
    }
    match ok {
        Some(Ok(())) => {}
        Some(Err(e)) => violation(e),
        None => violation(format!(
            "NdisFPauseComplete: {filter_handle:#x} is not a filter module handle"
        )),
    }
}
