//! A host for the real `ipsecov2_lwf.sys` on Linux (x86-64).
//!
//! - [`pe`]: parsing of the PE32+ file (headers, sections, base relocations, imports, exports).
//! - [`load`]: mapping at a base other than the preferred one (each section with its own
//!   protection, never writable and executable), relocation, import binding to a [`load::HostTable`]
//!   that refuses to load with every unimplemented import listed.
//! - [`mapfile`]: the linker's `/MAP` file, to name an address `function+offset`.
//! - [`session`]: a loaded driver's modules driven through safe calls (the HLK tool's `sys`
//!   target).
//!
//! The host functions themselves use the Windows x64 calling convention (`extern "win64"`).
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

pub mod abi;
pub mod concurrent;
mod demangle_v0;
pub mod device_io;
pub mod driver;
pub mod esp_send;
pub mod events;
pub mod fault;
pub mod filter_module;
pub mod kernel;
pub mod load;
pub mod mapfile;
pub mod oid_request;
pub mod pe;
pub mod pending_io;
pub mod session;
pub mod stack;
pub mod traffic;
