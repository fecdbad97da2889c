//! [`ModuleRequests`] of a module of the real `ipsecov2_lwf.sys` in the PE driver host: OIDs
//! through the driver's FilterOidRequest, what it passes down answered by the emulated
//! miniport's answers (`answer_oid`, the NIC's offloads) through its
//! FilterOidRequestComplete, status indications through its FilterStatus. The host's miniport
//! pends every request passed down; one not held is answered right after the request.

use ipsecov2_abi::{NdisRequestQueryInformation, NDIS_OID, NDIS_REQUEST_TYPE, NDIS_STATUS};
use ipsecov2_ndis_emu::host::{answer_oid, nic_offload, OidOutcome};

use crate::target_requests::ModuleRequests;
use crate::target_sys::SysModule;

impl SysModule {
    /// The miniport answers every request the module passed down, as the emulated miniport does.
    fn answer_below(&mut self) -> Result<(), String> {
        let m = self.handle;
        let nic = nic_offload();
        let seen = self.with(|s| {
            s.answer_oids_below(m, |oid, request_type, buffer| {
                let (status, (written, read, needed)) =
                    answer_oid(&nic, &nic, request_type, oid, buffer);
                (status, written.max(read), needed)
            })
        })?;
        self.below
            .extend(seen.into_iter().map(|b| (b.oid, b.buffer)));
        Ok(())
    }
}

impl ModuleRequests for SysModule {
    fn hold_oids(&mut self, on: bool) {
        self.hold_oids = on;
    }

    fn oid(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
    ) -> Result<usize, String> {
        let m = self.handle;
        let ticket = self.with(|s| s.oid(m, false, request_type, oid, buffer))?;
        self.oid_types.push((ticket, request_type));
        if !self.hold_oids {
            self.answer_below()?;
        }
        Ok(ticket)
    }

    fn oid_outcome(&mut self, r: usize) -> Option<OidOutcome> {
        let done = self.with(|s| Ok(s.oid_outcome(r))).ok()??;
        let query = self
            .oid_types
            .iter()
            .find(|(t, _)| *t == r)
            .is_some_and(|(_, ty)| *ty == NdisRequestQueryInformation);
        Some(OidOutcome {
            status: done.status,
            buffer: done.buffer,
            bytes_written: if query { done.bytes_done } else { 0 },
            bytes_read: if query { 0 } else { done.bytes_done },
            bytes_needed: done.bytes_needed,
        })
    }

    fn release_oids(&mut self) -> Result<(), String> {
        self.answer_below()
    }

    fn oids_below(&self) -> Vec<(NDIS_OID, Vec<u8>)> {
        self.below.clone()
    }

    fn status_from_below(&mut self, status: NDIS_STATUS, buffer: &[u8]) -> Result<(), String> {
        let m = self.handle;
        self.with(|s| s.status_from_below(m, status, buffer))
    }

    fn delete_sa(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        let m = self.handle;
        self.with(|s| s.delete_sa(m, handles))
    }
}
