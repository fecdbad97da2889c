//! `#[repr(C)]` mirrors of every type of `include/npf_ipsec_sapi.h` and `include/npf_base.h`.
//!
//! Names are the C names, so that the layout test (`tests/layout.rs`) can compare each
//! `sizeof`/`offsetof` of the header, compiled by gcc, with `size_of`/`offset_of!` here.
//! Enumerated C types are `u32` typedefs with their enumerators as constants (erratum E-ENUM
//! of `docs/npf-sapi-errata.md`). The anonymous unions of the header are named here after
//! their struct with a `_u` suffix.
#![allow(non_camel_case_types, non_snake_case)]

pub mod base;
pub mod callback;
pub mod consts;
pub mod errors;
pub mod event;
pub mod ident;
pub mod sa;
pub mod selector;
pub mod stats;

pub use base::*;
pub use callback::*;
pub use consts::*;
pub use errors::*;
pub use event::*;
pub use ident::*;
pub use sa::*;
pub use selector::*;
pub use stats::*;

/// Implements `Debug` for a union without reading it (which member is live is known only from
/// the surrounding data).
macro_rules! union_debug {
    ($($t:ty),* $(,)?) => {
        $(impl core::fmt::Debug for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($t), " { .. }"))
            }
        })*
    };
}
pub(crate) use union_debug;

// The x86-64 sizes, the same on Windows and Linux (only fixed-width integers and pointers;
// `tests/c/header_use.c` asserts the same numbers on the C side).
#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::size_of;
    assert!(size_of::<NPF_IPSecSA_t>() == 104);
    assert!(size_of::<NPF_IPSecSelector_t>() == 84);
    assert!(size_of::<NPF_IPSecAsyncResponse_t>() == 112);
    assert!(size_of::<NPF_IPSecCallbackData_t>() == 24);
    assert!(size_of::<NPF_IPSecSA_Stats_t>() == 128);
    assert!(size_of::<NPF_IPSecEventData_t>() == 56);
};
