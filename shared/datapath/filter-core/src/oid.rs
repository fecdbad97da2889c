//! OID dispatch of the filter core: the four IPsecOV2 OIDs (`OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`,
//! `_ADD_SA_EX`, `_DELETE_SA`, `_UPDATE_SA`) answered with `ipsecov2-oid`'s handlers over the
//! module's [`OffloadSas`], behind the offload enable state of `OID_TCP_OFFLOAD_PARAMETERS` and
//! the keywords. Every other OID is the module's to route ([`crate::module`]).

use ipsecov2_abi::*;
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_oid::{
    BackendError, Bundle, InfoBuffer, IpVersion, IpsecProtocol, SaBackend, SaSpec, SetCompletion,
    UpdateError,
};
use ipsecov2_satable::{SaLock, TableState};

use crate::config::OffloadEnable;
use crate::FilterCore;

impl<L: SaLock<TableState<OffloadSa>>> FilterCore<L> {
    /// Answers the four IPsecOV2 OIDs (`OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`, `_ADD_SA_EX`,
    /// `_DELETE_SA`, `_UPDATE_SA`) with how the request completes; `None` for every other OID,
    /// which the driver passes down. They are set requests: any other request type completes
    /// with `NDIS_STATUS_NOT_SUPPORTED`. Allocates (decoding, SA preparation): OID path only.
    pub fn oid(
        &self,
        oid: NDIS_OID,
        request_type: NDIS_REQUEST_TYPE,
        buf: &mut InfoBuffer<'_>,
    ) -> Option<SetCompletion> {
        self.oid_enabled(oid, request_type, buf, &OffloadEnable::ALL)
    }

    /// [`FilterCore::oid`] with only what `enable` allows offloaded: an ADD_SA / ADD_SA_EX
    /// element whose family and protocols `enable` does not allow gets a NULL handle
    /// (`BackendError::Unsupported`); with everything disabled no SA can be added.
    pub fn oid_enabled(
        &self,
        oid: NDIS_OID,
        request_type: NDIS_REQUEST_TYPE,
        buf: &mut InfoBuffer<'_>,
        enable: &OffloadEnable,
    ) -> Option<SetCompletion> {
        let ours = matches!(
            oid,
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA
                | OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX
                | OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA
                | OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA
        );
        if !ours {
            return None;
        }
        if request_type != NdisRequestSetInformation {
            return Some(SetCompletion {
                status: NDIS_STATUS_NOT_SUPPORTED,
                bytes_read: 0,
                bytes_needed: 0,
            });
        }
        let backend = Gated {
            sas: &self.sas,
            enable: *enable,
        };
        Some(match oid {
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA => {
                ipsecov2_oid::set_add_sa(buf, &backend).completion
            }
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX => {
                ipsecov2_oid::set_add_sa_ex(buf, &backend).completion
            }
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA => {
                ipsecov2_oid::set_delete_sa(buf, &backend).completion
            }
            _ => ipsecov2_oid::set_update_sa(buf, &backend).completion,
        })
    }
}

/// The module's SAs behind the enabled-offload check of ADD_SA.
struct Gated<'s, L> {
    sas: &'s OffloadSas<L>,
    enable: OffloadEnable,
}

impl<L: SaLock<TableState<OffloadSa>>> SaBackend for Gated<'_, L> {
    fn add(&self, sa: &SaSpec<'_>) -> Result<core::num::NonZeroU64, BackendError> {
        let v6 = sa.destination.version == IpVersion::V6;
        let (ah, esp) = match sa.bundle {
            Bundle::Esp(_) => (false, true),
            Bundle::Ah(_) => (true, false),
            Bundle::EspAh { .. } => (true, true),
        };
        if !self.enable.allows(v6, ah, esp) {
            return Err(BackendError::Unsupported);
        }
        self.sas.add(sa)
    }

    fn delete(&self, handle: u64) -> bool {
        self.sas.delete(handle)
    }

    fn update_sequence_high(
        &self,
        handle: u64,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError> {
        self.sas
            .update_sequence_high(handle, protocol, spi, seq_high)
    }
}
