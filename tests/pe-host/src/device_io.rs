//! I/O to the driver's control device: an IRP with one stack location in the WDK layout,
//! dispatched through the routine the driver registered for its major function at
//! PASSIVE_LEVEL, completed once.

use core::ffi::c_void;

use crate::abi::structs::{DEVICE_OBJECT, IO_STACK_LOCATION, IRP};
use crate::driver::DriverHost;
use crate::kernel::{device, irp, irql, verifier};

/// `IRP_MJ_CREATE`: a handle is opened.
pub const IRP_MJ_CREATE: u8 = 0;
/// `IRP_MJ_CLOSE`: the last reference to a file object goes.
pub const IRP_MJ_CLOSE: u8 = 2;
/// `IRP_MJ_READ`: a read from the device.
pub const IRP_MJ_READ: u8 = 3;
/// `IRP_MJ_DEVICE_CONTROL`: a DeviceIoControl request.
pub const IRP_MJ_DEVICE_CONTROL: u8 = 0xE;
/// `IRP_MJ_CLEANUP`: the last handle to a file object is closed.
pub const IRP_MJ_CLEANUP: u8 = 0x12;
/// `IO_TYPE_IRP`.
const IO_TYPE_IRP: i16 = 6;

type DispatchFn = unsafe extern "win64" fn(*mut DEVICE_OBJECT, *mut IRP) -> i32;

/// The IRP with its one stack location, 16-aligned as the I/O manager allocates it.
#[repr(C, align(16))]
struct IrpBlock {
    irp: IRP,
    stack: IO_STACK_LOCATION,
}

/// How a device request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoResult {
    /// What the dispatch routine returned.
    pub returned: i32,
    /// `IoStatus.Status` and `.Information` at completion.
    pub status: i32,
    /// `IoStatus.Information` at completion (bytes written to the output buffer).
    pub information: usize,
    /// How many times the driver completed the IRP.
    pub completions: u32,
}

/// Why a device request could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceError {
    /// No control device is registered.
    NoDevice,
    /// The driver registered no routine for the major function.
    NoDispatch(u8),
}

impl DriverHost {
    /// Sends an IRP of `major` (with `ioctl` and a METHOD_BUFFERED `buffer` for
    /// IRP_MJ_DEVICE_CONTROL) to the registered control device.
    pub fn device_request(
        &mut self,
        major: u8,
        ioctl: u32,
        buffer: &mut [u8],
        output_length: u32,
    ) -> Result<IoResult, DeviceError> {
        let input_length = buffer.len() as u32;
        self.irp(major, ioctl, buffer, input_length, output_length)
    }

    /// A METHOD_BUFFERED `IRP_MJ_DEVICE_CONTROL` of `ioctl` with `input` (its
    /// `InputBufferLength`), whose system buffer holds `max(input, output_length)` bytes, as the
    /// I/O manager allocates it; the result and that buffer as the driver left it.
    pub fn device_control(
        &mut self,
        ioctl: u32,
        input: &[u8],
        output_length: u32,
    ) -> Result<(IoResult, Vec<u8>), DeviceError> {
        let mut buffer = input.to_vec();
        buffer.resize(input.len().max(output_length as usize), 0);
        let r = self.irp(
            IRP_MJ_DEVICE_CONTROL,
            ioctl,
            &mut buffer,
            input.len() as u32,
            output_length,
        )?;
        Ok((r, buffer))
    }

    fn irp(
        &mut self,
        major: u8,
        ioctl: u32,
        buffer: &mut [u8],
        input_length: u32,
        output_length: u32,
    ) -> Result<IoResult, DeviceError> {
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
        // SAFETY: an all-zero IRP and stack location are valid values (integers, NULL pointers).
        let mut block: Box<IrpBlock> = Box::new(unsafe { core::mem::zeroed() });
        block.stack.MajorFunction = major;
        block.stack.DeviceObject = object;
        if major == IRP_MJ_DEVICE_CONTROL {
            block.stack.IoControlCode = ioctl;
            block.stack.InputBufferLength = input_length;
            block.stack.OutputBufferLength = output_length;
        }
        let stack: *mut IO_STACK_LOCATION = &mut block.stack;
        block.irp.Type = IO_TYPE_IRP;
        block.irp.Size =
            (core::mem::size_of::<IRP>() + core::mem::size_of::<IO_STACK_LOCATION>()) as u16;
        block.irp.StackCount = 1;
        block.irp.CurrentLocation = 1;
        block.irp.CurrentStackLocation = stack;
        block.irp.SystemBuffer = if buffer.is_empty() {
            core::ptr::null_mut()
        } else {
            buffer.as_mut_ptr().cast::<c_void>()
        };
        block.irp.IoStatusStatus = 0x103; // STATUS_PENDING until the driver says otherwise
        let irp_ptr: *mut IRP = &mut block.irp;
        irp::issue(irp_ptr as usize);
        // SAFETY: a PDRIVER_DISPATCH the driver registered (checked in the image).
        let f: DispatchFn = unsafe { core::mem::transmute::<usize, DispatchFn>(routine) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the device object is NDIS's (the host's) for this driver; the IRP, its stack
        // location and the buffer live across the call.
        let returned = crate::stack::measure("DeviceDispatch", || unsafe { f(object, irp_ptr) });
        self.after_callback("DeviceDispatch", irql::PASSIVE_LEVEL);
        let completions = irp::finish(irp_ptr as usize);
        if completions != 1 {
            verifier::violation(format!(
                "IRP (major {major:#x}) completed {completions} times by dispatch"
            ));
        }
        if returned != 0x103 && returned != block.irp.IoStatusStatus {
            verifier::violation(format!(
                "dispatch returned {returned:#x} but completed the IRP with {:#x}",
                block.irp.IoStatusStatus
            ));
        }
        Ok(IoResult {
            returned,
            status: block.irp.IoStatusStatus,
            information: block.irp.IoStatusInformation,
            completions,
        })
    }
}
