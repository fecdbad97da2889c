//! What a filter passes down unchanged: send cancellations, OID request cancellations, network
//! and device PnP events. The miniport below records each (the host's tests check that what went
//! down is what came in) and answers PnP events with success.

use core::ffi::c_void;
use std::sync::Mutex;

use super::irql::{at_most, exactly, DISPATCH_LEVEL, PASSIVE_LEVEL};
use super::status::NDIS_STATUS_SUCCESS;
use super::verifier::violation;

/// One thing passed down: (filter handle, what, the pointer or id passed).
pub type Forwarded = (usize, &'static str, usize);

static FORWARDED: Mutex<Vec<Forwarded>> = Mutex::new(Vec::new());

/// Takes everything passed down so far.
pub fn take() -> Vec<Forwarded> {
    FORWARDED
        .lock()
        .map(|mut f| core::mem::take(&mut *f))
        .unwrap_or_default()
}

fn record(filter_handle: usize, what: &'static str, value: usize) {
    if super::module::get(filter_handle).is_none() {
        violation(format!(
            "{what}: {filter_handle:#x} is not a filter module handle"
        ));
    }
    if let Ok(mut f) = FORWARDED.lock() {
        f.push((filter_handle, what, value));
    }
}

/// `VOID NdisFCancelSendNetBufferLists(NDIS_HANDLE NdisFilterHandle, PVOID CancelId)` —
/// ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_f_cancel_send_net_buffer_lists(
    filter_handle: usize,
    cancel_id: *mut c_void,
) {
    at_most("NdisFCancelSendNetBufferLists", DISPATCH_LEVEL);
    record(
        filter_handle,
        "NdisFCancelSendNetBufferLists",
        cancel_id as usize,
    );
}

/// `VOID NdisFCancelOidRequest(NDIS_HANDLE NdisFilterHandle, PVOID RequestId)` —
/// ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_f_cancel_oid_request(filter_handle: usize, request_id: *mut c_void) {
    at_most("NdisFCancelOidRequest", DISPATCH_LEVEL);
    record(filter_handle, "NdisFCancelOidRequest", request_id as usize);
}

/// `VOID NdisFCancelDirectOidRequest(NDIS_HANDLE NdisFilterHandle, PVOID RequestId)` —
/// ≤ DISPATCH_LEVEL.
pub extern "win64" fn ndis_f_cancel_direct_oid_request(
    filter_handle: usize,
    request_id: *mut c_void,
) {
    at_most("NdisFCancelDirectOidRequest", DISPATCH_LEVEL);
    record(
        filter_handle,
        "NdisFCancelDirectOidRequest",
        request_id as usize,
    );
}

/// `NDIS_STATUS NdisFNetPnPEvent(NDIS_HANDLE NdisFilterHandle, PNET_PNP_EVENT_NOTIFICATION
/// NetPnPEventNotification)` — PASSIVE_LEVEL.
pub extern "win64" fn ndis_f_net_pnp_event(filter_handle: usize, notification: *mut c_void) -> i32 {
    exactly("NdisFNetPnPEvent", PASSIVE_LEVEL);
    if notification.is_null() {
        violation("NdisFNetPnPEvent: NULL notification".to_owned());
    }
    record(filter_handle, "NdisFNetPnPEvent", notification as usize);
    NDIS_STATUS_SUCCESS
}

/// `VOID NdisFDevicePnPEventNotify(NDIS_HANDLE NdisFilterHandle, PNET_DEVICE_PNP_EVENT
/// NetDevicePnPEvent)` — PASSIVE_LEVEL.
pub extern "win64" fn ndis_f_device_pnp_event_notify(filter_handle: usize, event: *mut c_void) {
    exactly("NdisFDevicePnPEventNotify", PASSIVE_LEVEL);
    if event.is_null() {
        violation("NdisFDevicePnPEventNotify: NULL event".to_owned());
    }
    record(filter_handle, "NdisFDevicePnPEventNotify", event as usize);
}
