//! One exported routine per violation ([`crate::cases::Export`]), each committing it once
//! through real imports. The host calls them after `DriverEntry` at PASSIVE_LEVEL.

use core::sync::atomic::{AtomicI32, AtomicUsize};

use ndis_bindings::ffi::{
    ExAllocatePool2, ExFreePoolWithTag, KeAcquireSpinLockRaiseToDpc, KeBugCheckEx,
    KeReleaseSpinLock,
};
use ndis_bindings::{POOL_FLAG_NON_PAGED, POOL_FLAG_PAGED};

use super::ex_lock::{
    ExAcquireSpinLockExclusive, ExReleaseSpinLockExclusive, ExReleaseSpinLockShared,
};
use crate::cases::{tags, BUGCHECK_CODE};

/// Two `KSPIN_LOCK`s and an `EX_SPIN_LOCK` (atomics: the kernel writes the lock words).
static LOCK_A: AtomicUsize = AtomicUsize::new(0);
static LOCK_B: AtomicUsize = AtomicUsize::new(0);
static EX_LOCK: AtomicI32 = AtomicI32::new(0);

/// Allocates 64 bytes of non-paged pool and never frees them (the host finds them at unload).
#[no_mangle]
pub extern "system" fn ViolatePoolLeak() -> u64 {
    // SAFETY: PASSIVE_LEVEL; non-paged pool, a valid tag.
    let p = unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, tags::LEAK) };
    p as u64
}

/// Frees the same block twice.
#[no_mangle]
pub extern "system" fn ViolateDoubleFree() -> u64 {
    // SAFETY: PASSIVE_LEVEL; non-paged pool, a valid tag.
    let p = unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, tags::DOUBLE_FREE) };
    if p.is_null() {
        return 0;
    }
    // SAFETY: the block allocated above, freed with its tag.
    unsafe { ExFreePoolWithTag(p, tags::DOUBLE_FREE) };
    // SAFETY: none: the block was freed above (the violation).
    unsafe { ExFreePoolWithTag(p, tags::DOUBLE_FREE) };
    1
}

/// Frees a block with another tag than it was allocated with.
#[no_mangle]
pub extern "system" fn ViolateWrongTag() -> u64 {
    // SAFETY: PASSIVE_LEVEL; non-paged pool, a valid tag.
    let p = unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, tags::ALLOCATED) };
    if p.is_null() {
        return 0;
    }
    // SAFETY: the block allocated above, freed once, but with the wrong tag (the violation).
    unsafe { ExFreePoolWithTag(p, tags::FREED_WITH) };
    1
}

/// Allocates paged pool while holding a spin lock (DISPATCH_LEVEL, above the paged bound).
#[no_mangle]
pub extern "system" fn ViolatePagedPoolAtDispatch() -> u64 {
    // SAFETY: PASSIVE_LEVEL; a lock word of this image.
    let old = unsafe { KeAcquireSpinLockRaiseToDpc(LOCK_A.as_ptr()) };
    // SAFETY: none at DISPATCH_LEVEL: paged pool may be allocated at APC_LEVEL at most (the
    // violation).
    let p = unsafe { ExAllocatePool2(POOL_FLAG_PAGED, 64, tags::PAGED) };
    if !p.is_null() {
        // SAFETY: the block allocated above, freed once with its tag.
        unsafe { ExFreePoolWithTag(p, tags::PAGED) };
    }
    // SAFETY: the lock taken above, released with the IRQL it returned.
    unsafe { KeReleaseSpinLock(LOCK_A.as_ptr(), old) };
    1
}

/// Takes A then B and releases A first: A's release lowers to PASSIVE_LEVEL while B is held,
/// so B is released at PASSIVE_LEVEL (restoring DISPATCH_LEVEL, B's "old" IRQL), and the routine
/// returns at DISPATCH_LEVEL.
#[no_mangle]
pub extern "system" fn ViolateLockReleasedAtWrongIrql() -> u64 {
    // SAFETY: PASSIVE_LEVEL; lock words of this image.
    let old_a = unsafe { KeAcquireSpinLockRaiseToDpc(LOCK_A.as_ptr()) };
    // SAFETY: DISPATCH_LEVEL; a second lock.
    let old_b = unsafe { KeAcquireSpinLockRaiseToDpc(LOCK_B.as_ptr()) };
    // SAFETY: A is held; lowering to A's old IRQL while B is held is the bug.
    unsafe { KeReleaseSpinLock(LOCK_A.as_ptr(), old_a) };
    // SAFETY: B is held, but the IRQL is no longer DISPATCH_LEVEL (the violation).
    unsafe { KeReleaseSpinLock(LOCK_B.as_ptr(), old_b) };
    1
}

/// Returns holding a spin lock, at DISPATCH_LEVEL.
#[no_mangle]
pub extern "system" fn ViolateReturnHoldingLock() -> u64 {
    // SAFETY: PASSIVE_LEVEL; a lock word of this image, never released (the violation).
    let old = unsafe { KeAcquireSpinLockRaiseToDpc(LOCK_A.as_ptr()) };
    u64::from(old)
}

/// Releases an `EX_SPIN_LOCK` held exclusive as shared, then exclusive.
#[no_mangle]
pub extern "system" fn ViolateSharedReleaseOfExclusive() -> u64 {
    // SAFETY: PASSIVE_LEVEL; a lock word of this image.
    let old = unsafe { ExAcquireSpinLockExclusive(EX_LOCK.as_ptr()) };
    // SAFETY: held, but exclusive: the shared release is the violation.
    unsafe { ExReleaseSpinLockShared(EX_LOCK.as_ptr(), old) };
    // SAFETY: held exclusive: the right release.
    unsafe { ExReleaseSpinLockExclusive(EX_LOCK.as_ptr(), old) };
    1
}

/// Uses 16 KiB of stack (the budget is 12 KiB): a buffer written and read through volatile
/// accesses, so that it cannot be optimised away.
#[no_mangle]
#[inline(never)]
pub extern "system" fn ViolateDeepStack() -> u64 {
    let mut buffer = [0u8; 16 * 1024];
    let base = buffer.as_mut_ptr();
    let mut sum = 0u64;
    for i in (0..buffer.len()).step_by(512) {
        // SAFETY: `i` < the buffer's length; a byte of the local buffer.
        unsafe { base.wrapping_add(i).write_volatile(i as u8) };
    }
    for i in (0..buffer.len()).step_by(512) {
        // SAFETY: as above.
        sum += u64::from(unsafe { base.wrapping_add(i).read_volatile() });
    }
    core::hint::black_box(&mut buffer);
    sum
}

/// Reads through a null pointer (hidden from the optimiser).
#[no_mangle]
pub extern "system" fn ViolateNullRead() -> u64 {
    let p: *const u64 = core::hint::black_box(core::ptr::null());
    // SAFETY: none: `p` is null (the violation; the host reports the fault).
    unsafe { p.read_volatile() }
}

/// Executes `ud2`.
#[no_mangle]
pub extern "system" fn ViolateInvalidOpcode() -> u64 {
    // SAFETY: none: an invalid opcode (the violation).
    unsafe { core::arch::asm!("ud2", options(nomem, nostack)) };
    1
}

/// Executes `hlt` (a privileged instruction).
#[no_mangle]
pub extern "system" fn ViolatePrivileged() -> u64 {
    // SAFETY: none outside ring 0 (the violation).
    unsafe { core::arch::asm!("hlt", options(nomem, nostack)) };
    1
}

/// Bug-checks with [`BUGCHECK_CODE`] and parameters 1, 2, 3, 4.
#[no_mangle]
pub extern "system" fn ViolateBugCheck() -> u64 {
    // SAFETY: any IRQL; does not return.
    unsafe { KeBugCheckEx(BUGCHECK_CODE, 1, 2, 3, 4) }
}
