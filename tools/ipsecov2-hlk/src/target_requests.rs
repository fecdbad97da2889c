//! OID requests and status indications through a whole filter module ([`ModuleRequests`]), as
//! TCP/IP issues them on the regular path and the miniport below answers (or holds) what the
//! filter passes down: what the `offload-config` group needs. The emulated host implements it
//! here, the driver binary in `target_sys_requests`.

use ipsecov2_abi::*;
use ipsecov2_filter_core::module::StatusIndication;
use ipsecov2_ndis_emu::host::{offload_from_bytes, offload_parameters, Host, OidOutcome};
use ipsecov2_ndis_emu::oid_buffers::BASE;

use crate::target_states::ModuleStates;

/// A module TCP/IP sends OID requests to.
pub trait ModuleRequests: ModuleStates {
    /// The miniport holds (`true`) or answers at once the requests the filter passes down.
    fn hold_oids(&mut self, on: bool);
    /// TCP/IP issues `oid` (`request_type`) with `buffer` on the regular path; a reference for
    /// [`ModuleRequests::oid_outcome`].
    fn oid(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
    ) -> Result<usize, String>;
    /// How request `r` ended (`None`: still pending).
    fn oid_outcome(&mut self, r: usize) -> Option<OidOutcome>;
    /// The miniport answers every request it holds.
    fn release_oids(&mut self) -> Result<(), String>;
    /// The requests the miniport got so far (OID and buffer as it arrived), in order.
    fn oids_below(&self) -> Vec<(NDIS_OID, Vec<u8>)>;
    /// The miniport indicates `status` with `buffer`.
    fn status_from_below(&mut self, status: NDIS_STATUS, buffer: &[u8]) -> Result<(), String>;
    /// DELETE_SA of `handles` (one list) on the direct path; its status.
    fn delete_sa(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, String>;

    /// `oid` issued and finished at once (the miniport not holding); its outcome.
    fn oid_now(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
    ) -> Result<OidOutcome, String> {
        let r = self.oid(request_type, oid, buffer)?;
        self.oid_outcome(r)
            .ok_or_else(|| format!("OID {oid:#x} still pending"))
    }

    /// The `NDIS_OFFLOAD` TCP/IP reads with `oid` (`OID_TCP_OFFLOAD_CURRENT_CONFIG` or
    /// `_HARDWARE_CAPABILITIES`).
    fn query_offload(&mut self, oid: NDIS_OID) -> Result<NDIS_OFFLOAD, String> {
        let out = self.oid_now(
            NdisRequestQueryInformation,
            oid,
            vec![0u8; size_of::<NDIS_OFFLOAD>()],
        )?;
        if out.status != NDIS_STATUS_SUCCESS {
            return Err(format!("query {oid:#x}: {:#x}", out.status));
        }
        offload_from_bytes(&out.buffer).ok_or_else(|| "short NDIS_OFFLOAD".to_string())
    }

    /// `OID_TCP_OFFLOAD_PARAMETERS` setting only `IPsecV2` / `IPsecV2IPv4`; its status.
    fn set_offload_parameters(&mut self, v2: u8, v2_ipv4: u8) -> Result<NDIS_STATUS, String> {
        Ok(self
            .oid_now(
                NdisRequestSetInformation,
                OID_TCP_OFFLOAD_PARAMETERS,
                offload_parameters(v2, v2_ipv4),
            )?
            .status)
    }
}

impl ModuleRequests for Host {
    fn hold_oids(&mut self, on: bool) {
        self.miniport_mut().hold_oids = on;
    }

    fn oid(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
    ) -> Result<usize, String> {
        Host::oid(self, request_type, oid, buffer, BASE)
            .map(|(id, _)| id)
            .map_err(|e| e.to_string())
    }

    fn oid_outcome(&mut self, r: usize) -> Option<OidOutcome> {
        Host::oid_outcome(self, r)
    }

    fn release_oids(&mut self) -> Result<(), String> {
        Host::release_oids(self).map_err(|e| e.to_string())
    }

    fn oids_below(&self) -> Vec<(NDIS_OID, Vec<u8>)> {
        self.miniport()
            .oids
            .iter()
            .map(|o| (o.oid, o.buffer.clone()))
            .collect()
    }

    fn status_from_below(&mut self, status: NDIS_STATUS, buffer: &[u8]) -> Result<(), String> {
        let offload = matches!(
            status,
            NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG
                | NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES
        )
        .then(|| offload_from_bytes(buffer))
        .flatten();
        let indication = match &offload {
            Some(offload) => StatusIndication::Offload { status, offload },
            None => StatusIndication::Other { status, buffer },
        };
        self.miniport_status(&indication).map_err(|e| e.to_string())
    }

    fn delete_sa(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        Host::delete_sa(self, handles).map_err(|e| e.to_string())
    }
}
