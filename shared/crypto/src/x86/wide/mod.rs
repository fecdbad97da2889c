//! The wide tier: VAES and VPCLMULQDQ on YMM registers (two AES blocks per instruction, 16
//! blocks in flight, GHASH of 16 blocks per reduction), for AES-GCM seal and open.
//!
//! Every function here is a safe `#[target_feature(enable = "vaes,vpclmulqdq,avx2")]`
//! function. It is called (one `unsafe` block per call, in `gcm.rs`) only from a method that
//! takes a [`crate::Wide`]: a value that exists only while an [`crate::ExtendedStateSection`]
//! is open on this thread (the YMM state saved by the caller's saver) and only on a CPU whose
//! CPUID reported the instructions and the OS's YMM state (`WideCpu::detect`). So no VEX or YMM
//! instruction of this module can run outside such a section; `tests/windows-target-check`
//! checks the same per function in the driver's binary.
//!
//! The data layout is the XMM tier's: a GCM key's round keys are broadcast to both lanes as
//! they are used, and its H..H^8 and H^9..H^16 (the latter only in a `key::WideGcmKey`, made
//! on CPUs with the wide tier) are paired once per call.

pub(crate) mod block;
pub(crate) mod gcm;
pub(crate) mod ghash;
pub(crate) mod key;
#[cfg(not(windows))]
pub(crate) mod xsave;
