//! `ipsecctl`: command-line front end (see `docs/ipsecctl.md`).
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
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
}

const PCAP_HELP: &str = "\
SPEC example (one quoted string per --sa, quotes inside parsed like a shell's):
  --sa \"src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \\
        aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \\
        replay-window 64 sel src 10.0.0.0/24 dst 10.0.1.0/24\"
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
    /// Output capture (pcap), written atomically.
    #[arg(long = "out", value_name = "OUT")]
    output: PathBuf,
    /// Print the report as a JSON document instead of text.
    #[arg(long)]
    json: bool,
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("ipsecctl: error: {e}");
    ExitCode::from(u8::try_from(e.status().code()).unwrap_or(1))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Pcap { op } = cli.command;
    let (op, args) = match op {
        PcapOp::Encrypt(a) => (Operation::Encrypt, a),
        PcapOp::Decrypt(a) => (Operation::Decrypt, a),
    };
    let job = PcapJob {
        op,
        sas: args.sa,
        input: args.input,
        output: args.output,
    };
    let report = match run_pcap(&job) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let text = if args.json {
        match report.to_json() {
            Ok(j) => j + "\n",
            Err(e) => return fail(&CliError::Report(e.to_string())),
        }
    } else {
        report.to_text()
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        return fail(&CliError::Report(e.to_string()));
    }
    ExitCode::from(u8::try_from(ExitStatus::Success.code()).unwrap_or(0))
}
