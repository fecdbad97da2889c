//! The fuzz harness of the filter core's packet paths, shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs` include this module with `#[path]`) and the corpus replay test
//! (`tests/corpus.rs`): each `run` decodes an input, drives the code under test and panics when
//! an invariant does not hold, so the fuzzer and the normal test run check the same things.
//!
//! * [`receive::run`]: a chain of received frames through `FilterCore::receive`.
//! * [`send::run`]: a chain of send NBLs through `FilterCore::send`.
//! * [`module::run`]: module-level operations on an emulated host.
#![allow(dead_code, clippy::too_many_lines, clippy::cast_possible_truncation)]

pub mod input;
pub mod module;
pub mod receive;
pub mod send;
pub mod world;
