//! The tool's text and JSON output on standard streams: every write checked. A broken pipe
//! (`ipsecov2-hlk --list | head -1`) ends the process quietly with the status a shell shows
//! for SIGPIPE (141); any other write error (a full disk) is reported once on standard error
//! and fails the run (exit status 2) while the cases go on, so a JSON report file and
//! `--pcap` are still written.

use std::io::{self, Write};
use std::process::ExitCode;

/// Exit status of a process ended by a broken pipe: 128 + SIGPIPE, as a shell reports it.
pub const BROKEN_PIPE_STATUS: u8 = 141;

/// Which standard stream a [`Sink`] writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A checked writer over a standard stream.
#[derive(Debug)]
pub struct Sink {
    stream: Stream,
    failed: bool,
}

/// A broken pipe: the caller returns this status at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenPipe;

impl BrokenPipe {
    /// The exit status of a process ended by a broken pipe.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(BROKEN_PIPE_STATUS)
    }
}

impl Sink {
    /// A sink over `stream`.
    pub fn new(stream: Stream) -> Self {
        Self {
            stream,
            failed: false,
        }
    }

    /// Whether a write failed (other than by a broken pipe).
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Writes `text` and flushes it.
    pub fn write(&mut self, text: &str) -> Result<(), BrokenPipe> {
        if self.failed {
            return Ok(());
        }
        let r = match self.stream {
            Stream::Stdout => {
                let mut o = io::stdout().lock();
                o.write_all(text.as_bytes()).and_then(|()| o.flush())
            }
            Stream::Stderr => {
                let mut o = io::stderr().lock();
                o.write_all(text.as_bytes()).and_then(|()| o.flush())
            }
        };
        match r {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(BrokenPipe),
            Err(e) => {
                self.failed = true;
                let name = match self.stream {
                    Stream::Stdout => "standard output",
                    Stream::Stderr => "standard error",
                };
                let _ = writeln!(io::stderr(), "ipsecov2-hlk: cannot write to {name}: {e}");
                Ok(())
            }
        }
    }

    /// Writes `line` and a newline.
    pub fn line(&mut self, line: &str) -> Result<(), BrokenPipe> {
        let mut s = String::with_capacity(line.len() + 1);
        s.push_str(line);
        s.push('\n');
        self.write(&s)
    }
}

/// Reports an error on standard error (a failure there is ignored: there is nowhere left to
/// say it).
pub fn error(msg: &str) {
    let _ = writeln!(io::stderr(), "ipsecov2-hlk: {msg}");
}
