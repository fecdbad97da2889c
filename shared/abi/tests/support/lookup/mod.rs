//! The crate's value for each name the reference file `ipsecov2-abi-x64.txt` uses: `None` for a
//! name the crate does not know, which fails the comparison.

pub mod bitfield;
pub mod constants;
pub mod layout;
