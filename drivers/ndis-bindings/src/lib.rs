//! Hand-written bindings of the parts of ndis.h and wdm.h that the IPsecOV2 lightweight filter
//! driver uses (no published crate binds ndis.h).
//!
//! * [`types`], [`filter`], [`wdm`]: `#[repr(C)]` structures named exactly as in the WDK
//!   headers, complementing the mirrors of `ipsecov2-abi` (NBL, NB, MDL, `NDIS_OID_REQUEST`,
//!   `NDIS_OFFLOAD`, IPsecOV2 — re-exported here, never duplicated). Every x64 size and offset of
//!   `ndis-core-layouts.md` is asserted at compile time with `offset_of!`.
//! * [`timer`]: `NDIS_TIMER_CHARACTERISTICS` (NDIS timer objects).
//! * [`config`]: `NDIS_CONFIGURATION_OBJECT` / `NDIS_CONFIGURATION_PARAMETER` (registry
//!   keywords read at attach).
//! * [`nbl`]: the NBL/NB/MDL accessor macros (`NET_BUFFER_LIST_FIRST_NB`,
//!   `NET_BUFFER_LIST_INFO`, `NDIS_TEST_*_AT_DISPATCH_LEVEL`, `MmGetSystemAddressForMdlSafe`, …)
//!   as inline functions.
//! * `ffi` (Windows targets only): `extern "system"` imports from ndis.sys and ntoskrnl.exe
//!   with `#[link(kind = "raw-dylib", modifiers = "+verbatim")]`, so the driver links without the
//!   WDK's import libraries.
//! * [`pool`]: the driver's allocator (`AlignedPool`, every `Layout` alignment honoured) over
//!   any `ExAllocatePool2`/`ExFreePoolWithTag` pair; `emulation` (other hosts only) emulates
//!   that pair so the host tests run the allocator.
//! * `runtime` (Windows targets only): the kernel pool routines, `runtime::PoolBox`,
//!   `runtime::SpinLock` (`NDIS_SPIN_LOCK` semantics), the bug-check panic path and
//!   `DbgPrintEx` helpers.
//!
//! Unsafe code is confined to single-operation blocks, each with a `// SAFETY:` reason.
#![no_std]
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

#[cfg(not(target_os = "windows"))]
extern crate std;

pub use ipsecov2_abi;

pub mod config;
pub mod filter;
pub mod nbl;
pub mod pool;
pub mod strings;
pub mod timer;
pub mod types;
pub mod wdm;

#[cfg(target_os = "windows")]
pub mod ffi;
#[cfg(target_os = "windows")]
pub mod runtime;

#[cfg(not(target_os = "windows"))]
pub mod emulation;

pub use config::*;
pub use filter::*;
pub use nbl::*;
pub use timer::*;
pub use types::*;
pub use wdm::*;
