//! Session steps on one module at a time, for what does not answer at once: sends the miniport
//! holds (completed later), receives TCP/IP holds (returned later), a pause left pending until
//! the driver calls NdisFPauseComplete, restart, detach and re-attach of one module, indications
//! with `NDIS_RECEIVE_FLAGS_RESOURCES`; and what the miniport sees of each NBL sent down (its
//! frames and its checksum request).

use ipsecov2_ndis_emu::tcpip::recv_view;
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain};

use super::{head, RxPacket, Session, SessionError};
use crate::abi::structs::NET_BUFFER_LIST;
use crate::filter_module::Miniport;
use crate::kernel::datapath;
use crate::kernel::module::{self, NdisState};
use crate::traffic::{nbl_frames, RECEIVE_FLAGS_RESOURCES};

/// `TcpIpChecksumNetBufferListInfo`: the NBL information slot of the checksum request.
const CHECKSUM_SLOT: usize = 0;

/// A frame the miniport put on the wire, with the `TcpIpChecksumNetBufferListInfo` value of its
/// NBL (the checksum work the filter left to the miniport).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BelowFrame {
    /// The frame.
    pub frame: Vec<u8>,
    /// The NBL's checksum request.
    pub checksum_info: usize,
}

/// The NBLs of a chain TCP/IP sent, in chain order (to ask for their completions).
#[derive(Debug, Clone, Default)]
pub struct SentIds(pub Vec<usize>);

impl SentIds {
    /// How many NBLs the chain held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The chain held no NBL.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn build(specs: &[NblSpec]) -> Result<OwnedNblChain, SessionError> {
    OwnedNblChain::build(specs).map_err(|e| SessionError::Chain(e.to_string()))
}

fn ids(owned: &OwnedNblChain) -> Vec<usize> {
    (0..owned.nbl_count())
        .map(|i| owned.nbl_ptr(i).map_or(0, |p| p as usize))
        .collect()
}

impl Session {
    /// Attaches a module over `adapter` (Paused on success); returns its filter handle and
    /// FilterAttach's status.
    pub fn attach(&mut self, adapter: &Miniport) -> Result<(usize, i32), SessionError> {
        let (m, status) = self.host.attach(adapter)?;
        if status == 0 {
            self.modules.push(m);
            self.if_indexes.push((m, adapter.if_index));
        }
        Ok((m, status))
    }

    /// `FilterRestart` of paused module `m`; its status.
    pub fn restart(&mut self, m: usize) -> Result<i32, SessionError> {
        Ok(self.host.restart(m)?)
    }

    /// `FilterRestart` of module `m` while it runs (or pauses): a call NDIS never makes, to see
    /// the driver refuse it; NDIS's state is left as it was. The driver's status.
    pub fn restart_out_of_order(&mut self, m: usize) -> Result<i32, SessionError> {
        Ok(self.host.restart_out_of_order(m)?)
    }

    /// `FilterPause` of running module `m`: SUCCESS, or PENDING until the driver calls
    /// NdisFPauseComplete.
    pub fn pause(&mut self, m: usize) -> Result<i32, SessionError> {
        Ok(self.host.pause(m)?)
    }

    /// `FilterDetach` of paused module `m` (refused by the host in any other state); the module
    /// is gone afterwards.
    pub fn detach(&mut self, m: usize) -> Result<(), SessionError> {
        self.host.detach(m)?;
        self.modules.retain(|&x| x != m);
        self.if_indexes.retain(|&(x, _)| x != m);
        Ok(())
    }

    /// Where NDIS's state machine of module `m` is (`None`: no such module).
    pub fn ndis_state(&self, m: usize) -> Option<NdisState> {
        module::get(m).map(|r| r.state)
    }

    /// How many times module `m` called NdisFPauseComplete.
    pub fn pause_completions(&self, m: usize) -> u32 {
        module::get(m).map_or(0, |r| r.pause_completions)
    }

    /// NBLs TCP/IP sent into module `m` and has not got back.
    pub fn sends_in_filter(&self, m: usize) -> usize {
        datapath::with(m, |l| l.sends_in_filter.len()).unwrap_or(0)
    }

    /// NBLs the miniport indicated into module `m` and has not got back.
    pub fn receives_in_filter(&self, m: usize) -> usize {
        datapath::with(m, |l| l.receives_in_filter.len()).unwrap_or(0)
    }

    /// NBLs module `m` sent down that the miniport holds.
    pub fn held_below(&self, m: usize) -> usize {
        datapath::with(m, |l| l.below.len()).unwrap_or(0)
    }

    /// NBLs module `m` indicated up that TCP/IP holds.
    pub fn held_above(&self, m: usize) -> usize {
        datapath::with(m, |l| l.above.len()).unwrap_or(0)
    }

    /// TCP/IP sends `specs` as one chain into module `m`; the miniport holds what reaches it
    /// (see [`Session::complete_below`]). The chain lives to the end of the session.
    pub fn send_held(&mut self, m: usize, specs: &[NblSpec]) -> Result<SentIds, SessionError> {
        let owned = build(specs)?;
        let first = head(&owned)?;
        let sent = ids(&owned);
        self.kept.push(owned);
        // SAFETY: the chain is kept alive to the end of the session.
        unsafe { self.host.send(m, first, true) }?;
        Ok(SentIds(sent))
    }

    /// The miniport completes with success everything module `m` sent down so far; the frames
    /// that went on the wire, in order, each with its NBL's checksum request.
    pub fn complete_below(&mut self, m: usize) -> Result<Vec<BelowFrame>, SessionError> {
        let infos: Vec<usize> = datapath::with(m, |l| l.below.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|n| {
                // SAFETY: NBLs the filter sent down are valid until the miniport completes them.
                let info =
                    unsafe { (*(n as *const NET_BUFFER_LIST)).NetBufferListInfo[CHECKSUM_SLOT] };
                info as usize
            })
            .collect();
        let frames = self.host.complete_below(m, 0, true)?;
        Ok(frames
            .into_iter()
            .zip(infos)
            .flat_map(|(nbl, checksum_info)| {
                nbl.into_iter().map(move |frame| BelowFrame {
                    frame,
                    checksum_info,
                })
            })
            .collect())
    }

    /// The completion status of each NBL of `sent` so far (`None`: not completed yet).
    pub fn send_statuses(&mut self, m: usize, sent: &SentIds) -> Vec<Option<i32>> {
        let done = datapath::with(m, |l| core::mem::take(&mut l.completed_up)).unwrap_or_default();
        self.completions.extend(done);
        sent.0
            .iter()
            .map(|n| {
                let at = self.completions.iter().position(|(x, _)| x == n)?;
                Some(self.completions.remove(at).1)
            })
            .collect()
    }

    /// TCP/IP sends `specs` as one chain into module `m` and the miniport completes what
    /// reaches it: each NBL's completion status (`None`: not completed) and what went on the
    /// wire with its checksum request.
    #[allow(clippy::type_complexity)]
    pub fn send_below(
        &mut self,
        m: usize,
        specs: &[NblSpec],
    ) -> Result<(Vec<Option<i32>>, Vec<BelowFrame>), SessionError> {
        let sent = self.send_held(m, specs)?;
        let wire = self.complete_below(m)?;
        Ok((self.send_statuses(m, &sent), wire))
    }

    /// The miniport indicates `specs` as one chain into module `m` (with
    /// `NDIS_RECEIVE_FLAGS_RESOURCES` when `resources`); TCP/IP holds what comes up (see
    /// [`Session::return_above`]). Returns how many of the chain's NBLs the filter indicated
    /// up during the call (held above, or copied by TCP/IP with `resources`).
    pub fn indicate_held(
        &mut self,
        m: usize,
        specs: &[NblSpec],
        resources: bool,
    ) -> Result<usize, SessionError> {
        if specs.is_empty() {
            return Ok(0);
        }
        let (above, copied) =
            datapath::with(m, |l| (l.above.len(), l.copied_up)).unwrap_or_default();
        let owned = build(specs)?;
        let first = head(&owned)?;
        let sent = ids(&owned);
        let count = u32::try_from(sent.len()).unwrap_or(u32::MAX);
        self.held_rx.push(owned);
        let flags = if resources {
            RECEIVE_FLAGS_RESOURCES
        } else {
            0
        };
        // SAFETY: the chain is kept alive to the end of the session.
        unsafe { self.host.receive_flagged(m, first, count, true, flags) }?;
        Ok(datapath::with(m, |l| {
            (l.above.len() + l.copied_up).saturating_sub(above + copied)
        })
        .unwrap_or(0))
    }

    /// TCP/IP returns everything module `m` indicated up; what it got, in order.
    pub fn return_above(&mut self, m: usize) -> Result<Vec<RxPacket>, SessionError> {
        let up = self.host.return_above(m, true)?;
        self.packets_of(up)
    }

    /// What TCP/IP holds of module `m`'s indications (not returned), in order.
    pub fn peek_above(&self, m: usize) -> Result<Vec<RxPacket>, SessionError> {
        let above = datapath::with(m, |l| l.above.clone()).unwrap_or_default();
        let up = above
            .into_iter()
            // SAFETY: NBLs indicated up are valid until TCP/IP returns them.
            .map(|n| (n, unsafe { nbl_frames(n as *const NET_BUFFER_LIST) }))
            .collect();
        self.packets_of(up)
    }

    fn packets_of(&self, up: Vec<(usize, Vec<Vec<u8>>)>) -> Result<Vec<RxPacket>, SessionError> {
        let mut got = Vec::new();
        for (addr, frames) in up {
            let found = self.held_rx.iter().find_map(|o| {
                (0..o.nbl_count())
                    .find(|&i| o.nbl_ptr(i).map_or(0, |p| p as usize) == addr)
                    .map(|i| recv_view(o, i))
            });
            let view = found.ok_or_else(|| {
                SessionError::Chain(format!(
                    "NBL {addr:#x} indicated up is none the miniport indicated"
                ))
            })?;
            got.extend(frames.into_iter().map(|frame| RxPacket { frame, view }));
        }
        Ok(got)
    }
}
