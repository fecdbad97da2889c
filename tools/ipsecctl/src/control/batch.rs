//! `ipsecctl batch FILE|-`: one control command per line, run in order in one process on one
//! session, so that an in-process control plane keeps what earlier lines made. Empty lines and
//! lines starting with `#` are skipped; words are split like a shell's (quotes, backslashes).
//! The first failing line stops the run.

use std::io::{BufRead, Write};

use clap::Parser;
use serde_json::json;

use super::args::ControlCommand;
use super::error::ControlError;
use super::exec::{execute, Output};
use super::Session;
use crate::spec::tokenize;

/// The grammar of one line.
#[derive(Debug, Parser)]
#[command(
    name = "batch line",
    no_binary_name = true,
    disable_version_flag = true
)]
struct Line {
    #[command(subcommand)]
    command: ControlCommand,
}

/// A line that failed, and why.
#[derive(Debug)]
pub struct BatchFailure {
    /// 1-based line number (0: before the first line).
    pub line: usize,
    /// The error.
    pub error: ControlError,
}

/// Parses one line (`None` for an empty line or a comment).
pub fn parse_line(text: &str) -> Result<Option<ControlCommand>, ControlError> {
    let t = text.trim();
    if t.is_empty() || t.starts_with('#') {
        return Ok(None);
    }
    let words = tokenize(t).map_err(|e| ControlError::Usage(e.to_string()))?;
    let line = Line::try_parse_from(&words)
        .map_err(|e| ControlError::Usage(e.render().to_string().trim_end().to_owned()))?;
    if line.command.common().device {
        return Err(ControlError::Usage(
            "--device goes before the script: `ipsecctl batch --device FILE`".into(),
        ));
    }
    Ok(Some(line.command))
}

/// Writes one result: a JSON line, or the text.
pub fn write_output(out: &mut dyn Write, o: &Output, json: bool) -> Result<(), ControlError> {
    let r = if json {
        writeln!(out, "{}", o.json)
    } else {
        out.write_all(o.text.as_bytes())
    };
    r.and_then(|()| out.flush())
        .map_err(|e| ControlError::Batch(format!("cannot write the output: {e}")))
}

/// A failure as the JSON document printed with `--json`.
pub fn error_json(e: &ControlError, line: Option<usize>) -> serde_json::Value {
    let (code, name) = e.code().map_or((None, None), |(c, n)| (Some(c), Some(n)));
    json!({
        "error": {
            "line": line,
            "code": code,
            "name": name,
            "message": e.to_string(),
            "hint": e.hint(),
        }
    })
}

/// Runs every line of `input` on `session`, results to `out`.
pub fn run_batch(
    session: &mut Session,
    input: &mut dyn BufRead,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), BatchFailure> {
    let mut text = String::new();
    let mut n = 0;
    loop {
        text.clear();
        n += 1;
        let read = input.read_line(&mut text).map_err(|e| BatchFailure {
            line: n,
            error: ControlError::Batch(format!("cannot read the script: {e}")),
        })?;
        if read == 0 {
            return Ok(());
        }
        let fail = |error| BatchFailure { line: n, error };
        let Some(cmd) = parse_line(&text).map_err(fail)? else {
            continue;
        };
        let as_json = json || cmd.common().json;
        execute(session, &cmd, &mut |o| write_output(out, o, as_json)).map_err(fail)?;
    }
}
