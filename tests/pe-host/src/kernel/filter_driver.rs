//! `NdisFRegisterFilterDriver` / `NdisFDeregisterFilterDriver`: the registration keeps the
//! characteristics (every callback) and the names, as NDIS does, for the host to attach modules
//! and call the callbacks later.

use core::ffi::c_void;
use std::sync::Mutex;

use super::irql::{exactly, PASSIVE_LEVEL};
use super::status::*;
use super::verifier::violation;
use super::{image, strings};
use crate::abi::structs::{DRIVER_OBJECT, NDIS_FILTER_DRIVER_CHARACTERISTICS};

/// `NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS`.
pub const NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS: u8 = 0x8B;
/// (revision, minimum Size) of the characteristics.
const REVISIONS: [(u8, u16); 3] = [(1, 0xC8), (2, 0xE0), (3, 0xF0)];

/// One registered filter driver.
#[derive(Debug, Clone)]
pub struct FilterDriver {
    /// The `NDIS_HANDLE` returned to the driver.
    pub handle: usize,
    /// The `DRIVER_OBJECT` passed at registration.
    pub driver_object: usize,
    /// The driver's `FilterDriverContext`.
    pub driver_context: usize,
    /// The characteristics, copied at registration.
    pub characteristics: NDIS_FILTER_DRIVER_CHARACTERISTICS,
    /// `FriendlyName`.
    pub friendly_name: String,
    /// `UniqueName` (the filter's GUID).
    pub unique_name: String,
    /// `ServiceName`.
    pub service_name: String,
}

// SAFETY: the raw pointers inside are addresses of the driver's code and static data, only
// compared and called by the host.
unsafe impl Send for FilterDriver {}

static DRIVERS: Mutex<Vec<FilterDriver>> = Mutex::new(Vec::new());
static NEXT_HANDLE: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(0x4e44_0000);

/// The registrations live now.
pub fn registered() -> Vec<FilterDriver> {
    DRIVERS.lock().map(|d| d.clone()).unwrap_or_default()
}

/// Whether `handle` is a live filter driver handle.
pub fn is_registered(handle: usize) -> bool {
    DRIVERS
        .lock()
        .map(|d| d.iter().any(|f| f.handle == handle))
        .unwrap_or(false)
}

fn check_handlers(c: &NDIS_FILTER_DRIVER_CHARACTERISTICS, revision: u8) -> Result<(), String> {
    let mut all: Vec<(&str, *const c_void)> = vec![
        ("SetOptionsHandler", c.SetOptionsHandler),
        (
            "SetFilterModuleOptionsHandler",
            c.SetFilterModuleOptionsHandler,
        ),
        ("AttachHandler", c.AttachHandler),
        ("DetachHandler", c.DetachHandler),
        ("RestartHandler", c.RestartHandler),
        ("PauseHandler", c.PauseHandler),
        ("SendNetBufferListsHandler", c.SendNetBufferListsHandler),
        (
            "SendNetBufferListsCompleteHandler",
            c.SendNetBufferListsCompleteHandler,
        ),
        (
            "CancelSendNetBufferListsHandler",
            c.CancelSendNetBufferListsHandler,
        ),
        (
            "ReceiveNetBufferListsHandler",
            c.ReceiveNetBufferListsHandler,
        ),
        ("ReturnNetBufferListsHandler", c.ReturnNetBufferListsHandler),
        ("OidRequestHandler", c.OidRequestHandler),
        ("OidRequestCompleteHandler", c.OidRequestCompleteHandler),
        ("CancelOidRequestHandler", c.CancelOidRequestHandler),
        ("DevicePnPEventNotifyHandler", c.DevicePnPEventNotifyHandler),
        ("NetPnPEventHandler", c.NetPnPEventHandler),
        ("StatusHandler", c.StatusHandler),
    ];
    if revision >= 2 {
        all.push(("DirectOidRequestHandler", c.DirectOidRequestHandler));
        all.push((
            "DirectOidRequestCompleteHandler",
            c.DirectOidRequestCompleteHandler,
        ));
        all.push((
            "CancelDirectOidRequestHandler",
            c.CancelDirectOidRequestHandler,
        ));
    }
    if revision >= 3 {
        all.push((
            "SynchronousOidRequestHandler",
            c.SynchronousOidRequestHandler,
        ));
        all.push((
            "SynchronousOidRequestCompleteHandler",
            c.SynchronousOidRequestCompleteHandler,
        ));
    }
    for (name, p) in &all {
        if !p.is_null() && !image::contains(*p as usize) {
            return Err(format!("{name} {p:p} is outside the driver image"));
        }
    }
    // NDIS requires these four of every filter.
    for (name, p) in &all[2..6] {
        if p.is_null() {
            return Err(format!("mandatory {name} is NULL"));
        }
    }
    // Direct OID handlers come as a set.
    if revision >= 2 {
        let direct = [
            c.DirectOidRequestHandler,
            c.DirectOidRequestCompleteHandler,
            c.CancelDirectOidRequestHandler,
        ];
        if direct.iter().any(|p| p.is_null()) && direct.iter().any(|p| !p.is_null()) {
            return Err("direct OID handlers only partly set".to_owned());
        }
    }
    Ok(())
}

/// `NDIS_STATUS NdisFRegisterFilterDriver(PDRIVER_OBJECT DriverObject, NDIS_HANDLE
/// FilterDriverContext, PNDIS_FILTER_DRIVER_CHARACTERISTICS FilterDriverCharacteristics,
/// PNDIS_HANDLE NdisFilterDriverHandle)` — PASSIVE_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_f_register_filter_driver(
    driver_object: *mut DRIVER_OBJECT,
    driver_context: *mut c_void,
    characteristics: *const NDIS_FILTER_DRIVER_CHARACTERISTICS,
    handle_out: *mut usize,
) -> i32 {
    exactly("NdisFRegisterFilterDriver", PASSIVE_LEVEL);
    if driver_object.is_null() || characteristics.is_null() || handle_out.is_null() {
        violation("NdisFRegisterFilterDriver: NULL argument".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the driver passes its characteristics structure (checked non-NULL).
    let c = unsafe { *characteristics };
    let revision_ok = REVISIONS
        .iter()
        .find(|(r, _)| *r == c.Header.Revision)
        .is_some_and(|(_, size)| c.Header.Size >= *size);
    if c.Header.Type != NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS || !revision_ok {
        violation(format!(
            "NdisFRegisterFilterDriver: bad characteristics header {:?}",
            c.Header
        ));
        return NDIS_STATUS_BAD_CHARACTERISTICS;
    }
    if c.MajorNdisVersion != 6 || !(0x14..=0x59).contains(&c.MinorNdisVersion) {
        violation(format!(
            "NdisFRegisterFilterDriver: NDIS version {}.{} not supported",
            c.MajorNdisVersion, c.MinorNdisVersion
        ));
        return NDIS_STATUS_BAD_VERSION;
    }
    if let Err(e) = check_handlers(&c, c.Header.Revision) {
        violation(format!("NdisFRegisterFilterDriver: {e}"));
        return NDIS_STATUS_BAD_CHARACTERISTICS;
    }
    // SAFETY: FriendlyName is a UNICODE_STRING of the driver's (buffer checked for NULL).
    let friendly = unsafe { strings::read(&c.FriendlyName) };
    // SAFETY: as above.
    let unique = unsafe { strings::read(&c.UniqueName) };
    // SAFETY: as above.
    let service = unsafe { strings::read(&c.ServiceName) };
    let names = (friendly, unique, service);
    let (Some(friendly_name), Some(unique_name), Some(service_name)) = names else {
        violation("NdisFRegisterFilterDriver: a name string is missing or malformed".to_owned());
        return NDIS_STATUS_BAD_CHARACTERISTICS;
    };
    if super::lowres::fail("NdisFRegisterFilterDriver") {
        return NDIS_STATUS_RESOURCES;
    }
    let Ok(mut drivers) = DRIVERS.lock() else {
        return NDIS_STATUS_FAILURE;
    };
    if drivers
        .iter()
        .any(|d| d.driver_object == driver_object as usize)
    {
        violation("NdisFRegisterFilterDriver: the driver object is already registered".to_owned());
        return NDIS_STATUS_FAILURE;
    }
    let handle = NEXT_HANDLE.fetch_add(0x100, core::sync::atomic::Ordering::Relaxed);
    drivers.push(FilterDriver {
        handle,
        driver_object: driver_object as usize,
        driver_context: driver_context as usize,
        characteristics: c,
        friendly_name,
        unique_name,
        service_name,
    });
    // SAFETY: checked non-NULL; the driver's out-parameter.
    unsafe { handle_out.write(handle) };
    NDIS_STATUS_SUCCESS
}

/// `VOID NdisFDeregisterFilterDriver(NDIS_HANDLE NdisFilterDriverHandle)` — PASSIVE_LEVEL.
pub extern "win64" fn ndis_f_deregister_filter_driver(handle: usize) {
    exactly("NdisFDeregisterFilterDriver", PASSIVE_LEVEL);
    let Ok(mut drivers) = DRIVERS.lock() else {
        return;
    };
    match drivers.iter().position(|d| d.handle == handle) {
        Some(i) => {
            drivers.remove(i);
        }
        None => violation(format!(
            "NdisFDeregisterFilterDriver: {handle:#x} is not a registered filter driver"
        )),
    }
}
