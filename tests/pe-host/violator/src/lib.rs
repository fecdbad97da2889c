//! `ipsecov2_violator.sys`: a tiny NDIS lightweight filter driver that is wrong on purpose.
//!
//! The PE host (`tests/pe-host`, docs/pe-host.md) checks the real `ipsecov2_lwf.sys` the way
//! Driver Verifier would; a check that never fires proves nothing. This driver is built exactly
//! as the real one (`no_std`, x86_64-pc-windows-msvc, build-std, raw-dylib imports of ndis.sys
//! and ntoskrnl.exe through `ndis-bindings`, rust-lld as lld-link, `/DRIVER /SUBSYSTEM:NATIVE
//! /ENTRY:DriverEntry`, a map file) and commits each violation once, through real calls, as a
//! buggy driver would. The test chooses the violation:
//!
//! * an exported routine per violation ([`cases::Export`]), called by the host after
//!   `DriverEntry` at PASSIVE_LEVEL: pool leak, double free, free with the wrong tag, an import
//!   called above its IRQL bound, spin locks released at the wrong IRQL or with the wrong kind,
//!   a return holding a lock, a stack over the 12 KiB budget, a null read, `ud2`, `hlt`,
//!   `KeBugCheckEx`;
//! * the adapter keyword [`cases::KEYWORD`] read in `FilterAttach` ([`cases::ModuleViolation`]):
//!   the filter module then passes traffic and OIDs through and gets one thing wrong — a
//!   received NBL returned twice, a sent NBL completed twice, an NBL touched after it was
//!   returned, an OID request completed twice.
//!
//! Without the keyword (or with 0) the module is a correct pass-through filter, and
//! `DriverEntry` / `DriverUnload` are correct: whatever the host reports comes from the case.
//!
//! On other targets only [`cases`] is compiled (the names the tests use).
#![cfg_attr(target_os = "windows", no_std)]

pub mod cases;

#[cfg(target_os = "windows")]
mod windows;

#[cfg(target_os = "windows")]
pub use windows::DriverEntry;
