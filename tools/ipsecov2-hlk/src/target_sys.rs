//! `--target sys`: a [`ModuleUnderTest`] that is a filter module of the real `ipsecov2_lwf.sys`,
//! loaded and run by the PE driver host (`ipsecov2-pe-host`, docs/pe-host.md). Two modules of
//! one loaded driver share its session; sends and receives go through the driver's own
//! FilterSendNetBufferLists / FilterReceiveNetBufferLists with the emulation's NBL chains, OIDs
//! through real NDIS_OID_REQUESTs, and the host's verifier checks every call (IRQL, locks,
//! pool, each NBL given back exactly once, nothing left at detach or unload).

use std::cell::RefCell;
use std::rc::Rc;

use ipsecov2_abi::NDIS_STATUS;
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::tcpip::recv_nbl;
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::session::Session;

use crate::target::{self, Counters, Got, ModuleUnderTest, Target};

/// One module of the loaded driver.
pub struct SysModule {
    session: Rc<RefCell<Option<Session>>>,
    handle: usize,
    rng: SplitMix64,
    outbox: Vec<Vec<u8>>,
}

/// The adapter below each module: the keywords the emulated host's default configuration uses.
fn adapter() -> Miniport {
    Miniport {
        keywords: vec![
            ("SaOffloadCapacity".into(), 64),
            ("TxBufferCount".into(), 16),
            ("TxBufferSize".into(), 2048),
            ("RxScratchCount".into(), 4),
        ],
        ..Miniport::default()
    }
}

impl SysModule {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, ipsecov2_pe_host::session::SessionError>,
    ) -> Result<T, String> {
        let mut s = self.session.borrow_mut();
        let s = s.as_mut().ok_or("the driver session has ended")?;
        f(s).map_err(|e| e.to_string())
    }
}

impl ModuleUnderTest for SysModule {
    fn pair(seed: u64) -> Result<(Self, Self), String> {
        let Target::Sys(path) = target::current() else {
            return Err("not the sys target".into());
        };
        let mut s = Session::start(&path).map_err(|e| e.to_string())?;
        let a = s.running_module(&adapter()).map_err(|e| e.to_string())?;
        let b = s.running_module(&adapter()).map_err(|e| e.to_string())?;
        let session = Rc::new(RefCell::new(Some(s)));
        let module = |handle, seed| SysModule {
            session: Rc::clone(&session),
            handle,
            rng: SplitMix64::new(seed),
            outbox: Vec::new(),
        };
        Ok((module(a, seed), module(b, seed + 1)))
    }

    fn rng(&mut self) -> &mut SplitMix64 {
        &mut self.rng
    }

    fn add_sa(&mut self, sa: &AddSa) -> Result<u64, String> {
        let m = self.handle;
        self.with(|s| s.add_sa(m, sa))
    }

    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<Vec<u8>>), String> {
        let m = self.handle;
        let (statuses, wire) = self.with(|s| s.send(m, &specs))?;
        self.outbox.extend(wire.iter().cloned());
        Ok((statuses, wire))
    }

    fn deliver(from: &mut Self, to: &mut Self) -> Result<Vec<Got>, String> {
        let frames = std::mem::take(&mut from.outbox);
        let specs: Vec<NblSpec> = frames.iter().map(|f| recv_nbl(&mut to.rng, f, 0)).collect();
        let m = to.handle;
        let got = to.with(|s| s.receive(m, &specs))?;
        Ok(got.into_iter().map(|p| (p.frame, p.view)).collect())
    }

    fn counters(&self) -> Result<Option<Counters>, String> {
        Ok(None)
    }

    fn finish(a: Self, b: Self) -> Result<(), String> {
        drop(b);
        let s = a.session.borrow_mut().take();
        let s = s.ok_or("the driver session has ended")?;
        s.finish().map_err(|e| e.to_string())
    }
}
