//! Functions exported by ndis.sys and ntoskrnl.exe, imported with `raw-dylib` (no import library
//! needed to link). Each declaration is the WDK prototype (ndis-core-layouts.md §5) in the x64
//! calling convention (`extern "system"`; `DbgPrintEx` is variadic `extern "C"`). IRQL rules are
//! those of the WDK documentation.
//!
//! Only on Windows targets; host builds of the portable crates never see these symbols.

use core::ffi::c_char;

use ipsecov2_abi::{
    BOOLEAN, KIRQL, LONGLONG, MDL, NDIS_HANDLE, NDIS_OID_REQUEST, NDIS_PORT_NUMBER, NDIS_STATUS,
    NET_BUFFER, NET_BUFFER_LIST, NET_BUFFER_LIST_POOL_PARAMETERS, NTSTATUS, PVOID, SIZE_T, UCHAR,
    UINT, ULONG, ULONG64, ULONG_PTR, USHORT,
};

use crate::config::{NDIS_CONFIGURATION_OBJECT, NDIS_CONFIGURATION_PARAMETER, NDIS_PARAMETER_TYPE};
use crate::filter::{
    NDIS_DEVICE_OBJECT_ATTRIBUTES, NDIS_FILTER_ATTRIBUTES, NDIS_FILTER_DRIVER_CHARACTERISTICS,
    NDIS_STATUS_INDICATION, NET_DEVICE_PNP_EVENT, NET_PNP_EVENT_NOTIFICATION,
};
use crate::timer::NDIS_TIMER_CHARACTERISTICS;
use crate::types::{
    CCHAR, KPROCESSOR_MODE, KSPIN_LOCK, LOCK_STATE_EX, MEMORY_CACHING_TYPE, MM_PAGE_PRIORITY,
    NDIS_RW_LOCK_EX, NDIS_STRING, POOL_FLAGS, XSTATE_SAVE,
};
use crate::wdm::{DEVICE_OBJECT, DRIVER_OBJECT, IRP};

#[link(name = "ndis.sys", kind = "raw-dylib", modifiers = "+verbatim")]
extern "system" {
    /// PASSIVE_LEVEL, from `DriverEntry`.
    pub fn NdisFRegisterFilterDriver(
        DriverObject: *mut DRIVER_OBJECT,
        FilterDriverContext: NDIS_HANDLE,
        FilterDriverCharacteristics: *mut NDIS_FILTER_DRIVER_CHARACTERISTICS,
        NdisFilterDriverHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// PASSIVE_LEVEL, from `DriverUnload`.
    pub fn NdisFDeregisterFilterDriver(NdisFilterDriverHandle: NDIS_HANDLE);
    /// PASSIVE_LEVEL, inside `FilterAttach` only.
    pub fn NdisFSetAttributes(
        NdisFilterHandle: NDIS_HANDLE,
        FilterModuleContext: NDIS_HANDLE,
        FilterAttributes: *mut NDIS_FILTER_ATTRIBUTES,
    ) -> NDIS_STATUS;
    /// PASSIVE_LEVEL; completes a pended `FilterRestart`.
    pub fn NdisFRestartComplete(NdisFilterHandle: NDIS_HANDLE, Status: NDIS_STATUS);
    /// PASSIVE_LEVEL..DISPATCH_LEVEL; completes a pended `FilterPause`.
    pub fn NdisFPauseComplete(NdisFilterHandle: NDIS_HANDLE);
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFSendNetBufferLists(
        NdisFilterHandle: NDIS_HANDLE,
        NetBufferList: *mut NET_BUFFER_LIST,
        PortNumber: NDIS_PORT_NUMBER,
        SendFlags: ULONG,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFSendNetBufferListsComplete(
        NdisFilterHandle: NDIS_HANDLE,
        NetBufferList: *mut NET_BUFFER_LIST,
        SendCompleteFlags: ULONG,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFIndicateReceiveNetBufferLists(
        NdisFilterHandle: NDIS_HANDLE,
        NetBufferLists: *mut NET_BUFFER_LIST,
        PortNumber: NDIS_PORT_NUMBER,
        NumberOfNetBufferLists: ULONG,
        ReceiveFlags: ULONG,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFReturnNetBufferLists(
        NdisFilterHandle: NDIS_HANDLE,
        NetBufferLists: *mut NET_BUFFER_LIST,
        ReturnFlags: ULONG,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFOidRequest(
        NdisFilterHandle: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
    ) -> NDIS_STATUS;
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFOidRequestComplete(
        NdisFilterHandle: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
        Status: NDIS_STATUS,
    );
    /// ≤ DISPATCH_LEVEL (NDIS 6.1+).
    pub fn NdisFDirectOidRequest(
        NdisFilterHandle: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
    ) -> NDIS_STATUS;
    /// ≤ DISPATCH_LEVEL (NDIS 6.1+).
    pub fn NdisFDirectOidRequestComplete(
        NdisFilterHandle: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
        Status: NDIS_STATUS,
    );
    /// ≤ DISPATCH_LEVEL (NDIS 6.1+).
    pub fn NdisFCancelDirectOidRequest(NdisFilterHandle: NDIS_HANDLE, RequestId: PVOID);
    /// PASSIVE_LEVEL (NDIS 6.80+).
    pub fn NdisFSynchronousOidRequest(
        NdisFilterModuleHandle: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
    ) -> NDIS_STATUS;
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFIndicateStatus(
        NdisFilterHandle: NDIS_HANDLE,
        StatusIndication: *mut NDIS_STATUS_INDICATION,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFCancelSendNetBufferLists(NdisFilterHandle: NDIS_HANDLE, CancelId: PVOID);
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFCancelOidRequest(NdisFilterHandle: NDIS_HANDLE, RequestId: PVOID);
    /// PASSIVE_LEVEL.
    pub fn NdisFRestartFilter(NdisFilterHandle: NDIS_HANDLE) -> NDIS_STATUS;
    /// PASSIVE_LEVEL.
    pub fn NdisFNetPnPEvent(
        NdisFilterHandle: NDIS_HANDLE,
        NetPnPEventNotification: *mut NET_PNP_EVENT_NOTIFICATION,
    ) -> NDIS_STATUS;
    /// PASSIVE_LEVEL.
    pub fn NdisFDevicePnPEventNotify(
        NdisFilterHandle: NDIS_HANDLE,
        NetDevicePnPEvent: *mut NET_DEVICE_PNP_EVENT,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisAllocateCloneOidRequest(
        SourceHandle: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
        PoolTag: UINT,
        ClonedOidRequest: *mut *mut NDIS_OID_REQUEST,
    ) -> NDIS_STATUS;
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFreeCloneOidRequest(SourceHandle: NDIS_HANDLE, Request: *mut NDIS_OID_REQUEST);
    /// PASSIVE_LEVEL.
    pub fn NdisRegisterDeviceEx(
        NdisHandle: NDIS_HANDLE,
        DeviceObjectAttributes: *mut NDIS_DEVICE_OBJECT_ATTRIBUTES,
        pDeviceObject: *mut *mut DEVICE_OBJECT,
        NdisDeviceHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// PASSIVE_LEVEL.
    pub fn NdisDeregisterDeviceEx(NdisDeviceHandle: NDIS_HANDLE);
    /// ≤ DISPATCH_LEVEL. `NDIS_STATUS_RESOURCES` when out of memory.
    pub fn NdisAllocateTimerObject(
        NdisHandle: NDIS_HANDLE,
        TimerCharacteristics: *mut NDIS_TIMER_CHARACTERISTICS,
        pTimerObject: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// ≤ DISPATCH_LEVEL. `DueTime` is a `LARGE_INTEGER` in 100 ns units (negative: relative);
    /// `MillisecondsPeriod` 0 fires once. TRUE when the timer was already queued.
    pub fn NdisSetTimerObject(
        TimerObject: NDIS_HANDLE,
        DueTime: LONGLONG,
        MillisecondsPeriod: ULONG,
        FunctionContext: PVOID,
    ) -> BOOLEAN;
    /// ≤ DISPATCH_LEVEL. TRUE when the timer was queued (and now is not); a running timer
    /// function is not waited for (`KeFlushQueuedDpcs`).
    pub fn NdisCancelTimerObject(TimerObject: NDIS_HANDLE) -> BOOLEAN;
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFreeTimerObject(TimerObject: NDIS_HANDLE);
    /// Any IRQL.
    pub fn NdisGetDeviceReservedExtension(DeviceObject: *mut DEVICE_OBJECT) -> PVOID;
    /// Any IRQL.
    pub fn NdisGetVersion() -> UINT;
    /// PASSIVE_LEVEL.
    pub fn NdisAllocateNetBufferListPool(
        NdisHandle: NDIS_HANDLE,
        Parameters: *const NET_BUFFER_LIST_POOL_PARAMETERS,
    ) -> NDIS_HANDLE;
    /// PASSIVE_LEVEL.
    pub fn NdisFreeNetBufferListPool(PoolHandle: NDIS_HANDLE);
    /// ≤ DISPATCH_LEVEL. An NBL with one NET_BUFFER over `MdlChain` (`DataLength` is `SIZE_T`).
    pub fn NdisAllocateNetBufferAndNetBufferList(
        PoolHandle: NDIS_HANDLE,
        ContextSize: USHORT,
        ContextBackFill: USHORT,
        MdlChain: *mut MDL,
        DataOffset: ULONG,
        DataLength: SIZE_T,
    ) -> *mut NET_BUFFER_LIST;
    /// ≤ DISPATCH_LEVEL. Frees an NBL (and its NET_BUFFERs) from `NdisAllocateNetBufferList` /
    /// `NdisAllocateNetBufferAndNetBufferList`; the MDLs are the caller's.
    pub fn NdisFreeNetBufferList(NetBufferList: *mut NET_BUFFER_LIST);
    /// ≤ DISPATCH_LEVEL. The NBL pool an NBL came from.
    pub fn NdisGetPoolFromNetBufferList(NetBufferList: *const NET_BUFFER_LIST) -> NDIS_HANDLE;
    /// PASSIVE_LEVEL. Opens the configuration (registry keywords) of `ConfigObject.NdisHandle`.
    pub fn NdisOpenConfigurationEx(
        ConfigObject: *mut NDIS_CONFIGURATION_OBJECT,
        ConfigurationHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// PASSIVE_LEVEL. `*ParameterValue` is owned by NDIS until `NdisCloseConfiguration`.
    pub fn NdisReadConfiguration(
        Status: *mut NDIS_STATUS,
        ParameterValue: *mut *mut NDIS_CONFIGURATION_PARAMETER,
        ConfigurationHandle: NDIS_HANDLE,
        Keyword: *mut NDIS_STRING,
        ParameterType: NDIS_PARAMETER_TYPE,
    );
    /// PASSIVE_LEVEL.
    pub fn NdisCloseConfiguration(ConfigurationHandle: NDIS_HANDLE);
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisAllocateCloneNetBufferList(
        OriginalNetBufferList: *mut NET_BUFFER_LIST,
        NetBufferListPoolHandle: NDIS_HANDLE,
        NetBufferPoolHandle: NDIS_HANDLE,
        AllocateCloneFlags: ULONG,
    ) -> *mut NET_BUFFER_LIST;
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFreeCloneNetBufferList(
        CloneNetBufferList: *mut NET_BUFFER_LIST,
        FreeCloneFlags: ULONG,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisCopySendNetBufferListInfo(
        DestNetBufferList: *mut NET_BUFFER_LIST,
        SrcNetBufferList: *const NET_BUFFER_LIST,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisCopyReceiveNetBufferListInfo(
        DestNetBufferList: *mut NET_BUFFER_LIST,
        SrcNetBufferList: *const NET_BUFFER_LIST,
    );
    /// ≤ DISPATCH_LEVEL; returns NULL when `Storage` is NULL and the bytes are not contiguous.
    pub fn NdisGetDataBuffer(
        NetBuffer: *mut NET_BUFFER,
        BytesNeeded: ULONG,
        Storage: PVOID,
        AlignMultiple: ULONG,
        AlignOffset: ULONG,
    ) -> PVOID;
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisAllocateMdl(
        NdisHandle: NDIS_HANDLE,
        VirtualAddress: PVOID,
        Length: ULONG,
    ) -> *mut MDL;
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisFreeMdl(Mdl: *mut MDL);
    /// PASSIVE_LEVEL.
    pub fn NdisAllocateRWLock(NdisHandle: NDIS_HANDLE) -> *mut NDIS_RW_LOCK_EX;
    /// PASSIVE_LEVEL.
    pub fn NdisFreeRWLock(Lock: *mut NDIS_RW_LOCK_EX);
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisAcquireRWLockRead(
        Lock: *mut NDIS_RW_LOCK_EX,
        LockState: *mut LOCK_STATE_EX,
        Flags: UCHAR,
    );
    /// ≤ DISPATCH_LEVEL.
    pub fn NdisAcquireRWLockWrite(
        Lock: *mut NDIS_RW_LOCK_EX,
        LockState: *mut LOCK_STATE_EX,
        Flags: UCHAR,
    );
    /// DISPATCH_LEVEL (the IRQL the acquire raised to).
    pub fn NdisReleaseRWLock(Lock: *mut NDIS_RW_LOCK_EX, LockState: *mut LOCK_STATE_EX);
}

#[link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")]
extern "system" {
    /// ≤ DISPATCH_LEVEL for non-paged pool (Windows 10 2004+). Zeroes unless
    /// `POOL_FLAG_UNINITIALIZED`.
    pub fn ExAllocatePool2(Flags: POOL_FLAGS, NumberOfBytes: SIZE_T, Tag: ULONG) -> PVOID;
    /// ≤ DISPATCH_LEVEL for non-paged pool.
    pub fn ExFreePoolWithTag(P: PVOID, Tag: ULONG);
    /// Any IRQL; does not return.
    pub fn KeBugCheckEx(
        BugCheckCode: ULONG,
        BugCheckParameter1: ULONG_PTR,
        BugCheckParameter2: ULONG_PTR,
        BugCheckParameter3: ULONG_PTR,
        BugCheckParameter4: ULONG_PTR,
    ) -> !;
    /// Any IRQL.
    pub fn KeGetCurrentIrql() -> KIRQL;
    /// ≤ DISPATCH_LEVEL.
    pub fn KeSaveExtendedProcessorState(Mask: ULONG64, XStateSave: *mut XSTATE_SAVE) -> NTSTATUS;
    /// ≤ DISPATCH_LEVEL, same IRQL as the save.
    pub fn KeRestoreExtendedProcessorState(XStateSave: *mut XSTATE_SAVE);
    /// ≤ DISPATCH_LEVEL (`IoCompleteRequest` is a macro over this).
    pub fn IofCompleteRequest(Irp: *mut IRP, PriorityBoost: CCHAR);
    /// Any IRQL.
    pub fn KeInitializeSpinLock(SpinLock: *mut KSPIN_LOCK);
    /// ≤ DISPATCH_LEVEL; returns the previous IRQL, leaves the CPU at DISPATCH_LEVEL.
    pub fn KeAcquireSpinLockRaiseToDpc(SpinLock: *mut KSPIN_LOCK) -> KIRQL;
    /// DISPATCH_LEVEL.
    pub fn KeReleaseSpinLock(SpinLock: *mut KSPIN_LOCK, NewIrql: KIRQL);
    /// DISPATCH_LEVEL.
    pub fn KeAcquireSpinLockAtDpcLevel(SpinLock: *mut KSPIN_LOCK);
    /// DISPATCH_LEVEL.
    pub fn KeReleaseSpinLockFromDpcLevel(SpinLock: *mut KSPIN_LOCK);
    /// ≤ DISPATCH_LEVEL (KernelMode).
    pub fn MmMapLockedPagesSpecifyCache(
        MemoryDescriptorList: *mut MDL,
        AccessMode: KPROCESSOR_MODE,
        CacheType: MEMORY_CACHING_TYPE,
        RequestedAddress: PVOID,
        BugCheckOnFailure: ULONG,
        Priority: MM_PAGE_PRIORITY,
    ) -> PVOID;
    /// ≤ DISPATCH_LEVEL.
    pub fn IoAllocateMdl(
        VirtualAddress: PVOID,
        Length: ULONG,
        SecondaryBuffer: UCHAR,
        ChargeQuota: UCHAR,
        Irp: *mut IRP,
    ) -> *mut MDL;
    /// ≤ DISPATCH_LEVEL.
    pub fn IoFreeMdl(Mdl: *mut MDL);
    /// ≤ DISPATCH_LEVEL.
    pub fn MmBuildMdlForNonPagedPool(MemoryDescriptorList: *mut MDL);
    /// PASSIVE_LEVEL. Returns when every DPC queued (on any processor) before the call has run:
    /// a timer function that was running when its timer was cancelled has returned.
    pub fn KeFlushQueuedDpcs();
    /// Any IRQL (Windows 8.1+). The interrupt time (100 ns units since boot, sleep included);
    /// `QpcTimeStamp` receives the performance counter read with it.
    pub fn KeQueryInterruptTimePrecise(QpcTimeStamp: *mut ULONG64) -> ULONG64;
}

#[link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")]
extern "C" {
    /// `ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)`; ≤ DIRQL, `%s`
    /// arguments must be resident (non-paged) at DISPATCH_LEVEL and above.
    pub fn DbgPrintEx(ComponentId: ULONG, Level: ULONG, Format: *const c_char, ...) -> ULONG;
}
