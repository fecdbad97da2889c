//! The filter core driven directly, without the module layer: a `FilterCore` over the host SA
//! table and ADD_SA through its OID dispatch, as the filter core's tests, benches and fuzz
//! harness and the HLK tool's datapath cases use it.

use ipsecov2_abi::*;
use ipsecov2_filter_core::FilterCore;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_oid::{InfoBuffer, SetCompletion};
use ipsecov2_satable::{HostSaTable, StdRwLock, TableError, TableSeed, TableState};

use crate::oid_buffers::{self as build, AddSa, BASE};

/// The filter core over the host SA table.
pub type HostCore = FilterCore<StdRwLock<TableState<OffloadSa>>>;

/// A filter core whose SA table holds `capacity` bundles (fixed seed: reproducible handles).
///
/// # Errors
/// The table cannot be created (capacity 0 or too large, out of memory).
pub fn host_core(capacity: usize) -> Result<HostCore, TableError> {
    let table = HostSaTable::with_capacity(capacity, TableSeed::from_words([1, 2, 3, 4]))?;
    Ok(FilterCore::new(OffloadSas::new(table)))
}

/// ADD_SA of `sas` as one list through `FilterCore::oid`: the completion and every element's
/// handle (0 for a refused element); `None` if the filter did not answer the OID.
#[must_use]
pub fn add_sa_list(core: &HostCore, sas: &[AddSa]) -> Option<(SetCompletion, Vec<u64>)> {
    let (mut bytes, offsets) = build::add_sa_list(sas);
    let c = core.oid(
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
        NdisRequestSetInformation,
        &mut InfoBuffer::new(&mut bytes, BASE),
    )?;
    let handles = offsets
        .iter()
        .map(|&o| build::handle_at(&bytes, o))
        .collect();
    Some((c, handles))
}
