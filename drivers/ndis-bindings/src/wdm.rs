//! The wdm.h objects of the control device: `DRIVER_OBJECT`, `DEVICE_OBJECT`, `IRP`,
//! `IO_STACK_LOCATION`, the dispatch routine types, `IRP_MJ_*`/`METHOD_*`/`FILE_*_ACCESS`
//! constants, `CTL_CODE` and `IoGetCurrentIrpStackLocation`.

use core::ffi::c_void;

use ipsecov2_abi::{CSHORT, MDL, NTSTATUS, PVOID, UCHAR, ULONG, USHORT};

use crate::types::{CCHAR, IO_STATUS_BLOCK, KPROCESSOR_MODE, LIST_ENTRY, UNICODE_STRING};

/// `PDRIVER_DISPATCH`: `NTSTATUS (PDEVICE_OBJECT DeviceObject, PIRP Irp)`.
pub type PDRIVER_DISPATCH =
    Option<unsafe extern "system" fn(DeviceObject: *mut DEVICE_OBJECT, Irp: *mut IRP) -> NTSTATUS>;
/// `PDRIVER_UNLOAD`: `VOID (PDRIVER_OBJECT DriverObject)`.
pub type PDRIVER_UNLOAD = Option<unsafe extern "system" fn(DriverObject: *mut DRIVER_OBJECT)>;
/// `PDRIVER_CANCEL`: `VOID (PDEVICE_OBJECT DeviceObject, PIRP Irp)`.
pub type PDRIVER_CANCEL =
    Option<unsafe extern "system" fn(DeviceObject: *mut DEVICE_OBJECT, Irp: *mut IRP)>;
/// `PIO_COMPLETION_ROUTINE`.
pub type PIO_COMPLETION_ROUTINE = Option<
    unsafe extern "system" fn(
        DeviceObject: *mut DEVICE_OBJECT,
        Irp: *mut IRP,
        Context: PVOID,
    ) -> NTSTATUS,
>;

/// `IRP_MJ_MAXIMUM_FUNCTION`.
pub const IRP_MJ_MAXIMUM_FUNCTION: UCHAR = 0x1B;
/// Number of entries of a major-function table (`IRP_MJ_MAXIMUM_FUNCTION + 1`).
pub const IRP_MJ_COUNT: usize = IRP_MJ_MAXIMUM_FUNCTION as usize + 1;

/// `DRIVER_OBJECT`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DRIVER_OBJECT {
    /// `IO_TYPE_DRIVER`.
    pub Type: CSHORT,
    /// Size of the object.
    pub Size: CSHORT,
    /// First device object of the driver.
    pub DeviceObject: *mut DEVICE_OBJECT,
    /// Flags.
    pub Flags: ULONG,
    /// Image base.
    pub DriverStart: PVOID,
    /// Image size.
    pub DriverSize: ULONG,
    /// Loader entry.
    pub DriverSection: PVOID,
    /// `PDRIVER_EXTENSION`.
    pub DriverExtension: *mut c_void,
    /// `\Driver\<service>`.
    pub DriverName: UNICODE_STRING,
    /// `PUNICODE_STRING`.
    pub HardwareDatabase: *mut UNICODE_STRING,
    /// `PFAST_IO_DISPATCH`.
    pub FastIoDispatch: *mut c_void,
    /// `PDRIVER_INITIALIZE`.
    pub DriverInit: PVOID,
    /// `PDRIVER_STARTIO`.
    pub DriverStartIo: PVOID,
    /// Unload routine.
    pub DriverUnload: PDRIVER_UNLOAD,
    /// `PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1]`.
    pub MajorFunction: [PDRIVER_DISPATCH; IRP_MJ_COUNT],
}

/// `DEVICE_OBJECT` (`DECLSPEC_ALIGN(16)`, sizeof 0x150). Only the leading fields are named; the
/// rest (`Queue`, `AlignmentRequirement`, `DeviceQueue`, `Dpc`, …) is opaque to this driver.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug)]
pub struct DEVICE_OBJECT {
    /// `IO_TYPE_DEVICE`.
    pub Type: CSHORT,
    /// Size of the object.
    pub Size: USHORT,
    /// Reference count.
    pub ReferenceCount: i32,
    /// Owning driver.
    pub DriverObject: *mut DRIVER_OBJECT,
    /// Next device of the driver.
    pub NextDevice: *mut DEVICE_OBJECT,
    /// Attached device.
    pub AttachedDevice: *mut DEVICE_OBJECT,
    /// Current IRP (StartIo).
    pub CurrentIrp: *mut IRP,
    /// `PIO_TIMER`.
    pub Timer: PVOID,
    /// `DO_*` flags.
    pub Flags: ULONG,
    /// `FILE_DEVICE_*` characteristics (e.g. `FILE_DEVICE_SECURE_OPEN`).
    pub Characteristics: ULONG,
    /// `PVPB`.
    pub Vpb: PVOID,
    /// Device extension.
    pub DeviceExtension: PVOID,
    /// `FILE_DEVICE_*` type.
    pub DeviceType: ULONG,
    /// Stack size.
    pub StackSize: CCHAR,
    /// The fields after `StackSize`, opaque here.
    pub Opaque: [u8; 0x103],
}

/// `IRP::AssociatedIrp` (`union { PIRP MasterIrp; LONG IrpCount; PVOID SystemBuffer; }`),
/// mirrored by its pointer-sized `SystemBuffer` view (the one METHOD_BUFFERED uses).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IRP_AssociatedIrp {
    /// `SystemBuffer` (also `MasterIrp`; the low 4 bytes are `IrpCount`).
    pub SystemBuffer: PVOID,
}

/// `IRP::Tail.Overlay`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IRP_Tail_Overlay {
    /// `{ KDEVICE_QUEUE_ENTRY DeviceQueueEntry; PVOID DriverContext[4]; }`.
    pub DriverContext: [PVOID; 4],
    /// `PETHREAD`.
    pub Thread: PVOID,
    /// `PCHAR`.
    pub AuxiliaryBuffer: *mut i8,
    /// List entry.
    pub ListEntry: LIST_ENTRY,
    /// `struct _IO_STACK_LOCATION *CurrentStackLocation` (union with `ULONG PacketType`).
    pub CurrentStackLocation: *mut IO_STACK_LOCATION,
    /// `PFILE_OBJECT`.
    pub OriginalFileObject: PVOID,
}

/// `IRP::Tail` (`union { Overlay; KAPC Apc; PVOID CompletionKey; }`, 0x58 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub union IRP_Tail {
    /// The view the I/O manager uses while the IRP is in a driver.
    pub Overlay: IRP_Tail_Overlay,
    /// `KAPC Apc` (0x58 bytes, opaque).
    pub Apc: [u64; 11],
}

impl core::fmt::Debug for IRP_Tail {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IRP_Tail").finish_non_exhaustive()
    }
}

/// `IRP` (`DECLSPEC_ALIGN(16)`, sizeof 0xD0).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug)]
pub struct IRP {
    /// `IO_TYPE_IRP`.
    pub Type: CSHORT,
    /// Size of the IRP.
    pub Size: USHORT,
    /// MDL of a direct-I/O buffer.
    pub MdlAddress: *mut MDL,
    /// `IRP_*` flags.
    pub Flags: ULONG,
    /// `{MasterIrp | IrpCount | SystemBuffer}`.
    pub AssociatedIrp: IRP_AssociatedIrp,
    /// Thread list entry.
    pub ThreadListEntry: LIST_ENTRY,
    /// Completion status and information.
    pub IoStatus: IO_STATUS_BLOCK,
    /// `KernelMode` / `UserMode`.
    pub RequestorMode: KPROCESSOR_MODE,
    /// `BOOLEAN`.
    pub PendingReturned: UCHAR,
    /// Stack count.
    pub StackCount: i8,
    /// Current location.
    pub CurrentLocation: i8,
    /// `BOOLEAN`.
    pub Cancel: UCHAR,
    /// `KIRQL`.
    pub CancelIrql: UCHAR,
    /// `CCHAR`.
    pub ApcEnvironment: CCHAR,
    /// Allocation flags.
    pub AllocationFlags: UCHAR,
    /// `PIO_STATUS_BLOCK`.
    pub UserIosb: *mut IO_STATUS_BLOCK,
    /// `PKEVENT`.
    pub UserEvent: PVOID,
    /// `union { AsynchronousParameters; AllocationSize; }` (0x10 bytes).
    pub Overlay: [u64; 2],
    /// Cancel routine.
    pub CancelRoutine: PDRIVER_CANCEL,
    /// User buffer (METHOD_NEITHER output).
    pub UserBuffer: PVOID,
    /// Tail.
    pub Tail: IRP_Tail,
}

/// `IO_STACK_LOCATION::Parameters.DeviceIoControl` (each `ULONG` is `POINTER_ALIGNMENT`, hence
/// the explicit padding).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IO_STACK_LOCATION_DeviceIoControl {
    /// Output buffer length.
    pub OutputBufferLength: ULONG,
    /// Padding of `POINTER_ALIGNMENT`.
    pub Padding0: u32,
    /// Input buffer length.
    pub InputBufferLength: ULONG,
    /// Padding of `POINTER_ALIGNMENT`.
    pub Padding1: u32,
    /// The I/O control code.
    pub IoControlCode: ULONG,
    /// Padding of `POINTER_ALIGNMENT`.
    pub Padding2: u32,
    /// METHOD_NEITHER input buffer.
    pub Type3InputBuffer: PVOID,
}

/// `IO_STACK_LOCATION::Parameters` (0x20 bytes): the `DeviceIoControl` view and the raw words.
#[repr(C)]
#[derive(Clone, Copy)]
pub union IO_STACK_LOCATION_Parameters {
    /// `IRP_MJ_DEVICE_CONTROL` / `IRP_MJ_INTERNAL_DEVICE_CONTROL`.
    pub DeviceIoControl: IO_STACK_LOCATION_DeviceIoControl,
    /// `Others.Argument1..4`.
    pub Others: [PVOID; 4],
}

impl core::fmt::Debug for IO_STACK_LOCATION_Parameters {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IO_STACK_LOCATION_Parameters")
            .finish_non_exhaustive()
    }
}

/// `IO_STACK_LOCATION` (sizeof 0x48).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IO_STACK_LOCATION {
    /// `IRP_MJ_*`.
    pub MajorFunction: UCHAR,
    /// `IRP_MN_*`.
    pub MinorFunction: UCHAR,
    /// `SL_*` flags.
    pub Flags: UCHAR,
    /// `SL_*` control bits.
    pub Control: UCHAR,
    /// Parameters of the request.
    pub Parameters: IO_STACK_LOCATION_Parameters,
    /// Target device.
    pub DeviceObject: *mut DEVICE_OBJECT,
    /// `PFILE_OBJECT`.
    pub FileObject: PVOID,
    /// Completion routine.
    pub CompletionRoutine: PIO_COMPLETION_ROUTINE,
    /// Completion context.
    pub Context: PVOID,
}

/// `IRP_MJ_CREATE`.
pub const IRP_MJ_CREATE: UCHAR = 0x00;
/// `IRP_MJ_CLOSE`.
pub const IRP_MJ_CLOSE: UCHAR = 0x02;
/// `IRP_MJ_READ`.
pub const IRP_MJ_READ: UCHAR = 0x03;
/// `IRP_MJ_WRITE`.
pub const IRP_MJ_WRITE: UCHAR = 0x04;
/// `IRP_MJ_DEVICE_CONTROL`.
pub const IRP_MJ_DEVICE_CONTROL: UCHAR = 0x0E;
/// `IRP_MJ_INTERNAL_DEVICE_CONTROL`.
pub const IRP_MJ_INTERNAL_DEVICE_CONTROL: UCHAR = 0x0F;
/// `IRP_MJ_CLEANUP`.
pub const IRP_MJ_CLEANUP: UCHAR = 0x12;
/// `IO_NO_INCREMENT`.
pub const IO_NO_INCREMENT: CCHAR = 0;
/// `IO_NETWORK_INCREMENT`.
pub const IO_NETWORK_INCREMENT: CCHAR = 2;
/// `METHOD_BUFFERED`.
pub const METHOD_BUFFERED: ULONG = 0;
/// `METHOD_IN_DIRECT`.
pub const METHOD_IN_DIRECT: ULONG = 1;
/// `METHOD_OUT_DIRECT`.
pub const METHOD_OUT_DIRECT: ULONG = 2;
/// `METHOD_NEITHER`.
pub const METHOD_NEITHER: ULONG = 3;
/// `FILE_ANY_ACCESS`.
pub const FILE_ANY_ACCESS: ULONG = 0;
/// `FILE_READ_ACCESS`.
pub const FILE_READ_ACCESS: ULONG = 1;
/// `FILE_WRITE_ACCESS`.
pub const FILE_WRITE_ACCESS: ULONG = 2;
/// `FILE_DEVICE_NETWORK`.
pub const FILE_DEVICE_NETWORK: ULONG = 0x12;
/// `FILE_DEVICE_UNKNOWN`.
pub const FILE_DEVICE_UNKNOWN: ULONG = 0x22;
/// `FILE_DEVICE_SECURE_OPEN` (a `DEVICE_OBJECT::Characteristics` bit).
pub const FILE_DEVICE_SECURE_OPEN: ULONG = 0x100;
/// `DO_BUFFERED_IO`.
pub const DO_BUFFERED_IO: ULONG = 0x4;
/// `DO_DIRECT_IO`.
pub const DO_DIRECT_IO: ULONG = 0x10;
/// `DO_DEVICE_INITIALIZING`.
pub const DO_DEVICE_INITIALIZING: ULONG = 0x80;

/// `CTL_CODE(DeviceType, Function, Method, Access)`.
#[must_use]
pub const fn CTL_CODE(DeviceType: ULONG, Function: ULONG, Method: ULONG, Access: ULONG) -> ULONG {
    (DeviceType << 16) | (Access << 14) | (Function << 2) | Method
}

/// `DEVICE_TYPE_FROM_CTL_CODE(code)`.
#[must_use]
pub const fn DEVICE_TYPE_FROM_CTL_CODE(code: ULONG) -> ULONG {
    (code & 0xFFFF_0000) >> 16
}

/// `METHOD_FROM_CTL_CODE(code)`.
#[must_use]
pub const fn METHOD_FROM_CTL_CODE(code: ULONG) -> ULONG {
    code & 3
}

/// The `RequiredAccess` bits (`FILE_READ_ACCESS` / `FILE_WRITE_ACCESS`) of an I/O control code;
/// the I/O manager checks them against the handle's granted access before dispatch.
#[must_use]
pub const fn REQUIRED_ACCESS_FROM_CTL_CODE(code: ULONG) -> ULONG {
    (code >> 14) & 3
}

/// `IoGetCurrentIrpStackLocation(Irp)` (a `FORCEINLINE` in wdm.h, not an export):
/// `Irp->Tail.Overlay.CurrentStackLocation`.
///
/// # Safety
///
/// `irp` must point to a valid IRP owned by the caller's dispatch routine.
#[inline]
#[must_use]
pub unsafe fn IoGetCurrentIrpStackLocation(irp: *mut IRP) -> *mut IO_STACK_LOCATION {
    let slot = irp
        .cast::<u8>()
        .wrapping_add(
            core::mem::offset_of!(IRP, Tail)
                + core::mem::offset_of!(IRP_Tail_Overlay, CurrentStackLocation),
        )
        .cast::<*mut IO_STACK_LOCATION>();
    // SAFETY: the caller guarantees `irp` is a valid IRP; `slot` is the (8-aligned) address of
    // its `Tail.Overlay.CurrentStackLocation` field, which the I/O manager sets before dispatch.
    unsafe { slot.read() }
}

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    // ndis-core-layouts.md §6
    type I = IRP;
    assert!(offset_of!(I, Type) == 0x0);
    assert!(offset_of!(I, Size) == 0x2);
    assert!(offset_of!(I, MdlAddress) == 0x8);
    assert!(offset_of!(I, Flags) == 0x10);
    assert!(offset_of!(I, AssociatedIrp) == 0x18);
    assert!(offset_of!(I, ThreadListEntry) == 0x20);
    assert!(offset_of!(I, IoStatus) == 0x30);
    assert!(offset_of!(I, IoStatus) + offset_of!(IO_STATUS_BLOCK, Status) == 0x30);
    assert!(offset_of!(I, IoStatus) + offset_of!(IO_STATUS_BLOCK, Information) == 0x38);
    assert!(offset_of!(I, RequestorMode) == 0x40);
    assert!(offset_of!(I, PendingReturned) == 0x41);
    assert!(offset_of!(I, StackCount) == 0x42);
    assert!(offset_of!(I, CurrentLocation) == 0x43);
    assert!(offset_of!(I, Cancel) == 0x44);
    assert!(offset_of!(I, CancelIrql) == 0x45);
    assert!(offset_of!(I, ApcEnvironment) == 0x46);
    assert!(offset_of!(I, AllocationFlags) == 0x47);
    assert!(offset_of!(I, UserIosb) == 0x48);
    assert!(offset_of!(I, UserEvent) == 0x50);
    assert!(offset_of!(I, Overlay) == 0x58);
    assert!(offset_of!(I, CancelRoutine) == 0x68);
    assert!(offset_of!(I, UserBuffer) == 0x70);
    assert!(offset_of!(I, Tail) == 0x78);
    assert!(size_of::<IRP_Tail>() == 0x58);
    assert!(offset_of!(I, Tail) + offset_of!(IRP_Tail_Overlay, DriverContext) == 0x78);
    assert!(offset_of!(I, Tail) + offset_of!(IRP_Tail_Overlay, Thread) == 0x98);
    assert!(offset_of!(I, Tail) + offset_of!(IRP_Tail_Overlay, AuxiliaryBuffer) == 0xA0);
    assert!(offset_of!(I, Tail) + offset_of!(IRP_Tail_Overlay, ListEntry) == 0xA8);
    assert!(offset_of!(I, Tail) + offset_of!(IRP_Tail_Overlay, CurrentStackLocation) == 0xB8);
    assert!(offset_of!(I, Tail) + offset_of!(IRP_Tail_Overlay, OriginalFileObject) == 0xC0);
    assert!(size_of::<I>() == 0xD0);
    assert!(align_of::<I>() == 0x10);

    type S = IO_STACK_LOCATION;
    type D = IO_STACK_LOCATION_DeviceIoControl;
    assert!(offset_of!(S, MajorFunction) == 0x0);
    assert!(offset_of!(S, MinorFunction) == 0x1);
    assert!(offset_of!(S, Flags) == 0x2);
    assert!(offset_of!(S, Control) == 0x3);
    assert!(offset_of!(S, Parameters) == 0x8);
    assert!(size_of::<IO_STACK_LOCATION_Parameters>() == 0x20);
    assert!(offset_of!(S, Parameters) + offset_of!(D, OutputBufferLength) == 0x8);
    assert!(offset_of!(S, Parameters) + offset_of!(D, InputBufferLength) == 0x10);
    assert!(offset_of!(S, Parameters) + offset_of!(D, IoControlCode) == 0x18);
    assert!(offset_of!(S, Parameters) + offset_of!(D, Type3InputBuffer) == 0x20);
    assert!(offset_of!(S, DeviceObject) == 0x28);
    assert!(offset_of!(S, FileObject) == 0x30);
    assert!(offset_of!(S, CompletionRoutine) == 0x38);
    assert!(offset_of!(S, Context) == 0x40);
    assert!(size_of::<S>() == 0x48);
    assert!(align_of::<S>() == 0x8);

    type R = DRIVER_OBJECT;
    assert!(offset_of!(R, Type) == 0x0);
    assert!(offset_of!(R, Size) == 0x2);
    assert!(offset_of!(R, DeviceObject) == 0x8);
    assert!(offset_of!(R, Flags) == 0x10);
    assert!(offset_of!(R, DriverStart) == 0x18);
    assert!(offset_of!(R, DriverSize) == 0x20);
    assert!(offset_of!(R, DriverSection) == 0x28);
    assert!(offset_of!(R, DriverExtension) == 0x30);
    assert!(offset_of!(R, DriverName) == 0x38);
    assert!(offset_of!(R, HardwareDatabase) == 0x48);
    assert!(offset_of!(R, FastIoDispatch) == 0x50);
    assert!(offset_of!(R, DriverInit) == 0x58);
    assert!(offset_of!(R, DriverStartIo) == 0x60);
    assert!(offset_of!(R, DriverUnload) == 0x68);
    assert!(offset_of!(R, MajorFunction) == 0x70);
    assert!(size_of::<[PDRIVER_DISPATCH; IRP_MJ_COUNT]>() == 0xE0);
    assert!(size_of::<R>() == 0x150);
    assert!(align_of::<R>() == 0x8);

    type V = DEVICE_OBJECT;
    assert!(offset_of!(V, Type) == 0x0);
    assert!(offset_of!(V, Size) == 0x2);
    assert!(offset_of!(V, ReferenceCount) == 0x4);
    assert!(offset_of!(V, DriverObject) == 0x8);
    assert!(offset_of!(V, NextDevice) == 0x10);
    assert!(offset_of!(V, AttachedDevice) == 0x18);
    assert!(offset_of!(V, CurrentIrp) == 0x20);
    assert!(offset_of!(V, Timer) == 0x28);
    assert!(offset_of!(V, Flags) == 0x30);
    assert!(offset_of!(V, Characteristics) == 0x34);
    assert!(offset_of!(V, Vpb) == 0x38);
    assert!(offset_of!(V, DeviceExtension) == 0x40);
    assert!(offset_of!(V, DeviceType) == 0x48);
    assert!(offset_of!(V, StackSize) == 0x4C);
    assert!(size_of::<V>() == 0x150);
    assert!(align_of::<V>() == 0x10);

    // CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) == 0x00122000 (§6)
    assert!(CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) == 0x0012_2000);
};
