//! Kernel runtime pieces built on the imports: the pool routines of the driver's allocator
//! (`ExAllocatePool2(POOL_FLAG_NON_PAGED)` / `ExFreePoolWithTag`, [`KernelPool`] under
//! [`PoolAllocator`]), an owned pool allocation that can fail without panicking and be built in
//! place ([`PoolBox`]), a spin lock guarding a value ([`SpinLock`], the
//! `NdisAcquireSpinLock`/`NdisDprAcquireSpinLock` pair), the bug-check used as panic handler, and
//! `DbgPrintEx` helpers.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ffi::CStr;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use ipsecov2_abi::{KIRQL, NDIS_STATUS, ULONG};

use crate::ffi;
use crate::pool::{AlignedPool, PoolRoutines};
use crate::types::{DPFLTR_IHVNETWORK_ID, KSPIN_LOCK, POOL_FLAGS};

/// ntoskrnl's `ExAllocatePool2` / `ExFreePoolWithTag` as the allocator's
/// [`PoolRoutines`](crate::pool::PoolRoutines).
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelPool;

impl PoolRoutines for KernelPool {
    unsafe fn allocate(flags: POOL_FLAGS, size: usize, tag: u32) -> *mut u8 {
        // SAFETY: forwarded from the caller (IRQL ≤ DISPATCH_LEVEL for non-paged pool).
        unsafe { ffi::ExAllocatePool2(flags, size, tag) }.cast::<u8>()
    }

    unsafe fn free(block: *mut u8, tag: u32) {
        // SAFETY: forwarded from the caller (a live block of this tag, freed once).
        unsafe { ffi::ExFreePoolWithTag(block.cast(), tag) }
    }
}

/// The driver's global allocator: non-paged NX pool tagged `TAG`, every `Layout` alignment
/// honoured ([`AlignedPool`] over [`KernelPool`]).
pub type PoolAllocator<const TAG: u32> = AlignedPool<KernelPool, TAG>;

/// A `T` in non-paged NX pool tagged `TAG`, created without panicking on exhaustion
/// (`try_new` / `try_new_uninit` return `None`), dropped in place and freed with
/// `ExFreePoolWithTag`. Any alignment of `T` is honoured (through [`PoolAllocator`]).
#[derive(Debug)]
pub struct PoolBox<T, const TAG: u32> {
    ptr: NonNull<T>,
    _owns: PhantomData<T>,
}

impl<T, const TAG: u32> PoolBox<T, TAG> {
    /// Moves `value` into a new pool block; `None` when the pool is exhausted. `value` passes
    /// through the caller's stack: large values should use [`PoolBox::try_new_uninit`].
    pub fn try_new(value: T) -> Option<Self> {
        let mut b = PoolBox::<MaybeUninit<T>, TAG>::try_new_uninit()?;
        b.write(value);
        // SAFETY: written just above.
        Some(unsafe { b.assume_init() })
    }

    /// Gives up ownership; the pointer must come back through [`PoolBox::from_raw`].
    #[must_use]
    pub fn into_raw(self) -> *mut T {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        p
    }

    /// Takes back ownership of a pointer from [`PoolBox::into_raw`].
    ///
    /// # Safety
    ///
    /// `raw` must come from `into_raw` of a `PoolBox<T, TAG>` and be taken back only once.
    #[must_use]
    pub unsafe fn from_raw(raw: NonNull<T>) -> Self {
        Self {
            ptr: raw,
            _owns: PhantomData,
        }
    }
}

impl<T, const TAG: u32> PoolBox<MaybeUninit<T>, TAG> {
    /// An uninitialised pool block for a `T`, to be built in place (large objects never pass
    /// through the stack); `None` when the pool is exhausted.
    pub fn try_new_uninit() -> Option<Self> {
        // SAFETY: `Layout::new` is a valid layout; a null return is handled.
        let raw = unsafe { PoolAllocator::<TAG>::new().alloc(Layout::new::<T>()) };
        let ptr = NonNull::new(raw.cast::<MaybeUninit<T>>())?;
        Some(Self {
            ptr,
            _owns: PhantomData,
        })
    }

    /// The box as an initialised `T`.
    ///
    /// # Safety
    /// Every field of the `T` has been written.
    #[must_use]
    pub unsafe fn assume_init(self) -> PoolBox<T, TAG> {
        let ptr = self.ptr.cast::<T>();
        core::mem::forget(self);
        PoolBox {
            ptr,
            _owns: PhantomData,
        }
    }
}

impl<T, const TAG: u32> Deref for PoolBox<T, TAG> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialised `T` (or a `MaybeUninit`, valid uninitialised).
        unsafe { self.ptr.as_ref() }
    }
}

impl<T, const TAG: u32> DerefMut for PoolBox<T, TAG> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` makes this the only reference.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T, const TAG: u32> Drop for PoolBox<T, TAG> {
    fn drop(&mut self) {
        // SAFETY: the box owns an initialised `T`, dropped exactly once here.
        unsafe { core::ptr::drop_in_place(self.ptr.as_ptr()) };
        // SAFETY: the block came from `PoolAllocator::<TAG>` with `T`'s layout, freed once.
        unsafe {
            PoolAllocator::<TAG>::new().dealloc(self.ptr.as_ptr().cast(), Layout::new::<T>())
        };
    }
}

/// A value guarded by a `KSPIN_LOCK` (what `NDIS_SPIN_LOCK` and `NdisAcquireSpinLock` /
/// `NdisDprAcquireSpinLock` expand to on x64). Callable at ≤ DISPATCH_LEVEL; the guard runs at
/// DISPATCH_LEVEL and restores the IRQL on drop.
pub struct SpinLock<T> {
    lock: UnsafeCell<KSPIN_LOCK>,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, which exists on one processor at a time.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: moving the lock moves the value it owns.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> core::fmt::Debug for SpinLock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SpinLock { .. }")
    }
}

/// Held [`SpinLock`]; releases on drop (to the saved IRQL, or staying at DISPATCH_LEVEL for the
/// `at_dpc` acquire).
pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
    /// `Some(old)` for `NdisAcquireSpinLock`, `None` for `NdisDprAcquireSpinLock`.
    old_irql: Option<KIRQL>,
    _not_send: PhantomData<*const ()>,
}

impl<T> core::fmt::Debug for SpinLockGuard<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpinLockGuard")
            .field("old_irql", &self.old_irql)
            .finish()
    }
}

impl<T> SpinLock<T> {
    /// `NdisAllocateSpinLock`: an unlocked lock (`KeInitializeSpinLock` stores 0).
    pub const fn new(value: T) -> Self {
        Self {
            lock: UnsafeCell::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// `NdisAcquireSpinLock`: IRQL ≤ DISPATCH_LEVEL, raises to DISPATCH_LEVEL.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        // SAFETY: the lock word lives as long as `self` and is only used through these calls.
        let old = unsafe { ffi::KeAcquireSpinLockRaiseToDpc(self.lock.get()) };
        SpinLockGuard {
            lock: self,
            old_irql: Some(old),
            _not_send: PhantomData,
        }
    }

    /// `NdisDprAcquireSpinLock`: the caller is already at DISPATCH_LEVEL (e.g. a send with
    /// `NDIS_SEND_FLAGS_DISPATCH_LEVEL`).
    pub fn lock_at_dpc(&self) -> SpinLockGuard<'_, T> {
        // SAFETY: as for `lock`; the caller runs at DISPATCH_LEVEL as this routine requires.
        unsafe { ffi::KeAcquireSpinLockAtDpcLevel(self.lock.get()) };
        SpinLockGuard {
            lock: self,
            old_irql: None,
            _not_send: PhantomData,
        }
    }

    /// Acquires with [`SpinLock::lock_at_dpc`] when `at_dispatch`, else [`SpinLock::lock`] (the
    /// `FILTER_ACQUIRE_LOCK(lock, DispatchLevel)` pattern of the WDK filter sample).
    pub fn lock_from(&self, at_dispatch: bool) -> SpinLockGuard<'_, T> {
        if at_dispatch {
            self.lock_at_dpc()
        } else {
            self.lock()
        }
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no other reference to the value exists.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes this the only derived reference.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        match self.old_irql {
            // SAFETY: this guard acquired the lock with KeAcquireSpinLockRaiseToDpc, which
            // returned `old`.
            Some(old) => unsafe { ffi::KeReleaseSpinLock(self.lock.lock.get(), old) },
            // SAFETY: this guard acquired the lock with KeAcquireSpinLockAtDpcLevel.
            None => unsafe { ffi::KeReleaseSpinLockFromDpcLevel(self.lock.lock.get()) },
        }
    }
}

/// Stops the system with `KeBugCheckEx(code, p1, p2, p3, p4)`.
pub fn bugcheck(code: ULONG, p1: usize, p2: usize, p3: usize, p4: usize) -> ! {
    // SAFETY: KeBugCheckEx may be called at any IRQL and never returns.
    unsafe { ffi::KeBugCheckEx(code, p1, p2, p3, p4) }
}

/// Panic handler body for driver builds without `wdk-panic`: bug-checks with `code`,
/// parameter 1 = source line, 2 = column, 3 = address and 4 = length of the source file name
/// (readable in the crash dump with `da`/`db`).
pub fn panic_bugcheck(info: &core::panic::PanicInfo<'_>, code: ULONG) -> ! {
    let (line, column, file_ptr, file_len) = match info.location() {
        Some(l) => (
            l.line() as usize,
            l.column() as usize,
            l.file().as_ptr() as usize,
            l.file().len(),
        ),
        None => (0, 0, 0, 0),
    };
    bugcheck(code, line, column, file_ptr, file_len)
}

/// `DbgPrintEx(DPFLTR_IHVNETWORK_ID, level, "%s\n", message)`. `message` must be in non-paged
/// memory (string literals of a driver image are).
pub fn dbg_print(level: ULONG, message: &CStr) {
    // SAFETY: the format takes exactly one `%s` argument, a NUL-terminated string.
    unsafe {
        ffi::DbgPrintEx(
            DPFLTR_IHVNETWORK_ID,
            level,
            c"%s\n".as_ptr(),
            message.as_ptr(),
        )
    };
}

/// `DbgPrintEx(DPFLTR_IHVNETWORK_ID, level, "%s 0x%08X\n", message, status)`.
pub fn dbg_print_status(level: ULONG, message: &CStr, status: NDIS_STATUS) {
    // SAFETY: the format takes a `%s` (NUL-terminated string) and a `%X` (32-bit integer).
    unsafe {
        ffi::DbgPrintEx(
            DPFLTR_IHVNETWORK_ID,
            level,
            c"%s 0x%08X\n".as_ptr(),
            message.as_ptr(),
            status as u32,
        )
    };
}
