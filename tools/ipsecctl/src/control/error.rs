//! The control commands' typed error: what failed, the NPF code when the control plane or the
//! adapter answered with one, and what to change.

use std::fmt;

use npf_ipsec_sapi::{CallError, NpfError, SyncError, TransportError};

/// Why a control command failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// The command line (or a batch line) does not parse.
    Usage(String),
    /// An argument has a value the command cannot use (before anything was sent).
    Argument(String),
    /// The adapter or the control plane refused; nothing changed.
    Call {
        /// The command, as a name (`spd create`, …).
        command: &'static str,
        /// The adapter's error.
        error: CallError,
    },
    /// `--device` away from Windows, or the device could not be opened.
    Device(String),
    /// A batch file could not be read.
    Batch(String),
}

impl ControlError {
    /// The agreement's code, when there is one.
    pub fn npf(&self) -> Option<NpfError> {
        match self {
            Self::Call { error, .. } => error.npf().or(match error {
                CallError::Transport(TransportError::Refused(e)) => *e,
                _ => None,
            }),
            _ => None,
        }
    }

    /// The `NPF_error_t` value and its name, for any error the adapter gave a code to.
    pub fn code(&self) -> Option<(u32, &'static str)> {
        if let Some(e) = self.npf() {
            return Some((e.code(), e.name()));
        }
        match self {
            Self::Call {
                error: CallError::Sync(s),
                ..
            } => Some((
                s.code(),
                match s {
                    SyncError::Unknown => "NPF_E_UNKNOWN",
                    SyncError::BadCallbackHandle => "NPF_E_BAD_CALLBACK_HANDLE",
                    SyncError::BadCallbackFunction => "NPF_E_BAD_CALLBACK_FUNCTION",
                    SyncError::Ipsec(e) => e.name(),
                },
            )),
            _ => None,
        }
    }

    /// What to change.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Usage(_) => "see `ipsecctl help` and docs/ipsecctl.md",
            Self::Argument(_) => "correct the argument",
            Self::Device(_) => "use `ipsecctl batch FILE` (the in-process control plane) here",
            Self::Batch(_) => "give a readable file, or `-` for standard input",
            Self::Call { error, .. } => match self.npf() {
                Some(e) => hint(e),
                None => match error {
                    CallError::Sync(_) => "the request is malformed; check counts and handles",
                    CallError::Transport(TransportError::Refused(_)) => {
                        "the driver's decoder refused the request as malformed"
                    }
                    CallError::Transport(_) => "the control plane could not be reached",
                    _ => "report this: the completion did not match the request",
                },
            },
        }
    }
}

/// What to change for each of the agreement's codes.
pub fn hint(e: NpfError) -> &'static str {
    use NpfError as E;
    match e {
        E::InvalidIfHandle => "name an interface index the filter is attached to",
        E::AlreadyRegistered => "register once",
        E::OptionalFeatureNotSupported => "drop the optional feature from the request",
        E::NoMemory => "a table is full: remove entries or raise the configured maximum",
        E::IfAlreadyBound => {
            "the interface already has an SPD of that direction: unbind it or pick another"
        }
        E::InvalidSpdHandle => "use a handle from `spd list`",
        E::InvalidPolicyHandle => "use a handle from `policy list SPD`",
        E::InvalidSaHandle => "use a handle from `sa list SPD`",
        E::InvalidSpdId => "use an SPD ID that exists",
        E::InvalidPolicyId => "use a policy ID that exists",
        E::InvalidSaId => "use an SA ID that exists",
        E::InvalidPolicyPriority => "give one priority per SPD",
        E::InvalidPolicyAction => "use --action protect, bypass or discard",
        E::InvalidSelector => "check the selector: same IP version on both sides, prefix lengths, ranges low to high",
        E::InvalidEncAlgo => "use an encryption algorithm of the agreement: cbc(aes), cbc(des3_ede), cbc(des), ecb(cipher_null)",
        E::InvalidAuthAlgo => "use hmac(md5), hmac(sha1) or xcbc(aes)",
        E::InvalidCompressAlgo => "IPComp is not offered",
        E::NullAuthNullEncAlgo => "give an encryption or an authentication algorithm",
        E::InvalidEncAlgoKeylen => "give the encryption key its algorithm's length",
        E::InvalidAuthAlgoKeylen => "give the authentication key its algorithm's length",
        E::NoReplay => "anti-replay needs an integrity algorithm: add `auth` or set replay-window 0",
        E::BadSpi => "use an SPI of 256 or more that the policy reserved or that is free",
        E::ReserveSpiMode => "reserve SPIs only for inbound protect policies",
        E::SpiInUse => "pick another SPI: this one is already installed or reserved",
        E::DuplicateIfHandle => "name each interface once",
        E::DuplicateSpdHandle => "name each SPD once",
        E::DuplicatePolicyHandle => "name each policy once",
        E::DuplicateEventId => "name each event once",
        E::BadEventId => "use an event of the agreement",
        E::UnbindFailedBoundToAll => "the SPD is bound to all interfaces: destroy it instead",
        E::UnbindFailedLastBinding => "an SPD keeps one interface: destroy it instead",
        E::BindFailedBoundToAll => "the SPD is already bound to all interfaces",
        E::BindFailedAlreadyBound => "the policy is already bound to that SPD",
        E::SpdIdAlreadyRegistered => "pick another --id: an SPD already has this one",
        E::PolicyIdAlreadyRegistered => "pick another --id: a policy already has this one",
        E::SaIdAlreadyRegistered => "pick another --id: an SA of this policy already has it",
        E::DuplicatePolicyId => "give each policy its own ID",
        E::DuplicateSelector => "remove the repeated selector",
        E::SelectorRuleflagUnsupported => "use the OR, AND or NOT rule flags only",
    }
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) => write!(f, "{m}"),
            Self::Argument(m) => write!(f, "{m}; {}", self.hint()),
            Self::Device(m) | Self::Batch(m) => write!(f, "{m}; {}", self.hint()),
            Self::Call { command, error } => {
                match self.code() {
                    Some((code, name)) => write!(f, "{command}: {name} ({code})")?,
                    None => write!(f, "{command}: {error}")?,
                }
                write!(f, ": {}", self.hint())
            }
        }
    }
}

impl std::error::Error for ControlError {}
