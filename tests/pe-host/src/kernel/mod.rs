//! The host kernel: the ntoskrnl.exe and ndis.sys routines the driver imports, implemented on
//! the host with the checks of a driver verifier (IRQL bounds, lock discipline, tagged pool).

pub mod cancel;
pub mod config;
pub mod datapath;
pub mod debug;
pub mod device;
pub mod filter_driver;
pub mod forward;
pub mod frames;
pub mod image;
pub mod irp;
pub mod irql;
pub mod lowres;
pub mod module;
pub mod nbl;
pub mod oid;
pub mod pool;
pub mod spinlock;
pub mod status;
pub mod strings;
pub mod timer;
pub mod trap;
pub mod verifier;
pub mod xstate;

use crate::fault::bugcheck;
use crate::load::HostTable;

/// Every import the host implements, as (module, name, address).
pub fn implemented() -> Vec<(&'static str, &'static str, usize)> {
    macro_rules! f {
        ($m:literal, $n:literal, $f:path) => {
            ($m, $n, $f as *const () as usize)
        };
    }
    vec![
        ("ntoskrnl.exe", "KeBugCheckEx", bugcheck::entry()),
        f!("ntoskrnl.exe", "DbgPrintEx", debug::dbg_print_ex),
        f!("ntoskrnl.exe", "DbgPrint", debug::dbg_print),
        f!("ntoskrnl.exe", "ExAllocatePool2", pool::ex_allocate_pool2),
        f!(
            "ntoskrnl.exe",
            "ExFreePoolWithTag",
            pool::ex_free_pool_with_tag
        ),
        f!(
            "ntoskrnl.exe",
            "KeAcquireSpinLockRaiseToDpc",
            spinlock::ke_acquire_spin_lock_raise_to_dpc
        ),
        f!(
            "ntoskrnl.exe",
            "KeReleaseSpinLock",
            spinlock::ke_release_spin_lock
        ),
        f!(
            "ntoskrnl.exe",
            "KeAcquireSpinLockAtDpcLevel",
            spinlock::ke_acquire_spin_lock_at_dpc_level
        ),
        f!(
            "ntoskrnl.exe",
            "KeReleaseSpinLockFromDpcLevel",
            spinlock::ke_release_spin_lock_from_dpc_level
        ),
        f!(
            "ntoskrnl.exe",
            "KeSaveExtendedProcessorState",
            xstate::ke_save_extended_processor_state
        ),
        f!(
            "ntoskrnl.exe",
            "KeRestoreExtendedProcessorState",
            xstate::ke_restore_extended_processor_state
        ),
        f!(
            "ntoskrnl.exe",
            "ExAcquireSpinLockShared",
            spinlock::ex_acquire_spin_lock_shared
        ),
        f!(
            "ntoskrnl.exe",
            "ExReleaseSpinLockShared",
            spinlock::ex_release_spin_lock_shared
        ),
        f!(
            "ntoskrnl.exe",
            "ExAcquireSpinLockExclusive",
            spinlock::ex_acquire_spin_lock_exclusive
        ),
        f!(
            "ntoskrnl.exe",
            "ExReleaseSpinLockExclusive",
            spinlock::ex_release_spin_lock_exclusive
        ),
        f!(
            "ndis.sys",
            "NdisFRegisterFilterDriver",
            filter_driver::ndis_f_register_filter_driver
        ),
        f!(
            "ndis.sys",
            "NdisFDeregisterFilterDriver",
            filter_driver::ndis_f_deregister_filter_driver
        ),
        f!(
            "ndis.sys",
            "NdisRegisterDeviceEx",
            device::ndis_register_device_ex
        ),
        f!(
            "ndis.sys",
            "NdisDeregisterDeviceEx",
            device::ndis_deregister_device_ex
        ),
        f!(
            "ndis.sys",
            "NdisFSetAttributes",
            module::ndis_f_set_attributes
        ),
        f!(
            "ndis.sys",
            "NdisFIndicateStatus",
            module::ndis_f_indicate_status
        ),
        f!(
            "ndis.sys",
            "NdisFPauseComplete",
            module::ndis_f_pause_complete
        ),
        f!(
            "ndis.sys",
            "NdisOpenConfigurationEx",
            config::ndis_open_configuration_ex
        ),
        f!(
            "ndis.sys",
            "NdisReadConfiguration",
            config::ndis_read_configuration
        ),
        f!(
            "ndis.sys",
            "NdisCloseConfiguration",
            config::ndis_close_configuration
        ),
        f!(
            "ndis.sys",
            "NdisAllocateNetBufferListPool",
            nbl::ndis_allocate_net_buffer_list_pool
        ),
        f!(
            "ndis.sys",
            "NdisFreeNetBufferListPool",
            nbl::ndis_free_net_buffer_list_pool
        ),
        f!(
            "ndis.sys",
            "NdisAllocateNetBufferAndNetBufferList",
            nbl::ndis_allocate_net_buffer_and_net_buffer_list
        ),
        f!(
            "ndis.sys",
            "NdisFreeNetBufferList",
            nbl::ndis_free_net_buffer_list
        ),
        f!("ndis.sys", "NdisAllocateMdl", nbl::ndis_allocate_mdl),
        f!("ndis.sys", "NdisFreeMdl", nbl::ndis_free_mdl),
        f!(
            "ntoskrnl.exe",
            "MmMapLockedPagesSpecifyCache",
            nbl::mm_map_locked_pages_specify_cache
        ),
        f!(
            "ndis.sys",
            "NdisCopySendNetBufferListInfo",
            datapath::ndis_copy_send_net_buffer_list_info
        ),
        f!(
            "ndis.sys",
            "NdisFOidRequestComplete",
            oid::ndis_f_oid_request_complete
        ),
        f!(
            "ndis.sys",
            "NdisFDirectOidRequestComplete",
            oid::ndis_f_direct_oid_request_complete
        ),
        f!(
            "ndis.sys",
            "NdisFSendNetBufferLists",
            datapath::ndis_f_send_net_buffer_lists
        ),
        f!(
            "ndis.sys",
            "NdisFSendNetBufferListsComplete",
            datapath::ndis_f_send_net_buffer_lists_complete
        ),
        f!(
            "ndis.sys",
            "NdisFIndicateReceiveNetBufferLists",
            datapath::ndis_f_indicate_receive_net_buffer_lists
        ),
        f!(
            "ndis.sys",
            "NdisFReturnNetBufferLists",
            datapath::ndis_f_return_net_buffer_lists
        ),
        f!(
            "ntoskrnl.exe",
            "IofCompleteRequest",
            irp::iof_complete_request
        ),
        f!(
            "ntoskrnl.exe",
            "IoReleaseCancelSpinLock",
            cancel::io_release_cancel_spin_lock
        ),
        f!(
            "ndis.sys",
            "NdisAllocateCloneOidRequest",
            oid::ndis_allocate_clone_oid_request
        ),
        f!(
            "ndis.sys",
            "NdisFreeCloneOidRequest",
            oid::ndis_free_clone_oid_request
        ),
        f!("ndis.sys", "NdisFOidRequest", oid::ndis_f_oid_request),
        f!(
            "ndis.sys",
            "NdisFDirectOidRequest",
            oid::ndis_f_direct_oid_request
        ),
        f!(
            "ndis.sys",
            "NdisFCancelSendNetBufferLists",
            forward::ndis_f_cancel_send_net_buffer_lists
        ),
        f!(
            "ndis.sys",
            "NdisFCancelOidRequest",
            forward::ndis_f_cancel_oid_request
        ),
        f!(
            "ndis.sys",
            "NdisFCancelDirectOidRequest",
            forward::ndis_f_cancel_direct_oid_request
        ),
        f!(
            "ndis.sys",
            "NdisFNetPnPEvent",
            forward::ndis_f_net_pnp_event
        ),
        f!(
            "ndis.sys",
            "NdisFDevicePnPEventNotify",
            forward::ndis_f_device_pnp_event_notify
        ),
        f!(
            "ntoskrnl.exe",
            "KeQueryInterruptTimePrecise",
            timer::ke_query_interrupt_time_precise
        ),
        f!(
            "ntoskrnl.exe",
            "KeFlushQueuedDpcs",
            timer::ke_flush_queued_dpcs
        ),
        f!(
            "ndis.sys",
            "NdisAllocateTimerObject",
            timer::ndis_allocate_timer_object
        ),
        f!(
            "ndis.sys",
            "NdisSetTimerObject",
            timer::ndis_set_timer_object
        ),
        f!(
            "ndis.sys",
            "NdisCancelTimerObject",
            timer::ndis_cancel_timer_object
        ),
        f!(
            "ndis.sys",
            "NdisFreeTimerObject",
            timer::ndis_free_timer_object
        ),
    ]
}

/// The host table of every implemented import.
pub fn host_table() -> HostTable {
    let mut t = HostTable::new();
    for (m, n, a) in implemented() {
        t.add(m, n, a);
    }
    t
}

/// The implemented imports plus, for each of `imports` (module, name) the host lacks, a trap
/// that ends the run naming it if the driver ever calls it. `None` when traps run out.
pub fn host_table_with_traps<'a>(
    imports: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<HostTable> {
    let mut t = host_table();
    for (m, n) in imports {
        if t.get(m, n).is_none() {
            t.add(m, n, trap::trap(m, n)?);
        }
    }
    Some(t)
}
