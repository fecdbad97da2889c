//! DELETE_SA on a module of the session, as TCP/IP sends it (a direct OID request).

use ipsecov2_ndis_emu::oid_buffers;

use super::{relink, Session, SessionError};
use crate::kernel::status::NDIS_STATUS_PENDING;
use crate::oid_request::NDIS_REQUEST_SET_INFORMATION;

/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA`.
const OID_DELETE_SA: u32 = 0xFC03_0203;
/// `sizeof(NDIS_IPSEC_OFFLOAD_V2_DELETE_SA)`, revision 1: one element of the list.
const ELEMENT: usize = 24;

impl Session {
    /// DELETE_SA of `handles` (one list) on the direct OID path of module `m`; the status
    /// (NDIS_STATUS_PENDING if the driver pended it: it must not).
    pub fn delete_sa(&mut self, m: usize, handles: &[u64]) -> Result<i32, SessionError> {
        let mut buf = oid_buffers::delete_sa_list(handles);
        let offsets: Vec<usize> = (0..handles.len()).map(|i| i * ELEMENT).collect();
        relink(&mut buf, &offsets);
        let r = self.host.oid_request(
            m,
            true,
            NDIS_REQUEST_SET_INFORMATION,
            OID_DELETE_SA,
            &mut buf,
        )?;
        Ok(r.status.unwrap_or(NDIS_STATUS_PENDING))
    }
}
