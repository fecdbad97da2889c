//! The control device's IOCTL path: the driver's one control plane and dispatcher
//! (`ipsecov2-ioctl`), created in `DriverEntry` and freed in `DriverUnload`, the attached
//! modules it reaches, and the inverted call's pending IRPs with their cancel routine.
//!
//! **Lock.** The plane, the dispatcher and the module registry live under one `KSPIN_LOCK`
//! ([`SpinLock`]). A spin lock, not a passive-level mutex, because the cancel routine of a
//! pending `EventWait` runs at DISPATCH_LEVEL and must take its IRP out of the dispatcher's
//! queue under the same lock that queues it. Holding it at DISPATCH_LEVEL is sound for every
//! plane operation: each is bounded by the plane's `Limits`, allocates (fallibly) only from
//! non-paged pool and never waits. The plane reaches SAs only through the modules' SA tables,
//! whose own `EX_SPIN_LOCK`s it takes inside this one; the datapath takes only those table
//! locks and never this one, so the order is always control lock → table lock. Attach and
//! detach register and unregister a module under this lock, so a module's SA store is never
//! freed while the plane uses it. IRPs are completed after the lock is released.
//!
//! **Events.** The control plane raises its events during the operations the IOCTLs run (and
//! when a module detaches); after each, pending `EventWait` IRPs are completed while events are
//! waiting ([`drain_events`]).

use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};

use alloc::vec::Vec;

use ipsecov2_control_plane::{ControlPlane, Interface, Limits};
use ipsecov2_ioctl::{Dispatcher, DispatcherConfig, TestRequest};
use ipsecov2_kernel_sync::ExSpinRwLock;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_satable::TableState;
use ndis_bindings::ffi::IofCompleteRequest;
use ndis_bindings::ipsecov2_abi::{
    KIRQL, NTSTATUS, STATUS_INSUFFICIENT_RESOURCES, STATUS_INVALID_DEVICE_REQUEST, STATUS_PENDING,
};
use ndis_bindings::runtime::{PoolBox, SpinLock};
use ndis_bindings::{IoGetCurrentIrpStackLocation, DEVICE_OBJECT, IO_NO_INCREMENT, IRP};

use crate::control::{
    module_index, outcome, test_family, IrpOutcome,
    STATUS_INSUFFICIENT_RESOURCES as TEST_STATUS_INSUFFICIENT_RESOURCES, STATUS_NOT_FOUND,
    STATUS_NOT_SUPPORTED, STATUS_SUCCESS,
};
use crate::module_sas::{ModuleHost, ModuleSas, MAX_MODULES};
use crate::names::POOL_TAG;
use crate::test_stats;

/// A module's SA store as the filter builds it.
pub(super) type KernelSas = OffloadSas<ExSpinRwLock<TableState<OffloadSa>>>;

/// `STATUS_CANCELLED`.
const STATUS_CANCELLED: NTSTATUS = 0xC000_0120_u32 as i32;
/// `SL_PENDING_RETURNED` (`IoMarkIrpPending` sets it in the current stack location).
const SL_PENDING_RETURNED: u8 = 0x01;
/// Bundles the control plane keeps (each installed in every attached module's table).
const MAX_BUNDLES: usize = 1024;

#[link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")]
extern "system" {
    /// Called by a cancel routine, which runs holding the cancel spin lock; `Irql` is the IRP's
    /// `CancelIrql`.
    fn IoReleaseCancelSpinLock(Irql: KIRQL);
}

/// The attached modules' SA stores, by slot (null: free).
#[derive(Debug, Default)]
pub(super) struct KernelModules {
    sas: [AtomicPtr<KernelSas>; MAX_MODULES],
}

impl ModuleHost for KernelModules {
    type Sas = KernelSas;

    fn with_sas<R>(&self, slot: usize, f: impl FnOnce(&KernelSas) -> R) -> Option<R> {
        let p = self.sas.get(slot)?.load(Ordering::Relaxed);
        // SAFETY: a non-null pointer is the SA store of an attached module, stored by
        // `attach_module` and cleared by `detach_module` before the module is freed, both under
        // the control lock, which every caller of this method holds.
        let sas = unsafe { p.as_ref() }?;
        Some(f(sas))
    }
}

/// What the driver knows of an attached module.
#[derive(Clone, Copy, Debug)]
struct ModuleInfo {
    /// The module's context (the key `detach_module` names it by).
    context: usize,
    /// Its interface index (the `NPF_IfHandle_t`, and its name for the test family).
    if_index: u32,
    /// Its `ControlTestFamily` keyword.
    test_family: bool,
}

/// Everything under the control lock.
struct ControlState {
    plane: ControlPlane<ModuleSas<KernelModules>>,
    dispatcher: Dispatcher,
    modules: [Option<ModuleInfo>; MAX_MODULES],
}

impl ControlState {
    fn new() -> Option<Self> {
        let store = ModuleSas::new(KernelModules::default(), MAX_BUNDLES).ok()?;
        let limits = Limits {
            sas: MAX_BUNDLES,
            interfaces: MAX_MODULES,
            ..Limits::default()
        };
        let plane = ControlPlane::new(store, limits).ok()?;
        let dispatcher = Dispatcher::new(DispatcherConfig::default()).ok()?;
        Some(Self {
            plane,
            dispatcher,
            modules: [None; MAX_MODULES],
        })
    }

    fn update_test_family(&mut self) {
        let on = test_family(self.modules.iter().flatten().map(|m| m.test_family));
        self.dispatcher.set_test_family(on);
    }
}

/// The state's pool block (null before `create` and after `destroy`).
struct StatePtr(*mut ControlState);

// SAFETY: the pointer is only dereferenced under the control lock, by one thread at a time.
unsafe impl Send for StatePtr {}

type StateBox = PoolBox<ControlState, POOL_TAG>;

static CONTROL: SpinLock<StatePtr> = SpinLock::new(StatePtr(core::ptr::null_mut()));

/// Runs `f` on the control state under the control lock; `None` when there is none.
fn with_state<R>(f: impl FnOnce(&mut ControlState) -> R) -> Option<R> {
    let guard = CONTROL.lock();
    // SAFETY: a non-null pointer is the live block `create` leaked; it is freed by `destroy`
    // only after being swapped out under this lock, and the guard gives exclusive access.
    let state = unsafe { guard.0.as_mut() }?;
    Some(f(state))
}

/// Creates the control state — PASSIVE_LEVEL, `DriverEntry`. False when out of memory.
pub(super) fn create() -> bool {
    let Some(state) = ControlState::new() else {
        return false;
    };
    let Some(block) = StateBox::try_new(state) else {
        return false;
    };
    let raw = block.into_raw();
    let old = core::mem::replace(&mut CONTROL.lock().0, raw);
    free(old);
    true
}

/// Frees the control state — PASSIVE_LEVEL, `DriverUnload` (after the device is gone: no IRP
/// is pending, the I/O manager cancelled them at the last close).
pub(super) fn destroy() {
    let old = core::mem::take(&mut CONTROL.lock().0);
    free(old);
}

fn free(raw: *mut ControlState) {
    if let Some(p) = core::ptr::NonNull::new(raw) {
        // SAFETY: `raw` came from `StateBox::into_raw` and was just removed from `CONTROL`, so
        // nothing else reaches it.
        drop(unsafe { StateBox::from_raw(p) });
    }
}

/// Registers an attached module — PASSIVE_LEVEL, `FilterAttach` (after `NdisFSetAttributes`).
/// The plane learns its interface (NET_LUID, IfIndex of the attach parameters); its SA store
/// receives the bundles added from now on. A module beyond [`MAX_MODULES`] runs without the
/// control plane (its OID path is unaffected).
pub(super) fn attach_module(
    context: usize,
    sas: &KernelSas,
    luid: u64,
    if_index: u32,
    test_family: bool,
) {
    let _ = with_state(|s| {
        let Some(slot) = s.modules.iter().position(Option::is_none) else {
            return;
        };
        if s.plane
            .attach_interface(Interface {
                luid,
                index: if_index,
            })
            .is_err()
        {
            return;
        }
        let ptr: *const KernelSas = sas;
        s.plane.store().host().sas[slot].store(ptr.cast_mut(), Ordering::Relaxed);
        s.modules[slot] = Some(ModuleInfo {
            context,
            if_index,
            test_family,
        });
        s.update_test_family();
    });
}

/// Unregisters a module — PASSIVE_LEVEL, `FilterDetach`, before the module is freed.
pub(super) fn detach_module(context: usize) {
    let _ = with_state(|s| {
        let Some(slot) = s
            .modules
            .iter()
            .position(|m| m.is_some_and(|m| m.context == context))
        else {
            return;
        };
        let if_index = s.modules[slot].map_or(0, |m| m.if_index);
        s.plane.store().host().sas[slot].store(core::ptr::null_mut(), Ordering::Relaxed);
        s.plane.store().forget_module(slot);
        let _ = s.plane.detach_interface(if_index);
        s.modules[slot] = None;
        s.update_test_family();
    });
    drain_events();
}

/// Carries out a test request: the module named must be attached with its keyword set
/// (else STATUS_NOT_FOUND in the response). `TestModuleStats` is answered with the module's
/// record ([`crate::test_stats`]); `TestOid` and `TestInject` are not carried out by the driver
/// yet (STATUS_NOT_SUPPORTED in the response, docs/control-plane.md).
fn carry_out(state: &ControlState, request: &TestRequest<'_>, output: &mut [u8]) -> Action {
    let module = module_index(request.module()).and_then(|index| {
        state
            .modules
            .iter()
            .flatten()
            .find(|m| m.if_index == index && m.test_family)
    });
    let result = match (module, request) {
        (None, _) => Dispatcher::complete_test(output, STATUS_NOT_FOUND, &[]),
        (Some(m), TestRequest::ModuleStats { .. }) => match module_stats(m.context) {
            Some(data) => Dispatcher::complete_test(output, STATUS_SUCCESS, &data),
            None => Dispatcher::complete_test(output, TEST_STATUS_INSUFFICIENT_RESOURCES, &[]),
        },
        (Some(_), _) => Dispatcher::complete_test(output, STATUS_NOT_SUPPORTED, &[]),
    };
    match result {
        Ok(n) => Action::Complete(0, n),
        Err(e) => Action::Complete(e.ntstatus() as NTSTATUS, 0),
    }
}

/// The encoded statistics record of the registered module `context` (allocated fallibly).
fn module_stats(context: usize) -> Option<Vec<u8>> {
    let (stats, sa_count) = super::filter::module_counters(context)?;
    let record = test_stats::record(&stats, sa_count);
    let mut data = Vec::new();
    data.try_reserve_exact(record.len()).ok()?;
    data.resize(record.len(), 0);
    record.encode(&mut data).ok()?;
    Some(data)
}

/// The IRP's METHOD_BUFFERED buffer and lengths: (system buffer, input length, output length).
fn buffers(irp: *mut IRP) -> Option<(*mut u8, usize, usize, u32)> {
    // SAFETY: the I/O manager dispatches a valid IRP whose current stack location is ours.
    let stack = unsafe { IoGetCurrentIrpStackLocation(irp) };
    // SAFETY: the current stack location of a dispatched IRP is valid during dispatch.
    let stack = unsafe { stack.as_ref() }?;
    // SAFETY: for IRP_MJ_DEVICE_CONTROL the DeviceIoControl view of Parameters is the live one.
    let params = unsafe { stack.Parameters.DeviceIoControl };
    // SAFETY: the IRP is valid during dispatch; METHOD_BUFFERED puts the system buffer here.
    let system = unsafe { (*irp).AssociatedIrp.SystemBuffer }.cast::<u8>();
    let input = usize::try_from(params.InputBufferLength).ok()?;
    let output = usize::try_from(params.OutputBufferLength).ok()?;
    Some((system, input, output, params.IoControlCode))
}

/// The system buffer as the output slice (it is `max(input, output)` bytes; the output is the
/// first `output` of them). Empty when there is no buffer.
fn output_slice<'a>(system: *mut u8, output: usize) -> &'a mut [u8] {
    if system.is_null() || output == 0 {
        return &mut [];
    }
    // SAFETY: for METHOD_BUFFERED the I/O manager allocated the system buffer with at least
    // `OutputBufferLength` bytes, owned by the IRP until it completes; nothing else refers to
    // it while the driver handles the IRP.
    unsafe { core::slice::from_raw_parts_mut(system, output) }
}

fn complete(irp: *mut IRP, status: NTSTATUS, information: usize) {
    // SAFETY: the driver owns the IRP until it completes it below.
    let irp_ref = unsafe { &mut *irp };
    irp_ref.IoStatus.Status = status;
    irp_ref.IoStatus.Information = information;
    // SAFETY: completes the IRP once, at ≤ DISPATCH_LEVEL; it is not touched afterwards.
    unsafe { IofCompleteRequest(irp, IO_NO_INCREMENT) };
}

/// `IoSetCancelRoutine`: swaps the IRP's cancel routine, returning the previous one.
fn set_cancel_routine(irp: *mut IRP, routine: ndis_bindings::PDRIVER_CANCEL) -> bool {
    let new = routine.map_or(core::ptr::null_mut(), |f| f as *mut c_void);
    // SAFETY: `irp` is a live IRP the driver owns (no reference to it is held here).
    let slot = unsafe { core::ptr::addr_of_mut!((*irp).CancelRoutine) };
    // SAFETY: `CancelRoutine` is a pointer-sized, pointer-aligned field of the live IRP that the
    // I/O manager also swaps atomically (InterlockedExchangePointer, as the WDK macro does).
    let field = unsafe { AtomicPtr::<c_void>::from_ptr(slot.cast()) };
    !field.swap(new, Ordering::AcqRel).is_null()
}

/// `IRP_MJ_DEVICE_CONTROL` — PASSIVE_LEVEL. Copies the input (the system buffer is both input
/// and output), runs the dispatcher on the plane, then completes, pends or refuses the IRP.
pub(super) fn device_control(irp: *mut IRP) -> NTSTATUS {
    let Some((system, in_len, out_len, code)) = buffers(irp) else {
        complete(irp, STATUS_INVALID_DEVICE_REQUEST, 0);
        return STATUS_INVALID_DEVICE_REQUEST;
    };
    let mut input = Vec::new();
    if input.try_reserve_exact(in_len).is_err() {
        complete(irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if !system.is_null() && in_len > 0 {
        // SAFETY: for METHOD_BUFFERED the system buffer holds `InputBufferLength` input bytes.
        input.extend_from_slice(unsafe { core::slice::from_raw_parts(system, in_len) });
    }
    let output = output_slice(system, out_len);
    let token = irp as u64;
    let action = with_state(|s| {
        // The dispatcher refuses the test family before reading its input unless a module's
        // keyword enabled it; a test request then names one module.
        let result = s
            .dispatcher
            .dispatch(&mut s.plane, code, token, &input, output);
        match outcome(result) {
            IrpOutcome::Complete {
                status,
                information,
            } => Action::Complete(status as NTSTATUS, information),
            IrpOutcome::Test(t) => carry_out(s, &t, output),
            IrpOutcome::Pending => {
                // Queued under the lock: mark pending and arm the cancel routine before anyone
                // else can complete it (that needs this lock too).
                // SAFETY: the IRP is live and ours; its current stack location is valid.
                let stack = unsafe { IoGetCurrentIrpStackLocation(irp) };
                // SAFETY: as above; nothing else refers to our stack location meanwhile.
                if let Some(stack) = unsafe { stack.as_mut() } {
                    stack.Control |= SL_PENDING_RETURNED;
                }
                set_cancel_routine(irp, Some(cancel_event_wait));
                // SAFETY: `irp` is live and ours (no reference to it is held here).
                let flag = unsafe { core::ptr::addr_of!((*irp).Cancel) };
                // SAFETY: `Cancel` is a byte of the live IRP that IoCancelIrp sets (before it
                // calls the cancel routine), hence the volatile read.
                let cancelled = unsafe { core::ptr::read_volatile(flag) } != 0;
                if cancelled && set_cancel_routine(irp, None) {
                    // Cancelled before the routine was armed: it will not run; undo here.
                    s.dispatcher.cancel(token);
                    return Action::Complete(STATUS_CANCELLED, 0);
                }
                Action::Pending
            }
        }
    });
    // No control state: DriverEntry could not create it (it then fails), so this is defensive.
    let action = action.unwrap_or(Action::Complete(STATUS_INVALID_DEVICE_REQUEST, 0));
    let status = match action {
        Action::Pending => STATUS_PENDING,
        Action::Complete(status, information) => {
            complete(irp, status, information);
            status
        }
    };
    // The operation may have raised events (acquire, purge, expiry) for waiting requests.
    drain_events();
    status
}

/// What `device_control` does with the IRP once the lock is released.
enum Action {
    /// Complete with this status and byte count.
    Complete(NTSTATUS, usize),
    /// It is pending (queued, cancel routine armed).
    Pending,
}

/// Completes pending `EventWait` IRPs while events are waiting.
pub(super) fn drain_events() {
    loop {
        let next = with_state(|s| {
            let (token, max_events) = s.dispatcher.ready(&s.plane)?;
            let irp = token as usize as *mut IRP;
            if !set_cancel_routine(irp, None) {
                // Its cancel routine is running (waiting for this lock): it completes the IRP.
                return Some(None);
            }
            let out_len = buffers(irp).map_or(0, |(_, _, o, _)| o);
            let system = buffers(irp).map_or(core::ptr::null_mut(), |(b, _, _, _)| b);
            let output = output_slice(system, out_len);
            Some(Some(
                match Dispatcher::complete_events(&mut s.plane, max_events, output) {
                    Ok(n) => (irp, 0, n),
                    Err(e) => (irp, e.ntstatus() as NTSTATUS, 0),
                },
            ))
        });
        match next.flatten() {
            None => return,
            Some(None) => {}
            Some(Some((irp, status, information))) => complete(irp, status, information),
        }
    }
}

/// Cancel routine of a pending `EventWait` — DISPATCH_LEVEL, holding the cancel spin lock.
unsafe extern "system" fn cancel_event_wait(_device: *mut DEVICE_OBJECT, irp: *mut IRP) {
    // SAFETY: the I/O manager passes the live IRP being cancelled.
    let irql = unsafe { (*irp).CancelIrql };
    // SAFETY: a cancel routine is called holding the cancel spin lock, released once here.
    unsafe { IoReleaseCancelSpinLock(irql) };
    let token = irp as u64;
    let _ = with_state(|s| s.dispatcher.cancel(token));
    complete(irp, STATUS_CANCELLED, 0);
}
