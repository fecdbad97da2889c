//! `ipsecov2-hlk`: HLK-style IPsecOV2 test cases run with the real filter core against the
//! in-process NDIS emulation. See `docs/hlk.md`.
#![forbid(unsafe_code)]

mod capture;
mod cases;
mod cli;
mod module_oids;
mod output;
mod target;
mod target_core;
mod target_device;
mod target_requests;
mod target_shared;
mod target_states;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod target_sys;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod target_sys_oid;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod target_sys_requests;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod target_sys_shared;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod target_sys_states;
mod tcpip;

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Instant;

use cli::{JsonDest, Parsed, Usage};
use output::{BrokenPipe, Sink, Stream};

/// A case's outcome: `Err` carries the reason of the failure.
pub type Outcome = Result<(), String>;

/// One named test case.
pub struct Case {
    /// HLK-job-like group.
    pub group: &'static str,
    /// Name inside the group.
    pub name: String,
    /// What the case checks (for `--list`).
    pub what: String,
    /// The check itself.
    pub run: Box<dyn Fn() -> Outcome>,
    /// It drives whole filter modules through the target's backend (`target::ModuleUnderTest`,
    /// `target::DatapathPair`), so it runs with `--target sys` and `--target device` too.
    pub on_module: bool,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.group, self.name)
    }
}

impl Case {
    /// `group/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

const HELP: &str = "\
ipsecov2-hlk: HLK-style IPsecOV2 (NDIS 6.80 IPsec task offload v2) test cases

USAGE: ipsecov2-hlk [OPTIONS]

OPTIONS (a value may also be given as --opt=value; a value that starts with `-` only so):
  --target emulated   run against the real filter core over the in-process NDIS
                      emulation (default)
  --target sys [PATH] run the cases that apply to a whole filter module against the
                      real driver binary (PATH, default $IPSECOV2_SYS or
                      target/windows/ipsecov2_lwf.sys) loaded by the PE driver host
                      (Linux x86-64; docs/pe-host.md); with --list, every case is
                      listed with the target it runs on and why
  --target device [PATH]
                      run the same cases as --target sys through the driver's control
                      device only (its test family: OID requests and injected NBL
                      chains, IOCTLs carried out by the driver): on Linux x86-64
                      through IRPs into the binary at PATH (default as for sys) in the
                      PE driver host, its adapters with ControlTestFamily 1; on
                      Windows through DeviceIoControl on the installed driver (the
                      modules' interface indexes in $IPSECOV2_HLK_MODULES)
  --filter SUBSTR     run only the cases whose `group/name` contains SUBSTR
                      (may be given several times: any match selects; selecting no
                      case is a usage error)
  --list              list the selected cases (`group/name  what it checks`) and exit;
                      with --json the list is also written as JSON
  --json [FILE]       also write a JSON report to FILE, or to stdout when FILE is
                      omitted or `-` (the text lines then go to stderr); FILE is
                      created before the first case runs
  --pcap DIR          write the wire traffic of every case that has some as
                      DIR/<group>/<case>.pcap (Ethernet), its Wireshark ESP SAs as
                      DIR/<group>/<case>.esp_sa, all ESP SAs as DIR/esp_sa and every
                      SA and frame as DIR/sas.json (docs/hlk.md); DIR is created and
                      checked for writing before the first case runs
  -h, --help          this text

Output: one line per case, `PASS group/case` or `FAIL group/case: reason`, then
`N passed, M failed` (always, also when writing the captures fails). Exit status: 0 all
passed, 1 a case failed, 2 usage error, unavailable target, or an output (JSON report,
captures, standard output) that could not be written; 141 standard output closed early
(a broken pipe, as `| head` does), quietly.

GROUPS: capabilities, oid-validity, capacity, delete-update, send, receive, combinations,
        two-hosts, pause-restart, offload-config, churn
";

fn run_case(c: &Case) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| (c.run)())) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            Err(format!("panicked: {msg}"))
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(broken) => broken.exit_code(),
    }
}

/// Writes the JSON report `text` to its destination; `false` when that failed (reported).
fn write_json(dest: &mut JsonDest, text: &str, stdout: &mut Sink) -> Result<bool, BrokenPipe> {
    match dest {
        JsonDest::Stdout => {
            stdout.line(text)?;
            Ok(!stdout.failed())
        }
        JsonDest::File(path, file, _) => {
            let r = file
                .set_len(0)
                .and_then(|()| file.write_all(text.as_bytes()))
                .and_then(|()| file.write_all(b"\n"))
                .and_then(|()| file.sync_all());
            if let Err(e) = r {
                output::error(&format!("cannot write {}: {e}", path.display()));
                return Ok(false);
            }
            Ok(true)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, BrokenPipe> {
    let mut opts = match cli::parse(args) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            Sink::new(Stream::Stdout).write(HELP)?;
            return Ok(ExitCode::SUCCESS);
        }
        Err(Usage(msg)) => {
            output::error(&msg);
            return Ok(ExitCode::from(2));
        }
    };
    // Keep panics (reported as FAIL) off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let mut all = cases::all();
    if opts.self_test_fail {
        all.push(cases::self_test_fail());
    }
    target::set(opts.target.clone());
    // The module targets run the cases that drive whole filter modules.
    let target_name = match opts.target {
        target::Target::Emulated => "emulated",
        target::Target::Sys(_) => "sys",
        target::Target::Device(_) => "device",
    };
    let sys = target_name != "emulated";
    let device = target_name == "device";
    // Why a case does not run with the selected module target, and where it runs instead
    // (`None`: it runs).
    let why_not = |c: &Case| -> Option<(&'static str, &'static str)> {
        if !c.on_module {
            Some(("emulated only", target::why_not_sys(c.group)))
        } else if device {
            target::why_not_device(c.group, &c.name).map(|w| ("sys only", w))
        } else {
            None
        }
    };
    let selected: Vec<&Case> = all
        .iter()
        .filter(|c| opts.filters.is_empty() || opts.filters.iter().any(|f| c.id().contains(f)))
        .filter(|c| opts.list || !sys || why_not(c).is_none())
        .collect();
    if selected.is_empty() {
        output::error(&format!(
            "no case matches --filter {} (names are `group/case` in lower case, see --list)",
            opts.filters
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        cli::discard(&opts);
        return Ok(ExitCode::from(2));
    }
    let json_stdout = matches!(opts.json, Some(JsonDest::Stdout));
    let mut stdout = Sink::new(Stream::Stdout);
    let mut text = Sink::new(if json_stdout {
        Stream::Stderr
    } else {
        Stream::Stdout
    });
    let mut output_failed = false;
    if opts.list && sys {
        let mut applies = 0usize;
        for c in &selected {
            let on = match why_not(c) {
                None => {
                    applies += 1;
                    format!("[{target_name}]")
                }
                Some((only, why)) => format!("[{only}: {why}]"),
            };
            text.line(&format!("{:<48} {} {on}", c.id(), c.what))?;
        }
        text.line(&format!(
            "{} cases, {applies} run with --target {target_name}",
            selected.len()
        ))?;
    } else if opts.list {
        for c in &selected {
            text.line(&format!("{:<48} {}", c.id(), c.what))?;
        }
        text.line(&format!("{} cases", selected.len()))?;
    }
    if opts.list {
        if let Some(dest) = opts.json.as_mut() {
            let report = serde_json::json!({
                "tool": "ipsecov2-hlk",
                "version": env!("CARGO_PKG_VERSION"),
                "total": selected.len(),
                "cases": selected.iter().map(|c| {
                    let mut j = serde_json::json!({
                        "group": c.group,
                        "case": c.name,
                        "id": c.id(),
                        "what": c.what,
                    });
                    if sys {
                        let why = why_not(c);
                        j[target_name] = serde_json::json!(why.is_none());
                        if let Some((_, why)) = why {
                            j[format!("why_not_{target_name}")] = serde_json::json!(why);
                        }
                    }
                    j
                }).collect::<Vec<_>>(),
            });
            let t = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into());
            output_failed |= !write_json(dest, &t, &mut stdout)?;
        }
        return Ok(if output_failed || text.failed() || stdout.failed() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }
    if let Some(dir) = &opts.pcap {
        match capture::Capture::new(dir) {
            Ok(c) => capture::install(c),
            Err(e) => {
                output::error(&format!("--pcap: {e}"));
                cli::discard(&opts);
                return Ok(ExitCode::from(2));
            }
        }
    }
    let start = Instant::now();
    let mut results = Vec::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for c in &selected {
        let t = Instant::now();
        capture::set_case(&c.id());
        let r = run_case(c);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let line = match &r {
            Ok(()) => {
                passed += 1;
                format!("PASS {}", c.id())
            }
            Err(e) => {
                failed += 1;
                format!("FAIL {}: {}", c.id(), e.replace('\n', " "))
            }
        };
        text.line(&line)?;
        results.push(serde_json::json!({
            "group": c.group,
            "case": c.name,
            "id": c.id(),
            "result": if r.is_ok() { "pass" } else { "fail" },
            "reason": r.err(),
            "ms": (ms * 1000.0).round() / 1000.0,
        }));
    }
    let mut pcap_error = None;
    if let Some(cap) = capture::uninstall() {
        if let Err(e) = cap.finish() {
            output::error(&format!("--pcap: {e}"));
            pcap_error = Some(e);
            output_failed = true;
        }
    }
    text.line(&format!("{passed} passed, {failed} failed"))?;
    if let Some(dest) = opts.json.as_mut() {
        let report = serde_json::json!({
            "tool": "ipsecov2-hlk",
            "version": env!("CARGO_PKG_VERSION"),
            "target": target_name,
            "passed": passed,
            "failed": failed,
            "total": passed + failed,
            "seconds": start.elapsed().as_secs_f64(),
            "pcap_error": pcap_error,
            "cases": results,
        });
        let t = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into());
        output_failed |= !write_json(dest, &t, &mut stdout)?;
    }
    Ok(if output_failed || text.failed() || stdout.failed() {
        ExitCode::from(2)
    } else if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
