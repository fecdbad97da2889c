//! The IPsecOV2 NDIS 6.80 modifying lightweight filter driver (`ipsecov2_lwf.sys`).
//!
//! It attaches to Ethernet miniports and hands every filter callback over to the portable filter
//! core's filter module (`ipsecov2_filter_core::module::FilterModule`, one per filter module)
//! through the kernel implementation of its NDIS abstraction (`NdisPort`): `FilterAttach` reads
//! the keywords (`SaOffloadCapacity`, `*IPsecOffloadV2`, `*IPsecOffloadV2IPv4`, the optional pool
//! sizes), builds the module's SA table (`KernelSaTable`), the `FilterCore`, the transmit pool
//! (NBLs over non-paged buffers) and the receive scratch buffers, and attaches the `FilterModule`
//! above the miniport's offload configuration; `FilterRestart`, `FilterPause`, `FilterDetach`, the send,
//! send-complete, receive and return handlers, the (direct) OID request and completion handlers
//! and `FilterStatus` are each one call into the module. The module keeps the filter state
//! machine and the outstanding NBLs (sends completed with `NDIS_STATUS_PAUSED` while not running,
//! a pause completing when the last NBL is back), answers the four
//! `OID_TCP_TASK_IPSEC_OFFLOAD_V2_*` SA OIDs, passes other OIDs down as clones, advertises
//! IPsecOV2 (offload indications and query answers rewritten, both indicated at restart), applies
//! `OID_TCP_OFFLOAD_PARAMETERS`, protects sends into filter-owned copies and verifies/decrypts
//! receives in place. The driver also registers a control device restricted to SYSTEM and
//! Administrators, which speaks the IOCTL protocol (`ipsecov2-ioctl`) over the driver's one
//! control plane (`ipsecov2-control-plane`), whose SA bundles go into the attached modules' SA
//! tables ([`module_sas`]).
//!
//! Portable parts, tested on any host: [`control`] (control-device rules), [`module_sas`]
//! (the control plane's SA store over the modules), [`names`]
//! (identifiers shared with the INF), [`config`] (keyword values → the module's configuration),
//! [`offload`] (the check of an `NDIS_OFFLOAD` copied out of NDIS), [`free_list`] (the pools'
//! non-allocating free list), [`test_stats`] (the test family's module statistics record). The state machine and the OID clone bookkeeping are the filter
//! core's (`ipsecov2_filter_core::state`, `::oid_clone`). The Windows shell (`shell`, compiled for
//! `target_os = "windows"` only) holds the NDIS mechanics and the kernel implementations
//! (`NdisPort`, MDL mapper, transmit pool, scratch buffers, registry reading); bindings come from
//! `ndis-bindings`.
//!
//! Build flavours (Windows target): both bring the driver's own global allocator (non-paged NX
//! pool, tag `IOv2`, every alignment honoured); without the `wdk` feature the driver also brings
//! its panic handler (`KeBugCheckEx` with [`names::BUGCHECK_CODE`]); with `wdk` it uses
//! `wdk-panic` and is built by `wdk-build` (see `docs/install.md`). Crypto in this driver may use SSE/AES-NI/SHA-NI/PCLMULQDQ
//! only: never build it with `-C target-feature=+avx*` or `-C target-cpu=native`.
#![cfg_attr(target_os = "windows", no_std)]

extern crate alloc;

pub mod config;
pub mod control;
pub mod free_list;
pub mod module_sas;
pub mod names;
pub mod offload;
pub mod test_stats;

#[cfg(target_os = "windows")]
mod shell;

#[cfg(target_os = "windows")]
pub use shell::DriverEntry;

/// Global allocator of every driver build (`wdk` or not): non-paged NX pool that honours every
/// `Layout` alignment (over-allocates and aligns above the pool's 16 bytes). `wdk-alloc` is not
/// used: it hands only the size to `ExAllocatePool2`, so a `Layout` aligned above 16 (the SA
/// table's 32-aligned slots) would get a misaligned block.
#[cfg(all(target_os = "windows", not(test)))]
#[global_allocator]
static GLOBAL_ALLOCATOR: ndis_bindings::runtime::PoolAllocator<{ names::POOL_TAG }> =
    ndis_bindings::runtime::PoolAllocator::new();

/// Panic handler of driver builds without the `wdk` feature: bug-check with the project code.
#[cfg(all(target_os = "windows", not(feature = "wdk"), not(test)))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    ndis_bindings::runtime::panic_bugcheck(info, names::BUGCHECK_CODE)
}

// `wdk` builds take their panic handler from wdk-panic, and `_fltused` and the C++ EH stubs the
// MSVC link needs from wdk-sys (unreferenced crates would not be linked).
#[cfg(all(target_os = "windows", feature = "wdk", not(test)))]
use wdk_panic as _;
#[cfg(all(target_os = "windows", feature = "wdk"))]
use wdk_sys as _;

/// `_fltused`: the MSVC runtime symbol that LLVM references from any object using floating-point
/// types (core and compiler-builtins do). Nothing reads it; the kernel provides no C runtime, so
/// the driver defines it (wdk-sys does the same in `wdk` builds).
#[cfg(all(target_os = "windows", not(feature = "wdk")))]
#[allow(non_upper_case_globals)]
#[no_mangle]
pub static _fltused: i32 = 0;

// `__chkstk`: LLVM probes the stack through this MSVC runtime routine in every function whose
// frame exceeds a page (the crypto engine's AES key schedule setup on the SA-add path has one).
// The kernel provides no C runtime to these builds, so the driver defines it (`wdk` builds take
// it from the WDK's libraries). It touches each page between the caller's stack pointer and the
// new frame's bottom, top down (RAX = frame size), preserves every register but the flags and
// leaves RSP alone: the x64 `__chkstk` contract. Kernel stacks are resident, so the probes only
// turn an overflow into a fault on the guard page, as without them.
#[cfg(all(target_os = "windows", target_arch = "x86_64", not(feature = "wdk")))]
core::arch::global_asm!(
    ".globl __chkstk",
    ".p2align 4",
    "__chkstk:",
    "push rcx",
    "push rax",
    "cmp rax, 0x1000",
    "lea rcx, [rsp + 24]",
    "jb 2f",
    "3:",
    "sub rcx, 0x1000",
    "test qword ptr [rcx], rcx",
    "sub rax, 0x1000",
    "cmp rax, 0x1000",
    "ja 3b",
    "2:",
    "sub rcx, rax",
    "test qword ptr [rcx], rcx",
    "pop rax",
    "pop rcx",
    "ret",
);
