//! The filter core driven directly, without the module layer: a `FilterCore` over the host SA
//! table and ADD_SA through its OID dispatch, as the filter core's tests, benches and fuzz
//! harness and the HLK tool's datapath cases use it.

use ipsecov2_abi::*;
use ipsecov2_filter_core::FilterCore;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_oid::SetCompletion;
use ipsecov2_satable::{HostSaTable, StdRwLock, TableError, TableSeed, TableState};

use crate::oid_buffers::{self as build, AddSa};
use crate::tcpip::LinkedList;
use ipsecov2_oid::layout::{add_sa, delete_sa};

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
    let (bytes, offsets) = build::add_sa_list(sas);
    let oid = OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA;
    let mut list = LinkedList::new(bytes, &offsets, add_sa::NEXT);
    let c = list.with_view(oid, |buf| core.oid(oid, NdisRequestSetInformation, buf))?;
    let handles = (0..offsets.len())
        .map(|i| list.u64_of(i, add_sa::OFFLOAD_HANDLE))
        .collect();
    Some((c, handles))
}

/// DELETE_SA of `handles` as one list through `FilterCore::oid` (laid out as the thread's
/// [`crate::tcpip::TcpipBehaviour`] says); `None` if the filter did not answer the OID.
#[must_use]
pub fn delete_sa_list(core: &HostCore, handles: &[u64]) -> Option<SetCompletion> {
    let bytes = build::delete_sa_list(handles);
    let offsets: Vec<usize> = (0..handles.len())
        .map(|i| i * delete_sa::SIZE_REVISION_1)
        .collect();
    let oid = OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA;
    let mut list = LinkedList::new(bytes, &offsets, delete_sa::NEXT);
    list.with_view(oid, |buf| core.oid(oid, NdisRequestSetInformation, buf))
}
