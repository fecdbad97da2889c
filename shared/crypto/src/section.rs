//! Sections where the wide tier may run: the extended processor state (YMM) is saved when one
//! opens and restored when it closes, and the [`Wide`] value the wide functions take exists
//! only while one is open.
//!
//! Kernel code may not touch the YMM registers unless it brackets that code with
//! `KeSaveExtendedProcessorState` / `KeRestoreExtendedProcessorState`: the kernel saves only the
//! XMM state of an interrupted thread. The wide tier's functions therefore take a [`Wide`],
//! which only [`ExtendedStateSection::wide`] hands out, borrowed from the section: it cannot
//! outlive the section (whose drop restores the state), cannot be made any other way, and is
//! neither `Send` nor `Sync` (the save belongs to one thread). The driver supplies the save and
//! restore ([`ExtendedStateSave`] over the kernel's functions); in user mode the operating
//! system saves the state on every context switch, and [`UserModeState`] does nothing.

use core::marker::PhantomData;

/// Saves and restores the extended processor state (the YMM registers' upper halves) of the
/// current thread.
///
/// # Safety
///
/// Between a `save` that returned `Ok` and the matching `restore`, code on this thread may use
/// the YMM registers without corrupting state that belongs to anybody else, and `restore` puts
/// back what `save` saved. The [`ExtendedStateSection`] calls `restore` exactly once per
/// successful `save`, in LIFO order, on the thread that saved.
#[allow(
    unsafe_code,
    reason = "the trait's contract is what makes the wide tier sound"
)]
pub unsafe trait ExtendedStateSave {
    /// What `save` hands back for `restore` (the kernel's `XSTATE_SAVE`).
    type Saved;
    /// Why the state could not be saved (the caller then stays on the XMM tier).
    type Error;
    /// Saves the YMM state of this thread.
    fn save(&self) -> Result<Self::Saved, Self::Error>;
    /// Restores what `save` saved.
    fn restore(&self, saved: Self::Saved);
}

/// User mode: the operating system saves every thread's YMM state on a context switch, so
/// nothing needs to be done. Not built for Windows targets, where the code is the driver.
#[cfg(not(windows))]
#[derive(Debug, Clone, Copy, Default)]
pub struct UserModeState;

/// The user-mode implementation of the section's contract.
#[cfg(not(windows))]
#[allow(
    unsafe_code,
    reason = "the user-mode implementation of the section's contract"
)]
mod user_mode {
    use super::{ExtendedStateSave, UserModeState};

    // SAFETY: in a user-mode process on a non-Windows target the kernel saves and restores the
    // YMM state of every thread at context switches and signal delivery; user code may use YMM
    // freely.
    unsafe impl ExtendedStateSave for UserModeState {
        type Saved = ();
        type Error = core::convert::Infallible;
        fn save(&self) -> Result<(), core::convert::Infallible> {
            Ok(())
        }
        fn restore(&self, _saved: ()) {}
    }
}

/// No saver at all: no section ever opens, so callers that take a saver stay on the XMM tier
/// (what code paths without an extended-state save pass).
#[derive(Debug, Clone, Copy, Default)]
pub struct XmmOnly;

/// The refusal of [`XmmOnly`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSaver;

#[allow(
    unsafe_code,
    reason = "the never-saving implementation of the section's contract"
)]
mod xmm_only {
    use super::{ExtendedStateSave, NoSaver, XmmOnly};

    // SAFETY: `save` never succeeds, so no section is ever opened with this saver and no wide
    // code runs under it.
    unsafe impl ExtendedStateSave for XmmOnly {
        type Saved = core::convert::Infallible;
        type Error = NoSaver;
        fn save(&self) -> Result<core::convert::Infallible, NoSaver> {
            Err(NoSaver)
        }
        fn restore(&self, saved: core::convert::Infallible) {
            match saved {}
        }
    }
}

/// Why no section was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionError<E> {
    /// This CPU (or its operating system) has no wide tier: VAES, VPCLMULQDQ, AVX2 or the YMM
    /// state is missing.
    NoWideTier,
    /// The saver refused (the kernel's save failed): stay on the XMM tier.
    Save(E),
}

/// An open section: the YMM state of this thread is saved until the section is dropped.
pub struct ExtendedStateSection<'s, S: ExtendedStateSave> {
    saver: &'s S,
    saved: Option<S::Saved>,
    #[cfg(target_arch = "x86_64")]
    cpu: crate::x86::cpuid::WideCpu,
    _thread: PhantomData<*const ()>,
}

impl<S: ExtendedStateSave> core::fmt::Debug for ExtendedStateSection<'_, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExtendedStateSection")
            .finish_non_exhaustive()
    }
}

impl<'s, S: ExtendedStateSave> ExtendedStateSection<'s, S> {
    /// Saves the state with `saver` when this CPU has the wide tier.
    pub fn open(saver: &'s S) -> Result<Self, SectionError<S::Error>> {
        #[cfg(target_arch = "x86_64")]
        {
            let cpu = crate::x86::cpuid::WideCpu::detect().ok_or(SectionError::NoWideTier)?;
            let saved = saver.save().map_err(SectionError::Save)?;
            Ok(Self {
                saver,
                saved: Some(saved),
                cpu,
                _thread: PhantomData,
            })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = saver;
            Err(SectionError::NoWideTier)
        }
    }

    /// The proof the wide functions take, valid while the section is open.
    pub fn wide(&self) -> Wide<'_> {
        Wide {
            #[cfg(target_arch = "x86_64")]
            cpu: self.cpu,
            _section: PhantomData,
        }
    }
}

impl<S: ExtendedStateSave> Drop for ExtendedStateSection<'_, S> {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            self.saver.restore(saved);
        }
    }
}

/// Proof that the wide tier may run now: this CPU has it and an [`ExtendedStateSection`] is
/// open on this thread (the lifetime borrows it). Only [`ExtendedStateSection::wide`] makes one.
#[derive(Clone, Copy)]
pub struct Wide<'a> {
    #[cfg(target_arch = "x86_64")]
    pub(crate) cpu: crate::x86::cpuid::WideCpu,
    _section: PhantomData<&'a *const ()>,
}

impl core::fmt::Debug for Wide<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Wide").finish_non_exhaustive()
    }
}
