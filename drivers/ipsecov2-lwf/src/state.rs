//! The filter module state machine and outstanding-NBL accounting: moved into the portable filter
//! core (`ipsecov2_filter_core::state`, driven by its `module` layer); re-exported here so the
//! shell keeps its paths.

pub use ipsecov2_filter_core::state::*;
