//! The protocol's OID requests through a host: issued, completed, the IPsecOV2 list OIDs (ADD_SA,
//! DELETE_SA) and the offload parameters and queries.

use ipsecov2_abi::*;

use crate::oid_buffers::{self as build, AddSa, BASE};
use crate::tcpip::LinkedList;
use ipsecov2_oid::layout::{add_sa, delete_sa};

use super::*;

impl Host {
    /// The protocol issues an OID request (`FilterOidRequest`) with `buffer` at address `base`
    /// (the IPsecOV2 structures link by address: use [`BASE`] for [`crate::oid_buffers`]
    /// buffers). Returns its handle and the status `FilterOidRequest` returned
    /// (`NDIS_STATUS_PENDING` when it pends below).
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn oid(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
        base: u64,
    ) -> Result<(usize, NDIS_STATUS), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let h = self.port.new_oid(request_type, oid, buffer, base);
        let status = m.oid_request(&mut self.port, h);
        if status != NDIS_STATUS_PENDING {
            if let Some(e) = self.port.oid_mut(h) {
                e.outcome = Some(status);
            }
        }
        Ok((h, status))
    }

    /// The outcome of OID request `h` once complete (`None` while pending).
    #[must_use]
    pub fn oid_outcome(&self, h: usize) -> Option<OidOutcome> {
        let e = self.port.oids.get(h)?;
        if e.clone.is_some() {
            return None;
        }
        let (_, w, r, n) = read_results(&e.request);
        Some(OidOutcome {
            status: e.outcome?,
            buffer: e.buffer.clone(),
            bytes_written: w,
            bytes_read: r,
            bytes_needed: n,
        })
    }

    /// An OID request that completes at once: its outcome.
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn oid_now(
        &mut self,
        request_type: NDIS_REQUEST_TYPE,
        oid: NDIS_OID,
        buffer: Vec<u8>,
        base: u64,
    ) -> Result<OidOutcome, HostError> {
        let (h, _) = self.oid(request_type, oid, buffer, base)?;
        self.oid_outcome(h)
            .ok_or_else(|| HostError(format!("OID {oid:#x} pending")))
    }

    /// ADD_SA of a list; returns the completion status and every handle (0 for refused ones).
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn add_sa_list(&mut self, sas: &[AddSa]) -> Result<(NDIS_STATUS, Vec<u64>), HostError> {
        let (bytes, offsets) = build::add_sa_list(sas);
        let list = LinkedList::new(bytes, &offsets, add_sa::NEXT);
        let (status, mut list) = self.list_oid(OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, list)?;
        Ok((
            status,
            (0..offsets.len())
                .map(|i| list.u64_of(i, add_sa::OFFLOAD_HANDLE))
                .collect(),
        ))
    }

    /// A set request of an ADD_SA or DELETE_SA list laid out as the thread's
    /// [`crate::tcpip::TcpipBehaviour`] says; its status and the list as the filter left it.
    fn list_oid(
        &mut self,
        oid: NDIS_OID,
        mut list: LinkedList,
    ) -> Result<(NDIS_STATUS, LinkedList), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let h = self.port.new_oid(
            NdisRequestSetInformation,
            oid,
            std::mem::take(&mut list.first),
            BASE,
        );
        if let Some(e) = self.port.oid_mut(h) {
            e.memory = std::mem::take(&mut list.memory);
        }
        let status = m.oid_request(&mut self.port, h);
        if status == NDIS_STATUS_PENDING {
            return err(format!("OID {oid:#x} pending"));
        }
        if let Some(e) = self.port.oid_mut(h) {
            e.outcome = Some(status);
            list.first.clone_from(&e.buffer);
            list.memory = e.memory.clone();
        }
        Ok((status, list))
    }

    /// ADD_SA of one bundle; its handle.
    ///
    /// # Errors
    ///
    /// Refused (the status is in the message), or see [`Host::add_sa_list`].
    pub fn add_sa(&mut self, sa: &AddSa) -> Result<u64, HostError> {
        let (status, handles) = self.add_sa_list(std::slice::from_ref(sa))?;
        match handles.first() {
            Some(&h) if h != 0 && status == NDIS_STATUS_SUCCESS => Ok(h),
            _ => err(format!("ADD_SA refused: status {status:#x}")),
        }
    }

    /// DELETE_SA of `handles`; the status.
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn delete_sa(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, HostError> {
        let b = build::delete_sa_list(handles);
        let offsets: Vec<usize> = (0..handles.len())
            .map(|i| i * delete_sa::SIZE_REVISION_1)
            .collect();
        let list = LinkedList::new(b, &offsets, delete_sa::NEXT);
        Ok(self
            .list_oid(OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, list)?
            .0)
    }

    /// `OID_TCP_OFFLOAD_PARAMETERS` (revision 2) setting only `IPsecV2` / `IPsecV2IPv4`
    /// (`NDIS_OFFLOAD_PARAMETERS_*` values; 0 = no change); the status.
    ///
    /// # Errors
    ///
    /// Not attached, or it pended.
    pub fn set_offload_parameters(
        &mut self,
        ipsec_v2: u8,
        ipsec_v2_ipv4: u8,
    ) -> Result<NDIS_STATUS, HostError> {
        Ok(self
            .oid_now(
                NdisRequestSetInformation,
                OID_TCP_OFFLOAD_PARAMETERS,
                offload_parameters(ipsec_v2, ipsec_v2_ipv4),
                BASE,
            )?
            .status)
    }

    /// The `NDIS_OFFLOAD` TCP/IP reads with `OID_TCP_OFFLOAD_CURRENT_CONFIG` (or `_HARDWARE_CAPABILITIES`).
    ///
    /// # Errors
    ///
    /// Not attached, the query failed or pended.
    pub fn query_offload(&mut self, oid: NDIS_OID) -> Result<NDIS_OFFLOAD, HostError> {
        let out = self.oid_now(
            NdisRequestQueryInformation,
            oid,
            vec![0u8; size_of::<NDIS_OFFLOAD>()],
            BASE,
        )?;
        if out.status != NDIS_STATUS_SUCCESS {
            return err(format!("query {oid:#x}: {:#x}", out.status));
        }
        offload_from_bytes(&out.buffer).ok_or_else(|| HostError("short NDIS_OFFLOAD".into()))
    }
}

/// The bytes of an `NDIS_OFFLOAD_PARAMETERS` (revision 2) changing only the IPsecOV2 members.
#[must_use]
pub fn offload_parameters(ipsec_v2: u8, ipsec_v2_ipv4: u8) -> Vec<u8> {
    let mut b = vec![0u8; usize::from(NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2)];
    b[0] = NDIS_OBJECT_TYPE_DEFAULT;
    b[1] = NDIS_OFFLOAD_PARAMETERS_REVISION_2;
    b[2..4].copy_from_slice(&NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2.to_le_bytes());
    b[std::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2)] = ipsec_v2;
    b[std::mem::offset_of!(NDIS_OFFLOAD_PARAMETERS, IPsecV2IPv4)] = ipsec_v2_ipv4;
    b
}
