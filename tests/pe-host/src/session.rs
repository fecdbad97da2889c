//! A loaded driver with running filter modules, driven through safe calls with the emulation's
//! NBL chains: what a test tool needs to run a case against the binary (`ipsecov2-hlk --target
//! sys`). Each chain handed to the driver is owned here until the driver gives every NBL of it
//! back (a chain it keeps is kept alive to the end of the session, and reported by the verifier
//! at detach). Sends and receives run at DISPATCH_LEVEL, as TCP/IP and a miniport make them.

use std::fmt;
use std::path::Path;

use ipsecov2_ioctl::module_stats::{self, ModuleStatsReply};
use ipsecov2_ioctl::{client, Ioctl};
use ipsecov2_ndis_emu::oid_buffers::{self, AddSa};
use ipsecov2_ndis_emu::tcpip::{recv_view, RecvView};
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain};

use crate::abi::structs::NET_BUFFER_LIST;
use crate::driver::{DriverHost, HostError};
use crate::filter_module::{Miniport, ModuleError};
use crate::kernel::status::{NDIS_STATUS_NOT_SUPPORTED, NDIS_STATUS_PENDING};
use crate::kernel::{datapath, verifier};
use crate::oid_request::NDIS_REQUEST_SET_INFORMATION;

mod delete;
mod held;
mod oids;
pub use held::{BelowFrame, SentIds};
pub use oids::{OidDone, SeenBelow};

/// `OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA`.
const OID_ADD_SA: u32 = 0xFC03_0202;

/// Why a session step failed.
#[derive(Debug)]
pub enum SessionError {
    /// The driver could not be loaded.
    Host(HostError),
    /// A module operation was refused by the host (state, handler, registration).
    Module(ModuleError),
    /// A callback of the driver returned a failure: which one, and its status.
    Status(&'static str, i32),
    /// An NBL chain could not be built.
    Chain(String),
    /// The verifier recorded violations (each named).
    Violations(Vec<String>),
    /// A control-device request could not be sent or its response read.
    Device(String),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host(e) => write!(f, "{e}"),
            Self::Module(e) => write!(f, "{e:?}"),
            Self::Status(what, s) => write!(f, "{what} returned {s:#010x}"),
            Self::Chain(e) => write!(f, "NBL chain: {e}"),
            Self::Violations(v) => write!(f, "verifier: {}", v.join("; ")),
            Self::Device(e) => write!(f, "control device: {e}"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<ModuleError> for SessionError {
    fn from(e: ModuleError) -> Self {
        Self::Module(e)
    }
}

/// A packet TCP/IP got from a module: the frame and the IPsecOV2 receive information.
#[derive(Debug, Clone)]
pub struct RxPacket {
    /// The frame as TCP/IP saw it (decrypted in place when the filter processed it).
    pub frame: Vec<u8>,
    /// The IPsecOV2 receive information of its NBL.
    pub view: RecvView,
}

/// The driver, loaded, with its modules.
pub struct Session {
    host: DriverHost,
    modules: Vec<usize>,
    /// Each module's interface index (its name for the control device's test family).
    if_indexes: Vec<(usize, u32)>,
    /// Chains the driver did not give back (kept alive: the driver may still touch them).
    kept: Vec<OwnedNblChain>,
    /// Chains of `send_chain`/`receive_chain` the driver gave back entirely, dropped by
    /// [`Session::release_spent`] (so that a bench can leave their freeing out of its timing).
    spent: Vec<OwnedNblChain>,
    /// Send completions taken from the ledgers and not yet asked for (NBL, status).
    completions: Vec<(usize, i32)>,
    /// Receive chains indicated and held above by TCP/IP (or not yet all returned).
    held_rx: Vec<OwnedNblChain>,
    /// OID requests issued through [`Session::oid`].
    oids: oids::Oids,
    /// `DriverUnload` has run.
    unloaded: bool,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Session {{ modules: {:?} }}", self.modules)
    }
}

fn head(owned: &OwnedNblChain) -> Result<*mut NET_BUFFER_LIST, SessionError> {
    owned
        .nbl_ptr(0)
        .map(|p| p.cast())
        .ok_or_else(|| SessionError::Chain("an empty chain".into()))
}

/// A list of linked elements in an InformationBuffer (ADD_SA, DELETE_SA): where an element's
/// `Next` field is, and the smallest element the driver's structure pass accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListLayout {
    /// Offset of `Next` in an element.
    pub next_field: usize,
    /// Size of the smallest element (its revision-1 size).
    pub min_element: usize,
}

/// The `Next` fields of the list at the start of `buf` whose addresses are relative to `base`,
/// in list order: the walk follows each non-NULL link while it names a whole element further in
/// the buffer, 8-byte aligned and not overlapping the element before it (what the driver's
/// structure pass accepts), and stops after the first link that does not.
#[must_use]
pub fn list_links(buf: &[u8], layout: ListLayout, base: u64) -> Vec<usize> {
    let mut links = Vec::new();
    let mut at = 0usize;
    while let Some(slot) = buf.get(at + layout.next_field..at + layout.next_field + 8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(slot);
        let next = u64::from_le_bytes(b);
        if next == 0 {
            break;
        }
        links.push(at + layout.next_field);
        let Some(to) = next.checked_sub(base).and_then(|o| usize::try_from(o).ok()) else {
            break;
        };
        if to < at + layout.min_element || to % 8 != 0 || to + layout.min_element > buf.len() {
            break;
        }
        at = to;
    }
    links
}

/// Moves the addresses in the `Next` fields at `links` from `from`-relative to `to`-relative
/// (wrapping: a link below or past the buffer moves by the same amount, so the driver sees the
/// same malformation as the emulation's decoder at `oid_buffers::BASE`).
pub fn rebase_links(buf: &mut [u8], links: &[usize], from: u64, to: u64) {
    for &at in links {
        let Some(slot) = buf.get_mut(at..at + 8) else {
            continue;
        };
        let mut b = [0u8; 8];
        b.copy_from_slice(slot);
        let next = u64::from_le_bytes(b);
        if next != 0 {
            slot.copy_from_slice(&next.wrapping_sub(from).wrapping_add(to).to_le_bytes());
        }
    }
}

/// Rewrites the emulation's `Next` links of an SA OID list (ADD_SA, DELETE_SA: `Next` at 8 in
/// each element at `offsets`) to the buffer's real address.
pub fn relink(buf: &mut [u8], offsets: &[usize]) {
    let real = buf.as_ptr() as u64;
    let links: Vec<usize> = offsets.iter().map(|&at| at + 8).collect();
    rebase_links(buf, &links, oid_buffers::BASE, real);
}

/// How a raw OID request to a module ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidOutcome {
    /// The filter answered it itself.
    Answered {
        /// The status it returned.
        status: i32,
        /// BytesRead (set) or BytesWritten (query, method): one field of the request.
        bytes_done: u32,
        /// BytesNeeded.
        bytes_needed: u32,
    },
    /// The filter passed it down: the miniport below got it (and answered
    /// NDIS_STATUS_NOT_SUPPORTED); the filter's completion status (`None`: not completed).
    PassedDown(Option<i32>),
}

impl Session {
    /// Loads the `.sys` at `sys` and runs its `DriverEntry` (which must succeed); the verifier's
    /// record starts empty.
    pub fn start(sys: &Path) -> Result<Self, SessionError> {
        let mut host = DriverHost::load(sys).map_err(SessionError::Host)?;
        verifier::take();
        let status = host.driver_entry().map_err(SessionError::Host)?;
        if status != 0 {
            return Err(SessionError::Status("DriverEntry", status));
        }
        Ok(Self {
            host,
            modules: Vec::new(),
            if_indexes: Vec::new(),
            kept: Vec::new(),
            spent: Vec::new(),
            completions: Vec::new(),
            held_rx: Vec::new(),
            oids: oids::Oids::default(),
            unloaded: false,
        })
    }

    /// Attaches a module over `adapter` and restarts it; returns its filter handle.
    pub fn running_module(&mut self, adapter: &Miniport) -> Result<usize, SessionError> {
        let (m, status) = self.host.attach(adapter)?;
        if status != 0 {
            return Err(SessionError::Status("FilterAttach", status));
        }
        self.modules.push(m);
        self.if_indexes.push((m, adapter.if_index));
        let status = self.host.restart(m)?;
        if status != 0 {
            return Err(SessionError::Status("FilterRestart", status));
        }
        Ok(m)
    }

    /// A thread-safe handle on the handlers of running module `m` (sends, completions below,
    /// receives, returns above, direct OIDs from several threads at once).
    pub fn module_calls(&self, m: usize) -> Result<crate::concurrent::ModuleCalls, SessionError> {
        Ok(self.host.module_calls(m)?)
    }

    /// The status indications module `m` made so far (`NdisFIndicateStatus`): each status code
    /// with its buffer, in order.
    pub fn indications(&self, m: usize) -> Vec<(i32, Vec<u8>)> {
        crate::kernel::module::get(m).map_or_else(Vec::new, |rec| {
            rec.indications
                .into_iter()
                .map(|i| (i.status, i.buffer))
                .collect()
        })
    }

    /// Module `m`'s state, SA count and counters as the driver reports them: the control
    /// device's `TestModuleStats` through an IRP, naming the module by its interface index (the
    /// module's adapter needs `ControlTestFamily` and an interface index no other module has).
    pub fn module_stats(&mut self, m: usize) -> Result<ModuleStatsReply, SessionError> {
        let index = self
            .if_indexes
            .iter()
            .find(|(h, _)| *h == m)
            .map(|&(_, i)| i)
            .ok_or(SessionError::Module(ModuleError::NoModule))?;
        let request = client::test_module_stats(&index.to_string());
        let (r, buffer) = self
            .host
            .device_control(Ioctl::TestModuleStats.code(), &request, 4096)
            .map_err(|e| SessionError::Device(format!("{e:?}")))?;
        if r.status != 0 {
            return Err(SessionError::Status("TestModuleStats IRP", r.status));
        }
        let out = buffer
            .get(..r.information)
            .ok_or_else(|| SessionError::Device("Information past the buffer".into()))?;
        let fault = |f| SessionError::Device(format!("TestModuleStats response: {f:?}"));
        let response = client::parse(out).map_err(fault)?;
        if response.status != 0 {
            return Err(SessionError::Device(format!(
                "TestModuleStats: NPF error {}",
                response.status
            )));
        }
        let body = response.body;
        let ntstatus = body.u32(0).map_err(fault)?;
        if ntstatus != 0 {
            return Err(SessionError::Status("TestModuleStats", ntstatus as i32));
        }
        let n = body.u32(4).map_err(fault)? as usize;
        let data = body.slice(8, n).map_err(fault)?;
        module_stats::read(data).map_err(fault)
    }

    /// One OID request (`request_type` a `NdisRequest*` value) on the direct OID path with
    /// `buf` as its InformationBuffer, left as the driver left it. A request the filter passes
    /// down is answered by the miniport below with NDIS_STATUS_NOT_SUPPORTED.
    pub fn oid_request(
        &mut self,
        m: usize,
        request_type: i32,
        oid: u32,
        buf: &mut [u8],
    ) -> Result<OidOutcome, SessionError> {
        let r = self.host.oid_request(m, true, request_type, oid, buf)?;
        let below = self
            .host
            .complete_oids_below(m, |_, _, _| (NDIS_STATUS_NOT_SUPPORTED, 0, 0))?;
        if below > 0 {
            let done = match r.status {
                Some(s) => Some(s),
                None => self.host.oid_result(r.request).and_then(|d| d.status),
            };
            return Ok(OidOutcome::PassedDown(done));
        }
        match r.status {
            Some(status) => Ok(OidOutcome::Answered {
                status,
                bytes_done: r.bytes_done,
                bytes_needed: r.bytes_needed,
            }),
            None => Err(SessionError::Status(
                "an OID the filter neither answered nor passed down",
                NDIS_STATUS_PENDING,
            )),
        }
    }

    /// ADD_SA of one element on the direct OID path; returns the offload handle.
    pub fn add_sa(&mut self, m: usize, sa: &AddSa) -> Result<u64, SessionError> {
        let (mut buf, offsets) = oid_buffers::add_sa_list(std::slice::from_ref(sa));
        relink(&mut buf, &offsets);
        let r =
            self.host
                .oid_request(m, true, NDIS_REQUEST_SET_INFORMATION, OID_ADD_SA, &mut buf)?;
        match r.status {
            Some(0) => Ok(offsets
                .first()
                .map_or(0, |&at| oid_buffers::handle_at(&buf, at))),
            s => Err(SessionError::Status(
                "ADD_SA",
                s.unwrap_or(NDIS_STATUS_PENDING),
            )),
        }
    }

    /// TCP/IP sends `specs` as one chain; the miniport below completes what reaches it with
    /// success. Returns each NBL's completion status in chain order (`None`: not completed)
    /// and the frames that went on the wire, one per NET_BUFFER, in order.
    #[allow(clippy::type_complexity)]
    pub fn send(
        &mut self,
        m: usize,
        specs: &[NblSpec],
    ) -> Result<(Vec<Option<i32>>, Vec<Vec<u8>>), SessionError> {
        let owned = OwnedNblChain::build(specs).map_err(|e| SessionError::Chain(e.to_string()))?;
        let r = self.send_chain(m, owned);
        self.release_spent();
        r
    }

    /// Drops the chains [`send_chain`](Self::send_chain) and
    /// [`receive_chain`](Self::receive_chain) kept after the driver gave them back.
    pub fn release_spent(&mut self) {
        self.spent.clear();
    }

    /// [`send`](Self::send) of a chain built by the caller (so that a bench times the driver,
    /// not the building of the chain); the chain, once given back, is parked until
    /// [`release_spent`](Self::release_spent) (nor is its freeing timed).
    #[allow(clippy::type_complexity)]
    pub fn send_chain(
        &mut self,
        m: usize,
        owned: OwnedNblChain,
    ) -> Result<(Vec<Option<i32>>, Vec<Vec<u8>>), SessionError> {
        let first = head(&owned)?;
        // SAFETY: `owned` stays alive until every NBL of it is completed back (else it is kept
        // to the end of the session).
        let sent = unsafe { self.host.send(m, first, true) };
        if let Err(e) = sent {
            return Err(e.into());
        }
        let wire: Vec<Vec<u8>> = self
            .host
            .complete_below(m, 0, true)?
            .into_iter()
            .flatten()
            .collect();
        let done = datapath::with(m, |l| core::mem::take(&mut l.completed_up)).unwrap_or_default();
        let mine: Vec<usize> = (0..owned.nbl_count())
            .map(|i| owned.nbl_ptr(i).map_or(0, |p| p as usize))
            .collect();
        let statuses: Vec<Option<i32>> = mine
            .iter()
            .map(|p| done.iter().find(|(n, _)| n == p).map(|&(_, s)| s))
            .collect();
        // Completions of chains sent earlier and held below (kept alive: no address reuse).
        self.completions
            .extend(done.into_iter().filter(|(n, _)| !mine.contains(n)));
        if statuses.iter().any(Option::is_none) {
            self.kept.push(owned);
        } else {
            self.spent.push(owned);
        }
        Ok((statuses, wire))
    }

    /// The miniport indicates `specs` as one chain; TCP/IP returns what the filter indicates
    /// up. Returns what TCP/IP got, in order.
    pub fn receive(&mut self, m: usize, specs: &[NblSpec]) -> Result<Vec<RxPacket>, SessionError> {
        if specs.is_empty() {
            return Ok(Vec::new());
        }
        let owned = OwnedNblChain::build(specs).map_err(|e| SessionError::Chain(e.to_string()))?;
        let r = self.receive_chain(m, owned);
        self.release_spent();
        r
    }

    /// [`receive`](Self::receive) of a chain built by the caller (at least one NBL), parked
    /// once given back as by [`send_chain`](Self::send_chain).
    pub fn receive_chain(
        &mut self,
        m: usize,
        owned: OwnedNblChain,
    ) -> Result<Vec<RxPacket>, SessionError> {
        let first = head(&owned)?;
        let count = u32::try_from(owned.nbl_count()).unwrap_or(u32::MAX);
        // SAFETY: `owned` stays alive until every NBL of it is returned (else it is kept to the
        // end of the session).
        let indicated = unsafe { self.host.receive(m, first, count, true) };
        if let Err(e) = indicated {
            self.kept.push(owned);
            return Err(e.into());
        }
        let up = self.host.return_above(m, true)?;
        let mut got = Vec::new();
        for (addr, frames) in up {
            let index = (0..owned.nbl_count())
                .find(|&i| owned.nbl_ptr(i).map_or(0, |p| p as usize) == addr);
            let Some(i) = index else {
                self.kept.push(owned);
                return Err(SessionError::Chain(format!(
                    "NBL {addr:#x} indicated up is none the miniport indicated"
                )));
            };
            let view = recv_view(&owned, i);
            for frame in frames {
                got.push(RxPacket { frame, view });
            }
        }
        let back = datapath::with(m, |l| core::mem::take(&mut l.returned_down)).unwrap_or_default();
        let all_back = (0..owned.nbl_count())
            .all(|i| back.contains(&owned.nbl_ptr(i).map_or(0, |p| p as usize)));
        if all_back {
            self.spent.push(owned);
        } else {
            self.kept.push(owned);
        }
        Ok(got)
    }

    /// Pauses and detaches every module, unloads the driver; any violation the verifier
    /// recorded during the session (NBLs not given back, leaks, IRQL, locks) is the error.
    pub fn finish(mut self) -> Result<(), SessionError> {
        self.teardown()?;
        let v = verifier::take();
        if v.is_empty() {
            Ok(())
        } else {
            Err(SessionError::Violations(v))
        }
    }

    fn teardown(&mut self) -> Result<(), SessionError> {
        if self.unloaded {
            return Ok(());
        }
        self.unloaded = true;
        let mut first = Ok(());
        self.if_indexes.clear();
        for m in std::mem::take(&mut self.modules) {
            // A module a case left paused is detached as it is.
            let paused = crate::kernel::module::get(m)
                .is_some_and(|r| r.state == crate::kernel::module::NdisState::Paused);
            let r = if paused {
                Ok(())
            } else {
                self.host.pause(m).and_then(|p| {
                    if p == NDIS_STATUS_PENDING {
                        self.host.complete_below(m, 0, false).map(|_| ())
                    } else {
                        Ok(())
                    }
                })
            };
            let r = r.and_then(|()| self.host.detach(m));
            if first.is_ok() {
                first = r.map_err(SessionError::from);
            }
        }
        self.host.unload();
        first
    }
}

impl Drop for Session {
    /// A session ended early (a failed step) still detaches and unloads, so that the next one
    /// starts from a clean host; what the verifier recorded is dropped with it.
    fn drop(&mut self) {
        if !self.unloaded {
            let _ = self.teardown();
            verifier::take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADD: ListLayout = ListLayout {
        next_field: 8,
        min_element: 0xa9,
    };

    fn put(b: &mut [u8], at: usize, v: u64) {
        b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }

    fn get(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default())
    }

    /// Three elements at 0, 0xb0 and 0x160 linked in order.
    fn list() -> Vec<u8> {
        let base = oid_buffers::BASE;
        let mut b = vec![0u8; 0x210];
        put(&mut b, 8, base + 0xb0);
        put(&mut b, 0xb0 + 8, base + 0x160);
        b
    }

    #[test]
    fn a_well_formed_list_has_every_link_moved_and_back() {
        let mut b = list();
        let links = list_links(&b, ADD, oid_buffers::BASE);
        assert_eq!(links, vec![8, 0xb8]);
        let real = 0x7f00_1234_0000;
        rebase_links(&mut b, &links, oid_buffers::BASE, real);
        assert_eq!((get(&b, 8), get(&b, 0xb8)), (real + 0xb0, real + 0x160));
        assert_eq!(get(&b, 0x168), 0);
        rebase_links(&mut b, &links, real, oid_buffers::BASE);
        assert_eq!(b, list());
    }

    #[test]
    fn a_malformed_link_moves_by_the_same_amount_and_ends_the_walk() {
        let base = oid_buffers::BASE;
        let real = base + 0x5000;
        for (bad, moved) in [
            (base - 0x100, real - 0x100),
            (base + 0xb4, real + 0xb4),
            (base + 0x400, real + 0x400),
            (base + 0x10, real + 0x10),
            (base, real),
        ] {
            let mut b = list();
            put(&mut b, 0xb8, bad);
            let links = list_links(&b, ADD, base);
            assert_eq!(links, vec![8, 0xb8], "{bad:#x}");
            rebase_links(&mut b, &links, base, real);
            assert_eq!(get(&b, 0xb8), moved, "{bad:#x}");
        }
        // A first link below the base (no offset at all) is still moved, and ends the walk.
        let mut b = list();
        put(&mut b, 8, 0x10);
        let links = list_links(&b, ADD, base);
        assert_eq!(links, vec![8]);
        rebase_links(&mut b, &links, base, real);
        assert_eq!(get(&b, 8), 0x10_u64.wrapping_sub(base).wrapping_add(real));
    }
}
