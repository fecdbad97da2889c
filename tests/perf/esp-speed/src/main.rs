//! `esp-speed [--runs N] [--run-ms MS]`: measure the standard cases and print
//! one line per case:
//!
//! `measure NAME BYTES MEDIAN_NS MIN_NS MAX_NS RUNS ITERS`
//!
//! `samples NAME NS NS ...` (every run, in run order)
//!
//! (nanoseconds per operation; BYTES is what one operation accounts for).
//!
//! `--filter TEXT` measures only the cases whose name contains TEXT.
//!
//! `esp-speed --profile NAME --iters N`: run one case N times without timing
//! (for `valgrind --tool=callgrind`).
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use esp_speed::{measure, standard_cases};

struct Args {
    runs: usize,
    run_ms: u64,
    profile: Option<String>,
    filter: Option<String>,
    iters: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        runs: 151,
        run_ms: 2,
        profile: None,
        filter: None,
        iters: 10_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |v: String| {
            v.parse::<u64>()
                .map_err(|e| format!("{flag}: {v:?} is not a number ({e})"))
        };
        match flag.as_str() {
            "--runs" => a.runs = usize::try_from(num(value()?)?).map_err(|e| e.to_string())?,
            "--run-ms" => a.run_ms = num(value()?)?,
            "--profile" => a.profile = Some(value()?),
            "--iters" => a.iters = num(value()?)?,
            "--filter" => a.filter = Some(value()?),
            _ => {
                return Err(format!(
                    "unknown argument {flag:?}; usage: esp-speed [--runs N] [--run-ms MS] [--filter TEXT] | --profile NAME [--iters N]"
                ))
            }
        }
    }
    Ok(a)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let mut cases = standard_cases()?;
    if let Some(f) = &args.filter {
        cases.retain(|c| c.name.contains(f.as_str()));
        if cases.is_empty() {
            return Err(format!("no case name contains {f:?}"));
        }
    }
    if let Some(name) = args.profile {
        let case = cases
            .iter_mut()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("no case named {name:?}"))?;
        case.run(args.iters)?;
        println!("ran {name} {} times", args.iters);
        return Ok(());
    }
    let stats = measure(&mut cases, args.runs, Duration::from_millis(args.run_ms))?;
    for (c, s) in cases.iter().zip(&stats) {
        println!(
            "measure {} {} {:.2} {:.2} {:.2} {} {}",
            c.name, c.bytes, s.median_ns, s.min_ns, s.max_ns, s.runs, s.iters
        );
        let all: Vec<String> = s.samples.iter().map(|v| format!("{v:.2}")).collect();
        println!("samples {} {}", c.name, all.join(" "));
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("esp-speed: {e}");
            ExitCode::FAILURE
        }
    }
}
