//! The state machine of one filter module (`StateMachine`: its [`FilterState`] and the NBLs the
//! module has handed on and not yet got back). Portable, no `unsafe`:
//! [`crate::module::FilterModule`] keeps it under the module's lock (the field `machine`) and
//! acts on the verdicts.
//!
//! ```text
//!  Attaching ──attached──► Paused ──restart──► Restarting ──restarted(ok)──► Running
//!      │                    ▲  │                   │ restarted(failed)          │ pause
//!      └─attach_failed─┐    │  └─detach─► Detached ◄┘(back to Paused)          ▼
//!                      ▼    └──────── drained (all sends completed, ─────── Pausing
//!                   Detached            all indicated receives returned)
//! ```
//!
//! * Sends are passed down only while `Running`; otherwise they are completed at once with
//!   `NDIS_STATUS_PAUSED`.
//! * Receives are indicated up only while `Running`; otherwise they are handed straight back to
//!   the miniport (when they may be retained) or dropped (with `NDIS_RECEIVE_FLAGS_RESOURCES`,
//!   where NDIS takes them back when the call returns).
//! * Pause completes only when every NBL the module passed down has been completed and every
//!   NBL it indicated up (without `RESOURCES`) has been returned: `pause` answers
//!   [`PauseStart::Pending`] while some are out, and the completion that brings the count to
//!   zero reports [`Completion::PauseComplete`] so the shell calls `NdisFPauseComplete`.
//!
//! A call that NDIS should never make in the current state (the "asserted" transitions) leaves
//! the state unchanged and returns a [`StateError`] naming the operation and the state; the shell
//! logs it and fails the request. Nothing here panics.
use core::fmt;

/// State of one filter module (one attachment to one miniport stack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterState {
    /// `FilterAttach` is running.
    Attaching,
    /// Attached, no data flows.
    Paused,
    /// `FilterRestart` is running.
    Restarting,
    /// Data flows.
    Running,
    /// `FilterPause` returned pending; waiting for outstanding NBLs.
    Pausing,
    /// Detached (or attach failed): the module context is about to be freed.
    Detached,
}

/// The operation that found the module in the wrong state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// End of `FilterAttach` (success or failure).
    Attach,
    /// `FilterRestart`.
    Restart,
    /// End of `FilterRestart`.
    RestartComplete,
    /// `FilterPause`.
    Pause,
    /// `FilterDetach`.
    Detach,
    /// `FilterSendNetBufferListsComplete` for more NBLs than are outstanding.
    SendComplete,
    /// `FilterReturnNetBufferLists` for more NBLs than are outstanding.
    ReturnReceive,
}

/// A transition NDIS should never request in the current state, or a completion of NBLs that
/// were not outstanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateError {
    /// What was attempted.
    pub operation: Operation,
    /// The state the module was in (unchanged by the failed call).
    pub state: FilterState,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} in state {:?}", self.operation, self.state)
    }
}

/// Verdict for a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendVerdict {
    /// Pass the NBLs down (`NdisFSendNetBufferLists`); they are now counted as outstanding.
    PassDown,
    /// Complete them at once with `NDIS_STATUS_PAUSED` (`NdisFSendNetBufferListsComplete`).
    CompletePaused,
}

/// Verdict for a receive indication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiveVerdict {
    /// Indicate them up (`NdisFIndicateReceiveNetBufferLists`).
    Indicate,
    /// Return them to the miniport at once (`NdisFReturnNetBufferLists`).
    ReturnToMiniport,
    /// Do nothing: `NDIS_RECEIVE_FLAGS_RESOURCES` was set, NDIS reclaims them on return.
    Drop,
}

/// Verdict of `pause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PauseStart {
    /// Nothing outstanding: the module is `Paused`, return `NDIS_STATUS_SUCCESS`.
    Completed,
    /// NBLs are outstanding: return `NDIS_STATUS_PENDING`; the completion that drains them
    /// reports [`Completion::PauseComplete`].
    Pending,
}

/// What a send-complete or return must additionally do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Completion {
    /// Nothing more.
    None,
    /// The last outstanding NBL of a pausing module came back: call `NdisFPauseComplete`.
    PauseComplete,
}

/// The state machine of one filter module: its state and outstanding-NBL counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachine {
    state: FilterState,
    sends_outstanding: u64,
    receives_outstanding: u64,
}

impl Default for StateMachine {
    fn default() -> Self {
        Self::new()
    }
}

impl StateMachine {
    /// A module in `Attaching`, nothing outstanding.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            state: FilterState::Attaching,
            sends_outstanding: 0,
            receives_outstanding: 0,
        }
    }

    /// Current state.
    #[must_use]
    pub const fn state(&self) -> FilterState {
        self.state
    }

    /// NBLs passed down and not yet completed.
    #[must_use]
    pub const fn sends_outstanding(&self) -> u64 {
        self.sends_outstanding
    }

    /// NBLs indicated up (retainable) and not yet returned.
    #[must_use]
    pub const fn receives_outstanding(&self) -> u64 {
        self.receives_outstanding
    }

    fn expect(&self, operation: Operation, expected: FilterState) -> Result<(), StateError> {
        if self.state == expected {
            Ok(())
        } else {
            Err(StateError {
                operation,
                state: self.state,
            })
        }
    }

    /// `FilterAttach` succeeded: `Attaching` → `Paused`.
    ///
    /// # Errors
    ///
    /// When not `Attaching`.
    pub fn attached(&mut self) -> Result<(), StateError> {
        self.expect(Operation::Attach, FilterState::Attaching)?;
        self.state = FilterState::Paused;
        Ok(())
    }

    /// `FilterAttach` failed: `Attaching` → `Detached`.
    ///
    /// # Errors
    ///
    /// When not `Attaching`.
    pub fn attach_failed(&mut self) -> Result<(), StateError> {
        self.expect(Operation::Attach, FilterState::Attaching)?;
        self.state = FilterState::Detached;
        Ok(())
    }

    /// `FilterRestart` starts: `Paused` → `Restarting`.
    ///
    /// # Errors
    ///
    /// When not `Paused`.
    pub fn restart(&mut self) -> Result<(), StateError> {
        self.expect(Operation::Restart, FilterState::Paused)?;
        self.state = FilterState::Restarting;
        Ok(())
    }

    /// `FilterRestart` ends: `Restarting` → `Running` (`ok`) or back to `Paused`.
    ///
    /// # Errors
    ///
    /// When not `Restarting`.
    pub fn restarted(&mut self, ok: bool) -> Result<(), StateError> {
        self.expect(Operation::RestartComplete, FilterState::Restarting)?;
        self.state = if ok {
            FilterState::Running
        } else {
            FilterState::Paused
        };
        Ok(())
    }

    /// `FilterPause`: `Running` → `Paused` when nothing is outstanding, else `Pausing`.
    ///
    /// # Errors
    ///
    /// When not `Running`.
    pub fn pause(&mut self) -> Result<PauseStart, StateError> {
        self.expect(Operation::Pause, FilterState::Running)?;
        if self.drained() {
            self.state = FilterState::Paused;
            Ok(PauseStart::Completed)
        } else {
            self.state = FilterState::Pausing;
            Ok(PauseStart::Pending)
        }
    }

    /// `FilterDetach`: `Paused` → `Detached`.
    ///
    /// # Errors
    ///
    /// When not `Paused`.
    pub fn detach(&mut self) -> Result<(), StateError> {
        self.expect(Operation::Detach, FilterState::Paused)?;
        self.state = FilterState::Detached;
        Ok(())
    }

    /// `FilterSendNetBufferLists` with a chain of `nbls` NBLs.
    pub fn send(&mut self, nbls: u32) -> SendVerdict {
        if self.state == FilterState::Running {
            self.sends_outstanding = self.sends_outstanding.saturating_add(u64::from(nbls));
            SendVerdict::PassDown
        } else {
            SendVerdict::CompletePaused
        }
    }

    /// `FilterSendNetBufferListsComplete` for a chain of `nbls` NBLs this module passed down.
    ///
    /// # Errors
    ///
    /// When more NBLs come back than were outstanding (the count is then reset to zero; the
    /// shell still completes them upward).
    pub fn send_completed(&mut self, nbls: u32) -> Result<Completion, StateError> {
        let result = match self.sends_outstanding.checked_sub(u64::from(nbls)) {
            Some(left) => {
                self.sends_outstanding = left;
                Ok(())
            }
            None => {
                self.sends_outstanding = 0;
                Err(StateError {
                    operation: Operation::SendComplete,
                    state: self.state,
                })
            }
        };
        let completion = self.maybe_finish_pause();
        result.map(|()| completion)
    }

    /// `FilterReceiveNetBufferLists` with `nbls` NBLs; `can_pend` is
    /// `NDIS_TEST_RECEIVE_CAN_PEND(ReceiveFlags)`.
    pub fn receive(&mut self, nbls: u32, can_pend: bool) -> ReceiveVerdict {
        if self.state == FilterState::Running {
            if can_pend {
                self.receives_outstanding =
                    self.receives_outstanding.saturating_add(u64::from(nbls));
            }
            ReceiveVerdict::Indicate
        } else if can_pend {
            ReceiveVerdict::ReturnToMiniport
        } else {
            ReceiveVerdict::Drop
        }
    }

    /// `FilterReturnNetBufferLists` for a chain of `nbls` NBLs this module indicated.
    ///
    /// # Errors
    ///
    /// When more NBLs come back than were outstanding (the count is then reset to zero; the
    /// shell still returns them to the miniport).
    pub fn receive_returned(&mut self, nbls: u32) -> Result<Completion, StateError> {
        let result = match self.receives_outstanding.checked_sub(u64::from(nbls)) {
            Some(left) => {
                self.receives_outstanding = left;
                Ok(())
            }
            None => {
                self.receives_outstanding = 0;
                Err(StateError {
                    operation: Operation::ReturnReceive,
                    state: self.state,
                })
            }
        };
        let completion = self.maybe_finish_pause();
        result.map(|()| completion)
    }

    fn drained(&self) -> bool {
        self.sends_outstanding == 0 && self.receives_outstanding == 0
    }

    fn maybe_finish_pause(&mut self) -> Completion {
        if self.state == FilterState::Pausing && self.drained() {
            self.state = FilterState::Paused;
            Completion::PauseComplete
        } else {
            Completion::None
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    fn running() -> StateMachine {
        let mut m = StateMachine::new();
        assert_eq!(m.attached(), Ok(()));
        assert_eq!(m.restart(), Ok(()));
        assert_eq!(m.restarted(true), Ok(()));
        assert_eq!(m.state(), FilterState::Running);
        m
    }

    #[test]
    fn full_lifecycle() {
        let mut m = running();
        assert_eq!(m.pause(), Ok(PauseStart::Completed));
        assert_eq!(m.state(), FilterState::Paused);
        assert_eq!(m.restart(), Ok(()));
        assert_eq!(m.restarted(true), Ok(()));
        assert_eq!(m.pause(), Ok(PauseStart::Completed));
        assert_eq!(m.detach(), Ok(()));
        assert_eq!(m.state(), FilterState::Detached);
    }

    #[test]
    fn attach_failure_and_restart_failure() {
        let mut m = StateMachine::new();
        assert_eq!(m.attach_failed(), Ok(()));
        assert_eq!(m.state(), FilterState::Detached);
        let mut m = StateMachine::new();
        m.attached().ok();
        m.restart().ok();
        assert_eq!(m.restarted(false), Ok(()));
        assert_eq!(m.state(), FilterState::Paused);
    }

    #[test]
    fn wrong_transitions_are_refused_and_leave_the_state() {
        let mut m = StateMachine::new();
        let e = |operation, state| Err::<(), _>(StateError { operation, state });
        let p = |operation, state| Err::<PauseStart, _>(StateError { operation, state });
        assert_eq!(m.restart(), e(Operation::Restart, FilterState::Attaching));
        assert_eq!(m.pause(), p(Operation::Pause, FilterState::Attaching));
        assert_eq!(m.detach(), e(Operation::Detach, FilterState::Attaching));
        assert_eq!(
            m.restarted(true),
            e(Operation::RestartComplete, FilterState::Attaching)
        );
        m.attached().ok();
        assert_eq!(m.attached(), e(Operation::Attach, FilterState::Paused));
        assert_eq!(m.attach_failed(), e(Operation::Attach, FilterState::Paused));
        assert_eq!(m.pause(), p(Operation::Pause, FilterState::Paused));
        let mut r = running();
        assert_eq!(r.detach(), e(Operation::Detach, FilterState::Running));
        assert_eq!(r.restart(), e(Operation::Restart, FilterState::Running));
        assert_eq!(r.state(), FilterState::Running);
        assert_eq!(r.send(1), SendVerdict::PassDown);
        assert_eq!(r.pause(), Ok(PauseStart::Pending));
        assert_eq!(r.pause(), p(Operation::Pause, FilterState::Pausing));
        assert_eq!(r.detach(), e(Operation::Detach, FilterState::Pausing));
        assert_eq!(r.restart(), e(Operation::Restart, FilterState::Pausing));
        assert!(StateError {
            operation: Operation::Pause,
            state: FilterState::Pausing
        }
        .to_string()
        .contains("Pausing"));
    }

    #[test]
    fn sends_only_flow_while_running() {
        let mut m = StateMachine::new();
        assert_eq!(m.send(3), SendVerdict::CompletePaused);
        m.attached().ok();
        assert_eq!(m.send(3), SendVerdict::CompletePaused);
        m.restart().ok();
        assert_eq!(m.send(3), SendVerdict::CompletePaused);
        m.restarted(true).ok();
        assert_eq!(m.send(3), SendVerdict::PassDown);
        assert_eq!(m.sends_outstanding(), 3);
        assert_eq!(m.pause(), Ok(PauseStart::Pending));
        assert_eq!(m.send(1), SendVerdict::CompletePaused);
        assert_eq!(m.sends_outstanding(), 3);
    }

    #[test]
    fn pause_completes_when_the_last_send_completes() {
        let mut m = running();
        m.send(2);
        m.send(1);
        assert_eq!(m.pause(), Ok(PauseStart::Pending));
        assert_eq!(m.state(), FilterState::Pausing);
        assert_eq!(m.send_completed(1), Ok(Completion::None));
        assert_eq!(m.send_completed(1), Ok(Completion::None));
        assert_eq!(m.state(), FilterState::Pausing);
        assert_eq!(m.send_completed(1), Ok(Completion::PauseComplete));
        assert_eq!(m.state(), FilterState::Paused);
        // Completion reported once only.
        assert_eq!(m.send_completed(0), Ok(Completion::None));
    }

    #[test]
    fn pause_waits_for_sends_and_receives() {
        let mut m = running();
        m.send(1);
        assert_eq!(m.receive(4, true), ReceiveVerdict::Indicate);
        assert_eq!(m.receive(2, false), ReceiveVerdict::Indicate);
        assert_eq!(m.receives_outstanding(), 4);
        assert_eq!(m.pause(), Ok(PauseStart::Pending));
        assert_eq!(m.receive(1, true), ReceiveVerdict::ReturnToMiniport);
        assert_eq!(m.receive(1, false), ReceiveVerdict::Drop);
        assert_eq!(m.send_completed(1), Ok(Completion::None));
        assert_eq!(m.receive_returned(3), Ok(Completion::None));
        assert_eq!(m.receive_returned(1), Ok(Completion::PauseComplete));
        assert_eq!(m.state(), FilterState::Paused);
    }

    #[test]
    fn receives_refused_unless_running() {
        let mut m = StateMachine::new();
        assert_eq!(m.receive(1, true), ReceiveVerdict::ReturnToMiniport);
        assert_eq!(m.receive(1, false), ReceiveVerdict::Drop);
        m.attached().ok();
        assert_eq!(m.receive(1, true), ReceiveVerdict::ReturnToMiniport);
        assert_eq!(m.receives_outstanding(), 0);
    }

    #[test]
    fn over_completion_is_reported_and_clamped() {
        let mut m = running();
        m.send(1);
        assert_eq!(
            m.send_completed(2),
            Err(StateError {
                operation: Operation::SendComplete,
                state: FilterState::Running
            })
        );
        assert_eq!(m.sends_outstanding(), 0);
        assert_eq!(
            m.receive_returned(1),
            Err(StateError {
                operation: Operation::ReturnReceive,
                state: FilterState::Running
            })
        );
        // An over-completion that drains a pausing module still finishes the pause.
        let mut p = running();
        p.send(1);
        p.pause().ok();
        assert!(p.send_completed(5).is_err());
        assert_eq!(p.state(), FilterState::Paused);
    }

    #[test]
    fn counts_saturate() {
        let mut m = running();
        for _ in 0..4 {
            m.send(u32::MAX);
        }
        assert_eq!(m.sends_outstanding(), 4 * u64::from(u32::MAX));
    }

    /// A deterministic random walk over every operation: the invariants hold after each step.
    #[test]
    fn random_walk_invariants() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let mut m = StateMachine::new();
            let (mut sent, mut received) = (0u64, 0u64);
            let mut pause_completions = 0u32;
            for _ in 0..200 {
                let r = next();
                let n = (r >> 8) as u32 % 4;
                let before = m.state();
                match r % 10 {
                    0 => {
                        let _ = m.attached();
                    }
                    1 => {
                        let _ = m.restart();
                    }
                    2 => {
                        let _ = m.restarted(r & 0x100 != 0);
                    }
                    3 => {
                        let _ = m.pause();
                    }
                    4 => {
                        let _ = m.detach();
                    }
                    5 => {
                        let passed = m.send(n) == SendVerdict::PassDown;
                        sent += if passed { u64::from(n) } else { 0 };
                    }
                    6 if sent > 0 => {
                        let k = n.min(sent as u32);
                        sent -= u64::from(k);
                        if m.send_completed(k) == Ok(Completion::PauseComplete) {
                            pause_completions += 1;
                        }
                    }
                    7 => {
                        let can_pend = r & 0x200 != 0;
                        if m.receive(n, can_pend) == ReceiveVerdict::Indicate && can_pend {
                            received += u64::from(n);
                        }
                    }
                    8 if received > 0 => {
                        let k = n.min(received as u32);
                        received -= u64::from(k);
                        if m.receive_returned(k) == Ok(Completion::PauseComplete) {
                            pause_completions += 1;
                        }
                    }
                    _ => {}
                }
                assert_eq!(m.sends_outstanding(), sent);
                assert_eq!(m.receives_outstanding(), received);
                if m.state() == FilterState::Pausing {
                    assert!(sent + received > 0);
                }
                if before == FilterState::Pausing && m.state() == FilterState::Paused {
                    assert_eq!(sent + received, 0);
                }
                if m.state() == FilterState::Detached {
                    assert_eq!(sent + received, 0);
                }
            }
            let _ = pause_completions;
        }
    }
}
