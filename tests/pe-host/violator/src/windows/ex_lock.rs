//! The `EX_SPIN_LOCK` routines of ntoskrnl.exe (ndis-bindings leaves them to
//! `ipsecov2-kernel-sync`, whose lock type cannot be misused, which is what this driver needs).

use ndis_bindings::ipsecov2_abi::KIRQL;
use ndis_bindings::EX_SPIN_LOCK;

#[link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")]
extern "system" {
    /// ≤ DISPATCH_LEVEL; returns the previous IRQL, leaves the CPU at DISPATCH_LEVEL.
    pub fn ExAcquireSpinLockExclusive(SpinLock: *mut EX_SPIN_LOCK) -> KIRQL;
    /// DISPATCH_LEVEL; the lock must be held shared.
    pub fn ExReleaseSpinLockShared(SpinLock: *mut EX_SPIN_LOCK, OldIrql: KIRQL);
    /// DISPATCH_LEVEL; the lock must be held exclusive.
    pub fn ExReleaseSpinLockExclusive(SpinLock: *mut EX_SPIN_LOCK, OldIrql: KIRQL);
}
