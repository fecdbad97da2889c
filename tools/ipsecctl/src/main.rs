//! `ipsecctl`: command-line front end (see `docs/ipsecctl.md`).
#![forbid(unsafe_code)]

use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ExitCode, Stdio};

use clap::{Args, Parser, Subcommand};
use ipsecctl::control::batch::{error_json, run_batch, write_output};
use ipsecctl::control::{execute, Common, ControlCommand, ControlError, Session};
use ipsecctl::output::TempWatch;
use ipsecctl::report::Report;
use ipsecctl::run::{run_pcap, Operation, PcapJob};
use ipsecctl::{CliError, ExitStatus};

/// IPsecOV2 software offload: user-mode tools.
#[derive(Debug, Parser)]
#[command(name = "ipsecctl", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Encrypt or decrypt the packets of a pcap/pcapng capture with the ESP/AH engine.
    Pcap {
        #[command(subcommand)]
        op: PcapOp,
    },
    #[command(flatten)]
    Control(ControlCommand),
    /// Run control commands from FILE (`-`: standard input), one per line, in one process.
    Batch {
        /// The script.
        #[arg(allow_hyphen_values = true)]
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// (internal) Removes PATH when standard input closes without the byte `k` first: the
    /// guard of OUT's temporary file, run by `pcap` in a process group of its own.
    #[command(name = "watch-temp", hide = true)]
    WatchTemp {
        /// The temporary file.
        path: PathBuf,
    },
}

const PCAP_HELP: &str = "\
SPEC example (one quoted string per --sa, quotes inside parsed like a shell's):
  --sa \"src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \\
        aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \\
        replay-window 64 sel src 10.0.0.0/24 dst 10.0.1.0/24\"
OUT: a regular file is replaced atomically (symlinks followed, mode kept, new files 0600);
a device, FIFO, `-` or /dev/stdout is written as a stream. A capture cut short is read up
to the cut (with a warning). Dropped frames are listed by input frame number.
Exit status: 0 ran (drops are reported), 1 output not written, 2 bad arguments, SPEC or input.
The accepted grammar, matching rules and report format are in docs/ipsecctl.md.";

#[derive(Debug, Subcommand)]
#[command(after_help = PCAP_HELP)]
enum PcapOp {
    /// Protect every plain IP packet that matches an SA (ESP, AH or ESP+AH).
    #[command(after_help = PCAP_HELP)]
    Encrypt(PcapArgs),
    /// Verify and decapsulate ESP/AH packets (also ESP in UDP); others pass unchanged.
    #[command(after_help = PCAP_HELP)]
    Decrypt(PcapArgs),
}

#[derive(Debug, Args)]
struct PcapArgs {
    /// An SA in `ip xfrm state add` syntax, as one (quoted) string; repeatable.
    #[arg(
        long = "sa",
        value_name = "SPEC",
        required = true,
        allow_hyphen_values = true
    )]
    sa: Vec<String>,
    /// Input capture (pcap or pcapng).
    #[arg(long = "in", value_name = "IN")]
    input: PathBuf,
    /// Output capture (pcap): a regular file is written atomically, `-` is standard output.
    #[arg(long = "out", value_name = "OUT", allow_hyphen_values = true)]
    output: PathBuf,
    /// Write dropped frames unchanged, so that output frame N is input frame N.
    #[arg(long = "keep-dropped")]
    keep_dropped: bool,
    /// Print the report as a JSON document instead of text.
    #[arg(long)]
    json: bool,
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("ipsecctl: error: {e}");
    ExitCode::from(u8::try_from(e.status().code()).unwrap_or(1))
}

/// The guard of a temporary file: `ipsecctl watch-temp PATH` in its own process group (so
/// that Ctrl-C in the terminal does not reach it), its standard input a pipe from here.
#[derive(Debug)]
struct ChildWatch {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl TempWatch for ChildWatch {
    fn disarm(mut self: Box<Self>) {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.write_all(b"k");
        }
        let _ = self.child.wait();
    }
}

/// A guard that could not be started: the run goes on without one (said once on stderr).
#[derive(Debug)]
struct NoWatch;

impl TempWatch for NoWatch {
    fn disarm(self: Box<Self>) {}
}

fn spawn_watch(path: &Path) -> std::io::Result<Box<dyn TempWatch>> {
    match start_watch(path) {
        Ok(w) => Ok(w),
        Err(e) => {
            eprintln!(
                "ipsecctl: warning: cannot start the guard of the temporary file ({e}); \
                 an interrupted run may leave {}",
                path.display()
            );
            Ok(Box::new(NoWatch))
        }
    }
}

fn start_watch(path: &Path) -> std::io::Result<Box<dyn TempWatch>> {
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .arg("watch-temp")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    let stdin = child.stdin.take();
    Ok(Box::new(ChildWatch { child, stdin }))
}

/// Whether OUT is standard output: `-`, or the same file (device and inode) as it.
fn out_is_stdout(out: &Path) -> bool {
    if out.as_os_str() == "-" {
        return true;
    }
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    let (Ok(a), Ok(b)) = (std::fs::File::from(fd).metadata(), std::fs::metadata(out)) else {
        return false;
    };
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Exit status of a failed control command: 1 refused by the control plane, 2 bad arguments.
fn control_status(e: &ControlError) -> ExitCode {
    ExitCode::from(match e {
        ControlError::Call { .. } => 1,
        _ => 2,
    })
}

fn control_fail(e: &ControlError, line: Option<usize>, json: bool) -> ExitCode {
    match line {
        Some(n) => eprintln!("ipsecctl: error: line {n}: {e}"),
        None => eprintln!("ipsecctl: error: {e}"),
    }
    if json {
        println!("{}", error_json(e, line));
    }
    control_status(e)
}

fn control(cmd: &ControlCommand) -> ExitCode {
    let common = cmd.common();
    let mut session = match Session::open(common) {
        Ok(s) => s,
        Err(e) => return control_fail(&e, None, common.json),
    };
    let mut out = std::io::stdout().lock();
    match execute(&mut session, cmd, &mut |o| {
        write_output(&mut out, o, common.json)
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            drop(out);
            control_fail(&e, None, common.json)
        }
    }
}

fn batch(file: &Path, common: Common) -> ExitCode {
    let mut session = match Session::open(common) {
        Ok(s) => s,
        Err(e) => return control_fail(&e, None, common.json),
    };
    let mut input: Box<dyn std::io::BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(file) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                let e = ControlError::Batch(format!("cannot open {}: {e}", file.display()));
                return control_fail(&e, None, common.json);
            }
        }
    };
    let mut out = std::io::stdout().lock();
    match run_batch(&mut session, &mut input, common.json, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            drop(out);
            control_fail(&f.error, Some(f.line), common.json)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let op = match cli.command {
        Command::Pcap { op } => op,
        Command::Control(cmd) => return control(&cmd),
        Command::Batch { file, common } => return batch(&file, common),
        Command::WatchTemp { path } => {
            ipsecctl::output::watch_and_remove(&path, &mut std::io::stdin().lock());
            return ExitCode::SUCCESS;
        }
    };
    let (op, args) = match op {
        PcapOp::Encrypt(a) => (Operation::Encrypt, a),
        PcapOp::Decrypt(a) => (Operation::Decrypt, a),
    };
    let job = PcapJob {
        op,
        sas: args.sa,
        input: args.input,
        output: args.output,
        keep_dropped: args.keep_dropped,
    };
    let json = args.json;
    // With OUT on standard output (`-`, /dev/stdout, or the file stdout is redirected to) the
    // report goes to standard error, so that the capture stays clean.
    let report_to_stderr = out_is_stdout(&job.output);
    let mut show = |report: &Report| -> Result<(), CliError> {
        if let Some(cut) = &report.input_truncated {
            eprintln!("ipsecctl: warning: the input was cut short, read up to the cut: {cut}");
        }
        let text = if json {
            report
                .to_json()
                .map(|j| j + "\n")
                .map_err(|e| CliError::Report(e.to_string()))?
        } else {
            report.to_text()
        };
        let r = if report_to_stderr {
            let mut out = std::io::stderr().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        };
        r.map_err(|e| CliError::Report(e.to_string()))
    };
    match run_pcap(&job, Some(&spawn_watch), &mut show) {
        Ok(_) => ExitCode::from(u8::try_from(ExitStatus::Success.code()).unwrap_or(0)),
        Err(e) => fail(&e),
    }
}
