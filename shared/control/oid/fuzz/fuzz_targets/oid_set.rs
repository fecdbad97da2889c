//! Fuzzes the four IPsecOV2 OID set handlers against a real SA table.
//! Byte 0 selects ADD_SA / ADD_SA_EX / DELETE_SA / UPDATE_SA; the rest is the InformationBuffer.
#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::harness::run(data);
});
