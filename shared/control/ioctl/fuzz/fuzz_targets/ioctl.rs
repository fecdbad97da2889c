//! Fuzzes the driver-side IOCTL decoder and dispatcher against a populated control plane over a
//! real SA table. Byte 0 selects the IOCTL, byte 1 the output size (bit 7: test family on); the
//! rest is the input buffer. The same harness replays the corpus in `cargo test`.
#![no_main]

#[path = "../../tests/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::harness::run(data);
});
