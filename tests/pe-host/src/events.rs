//! Events that reach a module of the loaded driver from outside the data path: status
//! indications from the miniport below (`FilterStatus`), cancellations from above
//! (`FilterCancelSendNetBufferLists`, `FilterCancel(Direct)OidRequest`) and PnP events
//! (`FilterNetPnPEvent`, `FilterDevicePnPEventNotify`), each delivered at the level NDIS uses.

use core::ffi::c_void;

use crate::abi::structs::{NDIS_OBJECT_HEADER, NDIS_STATUS_INDICATION};
use crate::driver::DriverHost;
use crate::filter_module::ModuleError;
use crate::kernel::module::{self, NdisState};
use crate::kernel::{filter_driver, irql};

/// The SourceHandle of indications from the emulated miniport.
pub const MINIPORT_HANDLE: usize = 0x4d50_0000;

type StatusFn = unsafe extern "win64" fn(usize, *mut NDIS_STATUS_INDICATION);
type PtrFn = unsafe extern "win64" fn(usize, *mut c_void);
type PnpFn = unsafe extern "win64" fn(usize, *mut c_void) -> i32;

impl DriverHost {
    fn event_target(
        &self,
        filter_handle: usize,
    ) -> Result<
        (
            usize,
            crate::abi::structs::NDIS_FILTER_DRIVER_CHARACTERISTICS,
        ),
        ModuleError,
    > {
        let m = module::get(filter_handle).ok_or(ModuleError::NoModule)?;
        if matches!(m.state, NdisState::Attaching | NdisState::Detached) {
            return Err(ModuleError::WrongState(m.state));
        }
        let me = self.driver_object_address();
        let d = filter_driver::registered()
            .into_iter()
            .find(|d| d.driver_object == me)
            .ok_or(ModuleError::NotRegistered)?;
        Ok((m.context, d.characteristics))
    }

    /// The miniport indicates `status` with `buffer` (FilterStatus at PASSIVE_LEVEL).
    pub fn status_from_below(
        &mut self,
        filter_handle: usize,
        status: i32,
        buffer: &mut [u8],
    ) -> Result<(), ModuleError> {
        let (context, c) = self.event_target(filter_handle)?;
        if c.StatusHandler.is_null() {
            return Err(ModuleError::NoHandler("StatusHandler"));
        }
        let mut ind = NDIS_STATUS_INDICATION {
            Header: NDIS_OBJECT_HEADER {
                Type: 0x98,
                Revision: 1,
                Size: 0x70,
            },
            SourceHandle: MINIPORT_HANDLE as *mut c_void,
            PortNumber: 0,
            StatusCode: status,
            Flags: 0,
            DestinationHandle: core::ptr::null_mut(),
            RequestId: core::ptr::null_mut(),
            StatusBuffer: if buffer.is_empty() {
                core::ptr::null_mut()
            } else {
                buffer.as_mut_ptr().cast()
            },
            StatusBufferSize: buffer.len() as u32,
            Guid: crate::abi::structs::GUID {
                Data1: 0,
                Data2: 0,
                Data3: 0,
                Data4: [0; 8],
            },
            NdisReserved: [core::ptr::null_mut(); 4],
        };
        // SAFETY: the driver's FILTER_STATUS routine (checked in the image).
        let f: StatusFn =
            unsafe { core::mem::transmute::<*const c_void, StatusFn>(c.StatusHandler) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the module context; the indication and its buffer live across the call.
        crate::stack::measure("FilterStatus", || unsafe { f(context, &mut ind) });
        self.after_callback("FilterStatus", irql::PASSIVE_LEVEL);
        Ok(())
    }

    fn forward_call(
        &mut self,
        filter_handle: usize,
        handler: *const c_void,
        name: &'static str,
        value: usize,
        pnp: bool,
    ) -> Result<i32, ModuleError> {
        let (context, _) = self.event_target(filter_handle)?;
        if handler.is_null() {
            return Err(ModuleError::NoHandler(name));
        }
        irql::set(irql::PASSIVE_LEVEL);
        let status = if pnp {
            // SAFETY: the driver's PnP routine (FILTER_NET_PNP_EVENT shape).
            let f: PnpFn = unsafe { core::mem::transmute::<*const c_void, PnpFn>(handler) };
            // SAFETY: the module context; `value` is the caller's event, valid across the call.
            crate::stack::measure(name, || unsafe { f(context, value as *mut c_void) })
        } else {
            // SAFETY: the driver's routine taking (context, pointer).
            let f: PtrFn = unsafe { core::mem::transmute::<*const c_void, PtrFn>(handler) };
            // SAFETY: the module context; `value` is an id or the caller's event.
            crate::stack::measure(name, || unsafe { f(context, value as *mut c_void) });
            0
        };
        self.after_callback(name, irql::PASSIVE_LEVEL);
        Ok(status)
    }

    /// TCP/IP cancels the sends tagged `cancel_id`.
    pub fn cancel_send(
        &mut self,
        filter_handle: usize,
        cancel_id: usize,
    ) -> Result<(), ModuleError> {
        let (_, c) = self.event_target(filter_handle)?;
        self.forward_call(
            filter_handle,
            c.CancelSendNetBufferListsHandler,
            "FilterCancelSendNetBufferLists",
            cancel_id,
            false,
        )
        .map(|_| ())
    }

    /// The requester cancels the OID request `request_id` (direct path when `direct`).
    pub fn cancel_oid(
        &mut self,
        filter_handle: usize,
        request_id: usize,
        direct: bool,
    ) -> Result<(), ModuleError> {
        let (_, c) = self.event_target(filter_handle)?;
        let (h, name) = if direct {
            (
                c.CancelDirectOidRequestHandler,
                "FilterCancelDirectOidRequest",
            )
        } else {
            (c.CancelOidRequestHandler, "FilterCancelOidRequest")
        };
        self.forward_call(filter_handle, h, name, request_id, false)
            .map(|_| ())
    }

    /// A network PnP event (`event` points to a NET_PNP_EVENT_NOTIFICATION the caller owns);
    /// returns the filter's status.
    pub fn net_pnp_event(
        &mut self,
        filter_handle: usize,
        event: *mut c_void,
    ) -> Result<i32, ModuleError> {
        let (_, c) = self.event_target(filter_handle)?;
        self.forward_call(
            filter_handle,
            c.NetPnPEventHandler,
            "FilterNetPnPEvent",
            event as usize,
            true,
        )
    }

    /// A device PnP event (`event` points to a NET_DEVICE_PNP_EVENT the caller owns).
    pub fn device_pnp_event(
        &mut self,
        filter_handle: usize,
        event: *mut c_void,
    ) -> Result<(), ModuleError> {
        let (_, c) = self.event_target(filter_handle)?;
        self.forward_call(
            filter_handle,
            c.DevicePnPEventNotifyHandler,
            "FilterDevicePnPEventNotify",
            event as usize,
            false,
        )
        .map(|_| ())
    }
}
