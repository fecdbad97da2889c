//! `ipsecov2-hlk`: HLK-style IPsecOV2 test cases run with the real filter core against the
//! in-process NDIS emulation. See `docs/hlk.md`.
#![forbid(unsafe_code)]

mod capture;
mod cases;
mod tcpip;

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Instant;

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

OPTIONS:
  --target emulated   run against the real filter core over the in-process NDIS
                      emulation (default)
  --target device     run against the installed driver's control device
                      (not available in this build: exits with status 2)
  --filter SUBSTR     run only the cases whose `group/name` contains SUBSTR
                      (may be given several times: any match selects)
  --list              list the selected cases (`group/name  what it checks`) and exit
  --json [FILE]       also write a JSON report to FILE, or to stdout when FILE is
                      omitted or `-` (the text lines then go to stderr)
  --pcap DIR          write the wire traffic of every case that has some as
                      DIR/<group>/<case>.pcap (Ethernet), its Wireshark ESP SAs as
                      DIR/<group>/<case>.esp_sa, all ESP SAs as DIR/esp_sa and every
                      SA and frame as DIR/sas.json (docs/hlk.md)
  -h, --help          this text

Output: one line per case, `PASS group/case` or `FAIL group/case: reason`, then
`N passed, M failed`. Exit status: 0 all passed, 1 a case failed, 2 usage error or
unavailable target.

GROUPS: capabilities, oid-validity, capacity, delete-update, send, receive, combinations,
        two-hosts, pause-restart, offload-config, churn

NOT IN THIS BUILD:
  --target device   the same cases through the Windows driver's control device (needs the
                    control device's IOCTL protocol)
";

struct Options {
    filters: Vec<String>,
    list: bool,
    json: Option<Option<String>>,
    pcap: Option<String>,
    self_test_fail: bool,
}

fn parse(args: &[String]) -> Result<Option<Options>, (u8, String)> {
    let mut o = Options {
        filters: Vec::new(),
        list: false,
        json: None,
        pcap: None,
        self_test_fail: false,
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let value = |i: usize| -> Result<String, (u8, String)> {
            args.get(i + 1)
                .cloned()
                .ok_or_else(|| (2, format!("{a} needs a value")))
        };
        match a {
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(None);
            }
            "--list" => o.list = true,
            "--self-test-fail" => o.self_test_fail = true,
            "--pcap" => {
                o.pcap = Some(value(i)?);
                i += 1;
            }
            "--filter" => {
                o.filters.push(value(i)?);
                i += 1;
            }
            "--json" => match args.get(i + 1) {
                Some(v) if !v.starts_with("--") => {
                    o.json = Some(if v == "-" { None } else { Some(v.clone()) });
                    i += 1;
                }
                _ => o.json = Some(None),
            },
            "--target" => {
                let t = value(i)?;
                i += 1;
                match t.as_str() {
                    "emulated" => {}
                    "device" => {
                        return Err((
                            2,
                            "--target device needs the Windows driver's control device protocol, \
                             which is not available in this build; use --target emulated"
                                .into(),
                        ))
                    }
                    other => {
                        return Err((2, format!("unknown target `{other}` (emulated or device)")))
                    }
                }
            }
            other => return Err((2, format!("unknown argument `{other}` (see --help)"))),
        }
        i += 1;
    }
    Ok(Some(o))
}

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
    let opts = match parse(&args) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err((code, msg)) => {
            eprintln!("ipsecov2-hlk: {msg}");
            return ExitCode::from(code);
        }
    };
    // Keep panics (reported as FAIL) off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let mut all = cases::all();
    if opts.self_test_fail {
        all.push(cases::self_test_fail());
    }
    let selected: Vec<&Case> = all
        .iter()
        .filter(|c| opts.filters.is_empty() || opts.filters.iter().any(|f| c.id().contains(f)))
        .collect();
    if opts.list {
        for c in &selected {
            println!("{:<48} {}", c.id(), c.what);
        }
        println!("{} cases", selected.len());
        return ExitCode::SUCCESS;
    }
    let json_stdout = matches!(opts.json, Some(None));
    let mut out: Box<dyn Write> = if json_stdout {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    if let Some(dir) = &opts.pcap {
        match capture::Capture::new(std::path::Path::new(dir)) {
            Ok(c) => capture::install(c),
            Err(e) => {
                eprintln!("ipsecov2-hlk: --pcap: {e}");
                return ExitCode::from(2);
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
        let _ = writeln!(out, "{line}");
        results.push(serde_json::json!({
            "group": c.group,
            "case": c.name,
            "id": c.id(),
            "result": if r.is_ok() { "pass" } else { "fail" },
            "reason": r.err(),
            "ms": (ms * 1000.0).round() / 1000.0,
        }));
    }
    if let Some(cap) = capture::uninstall() {
        if let Err(e) = cap.finish() {
            let _ = writeln!(out, "ipsecov2-hlk: --pcap: {e}");
            let _ = out.flush();
            return ExitCode::from(2);
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    let _ = out.flush();
    if let Some(dest) = opts.json {
        let report = serde_json::json!({
            "tool": "ipsecov2-hlk",
            "version": env!("CARGO_PKG_VERSION"),
            "target": "emulated",
            "passed": passed,
            "failed": failed,
            "total": passed + failed,
            "seconds": start.elapsed().as_secs_f64(),
            "cases": results,
        });
        let text = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into());
        match dest {
            None => println!("{text}"),
            Some(path) => {
                if let Err(e) = std::fs::write(&path, text + "\n") {
                    eprintln!("ipsecov2-hlk: cannot write {path}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
