//! [`SharedPair`] of two modules of the real `ipsecov2_lwf.sys` in the PE driver host: every
//! thread calls the driver's handlers through the host's thread-safe `ModuleCalls` (sends and
//! receives at DISPATCH_LEVEL, SA OIDs on the direct path at PASSIVE_LEVEL), each call checked
//! by the host's verifier on its own thread.

use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{self, AddSa};
use ipsecov2_ndis_emu::tcpip::{recv_nbl, RecvView};
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};
use ipsecov2_pe_host::concurrent::ModuleCalls;
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::session::{relink, Session};

use crate::target::{self, Target};
use crate::target_shared::{SharedCalls, SharedPair, Side, PATIENCE};
use crate::target_sys::adapter;

/// The calls on both modules.
pub struct SysCalls {
    tx: ModuleCalls,
    rx: ModuleCalls,
}

/// Two modules of one loaded driver.
pub struct SysShared {
    session: Session,
    calls: SysCalls,
    modules: (usize, usize),
}

/// One element of a DELETE_SA list (`sizeof(NDIS_IPSEC_OFFLOAD_V2_DELETE_SA)`).
const DELETE_ELEMENT: usize = 24;

impl SysCalls {
    fn on(&self, side: Side) -> &ModuleCalls {
        match side {
            Side::Tx => &self.tx,
            Side::Rx => &self.rx,
        }
    }

    fn set(&self, side: Side, oid: NDIS_OID, buf: &mut [u8]) -> Result<NDIS_STATUS, String> {
        self.on(side)
            .direct_set(oid, buf)
            .ok_or_else(|| format!("OID {oid:#x} pended"))
    }
}

impl SharedCalls for SysCalls {
    fn enter_thread(&self) -> Result<(), String> {
        self.tx.enter_thread().map_err(|e| e.to_string())
    }

    fn add(&self, side: Side, sa: &AddSa) -> Result<u64, String> {
        let (mut buf, offsets) = oid_buffers::add_sa_list(std::slice::from_ref(sa));
        relink(&mut buf, &offsets);
        let st = self.set(side, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, &mut buf)?;
        let h = offsets
            .first()
            .map_or(0, |&at| oid_buffers::handle_at(&buf, at));
        if st != NDIS_STATUS_SUCCESS || h == 0 {
            return Err(format!("ADD_SA refused: status {st:#x}"));
        }
        Ok(h)
    }

    fn delete(&self, side: Side, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        let mut buf = oid_buffers::delete_sa_list(handles);
        let offsets: Vec<usize> = (0..handles.len()).map(|i| i * DELETE_ELEMENT).collect();
        relink(&mut buf, &offsets);
        self.set(side, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut buf)
    }

    fn update(&self, side: Side, handle: u64, spi: u32, high: u32) -> Result<NDIS_STATUS, String> {
        let mut u = oid_buffers::update_sa(handle, IPsecOffloadV2Esp, spi, high);
        self.set(side, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)
    }

    fn send(&self, spec: NblSpec) -> Result<(NDIS_STATUS, Vec<Vec<u8>>), String> {
        let (statuses, wire) = self.tx.send_completed(&[spec], PATIENCE)?;
        let status = statuses.first().copied().ok_or("no completion")?;
        Ok((status, wire))
    }

    fn receive(
        &self,
        rng: &mut SplitMix64,
        frames: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        if frames.is_empty() {
            return Ok(Vec::new());
        }
        let specs: Vec<NblSpec> = frames.iter().map(|f| recv_nbl(rng, f, 0)).collect();
        self.rx.receive_returned(&specs, PATIENCE)
    }
}

impl SharedPair for SysShared {
    type Calls = SysCalls;

    fn open() -> Result<Self, String> {
        let Target::Sys(path) = target::current() else {
            return Err("not the sys target".into());
        };
        let mut session = Session::start(&path).map_err(|e| e.to_string())?;
        let tx = session
            .running_module(&adapter())
            .map_err(|e| e.to_string())?;
        // Each module names its own interface to the control device.
        let second = Miniport {
            if_index: adapter().if_index + 1,
            ..adapter()
        };
        let rx = session.running_module(&second).map_err(|e| e.to_string())?;
        let calls = SysCalls {
            tx: session.module_calls(tx).map_err(|e| e.to_string())?,
            rx: session.module_calls(rx).map_err(|e| e.to_string())?,
        };
        Ok(Self {
            session,
            calls,
            modules: (tx, rx),
        })
    }

    fn calls(&self) -> &SysCalls {
        &self.calls
    }

    fn sas_left(&mut self) -> Result<(u64, u64), String> {
        let (tx, rx) = self.modules;
        let count = |s: &mut Session, m| {
            s.module_stats(m)
                .map(|r| u64::from(r.sa_count))
                .map_err(|e| e.to_string())
        };
        Ok((count(&mut self.session, tx)?, count(&mut self.session, rx)?))
    }

    fn finish(self) -> Result<(), String> {
        self.session.finish().map_err(|e| e.to_string())
    }
}
