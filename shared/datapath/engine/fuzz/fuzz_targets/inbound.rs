//! Fuzzes full-face inbound processing (`InboundSa::decapsulate`). Byte 0
//! selects one of several fixed SAs (algorithms, transport/tunnel, IPv4/IPv6,
//! ESN, UDP encapsulation, AH, ESP+AH); the rest is the received packet.
#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::harness::run(data);
});
