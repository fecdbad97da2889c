//! The tool's typed error and its exit status.

use std::fmt;
use std::path::PathBuf;

use crate::capture::CaptureError;
use crate::spec::SpecError;

/// Process exit status of `ipsecctl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the command ran; drops are reported, they are not failures.
    Success,
    /// 2 as well (issue 13: a short write is a message and exit 2): writing the output or
    /// the report failed (nothing half-written stays). Kept apart from `BadInput` so the message
    /// and the report say which.
    OutputFailed,
    /// 2: bad command line, bad SA specification, unreadable or malformed input.
    BadInput,
}

impl ExitStatus {
    /// The numeric process exit code.
    pub const fn code(self) -> i32 {
        match self {
            Self::Success => 0,
            Self::OutputFailed => 2,
            Self::BadInput => 2,
        }
    }
}

/// Everything that makes a command fail.
#[derive(Debug)]
pub enum CliError {
    /// An `--sa` specification does not parse (`sa` is 1-based, in command-line order).
    Spec {
        /// Which `--sa` (1-based).
        sa: usize,
        /// What is wrong with it.
        error: SpecError,
    },
    /// The SAs parse but do not fit together or do not fit the command.
    SaSet(String),
    /// The engine refused to prepare an SA (key or algorithm problem).
    Setup {
        /// Which `--sa` (1-based).
        sa: usize,
        /// The engine's reason.
        reason: String,
    },
    /// The input file cannot be read.
    InputIo {
        /// The input path.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The input file is not a well-formed capture this tool reads.
    Input {
        /// The input path.
        path: PathBuf,
        /// What is wrong with it.
        error: CaptureError,
    },
    /// The capture's link type is not one the tool can process.
    UnsupportedLinkType(u32),
    /// A packet cannot be written in the output's link type or format.
    Unwritable(String),
    /// The output cannot be written (or renamed into place).
    Output {
        /// The output path.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The report cannot be produced (serialisation or stdout failure).
    Report(String),
}

impl CliError {
    /// Exit status for this error.
    pub fn status(&self) -> ExitStatus {
        match self {
            Self::Spec { .. }
            | Self::SaSet(_)
            | Self::Setup { .. }
            | Self::InputIo { .. }
            | Self::Input { .. }
            | Self::UnsupportedLinkType(_)
            | Self::Unwritable(_) => ExitStatus::BadInput,
            Self::Output { .. } | Self::Report(_) => ExitStatus::OutputFailed,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Spec { sa, error } => write!(f, "--sa #{sa}: {error}"),
            Self::SaSet(msg) => write!(f, "SAs: {msg}"),
            Self::Setup { sa, reason } => {
                write!(f, "--sa #{sa}: the engine refused the SA: {reason}")
            }
            Self::InputIo { path, error } => {
                write!(f, "cannot read input {}: {error}", path.display())
            }
            Self::Input { path, error } => write!(f, "input {}: {error}", path.display()),
            Self::UnsupportedLinkType(lt) => write!(
                f,
                "link type {} is not supported (supported: {})",
                crate::link::describe_link_type(*lt),
                crate::link::SUPPORTED_LINK_TYPES
                    .iter()
                    .map(|t| crate::link::describe_link_type(*t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Unwritable(msg) => write!(f, "cannot write output: {msg}"),
            Self::Output { path, error } => {
                write!(f, "cannot write output {}: {error}", path.display())
            }
            Self::Report(msg) => write!(f, "cannot write the report: {msg}"),
        }
    }
}

impl std::error::Error for CliError {}
