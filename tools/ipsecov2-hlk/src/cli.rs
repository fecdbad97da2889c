//! Command-line parsing of `ipsecov2-hlk`: `--opt value` and `--opt=value`, values that look
//! like options refused, every output path checked before the first case runs.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Where the JSON report goes.
#[derive(Debug)]
pub enum JsonDest {
    /// Standard output (the text lines then go to standard error).
    Stdout,
    /// A file, opened (created if absent, not yet truncated) while parsing so that a bad path
    /// fails before any case runs; `bool`: it did not exist before.
    File(PathBuf, File, bool),
}

/// The parsed command line.
#[derive(Debug, Default)]
pub struct Options {
    /// `--filter` substrings (any match selects).
    pub filters: Vec<String>,
    /// `--list`.
    pub list: bool,
    /// `--json [FILE]`.
    pub json: Option<JsonDest>,
    /// `--pcap DIR`, created and checked for writing.
    pub pcap: Option<PathBuf>,
    /// `--self-test-fail` (adds one failing case, for the tool's own tests).
    pub self_test_fail: bool,
    /// `--target`.
    pub target: crate::target::Target,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    /// `--help`: print the help and exit 0.
    Help,
    /// Run (or list) with these options.
    Run(Options),
}

/// A usage error (exit status 2) with its message.
#[derive(Debug, PartialEq, Eq)]
pub struct Usage(pub String);

/// The `.sys` of `--target sys` without a PATH.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn sys_default() -> Result<PathBuf, Usage> {
    Ok(crate::target::default_sys())
}

/// The `.sys` of `--target sys` without a PATH: none where the PE host does not run.
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn sys_default() -> Result<PathBuf, Usage> {
    Err(Usage(
        "--target sys runs only on Linux x86-64 (the PE driver host)".into(),
    ))
}

/// The `.sys` of `--target device [PATH]` on Linux x86-64 (the PE driver host loads it).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn device_path(args: &[String], i: &mut usize) -> Result<PathBuf, Usage> {
    let path = match args.get(*i + 1) {
        Some(p) if !p.starts_with('-') => {
            *i += 1;
            PathBuf::from(p)
        }
        _ => sys_default()?,
    };
    if !path.is_file() {
        return Err(Usage(format!(
            "--target device: no driver binary at {} for the PE driver host (link it with \
             tests/pe-host/build-sys, or give its PATH)",
            path.display()
        )));
    }
    Ok(path)
}

/// `--target device` on Windows: the installed driver's control device (no PATH).
#[cfg(windows)]
fn device_path(_args: &[String], _i: &mut usize) -> Result<PathBuf, Usage> {
    Ok(PathBuf::new())
}

/// `--target device` where neither the PE host nor the Windows device exists.
#[cfg(not(any(windows, all(target_arch = "x86_64", target_os = "linux"))))]
fn device_path(_args: &[String], _i: &mut usize) -> Result<PathBuf, Usage> {
    Err(Usage(
        "--target device runs on Windows (the installed driver) or on Linux x86-64 (the PE \
         driver host)"
            .into(),
    ))
}

/// Splits `--opt=value` into the option and its inline value.
fn split(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((o, v)) if o.starts_with("--") => (o, Some(v)),
        _ => (arg, None),
    }
}

/// The value of an option that needs one: inline (`--opt=value`, taken as it is) or the next
/// argument, which must not look like an option (`--filter --list` is a usage error; write
/// `--filter=--list` to mean it).
fn value(opt: &str, inline: Option<&str>, args: &[String], i: &mut usize) -> Result<String, Usage> {
    if let Some(v) = inline {
        return Ok(v.to_string());
    }
    match args.get(*i + 1) {
        Some(v) if v.starts_with('-') && v.len() > 1 => Err(Usage(format!(
            "{opt} needs a value, got the option `{v}` (write {opt}={v} if you mean it)"
        ))),
        Some(v) => {
            *i += 1;
            Ok(v.clone())
        }
        None => Err(Usage(format!("{opt} needs a value"))),
    }
}

/// Opens the JSON report file now (so a bad path fails before any case runs).
fn json_file(path: &str) -> Result<JsonDest, Usage> {
    if path.is_empty() {
        return Err(Usage("--json: the file name is empty".into()));
    }
    let p = PathBuf::from(path);
    if p.is_dir() {
        return Err(Usage(format!("--json {path}: is a directory")));
    }
    let existed = p.exists();
    match std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&p)
    {
        Ok(f) => Ok(JsonDest::File(p, f, !existed)),
        Err(e) => Err(Usage(format!(
            "--json {path}: cannot create the report file: {e}{}",
            if path.contains('/') && !path.starts_with('/') && !path.starts_with('.') {
                " (a case filter goes after --filter)"
            } else {
                ""
            }
        ))),
    }
}

/// Creates DIR and checks that a file can be written in it.
fn pcap_dir(dir: &str) -> Result<PathBuf, Usage> {
    if dir.is_empty() {
        return Err(Usage("--pcap: the directory name is empty".into()));
    }
    let p = PathBuf::from(dir);
    std::fs::create_dir_all(&p)
        .map_err(|e| Usage(format!("--pcap {dir}: cannot create the directory: {e}")))?;
    let probe = p.join(format!(".ipsecov2-hlk-probe-{}", std::process::id()));
    File::create(&probe)
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| Usage(format!("--pcap {dir}: cannot write in the directory: {e}")))?;
    Ok(p)
}

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Parsed, Usage> {
    let mut o = Options::default();
    let mut json: Option<Option<String>> = None;
    let mut pcap: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let (opt, inline) = split(&args[i]);
        let flag = |o: &str| -> Result<(), Usage> {
            match inline {
                Some(_) => Err(Usage(format!("{o} takes no value"))),
                None => Ok(()),
            }
        };
        match opt {
            "-h" | "--help" => {
                flag(opt)?;
                return Ok(Parsed::Help);
            }
            "--list" => {
                flag(opt)?;
                o.list = true;
            }
            "--self-test-fail" => {
                flag(opt)?;
                o.self_test_fail = true;
            }
            "--pcap" => pcap = Some(value(opt, inline, args, &mut i)?),
            "--filter" => {
                let f = value(opt, inline, args, &mut i)?;
                if f.is_empty() {
                    return Err(Usage("--filter: the pattern is empty".into()));
                }
                o.filters.push(f);
            }
            "--json" => {
                json = Some(match inline {
                    Some("-") => None,
                    Some(v) => Some(v.to_string()),
                    None => match args.get(i + 1) {
                        Some(v) if v == "-" => {
                            i += 1;
                            None
                        }
                        Some(v) if !v.starts_with('-') => {
                            i += 1;
                            Some(v.clone())
                        }
                        _ => None,
                    },
                });
            }
            "--target" => match value(opt, inline, args, &mut i)?.as_str() {
                "emulated" => o.target = crate::target::Target::Emulated,
                "sys" => {
                    let path = match args.get(i + 1) {
                        Some(p) if !p.starts_with('-') => {
                            i += 1;
                            PathBuf::from(p)
                        }
                        _ => sys_default()?,
                    };
                    if !path.is_file() {
                        return Err(Usage(format!(
                            "--target sys: no driver binary at {} (link it with \
                             tests/pe-host/build-sys, or give its PATH)",
                            path.display()
                        )));
                    }
                    o.target = crate::target::Target::Sys(path);
                }
                "device" => {
                    o.target = crate::target::Target::Device(device_path(args, &mut i)?);
                }
                other => {
                    return Err(Usage(format!(
                        "unknown target `{other}` (emulated, sys or device)"
                    )))
                }
            },
            _ => {
                return Err(Usage(format!(
                    "unknown argument `{}` (see --help)",
                    args[i]
                )))
            }
        }
        i += 1;
    }
    // Output paths are checked only once the whole command line is known to be good.
    o.pcap = pcap.as_deref().map(pcap_dir).transpose()?;
    o.json = match json {
        None => None,
        Some(None) => Some(JsonDest::Stdout),
        Some(Some(path)) => Some(json_file(&path)?),
    };
    Ok(Parsed::Run(o))
}

/// Removes a JSON report file that [`parse`] created when the run stops with a usage error
/// before writing it (a file that existed before is left as it was).
pub fn discard(o: &Options) {
    if let Some(JsonDest::File(p, _, true)) = &o.json {
        let _ = std::fs::remove_file(Path::new(p));
    }
}
