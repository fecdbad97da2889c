//! Device requests that may pend (the inverted call): the IRP, its stack location and its
//! METHOD_BUFFERED system buffer live in one heap block until the driver completes the IRP, and
//! the host can cancel it the way `IoCancelIrp` does (cancel spin lock taken, `Cancel` set, the
//! cancel routine swapped out and called at DISPATCH_LEVEL).

use core::ffi::c_void;

use crate::abi::structs::{DEVICE_OBJECT, IO_STACK_LOCATION, IRP};
use crate::device_io::{DeviceError, IoResult, IRP_MJ_DEVICE_CONTROL};
use crate::driver::DriverHost;
use crate::kernel::{cancel, device, irp, irql, verifier};

/// `STATUS_PENDING`.
pub const STATUS_PENDING: i32 = 0x103;
/// `SL_PENDING_RETURNED`.
const SL_PENDING_RETURNED: u8 = 0x01;
const IO_TYPE_IRP: i16 = 6;

type DispatchFn = unsafe extern "win64" fn(*mut DEVICE_OBJECT, *mut IRP) -> i32;
type CancelFn = unsafe extern "win64" fn(*mut DEVICE_OBJECT, *mut IRP);

#[repr(C, align(16))]
struct IrpBlock {
    irp: IRP,
    stack: IO_STACK_LOCATION,
}

/// A device-control IRP sent to the driver, alive until it is completed (or the value dropped
/// after completion).
pub struct DeviceIrp {
    block: Box<IrpBlock>,
    buffer: Vec<u8>,
    object: *mut DEVICE_OBJECT,
    /// What the dispatch routine returned.
    pub returned: i32,
}

impl std::fmt::Debug for DeviceIrp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceIrp")
            .field("returned", &self.returned)
            .field("status", &self.block.irp.IoStatusStatus)
            .finish_non_exhaustive()
    }
}

impl DeviceIrp {
    fn irp_ptr(&mut self) -> *mut IRP {
        &mut self.block.irp
    }

    /// Whether the driver has completed it: the host sets `IoStatus.Status` to STATUS_PENDING
    /// when it sends the IRP, the driver writes its status just before `IofCompleteRequest`
    /// (and never STATUS_PENDING); a double completion is the verifier's (`kernel::irp`).
    pub fn completed(&self) -> bool {
        self.block.irp.IoStatusStatus != STATUS_PENDING
    }

    /// Whether the driver returned STATUS_PENDING and marked the stack location pending.
    pub fn marked_pending(&self) -> bool {
        self.block.stack.Control & SL_PENDING_RETURNED != 0
    }

    /// Its result once completed (`None` while pending).
    pub fn result(&self) -> Option<IoResult> {
        self.completed().then_some(IoResult {
            returned: self.returned,
            status: self.block.irp.IoStatusStatus,
            information: self.block.irp.IoStatusInformation,
            completions: 1,
        })
    }

    /// The system buffer (the output, once completed).
    pub fn buffer(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for DeviceIrp {
    fn drop(&mut self) {
        let p = self.irp_ptr() as usize;
        let completions = irp::finish(p);
        if completions != 1 {
            verifier::violation(format!(
                "device IRP dropped after {completions} completions (a pending IRP must be \
                 completed or cancelled first)"
            ));
        }
    }
}

impl DriverHost {
    /// Sends a METHOD_BUFFERED device-control IRP whose system buffer is `input` padded to
    /// `max(input, output_length)` bytes; the IRP may stay pending.
    pub fn device_control_async(
        &mut self,
        ioctl: u32,
        input: &[u8],
        output_length: u32,
    ) -> Result<DeviceIrp, DeviceError> {
        let major = IRP_MJ_DEVICE_CONTROL;
        let (object, routine) = device::with_devices(|ds| {
            ds.first_mut().map(|d| {
                let o: *mut DEVICE_OBJECT = &mut *d.object;
                (
                    o,
                    d.major_functions
                        .get(usize::from(major))
                        .copied()
                        .unwrap_or(0),
                )
            })
        })
        .flatten()
        .ok_or(DeviceError::NoDevice)?;
        if routine == 0 {
            return Err(DeviceError::NoDispatch(major));
        }
        let mut buffer = input.to_vec();
        buffer.resize(input.len().max(output_length as usize), 0);
        // SAFETY: an all-zero IRP and stack location are valid values (integers, NULL pointers).
        let block: Box<IrpBlock> = Box::new(unsafe { core::mem::zeroed() });
        let mut d = DeviceIrp {
            block,
            buffer,
            object,
            returned: 0,
        };
        d.block.stack.MajorFunction = major;
        d.block.stack.DeviceObject = object;
        d.block.stack.IoControlCode = ioctl;
        d.block.stack.InputBufferLength = input.len() as u32;
        d.block.stack.OutputBufferLength = output_length;
        let stack: *mut IO_STACK_LOCATION = &mut d.block.stack;
        d.block.irp.Type = IO_TYPE_IRP;
        d.block.irp.Size =
            (core::mem::size_of::<IRP>() + core::mem::size_of::<IO_STACK_LOCATION>()) as u16;
        d.block.irp.StackCount = 1;
        d.block.irp.CurrentLocation = 1;
        d.block.irp.CurrentStackLocation = stack;
        d.block.irp.SystemBuffer = if d.buffer.is_empty() {
            core::ptr::null_mut()
        } else {
            d.buffer.as_mut_ptr().cast::<c_void>()
        };
        d.block.irp.IoStatusStatus = STATUS_PENDING;
        let irp_ptr = d.irp_ptr();
        irp::issue(irp_ptr as usize);
        // SAFETY: a PDRIVER_DISPATCH the driver registered (checked in the image).
        let f: DispatchFn = unsafe { core::mem::transmute::<usize, DispatchFn>(routine) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the device object is the host's for this driver; the IRP, its stack location
        // and the buffer live in `d` until the IRP is completed.
        let returned = crate::stack::measure("DeviceDispatch", || unsafe { f(object, irp_ptr) });
        self.after_callback("DeviceDispatch", irql::PASSIVE_LEVEL);
        d.returned = returned;
        if returned == STATUS_PENDING {
            if !d.completed() && !d.marked_pending() {
                verifier::violation(
                    "dispatch returned STATUS_PENDING without IoMarkIrpPending".to_string(),
                );
            }
        } else if !d.completed() {
            verifier::violation(format!(
                "dispatch returned {returned:#x} without completing the IRP"
            ));
        }
        Ok(d)
    }

    /// `IoCancelIrp`: takes the cancel spin lock, sets `Cancel`, swaps the cancel routine out and
    /// calls it (which must release the lock); without a routine releases the lock itself.
    /// Returns whether a cancel routine was called.
    pub fn cancel_irp(&mut self, d: &mut DeviceIrp) -> bool {
        let old = cancel::acquire();
        d.block.irp.Cancel = 1;
        let routine = core::mem::replace(&mut d.block.irp.CancelRoutine, core::ptr::null_mut());
        if routine.is_null() {
            cancel::io_release_cancel_spin_lock(old);
            return false;
        }
        d.block.irp.CancelIrql = old;
        // SAFETY: a PDRIVER_CANCEL the driver stored in its own IRP.
        let f: CancelFn = unsafe { core::mem::transmute::<*mut c_void, CancelFn>(routine) };
        let object = d.object;
        let irp_ptr = d.irp_ptr();
        // SAFETY: the IRP is live (in `d`); the routine is called as the I/O manager does, at
        // DISPATCH_LEVEL holding the cancel spin lock.
        crate::stack::measure("CancelRoutine", || unsafe { f(object, irp_ptr) });
        if cancel::held() {
            verifier::violation("cancel routine returned holding the cancel spin lock".to_string());
            cancel::io_release_cancel_spin_lock(old);
        }
        self.after_callback("CancelRoutine", old);
        true
    }
}
