//! OID requests on a module of the session as TCP/IP (or any overlying driver) issues them,
//! the requests the filter passed down answered by the miniport below, and status indications
//! from the miniport: the information buffers live in the session until their request is
//! finished.

use super::{Session, SessionError};

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidDone {
    /// Its final status.
    pub status: i32,
    /// BytesWritten (a query) or BytesRead (a set), as the request holds it.
    pub bytes_done: u32,
    /// BytesNeeded.
    pub bytes_needed: u32,
    /// The information buffer afterwards.
    pub buffer: Vec<u8>,
}

/// A request the filter passed down, as the miniport got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenBelow {
    /// The OID.
    pub oid: u32,
    /// `RequestType`.
    pub request_type: i32,
    /// The information buffer as it arrived.
    pub buffer: Vec<u8>,
}

/// The requests a session issued: pending ones (with their buffers) and finished ones.
#[derive(Debug, Default)]
pub(super) struct Oids {
    next: usize,
    pending: Vec<(usize, usize, Box<[u8]>)>,
    done: Vec<(usize, OidDone)>,
}

impl Session {
    /// Issues `oid` (`request_type`) with `buffer` as its information buffer to module `m`, on
    /// the direct path when `direct`; a ticket for [`Session::oid_outcome`].
    pub fn oid(
        &mut self,
        m: usize,
        direct: bool,
        request_type: i32,
        oid: u32,
        buffer: Vec<u8>,
    ) -> Result<usize, SessionError> {
        let mut buf = buffer.into_boxed_slice();
        let r = self
            .host
            .oid_request(m, direct, request_type, oid, &mut buf)?;
        self.oids.next += 1;
        let ticket = self.oids.next;
        match r.status {
            Some(status) => self.oids.done.push((
                ticket,
                OidDone {
                    status,
                    bytes_done: r.bytes_done,
                    bytes_needed: r.bytes_needed,
                    buffer: buf.into_vec(),
                },
            )),
            None => self.oids.pending.push((ticket, r.request, buf)),
        }
        Ok(ticket)
    }

    /// How request `ticket` ended (`None`: still pending, or asked for already).
    pub fn oid_outcome(&mut self, ticket: usize) -> Option<OidDone> {
        if let Some(at) = self.oids.done.iter().position(|(t, _)| *t == ticket) {
            return Some(self.oids.done.remove(at).1);
        }
        let at = self.oids.pending.iter().position(|(t, ..)| *t == ticket)?;
        let request = self.oids.pending[at].1;
        let r = self.host.oid_result(request)?;
        let (_, _, buf) = self.oids.pending.remove(at);
        Some(OidDone {
            status: r
                .status
                .unwrap_or(crate::kernel::status::NDIS_STATUS_PENDING),
            bytes_done: r.bytes_done,
            bytes_needed: r.bytes_needed,
            buffer: buf.into_vec(),
        })
    }

    /// The miniport below answers every request module `m` passed down with `answer` (OID,
    /// request type, buffer → status, bytes written or read, bytes needed); the filter's
    /// completion handler runs for each. Returns what the miniport got.
    pub fn answer_oids_below(
        &mut self,
        m: usize,
        mut answer: impl FnMut(u32, i32, &mut [u8]) -> (i32, u32, u32),
    ) -> Result<Vec<SeenBelow>, SessionError> {
        let mut seen = Vec::new();
        self.host
            .complete_oids_below(m, |oid, request_type, buffer| {
                seen.push(SeenBelow {
                    oid,
                    request_type,
                    buffer: buffer.to_vec(),
                });
                answer(oid, request_type, buffer)
            })?;
        Ok(seen)
    }

    /// The miniport below indicates `status` with `buffer` to module `m` (FilterStatus).
    pub fn status_from_below(
        &mut self,
        m: usize,
        status: i32,
        buffer: &[u8],
    ) -> Result<(), SessionError> {
        let mut b = buffer.to_vec();
        Ok(self.host.status_from_below(m, status, &mut b)?)
    }
}
