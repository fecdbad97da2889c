//! [`ModuleStates`] of a module of the real `ipsecov2_lwf.sys` in the PE driver host: pause,
//! restart, detach and attach go through the driver's FilterPause / FilterRestart /
//! FilterDetach / FilterAttach under NDIS's state machine (a transition NDIS would never make is
//! refused by the host, as NDIS would never call it); held sends stay with the host's miniport
//! until it completes them, held receives with its TCP/IP until it returns them; the counters
//! are the driver's answer to the control device's `TestModuleStats`.

use ipsecov2_abi::{
    NDIS_STATUS, NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
    NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
};
use ipsecov2_ndis_emu::host::offload_from_bytes;
use ipsecov2_ndis_emu::tcpip::recv_nbl;
use ipsecov2_ndis_emu::NblSpec;
use ipsecov2_pe_host::kernel::module::NdisState;
use ipsecov2_pe_host::session::SentIds;

use crate::target_states::{stats_from, Indication, ModuleStates, Phase, Stats};
use crate::target_sys::{adapter, SysModule};

/// `NDIS_STATUS_PENDING`.
const PENDING: NDIS_STATUS = 0x0000_0103;

impl ModuleStates for SysModule {
    fn pair_with(seed: u64, keywords: (Option<u32>, Option<u32>)) -> Result<(Self, Self), String> {
        let mut first = adapter();
        for (name, value) in [
            ("*IPsecOffloadV2", keywords.0),
            ("*IPsecOffloadV2IPv4", keywords.1),
        ] {
            if let Some(v) = value {
                first.keywords.push((name.into(), v));
            }
        }
        Self::pair_over(seed, first)
    }

    fn hold_sends(&mut self, on: bool) {
        self.hold_tx = on;
    }

    fn hold_receives(&mut self, on: bool) {
        self.hold_rx = on;
    }

    fn send_refs(&mut self, specs: Vec<NblSpec>) -> Result<Vec<usize>, String> {
        self.send_chain(specs).map(|(sent, ..)| sent)
    }

    fn send_status(&mut self, r: usize) -> Option<NDIS_STATUS> {
        if let Some(&(_, st)) = self.completed.iter().find(|(n, _)| *n == r) {
            return Some(st);
        }
        let m = self.handle;
        let st = self
            .with(|s| Ok(s.send_statuses(m, &SentIds(vec![r]))))
            .ok()?
            .pop()
            .flatten()?;
        self.completed.push((r, st));
        Some(st)
    }

    fn release_sends(&mut self) -> Result<(), String> {
        let m = self.handle;
        let wire = self.with(|s| s.complete_below(m))?;
        self.outbox.extend(wire.into_iter().map(|b| b.frame));
        Ok(())
    }

    fn release_receives(&mut self) -> Result<(), String> {
        let m = self.handle;
        self.with(|s| s.return_above(m)).map(|_| ())
    }

    fn indicate(&mut self, frames: &[Vec<u8>], resources: bool) -> Result<usize, String> {
        let specs: Vec<NblSpec> = frames
            .iter()
            .map(|f| recv_nbl(&mut self.rng, f, 0))
            .collect();
        let m = self.handle;
        let hold = self.hold_rx;
        self.with(|s| {
            let up = s.indicate_held(m, &specs, resources)?;
            if !hold {
                s.return_above(m)?;
            }
            Ok(up)
        })
    }

    fn pause(&mut self) -> Result<bool, String> {
        let m = self.handle;
        match self.with(|s| s.pause(m))? {
            0 => Ok(false),
            PENDING => Ok(true),
            other => Err(format!("FilterPause returned {other:#010x}")),
        }
    }

    fn restart(&mut self) -> Result<(), String> {
        let m = self.handle;
        let out_of_order = matches!(self.phase(), Phase::Running | Phase::Pausing);
        let status = self.with(|s| {
            if out_of_order {
                s.restart_out_of_order(m)
            } else {
                s.restart(m)
            }
        })?;
        match status {
            0 => Ok(()),
            other => Err(format!("FilterRestart returned {other:#010x}")),
        }
    }

    fn detach(&mut self) -> Result<Option<usize>, String> {
        let m = self.handle;
        self.with(|s| s.detach(m)).map(|()| None)
    }

    fn detach_out_of_order_reaches_module(&self) -> bool {
        false
    }

    fn attach(&mut self) -> Result<(), String> {
        let a = self.adapter.clone();
        let (m, status) = self.with(|s| s.attach(&a))?;
        if status != 0 {
            return Err(format!("FilterAttach returned {status:#010x}"));
        }
        self.handle = m;
        Ok(())
    }

    fn phase(&self) -> Phase {
        let m = self.handle;
        match self.with(|s| Ok(s.ndis_state(m))) {
            Ok(Some(NdisState::Running)) => Phase::Running,
            Ok(Some(NdisState::Pausing)) => Phase::Pausing,
            Ok(Some(NdisState::Detached) | None) | Err(_) => Phase::Detached,
            Ok(Some(_)) => Phase::Paused,
        }
    }

    fn pause_completions(&self) -> usize {
        let m = self.handle;
        self.with(|s| Ok(s.pause_completions(m) as usize))
            .unwrap_or(0)
    }

    fn sends_outstanding(&self) -> usize {
        let m = self.handle;
        self.with(|s| Ok(s.sends_in_filter(m))).unwrap_or(0)
    }

    fn receives_outstanding(&self) -> usize {
        let m = self.handle;
        self.with(|s| Ok(s.receives_in_filter(m))).unwrap_or(0)
    }

    fn receives_held(&self) -> usize {
        let m = self.handle;
        self.with(|s| Ok(s.held_above(m))).unwrap_or(0)
    }

    fn indications(&self) -> Vec<Indication> {
        let m = self.handle;
        self.with(|s| Ok(s.indications(m)))
            .unwrap_or_default()
            .into_iter()
            .map(|(status, buffer)| {
                let offload = matches!(
                    status,
                    NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG
                        | NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES
                )
                .then(|| {
                    let mut full = buffer.clone();
                    full.resize(full.len().max(size_of::<ipsecov2_abi::NDIS_OFFLOAD>()), 0);
                    offload_from_bytes(&full)
                })
                .flatten();
                let other = if offload.is_some() {
                    Vec::new()
                } else {
                    buffer
                };
                (status, offload, other)
            })
            .collect()
    }

    fn stats(&mut self) -> Result<Stats, String> {
        let m = self.handle;
        let r = self.with(|s| s.module_stats(m))?;
        Ok(stats_from!(u64::from(r.sa_count), r.counts))
    }
}
