//! `--target sys` for the OID cases: a [`FilterModuleBackend`] that is a module of the real
//! `ipsecov2_lwf.sys` in the PE driver host. OID requests are real NDIS_OID_REQUESTs on the
//! direct path around the case's InformationBuffer: the `Next` links of an ADD_SA or DELETE_SA
//! list, built for `oid_buffers::BASE`, are moved to the buffer's real address before the call
//! and back after it (`session::list_links` / `rebase_links`: a malformed link moves by the same
//! amount, so the driver sees the same malformation). What the module reports of itself comes
//! from the control device's `TestModuleStats` (the adapter sets `ControlTestFamily`; each
//! module has its own interface index, its name there).

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use ipsecov2_abi::*;
use ipsecov2_ndis_emu::host::{offload_bytes, offload_from_bytes};
use ipsecov2_ndis_emu::oid_buffers::BASE;
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};
use ipsecov2_oid::layout::{add_sa, delete_sa};
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::session::{self, ListLayout, OidOutcome, Session, SessionError};

use crate::module_oids::{
    FilterModuleBackend, ModuleView, OidAnswer, OidCompletion, RequestKind, SendResult,
};
use crate::target;
use crate::tcpip::RecvView;

/// The interface index of the first module (the next ones count up).
const FIRST_IF_INDEX: u32 = 7;

/// The adapter below module `i`: the emulated host's default keywords, `SaOffloadCapacity`
/// `capacity`, the test family on.
fn adapter(capacity: usize, i: u32) -> Miniport {
    Miniport {
        if_index: FIRST_IF_INDEX + i,
        keywords: vec![
            (
                "SaOffloadCapacity".into(),
                u32::try_from(capacity).unwrap_or(u32::MAX),
            ),
            ("TxBufferCount".into(), 16),
            ("TxBufferSize".into(), 2048),
            ("RxScratchCount".into(), 4),
            ("ControlTestFamily".into(), 1),
        ],
        ..Miniport::default()
    }
}

/// One module of a loaded driver (the driver is shared by the modules of one case).
pub struct SysOidModule {
    session: Rc<RefCell<Option<Session>>>,
    handle: usize,
}

/// `n` running modules of the driver at `sys`, each over an adapter with `SaOffloadCapacity`
/// `capacity`.
pub fn modules(sys: &Path, capacity: usize, n: u32) -> Result<Vec<SysOidModule>, String> {
    let mut s = Session::start(sys).map_err(|e| e.to_string())?;
    let handles = (0..n)
        .map(|i| s.running_module(&adapter(capacity, i)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let session = Rc::new(RefCell::new(Some(s)));
    Ok(handles
        .into_iter()
        .map(|handle| SysOidModule {
            session: Rc::clone(&session),
            handle,
        })
        .collect())
}

/// The `NDIS_OFFLOAD` a module of the driver at `sys` indicates up (its last
/// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` by the end of its restart) over a miniport whose
/// `DefaultOffloadConfiguration` is `nic` (its header's size of it) and whose
/// `SaOffloadCapacity` is `capacity`; bytes past the indicated size read as zero.
pub fn offload_indicated(
    sys: &Path,
    nic: &NDIS_OFFLOAD,
    capacity: usize,
) -> Result<NDIS_OFFLOAD, String> {
    let mut bytes = offload_bytes(nic);
    bytes.truncate(usize::from(nic.Header.Size));
    let mut s = Session::start(sys).map_err(|e| e.to_string())?;
    let m = s
        .running_module(&Miniport {
            offload_bytes: Some(bytes),
            ..adapter(capacity, 0)
        })
        .map_err(|e| e.to_string())?;
    let mut indicated = s
        .indications(m)
        .into_iter()
        .rev()
        .find(|(status, _)| *status == NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG)
        .map(|(_, buffer)| buffer)
        .ok_or("no NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG indicated at restart")?;
    s.finish().map_err(|e| e.to_string())?;
    indicated.resize(indicated.len().max(size_of::<NDIS_OFFLOAD>()), 0);
    offload_from_bytes(&indicated).ok_or_else(|| "indicated NDIS_OFFLOAD unreadable".into())
}

/// The list layout of `oid`'s InformationBuffer (`None`: no `Next` links).
fn list_layout(oid: NDIS_OID) -> Option<ListLayout> {
    match oid {
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA => Some(ListLayout {
            next_field: add_sa::NEXT,
            min_element: add_sa::SIZE_REVISION_1,
        }),
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA => Some(ListLayout {
            next_field: delete_sa::NEXT,
            min_element: delete_sa::SIZE_REVISION_1,
        }),
        _ => None,
    }
}

impl SysOidModule {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, SessionError>,
    ) -> Result<T, String> {
        let mut s = self.session.borrow_mut();
        let s = s.as_mut().ok_or("the driver session has ended")?;
        f(s).map_err(|e| e.to_string())
    }
}

impl FilterModuleBackend for SysOidModule {
    fn request(
        &self,
        kind: RequestKind,
        oid: NDIS_OID,
        info: &mut [u8],
    ) -> Result<OidAnswer, String> {
        let real = info.as_ptr() as u64;
        let links = list_layout(oid).map_or_else(Vec::new, |l| session::list_links(info, l, BASE));
        session::rebase_links(info, &links, BASE, real);
        let m = self.handle;
        let outcome = self.with(|s| s.oid_request(m, kind.ndis(), oid, info));
        session::rebase_links(info, &links, real, BASE);
        Ok(match outcome? {
            OidOutcome::PassedDown(_) => OidAnswer::PassedDown,
            OidOutcome::Answered {
                status,
                bytes_done,
                bytes_needed,
            } => OidAnswer::Completed(OidCompletion::of(kind, status, bytes_done, bytes_needed)),
        })
    }

    fn send(&self, spec: NblSpec) -> Result<SendResult, String> {
        let m = self.handle;
        let (statuses, wire) = self.with(|s| s.send(m, std::slice::from_ref(&spec)))?;
        target::one_nbl_sent(&spec, &statuses, wire)
    }

    fn receive(
        &self,
        rng: &mut SplitMix64,
        frames: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        let m = self.handle;
        target::receive_each(rng, frames, 0, |specs| {
            let got = self.with(|s| s.receive(m, specs))?;
            target::all_indicated(got.len(), frames.len())?;
            Ok(got.into_iter().map(|p| (p.view, p.frame)).collect())
        })
    }

    fn view(&self) -> Result<ModuleView, String> {
        let m = self.handle;
        let stats = self.with(|s| s.module_stats(m))?;
        Ok(ModuleView {
            sa_count: stats.sa_count as usize,
            send_drops: stats.send_drops,
        })
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        // The last module of the driver ends the session: detach, unload, verifier record.
        let Self { session, .. } = *self;
        match Rc::try_unwrap(session) {
            Ok(cell) => match cell.into_inner() {
                Some(s) => s.finish().map_err(|e| e.to_string()),
                None => Err("the driver session has ended".into()),
            },
            Err(_) => Ok(()),
        }
    }
}
