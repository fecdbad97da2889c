//! `--target sys`: a [`ModuleUnderTest`] that is a filter module of the real `ipsecov2_lwf.sys`,
//! loaded and run by the PE driver host (`ipsecov2-pe-host`, docs/pe-host.md). Two modules of
//! one loaded driver share its session; sends and receives go through the driver's own
//! FilterSendNetBufferLists / FilterReceiveNetBufferLists with the emulation's NBL chains, OIDs
//! through real NDIS_OID_REQUESTs, and the host's verifier checks every call (IRQL, locks,
//! pool, each NBL given back exactly once, nothing left at detach or unload).

use std::cell::RefCell;
use std::rc::Rc;

use ipsecov2_abi::{NDIS_STATUS, NDIS_STATUS_SUCCESS};
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::tcpip::{recv_nbl, send_nbl, Framed, RecvView};
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::session::Session;

use crate::capture;
use crate::target::{self, Counters, DatapathPair, Got, ModuleUnderTest, Target};

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

/// A sender module and a receiver module of one loaded driver.
pub struct SysPair {
    session: Session,
    tx: usize,
    rx: usize,
}

impl DatapathPair for SysPair {
    fn install(out: &AddSa, inbound: &AddSa) -> Result<(Self, u64), String> {
        let Target::Sys(path) = target::current() else {
            return Err("not the sys target".into());
        };
        let mut session = Session::start(&path).map_err(|e| e.to_string())?;
        let tx = session
            .running_module(&adapter())
            .map_err(|e| e.to_string())?;
        let rx = session
            .running_module(&adapter())
            .map_err(|e| e.to_string())?;
        let handle = session
            .add_sa(tx, out)
            .map_err(|x| format!("outbound: {x}"))?;
        capture::record_add_sa(out, handle);
        let h = session
            .add_sa(rx, inbound)
            .map_err(|x| format!("inbound: {x}"))?;
        capture::record_add_sa(inbound, h);
        Ok((Self { session, tx, rx }, handle))
    }

    fn protect(
        &mut self,
        rng: &mut SplitMix64,
        frames: &[&Framed],
        handle: u64,
        tunnel: u64,
    ) -> Result<Vec<Vec<u8>>, String> {
        let refs: Vec<&[u8]> = frames.iter().map(|f| f.frame.as_slice()).collect();
        let header = frames.first().map_or(0, |f| f.header_info);
        let spec = send_nbl(rng, &refs, handle, tunnel, header);
        let (statuses, wire) = self
            .session
            .send(self.tx, &[spec])
            .map_err(|e| e.to_string())?;
        if statuses != [Some(NDIS_STATUS_SUCCESS)] {
            return Err(format!("send completion: {statuses:x?}, want [Some(0)]"));
        }
        if wire.len() != frames.len() {
            return Err(format!(
                "send: {} packets on the wire, want {}",
                wire.len(),
                frames.len()
            ));
        }
        for (w, f) in wire.iter().zip(frames) {
            capture::hook(|cap, case| {
                cap.frame(
                    case,
                    capture::Wire::Sent {
                        wire: w,
                        plain: &f.frame,
                        handle,
                        tunnel,
                    },
                );
            });
        }
        Ok(wire)
    }

    fn receive(
        &mut self,
        rng: &mut SplitMix64,
        packets: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        let specs: Vec<NblSpec> = packets.iter().map(|f| recv_nbl(rng, f, 0)).collect();
        let got = self
            .session
            .receive(self.rx, &specs)
            .map_err(|e| e.to_string())?;
        for (p, wire) in got.iter().zip(packets) {
            capture::hook(|cap, case| {
                cap.frame(
                    case,
                    capture::Wire::Received {
                        wire,
                        result: capture::RxResult {
                            crypto_done: p.view.crypto_done,
                            status: p.view.status,
                        },
                    },
                );
            });
        }
        Ok(got.into_iter().map(|p| (p.view, p.frame)).collect())
    }

    fn finish(self) -> Result<(), String> {
        self.session.finish().map_err(|e| e.to_string())
    }
}
