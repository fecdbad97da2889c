//! A filter module's life as NDIS, TCP/IP and the miniport see it ([`ModuleStates`]): pause
//! completed at once or left pending, restart, detach and attach again, sends the miniport holds
//! and receives TCP/IP holds, indications with `NDIS_RECEIVE_FLAGS_RESOURCES`, the status
//! indications made up; and the module's own counters. The
//! emulated host implements it here, the driver binary in `target_sys_states`.

use ipsecov2_abi::{NDIS_OFFLOAD, NDIS_STATUS};
use ipsecov2_filter_core::state::{FilterState, PauseStart};
use ipsecov2_ndis_emu::host::Host;
use ipsecov2_ndis_emu::NblSpec;

use crate::target::ModuleUnderTest;

/// Where a module is in NDIS's state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Attached and paused (or restarting).
    Paused,
    /// Running: traffic flows.
    Running,
    /// FilterPause pended; NdisFPauseComplete is due.
    Pausing,
    /// Detached (not attached).
    Detached,
}

/// A module's own counters, as the cases check them (the emulated host's snapshot, or the
/// driver's answer to the control device's `TestModuleStats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// SAs installed.
    pub sa_count: u64,
    /// NBLs TCP/IP sent that the module has not completed.
    pub sends_outstanding: u64,
    /// Sends completed with NDIS_STATUS_PAUSED.
    pub send_paused: u64,
    /// Receives returned at once while not running.
    pub recv_returned_paused: u64,
    /// Receives with `NDIS_RECEIVE_FLAGS_RESOURCES` dropped while not running.
    pub recv_dropped_paused: u64,
    /// Transitions refused by the module's state machine.
    pub state_errors: u64,
    /// OIDs the module answered itself.
    pub oids_answered: u64,
    /// OIDs the module passed down.
    pub oids_passed_down: u64,
}

/// The [`Stats`] of a module with `sa_count` SAs from any record of its counters under the same
/// names (the emulated host's `ModuleStats` snapshot, the control device's `ModuleCounts`).
macro_rules! stats_from {
    ($sa_count:expr, $c:expr) => {{
        let c = &$c;
        $crate::target_states::Stats {
            sa_count: $sa_count,
            sends_outstanding: c.sends_outstanding,
            send_paused: c.send_paused,
            recv_returned_paused: c.recv_returned_paused,
            recv_dropped_paused: c.recv_dropped_paused,
            state_errors: c.state_errors,
            oids_answered: c.oids_answered,
            oids_passed_down: c.oids_passed_down,
        }
    }};
}
pub(crate) use stats_from;

/// A status indication TCP/IP got from the module: the status, its `NDIS_OFFLOAD` for offload
/// indications, and the buffer of any other.
pub type Indication = (NDIS_STATUS, Option<NDIS_OFFLOAD>, Vec<u8>);

/// A module whose NDIS life and held traffic a case drives.
pub trait ModuleStates: ModuleUnderTest {
    /// Two running modules as [`ModuleUnderTest::pair`] makes them, the first configured by
    /// the `*IPsecOffloadV2` / `*IPsecOffloadV2IPv4` keywords `keywords` (`None`: absent).
    fn pair_with(seed: u64, keywords: (Option<u32>, Option<u32>)) -> Result<(Self, Self), String>;
    /// The miniport holds (`true`) or completes at once what the module sends down.
    fn hold_sends(&mut self, on: bool);
    /// TCP/IP holds (`true`) or returns at once what the module indicates up.
    fn hold_receives(&mut self, on: bool);
    /// TCP/IP sends `specs` as one chain; one reference per NBL for [`ModuleStates::send_status`].
    fn send_refs(&mut self, specs: Vec<NblSpec>) -> Result<Vec<usize>, String>;
    /// The completion status of sent NBL `r` (`None`: not completed yet).
    fn send_status(&mut self, r: usize) -> Option<NDIS_STATUS>;
    /// The miniport completes with success every send it holds; the frames went on the wire
    /// (and [`ModuleUnderTest::deliver`] carries them on).
    fn release_sends(&mut self) -> Result<(), String>;
    /// TCP/IP returns every NBL it holds.
    fn release_receives(&mut self) -> Result<(), String>;
    /// The miniport indicates `frames` (one NBL each; with `NDIS_RECEIVE_FLAGS_RESOURCES` when
    /// `resources`); how many packets TCP/IP got (held or returned at once).
    fn indicate(&mut self, frames: &[Vec<u8>], resources: bool) -> Result<usize, String>;
    /// FilterPause: `true` when it pended (NdisFPauseComplete later), `false` when it completed
    /// at once; an error when refused.
    fn pause(&mut self) -> Result<bool, String>;
    /// FilterRestart (also out of NDIS's order: the module must refuse it); an error when
    /// refused or failed.
    fn restart(&mut self) -> Result<(), String>;
    /// FilterDetach; an error when refused. How many SAs it removed, when the target can tell.
    fn detach(&mut self) -> Result<Option<usize>, String>;
    /// Whether a FilterDetach NDIS would not make (the module not paused) reaches the module,
    /// which refuses and counts it; else NDIS's state machine refuses it first (the driver
    /// relies on that: its FilterDetach ends the module).
    fn detach_out_of_order_reaches_module(&self) -> bool;
    /// FilterAttach again over the same adapter (after a detach).
    fn attach(&mut self) -> Result<(), String>;
    /// Where the module is.
    fn phase(&self) -> Phase;
    /// NdisFPauseComplete calls so far.
    fn pause_completions(&self) -> usize;
    /// NBLs TCP/IP sent and has not got back.
    fn sends_outstanding(&self) -> usize;
    /// NBLs the miniport indicated and has not got back.
    fn receives_outstanding(&self) -> usize;
    /// NBLs (chains, on the emulated target) TCP/IP holds.
    fn receives_held(&self) -> usize;
    /// The status indications TCP/IP got so far, in order.
    fn indications(&self) -> Vec<Indication>;
    /// The module's counters.
    fn stats(&mut self) -> Result<Stats, String>;
}

impl ModuleStates for Host {
    fn pair_with(seed: u64, keywords: (Option<u32>, Option<u32>)) -> Result<(Self, Self), String> {
        let run = |seed, keywords: (Option<u32>, Option<u32>)| -> Result<Host, String> {
            let mut h = Host::new(ipsecov2_ndis_emu::host::HostConfig {
                seed,
                ipsec_offload_v2: keywords.0,
                ipsec_offload_v2_ipv4: keywords.1,
                ..ipsecov2_ndis_emu::host::HostConfig::default()
            });
            h.attach().map_err(|e| e.to_string())?;
            h.restart().map_err(|e| e.to_string())?;
            Ok(h)
        };
        Ok((run(seed, keywords)?, run(seed + 1, (None, None))?))
    }

    fn hold_sends(&mut self, on: bool) {
        self.miniport_mut().hold_sends = on;
    }

    fn hold_receives(&mut self, on: bool) {
        self.protocol_mut().hold_receives = on;
    }

    fn send_refs(&mut self, specs: Vec<NblSpec>) -> Result<Vec<usize>, String> {
        Host::send(self, specs).map_err(|e| e.to_string())
    }

    fn send_status(&mut self, r: usize) -> Option<NDIS_STATUS> {
        self.protocol().send_status(r)
    }

    fn release_sends(&mut self) -> Result<(), String> {
        Host::release_sends(self).map_err(|e| e.to_string())
    }

    fn release_receives(&mut self) -> Result<(), String> {
        Host::release_receives(self).map_err(|e| e.to_string())
    }

    fn indicate(&mut self, frames: &[Vec<u8>], resources: bool) -> Result<usize, String> {
        let before = self.protocol().received.len();
        self.miniport_mut().resources = resources;
        let r = self.receive(frames).map_err(|e| e.to_string());
        self.miniport_mut().resources = false;
        r?;
        Ok(self.protocol().received.len() - before)
    }

    fn pause(&mut self) -> Result<bool, String> {
        Host::pause(self)
            .map(|p| p == PauseStart::Pending)
            .map_err(|e| e.to_string())
    }

    fn restart(&mut self) -> Result<(), String> {
        Host::restart(self).map_err(|e| e.to_string())
    }

    fn detach(&mut self) -> Result<Option<usize>, String> {
        Host::detach(self).map(Some).map_err(|e| e.to_string())
    }

    fn detach_out_of_order_reaches_module(&self) -> bool {
        true
    }

    fn attach(&mut self) -> Result<(), String> {
        Host::attach(self).map_err(|e| e.to_string())
    }

    fn phase(&self) -> Phase {
        match self.state() {
            FilterState::Running => Phase::Running,
            FilterState::Pausing => Phase::Pausing,
            FilterState::Detached => Phase::Detached,
            _ => Phase::Paused,
        }
    }

    fn pause_completions(&self) -> usize {
        self.protocol().pause_completes
    }

    fn sends_outstanding(&self) -> usize {
        self.protocol().sends_outstanding()
    }

    fn receives_outstanding(&self) -> usize {
        self.miniport().receives_outstanding
    }

    fn receives_held(&self) -> usize {
        self.protocol().receives_held()
    }

    fn indications(&self) -> Vec<Indication> {
        self.protocol()
            .statuses
            .iter()
            .map(|s| (s.status, s.offload, s.buffer.clone()))
            .collect()
    }

    fn stats(&mut self) -> Result<Stats, String> {
        let s = self.snapshot().map_err(|e| e.to_string())?;
        Ok(stats_from!(s.sas.len() as u64, s))
    }
}
