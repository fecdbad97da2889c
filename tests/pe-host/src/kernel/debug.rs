//! `DbgPrintEx`: a variadic import, bound to a fixed-arity shim that takes the format and six
//! argument slots (registers r9 and the caller's stack slots; slots the format does not use are
//! never read as pointers). The text is formatted like the kernel's printf subset and kept in a
//! log the tests read (and echoed to stderr when `PE_HOST_DBGPRINT` is set).

use core::ffi::{c_char, CStr};
use std::sync::Mutex;

use super::irql::{at_most, HIGH_LEVEL};

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Takes the lines printed so far.
pub fn take_log() -> Vec<String> {
    LOG.lock()
        .map(|mut l| core::mem::take(&mut *l))
        .unwrap_or_default()
}

/// Formats `format` with `args` (`%s %d %i %u %x %X %p %c %%`, flags `0` and `-`, a width, and
/// the length prefixes `l`, `ll`, `h`, `z`, `I64`).
///
/// # Safety
/// `format` must be a NUL-terminated string, and each `%s` must match a NUL-terminated string
/// pointer (or NULL) among `args`, as the driver's call promises.
pub unsafe fn format(format: *const c_char, args: &[u64]) -> String {
    if format.is_null() {
        return "(null format)".to_owned();
    }
    // SAFETY: the caller promises a NUL-terminated format.
    let f = unsafe { CStr::from_ptr(format) }
        .to_string_lossy()
        .into_owned();
    let mut out = String::new();
    let mut it = f.chars().peekable();
    let mut next_arg = args.iter().copied();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut zero = false;
        let mut left = false;
        while let Some(&f) = it.peek() {
            match f {
                '0' => zero = true,
                '-' => left = true,
                _ => break,
            }
            it.next();
        }
        let mut width = 0usize;
        while let Some(d) = it.peek().and_then(|c| c.to_digit(10)) {
            width = width * 10 + d as usize;
            it.next();
        }
        let mut wide = false;
        loop {
            match it.peek() {
                Some('l') | Some('z') => {
                    wide = true;
                    it.next();
                }
                Some('h') => {
                    it.next();
                }
                Some('I') => {
                    it.next();
                    if it.peek() == Some(&'6') {
                        it.next();
                        it.next();
                    }
                    wide = true;
                }
                _ => break,
            }
        }
        let Some(conv) = it.next() else { break };
        let text = match conv {
            '%' => "%".to_owned(),
            's' => {
                let p = next_arg.next().unwrap_or(0) as *const c_char;
                if p.is_null() {
                    "(null)".to_owned()
                } else {
                    // SAFETY: the caller promises `%s` arguments are NUL-terminated strings.
                    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
                }
            }
            'd' | 'i' => {
                let v = next_arg.next().unwrap_or(0);
                if wide {
                    (v as i64).to_string()
                } else {
                    (v as u32 as i32).to_string()
                }
            }
            'u' => {
                let v = next_arg.next().unwrap_or(0);
                if wide {
                    v.to_string()
                } else {
                    (v as u32).to_string()
                }
            }
            'x' | 'X' => {
                let v = next_arg.next().unwrap_or(0);
                let v = if wide { v } else { u64::from(v as u32) };
                if conv == 'x' {
                    format!("{v:x}")
                } else {
                    format!("{v:X}")
                }
            }
            'p' => format!("{:016X}", next_arg.next().unwrap_or(0)),
            'c' => char::from(next_arg.next().unwrap_or(0) as u8).to_string(),
            other => format!("%{other}"),
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.extend(core::iter::repeat_n(' ', pad));
        } else {
            let fill = if zero { '0' } else { ' ' };
            out.extend(core::iter::repeat_n(fill, pad));
            out.push_str(&text);
        }
    }
    out
}

fn record(line: String) {
    if std::env::var_os("PE_HOST_DBGPRINT").is_some() {
        eprint!("{line}");
    }
    if let Ok(mut l) = LOG.lock() {
        l.push(line);
    }
}

/// `ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)` with six argument
/// slots — any IRQL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "win64" fn dbg_print_ex(
    component: u32,
    level: u32,
    format_: *const c_char,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    a4: u64,
    a5: u64,
) -> u32 {
    at_most("DbgPrintEx", HIGH_LEVEL);
    // SAFETY: the driver passes a format and matching arguments (DbgPrintEx's contract).
    let text = unsafe { format(format_, &[a0, a1, a2, a3, a4, a5]) };
    record(format!("[{component:#x}/{level}] {text}"));
    0
}

/// `ULONG DbgPrint(PCSTR Format, ...)` with seven argument slots — any IRQL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "win64" fn dbg_print(
    format_: *const c_char,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    a4: u64,
    a5: u64,
    a6: u64,
) -> u32 {
    at_most("DbgPrint", HIGH_LEVEL);
    // SAFETY: as for DbgPrintEx.
    let text = unsafe { format(format_, &[a0, a1, a2, a3, a4, a5, a6]) };
    record(text);
    0
}
